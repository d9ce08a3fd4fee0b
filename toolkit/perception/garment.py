"""A garment's key points and parts, found from the shape of its cut-out mask.

Works on a flat product photo of an upright garment seen from the front.  "left" and "right"
are the image's (the wearer's right sleeve is on the image's left, as on a person facing the
camera, so image-left goes to image-left).

- tops: neck sides and centre, shoulders (where the sleeve seam meets the top edge), armpits,
  sleeves (each an axis from its root to its cuff, with widths along it), hem corners, sides;
- trousers: waist corners, crotch, each leg (an axis from the crotch level to its end, with
  widths); skirts: waist corners, hem corners, sides;
- dresses: a top's points down to the armpits, then the sides, the waist and the hem.

All the maths are pure functions of a boolean mask; points come back in the mask's pixels.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass, field

import cv2
import numpy as np

from toolkit.errors import InputError

log = logging.getLogger(__name__)

CATEGORIES = ("upper", "lower", "dress")
WORK_SIDE = 384  # the shape is analysed at this size (longer side)
AXIS_STEPS = (0.0, 0.25, 0.5, 0.75, 1.0)  # fractions along a sleeve or leg where widths are sampled
MAX_ARMHOLE = 0.95  # an armpit deeper than this (x shoulder width) below the shoulder is where a sleeve lying
ARMHOLE = 0.55  # along the body parts from it; the armpit is then put this deep


@dataclass(frozen=True)
class Limb:
    """A sleeve or a trouser leg: points along its axis (root to end) and the edges across them."""

    axis: np.ndarray  # (K, 2) centre points at AXIS_STEPS of its length
    edge_a: np.ndarray  # (K, 2) one edge (the upper/outer side)
    edge_b: np.ndarray  # (K, 2) the other edge

    @property
    def length(self) -> float:
        return float(np.linalg.norm(self.axis[-1] - self.axis[0]))

    def scaled(self, factor: float) -> "Limb":
        return Limb(self.axis * factor, self.edge_a * factor, self.edge_b * factor)


@dataclass(frozen=True)
class GarmentShape:
    """Key points (name -> (2,) pixels), limbs and part masks of one garment."""

    category: str
    points: dict[str, np.ndarray]
    limbs: dict[str, Limb] = field(default_factory=dict)
    parts: dict[str, np.ndarray] = field(default_factory=dict)  # name -> bool mask at the garment's size

    def point(self, name: str) -> np.ndarray:
        return self.points[name]


# ---------------------------------------------------------------------------- row profiles

def row_runs(row: np.ndarray) -> list[tuple[int, int]]:
    """(start, end) inclusive of each run of True in a 1-D bool array."""
    padded = np.concatenate([[False], row, [False]]).astype(np.int8)
    edges = np.flatnonzero(np.diff(padded))
    return [(int(a), int(b) - 1) for a, b in zip(edges[::2], edges[1::2])]


def run_at(runs: list[tuple[int, int]], x: float) -> tuple[int, int] | None:
    """The run containing x, else the nearest one (None if there are none)."""
    if not runs:
        return None
    return min(runs, key=lambda r: 0 if r[0] <= x <= r[1] else min(abs(r[0] - x), abs(r[1] - x)))


def body_profile(mask: np.ndarray, cx: float) -> tuple[np.ndarray, np.ndarray]:
    """Per row, the left and right ends of the run at (or nearest) column cx; NaN where the row is empty."""
    left = np.full(mask.shape[0], np.nan)
    right = np.full(mask.shape[0], np.nan)
    for y in range(mask.shape[0]):
        run = run_at(row_runs(mask[y]), cx)
        if run is not None:
            left[y], right[y] = run
    return left, right


def top_profile(mask: np.ndarray) -> np.ndarray:
    """Per column, the first row of the mask (NaN where the column is empty)."""
    has = mask.any(axis=0)
    first = np.argmax(mask, axis=0).astype(np.float64)
    first[~has] = np.nan
    return first


def bottom_of_column(mask: np.ndarray, x: int) -> float:
    """The last row of the mask in column x (NaN if empty)."""
    rows = np.flatnonzero(mask[:, int(np.clip(x, 0, mask.shape[1] - 1))])
    return float(rows[-1]) if len(rows) else np.nan


def bbox(mask: np.ndarray) -> tuple[int, int, int, int]:
    """(y0, y1, x0, x1) inclusive bounds of a non-empty mask."""
    ys = np.flatnonzero(mask.any(axis=1))
    xs = np.flatnonzero(mask.any(axis=0))
    return int(ys[0]), int(ys[-1]), int(xs[0]), int(xs[-1])


def centre_column(mask: np.ndarray) -> float:
    """The garment's vertical centre line: the mean column of its lower half's pixels... mirrored about its bbox."""
    y0, y1, x0, x1 = bbox(mask)
    ys, xs = np.nonzero(mask[(y0 + y1) // 2: y1 + 1])
    return 0.5 * (float(np.median(xs)) + 0.5 * (x0 + x1)) if len(xs) else 0.5 * (x0 + x1)


# ---------------------------------------------------------------------------- legs (trousers)

def find_crotch(mask: np.ndarray, cx: float) -> tuple[float, float] | None:
    """(x, y) of the top of the gap between two legs, or None if the garment has no legs.

    Rows are scanned upwards from the bottom while they hold two runs either side of the
    centre; the crotch is where the gap closes.  Gaps shorter than a fifth of the height are
    not legs (a slit, a vent).
    """
    y0, y1, _, _ = bbox(mask)
    height = y1 - y0 + 1
    top_of_gap = None
    gap_x = cx
    for y in range(y1, y0 - 1, -1):
        runs = row_runs(mask[y])
        left = [r for r in runs if r[1] < cx]
        right = [r for r in runs if r[0] > cx]
        if left and right and not any(r[0] <= cx <= r[1] for r in runs):
            top_of_gap = y
            gap_x = 0.5 * (max(r[1] for r in left) + min(r[0] for r in right))
        elif top_of_gap is not None or y < y1 - 0.3 * height:
            break
    if top_of_gap is None or (y1 - top_of_gap) < 0.2 * height:
        return None
    return gap_x, float(top_of_gap)


def leg_limb(mask: np.ndarray, side: str, gap_x: float, y_start: int, y_end: int) -> Limb:
    """One trouser leg from the crotch row down to its end, outer edge first."""
    rows = np.linspace(y_start, y_end, len(AXIS_STEPS))
    axis, outer, inner = [], [], []
    for y in rows:
        y = int(round(y))
        runs = row_runs(mask[y])
        pick = [r for r in runs if (r[1] <= gap_x if side == "left" else r[0] >= gap_x)]
        if not pick:
            pick = runs or [(int(gap_x), int(gap_x))]
        run = max(pick, key=lambda r: r[1] - r[0])
        out_x, in_x = (run[0], run[1]) if side == "left" else (run[1], run[0])
        if y == int(round(rows[0])):  # at the crotch row the leg's inner edge is the crotch itself
            in_x = gap_x
        outer.append((out_x, y))
        inner.append((in_x, y))
        axis.append((0.5 * (out_x + in_x), y))
    return Limb(np.array(axis, float), np.array(outer, float), np.array(inner, float))


def leg_end_row(mask: np.ndarray, side: str, gap_x: float) -> int:
    """Last row holding the leg on one side of the gap."""
    cols = mask[:, : int(gap_x)] if side == "left" else mask[:, int(np.ceil(gap_x)):]
    rows = np.flatnonzero(cols.any(axis=1))
    return int(rows[-1])


def lower_points(mask: np.ndarray) -> GarmentShape:
    """Key points of trousers (with legs) or a skirt."""
    y0, y1, _, _ = bbox(mask)
    cx = centre_column(mask)
    left, right = body_profile(mask, cx)
    yw = y0 + max(1, int(0.01 * (y1 - y0)))
    points = {"waist_left": np.array([left[yw], yw]), "waist_right": np.array([right[yw], yw])}
    crotch = find_crotch(mask, cx)
    limbs: dict[str, Limb] = {}
    if crotch is None:  # a skirt
        yh = y1 - max(1, int(0.01 * (y1 - y0)))
        points["hem_left"] = np.array([np.nanmin(left[yh - 2: yh + 1]), yh])
        points["hem_right"] = np.array([np.nanmax(right[yh - 2: yh + 1]), yh])
        for t in (0.33, 0.66):
            y = int(round(yw + t * (yh - yw)))
            points[f"side_left_{t:.2f}"] = np.array([left[y], y])
            points[f"side_right_{t:.2f}"] = np.array([right[y], y])
        return GarmentShape("lower", points, {}, {})
    gap_x, yc = crotch
    points["crotch"] = np.array([gap_x, yc])
    for side in ("left", "right"):
        end = leg_end_row(mask, side, gap_x)
        limbs[f"{side}_leg"] = leg_limb(mask, side, gap_x, int(yc), end - max(1, int(0.005 * (y1 - y0))))
    points["hip_left"] = limbs["left_leg"].edge_a[0]
    points["hip_right"] = limbs["right_leg"].edge_a[0]
    return GarmentShape("lower", points, limbs, {})


# ---------------------------------------------------------------------------- tops

def armpit(edge: np.ndarray, side: str, y_lo: int, y_hi: int, step: int) -> tuple[int, float] | None:
    """(row, size) of the largest inward jump of a body edge between rows y_lo and y_hi.

    Going down a top, the body's edge jumps inwards where a sleeve parts from the body.
    """
    best, best_jump = None, 0.0
    sign = 1.0 if side == "left" else -1.0
    for y in range(y_lo, min(y_hi, len(edge) - step)):
        a, b = edge[y], edge[y + step]
        if np.isnan(a) or np.isnan(b):
            continue
        jump = sign * (b - a)
        if jump > best_jump:
            best, best_jump = y + step, jump
    return None if best is None else (best, best_jump)


def contour_path(contour: np.ndarray, start: int, end: int, avoid: int) -> np.ndarray:
    """The stretch of a closed contour (N, 2) from index start to end that does not pass `avoid`."""
    n = len(contour)
    forward = (np.arange(start, start + ((end - start) % n) + 1) % n)
    if avoid in set(forward.tolist()):
        forward = (start - np.arange(0, ((start - end) % n) + 1)) % n
    return contour[forward].astype(np.float64)


def resample_path(path: np.ndarray, fractions: np.ndarray) -> np.ndarray:
    """Points at fractions of a polyline's arc length."""
    steps = np.linalg.norm(np.diff(path, axis=0), axis=1)
    cum = np.concatenate([[0.0], np.cumsum(steps)])
    total = max(cum[-1], 1e-9)
    return np.stack([np.interp(fractions * total, cum, path[:, k]) for k in (0, 1)], axis=1)


