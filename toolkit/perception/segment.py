"""Offline click-to-object segmentation, no weights: superpixel hierarchy + GrabCut.

The image is cut into SLIC superpixels, which are merged bottom-up, most similar neighbours
first (colour and texture histograms, the edge between them, a size prior). The regions that
contain the click form a nested chain; the one whose outline runs along the strongest edges is
refined with GrabCut, cleaned, and upsampled with a guided filter so its edge snaps to the image.
"""

from __future__ import annotations

import heapq
import logging
from dataclasses import dataclass
from typing import Sequence

import cv2
import numpy as np
from scipy import ndimage
from skimage.segmentation import slic

from toolkit.errors import InputError

log = logging.getLogger(__name__)

WORK_SIDE = 512  # longer side of the working resolution
SEGMENTS = 1200  # superpixels at the working resolution
COLOUR_BINS = 16  # histogram bins per Lab channel
TEXTURE_BINS = 8  # histogram bins of gradient magnitude
GRABCUT_MAX_PIXELS = 40_000  # GrabCut runs on a crop no larger than this (downscaled if needed)
GRABCUT_TOLERANCE = 0.95  # GrabCut wins unless its outline contrast is this much below the region's
MIN_CANDIDATE_FRACTION = 0.002  # candidates smaller than this share of the image are not chosen


@dataclass(frozen=True)
class MergeWeights:
    """How the cost of merging two neighbouring regions is made up."""

    colour: float = 1.0  # 1 - Lab histogram intersection
    texture: float = 0.5  # 1 - gradient histogram intersection
    edge: float = 1.0  # mean gradient along the shared boundary / edge_scale
    size: float = 1.0  # merged area / image area (small regions merge first)
    edge_scale: float = 8.0  # Lab units per pixel that count as one unit of edge cost


@dataclass(frozen=True)
class RegionGraph:
    """Superpixels and their adjacency: per-node histograms, per-edge boundary evidence."""

    labels: np.ndarray  # (h, w) int32 superpixel ids 0..n-1
    area: np.ndarray  # (n,) pixels per node
    hist: np.ndarray  # (n, 3*COLOUR_BINS + TEXTURE_BINS) pixel counts
    border: np.ndarray  # (n,) pixels of the node on the image border
    edges: np.ndarray  # (m, 2) node pairs, i < j
    length: np.ndarray  # (m,) shared boundary length in pixels
    edge_grad: np.ndarray  # (m,) mean gradient magnitude along the shared boundary


@dataclass(frozen=True)
class Candidate:
    """One region of the chain that contains the click."""

    members: np.ndarray  # superpixel ids
    area: float  # pixels
    contrast: float  # mean gradient along the outline; the image border counts as 0
    level: float  # merge cost at which the region formed


@dataclass(frozen=True)
class Prepared:
    """Per-image work shared by all clicks on the same image."""

    small: np.ndarray  # working-resolution RGB
    grad: np.ndarray  # its colour gradient magnitude
    graph: RegionGraph


# --------------------------------------------------------------------------- validation


def check_image(image: np.ndarray) -> np.ndarray:
    """Return the image as contiguous (H, W, 3) uint8 or raise InputError."""
    arr = np.asarray(image)
    if arr.ndim != 3 or arr.shape[2] != 3 or arr.shape[0] < 2 or arr.shape[1] < 2:
        raise InputError(f"Expected an RGB image of shape (H, W, 3), got shape {arr.shape}.")
    if arr.dtype != np.uint8:
        raise InputError(f"Expected a uint8 RGB image, got dtype {arr.dtype}.")
    return np.ascontiguousarray(arr)


def check_point(point: Sequence[float], shape: tuple[int, ...]) -> tuple[float, float]:
    """Return (x, y) as floats inside the image or raise InputError."""
    try:
        x, y = (float(v) for v in point)
    except (TypeError, ValueError) as exc:
        raise InputError(f"A click point must be two numbers (x, y), got {point!r}.") from exc
    h, w = shape[:2]
    if not (np.isfinite(x) and np.isfinite(y) and 0 <= x < w and 0 <= y < h):
        raise InputError(f"Click point ({x:g}, {y:g}) is outside the {w}x{h} image.")
    return x, y


def check_fraction(value: float) -> float:
    """Return max_area_fraction if it lies in (0, 1] or raise InputError."""
    if not 0 < value <= 1:
        raise InputError(f"max_area_fraction must lie in (0, 1], got {value}.")
    return float(value)


