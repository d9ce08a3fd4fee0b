"""Where a garment's key points go on a body: control-point pairs for each part's warp.

Pure functions of a `GarmentShape` (garment pixels) and a `BodyMeasure` (person pixels).

- The scale comes from the shoulders for tops and dresses (seam to seam is the same laid flat
  and worn) and from the waist for trousers and skirts; the torso's lean comes from the body's
  own axes (`across`, from shoulder to shoulder, and `down`, from the neck to the pelvis).
- Widths: a flat garment is wider than it looks worn (its front is half its girth, a body's
  front about a third), so flat widths are scaled by WORN and then kept between the body's own
  width (never narrower, so the old clothing cannot show at the sides) and a loose fit.
- Lengths keep the garment's proportions (a cropped top stays cropped) within limits.
- Sleeves and trouser legs follow the limbs' bones, bending at the elbows and knees.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from toolkit.perception.body_measure import BodyMeasure
from toolkit.perception.garment import AXIS_STEPS, GarmentShape, Limb

WORN = 0.8  # worn width / (flat width x scale)
EASE = 1.04  # a garment is at least this much wider than the body under it
LOOSE = 1.3  # ... and at most this much, unless its own shape says more
SEAM_OUT, SEAM_UP = 0.08, 0.10  # the shoulder seam from the shoulder joint, x shoulder width
NECK_HALF, NECK_UP = 0.20, 0.30  # the neck's sides from the shoulders' midpoint, x shoulder width
SLEEVE_WORN = 0.72  # the same for sleeves
FULL_LEG = 1.45  # a leg this long (x the trousers' flat hip width) reaches the ankle


@dataclass(frozen=True)
class PartFit:
    """Control points of one garment part: garment pixels `src` go to person pixels `dst`."""

    name: str
    src: np.ndarray  # (N, 2)
    dst: np.ndarray  # (N, 2)


def body_point(measure: BodyMeasure, level: float, offset: float) -> np.ndarray:
    """The point `offset` px across (negative: image-left) from the centre line at a torso level."""
    return measure.centre(level) + measure.frame.across * offset


def level_of(measure: BodyMeasure, point: np.ndarray) -> float:
    """Torso level (0 shoulders, 1 hips) of a point, along the body's down axis."""
    f = measure.frame
    return float((point - f.neck) @ f.down) / f.torso_length


def fitted_half_width(flat_half: float, scale: float, body_half: float, loose: float = LOOSE) -> float:
    """A worn half-width: the flat one scaled and narrowed by WORN, kept between EASE and `loose` x the body's."""
    worn = flat_half * scale * WORN
    return float(np.clip(worn, EASE * body_half, max(loose * body_half, EASE * body_half)))


