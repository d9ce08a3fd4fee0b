"""Fill the background behind a moving region: a smooth structure guide plus exemplar patches.

The warp backbone renders a moving region as a layer over a static background; where the
region moves away the background must already hold something plausible. ``fill_hole`` does
that once per clip:

1. structure: a membrane (harmonic) fill of the hole, solved coarse to fine, continues the
   surrounding colours and gradients smoothly;
2. texture: the hole is walked in overlapping blocks from its border inwards; each block
   copies the known patch whose pixels best match the already known or filled overlap and
   whose low frequencies best match the guide (``cv2.matchTemplate`` with a mask);
3. seam: the mismatch between copied patches and the known pixels around the hole is spread
   over the hole as a membrane (as in Poisson blending), so no step shows at its border.
"""

from __future__ import annotations

import logging

import cv2
import numpy as np

log = logging.getLogger(__name__)

_JACOBI = np.array([[0.0, 0.25, 0.0], [0.25, 0.0, 0.25], [0.0, 0.25, 0.0]], np.float32)


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


def harmonic_fill(values: np.ndarray, known: np.ndarray, iters: int = 30) -> np.ndarray:
    """Replace unknown pixels of (H, W, C) float32 ``values`` by a smooth membrane over the known ones."""
    known = known.astype(bool)
    out = values.astype(np.float32, copy=True)
    if known.all() or not known.any():
        return out
    h, w = known.shape
    unknown = ~known
    if min(h, w) >= 4:
        size = ((w + 1) // 2, (h + 1) // 2)
        weight = known.astype(np.float32)
        num = cv2.resize(out * weight[..., None], size, interpolation=cv2.INTER_AREA)
        den = cv2.resize(weight, size, interpolation=cv2.INTER_AREA)
        coarse_known = den > 1e-4
        coarse = num.reshape(den.shape + (-1,)) / np.maximum(den, 1e-4)[..., None]
        coarse = harmonic_fill(coarse, coarse_known, iters)
        up = cv2.resize(coarse, (w, h), interpolation=cv2.INTER_LINEAR).reshape(out.shape)
        out[unknown] = up[unknown]
    else:
        out[unknown] = out[known].mean(axis=0)
    return _jacobi(out, known, iters)


def _jacobi(values: np.ndarray, known: np.ndarray, iters: int) -> np.ndarray:
    """Relax unknown pixels towards the mean of their 4 neighbours, known pixels fixed."""
    out = values
    keep = known[..., None] if out.ndim == 3 else known
    fixed = out.copy()
    for _ in range(iters):
        smooth = cv2.filter2D(out, -1, _JACOBI, borderType=cv2.BORDER_REPLICATE)
        out = np.where(keep, fixed, smooth.reshape(out.shape))
    return out


def masked_blur(values: np.ndarray, known: np.ndarray, sigma: float) -> np.ndarray:
    """Gaussian blur of ``values`` that ignores unknown pixels (normalised convolution)."""
    weight = known.astype(np.float32)
    num = cv2.GaussianBlur(values * weight[..., None], (0, 0), sigma)
    den = cv2.GaussianBlur(weight, (0, 0), sigma)
    return num / np.maximum(den, 1e-6)[..., None]


def valid_positions(known: np.ndarray, block: int) -> np.ndarray:
    """Bool map of top-left corners whose ``block`` x ``block`` patch is entirely known."""
    h, w = known.shape
    if h < block or w < block:
        return np.zeros((max(h - block + 1, 0), max(w - block + 1, 0)), bool)
    integral = cv2.integral((~known).astype(np.uint8))
    holes = (
        integral[block:, block:]
        - integral[:-block, block:]
        - integral[block:, :-block]
        + integral[:-block, :-block]
    )
    return holes == 0


def _grid(lo: int, hi: int, block: int, step: int, n: int) -> list[int]:
    """Block starts covering [lo, hi) with stride ``step``, each inside [0, n - block]."""
    starts = list(range(lo, max(hi - block, lo) + 1, step))
    if starts[-1] + block < hi:
        starts.append(hi - block)
    return sorted({min(max(s, 0), n - block) for s in starts})


def _pick(cost: np.ndarray, rng: np.random.Generator, tol: float) -> tuple[int, int]:
    """Index of a lowest-cost entry, chosen at random among those within ``tol`` of the best."""
    best = float(cost.min())
    near = np.flatnonzero(cost.ravel() <= best * (1.0 + tol) + 1e-3)
    flat = int(near[rng.integers(len(near))]) if len(near) > 1 else int(np.argmin(cost))
    return divmod(flat, cost.shape[1])


def _feather(written: np.ndarray, overlap: int) -> np.ndarray:
    """Weight of a new patch: 1 on pixels not yet written, ramping down over ``overlap`` px inside old ones."""
    if not written.any():
        return np.ones(written.shape, np.float32)
    dist = cv2.distanceTransform(written.astype(np.uint8), cv2.DIST_L2, 3)
    return np.clip(1.0 - (dist - 1.0) / overlap, 0.0, 1.0)


def synthesize(
    image: np.ndarray,
    known: np.ndarray,
    guide: np.ndarray,
    block: int,
    rng: np.random.Generator,
    *,
    low_weight: float = 1.0,
    tol: float = 0.03,
    min_candidates: int = 64,
) -> tuple[np.ndarray, np.ndarray]:
    """Quilt known ``block``-sized patches over the unknown pixels; returns (patches, written mask).

    ``image`` and ``guide`` are (H, W, 3) float32, ``guide`` holding a smooth fill of the unknown
    pixels. Blocks are visited from the hole's border inwards. Each block copies the fully known
    patch that best matches the known-or-filled part of the block and, over the whole block, the
    guide's low frequencies. Overlaps are blended with a ramp; known pixels under a block also get
    the patch value so the caller can measure the seam.
    """
    h, w = known.shape
    overlap = max(2, block // 3)
    step = max(1, block - overlap)
    valid = valid_positions(known, block)
    sigma = block / 4.0
    feat = np.concatenate([image, masked_blur(image, known, sigma)], axis=2)
    low_guide = cv2.GaussianBlur(guide, (0, 0), sigma)
    dist = cv2.distanceTransform((~known).astype(np.uint8), cv2.DIST_L2, 3)

    rows, cols = np.nonzero(~known)
    ys = _grid(int(rows.min()) - overlap, int(rows.max()) + 1 + overlap, block, step, h)
    xs = _grid(int(cols.min()) - overlap, int(cols.max()) + 1 + overlap, block, step, w)
    order = []
    for y in ys:
        for x in xs:
            d = dist[y : y + block, x : x + block]
            if d.max() > 0:
                order.append((float(d[d > 0].min()), -float((d == 0).mean()), y, x))
    order.sort()

    syn = np.zeros_like(image)
    written = np.zeros((h, w), bool)
    w_low = np.sqrt(low_weight / block**2)
    mask = np.empty((block, block, 6), np.float32)
    for _, _, y, x in order:
        sl = np.s_[y : y + block, x : x + block]
        hole_b = ~known[sl]
        if not (hole_b & ~written[sl]).any():
            continue
        seen = known[sl] | written[sl]
        cur = np.where(known[sl][..., None], image[sl], syn[sl])
        n_seen = int(seen.sum())
        mask[..., :3] = (seen * np.sqrt(1.0 / n_seen) if n_seen else 0.0)[..., None]
        mask[..., 3:] = w_low
        tmpl = np.concatenate([cur, low_guide[sl]], axis=2)

        reach = int(dist[sl].max()) + 2 * block
        while True:
            cy0, cy1 = max(0, y - reach), min(h - block, y + reach)
            cx0, cx1 = max(0, x - reach), min(w - block, x + reach)
            ok = valid[cy0 : cy1 + 1, cx0 : cx1 + 1]
            whole = cy0 == 0 and cx0 == 0 and cy1 == h - block and cx1 == w - block
            if int(ok.sum()) >= min_candidates or whole:
                break
            reach *= 2
        win = feat[cy0 : cy1 + block, cx0 : cx1 + block]
        cost = cv2.matchTemplate(win, tmpl, cv2.TM_SQDIFF, mask=mask)
        cost = np.where(ok, cost, np.inf)
        py, px = _pick(cost, rng, tol)
        src = image[cy0 + py : cy0 + py + block, cx0 + px : cx0 + px + block]

        alpha = _feather(written[sl], overlap)[..., None]
        syn[sl] = alpha * src + (1.0 - alpha) * syn[sl]
        written[sl] = True
    return syn, written


def _block_size(depth: float, shape: tuple[int, int]) -> int:
    """Patch size for a hole whose deepest pixel is ``depth`` px from the known region."""
    size = int(np.clip(round(depth / 2.5), 12, 28))
    return max(4, min(size, min(shape) // 3))


def _fill_region(image: np.ndarray, known: np.ndarray, rng: np.random.Generator) -> np.ndarray:
    """Fill the unknown pixels of a float32 (H, W, 3) crop; returns the whole filled crop."""
    guide = harmonic_fill(image, known)
    depth = float(cv2.distanceTransform((~known).astype(np.uint8), cv2.DIST_L2, 3).max())
    if depth <= 2.0:
        return guide
    block = _block_size(depth, known.shape)
    while block >= 4 and not valid_positions(known, block).any():
        block = block * 3 // 4
    if block < 4:
        log.debug("no fully known patch to copy; using the smooth fill only")
        return guide
    composite = np.where(known[..., None], image, guide)
    syn, written = synthesize(composite, known, guide, block, rng)
    delta = np.where((written & known)[..., None], image - syn, 0.0).astype(np.float32)
    correction = harmonic_fill(delta, known)
    return np.where(known[..., None], image, syn + correction)


def fill_hole(image: np.ndarray, hole: np.ndarray, *, seed: int = 0) -> np.ndarray:
    """Fill the ``hole`` pixels of an RGB uint8 image with plausible continued background.

    ``hole`` is (H, W) bool, {0, 1} or float (> 0.5 means hole). Pixels outside the hole are
    returned bit-exact. An empty hole returns a copy; a hole covering the whole image has
    nothing to continue and is filled with the image's mean colour. The result depends only
    on the inputs and ``seed``.
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

    h, w = mask.shape
    rows, cols = np.nonzero(mask)
    depth = float(cv2.distanceTransform((~mask).astype(np.uint8), cv2.DIST_L2, 3).max())
    margin = int(max(24, 4 * _block_size(depth, (h, w)), 1.5 * depth))
    y0, y1 = max(0, int(rows.min()) - margin), min(h, int(rows.max()) + 1 + margin)
    x0, x1 = max(0, int(cols.min()) - margin), min(w, int(cols.max()) + 1 + margin)

    crop_hole = mask[y0:y1, x0:x1]
    filled = _fill_region(img[y0:y1, x0:x1].astype(np.float32), ~crop_hole, np.random.default_rng(seed))
    region = out[y0:y1, x0:x1]
    region[crop_hole] = np.clip(np.rint(filled[crop_hole]), 0, 255).astype(np.uint8)
    return out
