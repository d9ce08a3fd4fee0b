"""Masks and regions shared by perception, part splitting and face meshes: pure functions of arrays."""

from __future__ import annotations

import cv2
import numpy as np


def bounding_box(mask: np.ndarray, margin: int = 0) -> tuple[int, int, int, int] | None:
    """(x0, y0, x1, y1) of the nonzero pixels, grown by margin and clipped; None if empty."""
    ys, xs = np.nonzero(mask)
    if len(xs) == 0:
        return None
    h, w = mask.shape[:2]
    return (
        max(0, int(xs.min()) - margin),
        max(0, int(ys.min()) - margin),
        min(w, int(xs.max()) + 1 + margin),
        min(h, int(ys.max()) + 1 + margin),
    )


def disc(radius: int) -> np.ndarray:
    """A filled disc of `radius` px (a (2r+1)-square uint8 kernel) for morphology."""
    return cv2.getStructuringElement(cv2.MORPH_ELLIPSE, (2 * radius + 1,) * 2)


def grown(mask: np.ndarray, radius: int) -> np.ndarray:
    """Boolean: the mask (bool, or > 0) dilated by a disc of `radius` px."""
    return cv2.dilate(np.asarray(mask).astype(bool).astype(np.uint8), disc(radius)).astype(bool)


def keep_touching(mask: np.ndarray, seeds: np.ndarray) -> np.ndarray:
    """The 8-connected components of mask that hold a seed pixel."""
    mask = np.asarray(mask, bool)
    count, components = cv2.connectedComponents(mask.astype(np.uint8), connectivity=8)
    if count <= 1:
        return np.zeros_like(mask, bool)
    touched = np.unique(components[np.asarray(seeds, bool) & mask])
    return np.isin(components, touched[touched != 0])


def nearest_along(mask: np.ndarray, axis: int) -> tuple[np.ndarray, np.ndarray]:
    """For every pixel, the index along `axis` (0: its column, 1: its row) of the nearest True
    pixel of `mask` at or before it (-1 where there is none), and at or after it (the axis's
    length where there is none)."""
    mask = np.asarray(mask, bool)
    length = mask.shape[axis]
    index = np.broadcast_to(np.arange(length).reshape((-1, 1) if axis == 0 else (1, -1)), mask.shape)
    before = np.maximum.accumulate(np.where(mask, index, -1), axis=axis)
    after = np.flip(np.minimum.accumulate(np.flip(np.where(mask, index, length), axis=axis), axis=axis), axis=axis)
    return before, after


def convex_polygon_mask(shape: tuple[int, int], corners: np.ndarray) -> np.ndarray:
    """Boolean (H, W): inside a convex polygon (K, 2), its corners rounded to whole pixels."""
    mask = np.zeros(shape, np.uint8)
    cv2.fillConvexPoly(mask, np.round(np.asarray(corners)).astype(np.int32), 1)
    return mask.astype(bool)


def inside_polygon(points: np.ndarray, polygon: np.ndarray) -> np.ndarray:
    """(N,) bool: which of (N, 2) points lie inside a closed polygon (even-odd rule, vectorised)."""
    points = np.asarray(points, np.float64).reshape(-1, 2)
    polygon = np.asarray(polygon, np.float64)
    x, y = points[:, 0], points[:, 1]
    inside = np.zeros(len(points), bool)
    for (x0, y0), (x1, y1) in zip(polygon, np.roll(polygon, -1, axis=0)):
        crosses = (y0 > y) != (y1 > y)
        x_cross = x0 + (y - y0) * (x1 - x0) / ((y1 - y0) if y1 != y0 else 1e-9)
        inside ^= crosses & (x < x_cross)
    return inside
