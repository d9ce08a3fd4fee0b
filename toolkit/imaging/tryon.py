"""Put a fitted garment on a person photo: warp its parts, carry the photo's shading, layer and fill.

1. warp: each part (a top's body and sleeves, or a whole pair of trousers) is warped from the
   garment photo onto the person by a thin-plate spline through its control points (a
   backward map, so every output pixel is looked up once), with premultiplied alpha so the
   product photo's background never fringes the edges;
2. shading: the old clothing's lightness, relative to its own main colour, is a gain map
   (folds, shadows, the light's fall-off); prints on the old clothing are left out of it and
   filled smoothly from around them; the new garment is multiplied by it, so it sits in the
   photo's light while keeping its own colours;
3. layers: the head, hair and hands stay in front of everything; bare arms stay in front of a
   top's body (its sleeves go over them); for trousers, the top and the arms stay in front;
4. fill: where the old clothing showed and the new garment does not cover, bare skin (inside
   the body's limbs and torso) or the background (elsewhere; ``fill_hole``) is painted in.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass

import cv2
import numpy as np

from toolkit.imaging.fill import FillOptions, fill_hole, harmonic_fill
from toolkit.imaging.garment_fit import PartFit
from toolkit.imaging.masked_mean import masked_gaussian
from toolkit.imaging.tps import fit_tps, tps_map
from toolkit.perception.garment_cutout import lab

log = logging.getLogger(__name__)

SHADING_STRENGTH = 0.85  # 0: no shading carried over, 1: all of it
SHADING_RANGE = (0.55, 1.2)  # gain limits
DEEP_HOLE = 0.012  # holes deeper than this (x the longer side) get the exemplar fill, thinner ones a smooth one
RIM = 0.003  # the old clothing's outline is grown by this (x the longer side) so no rim of it is left
BASE_COLOUR_DISTANCE = 14.0
ISLAND = 0.003  # pieces of the main colour smaller than this (x the clothing's area) are a print's details  # Lab distance from the old clothing's main colour that still counts as it


@dataclass(frozen=True)
class Layer:
    """One warped garment part on the person canvas: premultiplied RGB and alpha, float32."""

    name: str
    rgb: np.ndarray  # (H, W, 3) premultiplied, 0..255
    alpha: np.ndarray  # (H, W) 0..1


# ---------------------------------------------------------------------------- warp

def part_alpha(alpha: np.ndarray, part: np.ndarray | None, grow: int) -> np.ndarray:
    """The garment's alpha restricted to one part (grown by `grow` px so neighbouring parts overlap)."""
    if part is None:
        return alpha
    mask = part.astype(np.uint8)
    if grow > 0:
        mask = cv2.dilate(mask, cv2.getStructuringElement(cv2.MORPH_ELLIPSE, (2 * grow + 1,) * 2))
    soft = cv2.GaussianBlur(mask.astype(np.float32), (0, 0), 0.8)
    return alpha * soft


def spread_colours(values: np.ndarray, known: np.ndarray, todo: np.ndarray, sigmas: tuple[float, ...],
                   min_weight: float) -> np.ndarray:
    """Fill the `todo` pixels of (H, W, 3) float32 values from the `known` ones nearby, nearest scales first."""
    out = values.copy()
    todo = todo.copy()
    rows, cols = np.nonzero(todo)
    if len(rows) == 0:
        return out
    pad = int(3 * max(sigmas)) + 2
    y0, y1 = max(0, rows.min() - pad), min(todo.shape[0], rows.max() + pad + 1)
    x0, x1 = max(0, cols.min() - pad), min(todo.shape[1], cols.max() + pad + 1)
    window = out[y0:y1, x0:x1]
    weight = known[y0:y1, x0:x1].astype(np.float32)
    left = todo[y0:y1, x0:x1]
    for sigma in sigmas:
        if not left.any():
            break
        blurred, den = masked_gaussian(window, weight, sigma, coarse=True)
        ok = left & (den > min_weight)
        window[ok] = blurred[ok]
        left &= ~ok
    if left.any() and weight.any():
        window[left] = window[weight > 0].mean(axis=0)
    return out


