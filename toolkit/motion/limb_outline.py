"""Where an arm ends: its outline traced along the bones with colour, edges and the silhouette.

Pure functions of arrays.  An arm is a tube around its bones (shoulder, elbow, wrist, hand).
Rays are cast from points along the bones to both sides; on each side one boundary distance
per point is chosen by dynamic programming so that the boundary

- stays inside the person's silhouette and snaps to it where the arm is against the
  background,
- keeps pixels that look like the arm near that point (a colour histogram of the arm's middle
  near it, so a white cuff and a bare forearm each count as the arm where they are) and gives
  up those that look like the rest of the body,
- follows image edges,
- where nothing else decides (a white sleeve over a white apron), is no wider than the arm
  measured where it is against the background, and
- changes smoothly along the arm.
"""

from __future__ import annotations

from dataclasses import dataclass

import cv2
import numpy as np

from toolkit.motion import skeleton as sk


@dataclass(frozen=True)
class OutlineOptions:
    """Knobs of the arm outline, lengths as fractions of the torso size unless said otherwise."""

    step: float = 2.0  # px between points along the bones
    reach: float = 0.3  # longest ray
    min_radius: float = 0.012  # an arm is at least this thick on each side
    core: float = 0.03  # the arm's middle, whose colours are the arm's (where not against the background)
    dead_zone: float = 0.7  # log-likelihood ratios below this are no evidence either way
    clip: float = 2.0  # ... and above dead_zone + clip count fully
    edge_weight: float = 2.0
    silhouette_bonus: float = 2.0  # for ending exactly at the silhouette's edge
    width_penalty: float = 1.0  # per px beyond the width measured on the other side
    shoulder_share: float = 0.3  # of the upper arm, from the shoulder: where its side towards the torso is thinner
    smoothness: float = 0.15  # per px of change between neighbouring points


# Lab with lightness weighted down and the colour channels up: shading within one material
# (a skin in shadow, a white apron's folds) counts less than a change of material.
FEATURE_WEIGHTS = np.array([0.5, 2.0, 2.0], np.float32)


def colour_features(image: np.ndarray, blur: float = 1.2) -> np.ndarray:
    """(H, W, 3) float32 colour features of an RGB uint8 image (weighted, lightly blurred Lab)."""
    lab = cv2.cvtColor(image, cv2.COLOR_RGB2LAB).astype(np.float32) * FEATURE_WEIGHTS
    return cv2.GaussianBlur(lab, (0, 0), blur) if blur > 0 else lab


def arm_polyline(joints: np.ndarray, arm: str) -> np.ndarray:
    """(4, 2) shoulder, elbow, wrist and the end of the hand (past its landmarks, as fingers reach)."""
    start, middle, end = sk.CHAINS[arm]
    tip = joints[list(sk.EXTREMITIES[arm])].mean(0)
    return np.array([joints[start], joints[middle], joints[end], joints[end] + 1.6 * (tip - joints[end])], np.float64)


def resample_polyline(polyline: np.ndarray, step: float) -> np.ndarray:
    """Points every `step` px along a polyline."""
    lengths = np.linalg.norm(np.diff(polyline, axis=0), axis=1)
    along = np.concatenate([[0.0], np.cumsum(lengths)])
    t = np.arange(0.0, max(along[-1], step), step)
    return np.stack([np.interp(t, along, polyline[:, 0]), np.interp(t, along, polyline[:, 1])], 1)


def box_smooth(values: np.ndarray, half: int) -> np.ndarray:
    """Moving average along axis 0 over 2 * half + 1 entries, edges repeated."""
    if half < 1:
        return values
    padded = np.concatenate([np.repeat(values[:1], half, 0), values, np.repeat(values[-1:], half, 0)])
    sums = np.cumsum(np.concatenate([np.zeros_like(values[:1]), padded]), axis=0)
    return (sums[2 * half + 1:] - sums[:-2 * half - 1]) / (2 * half + 1)


def palette_ids(lab: np.ndarray, centres: np.ndarray) -> np.ndarray:
    """Index of the nearest colour centre of every Lab value (..., 3)."""
    flat = lab.reshape(-1, 3).astype(np.float32)
    centres = centres.astype(np.float32)
    # |x - c|^2 = |x|^2 - 2 x.c + |c|^2, and |x|^2 does not change which centre is nearest
    nearest = np.argmin((centres * centres).sum(1)[None, :] - 2.0 * flat @ centres.T, axis=1)
    return nearest.reshape(lab.shape[:-1])


