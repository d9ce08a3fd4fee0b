"""Offline click-to-object segmentation: superpixel region growing refined by GrabCut, no weights."""

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
TEXTURE_GAIN = 3.0  # weight of mean gradient magnitude (texture) next to Lab colour
BORDER_WEIGHT = 0.0  # dissimilarity charged for outline that runs along the image border
HARDEST_MERGE_WEIGHT = 1.0  # how much the costliest merge in a region lowers its score
SEED_RADIUS = 0.012  # definite-foreground disc at the click, as a fraction of the working diagonal


@dataclass(frozen=True)
class RegionGraph:
    """Superpixel adjacency graph: per-node features and per-edge boundary evidence."""

    labels: np.ndarray  # (h, w) int32 superpixel ids
    area: np.ndarray  # (n,) pixels per node
    mean: np.ndarray  # (n, 4) mean Lab and texture per node
    edges: np.ndarray  # (m, 2) node pairs, i < j
    length: np.ndarray  # (m,) shared boundary length in pixels
    weight: np.ndarray  # (m,) dissimilarity across the edge
    neighbours: tuple[np.ndarray, ...]  # per node: edge indices touching it
    border: np.ndarray  # (n,) pixels of the node on the image border


# --------------------------------------------------------------------------- validation


def _check_image(image: np.ndarray) -> np.ndarray:
    """Return the image as contiguous (H, W, 3) uint8 or raise InputError."""
    arr = np.asarray(image)
    if arr.ndim != 3 or arr.shape[2] != 3 or arr.shape[0] < 2 or arr.shape[1] < 2:
        raise InputError(f"Expected an RGB image of shape (H, W, 3), got shape {arr.shape}.")
    if arr.dtype != np.uint8:
        raise InputError(f"Expected a uint8 RGB image, got dtype {arr.dtype}.")
    return np.ascontiguousarray(arr)


def _check_point(point: Sequence[float], shape: tuple[int, ...]) -> tuple[float, float]:
    """Return (x, y) as floats inside the image or raise InputError."""
    try:
        x, y = (float(v) for v in point)
    except (TypeError, ValueError) as exc:
        raise InputError(f"A click point must be two numbers (x, y), got {point!r}.") from exc
    h, w = shape[:2]
    if not (np.isfinite(x) and np.isfinite(y) and 0 <= x < w and 0 <= y < h):
        raise InputError(f"Click point ({x:g}, {y:g}) is outside the {w}x{h} image.")
    return x, y


def _check_fraction(value: float) -> float:
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


