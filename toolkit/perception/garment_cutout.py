"""Cut a garment out of a product photo taken on a flat (often white) background.

The background colour is the median of the image's border; pixels far enough from it (in
CIELAB) are garment.  Garment parts as pale as the background (a white band across a shirt,
a white collar) are recovered where the garment lies above and below them in the same column
(``bridge_vertical_gaps``) and where they are enclosed (``fill_holes``).  A user's mask, when
given, is used instead.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass

import cv2
import numpy as np

from toolkit.errors import InputError

log = logging.getLogger(__name__)

BORDER = 0.02  # fraction of the image side sampled as the border
MIN_FLAT_BORDER = 0.6  # at least this share of the border must match the background colour
MAX_BACKGROUND_NOISE = 8.0  # CIELAB spread of a flat background's border (a studio backdrop: 0-3)
WORK_SIDE = 512  # the garment is found at this size (longer side), then its edge is snapped at full size
MIN_GARMENT_AREA = 0.01  # a garment covers at least this share of its image
HALO_LIMIT = 25.0  # CIELAB distance: paler than this next to the outline is halo, not garment
MAX_GAP = 0.14  # vertical gaps up to this share of the garment's height are bridged ...
MIN_BRIDGE_WIDTH = 0.25  # ... where they are at least this share of its width wide


@dataclass(frozen=True)
class Cutout:
    """A garment image and its alpha (float32 in [0, 1], same size)."""

    rgb: np.ndarray
    alpha: np.ndarray

    @property
    def mask(self) -> np.ndarray:
        """Boolean (H, W): where the garment is."""
        return self.alpha > 0.5


def border_pixels(rgb: np.ndarray, share: float = BORDER) -> np.ndarray:
    """(N, 3) pixels of a strip around the image's edge."""
    h, w = rgb.shape[:2]
    k = max(1, int(round(share * min(h, w))))
    return np.concatenate([rgb[:k].reshape(-1, 3), rgb[-k:].reshape(-1, 3),
                           rgb[:, :k].reshape(-1, 3), rgb[:, -k:].reshape(-1, 3)])


def lab(rgb: np.ndarray) -> np.ndarray:
    """float32 CIELAB (L in 0..100, a and b about -128..127) of uint8 RGB pixels of any shape (..., 3)."""
    flat = np.ascontiguousarray(rgb.reshape(-1, 1, 3), dtype=np.uint8)
    out = cv2.cvtColor(flat, cv2.COLOR_RGB2LAB).astype(np.float32).reshape(rgb.shape)
    out[..., 0] *= 100.0 / 255.0
    out[..., 1:] -= 128.0
    return out


def background_model(rgb: np.ndarray) -> tuple[np.ndarray, float, float]:
    """(Lab colour, noise, flat share) of the border: its median, spread and how much of it matches."""
    border = lab(border_pixels(rgb))
    colour = np.median(border, axis=0)
    dist = np.linalg.norm(border - colour, axis=1)
    noise = float(np.percentile(dist, 60))
    flat = float(np.mean(dist < max(4.0, 3.0 * noise)))
    return colour, noise, flat


def bridge_vertical_gaps(mask: np.ndarray, max_gap: int) -> np.ndarray:
    """Fill runs of background in each column that have garment directly above and below, up to max_gap long."""
    far = mask.shape[0] + 1
    above = np.empty(mask.shape, np.int32)  # rows to the nearest garment pixel above, per column
    below = np.empty(mask.shape, np.int32)
    run = np.full(mask.shape[1], far, np.int32)
    for y in range(mask.shape[0]):
        run = np.where(mask[y], 0, np.minimum(run + 1, far))
        above[y] = run
    run = np.full(mask.shape[1], far, np.int32)
    for y in range(mask.shape[0] - 1, -1, -1):
        run = np.where(mask[y], 0, np.minimum(run + 1, far))
        below[y] = run
    gaps = (above + below - 1 <= max_gap) & (above < far) & (below < far) & ~mask
    return mask | wide_parts(gaps, MIN_BRIDGE_WIDTH * garment_width(mask))


def garment_width(mask: np.ndarray) -> int:
    cols = np.flatnonzero(mask.any(axis=0))
    return int(cols[-1] - cols[0] + 1) if len(cols) else 0


def wide_parts(mask: np.ndarray, min_width: float) -> np.ndarray:
    """The connected parts of mask at least min_width wide (a pale band across a garment, not the
    narrow gap between a sleeve and the body)."""
    count, labels, stats, _ = cv2.connectedComponentsWithStats(mask.astype(np.uint8), connectivity=8)
    keep = [i for i in range(1, count) if stats[i, cv2.CC_STAT_WIDTH] >= min_width]
    return np.isin(labels, keep) if keep else np.zeros_like(mask, bool)


def fill_holes(mask: np.ndarray) -> np.ndarray:
    """The mask with every background region that does not reach the image border filled."""
    padded = np.pad(mask.astype(np.uint8), 1)
    flood = padded.copy()
    cv2.floodFill(flood, None, (0, 0), 1)
    holes = flood[1:-1, 1:-1] == 0
    return mask | holes


def keep_large_parts(mask: np.ndarray, share: float = 0.08) -> np.ndarray:
    """The largest connected part and any others at least `share` of its area."""
    count, labels, stats, _ = cv2.connectedComponentsWithStats(mask.astype(np.uint8), connectivity=8)
    if count <= 1:
        return np.zeros_like(mask, bool)
    areas = stats[1:, cv2.CC_STAT_AREA]
    keep = 1 + np.flatnonzero(areas >= share * areas.max())
    return np.isin(labels, keep)