def colour_palette(lab: np.ndarray, where: np.ndarray, k: int) -> np.ndarray | None:
    """k Lab colour centres of the pixels `where` (k-means, deterministic), or None if too few."""
    samples = lab[where]
    if len(samples) < 4 * k:
        return None
    samples = np.ascontiguousarray(samples[:: max(1, len(samples) // 6000)], np.float32)
    criteria = (cv2.TERM_CRITERIA_EPS + cv2.TERM_CRITERIA_MAX_ITER, 20, 0.5)
    cv2.setRNGSeed(0)
    _, _, centres = cv2.kmeans(samples, k, None, criteria, 2, cv2.KMEANS_PP_CENTERS)
    return centres


def best_boundary(energy: np.ndarray, max_jump: int, smoothness: float) -> np.ndarray:
    """(N,) column per row minimising the sum of energy[n, r] + smoothness * |r_n - r_(n-1)|,
    with |r_n - r_(n-1)| <= max_jump (dynamic programming, exact)."""
    rows, cols = energy.shape
    total = energy[0].astype(np.float64).copy()
    back = np.zeros((rows, cols), np.int32)
    columns = np.arange(cols)
    for n in range(1, rows):
        best, came = total.copy(), columns.copy()
        for jump in range(1, max_jump + 1):
            for shift in (jump, -jump):
                previous = np.full(cols, np.inf)
                if shift > 0:
                    previous[shift:] = total[:-shift]
                else:
                    previous[:shift] = total[-shift:]
                previous += smoothness * jump
                better = previous < best
                best[better] = previous[better]
                came[better] = columns[better] - shift
        total = best + energy[n]
        back[n] = came
    path = np.empty(rows, np.int64)
    path[-1] = int(np.argmin(total))
    for n in range(rows - 1, 0, -1):
        path[n - 1] = back[n, path[n]]
    return path


def towards_torso_limit(points: np.ndarray, normals: np.ndarray, joints: np.ndarray, arm: str, measured: np.ndarray,
                        options: OutlineOptions) -> np.ndarray:
    """(N,) the farthest an arm reaches on one side: no limit, except on the side facing the torso
    near the shoulder.  The shoulder landmark lies towards the inner edge of the arm, so there the
    arm is thinner on its torso side than the width measured against the background; from a third
    of it at the joint it widens to the full width a third of the way down the upper arm (without
    this, a sleeve of the same colour as the top takes a slab of chest into the armpit)."""
    shoulder, elbow = joints[sk.CHAINS[arm][0]], joints[sk.CHAINS[arm][1]]
    length = max(float(np.linalg.norm(elbow - shoulder)), 1e-9)
    along = np.concatenate([[0.0], np.cumsum(np.linalg.norm(np.diff(points, axis=0), axis=1))]) / length
    centre = sk.pelvis(joints) + 0.5 * (sk.neck(joints) - sk.pelvis(joints))
    facing = np.sum(normals * (centre - points), axis=1) > 0
    ramp = np.clip(along / options.shoulder_share, 0.0, 1.0)
    limit = measured * (0.35 + 0.65 * ramp)
    return np.where(facing & (along < options.shoulder_share), limit, np.inf)


def arm_outline(lab: np.ndarray, ids: np.ndarray, silhouette: np.ndarray, joints: np.ndarray, arm: str,
                body_colours: np.ndarray, clear_of_body: np.ndarray | None = None,
                within_torso: np.ndarray | None = None,
                options: OutlineOptions = OutlineOptions()) -> tuple[np.ndarray, np.ndarray]:
    """Boolean (H, W) masks of one arm with its hand, and of the stretches of it that lie in front
    of the person (the silhouette goes on past the outline on both sides, as for a forearm across
    the belly), where what is behind the arm is the body rather than the background.  (Painting
    the body in along one side only, for an arm beside the hips, was tried: it widened the body
    with smeared fill where the arm had hung.)

    lab: the image's colour features (`colour_features`); ids: their palette index per pixel (H, W);
    body_colours: (K,) histogram of palette indices over pixels surely not of this arm;
    clear_of_body: optional boolean (H, W), where nothing of the torso or legs can be.  On a side
    of the arm that meets the background there, colour is no evidence against the arm: only the
    arm (or hair, which the caller handles) lies between it and the background (a white cuff
    beside a white apron).
    within_torso: optional boolean (H, W), well inside the torso.  There a colour that is not
    clearly the arm's counts as the body's: an arm hanging at the side takes no slab of a top
    of the same black as its sleeve into the armpit.
    """
    scale = float(sk.torso_size(joints))
    height, width = silhouette.shape
    points = resample_polyline(arm_polyline(joints, arm), options.step)
    count = len(points)
    half = max(1, int(0.06 * scale / options.step))
    tangent = box_smooth(np.gradient(points, axis=0) if count > 1 else np.array([[0.0, 1.0]]), half)
    tangent /= np.maximum(np.linalg.norm(tangent, axis=1, keepdims=True), 1e-9)
    normal = np.stack([-tangent[:, 1], tangent[:, 0]], 1)
    reach = max(int(options.reach * scale), 4)
    radii = np.arange(reach + 1, dtype=np.float32)
    palette_size = len(body_colours)
    rays = {}
    for side in (1.0, -1.0):
        map_x = (points[:, 0, None] + side * normal[:, 0, None] * radii[None]).astype(np.float32)
        map_y = (points[:, 1, None] + side * normal[:, 1, None] * radii[None]).astype(np.float32)
        colour = cv2.remap(lab, map_x, map_y, cv2.INTER_LINEAR, borderMode=cv2.BORDER_REPLICATE)
        person = cv2.remap(silhouette.astype(np.float32), map_x, map_y, cv2.INTER_LINEAR,
                           borderMode=cv2.BORDER_CONSTANT, borderValue=0) > 0.5
        index = cv2.remap(ids.astype(np.float32), map_x, map_y, cv2.INTER_NEAREST,
                          borderMode=cv2.BORDER_REPLICATE).astype(np.int64)
        leaves = ~person
        edge = np.where(leaves.any(1), leaves.argmax(1), reach + 1)  # first ray sample off the person
        if clear_of_body is None:
            free = np.zeros_like(person)
        else:
            free = cv2.remap(clear_of_body.astype(np.uint8), map_x, map_y, cv2.INTER_NEAREST,
                             borderMode=cv2.BORDER_CONSTANT, borderValue=1).astype(bool)
            free &= (edge <= reach)[:, None]
        if within_torso is None:
            torso = np.zeros_like(person)
        else:
            torso = cv2.remap(within_torso.astype(np.uint8), map_x, map_y, cv2.INTER_NEAREST,
                              borderMode=cv2.BORDER_CONSTANT, borderValue=0).astype(bool)
        rays[side] = (colour, person, index, edge, free, torso)
    # the arm's own colours near each point: its middle, or all of it up to the silhouette where
    # it is against the background (a sleeve can be darker at its rim than along the bone)
    core = max(3, int(options.core * scale))
    counts = np.zeros((count, palette_size))
    for side, (_, person, index, edge, _, _) in rays.items():
        depth = np.where(edge <= reach, np.minimum(0.85 * edge, 0.12 * scale), core).astype(int)
        take = person & (radii[None, :] < depth[:, None])
        rows, cols = np.nonzero(take)
        np.add.at(counts, (rows, index[rows, cols]), 1.0)
    window = max(1, int(0.05 * scale / options.step))
    arm_counts = box_smooth(counts, window) * (2 * window + 1)
    arm_p = (arm_counts + 0.5) / (arm_counts.sum(1, keepdims=True) + 0.5 * palette_size)
    body_p = (body_colours + 1.0) / (body_colours.sum() + palette_size)
    min_radius = max(2, int(options.min_radius * scale))
    outline = {}
    for side, (colour, person, index, edge, free, torso) in rays.items():
        other_edge = rays[-side][3]
        ratio = np.log(body_p[index]) - np.log(np.take_along_axis(arm_p, index, 1))  # > 0: looks like the body
        evidence = np.sign(ratio) * np.clip(np.abs(ratio) - options.dead_zone, 0.0, options.clip) / options.clip
        evidence = np.where(free, np.minimum(evidence, 0.0), evidence)
        evidence = np.where(torso & (evidence > -0.3), np.maximum(evidence, 0.5), evidence)
        evidence = np.where(person, evidence, 4.0)
        taken = np.concatenate([np.zeros((count, 1)), np.cumsum(evidence, axis=1)], 1)  # first r samples are arm
        gradient = np.zeros_like(taken)
        step_change = np.linalg.norm(colour[:, 2:] - colour[:, :-2], axis=-1)
        inside = person[:, 1:-1]
        scale_change = float(np.percentile(step_change[inside], 90)) + 1e-6 if inside.any() else 1.0
        gradient[:, 2:-1] = np.clip(step_change / scale_change, 0.0, 1.0)
        boundary = np.arange(reach + 2)[None, :]
        bounded = other_edge <= reach
        typical = float(np.median(other_edge[bounded])) if bounded.any() else 0.1 * scale
        measured = box_smooth(np.where(bounded, other_edge, typical).astype(np.float64), half)
        ceiling = np.where(edge <= reach, edge, measured + 0.01 * scale)
        ceiling = np.minimum(ceiling, towards_torso_limit(points, side * normal, joints, arm, measured, options))
        at_edge = (edge[:, None] <= reach) & (np.abs(boundary - edge[:, None]) <= 1)
        energy = (taken - options.edge_weight * gradient - options.silhouette_bonus * at_edge
                  + options.width_penalty * np.maximum(0.0, boundary - ceiling[:, None]))
        energy[:, :min_radius] = 1e9
        radius = best_boundary(energy, max(1, round(1.5 * options.step)), options.smoothness)
        outline[side] = points + side * normal * radius[:, None]
    mask = np.zeros((height, width), np.uint8)
    in_front = np.zeros((height, width), np.uint8)
    beyond = max(2, int(0.03 * scale))
    covered = np.ones(count, bool)
    for side, (_, _, _, edge, _, _) in rays.items():
        covered &= edge > np.linalg.norm(outline[side] - points, axis=1) + beyond
    settle = max(1, int(0.04 * scale / options.step))  # ... for a stretch, not where an elbow juts out
    covered = box_smooth(covered.astype(np.float64), settle) > 1.0 - 1e-9
    a, b = outline[1.0], outline[-1.0]
    for n in range(count - 1):
        quad = np.round(np.array([a[n], a[n + 1], b[n + 1], b[n]])).astype(np.int32)
        cv2.fillConvexPoly(mask, quad, 1)
        if covered[n] and covered[n + 1]:
            cv2.fillConvexPoly(in_front, quad, 1)
    person = silhouette > 0.5
    return mask.astype(bool) & person, in_front.astype(bool) & person
