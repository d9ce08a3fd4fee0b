"""Outfit mode's acceptance figures, measured on the written outputs of real try-on pairs.

    .venv/bin/python bench/measure_outfit.py [--assets ../shared/assets/outfit] [--out out/outfit_measure]

For each pair it runs `animate outfit` as a user would (a separate process), reads the PNG it
wrote and measures, independently of the renderer (MediaPipe Pose on the *source* photo):

- colour: the output's mean CIELAB colour in the region the garment should cover against
  the garment's own mean colour (over its cut-out, or its supplied mask), CIEDE2000.  Beside
  it, the same for the source photo ("before") and for the fitted garment alone, warped with
  no shading and nothing in front ("garment alone"): how far the garment's own design in that
  region is from its overall mean (a top whose chest is a different colour from its sleeves);  For
  tops the region is the shoulder-hip quadrilateral shrunk to 60% about its centre; for
  trousers, a band along each leg's bones (thigh from 25% down, shin to 90%) 0.06 torso
  lengths wide each side;
- face: SSIM between source and output over the face's box (MediaPipe's face landmarks
  0-10 padded by 40%);
- background: the mean absolute change (of 255) outside the person's silhouette dilated by
  2.5% of the image diagonal.

Targets: colour at most 15, face SSIM at least 0.95, background at most 3.
"""

from __future__ import annotations

import argparse
import subprocess
import sys
import time
from pathlib import Path

import numpy as np

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))

from toolkit.metrics import away_from_person, delta_e, face_box, lab_mean, legs_region, torso_region  # noqa: E402

PAIRS = [  # (person, garment, garment mask or None, category)
    ("person_049205.jpg", "garment_upper_00055.jpg", None, "upper"),
    ("person_049205.jpg", "garment_upper_00126.jpg", "garment_upper_00126_mask.jpg", "upper"),
    ("person_049205.jpg", "garment_upper_049805.jpg", None, "upper"),
    ("person_049205.jpg", "garment_lower_051412.jpg", None, "lower"),
]
TARGETS = {"delta_e": 15.0, "face_ssim": 0.95, "background": 3.0}


def outfit_command() -> list[str]:
    """The command that runs outfit mode as a user would: `animate outfit`."""
    return [sys.executable, "-m", "toolkit.cli", "outfit"]


def read_rgb(path: Path) -> np.ndarray:
    from toolkit.media.images import load_image

    return load_image(path, max_side=100_000).rgb


def garment_colour(path: Path, mask_path: Path | None) -> np.ndarray:
    from toolkit.media.images import load_mask
    from toolkit.perception.garment_cutout import cut_out

    rgb = read_rgb(path)
    user = load_mask(mask_path, (rgb.shape[1], rgb.shape[0])) if mask_path else None
    return lab_mean(rgb, cut_out(rgb, user).mask)


def garment_alone(person_rgb: np.ndarray, garment_rgb: np.ndarray, mask: np.ndarray | None,
                  category: str) -> tuple[np.ndarray, np.ndarray]:
    """(rgb, alpha): the fitted garment's layers alone (no shading, nothing in front), on the person's canvas.

    What the garment itself shows in a region: the colour a perfect composite would have there.
    """
    from toolkit.dressing import analyse_person_photo, prepare_garment
    from toolkit.imaging.garment_fit import fit_garment
    from toolkit.imaging.tryon import decontaminate, part_alpha, warp_part

    person = analyse_person_photo(person_rgb)
    garment = prepare_garment(garment_rgb, mask, category)
    colours = decontaminate(garment.cutout.rgb, garment.cutout.alpha)
    rgb = np.zeros(person_rgb.shape, np.float32)
    alpha = np.zeros(person_rgb.shape[:2], np.float32)
    for fit in fit_garment(garment.shape, person.measure):
        part = garment.shape.parts.get(fit.name)
        layer = warp_part(colours, part_alpha(garment.cutout.alpha, part, 0), fit, person_rgb.shape[:2])
        rgb = layer.rgb + rgb * (1 - layer.alpha[..., None])
        alpha = layer.alpha + alpha * (1 - layer.alpha)
    return np.clip(rgb / np.maximum(alpha, 1e-6)[..., None], 0, 255).astype(np.uint8), alpha


def measure(source: np.ndarray, output: np.ndarray, joints: np.ndarray, silhouette: np.ndarray,
            garment_lab: np.ndarray, category: str,
            alone: tuple[np.ndarray, np.ndarray] | None = None) -> dict[str, float]:
    from skimage.metrics import structural_similarity

    shape = source.shape[:2]
    region = torso_region(joints, shape) if category == "upper" else legs_region(joints, shape)
    rows, cols = face_box(joints, shape)
    outside = away_from_person(silhouette)
    change = np.abs(output.astype(np.float64) - source.astype(np.float64)).mean(axis=2)
    figures = {
        "delta_e": delta_e(lab_mean(output, region), garment_lab),
        "delta_e_before": delta_e(lab_mean(source, region), garment_lab),
        "face_ssim": float(structural_similarity(source[rows, cols], output[rows, cols], channel_axis=2,
                                                 data_range=255)),
        "background": float(change[outside].mean()),
    }
    if alone is not None:
        rgb, alpha = alone
        figures["delta_e_alone"] = delta_e(lab_mean(rgb, region & (alpha > 0.5)), garment_lab)
    return figures


