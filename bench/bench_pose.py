"""Pose mode end to end: a 4 s clip (100 frames at 25 fps) at 512x768, process start to mp4 written.

    .venv/bin/python bench/bench_pose.py [--runs 3]

Uses scikit-image's astronaut photo (it ships with a dependency) resized to 512x768 and the
`sway` and `wave` presets; prints each run, the median and its ratio to the 5 s target.
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


def portrait_image(folder: Path) -> Path:
    import cv2
    from skimage import data

    path = folder / "person_512x768.png"
    cv2.imwrite(str(path), cv2.resize(data.astronaut(), (512, 768), interpolation=cv2.INTER_CUBIC)[..., ::-1])
    return path


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--runs", type=int, default=3)
    args = parser.parse_args()
    exe = shutil.which("animate", path=str(Path(sys.executable).parent))
    command = [exe] if exe else [sys.executable, "-m", "toolkit.cli"]
    with tempfile.TemporaryDirectory() as folder:
        image = portrait_image(Path(folder))
        for preset in ("sway", "wave"):
            times = []
            for run in range(args.runs):
                out = Path(folder) / f"{preset}{run}.mp4"
                start = time.perf_counter()
                subprocess.run(command + ["pose", str(image), "--preset", preset, "--frames", "100", "-o", str(out)],
                               check=True, stderr=subprocess.DEVNULL)
                times.append(time.perf_counter() - start)
            median = statistics.median(times)
            print(f"pose --preset {preset}, 100 frames 512x768: runs {', '.join(f'{t:.2f}' for t in times)} s; "
                  f"median {median:.2f} s ({median / TARGET_SECONDS:.2f} of the {TARGET_SECONDS:.0f} s target)")


if __name__ == "__main__":
    main()
