"""Time ``fill_hole`` for several hole sizes and report how well the fill blends in.

Uses the real test photos from ../shared/assets/click/*/img.png when present, otherwise
scikit-image sample images resized to 1024x576. For each image and hole size it prints the
median wall time and a seam ratio: mean absolute gradient across the hole border divided by
the mean absolute gradient in the known ring around it (about 1 means no visible step).
Texture ratio: std of the Laplacian inside the filled hole over that of the ring (about 1
means the fill is as detailed as its surroundings, well below 1 means a smear).

    python bench/bench_fill.py [--threads 2] [--repeat 3]
"""

from __future__ import annotations

import argparse
import glob
import os
import statistics
import sys
import time
from pathlib import Path

import cv2
import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from toolkit.imaging.fill import fill_hole  # noqa: E402

SIZES = [(40, 40), (150, 150), (350, 250), (600, 400), (700, 420)]


def load_images() -> dict[str, np.ndarray]:
    """Real photos when present, else scikit-image samples, as 1024x576 RGB uint8."""
    root = Path(__file__).resolve().parents[2] / "shared" / "assets" / "click"
    images = {}
    for path in sorted(glob.glob(str(root / "*" / "img.png"))):
        bgr = cv2.imread(path, cv2.IMREAD_COLOR)
        if bgr is not None:
            images[Path(path).parent.name] = cv2.cvtColor(bgr, cv2.COLOR_BGR2RGB)
    if not images:
        from skimage import data

        images = {"astronaut": data.astronaut(), "coffee": data.coffee(), "chelsea": data.chelsea()}
    return {name: cv2.resize(im, (1024, 576), interpolation=cv2.INTER_AREA) for name, im in images.items()}


def ellipse_hole(shape: tuple[int, int], size: tuple[int, int]) -> np.ndarray:
    """A centred elliptical hole of the given (width, height)."""
    mask = np.zeros(shape, np.uint8)
    h, w = shape
    cv2.ellipse(mask, ((w / 2, h / 2), size, 0), 1, -1)
    return mask.astype(bool)


def seam_ratio(out: np.ndarray, hole: np.ndarray, width: int = 6) -> float:
    """Mean |gradient| on pixel pairs straddling the hole border over that in the known ring."""
    grey = cv2.cvtColor(out, cv2.COLOR_RGB2GRAY).astype(np.float32)
    dx = np.abs(np.diff(grey, axis=1))
    dy = np.abs(np.diff(grey, axis=0))
    cross_x = hole[:, 1:] != hole[:, :-1]
    cross_y = hole[1:, :] != hole[:-1, :]
    across = np.concatenate([dx[cross_x], dy[cross_y]])
    ring = cv2.dilate(hole.astype(np.uint8), np.ones((2 * width + 1,) * 2, np.uint8)).astype(bool) & ~hole
    ring_x = ring[:, 1:] & ring[:, :-1]
    ring_y = ring[1:, :] & ring[:-1, :]
    around = np.concatenate([dx[ring_x], dy[ring_y]])
    return float(across.mean() / max(around.mean(), 1e-6))


def texture_ratio(out: np.ndarray, hole: np.ndarray, width: int = 24) -> float:
    """Std of the Laplacian inside the hole over that in a ring of known pixels around it."""
    grey = cv2.cvtColor(out, cv2.COLOR_RGB2GRAY).astype(np.float32)
    lap = cv2.Laplacian(grey, cv2.CV_32F)
    inner = cv2.erode(hole.astype(np.uint8), np.ones((5, 5), np.uint8)).astype(bool)
    ring = cv2.dilate(hole.astype(np.uint8), np.ones((2 * width + 1,) * 2, np.uint8)).astype(bool) & ~hole
    return float(lap[inner].std() / max(lap[ring].std(), 1e-6))


def main() -> None:
    """Print timings and blend figures for every image and hole size."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--threads", type=int, default=2, help="OpenCV and BLAS threads")
    parser.add_argument("--repeat", type=int, default=3)
    args = parser.parse_args()
    cv2.setNumThreads(args.threads)
    os.environ.setdefault("OMP_NUM_THREADS", str(args.threads))

    images = load_images()
    print(f"{'image':<14}{'hole':>10}{'area%':>7}{'median s':>10}{'min s':>8}{'seam':>7}{'texture':>9}")
    for name, image in images.items():
        for size in SIZES:
            hole = ellipse_hole(image.shape[:2], size)
            times = []
            for _ in range(args.repeat):
                start = time.perf_counter()
                out = fill_hole(image, hole, seed=0)
                times.append(time.perf_counter() - start)
            area = 100.0 * hole.mean()
            print(
                f"{name:<14}{size[0]:>5}x{size[1]:<4}{area:>7.1f}{statistics.median(times):>10.3f}"
                f"{min(times):>8.3f}{seam_ratio(out, hole):>7.2f}{texture_ratio(out, hole):>9.2f}"
            )


if __name__ == "__main__":
    main()
