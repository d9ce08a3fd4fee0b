"""Fill a hole in plain hanging cloth by carrying its folds straight down across it.

An apron or a skirt hangs in folds that run down the image; where an arm lay across it, the
cloth behind is best continued column by column, blending the colour just above the hole into
the colour just below it.  Patch quilting breaks plain cloth into blotches that keep the shape
of the arm; this keeps the folds.  Patterned cloth (a print, lace) is left to quilting:
`plainness` says how plain the cloth round each pixel is.
"""

from __future__ import annotations

import cv2
import numpy as np

from toolkit.imaging.masked_mean import masked_gaussian
from toolkit.imaging.masks import bounding_box, disc, keep_touching, nearest_along

SHADOW_DARKER = 0.85  # cloth beside a hole at most this bright against the lit cloth round it is in a shadow
PENUMBRA = 3  # px: a shadow's soft edge, taken with it
LONG_RUN = 1.5  # a run over this many times its part's median run length is not draped
DARKEST_LIT = 40.0  # grey level below which cloth is too dark to show an arm's shadow or tint
PLAIN_DETAIL = 8.0  # mean grey-level detail (|pixel - its 2 px blur|) of cloth that is plain
BUSY_DETAIL = 14.0  # ... and of cloth that is patterned enough to be quilted instead


def drape_fill(image: np.ndarray, hole: np.ndarray, known: np.ndarray, skip: int = 4, span: int = 3,
               max_tint: float = 0.12, ring: int = 12, smooth: float = 3.0) -> tuple[np.ndarray, np.ndarray]:
    """((H, W, 3) float32 colours, (H, W) bool where given) for the hole, column by column.

    Each vertical run of hole pixels takes the mean colour of `span` known pixels above it, the
    first of them `skip` + 1 px above the run (past the rim a hole's border leaves), and of as
    many below it, blended linearly along the run; the ends are averaged with those of the
    columns within about `smooth` px.  When the two ends' chromaticities (r, g, b over their
    sum: a shadow only darkens) differ by more than `max_tint`, one end is another garment or a
    hand's tint: only the end nearer the median tint of the known pixels within `ring` px of its
    part of the hole is used, and the run continues its colour, as it does when only one end is
    known cloth.  A run is not given when no end is known (or the pixels between the run and an
    end are not all known), when its part of the hole is taller than it is wide (it runs down
    the cloth, as beside a hanging arm, rather than across it), or when it is over LONG_RUN
    times as long as its part's median run (a stretch of the part that runs down the cloth, as
    an upper arm hanging from a forearm across the body).
    """
    hole = np.asarray(hole, bool)
    known = np.asarray(known, bool) & ~hole
    values = np.zeros(hole.shape + (3,), np.float32)
    given = np.zeros(hole.shape, bool)
    parts, wide = wide_hole_parts(hole)
    if not wide:
        return values, given
    # the work is done in a window round those parts, reaching as far as the ends, ring and averaging do
    corners = np.array(list(wide.values()))
    window = grown_box((corners[:, 0].min(), corners[:, 1].min(), corners[:, 2].max(), corners[:, 3].max()),
                       skip + span + ring + int(np.ceil(3 * smooth)) + 2, hole.shape)
    offset = (window[1].start, window[0].start)
    boxes = {label: (x0 - offset[0], y0 - offset[1], x1 - offset[0], y1 - offset[1])
             for label, (x0, y0, x1, y1) in wide.items()}
    values[window], given[window] = _drape_window(np.asarray(image[window], np.float32), hole[window], known[window],
                                                  parts[window], boxes, skip, span, max_tint, ring, smooth)
    return values, given


def wide_hole_parts(hole: np.ndarray) -> tuple[np.ndarray, dict[int, tuple[int, int, int, int]]]:
    """(the 8-connected parts of a hole labelled, the (x0, y0, x1, y1) box of each part at least as
    wide as tall, by its label)."""
    count, parts, stats, _ = cv2.connectedComponentsWithStats(hole.astype(np.uint8), connectivity=8)
    boxes = {}
    for label in range(1, count):
        x, y, w, h = (int(v) for v in stats[label, :4])
        if w >= h:
            boxes[label] = (x, y, x + w, y + h)
    return parts, boxes


def grown_box(box: tuple[int, int, int, int], margin: int, shape: tuple[int, ...]) -> tuple[slice, slice]:
    """The (rows, columns) slices of a box grown by margin px, clipped to an image of `shape`."""
    x0, y0, x1, y1 = box
    return slice(max(0, y0 - margin), min(shape[0], y1 + margin)), slice(max(0, x0 - margin), min(shape[1], x1 + margin))


