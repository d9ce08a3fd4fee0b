"""Cleaning the edge of a cut-out part so it can move over something else without a fringe.

A part cut from a photo along a mask carries, in its outermost pixels, a mix of its own colour
and whatever was behind it (a white wall beside a black sleeve).  Moved over something dark,
that mix shows as a light outline.  Here each edge pixel's share of the part is estimated from
the part's colour just inside and the surroundings' colour just outside (the pixel is taken as
a blend of the two), edge pixels that are mostly surroundings leave the mask, and the ones that
stay get the part's own colour.  Pure functions of arrays.
"""

from __future__ import annotations

import cv2
import numpy as np

from toolkit.imaging.masked_mean import masked_gaussian

MIN_CONTRAST = 25.0  # RGB distance below which inside and outside cannot be told apart


def part_share(pixels: np.ndarray, inside: np.ndarray, outside: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """(N,) share in [0, 1] of the inside colour in each pixel seen as a blend of inside and outside
    colours, and (N,) whether the two colours differ enough to tell."""
    span = inside - outside
    length2 = np.sum(span * span, axis=-1)
    share = np.sum((pixels - outside) * span, axis=-1) / np.maximum(length2, 1e-6)
    return np.clip(share, 0.0, 1.0), length2 >= MIN_CONTRAST**2


CLEAN_PASSES = 2  # at most: a second pass looks `band` px deeper where the first took pixels off (a mask
# 6 px past a sleeve); more would eat a light stripe that runs out to the edge ever deeper


def clean_edge(image: np.ndarray, mask: np.ndarray, band: int) -> tuple[np.ndarray, np.ndarray]:
    """A part's mask without its edge pixels that are mostly surroundings, and the image with the
    part's remaining mixed edge pixels, and `band` pixels beyond it, in the part's own colour.

    image: (H, W, 3) uint8; mask: (H, W) part where > 0.5; band: edge width in pixels.
    Returns (mask (H, W) bool, texture (H, W, 3) uint8).  Where a mask reaches further past the
    part than `band` (a segmentation a few pixels wide of a dark sleeve on a white wall), the
    pixels it took off bring the edge closer: the edge is cleaned again from the mask that held,
    until it holds whole.  Only pixels near the edge change, and only where the part and its
    surroundings differ in colour.
    """
    part = np.asarray(mask) > 0.5
    for _ in range(CLEAN_PASSES):
        cleaned, texture = clean_edge_once(image, part, band)
        if np.array_equal(cleaned, part):
            break
        part = cleaned
    return cleaned, texture


def clean_edge_once(image: np.ndarray, part: np.ndarray, band: int) -> tuple[np.ndarray, np.ndarray]:
    """One pass of clean_edge over the boolean mask `part`, its edge `band` px deep."""
    texture = image.copy()
    if not part.any() or band < 1:
        return part, texture
    ys, xs = np.nonzero(part)
    height, width = part.shape
    margin = 4 * band
    y0, y1 = max(0, ys.min() - margin), min(height, ys.max() + margin + 1)
    x0, x1 = max(0, xs.min() - margin), min(width, xs.max() + margin + 1)
    window = part[y0:y1, x0:x1]
    pixels = image[y0:y1, x0:x1].astype(np.float32)
    kernel = cv2.getStructuringElement(cv2.MORPH_ELLIPSE, (2 * band + 1,) * 2)
    core = cv2.erode(window.astype(np.uint8), kernel).astype(bool)
    grown = cv2.dilate(window.astype(np.uint8), kernel).astype(bool)
    beyond = cv2.dilate(grown.astype(np.uint8), kernel).astype(bool) & ~grown  # clear of the edge's mix
    inside, inside_share = masked_gaussian(pixels, core, 1.5 * band)
    outside, outside_share = masked_gaussian(pixels, beyond, 2.0 * band)
    edge = grown & ~core
    known = edge & (inside_share > 1e-3)
    share, telling = part_share(pixels[known], inside[known], outside[known])
    told = np.zeros_like(edge)
    told[known] = telling & (outside_share[known] > 1e-3)
    shares = np.ones(window.shape, np.float32)
    shares[known] = share
    cleaned = window & ~(told & (shares < 0.5))  # edge pixels that are mostly surroundings leave the part
    # mixed pixels that stay take the part's colour, clean ones keep their detail; so do the
    # pixels just outside, which the part's soft edge carries along (at rest that edge then
    # darkens or lightens a thin rim a little; moved, it shows no outline of what was beside it)
    recolour = (cleaned & told & (shares < 0.95)) | (grown & ~cleaned & (inside_share > 1e-3))
    patch = texture[y0:y1, x0:x1]
    patch[recolour] = np.clip(np.rint(inside[recolour]), 0, 255).astype(np.uint8)
    out = part.copy()
    out[y0:y1, x0:x1] = cleaned
    return out, texture