# --------------------------------------------------------------------------- features


def working_scale(shape: tuple[int, ...], side: int = WORK_SIDE) -> float:
    """Scale factor that brings the longer side to at most `side` pixels."""
    return min(1.0, side / max(shape[:2]))


def to_lab(rgb: np.ndarray) -> np.ndarray:
    """uint8 RGB to float32 CIELab (L in 0..100)."""
    return cv2.cvtColor(rgb.astype(np.float32) / 255.0, cv2.COLOR_RGB2Lab)


def gradient_magnitude(lab: np.ndarray) -> np.ndarray:
    """Per-pixel colour gradient magnitude (Lab units per pixel) of a lightly smoothed image."""
    smooth = cv2.GaussianBlur(lab, (0, 0), 1.0)
    gx = cv2.Sobel(smooth, cv2.CV_32F, 1, 0, ksize=3) / 8.0
    gy = cv2.Sobel(smooth, cv2.CV_32F, 0, 1, ksize=3) / 8.0
    return np.sqrt((gx**2 + gy**2).sum(axis=2))


def superpixels(rgb: np.ndarray, n_segments: int = SEGMENTS, compactness: float = 10.0) -> np.ndarray:
    """SLIC superpixels (computed in Lab) of an RGB image, labels 0..n-1."""
    h, w = rgb.shape[:2]
    n = int(max(4, min(n_segments, h * w // 16)))
    labels = slic(
        rgb, n_segments=n, compactness=compactness, start_label=0, channel_axis=-1,
        convert2lab=True, enforce_connectivity=True,
    )
    _, labels = np.unique(labels, return_inverse=True)
    return labels.reshape(h, w).astype(np.int32)


def pixel_bins(lab: np.ndarray, grad: np.ndarray) -> np.ndarray:
    """(h, w, 4) histogram bin index of every pixel for L, a, b and gradient magnitude."""
    def quantise(values: np.ndarray, lo: float, hi: float, bins: int) -> np.ndarray:
        return np.clip((values - lo) / (hi - lo) * bins, 0, bins - 1).astype(np.int64)

    return np.stack([
        quantise(lab[..., 0], 0.0, 100.0, COLOUR_BINS),
        COLOUR_BINS + quantise(lab[..., 1], -80.0, 80.0, COLOUR_BINS),
        2 * COLOUR_BINS + quantise(lab[..., 2], -80.0, 80.0, COLOUR_BINS),
        3 * COLOUR_BINS + quantise(np.log1p(grad), 0.0, np.log1p(40.0), TEXTURE_BINS),
    ], axis=-1)


def region_graph(labels: np.ndarray, lab: np.ndarray, grad: np.ndarray) -> RegionGraph:
    """Build the superpixel adjacency graph with histograms and boundary gradients."""
    n = int(labels.max()) + 1
    flat = labels.ravel().astype(np.int64)
    area = np.bincount(flat, minlength=n).astype(np.float64)
    width = 3 * COLOUR_BINS + TEXTURE_BINS
    bins = pixel_bins(lab, grad).reshape(-1, 4)
    hist = np.zeros(n * width)
    for c in range(4):
        hist += np.bincount(flat * width + bins[:, c], minlength=n * width)
    hist = hist.reshape(n, width)

    pairs, strength = [], []
    for a, b, ga, gb in (
        (labels[:, :-1], labels[:, 1:], grad[:, :-1], grad[:, 1:]),
        (labels[:-1, :], labels[1:, :], grad[:-1, :], grad[1:, :]),
    ):
        diff = a != b
        lo = np.minimum(a[diff], b[diff]).astype(np.int64)
        hi = np.maximum(a[diff], b[diff]).astype(np.int64)
        pairs.append(lo * n + hi)
        strength.append(np.maximum(ga[diff], gb[diff]))
    keys = np.concatenate(pairs)
    uniq, inverse, counts = np.unique(keys, return_inverse=True, return_counts=True)
    edge_grad = np.bincount(inverse, np.concatenate(strength), minlength=len(uniq)) / np.maximum(counts, 1)
    edges = np.stack([uniq // n, uniq % n], axis=1).astype(np.int64)

    rim = np.concatenate([labels[0], labels[-1], labels[1:-1, 0], labels[1:-1, -1]])
    border = np.bincount(rim, minlength=n).astype(np.float64)
    return RegionGraph(labels, area, hist, border, edges, counts.astype(np.float64), edge_grad)


# --------------------------------------------------------------------------- hierarchy


def _merge_costs(
    hist: np.ndarray, area: np.ndarray, t: int, others: np.ndarray, shared: np.ndarray,
    image_area: float, weights: MergeWeights,
) -> np.ndarray:
    """Cost of merging region `t` with each region in `others` (shared: (k, 2) length, gradient sum)."""
    ht = hist[t] / area[t]
    ho = hist[others] / area[others][:, None]
    split = 3 * COLOUR_BINS
    colour = 1.0 - np.minimum(ht[:split], ho[:, :split]).sum(axis=1) / 3.0
    texture = 1.0 - np.minimum(ht[split:], ho[:, split:]).sum(axis=1)
    edge = shared[:, 1] / np.maximum(shared[:, 0], 1.0) / weights.edge_scale
    size = (area[t] + area[others]) / image_area
    return weights.colour * colour + weights.texture * texture + weights.edge * edge + weights.size * size


def _adjacency(graph: RegionGraph) -> list[dict[int, list[float]]]:
    """Per region: neighbour -> [shared boundary length, summed gradient along it], room for merges."""
    n = len(graph.area)
    adjacency: list[dict[int, list[float]]] = [dict() for _ in range(2 * n)]
    for (i, j), ln, g in zip(graph.edges.tolist(), graph.length.tolist(), graph.edge_grad.tolist()):
        shared = [ln, g * ln]
        adjacency[i][j] = shared
        adjacency[j][i] = shared
    return adjacency


def _absorb(adjacency: list[dict[int, list[float]]], a: int, b: int, t: int) -> list[int]:
    """Move the neighbours of regions a and b to the new region t; return t's neighbours."""
    for old in (a, b):
        for other, shared in adjacency[old].items():
            if other == a or other == b:
                continue
            merged = adjacency[t].setdefault(other, [0.0, 0.0])
            merged[0] += shared[0]
            merged[1] += shared[1]
            del adjacency[other][old]
        adjacency[old] = {}
    for other, shared in adjacency[t].items():
        adjacency[other][t] = shared
    return list(adjacency[t])


def _outline_stats(adjacency: list[dict[int, list[float]]], node: int, border: float) -> float:
    """Mean gradient along a region's outline; its length on the image border counts as 0."""
    shared = np.array(list(adjacency[node].values())).reshape(-1, 2)
    return float(shared[:, 1].sum() / max(shared[:, 0].sum() + border, 1.0))


def seed_chain(
    graph: RegionGraph, seed: int, max_area: float, weights: MergeWeights = MergeWeights()
) -> list[Candidate]:
    """Merge superpixels bottom-up, cheapest pair first; return the regions that contain `seed`.

    Region ids n.. are given to merged regions in order. Stops once the seed's region would exceed
    `max_area` pixels. Outline contrast comes from the merged boundary statistics at no extra cost.
    """
    n = len(graph.area)
    image_area = float(graph.labels.size)
    area = np.concatenate([graph.area, np.zeros(n)])
    hist = np.concatenate([graph.hist, np.zeros_like(graph.hist)])
    border = np.concatenate([graph.border, np.zeros(n)])
    adjacency = _adjacency(graph)
    members: dict[int, list[int]] = {}  # superpixels of merged regions; a superpixel stands for itself

    def costs_from(t: int, others: list[int]) -> list[tuple[float, int, int]]:
        shared = np.array([adjacency[t][o] for o in others])
        costs = _merge_costs(hist, area, t, np.array(others), shared, image_area, weights)
        return [(float(c), t, o) for o, c in zip(others, costs)]

    heap: list[tuple[float, int, int]] = []
    for i in range(n):
        later = [j for j in adjacency[i] if j > i]
        if later:
            heap.extend(costs_from(i, later))
    heapq.heapify(heap)
    alive = np.zeros(2 * n, bool)
    alive[:n] = True
    seed_contrast = _outline_stats(adjacency, seed, border[seed])
    chain = [Candidate(np.array([seed]), float(area[seed]), seed_contrast, 0.0)]
    current, t, level = seed, n, 0.0
    while heap:
        cost, a, b = heapq.heappop(heap)
        if not (alive[a] and alive[b]):
            continue
        alive[[a, b]] = False
        alive[t] = True
        area[t], hist[t], border[t] = area[a] + area[b], hist[a] + hist[b], border[a] + border[b]
        level = max(level, cost)
        members[t] = members.pop(a, [a]) + members.pop(b, [b])
        others = _absorb(adjacency, a, b, t)
        for item in costs_from(t, others) if others else []:
            heapq.heappush(heap, item)
        if current in (a, b):
            if area[t] > max_area:
                break
            current = t
            contrast = _outline_stats(adjacency, t, border[t])
            chain.append(Candidate(np.array(members[t]), float(area[t]), contrast, level))
        t += 1
    return chain


def choose_candidate(chain: list[Candidate], image_area: float) -> Candidate:
    """The candidate whose outline follows the strongest edges (ignoring specks)."""
    floor = MIN_CANDIDATE_FRACTION * image_area
    eligible = [c for c in chain if c.area >= floor] or chain[-1:]
    return max(eligible, key=lambda c: c.contrast)


# --------------------------------------------------------------------------- refinement


def grabcut_refine(
    rgb: np.ndarray, region: np.ndarray, seed_xy: tuple[int, int], iterations: int = 3
) -> np.ndarray:
    """Refine a rough boolean region with GrabCut in a padded crop; return a boolean mask."""
    h, w = region.shape
    ys, xs = np.nonzero(region)
    extent = max(ys.max() - ys.min() + 1, xs.max() - xs.min() + 1)
    band = int(np.clip(round(0.03 * extent), 2, 0.015 * max(h, w) + 2))
    far = 3 * band
    y0, y1 = max(0, ys.min() - far - band), min(h, ys.max() + far + band + 1)
    x0, x1 = max(0, xs.min() - far - band), min(w, xs.max() + far + band + 1)
    crop = region[y0:y1, x0:x1]

    outside = cv2.distanceTransform((~crop).astype(np.uint8), cv2.DIST_L2, 3)
    inside = cv2.distanceTransform(crop.astype(np.uint8), cv2.DIST_L2, 3)
    mask = np.full(crop.shape, cv2.GC_BGD, np.uint8)
    mask[outside <= far] = cv2.GC_PR_BGD
    mask[outside <= band] = cv2.GC_PR_FGD
    mask[inside > 2 * band] = cv2.GC_FGD  # GrabCut only moves the outline, never carves the interior
    sx, sy = seed_xy[0] - x0, seed_xy[1] - y0
    radius = int(np.clip(0.5 * inside[sy, sx], 1, 0.03 * max(h, w) + 1))
    disc = np.zeros_like(mask)
    cv2.circle(disc, (sx, sy), radius, 1, -1)
    mask[(disc > 0) & crop] = cv2.GC_FGD
    mask[sy, sx] = cv2.GC_FGD

    n_bg = int(((mask == cv2.GC_BGD) | (mask == cv2.GC_PR_BGD)).sum())
    if n_bg < 16 or min(crop.shape) < 4:
        return region.copy()
    fg = run_grabcut(rgb[y0:y1, x0:x1], mask, (sx, sy), iterations)
    if fg is None:
        return region.copy()
    out = np.zeros_like(region)
    out[y0:y1, x0:x1] = fg
    return out


def run_grabcut(
    rgb: np.ndarray, labels: np.ndarray, seed_xy: tuple[int, int], iterations: int
) -> np.ndarray | None:
    """GrabCut from a label mask, at most GRABCUT_MAX_PIXELS large; boolean foreground or None."""
    h, w = labels.shape
    factor = min(1.0, float(np.sqrt(GRABCUT_MAX_PIXELS / (h * w))))
    if factor < 1.0:
        size = (max(4, round(w * factor)), max(4, round(h * factor)))
        rgb = cv2.resize(rgb, size, interpolation=cv2.INTER_AREA)
        labels = cv2.resize(labels, size, interpolation=cv2.INTER_NEAREST)
        sx, sy = min(size[0] - 1, int(seed_xy[0] * factor)), min(size[1] - 1, int(seed_xy[1] * factor))
        labels[sy, sx] = cv2.GC_FGD
    bgd = np.zeros((1, 65), np.float64)
    fgd = np.zeros((1, 65), np.float64)
    cv2.setRNGSeed(0)
    try:
        bgr = np.ascontiguousarray(rgb[..., ::-1])
        cv2.grabCut(bgr, labels, None, bgd, fgd, iterations, cv2.GC_INIT_WITH_MASK)
    except cv2.error as exc:
        log.debug("GrabCut failed (%s); keeping the superpixel region", exc)
        return None
    fg = ((labels == cv2.GC_FGD) | (labels == cv2.GC_PR_FGD)).astype(np.float32)
    if factor < 1.0:
        fg = cv2.resize(fg, (w, h), interpolation=cv2.INTER_LINEAR)
    return fg > 0.5


def outline_contrast(mask: np.ndarray, grad: np.ndarray) -> float:
    """Mean gradient magnitude on the mask's outline; outline on the image border counts as 0."""
    padded = np.pad(mask, 1)
    interior = (padded[1:-1, 1:-1] & padded[:-2, 1:-1] & padded[2:, 1:-1]
                & padded[1:-1, :-2] & padded[1:-1, 2:])
    outline = mask & ~interior
    if not outline.any():
        return 0.0
    inner = np.zeros_like(mask)
    inner[1:-1, 1:-1] = True
    return float(grad[outline & inner].sum() / outline.sum())


def component_at(mask: np.ndarray, seed_xy: tuple[int, int]) -> np.ndarray:
    """The 8-connected component of `mask` that contains the seed (the seed is always kept)."""
    m = mask.copy()
    m[seed_xy[1], seed_xy[0]] = True
    lab, _ = ndimage.label(m, structure=np.ones((3, 3), bool))
    return lab == lab[seed_xy[1], seed_xy[0]]


def tidy(mask: np.ndarray, seed_xy: tuple[int, int], close_px: int = 2) -> np.ndarray:
    """Keep the clicked component, close small gaps and fill holes."""
    m = component_at(mask, seed_xy)
    if close_px > 0:
        k = cv2.getStructuringElement(cv2.MORPH_ELLIPSE, (2 * close_px + 1, 2 * close_px + 1))
        m = cv2.morphologyEx(m.astype(np.uint8), cv2.MORPH_CLOSE, k) > 0
    return ndimage.binary_fill_holes(component_at(m, seed_xy))


def limit_area(mask: np.ndarray, seed_xy: tuple[int, int], max_pixels: int) -> np.ndarray:
    """Shrink the mask to at most `max_pixels`: keep what lies nearest the seed, still connected."""
    if mask.sum() <= max_pixels:
        return mask
    yy, xx = np.indices(mask.shape)
    dist = np.hypot(xx - seed_xy[0], yy - seed_xy[1])
    radius = np.sort(dist[mask])[max(0, max_pixels - 1)]
    return component_at(mask & (dist < radius), seed_xy)


# --------------------------------------------------------------------------- full resolution


def upsample_snap(mask: np.ndarray, rgb: np.ndarray) -> np.ndarray:
    """Upsample a boolean working-resolution mask to the image, snapping its edge to colour edges."""
    h, w = rgb.shape[:2]
    if mask.shape == (h, w):
        return mask
    soft = cv2.resize(mask.astype(np.float32), (w, h), interpolation=cv2.INTER_LINEAR)
    scale = max(h, w) / max(mask.shape)
    radius = int(max(2, round(scale * 1.5)))
    rows, cols = padded_box(soft > 0.01, None, 2 * radius + 4)
    out = np.zeros((h, w), bool)
    out[rows, cols] = cv2.ximgproc.guidedFilter(rgb[rows, cols], soft[rows, cols], radius, 1e-3) > 0.5
    return out


def soft_edge(hard: np.ndarray, sigma: float = 0.7) -> np.ndarray:
    """Float32 mask: 1 inside, 0 outside, with a 1-2 px ramp that keeps the 0.5 level on the edge."""
    blur = cv2.GaussianBlur(hard.astype(np.float32), (0, 0), sigma)
    blur = np.where(blur > 0.999, 1.0, np.where(blur < 0.001, 0.0, blur))
    return np.where(hard, np.maximum(blur, 0.5), np.minimum(blur, 0.49)).astype(np.float32)


# --------------------------------------------------------------------------- public API


def prepare(image: np.ndarray) -> Prepared:
    """Superpixel graph of the image at working resolution (shared by all clicks)."""
    rgb = check_image(image)
    h, w = rgb.shape[:2]
    scale = working_scale(rgb.shape)
    small = rgb if scale == 1.0 else cv2.resize(
        rgb, (max(2, round(w * scale)), max(2, round(h * scale))), interpolation=cv2.INTER_AREA
    )
    lab = to_lab(small)
    grad = gradient_magnitude(lab)
    return Prepared(small, grad, region_graph(superpixels(small), lab, grad))


def segment_prepared(
    prepared: Prepared, image: np.ndarray, point: tuple[float, float], *, max_area_fraction: float = 0.35
) -> np.ndarray:
    """segment_at_point on an image already passed through prepare()."""
    rgb = check_image(image)
    x, y = check_point(point, rgb.shape)
    cap = check_fraction(max_area_fraction)
    h, w = rgb.shape[:2]
    small, graph = prepared.small, prepared.graph
    sh, sw = small.shape[:2]
    seed = (min(sw - 1, int(x * sw / w)), min(sh - 1, int(y * sh / h)))
    max_pixels = cap * sh * sw

    chain = seed_chain(graph, int(graph.labels[seed[1], seed[0]]), 0.9 * max_pixels)
    best = choose_candidate(chain, float(sh * sw))
    region = tidy(np.isin(graph.labels, best.members), seed, close_px=0)
    log.debug("candidate %.1f%% of the image, outline contrast %.1f", 100 * region.mean(), best.contrast)

    refined = tidy(grabcut_refine(small, region, seed), seed)
    cut_score = outline_contrast(refined, prepared.grad)
    region_score = outline_contrast(region, prepared.grad)
    if refined.sum() > max_pixels:
        log.info("GrabCut grew the mask past %.0f%% of the image; using the tighter superpixel region",
                 100 * cap)
        refined = region
    elif refined.sum() < 0.5 * region.sum() or cut_score < GRABCUT_TOLERANCE * region_score:
        log.debug("keeping the superpixel region (outline contrast %.1f) over GrabCut's (%.1f, %d px)",
                  region_score, cut_score, int(refined.sum()))
        refined = region
    if refined.sum() > max_pixels:
        log.info("mask exceeds %.0f%% of the image; trimming it around the click", 100 * cap)
        refined = limit_area(refined, seed, int(max_pixels))

    full_seed = (min(w - 1, int(x)), min(h - 1, int(y)))
    return finish(upsample_snap(refined, rgb), full_seed, int(cap * h * w))


def padded_box(mask: np.ndarray, seed_xy: tuple[int, int] | None, pad: int) -> tuple[slice, slice]:
    """Row and column slices around the mask (and the seed), grown by `pad` pixels, inside the image."""
    ys, xs = np.nonzero(mask)
    if seed_xy is not None or ys.size == 0:
        sx, sy = seed_xy or (0, 0)
        ys, xs = np.append(ys, sy), np.append(xs, sx)
    h, w = mask.shape
    return (slice(max(0, ys.min() - pad), min(h, ys.max() + pad + 1)),
            slice(max(0, xs.min() - pad), min(w, xs.max() + pad + 1)))


def finish(hard: np.ndarray, seed_xy: tuple[int, int], max_pixels: int) -> np.ndarray:
    """Clicked component of a full-resolution mask, within the area cap, with a soft edge."""
    rows, cols = padded_box(hard, seed_xy, pad=4)
    local_seed = (seed_xy[0] - cols.start, seed_xy[1] - rows.start)
    crop = tidy(hard[rows, cols], local_seed, close_px=0)
    if crop.sum() > max_pixels:
        log.info("mask exceeds the area cap at full resolution; trimming it around the click")
        crop = limit_area(crop, local_seed, max_pixels)
    out = np.zeros(hard.shape, np.float32)
    out[rows, cols] = soft_edge(crop)
    return out


def segment_at_point(
    image: np.ndarray, point: tuple[float, float], *, max_area_fraction: float = 0.35
) -> np.ndarray:
    """Mask (H, W) float32 in [0, 1] of the object under the click at `point` (x, y) pixels."""
    rgb = check_image(image)
    check_point(point, rgb.shape)
    check_fraction(max_area_fraction)
    return segment_prepared(prepare(rgb), rgb, point, max_area_fraction=max_area_fraction)


def segment_at_points(
    image: np.ndarray, points: Sequence[tuple[float, float]], *, max_area_fraction: float = 0.35
) -> list[np.ndarray]:
    """One mask per click point (see segment_at_point); the superpixel graph is built once."""
    rgb = check_image(image)
    for p in points:
        check_point(p, rgb.shape)
    check_fraction(max_area_fraction)
    if not len(points):
        return []
    prepared = prepare(rgb)
    return [segment_prepared(prepared, rgb, p, max_area_fraction=max_area_fraction) for p in points]