def _drape_window(colours: np.ndarray, hole: np.ndarray, known: np.ndarray, parts: np.ndarray,
                  wide: dict[int, tuple[int, int, int, int]], skip: int, span: int, max_tint: float, ring: int,
                  smooth: float) -> tuple[np.ndarray, np.ndarray]:
    """drape_fill's work in a window that holds its wide parts whole."""
    height, width = hole.shape
    rows = np.broadcast_to(np.arange(height)[:, None], (height, width))
    cols = np.broadcast_to(np.arange(width)[None, :], (height, width))
    above, below = nearest_along(~hole, 0)  # the nearest rows above and below that are not hole
    tints = chromaticity(colours)
    # each part of the hole that is wider than tall, with the cloth's usual tint round it
    reference = np.full((height, width, 3), np.nan, np.float32)
    run = below - above - 1
    longest = np.zeros((height, width), np.float64)  # the longest run each part drapes
    kernel = disc(ring)
    for label, box in wide.items():
        near = grown_box(box, ring + 1, hole.shape)  # each part in its own box
        part = parts[near] == label
        around = cv2.dilate(part.astype(np.uint8), kernel).astype(bool) & known[near]
        if around.any():
            reference[near][part] = np.median(tints[near][around], axis=0)
            starts = part & (rows[near] == above[near] + 1)  # one pixel per run: its top
            longest[near][part] = LONG_RUN * np.median(run[near][starts])

    def end(start: np.ndarray, step: int) -> tuple[np.ndarray, np.ndarray]:
        total = np.zeros(colours.shape, np.float32)
        ok = hole.copy()
        for k in range(skip + span):
            row = start + step * k
            inside = (row >= 0) & (row < height)
            row = np.clip(row, 0, height - 1)
            ok &= inside & known[row, cols]
            if k >= skip:
                total += colours[row, cols]
        return total / span, ok & ~np.isnan(reference[..., 0]) & (run <= longest)

    top, top_ok = end(above, -1)
    bottom, bottom_ok = end(below, 1)
    # neighbouring columns' ends are averaged, so a stray dark or bright end leaves no streak
    top, bottom = along_rows(top, top_ok, smooth), along_rows(bottom, bottom_ok, smooth)
    top_tint, bottom_tint = chromaticity(top), chromaticity(bottom)
    clash = top_ok & bottom_ok & (np.linalg.norm(top_tint - bottom_tint, axis=-1) > max_tint)
    with np.errstate(invalid="ignore"):
        top_nearer = np.linalg.norm(top_tint - reference, axis=-1) <= np.linalg.norm(bottom_tint - reference, axis=-1)
    top_ok &= ~(clash & ~top_nearer)
    bottom_ok &= ~(clash & top_nearer)
    t = ((rows - above) / np.maximum(below - above, 1))[..., None].astype(np.float32)
    both = (top_ok & bottom_ok)[..., None]
    values = np.where(both, (1.0 - t) * top + t * bottom, np.where(top_ok[..., None], top, bottom))
    given = top_ok | bottom_ok
    return np.where(given[..., None], values, 0.0).astype(np.float32), given


def along_rows(values: np.ndarray, valid: np.ndarray, sigma: float) -> np.ndarray:
    """(H, W, C) Gaussian mean along each row of the `valid` values only (`values` where none is near)."""
    radius = max(1, int(np.ceil(3 * sigma)))
    kernel = cv2.getGaussianKernel(2 * radius + 1, sigma)
    weight = valid.astype(np.float32)
    total = cv2.sepFilter2D(values * weight[..., None], -1, kernel, np.ones((1, 1)), borderType=cv2.BORDER_CONSTANT)
    share = cv2.sepFilter2D(weight, -1, kernel, np.ones((1, 1)), borderType=cv2.BORDER_CONSTANT)
    return np.where(share[..., None] > 1e-6, total / np.maximum(share, 1e-6)[..., None], values).astype(np.float32)


def chromaticity(colours: np.ndarray) -> np.ndarray:
    """(..., 3) r, g and b over their sum: a colour's tint, whatever its brightness."""
    return colours / np.maximum(colours.sum(axis=-1, keepdims=True), 1.0)


def plainness(image: np.ndarray, known: np.ndarray, sigma: float) -> np.ndarray:
    """(H, W) float32 in [0, 1]: 1 where the known cloth within about `sigma` px is plain
    (detail at most PLAIN_DETAIL), 0 where it is patterned (BUSY_DETAIL or more); unknown
    pixels take the plainness of the known ones nearest."""
    grey = cv2.cvtColor(np.asarray(image, np.uint8), cv2.COLOR_RGB2GRAY).astype(np.float32)[..., None]
    # the blur takes in only the known cloth, so the edge of what lies over the hole adds no detail
    detail = np.abs(grey - masked_gaussian(grey, known, 2.0)[0])
    near, share = masked_gaussian(detail, known, sigma, coarse=True)
    # where no known cloth is near at this scale, look further out
    wide, _ = masked_gaussian(detail, known, 4.0 * sigma, coarse=True)
    level = np.where(share[..., None] > 1e-3, near, wide)[..., 0]
    return np.clip((BUSY_DETAIL - level) / (BUSY_DETAIL - PLAIN_DETAIL), 0.0, 1.0).astype(np.float32)