def sleeve_limb(sleeve: np.ndarray, shoulder: np.ndarray, pit: np.ndarray) -> Limb | None:
    """A sleeve's outer edge (shoulder to the cuff's outer corner) and inner edge (armpit to its inner corner).

    The cuff is the end of the sleeve farthest from its root (the seam's midpoint) along the
    sleeve's main direction; its corners are the far end's extreme points across it.
    """
    ys, xs = np.nonzero(sleeve)
    if len(xs) < 20:
        return None
    pixels = np.stack([xs, ys], axis=1).astype(np.float64)
    root = 0.5 * (shoulder + pit)
    rel = pixels - root
    values, vectors = np.linalg.eigh(np.cov(rel.T))
    direction = vectors[:, np.argmax(values)]
    if rel.mean(axis=0) @ direction < 0:
        direction = -direction
    proj = rel @ direction
    normal = np.array([-direction[1], direction[0]])
    if (shoulder - root) @ normal < 0:
        normal = -normal  # normal points to the shoulder's side
    across = rel @ normal
    # the cuff's corners: the sleeve's extremes diagonally outwards, on the shoulder's and the armpit's side
    corner_a = pixels[np.argmax(proj + across)]
    corner_b = pixels[np.argmax(proj - across)]
    contours, _ = cv2.findContours(sleeve.astype(np.uint8), cv2.RETR_EXTERNAL, cv2.CHAIN_APPROX_NONE)
    contour = max(contours, key=len)[:, 0, :].astype(np.float64)

    def nearest(p: np.ndarray) -> int:
        return int(np.argmin(np.linalg.norm(contour - p, axis=1)))

    i_s, i_a, i_ca, i_cb = nearest(shoulder), nearest(pit), nearest(corner_a), nearest(corner_b)
    if i_s == i_a or i_ca == i_cb:
        return None
    fractions = np.asarray(AXIS_STEPS)
    edge_a = resample_path(contour_path(contour, i_s, i_ca, i_a), fractions)
    # a cuff cut from the outer corner straight to the armpit (a boxy sleeve) has no inner seam
    edge_b = resample_path(contour_path(contour, i_a, i_cb, i_s), fractions) if i_cb != i_a else np.repeat(
        pit[None], len(fractions), axis=0)
    edge_a[0], edge_b[0] = shoulder, pit
    return Limb(0.5 * (edge_a + edge_b), edge_a, edge_b)