def outline_band(mask: np.ndarray, reach: int = 4) -> np.ndarray:
    """Boolean: pixels within `reach` px of the mask's outline, on either side."""
    kernel = np.ones((2 * reach + 1,) * 2, np.uint8)
    m = mask.astype(np.uint8)
    return (cv2.dilate(m, kernel) > 0) & (cv2.erode(m, kernel) == 0)


def halo_threshold(dist: np.ndarray, mask: np.ndarray, floor: float) -> float:
    """Distance from the background's colour below which a pixel by the outline is background.

    A product photo's garment often has a pale halo (its shadow, the light's bloom): near the
    outline, distances split into the background's and the garment's; Otsu's threshold between
    them (at most HALO_LIMIT, at least `floor`) puts the halo outside.
    """
    band = outline_band(mask)
    values = np.clip(dist[band], 0, 255).astype(np.uint8)
    if values.size < 50:
        return floor
    otsu, _ = cv2.threshold(values.reshape(-1, 1), 0, 255, cv2.THRESH_BINARY + cv2.THRESH_OTSU)
    return float(np.clip(0.6 * otsu, floor, HALO_LIMIT))


def garment_mask_from_background(rgb: np.ndarray, work_side: int = WORK_SIDE) -> np.ndarray:
    """Boolean (H, W) garment mask of a product photo on a flat background (empty if none is found)."""
    h, w = rgb.shape[:2]
    scale = min(1.0, work_side / max(h, w))
    small = cv2.resize(rgb, (max(1, round(w * scale)), max(1, round(h * scale))), interpolation=cv2.INTER_AREA)
    colour, noise, flat = background_model(small)
    if flat < MIN_FLAT_BORDER or noise > MAX_BACKGROUND_NOISE:
        raise InputError("the garment image's background is not flat enough to cut the garment out; "
                         "give --garment-mask")
    dist = np.linalg.norm(lab(small) - colour, axis=2)
    threshold = max(5.0, 4.0 * noise)
    mask = dist > threshold
    halo = halo_threshold(dist, mask, threshold)
    mask = cv2.morphologyEx(mask.astype(np.uint8), cv2.MORPH_OPEN, np.ones((3, 3), np.uint8)).astype(bool)
    mask = keep_large_parts(mask)
    if not mask.any():
        return np.zeros((h, w), bool)
    ys = np.flatnonzero(mask.any(axis=1))
    mask = bridge_vertical_gaps(mask, max(2, int(MAX_GAP * (ys[-1] - ys[0] + 1))))
    closed = cv2.morphologyEx(mask.astype(np.uint8), cv2.MORPH_CLOSE, np.ones((5, 5), np.uint8)) > 0
    # the closing smooths the outline, but what it adds in the background's own colour is
    # background: the tip of the narrow gap between a hanging sleeve and the body
    mask = fill_holes(closed & (mask | (dist > threshold)))
    # the halo: pale (but not background-coloured, like a bridged white band) pixels on the outline
    mask &= ~(outline_band(mask) & (dist >= threshold) & (dist < halo))
    mask = keep_large_parts(mask, share=0.2)
    full = cv2.resize(mask.astype(np.float32), (w, h), interpolation=cv2.INTER_LINEAR)
    return full > 0.5


def soft_alpha(mask: np.ndarray, rgb: np.ndarray, radius: int = 1) -> np.ndarray:
    """A float32 alpha whose edge follows the garment image (guided filter of the hard mask).

    `radius` should cover the mask's edge error (a mask found at half size: 2-4 px).
    """
    alpha = np.zeros(mask.shape, np.float32)
    ys, xs = np.nonzero(mask)
    pad = 4 * radius + 2
    y0, y1 = max(0, ys.min() - pad), min(mask.shape[0], ys.max() + pad + 1)
    x0, x1 = max(0, xs.min() - pad), min(mask.shape[1], xs.max() + pad + 1)
    hard = mask[y0:y1, x0:x1]
    guide = rgb[y0:y1, x0:x1].astype(np.float32) / 255.0
    soft = np.clip(cv2.ximgproc.guidedFilter(guide, hard.astype(np.float32), radius, 1e-4), 0.0, 1.0)
    soft = np.clip((soft - 0.5) * 3.0 + 0.5, 0.0, 1.0)  # a crisper edge (about 3 px) than the filter's ramp
    band = np.ones((2 * radius + 1,) * 2, np.uint8)
    soft[cv2.erode(hard.astype(np.uint8), band) > 0] = 1.0
    soft[cv2.dilate(hard.astype(np.uint8), band) == 0] = 0.0
    alpha[y0:y1, x0:x1] = soft
    return alpha


def cut_out(rgb: np.ndarray, user_mask: np.ndarray | None = None) -> Cutout:
    """The garment of a product photo: the user's mask when given, else cut from a flat background.

    Raises InputError when no garment is found (a blank image, or a garment too small).
    """
    if user_mask is not None:
        mask = np.asarray(user_mask) > 0.5
        where = "in its mask"
        radius = 1
    else:
        mask = garment_mask_from_background(rgb)
        where = "on its background"
        radius = max(1, int(np.ceil(2.0 * max(rgb.shape[:2]) / WORK_SIDE)))
    if mask.mean() < MIN_GARMENT_AREA:
        raise InputError(f"no garment found in the garment image (nothing stands out {where})")
    if mask.mean() > 0.97:
        raise InputError("no garment found in the garment image: it fills the whole picture; "
                         "give --garment-mask or a photo on a plain background")
    return Cutout(rgb=rgb, alpha=soft_alpha(mask, rgb, radius))