def drape_over(filled: np.ndarray, image: np.ndarray, hole: np.ndarray, known: np.ndarray,
               detail_sigma: float) -> np.ndarray:
    """`filled` (an RGB uint8 image whose hole is already filled, e.g. quilted) with the drape
    fill laid over the hole where the cloth round it is plain, faded in over a couple of px."""
    hole = np.asarray(hole, bool)
    values, given = drape_fill(image, hole, known)
    if not given.any():
        return filled
    weight = given * plainness(image, known, detail_sigma)
    # what follows changes nothing further than the blurs reach from what is given
    x0, y0, x1, y1 = bounding_box(given, 16)
    window = (slice(y0, y1), slice(x0, x1))
    values, near = masked_gaussian(values[window], given[window], 1.0)  # softens the step between columns
    # faded in at the edge of what is given, but never past where the softened values reach
    weight = cv2.GaussianBlur(weight[window].astype(np.float32), (0, 0), 2.0) * hole[window] * (near > 1e-3)
    mixed = weight[..., None] * values + (1.0 - weight[..., None]) * filled[window].astype(np.float32)
    out = filled.copy()
    inside = hole[window]
    out[window][inside] = np.clip(np.round(mixed[inside]), 0, 255).astype(np.uint8)
    return out


def grey_level(colours: np.ndarray) -> np.ndarray:
    """(...,) the mean of r, g and b."""
    return np.asarray(colours, np.float32).mean(axis=-1)


def arm_traces(image: np.ndarray, hole: np.ndarray, cloth: np.ndarray, reach: int, ring: int = 12,
               max_tint: float = 0.08) -> np.ndarray:
    """(H, W) bool: what an arm left on the cloth round where it lay (`hole`), which goes with
    it when it moves: the shadow it cast, and specks of another colour beside it (a fingertip's
    glow, a ring the silhouette left out).

    For each part of the hole wider than tall, the cloth within `ring` px gives the lit cloth's
    grey level (its 75th percentile) and tint (the median chromaticity of what is that bright).
    Cloth at most `reach` px below the part (the light falls from above), at most SHADOW_DARKER
    as bright and of that tint within `max_tint` (a shadow darkens, it does not change the
    colour), joined to the part, is shadow; PENUMBRA px round it go too.  Then any patch of
    cloth off that tint by more than `max_tint` that lies wholly within `reach` / 2 px of the
    part or its shadow and touches them is a speck (a garment of another colour beside the
    hole reaches further, and stays).
    """
    hole = np.asarray(hole, bool)
    cloth = np.asarray(cloth, bool) & ~hole
    traces = np.zeros(hole.shape, bool)
    parts, wide = wide_hole_parts(hole)
    ring_kernel = disc(ring)
    penumbra_kernel = disc(PENUMBRA)
    speck_kernel = disc(reach // 2)
    touch_kernel = np.ones((3, 3), np.uint8)
    for label, box in wide.items():
        # a window round the part, as far as its shadow, the specks' band and the ring reach
        near = grown_box(box, reach + PENUMBRA + reach // 2 + ring + 3, hole.shape)
        part = (parts[near] == label).astype(np.uint8)
        colours = np.asarray(image[near], np.float32)
        near_cloth, grey_near, tints_near = cloth[near], grey_level(colours), chromaticity(colours)
        around = cv2.dilate(part, ring_kernel).astype(bool) & near_cloth
        if not around.any():
            continue
        lit = float(np.percentile(grey_near[around], 75))
        if lit < DARKEST_LIT:  # black cloth shows no shadow, and its tint is noise
            continue
        tint = np.median(tints_near[around & (grey_near >= SHADOW_DARKER * lit)], axis=0)
        # a tint is only read where there is light enough to carry one
        off_tint = (np.linalg.norm(tints_near - tint, axis=-1) > max_tint) & (grey_near >= DARKEST_LIT / 2)
        rows = np.broadcast_to(np.arange(part.shape[0])[:, None], part.shape)
        last_above = np.maximum.accumulate(np.where(part > 0, rows, -reach - 1), axis=0)
        dark = (rows - last_above <= reach) & near_cloth & (grey_near < SHADOW_DARKER * lit) & ~off_tint
        shadow = keep_touching(dark, cv2.dilate(part, touch_kernel))
        shadow = cv2.dilate(shadow.astype(np.uint8), penumbra_kernel).astype(bool) & near_cloth
        left = (part > 0) | shadow
        band = cv2.dilate(left.astype(np.uint8), speck_kernel).astype(bool)
        candidates = near_cloth & ~shadow & off_tint
        pieces = cv2.connectedComponents(candidates.astype(np.uint8), connectivity=8)[1]
        within = candidates & ~np.isin(pieces, np.unique(pieces[~band]))
        traces[near] |= shadow | keep_touching(within, cv2.dilate(left.astype(np.uint8), touch_kernel))
    return traces