def chain_points(chain: np.ndarray, distances: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Points and unit tangents at arc lengths along a polyline (extended straight past its end)."""
    seg = np.diff(chain, axis=0)
    lengths = np.linalg.norm(seg, axis=1)
    cum = np.concatenate([[0.0], np.cumsum(lengths)])
    points, tangents = [], []
    for d in distances:
        i = int(np.clip(np.searchsorted(cum, d, side="right") - 1, 0, len(seg) - 1))
        tangent = seg[i] / max(lengths[i], 1e-9)
        points.append(chain[i] + tangent * (d - cum[i]))
        tangents.append(tangent)
    return np.array(points), np.array(tangents)


def limb_targets(limb: Limb, chain: np.ndarray, length: float, width_scale: float, min_half: np.ndarray,
                 first_a: np.ndarray | None = None, first_b: np.ndarray | None = None) -> tuple[np.ndarray, np.ndarray]:
    """(src, dst) control points of a sleeve or leg laid along a body chain.

    The limb's axis samples go to points at the same fractions of `length` along the chain;
    its edges go either side, at the limb's own half-widths times width_scale (at least
    min_half at each sample).  edge_a goes to the side of first_a (or to the chain's left) and
    the first edge points may be pinned to first_a/first_b.
    """
    fractions = np.asarray(AXIS_STEPS)
    points, tangents = chain_points(chain, fractions * length)
    normals = np.stack([-tangents[:, 1], tangents[:, 0]], axis=1)
    if first_a is not None and (first_a - points[0]) @ normals[0] < 0:
        normals = -normals
    for i in range(1, len(normals)):  # keep the side continuous along the chain
        if normals[i] @ normals[i - 1] < 0:
            normals[i] = -normals[i]
    half = 0.5 * np.linalg.norm(limb.edge_a - limb.edge_b, axis=1) * width_scale
    half = np.maximum(half, min_half)
    dst_a = points + normals * half[:, None]
    dst_b = points - normals * half[:, None]
    if first_a is not None:
        dst_a[0] = first_a
    if first_b is not None:
        dst_b[0] = first_b
    src = np.concatenate([limb.axis, limb.edge_a, limb.edge_b])
    dst = np.concatenate([points, dst_a, dst_b])
    return src, dst


# ---------------------------------------------------------------------------- tops

def shoulder_targets(measure: BodyMeasure) -> dict[str, np.ndarray]:
    """Shoulder seams and neck sides on the body."""
    f = measure.frame
    w = f.shoulder_width
    up = -f.down
    return {
        "shoulder_left": f.shoulders[0] - f.across * SEAM_OUT * w + up * SEAM_UP * w,
        "shoulder_right": f.shoulders[1] + f.across * SEAM_OUT * w + up * SEAM_UP * w,
        "neck_left": f.neck - f.across * NECK_HALF * w + up * NECK_UP * w,
        "neck_right": f.neck + f.across * NECK_HALF * w + up * NECK_UP * w,
    }


def top_scale(shape: GarmentShape, targets: dict[str, np.ndarray]) -> float:
    """Garment to person scale: seam-to-seam widths."""
    garment = np.linalg.norm(shape.points["shoulder_right"] - shape.points["shoulder_left"])
    person = np.linalg.norm(targets["shoulder_right"] - targets["shoulder_left"])
    return float(person / max(garment, 1e-6))


def garment_level(shape: GarmentShape, point: np.ndarray, scale: float, measure: BodyMeasure) -> float:
    """Torso level a garment point falls at, keeping the garment's length below its shoulders."""
    top = 0.5 * (shape.points["shoulder_left"][1] + shape.points["shoulder_right"][1])
    seam_level = -SEAM_UP * measure.frame.shoulder_width / measure.frame.torso_length
    return seam_level + (point[1] - top) * scale / measure.frame.torso_length


def garment_half(shape: GarmentShape, point: np.ndarray) -> float:
    """A garment point's distance from the garment's centre line (mid-shoulders or mid-waist)."""
    if "neck_centre" in shape.points:
        centre = shape.points["neck_centre"][0]
    else:
        centre = 0.5 * (shape.points["waist_left"][0] + shape.points["waist_right"][0])
    return abs(float(point[0] - centre))


def side_target(shape: GarmentShape, measure: BodyMeasure, name: str, scale: float, level: float,
                loose: float = LOOSE) -> np.ndarray:
    """A garment point on the body's side at a level, its width fitted to the body's there."""
    left = "left" in name
    body_half = measure.half_widths(level)[0 if left else 1]
    half = fitted_half_width(garment_half(shape, shape.points[name]), scale, body_half, loose)
    return body_point(measure, level, -half if left else half)


def body_part_fit(shape: GarmentShape, measure: BodyMeasure, min_hem: float, max_hem: float) -> tuple[PartFit, float, dict[str, np.ndarray]]:
    """The garment body's control points (a top's, or a dress's), its scale and its armpit targets."""
    targets = shoulder_targets(measure)
    scale = top_scale(shape, targets)
    pts = shape.points
    src, dst = [], []
    for name in ("shoulder_left", "shoulder_right", "neck_left", "neck_right"):
        src.append(pts[name])
        dst.append(targets[name])
    neck_drop = pts["neck_centre"][1] - 0.5 * (pts["neck_left"][1] + pts["neck_right"][1])
    src.append(pts["neck_centre"])
    dst.append(0.5 * (targets["neck_left"] + targets["neck_right"]) + measure.frame.down * neck_drop * scale)
    hem_level = float(np.clip(garment_level(shape, pts["hem_left"], scale, measure), min_hem, max_hem))
    pit_levels = {}
    for side in ("left", "right"):
        level = float(np.clip(garment_level(shape, pts[f"armpit_{side}"], scale, measure), 0.2, 0.45))
        pit_levels[side] = level
        src.append(pts[f"armpit_{side}"])
        dst.append(side_target(shape, measure, f"armpit_{side}", scale, level))
    armpits = {side: dst[-2 + i] for i, side in enumerate(("left", "right"))}
    top_level = 0.5 * (pit_levels["left"] + pit_levels["right"])
    hem_y = 0.5 * (pts["hem_left"][1] + pts["hem_right"][1])
    pit_y = 0.5 * (pts["armpit_left"][1] + pts["armpit_right"][1])
    placed = {}
    for name, point in pts.items():  # sides, waist and hem: levels spread between the armpits and the hem
        if not name.startswith(("side_", "waist_", "hem_left", "hem_right")):
            continue
        u = (point[1] - pit_y) / max(hem_y - pit_y, 1e-6)
        level = top_level + u * (hem_level - top_level)
        loose = LOOSE if not name.startswith("waist_") else 1.15
        if shape.category == "dress" and level > 1.0:
            loose = 3.0  # a skirt may flare as wide as it is cut
        placed[name] = side_target(shape, measure, name, scale, level, loose)
        src.append(point)
        dst.append(placed[name])
    hem_mid = 0.5 * (placed["hem_left"] + placed["hem_right"])
    hem_drop = pts["hem_centre"][1] - hem_y
    src.append(pts["hem_centre"])
    dst.append(hem_mid + measure.frame.down * hem_drop * scale)
    # the centre line, so a print stays in the middle of the chest
    cx = pts["neck_centre"][0]
    for u in (0.0, 0.5):
        y = pit_y + u * (hem_y - pit_y)
        src.append(np.array([cx, y]))
        dst.append(measure.centre(top_level + u * (hem_level - top_level)))
    return PartFit("body", np.array(src), np.array(dst)), scale, armpits


def arc_position(chain: np.ndarray, point: np.ndarray) -> float:
    """Arc length along a polyline of the point on it nearest `point`."""
    best, best_d, run = 0.0, np.inf, 0.0
    for a, b in zip(chain[:-1], chain[1:]):
        seg = b - a
        length = max(float(np.linalg.norm(seg)), 1e-9)
        u = float(np.clip((point - a) @ seg / length ** 2, 0.0, 1.0))
        d = float(np.linalg.norm(a + u * seg - point))
        if d < best_d:
            best, best_d = run + u * length, d
        run += length
    return best


def path_length(points: np.ndarray) -> float:
    return float(np.linalg.norm(np.diff(points, axis=0), axis=1).sum())


def sleeve_targets(limb: Limb, chain: np.ndarray, outward: np.ndarray, seam: np.ndarray, pit: np.ndarray,
                   scale: float, min_half: float, reach_cap: float) -> tuple[np.ndarray, np.ndarray]:
    """(src, dst) of a sleeve hanging along an arm.

    The sleeve's outer edge (edge_a, from the shoulder seam) and inner edge (edge_b, from the
    armpit) run down the arm's two sides to the cuff, which sits across the arm where the
    garment's sleeve length puts it (a long sleeve: at the wrist).
    """
    fractions = np.asarray(AXIS_STEPS)
    start_a = arc_position(chain, seam)
    start_b = arc_position(chain, pit)
    len_a = path_length(limb.edge_a) * scale
    len_b = path_length(limb.edge_b) * scale
    cuff = max(0.5 * (start_a + len_a + start_b + len_b), start_b + 0.05 * max(len_a, 1.0))
    if cuff > 0.85 * reach_cap:
        cuff = reach_cap
    cuff_half = max(0.5 * float(np.linalg.norm(limb.edge_a[-1] - limb.edge_b[-1])) * scale * SLEEVE_WORN, min_half)
    root_half = max(cuff_half, min_half)
    halves = root_half + fractions * (cuff_half - root_half)
    dst_a, dst_b = [], []
    for t, half in zip(fractions, halves):
        for start, sign, out in ((start_a, 1.0, dst_a), (start_b, -1.0, dst_b)):
            point, tangent = chain_points(chain, np.array([start + t * (cuff - start)]))
            normal = np.array([-tangent[0, 1], tangent[0, 0]])
            if normal @ outward < 0:
                normal = -normal
            out.append(point[0] + sign * normal * half)
    dst_a[0] = seam  # the inner edge starts on the arm's inner side at the armpit's height (the body's
    dst_a, dst_b = np.array(dst_a), np.array(dst_b)  # own armpit is behind the arm)
    if len_b < 0.1 * max(len_a, 1e-6):  # no inner seam (a boxy sleeve): the cuff starts at the armpit
        dst_b[:] = dst_b[-1]
    across = np.array([0.25, 0.5, 0.75])[:, None]  # the cuff, from its outer corner to its inner one
    src = np.concatenate([limb.axis[1:], limb.edge_a, limb.edge_b,
                          limb.edge_a[-1] + across * (limb.edge_b[-1] - limb.edge_a[-1])])
    dst = np.concatenate([0.5 * (dst_a[1:] + dst_b[1:]), dst_a, dst_b, dst_a[-1] + across * (dst_b[-1] - dst_a[-1])])
    return src, dst


def sleeve_fits(shape: GarmentShape, measure: BodyMeasure, scale: float, armpits: dict[str, np.ndarray]) -> list[PartFit]:
    """Each sleeve laid along its arm, from its seam (shoulder to armpit) towards the wrist."""
    f = measure.frame
    targets = shoulder_targets(measure)
    fits = []
    for index, side in enumerate(("left", "right")):
        limb = shape.limbs.get(f"{side}_sleeve")
        if limb is None:
            continue
        shoulder, elbow, wrist = f.arms[index]
        chain = np.array([shoulder, elbow, wrist, wrist + (wrist - elbow) * 0.5])
        reach = arc_position(chain, wrist) + 0.03 * f.torso_length
        outward = (-1.0 if index == 0 else 1.0) * f.across
        src, dst = sleeve_targets(limb, chain, outward, targets[f"shoulder_{side}"], armpits[side], scale,
                                  1.1 * measure.arm_half_width[index], reach)
        fits.append(PartFit(f"{side}_sleeve", src, dst))
    return fits


def fit_top(shape: GarmentShape, measure: BodyMeasure) -> list[PartFit]:
    """A top's body and sleeves."""
    body, scale, armpits = body_part_fit(shape, measure, min_hem=0.7, max_hem=1.35)
    return [body] + sleeve_fits(shape, measure, scale, armpits)


def floor_level(measure: BodyMeasure) -> float:
    """Torso level of the ankles (where a floor-length hem stops)."""
    f = measure.frame
    return max(level_of(measure, f.legs[0][2]), level_of(measure, f.legs[1][2])) + 0.08


def fit_dress(shape: GarmentShape, measure: BodyMeasure) -> list[PartFit]:
    """A dress: a top's fit that carries on down past the hips (no further than the ankles)."""
    body, scale, armpits = body_part_fit(shape, measure, min_hem=1.1, max_hem=max(1.2, floor_level(measure)))
    return [body] + sleeve_fits(shape, measure, scale, armpits)


# ---------------------------------------------------------------------------- bottoms

WAIST_LEVEL = -0.08  # trousers' waist above the hip line, x torso length
CROTCH_LEVEL = 0.2  # crotch below the hip line


def waist_fit(shape: GarmentShape, measure: BodyMeasure) -> tuple[list[np.ndarray], list[np.ndarray], float]:
    """Waist corners (and centre) on the body; returns src, dst and the garment-to-person width scale."""
    level = 1.0 + WAIST_LEVEL
    left_half, right_half = measure.half_widths(level)
    pts = shape.points
    src = [pts["waist_left"], pts["waist_right"], 0.5 * (pts["waist_left"] + pts["waist_right"])]
    dst = [body_point(measure, level, -EASE * left_half), body_point(measure, level, EASE * right_half),
           measure.centre(level)]
    garment_width = float(np.linalg.norm(pts["waist_right"] - pts["waist_left"]))
    scale = EASE * (left_half + right_half) / max(garment_width, 1e-6)
    return src, dst, scale


def leg_chain(measure: BodyMeasure, index: int, start_level: float) -> np.ndarray:
    """A leg's bones from the point at start_level down to a little past the ankle."""
    f = measure.frame
    hip, knee, ankle = f.legs[index]
    along = (knee - hip) @ f.down
    u = np.clip(((measure.centre(start_level) - hip) @ f.down) / along if abs(along) > 1e-6 else 0.0, 0.0, 0.9)
    start = hip + u * (knee - hip)
    return np.array([start, knee, ankle])


def leg_gap_limits(measure: BodyMeasure, chains: list[np.ndarray], lengths: list[float]) -> list[np.ndarray]:
    """Per leg, the largest inner half-width at each AXIS_STEPS sample: half the distance to the other leg."""
    fractions = np.asarray(AXIS_STEPS)
    points = [chain_points(chain, fractions * length)[0] for chain, length in zip(chains, lengths)]
    gap = np.linalg.norm(points[0] - points[1], axis=1)
    limit = np.maximum(0.5 * gap - 0.01 * measure.frame.torso_length, 1.0)
    return [limit, limit]


def fit_trousers(shape: GarmentShape, measure: BodyMeasure) -> list[PartFit]:
    """Trousers: waist to the body's waist, crotch between the legs, each leg along its bones.

    The hips fit the body's hips (with ease); the legs keep the garment's widths relative to
    its hips (straight, slim or flared), their inner edges stopping between the legs.
    """
    f = measure.frame
    src, dst, _ = waist_fit(shape, measure)
    pts = shape.points
    crotch_level = 1.0 + CROTCH_LEVEL
    src.append(pts["crotch"])
    dst.append(measure.centre(crotch_level))
    flat_hips = float(np.linalg.norm(pts["hip_right"] - pts["hip_left"]))
    body_halves = measure.half_widths(crotch_level)
    hip_scale = EASE * (body_halves[0] + body_halves[1]) / max(flat_hips, 1e-6)
    legs = [shape.limbs["left_leg"], shape.limbs["right_leg"]]
    leg_length = 0.5 * (legs[0].length + legs[1].length)
    reach = min(1.0, (leg_length / max(flat_hips, 1e-6)) / FULL_LEG)
    chains = [leg_chain(measure, index, crotch_level) for index in (0, 1)]
    lengths = [reach * (path_length(chain) + 0.05 * f.torso_length) for chain in chains]
    limits = leg_gap_limits(measure, chains, lengths)
    for index in (0, 1):
        limb, chain, length = legs[index], chains[index], lengths[index]
        outer_sign = -1.0 if index == 0 else 1.0
        outward = f.across * outer_sign
        widths = np.linalg.norm(limb.edge_a - limb.edge_b, axis=1) * hip_scale
        widths = np.maximum(widths, 2.0 * EASE * np.interp(np.asarray(AXIS_STEPS), [0.0, 0.5, 1.0],
                                                          measure.leg_half_width[index]))
        points, tangents = chain_points(chain, np.asarray(AXIS_STEPS) * length)
        normals = np.stack([-tangents[:, 1], tangents[:, 0]], axis=1)
        normals *= np.sign(normals @ outward)[:, None]
        inner = np.minimum(0.5 * widths, limits[index])
        outer = widths - inner
        dst_a = points + normals * outer[:, None]
        dst_b = points - normals * inner[:, None]
        # the top of the leg: outer edge at the hip, inner edge at the crotch
        dst_a[0] = measure.centre(crotch_level) + outward * EASE * body_halves[index]
        dst_b[0] = measure.centre(crotch_level)
        src.extend(np.concatenate([limb.axis[1:], limb.edge_a, limb.edge_b]))
        dst.extend(np.concatenate([0.5 * (dst_a[1:] + dst_b[1:]), dst_a, dst_b]))
    return [PartFit("body", np.array(src), np.array(dst))]


def fit_skirt(shape: GarmentShape, measure: BodyMeasure) -> list[PartFit]:
    """A skirt: waist to the body's waist, its length and flare in proportion to the waist."""
    src, dst, width_scale = waist_fit(shape, measure)
    pts = shape.points
    length_scale = width_scale / WORN
    waist_y = 0.5 * (pts["waist_left"][1] + pts["waist_right"][1])
    f = measure.frame
    hem_y = max(p[1] for name, p in pts.items() if name.startswith("hem_"))
    natural = (hem_y - waist_y) * length_scale / f.torso_length
    squeeze = min(1.0, (floor_level(measure) - 1.0 - WAIST_LEVEL) / max(natural, 1e-6))  # no longer than the floor
    for name, point in pts.items():
        if not name.startswith(("side_", "hem_")):
            continue
        level = 1.0 + WAIST_LEVEL + (point[1] - waist_y) * length_scale * squeeze / f.torso_length
        left = "left" in name
        body_half = measure.half_widths(level)[0 if left else 1]
        centre_x = 0.5 * (pts["waist_left"][0] + pts["waist_right"][0])
        half = fitted_half_width(abs(point[0] - centre_x), length_scale, body_half, loose=3.0)
        src.append(point)
        dst.append(body_point(measure, level, -half if left else half))
    return [PartFit("body", np.array(src), np.array(dst))]


def fit_garment(shape: GarmentShape, measure: BodyMeasure) -> list[PartFit]:
    """Control points of every part of a garment on a body (back to front)."""
    if shape.category == "upper":
        return fit_top(shape, measure)
    if shape.category == "dress":
        return fit_dress(shape, measure)
    if "crotch" in shape.points:
        return fit_trousers(shape, measure)
    return fit_skirt(shape, measure)