def decontaminate(rgb: np.ndarray, alpha: np.ndarray) -> np.ndarray:
    """The garment's colours with its soft edge's pixels replaced by the nearest solid garment colour.

    Edge pixels of a cut-out mix the garment with the photo's background (white fringes);
    their colour is taken from the garment just inside instead.
    """
    solid = alpha > 0.98
    out = rgb.astype(np.float32)
    edge = (alpha > 0.0) & ~solid
    if not edge.any() or not solid.any():
        return out
    return spread_colours(out, solid, edge, (1.5, 4.0, 12.0), 0.05)


def fit_scale(fit: PartFit) -> float:
    """How much a part shrinks (<1) or grows from the garment photo onto the person."""
    src = fit.src - fit.src.mean(axis=0)
    dst = fit.dst - fit.dst.mean(axis=0)
    return float(np.sqrt((dst ** 2).sum() / max((src ** 2).sum(), 1e-9)))


def target_box(points: np.ndarray, shape: tuple[int, int], margin: float) -> tuple[int, int, int, int] | None:
    """(x0, y0, x1, y1) around points, grown by `margin` x its size (+ 8 px), clipped to the canvas."""
    lo, hi = points.min(axis=0), points.max(axis=0)
    pad = margin * (hi - lo).max() + 8
    x0, y0 = int(max(0, np.floor(lo[0] - pad))), int(max(0, np.floor(lo[1] - pad)))
    x1, y1 = int(min(shape[1], np.ceil(hi[0] + pad))), int(min(shape[0], np.ceil(hi[1] + pad)))
    if x1 - x0 < 2 or y1 - y0 < 2:
        return None
    return x0, y0, x1, y1


def warp_part(rgb: np.ndarray, alpha: np.ndarray, fit: PartFit, shape: tuple[int, int]) -> Layer:
    """Warp one garment part (premultiplied) onto a canvas of `shape` through its control points.

    `rgb` is float32 with decontaminated edges (see `decontaminate`).
    """
    canvas_rgb = np.zeros(shape + (3,), np.float32)
    canvas_alpha = np.zeros(shape, np.float32)
    ys, xs = np.nonzero(alpha > 0)
    if len(ys) == 0:
        return Layer(fit.name, canvas_rgb, canvas_alpha)
    y0, y1, x0, x1 = max(0, ys.min() - 2), ys.max() + 3, max(0, xs.min() - 2), xs.max() + 3
    rgb, alpha = rgb[y0:y1, x0:x1], alpha[y0:y1, x0:x1]  # only the part's box is warped
    fit = PartFit(fit.name, fit.src - np.array([x0, y0]), fit.dst)
    # shrink the garment photo first (to a little above the size it is drawn at) so it does not alias
    pre = float(np.clip(1.3 * fit_scale(fit), 0.05, 1.0))
    src = fit.src
    if pre < 0.95:
        size = (max(2, round(rgb.shape[1] * pre)), max(2, round(rgb.shape[0] * pre)))
        premult = cv2.resize(rgb * alpha[..., None], size, interpolation=cv2.INTER_AREA)
        small_alpha = cv2.resize(alpha, size, interpolation=cv2.INTER_AREA)
        src = (src + 0.5) * np.array([size[0] / rgb.shape[1], size[1] / rgb.shape[0]]) - 0.5
    else:
        premult = rgb * alpha[..., None]
        small_alpha = alpha
    box = target_box(fit.dst, shape, margin=0.25)
    if box is None:
        return Layer(fit.name, canvas_rgb, canvas_alpha)
    spline = fit_tps(fit.dst, src, smoothing=1e-4)
    map_x, map_y = tps_map(spline, box, step=4)
    x0, y0, x1, y1 = box
    canvas_rgb[y0:y1, x0:x1] = cv2.remap(premult, map_x, map_y, cv2.INTER_LINEAR, borderMode=cv2.BORDER_CONSTANT,
                                         borderValue=0)
    canvas_alpha[y0:y1, x0:x1] = cv2.remap(small_alpha, map_x, map_y, cv2.INTER_LINEAR,
                                           borderMode=cv2.BORDER_CONSTANT, borderValue=0)
    return Layer(fit.name, canvas_rgb, np.clip(canvas_alpha, 0.0, 1.0))


# ---------------------------------------------------------------------------- shading

