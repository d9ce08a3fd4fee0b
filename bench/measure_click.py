"""Acceptance figures for click mode on real photos (../shared/assets/click/), measured on the mp4s.

    .venv/bin/python bench/measure_click.py [--assets ../shared/assets] [--out /tmp/click_measure]

For clicks with a prompt: mean optical flow near the click (within 4% of the diagonal) and far
from it (beyond 25%), their ratio, and the far region's mean change from the first frame.
For drags from each photo's traj.npy: where the dragged box's content ends, as a fraction of the
drag length from the end point.  Writes the clips and a contact sheet per run into --out.
"""

from __future__ import annotations

import argparse
import json
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from modes.click import ClickOptions
from toolkit.media.contact_sheet import make_contact_sheet, pick_frame_indices
from toolkit.media.images import save_image
from toolkit.media.video_reader import iter_video_frames
from toolkit.metrics import click_locality, drag_endpoint_error
from toolkit.pipeline import render

DEFAULT_ASSETS = Path(__file__).resolve().parents[2] / "shared" / "assets"


@dataclass(frozen=True)
class ClickCase:
    photo: str
    point: tuple[float, float]
    prompt: str


CLICK_CASES = [
    ClickCase("sg-i2v-107", (715, 210), "sway"),
    ClickCase("sg-i2v-107", (347, 192), "drift left"),
    ClickCase("sg-i2v-13", (240, 322), "sway"),
    ClickCase("sg-i2v-13", (433, 330), "bounce"),
    ClickCase("sg-i2v-122", (458, 535), "rise"),
    ClickCase("sg-i2v-122", (458, 535), "flutter"),
]


def read_frames(path: Path) -> list[np.ndarray]:
    return list(iter_video_frames(path))


def save_sheet(frames: list[np.ndarray], path: Path) -> None:
    indices = pick_frame_indices(len(frames), 8)
    save_image(path, make_contact_sheet([frames[i] for i in indices], labels=[str(i) for i in indices]))


def measure_click(assets: Path, case: ClickCase, out: Path, frames: int = 48) -> dict:
    """Render one click case and measure its locality."""
    name = f"{case.photo}_{case.prompt.replace(' ', '-')}_{int(case.point[0])}"
    clip = out / f"{name}.mp4"
    render("click", assets / "click" / case.photo / "img.png", clip,
           ClickOptions(points=[case.point], prompt=case.prompt, frames=frames))
    video = read_frames(clip)
    save_sheet(video, out / f"{name}.png")
    report = click_locality(video, case.point)
    return {"case": name, "near_flow": report.near_flow, "far_flow": report.far_flow, "ratio": report.ratio,
            "far_change": report.far_change}


def drag_cases(assets: Path) -> list[tuple[str, np.ndarray]]:
    """(photo, (16, 2) array) per object whose traj.npy path actually moves."""
    cases = []
    for folder in sorted((assets / "click").glob("sg-i2v-*")):
        for track in np.load(folder / "traj.npy"):
            if np.linalg.norm(track[-1] - track[2]) > 10:
                cases.append((folder.name, track))
    return cases


def measure_drag(assets: Path, photo: str, track: np.ndarray, out: Path, index: int) -> dict:
    """Drag the object in the track's box along its 14-frame centre path; measure where it ends."""
    box = tuple(int(round(v)) for v in np.concatenate([track[0], track[1]]))
    path = track[2:]
    trajectory = out / f"{photo}_drag{index}.json"
    trajectory.write_text(json.dumps({"trajectories": [path.tolist()]}))
    clip = out / f"{photo}_drag{index}.mp4"
    render("click", assets / "click" / photo / "img.png", clip,
           ClickOptions(trajectory=trajectory, frames=len(path)))
    video = read_frames(clip)
    save_sheet(video, out / f"{photo}_drag{index}.png")
    error = drag_endpoint_error(video[0], video[-1], box, tuple(path[-1]))
    return {"case": f"{photo}_drag{index}", "drag_length": float(np.linalg.norm(path[-1] - path[0])),
            "end_error_fraction": error}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--assets", type=Path, default=DEFAULT_ASSETS)
    parser.add_argument("--out", type=Path, default=Path("/tmp/click_measure"))
    args = parser.parse_args()
    args.out.mkdir(parents=True, exist_ok=True)
    print("click with a prompt (targets: near >= 0.3 px/frame, ratio >= 5, far change <= 2/255)")
    for case in CLICK_CASES:
        r = measure_click(args.assets, case, args.out)
        print(f"  {r['case']:28s} near {r['near_flow']:.2f} px/frame  far {r['far_flow']:.3f}  "
              f"ratio {r['ratio']:7.1f}  far change {r['far_change']:.2f}/255")
    print("drags from traj.npy (target: content ends within 0.25 of the drag length of the end point)")
    for index, (photo, track) in enumerate(drag_cases(args.assets)):
        r = measure_drag(args.assets, photo, track, args.out, index)
        print(f"  {r['case']:28s} length {r['drag_length']:6.1f} px  end error {r['end_error_fraction']:.3f}")


if __name__ == "__main__":
    main()
