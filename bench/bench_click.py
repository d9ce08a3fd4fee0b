"""End-to-end click job: process start to mp4 written, 48 frames at 512x512.

    .venv/bin/python bench/bench_click.py [--runs 3]

Runs the installed `animate` command as a user would and prints the wall time of each run,
the median and its ratio to the 5 s target; then the same job in stages (import, load,
segment, fill, render, encode) so a slow stage is easy to spot.
"""

from __future__ import annotations

import argparse
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

TARGET_SECONDS = 5.0


def astronaut_path() -> Path:
    import skimage

    return Path(skimage.__file__).parent / "data" / "astronaut.png"  # 512x512


def animate_command() -> list[str]:
    exe = shutil.which("animate", path=str(Path(sys.executable).parent))
    return [exe] if exe else [sys.executable, "-m", "toolkit.cli"]


def end_to_end(runs: int) -> list[float]:
    times = []
    with tempfile.TemporaryDirectory() as folder:
        for run in range(runs):
            out = Path(folder) / f"clip{run}.mp4"
            start = time.perf_counter()
            subprocess.run(animate_command() + ["click", str(astronaut_path()), "--point", "250,150", "--prompt",
                                                "sway", "--frames", "48", "-o", str(out)], check=True)
            times.append(time.perf_counter() - start)
            assert out.stat().st_size > 0
    return times


def stages() -> None:
    start = time.perf_counter()
    from modes.click import ClickMode, ClickOptions
    from toolkit.media.images import load_image
    from toolkit.media.video_writer import VideoWriter
    from toolkit.perception.segment import segment_at_point
    from toolkit.imaging.fill import fill_hole
    from toolkit.warp.renderer import WarpBackbone, prepare_scene, render_frame

    marks = {"imports": time.perf_counter() - start}
    t = time.perf_counter()
    image = load_image(astronaut_path()).rgb
    marks["load image"] = time.perf_counter() - t
    t = time.perf_counter()
    mask = segment_at_point(image, (250.0, 150.0))
    marks["segment"] = time.perf_counter() - t
    t = time.perf_counter()
    fill_hole(image, mask > 0.5)
    marks["fill (alone)"] = time.perf_counter() - t
    t = time.perf_counter()
    plan = ClickMode().plan(image, ClickOptions(masks=[], points=[(250.0, 150.0)], prompt="sway", frames=48))
    marks["plan (segment again)"] = time.perf_counter() - t
    backbone = WarpBackbone()
    t = time.perf_counter()
    scene = prepare_scene(image, plan, backbone.options)
    marks["prepare scene (fill)"] = time.perf_counter() - t
    t = time.perf_counter()
    frames = [render_frame(scene, plan, i, backbone.options) for i in range(plan.n_frames)]
    marks["render 48 frames"] = time.perf_counter() - t
    with tempfile.TemporaryDirectory() as folder:
        t = time.perf_counter()
        with VideoWriter(Path(folder) / "o.mp4", 25.0, plan.size) as writer:
            for frame in frames:
                writer.write(frame)
        marks["encode 48 frames"] = time.perf_counter() - t
    for name, seconds in marks.items():
        print(f"  {name:22s} {seconds * 1000:8.1f} ms")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--runs", type=int, default=3)
    args = parser.parse_args()
    times = end_to_end(args.runs)
    median = statistics.median(times)
    print(f"click job end to end, 48 frames 512x512: runs {', '.join(f'{t:.2f}' for t in times)} s; "
          f"median {median:.2f} s ({median / TARGET_SECONDS:.2f} of the {TARGET_SECONDS:.0f} s target)")
    print("stages, in one process:")
    stages()


if __name__ == "__main__":
    main()