def print_edges(lightness: np.ndarray, clothing: np.ndarray, step: float = 3.0, reach: int = 4) -> np.ndarray:
    """Boolean (H, W): around sharp lightness edges inside the clothing (a print's outline, not a fold).

    Shading varies slowly; a print's letters and lines change lightness by more than `step`
    (L units) from one pixel to the next.  The band `reach` px around them is marked.
    """
    smooth = cv2.GaussianBlur(lightness, (0, 0), 1.0)
    gx = cv2.Sobel(smooth, cv2.CV_32F, 1, 0, ksize=3) / 8.0
    gy = cv2.Sobel(smooth, cv2.CV_32F, 0, 1, ksize=3) / 8.0
    local = cv2.GaussianBlur(lightness, (0, 0), 4.0)
    thin_dark = lightness < local - 4.0 * step  # fine dark lines (small text) a blur hides from the gradient
    sharp = ((np.hypot(gx, gy) > step) | thin_dark) & clothing
    inner = cv2.erode(clothing.astype(np.uint8), np.ones((7, 7), np.uint8)).astype(bool)
    sharp &= inner  # the clothing's own outline is not a print
    kernel = cv2.getStructuringElement(cv2.MORPH_ELLIPSE, (2 * reach + 1,) * 2)
    return cv2.dilate(sharp.astype(np.uint8), kernel).astype(bool)


def without_islands(mask: np.ndarray, min_area: float) -> np.ndarray:
    """The mask without its 8-connected pieces smaller than min_area pixels."""
    count, labels, stats, _ = cv2.connectedComponentsWithStats(mask.astype(np.uint8), connectivity=8)
    keep = np.flatnonzero(stats[:, cv2.CC_STAT_AREA] >= min_area)
    keep = keep[keep != 0]
    return np.isin(labels, keep)


