"""Thin-plate splines: a smooth 2-D map through control points, and backward warps built from it.

``fit_tps(src, dst)`` returns the spline f with f(src_i) = dst_i (exactly, or approximately
with a regularisation); ``tps_map`` evaluates it on a coarse grid over an output box and
upsamples the result into the (map_x, map_y) pair that ``cv2.remap`` takes.  For a backward
warp (each output pixel looks up where it comes from) fit the spline from the target points
to the source points.
"""

from __future__ import annotations

from dataclasses import dataclass

import cv2
import numpy as np


@dataclass(frozen=True)
class ThinPlateSpline:
    """f(p) = affine(q) + sum_i w_i U(|q - c_i|) with q = (p - centre) / scale and U(r) = r^2 log r^2."""

    centres: np.ndarray  # (N, 2), normalised
    weights: np.ndarray  # (N, 2)
    affine: np.ndarray  # (3, 2): rows for 1, x, y
    centre: np.ndarray  # (2,)
    scale: float

    def __call__(self, points: np.ndarray) -> np.ndarray:
        """f at points (..., 2)."""
        points = np.asarray(points, np.float64)
        flat = (points.reshape(-1, 2) - self.centre) / self.scale
        out = tps_kernel(flat, self.centres) @ self.weights + self.affine[0] + flat @ self.affine[1:]
        return out.reshape(points.shape)


def tps_kernel(a: np.ndarray, b: np.ndarray) -> np.ndarray:
    """(len(a), len(b)) matrix of U(|a_i - b_j|) = r^2 log r^2 (0 at r = 0)."""
    d2 = ((a[:, None, :] - b[None, :, :]) ** 2).sum(axis=-1)
    with np.errstate(divide="ignore", invalid="ignore"):
        k = d2 * np.log(d2)
    k[d2 == 0] = 0.0
    return k


def fit_tps(src: np.ndarray, dst: np.ndarray, smoothing: float = 0.0) -> ThinPlateSpline:
    """The thin-plate spline taking src (N, 2) to dst (N, 2).

    Coordinates are normalised internally, so `smoothing` (0 = interpolate exactly) is relative
    to the points' spread.  Duplicate source points are merged (their targets averaged).
    """
    src, dst = merge_duplicates(np.asarray(src, np.float64), np.asarray(dst, np.float64))
    n = len(src)
    if n < 3:
        raise ValueError("a thin-plate spline needs at least 3 distinct control points")
    centre = src.mean(axis=0)
    scale = max(float(np.abs(src - centre).max()), 1e-9)
    s = (src - centre) / scale
    p = np.hstack([np.ones((n, 1)), s])
    system = np.zeros((n + 3, n + 3))
    system[:n, :n] = tps_kernel(s, s) + smoothing * np.eye(n)
    system[:n, n:] = p
    system[n:, :n] = p.T
    rhs = np.zeros((n + 3, 2))
    rhs[:n] = dst
    solution = np.linalg.lstsq(system, rhs, rcond=None)[0]
    return ThinPlateSpline(s, solution[:n], solution[n:], centre, scale)


def merge_duplicates(src: np.ndarray, dst: np.ndarray, tol: float = 1e-6) -> tuple[np.ndarray, np.ndarray]:
    """Source points closer than tol merged, their destinations averaged."""
    keep_src, keep_dst = [], []
    for p, q in zip(src, dst):
        for i, k in enumerate(keep_src):
            if np.abs(k - p).max() < tol:
                keep_dst[i].append(q)
                break
        else:
            keep_src.append(p)
            keep_dst.append([q])
    return np.array(keep_src), np.array([np.mean(q, axis=0) for q in keep_dst])


def tps_map(spline: ThinPlateSpline, box: tuple[int, int, int, int], step: int = 4) -> tuple[np.ndarray, np.ndarray]:
    """(map_x, map_y) float32 of the spline over the box (x0, y0, x1, y1), sampled every `step` px.

    The spline is evaluated on a coarse grid and upsampled bilinearly (it is smooth).
    """
    x0, y0, x1, y1 = box
    width, height = x1 - x0, y1 - y0
    nx, ny = max(2, -(-width // step) + 1), max(2, -(-height // step) + 1)
    # sample where cv2.resize's bilinear upsampling puts its source pixels, so it interpolates exactly
    gx = x0 + (np.arange(nx) + 0.5) * width / nx - 0.5
    gy = y0 + (np.arange(ny) + 0.5) * height / ny - 0.5
    grid = np.stack(np.meshgrid(gx, gy), axis=-1)
    mapped = spline(grid).astype(np.float32)
    map_x = cv2.resize(mapped[..., 0], (width, height), interpolation=cv2.INTER_LINEAR)
    map_y = cv2.resize(mapped[..., 1], (width, height), interpolation=cv2.INTER_LINEAR)
    return map_x, map_y