def region_graph(labels: np.ndarray, lab: np.ndarray, grad: np.ndarray) -> RegionGraph:
    """Build the superpixel adjacency graph with colour and boundary-gradient edge weights."""
    n = int(labels.max()) + 1
    flat = labels.ravel()
    area = np.bincount(flat, minlength=n).astype(np.float64)
    channels = [lab[..., c].ravel() for c in range(3)] + [TEXTURE_GAIN * grad.ravel()]
    mean = np.stack([np.bincount(flat, c, minlength=n) for c in channels], axis=1) / np.maximum(area, 1)[:, None]

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
    edge_grad = np.bincount(inverse, np.concatenate(strength)) / counts
    edges = np.stack([uniq // n, uniq % n], axis=1).astype(np.int64)
    colour = np.linalg.norm(mean[edges[:, 0]] - mean[edges[:, 1]], axis=1)
    weight = 0.5 * colour + edge_grad

    order = np.argsort(np.concatenate([edges[:, 0], edges[:, 1]]), kind="stable")
    ends = np.concatenate([edges[:, 0], edges[:, 1]])[order]
    edge_ids = np.concatenate([np.arange(len(edges)), np.arange(len(edges))])[order]
    splits = np.searchsorted(ends, np.arange(1, n))
    neighbours = tuple(np.split(edge_ids, splits))

    rim = np.concatenate([labels[0], labels[-1], labels[:, 0], labels[:, -1]])
    border = np.bincount(rim, minlength=n).astype(np.float64)
    return RegionGraph(labels, area, mean, edges, counts.astype(np.float64), weight, neighbours, border)


# --------------------------------------------------------------------------- growing


@dataclass(frozen=True)
class Growth:
    """A nested sequence of regions: prefix k holds the first k superpixels of `order`."""

    order: np.ndarray  # (k,) superpixel ids in the order they joined
    contrast: np.ndarray  # (k,) mean dissimilarity along each prefix's outline
    cost: np.ndarray  # (k,) price paid to add each superpixel (0 for the seed)
    area: np.ndarray  # (k,) pixels in each prefix


def grow(graph: RegionGraph, seed: int, max_area: float) -> Growth:
    """Grow a region from `seed`, always adding the cheapest neighbour, up to `max_area` pixels.

    A neighbour costs its cheapest edge into the region plus half its feature distance to the
    region mean. The outline contrast is kept up to date as each superpixel joins; outline on the
    image border counts with BORDER_WEIGHT, so regions that spill along the frame score low.
    """
    n = len(graph.area)
    inside = np.zeros(n, bool)
    best_edge = np.full(n, np.inf)
    order: list[int] = []
    contrast: list[float] = []
    costs: list[float] = []
    areas: list[float] = []
    cut_len = cut_sum = total = 0.0
    feature_sum = np.zeros(graph.mean.shape[1])
    node, price = seed, 0.0
    while True:
        inside[node] = True
        best_edge[node] = np.inf
        for e in graph.neighbours[node]:
            other = graph.edges[e, 0] + graph.edges[e, 1] - node
            ln, wt = graph.length[e], graph.weight[e]
            sign = -1.0 if inside[other] else 1.0
            cut_len += sign * ln
            cut_sum += sign * ln * wt
            if not inside[other]:
                best_edge[other] = min(best_edge[other], wt)
        cut_len += graph.border[node]
        cut_sum += BORDER_WEIGHT * graph.border[node]
        total += graph.area[node]
        feature_sum += graph.mean[node] * graph.area[node]
        order.append(node)
        costs.append(price)
        areas.append(total)
        contrast.append(cut_sum / max(cut_len, 1.0))

        frontier = np.flatnonzero(np.isfinite(best_edge))
        if frontier.size == 0:
            break
        spread = np.linalg.norm(graph.mean[frontier] - feature_sum / total, axis=1)
        cost = best_edge[frontier] + 0.5 * spread
        pick = int(np.argmin(cost))
        node, price = int(frontier[pick]), float(cost[pick])
        if total + graph.area[node] > max_area:
            break
    return Growth(np.asarray(order), np.asarray(contrast), np.asarray(costs), np.asarray(areas))


def prefix_scores(growth: Growth) -> np.ndarray:
    """Objectness of each prefix: outline contrast minus the hardest merge it needed."""
    return growth.contrast - HARDEST_MERGE_WEIGHT * np.maximum.accumulate(growth.cost)


def choose_prefix(growth: Growth) -> int:
    """Number of superpixels in the best prefix."""
    return int(np.argmax(prefix_scores(growth))) + 1


# --------------------------------------------------------------------------- refinement


def grabcut_refine(rgb: np.ndarray, region: np.ndarray, seed_xy: tuple[int, int], iterations: int = 4) -> np.ndarray:
    """Refine a rough boolean region with GrabCut in a padded bounding box; return a boolean mask."""
    h, w = region.shape
    diag = float(np.hypot(h, w))
    ys, xs = np.nonzero(region)
    pad = int(max(8, 0.25 * max(ys.ptp() + 1, xs.ptp() + 1)))
    y0, y1 = max(0, ys.min() - pad), min(h, ys.max() + pad + 1)
    x0, x1 = max(0, xs.min() - pad), min(w, xs.max() + pad + 1)
    crop = region[y0:y1, x0:x1]

    band = max(2, int(round(0.01 * diag)))
    kernel = cv2.getStructuringElement(cv2.MORPH_ELLIPSE, (2 * band + 1, 2 * band + 1))
    grown = cv2.dilate(crop.astype(np.uint8), kernel) > 0
    core = cv2.erode(crop.astype(np.uint8), kernel) > 0
    mask = np.full(crop.shape, cv2.GC_BGD, np.uint8)
    far = cv2.dilate(grown.astype(np.uint8), cv2.getStructuringElement(cv2.MORPH_ELLIPSE, (4 * band + 1,) * 2)) > 0
    mask[far] = cv2.GC_PR_BGD
    mask[grown] = cv2.GC_PR_FGD
    mask[core] = cv2.GC_PR_FGD
    sx, sy = seed_xy[0] - x0, seed_xy[1] - y0
    radius = max(1, int(round(SEED_RADIUS * diag)))
    cv2.circle(mask, (sx, sy), radius, int(cv2.GC_FGD), -1)
    mask[~crop & (mask == cv2.GC_FGD)] = cv2.GC_PR_FGD
    mask[sy, sx] = cv2.GC_FGD

    if not (mask == cv2.GC_BGD).any() and not (mask == cv2.GC_PR_BGD).any():
        return region.copy()
    if (mask == cv2.GC_BGD).sum() + (mask == cv2.GC_PR_BGD).sum() < 2:
        return region.copy()
    bgd = np.zeros((1, 65), np.float64)
    fgd = np.zeros((1, 65), np.float64)
    cv2.setRNGSeed(0)
    bgr = np.ascontiguousarray(rgb[y0:y1, x0:x1, ::-1])
    try:
        cv2.grabCut(bgr, mask, None, bgd, fgd, iterations, cv2.GC_INIT_WITH_MASK)
    except cv2.error as exc:
        log.debug("GrabCut failed (%s); keeping the grown region", exc)
        return region.copy()
    out = np.zeros_like(region)
    out[y0:y1, x0:x1] = (mask == cv2.GC_FGD) | (mask == cv2.GC_PR_FGD)
    return out


def component_at(mask: np.ndarray, seed_xy: tuple[int, int]) -> np.ndarray:
    """The 8-connected component of `mask` that contains the seed (the seed is always kept)."""
    m = mask.copy()
    m[seed_xy[1], seed_xy[0]] = True
    lab, _ = ndimage.label(m, structure=np.ones((3, 3), bool))
    return lab == lab[seed_xy[1], seed_xy[0]]


def tidy(mask: np.ndarray, seed_xy: tuple[int, int]) -> np.ndarray:
    """Keep the clicked component, fill its holes and close small gaps."""
    m = component_at(mask, seed_xy)
    m = ndimage.binary_fill_holes(m)
    k = cv2.getStructuringElement(cv2.MORPH_ELLIPSE, (5, 5))
    closed = cv2.morphologyEx(m.astype(np.uint8), cv2.MORPH_CLOSE, k) > 0
    return ndimage.binary_fill_holes(component_at(closed, seed_xy))


def limit_area(mask: np.ndarray, seed_xy: tuple[int, int], max_pixels: int) -> np.ndarray:
    """Keep at most `max_pixels` of the mask: those geodesically nearest the seed inside it."""
    if mask.sum() <= max_pixels:
        return mask
    dist = geodesic_steps(mask, seed_xy)
    keep = np.sort(dist[mask])[max(0, max_pixels - 1)]
    return mask & (dist <= keep) if (dist <= keep).sum() <= max_pixels else mask & (dist < keep)


def geodesic_steps(mask: np.ndarray, seed_xy: tuple[int, int]) -> np.ndarray:
    """Chessboard-step distance from the seed through `mask` (inf outside or unreachable)."""
    dist = np.full(mask.shape, np.inf)
    frontier = np.zeros_like(mask)
    frontier[seed_xy[1], seed_xy[0]] = True
    step = 0
    reached = frontier.copy()
    struct = np.ones((3, 3), bool)
    while frontier.any():
        dist[frontier] = step
        grown = ndimage.binary_dilation(frontier, struct) & mask & ~reached
        reached |= grown
        frontier = grown
        step += 1
    return dist


# --------------------------------------------------------------------------- full resolution


def upsample_soft(mask: np.ndarray, rgb: np.ndarray) -> np.ndarray:
    """Upsample a boolean working-resolution mask to the image with a 1-2 px edge snapped to colour edges."""
    h, w = rgb.shape[:2]
    soft = cv2.resize(mask.astype(np.float32), (w, h), interpolation=cv2.INTER_LINEAR)
    scale = max(h, w) / max(mask.shape)
    if scale > 1.01:
        radius = int(max(2, round(scale * 1.5)))
        soft = cv2.ximgproc.guidedFilter(rgb, soft, radius, 1e-3)
        soft = np.clip((soft - 0.5) * 2.0 + 0.5, 0.0, 1.0)
    hard = soft > 0.5
    edge = cv2.GaussianBlur(hard.astype(np.float32), (0, 0), 0.7)
    return np.clip(edge, 0.0, 1.0).astype(np.float32)


# --------------------------------------------------------------------------- public API


def segment_at_point(
    image: np.ndarray, point: tuple[float, float], *, max_area_fraction: float = 0.35
) -> np.ndarray:
    """Mask (H, W) float32 in [0, 1] of the object under the click at `point` (x, y) pixels."""
    rgb = _check_image(image)
    x, y = _check_point(point, rgb.shape)
    cap = _check_fraction(max_area_fraction)
    h, w = rgb.shape[:2]

    scale = working_scale(rgb.shape)
    small = rgb if scale == 1.0 else cv2.resize(
        rgb, (max(2, round(w * scale)), max(2, round(h * scale))), interpolation=cv2.INTER_AREA
    )
    sh, sw = small.shape[:2]
    seed = (min(sw - 1, int(x * sw / w)), min(sh - 1, int(y * sh / h)))
    max_pixels = cap * sh * sw

    lab = to_lab(small)
    graph = region_graph(superpixels(small), lab, gradient_magnitude(lab))
    growth = grow(graph, int(graph.labels[seed[1], seed[0]]), 0.9 * max_pixels)
    keep = choose_prefix(growth)
    region = np.isin(graph.labels, growth.order[:keep])
    log.debug("grown region: %d of %d superpixels, %.1f%% of the image", keep, len(growth.order), 100 * region.mean())

    refined = tidy(grabcut_refine(small, region, seed), seed)
    if refined.sum() > max_pixels or refined.sum() < 0.3 * region.sum():
        log.info("GrabCut disagrees with the grown region (%d vs %d px); keeping the grown region",
                 refined.sum(), region.sum())
        refined = tidy(region, seed)
    refined = limit_area(refined, seed, int(max_pixels))

    soft = upsample_soft(refined, rgb)
    full_seed = (min(w - 1, int(x)), min(h - 1, int(y)))
    hard = component_at(soft > 0.5, full_seed)
    hard = limit_area(hard, full_seed, int(cap * h * w))
    return np.where(hard, np.maximum(soft, 0.5), np.minimum(soft, 0.49) * _near(hard)).astype(np.float32)


def _near(hard: np.ndarray) -> np.ndarray:
    """1 within two pixels of the hard mask, 0 elsewhere (keeps the soft edge attached)."""
    k = cv2.getStructuringElement(cv2.MORPH_ELLIPSE, (5, 5))
    return (cv2.dilate(hard.astype(np.uint8), k) > 0).astype(np.float32)


def segment_at_points(
    image: np.ndarray, points: Sequence[tuple[float, float]], **kw: float
) -> list[np.ndarray]:
    """One mask per click point (see segment_at_point)."""
    return [segment_at_point(image, p, **kw) for p in points]
