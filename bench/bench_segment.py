"""Time offline click segmentation per image and optionally draw a contact sheet of the masks.

    python bench/bench_segment.py [--repeat 3] [--sheet /tmp/segment_sheet.png] [--assets DIR]

Real photos come from ../shared/assets/click when present; skimage's sample images are always used.
"""

from __future__ import annotations

import argparse
import logging
import os
import time
from pathlib import Path

import cv2
import numpy as np

from toolkit.perception.segment import prepare, segment_at_point, segment_prepared

log = logging.getLogger("bench_segment")

DEFAULT_ASSETS = Path(__file__).resolve().parents[2] / "shared" / "assets" / "click"
ASSET_CLICKS = {
    "sg-i2v-107": [(715, 210), (347, 192)],  # volcano smoke clouds at night
    "sg-i2v-13": [(240, 322), (433, 330)],  # two people on a beach at sunset
    "sg-i2v-122": [(458, 535)],  # sparks above a fire
}
SAMPLE_CLICKS = {
    "rocket": [(322, 250)],  # rocket body on the launch pad
    "coffee": [(215, 190), (290, 150)],  # cup wall, coffee in the cup
    "chelsea": [(250, 150)],  # the cat's face
    "astronaut": [(225, 120), (100, 400)],  # face, suit
}


def load_cases(assets: Path) -> list[tuple[str, np.ndarray, list[tuple[int, int]]]]:
    """(name, RGB image, clicks) for every available test image."""
    from PIL import Image
    import skimage.data

    cases = []
    for name, clicks in ASSET_CLICKS.items():
        path = assets / name / "img.png"
        if path.is_file():
            cases.append((name, np.asarray(Image.open(path).convert("RGB")), clicks))
        else:
            log.warning("skipping %s: %s not found", name, path)
    for name, clicks in SAMPLE_CLICKS.items():
        cases.append((name, getattr(skimage.data, name)(), clicks))
    return cases


def draw(
    image: np.ndarray, mask: np.ndarray, click: tuple[int, int], label: str, box: tuple[int, int] = (480, 320)
) -> np.ndarray:
    """The image with the mask outline in green and the click in magenta, scaled to fit `box` (w, h)."""
    vis = image.copy()
    scale = min(box[0] / image.shape[1], box[1] / image.shape[0])
    contours, _ = cv2.findContours((mask > 0.5).astype(np.uint8), cv2.RETR_EXTERNAL, cv2.CHAIN_APPROX_NONE)
    thickness = max(2, round(1.5 / scale))
    cv2.drawContours(vis, contours, -1, (0, 255, 0), thickness)
    cv2.circle(vis, click, 3 * thickness, (255, 0, 255), -1)
    size = (round(image.shape[1] * scale), round(image.shape[0] * scale))
    vis = cv2.resize(vis, size, interpolation=cv2.INTER_AREA)
    cv2.putText(vis, label, (6, 22), cv2.FONT_HERSHEY_SIMPLEX, 0.6, (0, 0, 0), 4)
    cv2.putText(vis, label, (6, 22), cv2.FONT_HERSHEY_SIMPLEX, 0.6, (255, 255, 255), 1)
    return vis


def tile(panels: list[np.ndarray], columns: int = 3) -> np.ndarray:
    """Panels in a grid, padded with black to equal cells."""
    cell_h = max(p.shape[0] for p in panels)
    cell_w = max(p.shape[1] for p in panels)
    rows = -(-len(panels) // columns)
    sheet = np.zeros((rows * cell_h, columns * cell_w, 3), np.uint8)
    for i, panel in enumerate(panels):
        r, c = divmod(i, columns)
        sheet[r * cell_h:r * cell_h + panel.shape[0], c * cell_w:c * cell_w + panel.shape[1]] = panel
    return sheet


def main() -> None:
    """Print per-click timings (best of --repeat) and the share of the image each mask covers."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument("--sheet", type=Path, default=None, help="write a contact sheet PNG here")
    parser.add_argument("--assets", type=Path, default=DEFAULT_ASSETS)
    args = parser.parse_args()
    logging.basicConfig(level=logging.WARNING, format="%(name)s: %(message)s")

    segment_at_point(np.zeros((32, 32, 3), np.uint8), (5, 5))  # warm up OpenCV and skimage
    print(f"cv2 threads: {cv2.getNumThreads()}, cpus: {os.cpu_count()}")
    print(f"{'image':<12} {'size':>9} {'click':>11} {'best s':>7} {'mean s':>7} {'area %':>7}")
    panels, times = [], []
    for name, image, clicks in load_cases(args.assets):
        for click in clicks:
            runs = []
            for _ in range(max(1, args.repeat)):
                start = time.perf_counter()
                mask = segment_at_point(image, click)
                runs.append(time.perf_counter() - start)
            times.append(min(runs))
            area = 100.0 * float((mask > 0.5).mean())
            size = f"{image.shape[1]}x{image.shape[0]}"
            print(f"{name:<12} {size:>9} {str(click):>11} {min(runs):7.3f} {np.mean(runs):7.3f} {area:7.1f}")
            panels.append(draw(image, mask, click, f"{name} {click} {min(runs):.2f}s {area:.0f}%"))
        if len(clicks) > 1:
            start = time.perf_counter()
            prepared = prepare(image)
            for click in clicks:
                segment_prepared(prepared, image, click)
            total = time.perf_counter() - start
            print(f"{name:<12} {'':>9} {'all clicks':>11} {total:7.3f}  (graph built once)")
    print(f"median per click: {np.median(times):.3f} s, worst: {max(times):.3f} s")
    if args.sheet is not None:
        cv2.imwrite(str(args.sheet), cv2.cvtColor(tile(panels), cv2.COLOR_RGB2BGR))
        print(f"sheet written to {args.sheet}")


if __name__ == "__main__":
    main()