def side_of_line(xs: np.ndarray, ys: np.ndarray, p: np.ndarray, q: np.ndarray) -> np.ndarray:
    """Signed side of points relative to the directed line p -> q (cross product)."""
    return (q[0] - p[0]) * (ys - p[1]) - (q[1] - p[1]) * (xs - p[0])


def sleeve_mask(mask: np.ndarray, side: str, shoulder: np.ndarray, pit: np.ndarray, body_edge: np.ndarray) -> np.ndarray:
    """The pixels of one sleeve: beyond the shoulder-armpit seam above the armpit, beyond the body below it."""
    h, w = mask.shape
    ys, xs = np.mgrid[:h, :w]
    outward = -1.0 if side == "left" else 1.0
    seam_side = side_of_line(xs, ys, shoulder, pit)
    # which sign of the seam line is outward: test a point far out at the armpit's height
    probe = side_of_line(np.array([pit[0] + outward * w]), np.array([pit[1]]), shoulder, pit)[0]
    beyond_seam = np.sign(seam_side) == np.sign(probe)
    edge = np.where(np.isnan(body_edge), pit[0], body_edge)[:, None]
    beyond_body = (xs - edge) * outward > 0
    upper = ys <= pit[1]
    return mask & np.where(upper, beyond_seam & (ys >= shoulder[1] - 2), beyond_body)


