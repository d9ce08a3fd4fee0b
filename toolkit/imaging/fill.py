"""Fill the background behind a moving region: exemplar patches over a coarse-to-fine guide.

The warp backbone renders a moving region as a layer over a static background; where the
region moves away, the background must already hold something plausible. ``fill_hole`` does
that once per clip:

1. structure: on an image pyramid whose coarsest level makes the hole a dozen or so pixels
   deep, the hole starts as a membrane (harmonic) fill that continues the colours around it;
2. texture: at every level the hole is covered with overlapping blocks, most-constrained block
   first; each block copies the fully known patch that best matches (``cv2.matchTemplate`` with
   a mask) the known or already filled pixels around and under it, plus the guide's low
   frequencies (the membrane at the coarsest level, the upsampled coarser fill above it). Finer
   levels only search near the source positions the coarser level chose, so structure found at
   low resolution is kept while real texture is copied at full resolution;
3. seams: smooth patches get a smooth colour offset towards their surroundings, and a fading
   membrane of the residual at the hole's border removes any step there (as in Poisson blending).
"""

from __future__ import annotations

import logging
from dataclasses import dataclass

import cv2
import numpy as np

from toolkit.imaging.masked_mean import masked_gaussian
from toolkit.imaging.masks import bounding_box

log = logging.getLogger(__name__)

_UNSET = -(10**6)
_JACOBI = np.array([[0.0, 0.25, 0.0], [0.25, 0.0, 0.25], [0.0, 0.25, 0.0]], np.float32)


@dataclass(frozen=True)
class FillOptions:
    """Knobs of the hole fill; the defaults suit photos of a few hundred to a thousand pixels."""

    coarse_depth: float = 12.0  # hole depth (px from the nearest known pixel) at the coarsest level
    min_coarse_side: int = 64  # never shrink the working window below this many px
    coarse_block: int = 8  # patch size at the coarsest level
    block: int = 16  # patch size at the finer levels
    coarse_context: float = 0.5  # ring of known/filled pixels matched around each block, as a fraction of it
    context: float = 0.125  # the same at the finer levels
    coarse_low_weight: float = 0.3  # weight of the membrane guide against the block's surroundings
    low_weight: float = 2.0  # weight of the upsampled coarser fill at the finer levels
    low_sigma: float = 3.0  # blur (px) of that fill and of the candidates before comparing them
    tol: float = 0.03  # coarse matches within this relative cost of the best are drawn at random
    radius: int = 3  # px searched around each offset proposed by the coarser level
    max_shift: float = 24.0  # largest colour offset applied to a smooth patch
    thin: float = 2.0  # holes at most this deep get the membrane fill only
    max_hole_pixels: int = 25_000  # larger holes are filled at a reduced scale, then upsampled


def as_hole_mask(hole: np.ndarray, shape: tuple[int, int]) -> np.ndarray:
    """Return ``hole`` as an (H, W) bool mask (bool, {0, 1} or float > 0.5 accepted)."""
    arr = np.asarray(hole)
    if arr.ndim == 3 and arr.shape[2] == 1:
        arr = arr[..., 0]
    if arr.shape != tuple(shape):
        raise ValueError(f"hole mask has shape {arr.shape}, expected {tuple(shape)}")
    if arr.dtype == bool:
        return arr.copy()
    return arr.astype(np.float64) > 0.5


def nearest_fill(image: np.ndarray, hole: np.ndarray, known: np.ndarray) -> np.ndarray:
    """A copy of an (H, W, C) image whose `hole` pixels take the colour of the nearest `known`
    pixel (Euclidean distance)."""
    known = np.asarray(known, bool) & ~np.asarray(hole, bool)
    out = np.array(image, copy=True)
    if not known.any() or not np.any(hole):
        return out
    _, nearest = cv2.distanceTransformWithLabels((~known).astype(np.uint8), cv2.DIST_L2, 5,
                                                 labelType=cv2.DIST_LABEL_PIXEL)
    colour_of = np.zeros((int(nearest.max()) + 1,) + out.shape[2:], out.dtype)
    colour_of[nearest[known]] = out[known]
    out[hole] = colour_of[nearest[hole]]
    return out


