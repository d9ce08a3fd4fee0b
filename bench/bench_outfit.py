"""Outfit mode end to end, process start to files written.

    .venv/bin/python bench/bench_outfit.py [--runs 3]

1. one 768x1024 still: scikit-image's astronaut scaled and cropped to 768x1024 wearing a
   T-shirt drawn by toolkit/imaging/garment_drawing.py (and, when ../shared/assets/outfit is
   present, the real person_049205.jpg with garment_upper_00055.jpg);
2. a catalogue: ten garments (drawn tops, trousers, a skirt, a dress) on one person in one
   command (the person is analysed once).

Prints each run, the median and its ratio to the target (4 s for the still, 12 s for ten).
CPU time (user + system of the child) is printed too: on a shared machine the wall time
includes waiting for a core.
"""

from __future__ import annotations

import argparse
import os
import resource
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import cv2
import numpy as np

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))
ASSETS = REPO.parent / "shared" / "assets" / "outfit"
STILL_TARGET, CATALOGUE_TARGET = 4.0, 12.0


def outfit_command() -> list[str]:
    from measure_outfit import outfit_command as command

    return command()


def person_768x1024(folder: Path) -> Path:
    """scikit-image's astronaut, scaled to 1024 high and cropped to 768 wide."""
    from skimage import data

    big = cv2.resize(data.astronaut(), (1024, 1024), interpolation=cv2.INTER_CUBIC)
    path = folder / "astronaut_768x1024.png"
    cv2.imwrite(str(path), big[:, 128:896, ::-1])
    return path


def catalogue(folder: Path) -> Path:
    """Ten drawn garments in a folder."""
    from toolkit.imaging import garment_drawing as draw

    shelf = folder / "garments"
    shelf.mkdir()
    garments = [draw.draw_tshirt(colour=(200, 40, 50)), draw.draw_tshirt(colour=(40, 90, 200), band=None),
                draw.draw_tshirt(colour=(30, 110, 60), long_sleeves=True), draw.draw_tshirt(colour=(90, 60, 30)),
                draw.draw_tshirt(colour=(120, 40, 140), long_sleeves=True, band=(240, 240, 90)),
                draw.draw_trousers(), draw.draw_trousers(colour=(60, 60, 60), flare=0.06), draw.draw_skirt(),
                draw.draw_dress(), draw.draw_tshirt(colour=(230, 150, 30), band=(30, 30, 30))]
    for index, rgb in enumerate(garments):
        cv2.imwrite(str(shelf / f"garment_{index:02d}.png"), rgb[..., ::-1])
    return shelf


def timed(call: list[str]) -> tuple[float, float]:
    """(wall, CPU) seconds of one child process."""
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    start = time.perf_counter()
    subprocess.run(call, check=True, stderr=subprocess.DEVNULL)
    wall = time.perf_counter() - start
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    return wall, (after.ru_utime - before.ru_utime) + (after.ru_stime - before.ru_stime)


def report(label: str, runs: list[tuple[float, float]], target: float) -> None:
    walls = [w for w, _ in runs]
    median = statistics.median(walls)
    cpu = statistics.median(c for _, c in runs)
    print(f"{label}: runs {', '.join(f'{w:.2f}' for w in walls)} s; median {median:.2f} s "
          f"({median / target:.2f} of the {target:g} s target); CPU {cpu:.2f} s")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--runs", type=int, default=3)
    args = parser.parse_args()
    sys.path.insert(0, str(Path(__file__).parent))
    command = outfit_command()
    print(f"command: {' '.join(Path(c).name if i == 0 else c for i, c in enumerate(command))}; "
          f"load average {os.getloadavg()[0]:.1f} on {os.cpu_count()} cores")
    with tempfile.TemporaryDirectory() as tmp:
        folder = Path(tmp)
        from toolkit.imaging.garment_drawing import draw_tshirt

        shirt = folder / "tshirt.png"
        cv2.imwrite(str(shirt), draw_tshirt()[..., ::-1])
        pairs = [("astronaut 768x1024 + drawn T-shirt", person_768x1024(folder), shirt)]
        if ASSETS.is_dir():
            pairs.append(("person_049205 + garment_upper_00055 (768x1024)", ASSETS / "person_049205.jpg",
                          ASSETS / "garment_upper_00055.jpg"))
        for label, person, garment in pairs:
            runs = [timed(command + [str(person), "--garment", str(garment), "-o", str(folder / f"still{i}.png")])
                    for i in range(args.runs)]
            report(f"one still, {label}", runs, STILL_TARGET)
        shelf = catalogue(folder)
        person = ASSETS / "person_049205.jpg" if ASSETS.is_dir() else pairs[0][1]
        runs = [timed(command + [str(person), "--garment", str(shelf), "-o", str(folder / f"cat{i}.png")])
                for i in range(args.runs)]
        written = len(list(folder.glob("cat0_*.png")))
        report(f"ten garments on {person.name} ({written} files per run)", runs, CATALOGUE_TARGET)
        image = cv2.imread(str(next(iter(sorted(folder.glob("cat0_*.png"))))))
        assert image is not None and np.asarray(image).size


if __name__ == "__main__":
    main()