def top_points(mask: np.ndarray, with_hem: bool = True) -> tuple[dict[str, np.ndarray], dict[str, Limb], dict[str, np.ndarray], np.ndarray, np.ndarray]:
    """Key points, sleeves and part masks of a top (or a dress's upper half).

    Also returns the body's left and right edge per row, used by the caller for the sides.
    """
    y0, y1, x0, x1 = bbox(mask)
    height = y1 - y0 + 1
    cx = centre_column(mask)
    left, right = body_profile(mask, cx)
    top = top_profile(mask)
    step = max(2, int(0.015 * height))
    points: dict[str, np.ndarray] = {}
    limbs: dict[str, Limb] = {}
    parts: dict[str, np.ndarray] = {}
    body = mask.copy()
    sleeveless_sides: dict[str, bool] = {}
    span = int(0.75 * height) if with_hem else int(0.45 * height)
    for side, edge in (("left", left), ("right", right)):
        found = armpit(edge, side, y0 + int(0.08 * height), y0 + span, step)
        sleeveless = found is None or found[1] < 0.03 * (x1 - x0)
        sleeveless_sides[side] = sleeveless
        if sleeveless:
            ya = y0 + int(0.3 * height)
            xa = edge[ya]
        else:
            ya = found[0]
            xa = edge[min(ya + step, y1)]
        pit = np.array([xa, float(ya)])
        xs = int(np.clip(round(xa), 0, mask.shape[1] - 1))
        col = xs
        if not np.isnan(top[col]):
            shoulder = np.array([float(col), top[col]])
        else:
            shoulder = np.array([float(col), float(y0)])
        points[f"armpit_{side}"] = pit
        points[f"shoulder_{side}"] = shoulder
    shoulder_width = abs(points["shoulder_right"][0] - points["shoulder_left"][0])
    for side, edge in (("left", left), ("right", right)):
        shoulder, pit = points[f"shoulder_{side}"], points[f"armpit_{side}"]
        parted = pit[1]  # where the sleeve parts from the body in the photo
        if pit[1] - shoulder[1] > MAX_ARMHOLE * shoulder_width:  # a sleeve lying along the body
            pit = np.array([shoulder[0], shoulder[1] + ARMHOLE * shoulder_width])
            points[f"armpit_{side}"] = pit
        if sleeveless_sides[side]:
            continue
        sleeve = sleeve_mask(mask, side, shoulder, np.array([pit[0], parted]), edge)
        limb = sleeve_limb(sleeve, shoulder, pit)
        if limb is not None:
            limbs[f"{side}_sleeve"] = limb
            parts[f"{side}_sleeve"] = sleeve
            body &= ~sleeve
    # neck: the highest points of the top edge either side of the centre, between the shoulders
    sl, sr = points["shoulder_left"][0], points["shoulder_right"][0]
    inner = 0.18 * (sr - sl)
    for side, lo, hi in (("left", sl + inner, cx - 0.04 * (sr - sl)), ("right", cx + 0.04 * (sr - sl), sr - inner)):
        cols = np.arange(int(lo), int(hi) + 1)
        cols = cols[~np.isnan(top[cols])] if len(cols) else cols
        if len(cols) == 0:
            col = int(round(cx))
        else:
            best = np.nanmin(top[cols])
            ties = cols[top[cols] <= best + 1]
            col = int(ties.max()) if side == "left" else int(ties.min())  # the innermost of the highest
        points[f"neck_{side}"] = np.array([float(col), top[col]])
    cxi = int(round(cx))
    left, right = body_profile(body, cx)  # the body's own sides, sleeves removed
    points["neck_centre"] = np.array([cx, top[cxi] if not np.isnan(top[cxi]) else y0])
    if with_hem:
        yh = y1 - max(1, int(0.01 * height))
        points["hem_left"] = np.array([left[yh], yh])
        points["hem_right"] = np.array([right[yh], yh])
        points["hem_centre"] = np.array([cx, bottom_of_column(body, cxi)])
        for side, edge in (("left", left), ("right", right)):
            ya = points[f"armpit_{side}"][1]
            for t in (0.33, 0.66):
                y = int(round(ya + t * (yh - ya)))
                points[f"side_{side}_{t:.2f}"] = np.array([edge[y], y])
    parts["body"] = body
    return points, limbs, parts, left, right