def harmonic_fill(values: np.ndarray, known: np.ndarray, iters: int = 30) -> np.ndarray:
    """Replace unknown pixels of (H, W, C) float32 ``values`` by a smooth membrane over the known ones."""
    known = known.astype(bool)
    out = values.astype(np.float32, copy=True)
    if known.all() or not known.any():
        return out
    rows, cols = np.nonzero(~known)
    y0, y1 = max(0, int(rows.min()) - 2), min(known.shape[0], int(rows.max()) + 3)
    x0, x1 = max(0, int(cols.min()) - 2), min(known.shape[1], int(cols.max()) + 3)
    out[y0:y1, x0:x1] = _membrane(out[y0:y1, x0:x1], known[y0:y1, x0:x1], iters)
    return out


def _membrane(values: np.ndarray, known: np.ndarray, iters: int) -> np.ndarray:
    """Coarse-to-fine membrane: solve on a half-size grid, upsample, then relax with Jacobi steps."""
    out = values.copy()
    h, w = known.shape
    unknown = ~known
    if known.all():
        return out
    if min(h, w) >= 4 and known.any():
        size = ((w + 1) // 2, (h + 1) // 2)
        weight = known.astype(np.float32)
        num = cv2.resize(out * weight[..., None], size, interpolation=cv2.INTER_AREA)
        den = cv2.resize(weight, size, interpolation=cv2.INTER_AREA)
        coarse = num.reshape(den.shape + (-1,)) / np.maximum(den, 1e-4)[..., None]
        coarse = _membrane(coarse, den > 1e-4, iters)
        up = cv2.resize(coarse, (w, h), interpolation=cv2.INTER_LINEAR).reshape(out.shape)
        out[unknown] = up[unknown]
    elif known.any():
        out[unknown] = out[known].mean(axis=0)
    free = unknown[..., None]
    for _ in range(iters):
        smooth = cv2.filter2D(out, -1, _JACOBI, borderType=cv2.BORDER_REPLICATE).reshape(out.shape)
        np.copyto(out, smooth, where=free)
    return out


def valid_positions(known: np.ndarray, size: int) -> np.ndarray:
    """Bool map of top-left corners whose ``size`` x ``size`` patch is entirely known."""
    h, w = known.shape
    if h < size or w < size:
        return np.zeros((max(h - size + 1, 0), max(w - size + 1, 0)), bool)
    integral = cv2.integral((~known).astype(np.uint8))
    holes = integral[size:, size:] - integral[:-size, size:] - integral[size:, :-size] + integral[:-size, :-size]
    return holes == 0


def _depth(hole: np.ndarray) -> float:
    """Largest distance (px) from a hole pixel to the nearest known pixel."""
    return float(cv2.distanceTransform(hole.astype(np.uint8), cv2.DIST_L2, 3).max())


def _starts(lo: int, hi: int, block: int, step: int, first: int, last: int) -> list[int]:
    """Block starts with stride ``step`` covering [lo, hi), each clipped to [first, last]."""
    starts = list(range(lo, max(hi - block, lo) + 1, step))
    if starts[-1] + block < hi:
        starts.append(hi - block)
    return sorted({min(max(s, first), last) for s in starts})


def _block_grid(hole: np.ndarray, block: int, overlap: int, margin: int) -> tuple[list[int], list[int], np.ndarray]:
    """Rows and columns of overlapping blocks over the hole (kept ``margin`` px off the edges), and which hold hole pixels."""
    h, w = hole.shape
    step = max(1, block - overlap)
    rows, cols = np.nonzero(hole)
    ys = _starts(int(rows.min()) - overlap, int(rows.max()) + 1 + overlap, block, step, margin, h - margin - block)
    xs = _starts(int(cols.min()) - overlap, int(cols.max()) + 1 + overlap, block, step, margin, w - margin - block)
    integral = cv2.integral(hole.astype(np.uint8))
    y0, x0 = np.array(ys)[:, None], np.array(xs)[None, :]
    count = integral[y0 + block, x0 + block] - integral[y0, x0 + block] - integral[y0 + block, x0] + integral[y0, x0]
    return ys, xs, count > 0


def _pick(cost: np.ndarray, rng: np.random.Generator, tol: float) -> tuple[int, int]:
    """Index of a lowest-cost entry, drawn at random among those within ``tol`` of the best."""
    best = float(cost.min())
    near = np.flatnonzero(cost.ravel() <= best * (1.0 + tol) + 1e-3)
    flat = int(near[rng.integers(len(near))]) if len(near) > 1 else int(np.argmin(cost))
    return divmod(flat, cost.shape[1])


def _search(
    feat: np.ndarray,
    valid: np.ndarray,
    tmpl: np.ndarray,
    mask: np.ndarray,
    window: tuple[int, int, int, int],
    *,
    rng: np.random.Generator | None = None,
    tol: float = 0.0,
    near: tuple[int, int, float] | None = None,
    limits: tuple[int, int, int, int] | None = None,
) -> tuple[float, int, int] | None:
    """Best (cost, y, x) over valid top-left corners in window (y0, y1, x0, x1), inclusive; None if none is valid.

    ``near`` = (y, x, spread) multiplies costs by 1 + (dy / spread)^2 + (dx / 2 spread)^2, which
    prefers sources near the target and, more strongly, on the same rows (horizons, sky bands).
    ``limits`` = (y0, y1, x0, x1), inclusive: the box holding every valid corner, which the
    window is clipped to (the template is matched only where a source may be).
    """
    size = tmpl.shape[0]
    y0, y1, x0, x1 = window
    ly0, ly1, lx0, lx1 = limits if limits is not None else (0, valid.shape[0] - 1, 0, valid.shape[1] - 1)
    y0, x0 = max(y0, ly0), max(x0, lx0)
    y1, x1 = min(y1, ly1), min(x1, lx1)
    if y1 < y0 or x1 < x0:
        return None
    ok = valid[y0 : y1 + 1, x0 : x1 + 1]
    if not ok.any():
        return None
    cost = cv2.matchTemplate(feat[y0 : y1 + size, x0 : x1 + size], tmpl, cv2.TM_SQDIFF, mask=mask)
    cost = np.where(ok, cost, np.inf)
    if near is not None:
        ty, tx, spread = near
        dy = (np.arange(y0, y1 + 1, dtype=np.float32) - ty) / spread
        dx = (np.arange(x0, x1 + 1, dtype=np.float32) - tx) / (2.0 * spread)
        cost = cost * (1.0 + dy[:, None] ** 2 + dx[None, :] ** 2)
    if rng is None:
        py, px = divmod(int(np.argmin(cost)), cost.shape[1])
    else:
        py, px = _pick(cost, rng, tol)
    return float(cost[py, px]), y0 + py, x0 + px


def _feather(written: np.ndarray, overlap: int) -> np.ndarray:
    """Weight of a new patch: 1 on pixels not yet written, ramping down over ``overlap`` px inside old ones."""
    if not written.any():
        return np.ones(written.shape, np.float32)
    dist = cv2.distanceTransform(written.astype(np.uint8), cv2.DIST_L2, 3)
    return np.clip(1.0 - (dist - 1.0) / overlap, 0.0, 1.0)


def _colour_shift(cur: np.ndarray, src: np.ndarray, seen: np.ndarray, limit: float) -> np.ndarray:
    """Smooth offset that makes the ``src`` patch agree with the ``seen`` pixels of ``cur``.

    It is the normalised-convolution extension of (cur - src) over the seen pixels, faded out
    on detailed patches, where a seam does not show and a shift would only add haze. It is
    clipped to +-``limit``, or up to 5 times that when the difference is a plain offset on a
    flat patch (a gradient continued from a shifted position), never when it is texture.
    """
    diff = (cur - src)[seen]
    detail = float(np.var(src - cv2.GaussianBlur(src, (0, 0), 1.0)))
    smooth = 16.0 / (16.0 + detail)
    offset = float(np.sum(diff.mean(axis=0) ** 2))
    plain = offset / (offset + float(np.sum(diff.var(axis=0))) + 1e-6)
    limit = limit * (1.0 + 4.0 * smooth * plain)
    return np.clip(masked_gaussian(cur - src, seen, src.shape[0] / 4.0)[0], -limit, limit) * smooth


def _sample_offsets(offsets: np.ndarray, y: int, x: int, block: int) -> set[tuple[int, int]]:
    """Distinct source offsets set at 9 sample points of a block."""
    picks = np.linspace(0, block - 1, 3).astype(int)
    sub = offsets[y + picks[:, None], x + picks[None, :]].reshape(-1, 2)
    return {(int(a), int(b)) for a, b in sub if a != _UNSET}


def _windows(proposals: set[tuple[int, int]], radius: int) -> list[tuple[int, int, int, int]]:
    """Offset windows (y0, y1, x0, x1) of ``radius`` around each proposal, merged when that is cheaper."""
    boxes = [(oy - radius, oy + radius, ox - radius, ox + radius) for oy, ox in sorted(proposals)]
    merged: list[tuple[int, int, int, int]] = []
    for box in boxes:
        for i, (y0, y1, x0, x1) in enumerate(merged):
            union = (min(y0, box[0]), max(y1, box[1]), min(x0, box[2]), max(x1, box[3]))
            area = (union[1] - union[0] + 1) * (union[3] - union[2] + 1)
            parts = (y1 - y0 + 1) * (x1 - x0 + 1) + (2 * radius + 1) ** 2
            if area <= parts:
                merged[i] = union
                break
        else:
            merged.append(box)
    return merged


def synthesize(
    image: np.ndarray,
    known: np.ndarray,
    guide: np.ndarray,
    block: int,
    rng: np.random.Generator,
    *,
    init: np.ndarray | None = None,
    low_weight: float = 1.0,
    sigma: float | None = None,
    context: float = 0.5,
    options: FillOptions = FillOptions(),
    sources: np.ndarray | None = None,
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Quilt known ``block``-sized patches over the unknown pixels of one pyramid level.

    ``image`` and ``guide`` are (H, W, 3) float32, ``guide`` holding a rough fill of the unknown
    pixels. Blocks go most-constrained first (most known or filled pixels around them). Each is
    matched with a ring of ``context`` x block px around it: the known and filled pixels
    there and, everywhere, the guide blurred by ``sigma``. Without ``init`` the search covers a
    window around the block (drawing among near-ties with ``rng``); with ``init`` (per-pixel
    source offsets from the coarser level) it only looks ``options.radius`` px around offsets
    proposed there and by filled neighbours. Overlaps are blended with a ramp; known pixels
    under a block get the patch too, so the caller can measure the seam.
    ``sources`` (bool, optional) limits where patches are copied from to those known pixels.
    Returns (patch layer, written mask, per-pixel source offsets).
    """
    h, w = known.shape
    m = max(1, int(round(context * block)))
    size = block + 2 * m
    overlap = max(2, block // 3)
    sigma = block / 4.0 if sigma is None else sigma
    pad2 = ((m, m), (m, m))
    pad3 = pad2 + ((0, 0),)
    known_p = np.pad(known, pad2)
    hole_p = np.pad(~known, pad2)
    image_p = np.pad(image, pad3, mode="edge")
    feat = np.concatenate([image_p, masked_gaussian(image_p, known_p, sigma)[0]], axis=2)
    guide_p = np.pad(guide, pad3, mode="edge")
    low_guide = cv2.GaussianBlur(guide_p, (0, 0), sigma)
    valid = valid_positions(known_p if sources is None else known_p & np.pad(sources, pad2), size)
    if sources is not None and not valid.any():  # no patch fits in the sources: any known one will do
        log.debug("fill: no %d px patch fits in the sources; copying from all known pixels", size)
        valid = valid_positions(known_p, size)
    corners = bounding_box(valid)  # (x0, y0, x1, y1), exclusive ends
    limits = None if corners is None else (corners[1], corners[3] - 1, corners[0], corners[2] - 1)
    spread = max(4.0 * block, 2.0 * _depth(~known))
    init_p = None if init is None else np.pad(init, pad3, constant_values=_UNSET)

    syn = np.zeros_like(image_p)
    written = np.zeros(known_p.shape, bool)
    offsets = np.full(known_p.shape + (2,), _UNSET, np.int32)
    mask = np.empty((size, size, 6), np.float32)
    mask[..., 3:] = np.sqrt(low_weight / size**2)
    ys, xs, pending = _block_grid(hole_p, block, overlap, m)
    support = np.array([[known_p[y - m : y + block + m, x - m : x + block + m].sum() for x in xs] for y in ys], float)
    while pending.any():
        iy, ix = np.unravel_index(np.argmax(np.where(pending, support, -1.0)), pending.shape)
        pending[iy, ix] = False
        y, x = ys[iy], xs[ix]
        inner = np.s_[y : y + block, x : x + block]
        if not (hole_p[inner] & ~written[inner]).any():
            continue
        ey, ex = y - m, x - m
        ext = np.s_[ey : ey + size, ex : ex + size]
        seen = known_p[ext] | written[ext]
        cur = np.where(known_p[ext][..., None], image_p[ext], syn[ext])
        mask[..., :3] = (seen * np.sqrt(1.0 / max(int(seen.sum()), 1)))[..., None]
        tmpl = np.concatenate([cur, low_guide[ext]], axis=2)

        best = None
        if init_p is not None:
            proposals = _sample_offsets(init_p, y, x, block) | _sample_offsets(offsets, y, x, block)
            for oy0, oy1, ox0, ox1 in _windows(proposals, options.radius):
                found = _search(feat, valid, tmpl, mask, (ey + oy0, ey + oy1, ex + ox0, ex + ox1), limits=limits)
                if found is not None and (best is None or found[0] < best[0]):
                    best = found
        if best is None:
            ry, rx = int(3 * spread), int(6 * spread)
            window = (ey - ry, ey + ry, ex - rx, ex + rx)
            best = _search(feat, valid, tmpl, mask, window, rng=rng, tol=options.tol, near=(ey, ex, spread),
                           limits=limits)
            if best is None:
                best = _search(feat, valid, tmpl, mask, (0, h + 2 * m, 0, w + 2 * m), rng=rng, tol=options.tol,
                               limits=limits)
        if best is None:  # no fully known patch anywhere: keep the guide here
            src, py, px = guide_p[ext], ey, ex
        else:
            _, py, px = best
            src = image_p[py : py + size, px : px + size]
            if seen.any():
                src = src + _colour_shift(cur, src, seen, options.max_shift)
        alpha = _feather(written[inner], overlap)[..., None]
        syn[inner] = alpha * src[m : m + block, m : m + block] + (1.0 - alpha) * syn[inner]
        offsets[inner][alpha[..., 0] >= 0.5] = (py - ey, px - ex)
        written[inner] = True
        for jy in range(max(0, iy - 2), min(len(ys), iy + 3)):
            for jx in range(max(0, ix - 2), min(len(xs), ix + 3)):
                if pending[jy, jx]:
                    near = np.s_[ys[jy] - m : ys[jy] + block + m, xs[jx] - m : xs[jx] + block + m]
                    support[jy, jx] = (known_p[near] | written[near]).sum()
    crop = np.s_[m : m + h, m : m + w]
    return syn[crop], written[crop], offsets[crop]


def _seam_correction(image: np.ndarray, known: np.ndarray, syn: np.ndarray, written: np.ndarray, reach: float) -> np.ndarray:
    """Offset for the unknown pixels that removes the step to the known ring, fading out over ``reach`` px."""
    inside = cv2.distanceTransform((~known).astype(np.uint8), cv2.DIST_L2, 3)
    outside = cv2.distanceTransform(known.astype(np.uint8), cv2.DIST_L2, 3)
    ring = known & written & (outside <= 2.0)
    delta = np.where(ring[..., None], image - syn, 0.0).astype(np.float32)
    t = np.clip((inside - 1.0) / max(reach, 1.0), 0.0, 1.0)
    fade = (1.0 - t * t * (3.0 - 2.0 * t)).astype(np.float32)
    return harmonic_fill(delta, known) * fade[..., None]


def _downscale(image: np.ndarray, known: np.ndarray, sources: np.ndarray | None = None
               ) -> tuple[np.ndarray, np.ndarray, np.ndarray | None]:
    """Half-size image, its known mask and its sources mask (a coarse pixel is known, or a source,
    only if all of it is)."""
    h, w = known.shape
    size = ((w + 1) // 2, (h + 1) // 2)
    small = cv2.resize(image, size, interpolation=cv2.INTER_AREA)

    def whole(mask: np.ndarray | None) -> np.ndarray | None:
        if mask is None:
            return None
        return cv2.resize(mask.astype(np.float32), size, interpolation=cv2.INTER_AREA) > 0.999

    return small, whole(known), whole(sources)


def _upscale_offsets(offsets: np.ndarray, shape: tuple[int, int]) -> np.ndarray:
    """Double an offset map to ``shape`` (nearest neighbour), keeping unset entries unset."""
    up = np.repeat(np.repeat(offsets, 2, axis=0), 2, axis=1)[: shape[0], : shape[1]]
    return np.where(up != _UNSET, up * 2, up)


def fill_region(image: np.ndarray, known: np.ndarray, rng: np.random.Generator, options: FillOptions = FillOptions(),
                sources: np.ndarray | None = None) -> np.ndarray:
    """Fill the unknown pixels of a float32 (H, W, 3) window, coarse to fine; returns the whole window.
    Patches come from the known pixels, or from those of them in ``sources`` if it is given."""
    depth = _depth(~known)
    if depth <= options.thin:
        return harmonic_fill(image, known)
    levels = [(image, known, sources)]
    while depth / 2 ** len(levels) > options.coarse_depth and min(levels[-1][1].shape) // 2 >= options.min_coarse_side:
        levels.append(_downscale(*levels[-1]))

    filled, offsets = None, None
    for level, (img, kn, src) in reversed(list(enumerate(levels))):
        coarsest = filled is None
        if coarsest:
            guide = harmonic_fill(img, kn)
        else:
            up = cv2.resize(filled, kn.shape[::-1], interpolation=cv2.INTER_LINEAR).reshape(img.shape)
            guide = np.where(kn[..., None], img, up)
            offsets = None if offsets is None else _upscale_offsets(offsets, kn.shape)
        if kn.all():
            filled, offsets = img, None
            continue
        block = options.coarse_block if coarsest and level > 0 else options.block
        block = max(2, min(block, min(kn.shape) // 3))
        composite = np.where(kn[..., None], img, guide)
        syn, written, offsets = synthesize(
            composite,
            kn,
            guide,
            block,
            rng,
            init=None if coarsest else offsets,
            low_weight=options.coarse_low_weight if coarsest else options.low_weight,
            sigma=None if coarsest else options.low_sigma,
            context=options.coarse_context if coarsest else options.context,
            options=options,
            sources=src,
        )
        syn = syn + _seam_correction(img, kn, syn, written, reach=block)
        filled = np.where(kn[..., None], img, syn)
    return filled


def _fill_window(window: np.ndarray, known: np.ndarray, rng: np.random.Generator, options: FillOptions,
                 sources: np.ndarray | None = None) -> np.ndarray:
    """fill_region, at a reduced scale when the hole is large (its cost grows with the hole's area)."""
    hole_pixels = int((~known).sum())
    if hole_pixels <= options.max_hole_pixels:
        return fill_region(window, known, rng, options, sources)
    scale = float(np.sqrt(options.max_hole_pixels / hole_pixels))
    h, w = known.shape
    small_size = (max(8, int(round(w * scale))), max(8, int(round(h * scale))))
    small = cv2.resize(window, small_size, interpolation=cv2.INTER_AREA)
    small_known = cv2.resize(known.astype(np.uint8), small_size, interpolation=cv2.INTER_NEAREST).astype(bool)
    small_known &= cv2.erode(small_known.astype(np.uint8), np.ones((3, 3), np.uint8)).astype(bool)
    small_sources = None
    if sources is not None:
        small_sources = cv2.resize(sources.astype(np.uint8), small_size, interpolation=cv2.INTER_NEAREST).astype(bool)
    filled = fill_region(small, small_known, rng, options, small_sources)
    return cv2.resize(filled, (w, h), interpolation=cv2.INTER_LINEAR).reshape(window.shape)


def _crop_box(part: np.ndarray) -> tuple[int, int, int, int]:
    """(x0, y0, x1, y1) of the working window around one hole component."""
    return bounding_box(part, int(max(48, 2.0 * _depth(part))))


def fill_hole(image: np.ndarray, hole: np.ndarray, *, seed: int = 0, options: FillOptions | None = None,
              sources: np.ndarray | None = None) -> np.ndarray:
    """Fill the ``hole`` pixels of an RGB uint8 image with plausible continued background.

    ``hole`` is (H, W) bool, {0, 1} or float (> 0.5 means hole). Pixels outside the hole are
    returned bit-exact. An empty hole returns a copy; a hole covering the whole image has
    nothing to continue and is filled with the image's mean colour (logged as a warning).
    Separate parts of the hole are filled in their own windows. ``sources`` ((H, W) bool,
    optional) limits the pixels patches are copied from (the rest only guides the fill's
    colours). The result depends only on the inputs and ``seed``.
    """
    img = np.asarray(image)
    if img.ndim != 3 or img.shape[2] != 3 or img.dtype != np.uint8:
        raise ValueError(f"image must be (H, W, 3) uint8, got {img.shape} {img.dtype}")
    mask = as_hole_mask(hole, img.shape[:2])
    out = img.copy()
    if not mask.any():
        return out
    if mask.all():
        log.warning("hole covers the whole image; filling with its mean colour")
        out[:] = np.rint(img.reshape(-1, 3).mean(axis=0)).astype(np.uint8)
        return out
    options = options or FillOptions()
    sources = None if sources is None else as_hole_mask(sources, img.shape[:2]) & ~mask
    rng = np.random.default_rng(seed)
    if sources is None:
        count, labels = cv2.connectedComponents(cv2.dilate(mask.astype(np.uint8), np.ones((15, 15), np.uint8)))
    else:  # one window over the whole hole and its sources: each part would otherwise refill the others
        count, labels = 2, mask.astype(np.int32)
        source_box = bounding_box(sources)
    for label in range(1, count):
        part = mask & (labels == label)
        x0, y0, x1, y1 = _crop_box(part)
        window_sources = None
        if sources is not None:  # the window reaches the sources, wherever they lie
            if source_box is not None:
                x0, y0 = min(x0, source_box[0]), min(y0, source_box[1])
                x1, y1 = max(x1, source_box[2]), max(y1, source_box[3])
            window_sources = sources[y0:y1, x0:x1]
        filled = _fill_window(img[y0:y1, x0:x1].astype(np.float32), ~mask[y0:y1, x0:x1], rng, options, window_sources)
        inside = part[y0:y1, x0:x1]
        region = out[y0:y1, x0:x1]
        region[inside] = np.clip(np.rint(filled[inside]), 0, 255).astype(np.uint8)
    return out