def measure_clip(path: Path, garment_lab: np.ndarray, category: str) -> dict[str, float]:
    """Per decoded frame, the garment's region found by MediaPipe Pose on that frame: its colour's
    distance from frame 0's and from the garment's mean (worst frame), and frames with no body."""
    from toolkit.media.video_reader import iter_video_frames
    from toolkit.perception.body import detect_body

    first, worst_drift, worst_garment, missing, count = None, 0.0, 0.0, 0, 0
    for frame in iter_video_frames(path):
        count += 1
        body = detect_body(frame)
        if body is None:
            missing += 1
            continue
        joints = body.points.astype(np.float64)
        region = torso_region(joints, frame.shape[:2]) if category == "upper" else legs_region(joints, frame.shape[:2])
        colour = lab_mean(frame, region)
        first = colour if first is None else first
        worst_drift = max(worst_drift, delta_e(colour, first))
        worst_garment = max(worst_garment, delta_e(colour, garment_lab))
    return {"frames": count, "missing": missing, "drift": worst_drift, "garment": worst_garment}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--assets", type=Path, default=REPO.parent / "shared" / "assets" / "outfit")
    parser.add_argument("--out", type=Path, default=REPO / "out" / "outfit_measure")
    args = parser.parse_args()
    from toolkit.media.images import load_mask
    from toolkit.perception.body import detect_body_and_mask

    args.out.mkdir(parents=True, exist_ok=True)
    command = outfit_command()
    print(f"{'person':18} {'garment':26} {'dE2000':>7} {'(before)':>8} {'(garment alone)':>15} {'face SSIM':>9} "
          f"{'bg change':>9} {'time':>6}")
    failures = 0
    for person, garment, mask, category in PAIRS:
        out = args.out / f"{Path(person).stem}_{Path(garment).stem}.png"
        call = command + [str(args.assets / person), "--garment", str(args.assets / garment),
                          "--category", "auto", "-o", str(out)]
        if mask:
            call += ["--garment-mask", str(args.assets / mask)]
        start = time.perf_counter()
        subprocess.run(call, check=True)
        seconds = time.perf_counter() - start
        source = read_rgb(args.assets / person)
        body, silhouette = detect_body_and_mask(source)
        garment_rgb = read_rgb(args.assets / garment)
        user_mask = load_mask(args.assets / mask, garment_rgb.shape[1::-1]) > 0.5 if mask else None
        alone = garment_alone(source, garment_rgb, user_mask, category)
        figures = measure(source, read_rgb(out), body.points.astype(np.float64), silhouette,
                          garment_colour(args.assets / garment, args.assets / mask if mask else None), category,
                          alone)
        ok = (figures["delta_e"] <= TARGETS["delta_e"] and figures["face_ssim"] >= TARGETS["face_ssim"]
              and figures["background"] <= TARGETS["background"])
        failures += not ok
        print(f"{person:18} {garment:26} {figures['delta_e']:7.2f} {figures['delta_e_before']:8.2f} "
              f"{figures['delta_e_alone']:15.2f} "
              f"{figures['face_ssim']:9.4f} {figures['background']:9.2f} {seconds:5.2f}s {'ok' if ok else 'MISS'}")
    print(f"targets: dE2000 <= {TARGETS['delta_e']:g}, face SSIM >= {TARGETS['face_ssim']:g}, "
          f"background change <= {TARGETS['background']:g}/255; outputs in {args.out}")
    print("\nanimated (--animate sway, 48 frames): MediaPipe Pose on every decoded frame, the garment's region's colour")
    for person, garment, mask, category in (PAIRS[0], PAIRS[1], PAIRS[3]):
        clip = args.out / f"{Path(person).stem}_{Path(garment).stem}_sway.mp4"
        sheet = clip.with_suffix(".png")
        call = command + [str(args.assets / person), "--garment", str(args.assets / garment), "--animate", "sway",
                          "-o", str(clip), "--contact-sheet", str(sheet)]
        if mask:
            call += ["--garment-mask", str(args.assets / mask)]
        subprocess.run(call, check=True, stderr=subprocess.DEVNULL)
        figures = measure_clip(clip, garment_colour(args.assets / garment, args.assets / mask if mask else None),
                               category)
        print(f"{garment:26} frames {figures['frames']}, no body found in {figures['missing']}; worst frame: "
              f"dE2000 {figures['drift']:.2f} from frame 0, {figures['garment']:.2f} from the garment's mean "
              f"(contact sheet {sheet.name})")
    sys.exit(1 if failures else 0)


if __name__ == "__main__":
    main()