def dress_points(mask: np.ndarray) -> GarmentShape:
    """A top's points plus the waist (narrowest row below the armpits) and the hem."""
    points, limbs, parts, left, right = top_points(mask, with_hem=True)
    y0, y1, _, _ = bbox(mask)
    ya = int(max(points["armpit_left"][1], points["armpit_right"][1]))
    lo, hi = ya + int(0.05 * (y1 - y0)), y0 + int(0.6 * (y1 - y0))
    widths = right[lo:hi] - left[lo:hi]
    if len(widths) and np.isfinite(widths).any():
        yw = lo + int(np.nanargmin(widths))
        points["waist_left"] = np.array([left[yw], yw])
        points["waist_right"] = np.array([right[yw], yw])
    return GarmentShape("dress", points, limbs, parts)


# ---------------------------------------------------------------------------- category

@dataclass(frozen=True)
class ShapeFeatures:
    """Scale-free measures of a garment mask that tell tops, bottoms and dresses apart."""

    has_legs: bool
    aspect: float  # height / width of the bounding box
    top_fill: float  # width just below the top / width 15% down: a waistband is as wide as what is below it
    widening: float  # width of the lowest tenth / width of the highest tenth
    sleeve_jump: float  # largest inward step of the sides in the upper half, / width
    length_to_shoulders: float  # height / distance between the top's shoulder points


