"""Closing the hairline cracks a folded part leaves in itself.

Bent far enough (an elbow folded shut), a part's mesh lays one stretch over another: where the
top stretch's soft edge lies over the stretch beneath, or where the two only meet, a pixel or
two of whatever is behind the part shows through as a bright line or a notch.  Here such gaps,
too narrow to be anything but cracks, take the part's own colours from around them.  A pure
function of arrays.
"""

from __future__ import annotations

import cv2
import numpy as np

from toolkit.imaging.masks import disc


def narrow_gaps(alpha: np.ndarray, width: int) -> np.ndarray:
    """Boolean (H, W): pixels not inside a part (alpha under 0.99) that a morphological closing of it
    by a disc of radius `width` takes in (gaps between two stretches of it, narrow notches in its
    outline); small holes it encloses (under HOLE_SHARE of its area each: not the space an arm
    loops round, which the part does not enclose alone); and holes that only such gaps led into,
    once those are closed, up to (4 * width)**2 px (the crook of an elbow bent shut, wider than the
    closing reaches; not the wall between two legs brought together)."""
    solid = alpha >= 0.99
    if width < 1 or not solid.any():
        return np.zeros(alpha.shape, bool)
    kernel = disc(width)
    gaps = cv2.morphologyEx(solid.astype(np.uint8), cv2.MORPH_CLOSE, kernel).astype(bool) & ~solid
    part_area = int(solid.sum())
    holes = enclosed_holes(~solid, HOLE_SHARE * part_area)
    behind_gaps = enclosed_holes(~(solid | gaps), min(HOLE_SHARE * part_area, (4 * width) ** 2))
    return gaps | holes | behind_gaps


def enclosed_holes(empty: np.ndarray, largest: float) -> np.ndarray:
    """Boolean (H, W): the 4-connected pieces of `empty` that touch no border of the image and
    are at most `largest` px each."""
    count, labels, stats, _ = cv2.connectedComponentsWithStats(empty.astype(np.uint8), connectivity=4)
    height, width = empty.shape
    x, y, w, h, area = (stats[:, i] for i in range(5))
    enclosed = (x > 0) & (y > 0) & (x + w < width) & (y + h < height) & (area <= largest)
    enclosed[0] = False  # label 0: the pixels that are not empty
    return enclosed[labels]


HOLE_SHARE = 0.04


def close_cracks(rgb: np.ndarray, alpha: np.ndarray, width: int, own_gaps: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """(rgb, alpha) of a warped part with the narrow gaps its motion opened filled.

    rgb: (H, W, 3) uint8, alpha: (H, W) float in [0, 1]; own_gaps: (H, W) bool, the pixels that map
    to narrow gaps the part had at rest (between fingers, say), which stay open.  Every other
    narrow gap (see narrow_gaps) gets the mean colour of the part's opaque pixels near it and
    alpha 1; all other pixels are returned unchanged.
    """
    gaps = narrow_gaps(alpha, width) & ~own_gaps
    if not gaps.any():
        return rgb, alpha
    ys, xs = np.nonzero(gaps)
    rgb, alpha = rgb.copy(), alpha.copy()
    opaque = alpha >= 0.99
    while len(ys):  # a wide hole fills from its rim inwards, a ring of 2 * width px per pass
        colours, found = opaque_mean_near(rgb, opaque, ys, xs, 2 * width)
        if not found.any():
            break
        rgb[ys[found], xs[found]] = np.clip(np.rint(colours[found]), 0, 255).astype(rgb.dtype)
        alpha[ys[found], xs[found]] = 1.0
        opaque[ys[found], xs[found]] = True
        ys, xs = ys[~found], xs[~found]
    return rgb, alpha


def opaque_mean_near(rgb: np.ndarray, opaque: np.ndarray, ys: np.ndarray, xs: np.ndarray,
                     radius: int) -> tuple[np.ndarray, np.ndarray]:
    """(N, 3) mean colour of the opaque pixels within `radius` px of each pixel (ys, xs), and (N,)
    whether any was there.  Gathered pixel by pixel: the cracks are few, scattered over a large box."""
    dy, dx = np.mgrid[-radius:radius + 1, -radius:radius + 1]
    disc = dy * dy + dx * dx <= radius * radius
    dy, dx = dy[disc], dx[disc]
    height, width = opaque.shape
    near_y = np.clip(ys[:, None] + dy[None, :], 0, height - 1)
    near_x = np.clip(xs[:, None] + dx[None, :], 0, width - 1)
    weight = opaque[near_y, near_x].astype(np.float32)  # (N, D)
    count = weight.sum(axis=1)
    total = np.einsum("nd,ndc->nc", weight, rgb[near_y, near_x].astype(np.float32))
    return total / np.maximum(count, 1.0)[:, None], count > 0