def lightness_ratio(colours: np.ndarray, clothing: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """(ratio, base): one piece of clothing's lightness over that of its main colour, and where that is known.

    Pixels far from the main colour (a print, a second colour) and around sharp edges (a
    print's outline) are not known.
    """
    ratio = np.ones(clothing.shape, np.float32)
    if clothing.sum() < 100:
        return ratio, np.zeros(clothing.shape, bool)
    main = np.median(colours[clothing], axis=0)
    base = clothing & (np.abs(colours[..., 1:] - main[1:]).max(axis=-1) < BASE_COLOUR_DISTANCE) & (
        np.abs(colours[..., 0] - main[0]) < 45.0)
    base &= ~print_edges(colours[..., 0], clothing)
    base = without_islands(base, ISLAND * clothing.sum())  # light lines inside a print are not the cloth
    if base.sum() < 100:
        return ratio, np.zeros(clothing.shape, bool)
    reference = float(np.median(colours[..., 0][base]))
    return (colours[..., 0] / max(reference, 1.0)).astype(np.float32), base


def shading_gain(image: np.ndarray, clothing: list[np.ndarray], reach: np.ndarray, work: int = 4,
                 colours: np.ndarray | None = None) -> np.ndarray:
    """(H, W) float32 gain: the old clothing's lightness relative to its main colour, 1 where unknown.

    Each piece of clothing (a top, trousers) is taken relative to its own main colour.  What is
    not known (prints, second colours) is filled smoothly from around it, and the gain is
    carried (smoothly) over `reach`, the area the new garment covers, so the light on it has
    no edge where the old clothing ended.
    """
    every = np.zeros(reach.shape, bool)
    for piece in clothing:
        every |= piece
    gain = np.ones(reach.shape, np.float32)
    if every.sum() < 100:
        return gain
    colours = lab(image) if colours is None else colours
    ratio = np.ones(reach.shape, np.float32)
    base = np.zeros(reach.shape, bool)
    for piece in clothing:
        piece_ratio, piece_base = lightness_ratio(colours, piece & ~base)
        ratio = np.where(piece_base, piece_ratio, ratio)
        base |= piece_base
    if base.sum() < 100:
        return gain
    # smooth away the weave and the print's edges, then fill what is not the main colour
    h, w = reach.shape
    size = (max(2, w // work), max(2, h // work))
    weight = cv2.resize(base.astype(np.float32), size, interpolation=cv2.INTER_AREA)
    values = cv2.resize(ratio * base, size, interpolation=cv2.INTER_AREA)
    known = weight > 0.6
    small = np.where(known, values / np.maximum(weight, 1e-6), 1.0).astype(np.float32)[..., None]
    area = cv2.resize((reach | every).astype(np.uint8), size, interpolation=cv2.INTER_NEAREST) > 0
    filled = harmonic_fill(small, known | ~area, iters=40)[..., 0]
    filled = cv2.GaussianBlur(filled, (0, 0), 0.8)
    full = cv2.resize(filled, (w, h), interpolation=cv2.INTER_LINEAR)
    fine = np.where(base, ratio, full)  # keep the folds' detail where the old clothing shows it
    fine = cv2.GaussianBlur(fine.astype(np.float32), (0, 0), 1.2)
    gain = np.clip(fine, *SHADING_RANGE) ** SHADING_STRENGTH
    gain[~(reach | every)] = 1.0
    return gain.astype(np.float32)


# ---------------------------------------------------------------------------- layers and fill

def soften(mask: np.ndarray, sigma: float = 0.8) -> np.ndarray:
    """A boolean mask as float32 with a slightly soft edge."""
    return np.clip(cv2.GaussianBlur(mask.astype(np.float32), (0, 0), sigma), 0.0, 1.0)


def occluded(layer: Layer, front: np.ndarray) -> Layer:
    """The layer with whatever lies in front of it (soft mask in [0, 1]) cut out."""
    keep = 1.0 - front
    return Layer(layer.name, layer.rgb * keep[..., None], layer.alpha * keep)


def shaded(layer: Layer, gain: np.ndarray) -> Layer:
    """The layer multiplied by a gain map."""
    return Layer(layer.name, layer.rgb * gain[..., None], layer.alpha)


def over(base: np.ndarray, layer: Layer) -> np.ndarray:
    """Composite a premultiplied layer over a float32 image."""
    return layer.rgb + base * (1.0 - layer.alpha[..., None])


def paint_skin(image: np.ndarray, hole: np.ndarray, skin: np.ndarray, fallback: np.ndarray,
               gain: np.ndarray) -> np.ndarray:
    """Fill `hole` with skin: the nearby skin's colour, carried smoothly in, shaded by `gain`."""
    out = image.astype(np.float32).copy()
    if not hole.any():
        return out
    known = skin & ~hole
    values = np.where(known[..., None], out, fallback.astype(np.float32))
    ys, xs = np.nonzero(hole)
    pad = 40
    y0, y1 = max(0, ys.min() - pad), min(hole.shape[0], ys.max() + pad + 1)
    x0, x1 = max(0, xs.min() - pad), min(hole.shape[1], xs.max() + pad + 1)
    window = values[y0:y1, x0:x1]
    known_w = known[y0:y1, x0:x1]
    if known_w.sum() < 20:
        known_w = np.zeros_like(known_w)
        known_w[0, 0] = True
        window[0, 0] = fallback
    smooth = harmonic_fill(cv2.GaussianBlur(window, (0, 0), 2.0), known_w, iters=60)
    local = hole[y0:y1, x0:x1]
    region = out[y0:y1, x0:x1]
    region[local] = smooth[local] * gain[y0:y1, x0:x1][local][..., None]
    return out


def smooth_background(image: np.ndarray, hole: np.ndarray, known: np.ndarray) -> np.ndarray:
    """Fill `hole` from the `known` pixels around it by normalised blurs, nearest scales first."""
    return spread_colours(image.astype(np.float32), known, hole, (2.0, 5.0, 12.0, 30.0), 0.15)


def background_side(background: np.ndarray, hole: np.ndarray, reach: int = 6) -> np.ndarray:
    """Boolean (H, W): hole pixels within `reach` px of the background (the garment's outer edge)."""
    near = cv2.dilate(background.astype(np.uint8), np.ones((2 * reach + 1,) * 2, np.uint8)).astype(bool)
    return hole & near


def hole_depth(hole: np.ndarray) -> float:
    """Largest distance (px) from a hole pixel to the nearest pixel outside it."""
    if not hole.any():
        return 0.0
    return float(cv2.distanceTransform(hole.astype(np.uint8), cv2.DIST_L2, 3).max())


def fill_uncovered(image: np.ndarray, hole: np.ndarray, bare_body: np.ndarray, skin: np.ndarray,
                   skin_colour: np.ndarray, gain: np.ndarray, background: np.ndarray, seed: int) -> np.ndarray:
    """Paint what the old clothing hid and the new garment does not cover: skin inside the body, else background.

    Thin slivers of background (the usual case: a new garment a little narrower than the old)
    are continued smoothly from the background beside them; deeper holes get the exemplar fill
    (``fill_hole``), which copies texture.
    """
    out = np.asarray(image, np.float32)
    skin_hole = hole & bare_body
    rest = hole & ~bare_body
    if rest.any():
        count, labels = cv2.connectedComponents(rest.astype(np.uint8), connectivity=8)
        deep = np.zeros_like(rest)
        for label in range(1, count):
            part = labels == label
            if hole_depth(part) > DEEP_HOLE * max(rest.shape):
                deep |= part
        thin = rest & ~deep
        outside = thin & background_side(background, thin)
        inside = thin & ~outside  # between the garment and other clothing: continue whatever is around
        if outside.any():
            out = np.where(outside[..., None], smooth_background(out, outside, background & ~hole), out)
        if inside.any():
            out = np.where(inside[..., None], smooth_background(out, inside, ~hole), out)
        if deep.any():
            filled = fill_hole(np.clip(np.rint(out), 0, 255).astype(np.uint8), deep, seed=seed,
                               options=FillOptions(max_hole_pixels=6000))
            out = np.where(deep[..., None], filled.astype(np.float32), out)
    if skin_hole.any():
        out = paint_skin(out, skin_hole, skin, skin_colour, gain)
    return out


@dataclass(frozen=True)
class Occlusion:
    """What stays in front of a garment: soft masks for its body part and for its sleeves."""

    body: np.ndarray
    sleeves: np.ndarray


def dress(image: np.ndarray, layers: list[Layer], occlusion: Occlusion, old: list[np.ndarray], bare_body: np.ndarray,
          skin: np.ndarray, skin_colour: np.ndarray, person: np.ndarray, seed: int = 0,
          image_lab: np.ndarray | None = None) -> np.ndarray:
    """The person image with the garment layers on, the old clothing's uncovered parts filled.

    `old` holds the pieces of clothing the garment replaces (a top, trousers: each shades on
    its own).  Returns uint8 RGB of the image's size.
    """
    layers = [occluded(layer, occlusion.sleeves if layer.name.endswith("sleeve") else occlusion.body)
              for layer in layers]
    coverage = np.zeros(image.shape[:2], np.float32)
    for layer in layers:
        coverage = np.maximum(coverage, layer.alpha)
    covered = coverage > 0.5
    gain = shading_gain(image, old, covered, colours=image_lab)
    layers = [shaded(layer, gain) for layer in layers]
    front = np.maximum(occlusion.body, occlusion.sleeves) > 0.5
    old = np.logical_or.reduce(old)
    rim = max(1, int(round(RIM * max(old.shape))))
    old = cv2.dilate(old.astype(np.uint8), np.ones((2 * rim + 1,) * 2, np.uint8)).astype(bool) & ~front
    hole = old & (coverage < 0.97) & ~front
    hole = cv2.dilate(hole.astype(np.uint8), np.ones((3, 3), np.uint8)).astype(bool) & ~front & (coverage < 0.97)
    base = image.astype(np.float32)
    if hole.any():
        context = base.copy()
        for layer in layers:  # the fill continues the new garment, never the old clothing
            context = np.where((layer.alpha > 0.5)[..., None], layer.rgb / np.maximum(layer.alpha, 1e-6)[..., None],
                               context)
        background = ~cv2.dilate(person.astype(np.uint8), np.ones((5, 5), np.uint8)).astype(bool) & ~covered & ~old
        base = fill_uncovered(context, hole, bare_body, skin & ~old, skin_colour, gain, background, seed)
        base = np.where(hole[..., None], base, image.astype(np.float32))
        log.info("filled %d px the old clothing showed and the garment does not cover", int(hole.sum()))
    for layer in layers:
        base = over(base, layer)
    return np.clip(np.rint(base), 0, 255).astype(np.uint8)