def shape_features(mask: np.ndarray) -> ShapeFeatures:
    y0, y1, x0, x1 = bbox(mask)
    height, width = y1 - y0 + 1, x1 - x0 + 1
    cx = centre_column(mask)
    rows_w = mask[y0: y1 + 1].sum(axis=1).astype(float)
    top_fill = float(rows_w[max(1, int(0.02 * height))] / max(rows_w[int(0.15 * height)], 1.0))
    tenth = max(1, height // 10)
    widening = float(rows_w[-tenth:].mean() / max(rows_w[:tenth].mean(), 1.0))
    left, right = body_profile(mask, cx)
    step = max(2, int(0.015 * height))
    jumps = [armpit(edge, side, y0 + int(0.05 * height), y0 + int(0.5 * height), step) for side, edge in
             (("left", left), ("right", right))]
    jump = max((j[1] for j in jumps if j is not None), default=0.0) / width
    shoulders = []
    for found, edge in zip(jumps, (left, right)):
        ya = found[0] if found is not None else y0 + int(0.3 * height)
        shoulders.append(edge[min(ya + step, y1)])
    shoulder_w = abs(shoulders[1] - shoulders[0]) if np.isfinite(shoulders).all() else width
    return ShapeFeatures(has_legs=find_crotch(mask, cx) is not None, aspect=height / width, top_fill=top_fill,
                         widening=widening, sleeve_jump=jump, length_to_shoulders=height / max(shoulder_w, 1.0))


def guess_category(features: ShapeFeatures) -> str:
    """'upper', 'lower' or 'dress' from a garment's shape features.

    Legs make trousers.  A top edge as wide as what is below it (a waistband, not a neckline
    between sloping shoulders) that widens downwards is a skirt (a very long one, a strapless
    dress).  Otherwise a top or a dress: a dress is long for its shoulders.
    """
    if features.has_legs:
        return "lower"
    if features.top_fill > 0.8 and features.widening > 1.1:  # a straight waistband, flaring down: a skirt
        return "lower" if features.aspect < 1.8 else "dress"
    if features.length_to_shoulders > 2.4 and features.aspect > 1.3:
        return "dress"
    return "upper"


# ---------------------------------------------------------------------------- entry point

def work_mask(mask: np.ndarray) -> tuple[np.ndarray, float]:
    """The mask at WORK_SIDE (longer side), cleaned, and the factor from it back to full size."""
    h, w = mask.shape
    scale = min(1.0, WORK_SIDE / max(h, w))
    small = cv2.resize(mask.astype(np.float32), (max(1, round(w * scale)), max(1, round(h * scale))),
                       interpolation=cv2.INTER_AREA) > 0.5
    small = cv2.morphologyEx(small.astype(np.uint8), cv2.MORPH_OPEN, np.ones((3, 3), np.uint8)).astype(bool)
    return small, 1.0 / scale


def scale_shape(shape: GarmentShape, factor: float, full_size: tuple[int, int]) -> GarmentShape:
    """The shape's points and limbs times factor, its part masks resized to full_size (w, h)."""
    points = {name: p * factor for name, p in shape.points.items()}
    limbs = {name: limb.scaled(factor) for name, limb in shape.limbs.items()}
    parts = {name: cv2.resize(m.astype(np.uint8), full_size, interpolation=cv2.INTER_NEAREST) > 0
             for name, m in shape.parts.items()}
    return GarmentShape(shape.category, points, limbs, parts)


def gap_edges(mask: np.ndarray, gap_x: float, rows: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """For each row, the gap's left edge (end of the left leg) and right edge (start of the right leg)."""
    ys, lefts, rights = [], [], []
    x = int(round(gap_x))
    for y in rows:
        row = mask[int(y)]
        if x < 0 or x >= len(row) or row[x]:
            continue
        left = np.flatnonzero(row[:x])
        right = np.flatnonzero(row[x:])
        if len(left) and len(right):
            ys.append(y)
            lefts.append(left[-1])
            rights.append(x + right[0])
    return np.array(ys, float), np.array(lefts, float), np.array(rights, float)


def refine_crotch(mask: np.ndarray, crotch: np.ndarray, height: float) -> np.ndarray:
    """The crotch where the legs' inner edges, extrapolated upwards, meet (legs laid touching part in a
    thin wedge whose tip no mask resolves); at most 20% of the height above where the gap shows."""
    rows = np.arange(crotch[1], min(mask.shape[0], crotch[1] + 0.3 * height))
    ys, lefts, rights = gap_edges(mask, crotch[0], rows)
    if len(ys) < 5:
        return crotch
    left_fit = np.polyfit(ys, lefts, 1)
    right_fit = np.polyfit(ys, rights, 1)
    widening = right_fit[0] - left_fit[0]  # how fast the gap grows downwards
    if widening <= 1e-3:  # the edges do not converge upwards
        return crotch
    apex_y = (left_fit[1] - right_fit[1]) / widening
    apex_y = float(np.clip(apex_y, crotch[1] - 0.2 * height, crotch[1]))
    return np.array([0.5 * (np.polyval(left_fit, apex_y) + np.polyval(right_fit, apex_y)), apex_y])


def with_crotch(shape: GarmentShape, mask: np.ndarray) -> GarmentShape:
    """Trousers with the crotch refined on the full-size mask, the legs' tops and hips moved up to it."""
    crotch = shape.points["crotch"]
    rows = np.flatnonzero(mask.any(axis=1))
    apex = refine_crotch(mask, crotch, float(rows[-1] - rows[0] + 1))
    if apex[1] >= crotch[1] - 1:
        return shape
    points = dict(shape.points)
    points["crotch"] = apex
    limbs = {}
    for name, limb in shape.limbs.items():
        axis, edge_a, edge_b = limb.axis.copy(), limb.edge_a.copy(), limb.edge_b.copy()
        y = int(round(apex[1]))
        cols = np.flatnonzero(mask[y])
        outer = cols[0] if name.startswith("left") else cols[-1]
        edge_a[0] = (outer, apex[1])
        edge_b[0] = apex
        axis[0] = 0.5 * (edge_a[0] + edge_b[0])
        limbs[name] = Limb(axis, edge_a, edge_b)
    points["hip_left"] = limbs["left_leg"].edge_a[0]
    points["hip_right"] = limbs["right_leg"].edge_a[0]
    return GarmentShape(shape.category, points, limbs, shape.parts)


def analyse_garment(mask: np.ndarray, category: str = "auto") -> GarmentShape:
    """Category (guessed when 'auto') and key points of a garment mask (bool, full size)."""
    small, factor = work_mask(mask)
    if small.sum() < 50:
        raise InputError("no garment found in the garment image (its shape is too small)")
    if category == "auto":
        category = guess_category(shape_features(small))
    if category == "lower":
        shape = lower_points(small)
    elif category == "dress":
        shape = dress_points(small)
    elif category == "upper":
        points, limbs, parts, _, _ = top_points(small)
        shape = GarmentShape("upper", points, limbs, parts)
    else:
        raise InputError(f"unknown garment category '{category}'; use one of {', '.join(CATEGORIES)} or auto")
    shape = scale_shape(shape, factor, (mask.shape[1], mask.shape[0]))
    return with_crotch(shape, mask) if "crotch" in shape.points else shape
