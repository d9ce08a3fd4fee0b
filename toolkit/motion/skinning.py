"""Body parts and linear blend skinning: how a person's pixels follow the skeleton.

Pure functions of arrays.  The person's silhouette is split into parts (legs, torso with
head, each arm) by distance to the bones; each part gets a mesh of control points whose
positions per frame blend the rigid transforms of the bones near them.
"""

from __future__ import annotations

from dataclasses import dataclass

import cv2
import numpy as np
from scipy.spatial import Delaunay

from toolkit.motion import skeleton as sk

# Segments (start joint, end joint) that each skinning "bone" is measured from.  Torso and head
# are segments too: neck to pelvis, and neck to the nose extended past it.
SKIN_BONES = ("torso", "head", "left_upper_arm", "left_forearm", "right_upper_arm", "right_forearm",
              "left_thigh", "left_shin", "right_thigh", "right_shin")

PARTS: dict[str, tuple[str, ...]] = {
    "legs": ("torso", "left_thigh", "left_shin", "right_thigh", "right_shin"),
    "body": ("torso", "head", "left_thigh", "left_shin", "right_thigh", "right_shin"),
    "left_arm": ("left_upper_arm", "left_forearm"),
    "right_arm": ("right_upper_arm", "right_forearm"),
}


def bone_segments(joints: np.ndarray) -> dict[str, tuple[np.ndarray, np.ndarray]]:
    """Start and end point of every skinning bone in one pose."""
    top = sk.neck(joints)
    head_end = joints[sk.NOSE] + 0.6 * (joints[sk.NOSE] - top)
    segments = {"torso": (top, sk.pelvis(joints)), "head": (top, head_end)}
    tips = {"left_forearm": (17, 19, 21), "right_forearm": (18, 20, 22), "left_shin": (29, 31), "right_shin": (30, 32)}
    for bone in sk.BONES:
        start, end = joints[bone.start], joints[bone.end]
        if bone.name in tips:  # hands and feet ride on the last bone: reach past their tips
            tip = joints[list(tips[bone.name])].mean(0)
            end = end + 1.6 * (tip - end) if np.linalg.norm(tip - end) > 1 else end + 0.25 * (end - start)
        segments[bone.name] = (start, end)
    return segments


def segment_distance(points: np.ndarray, start: np.ndarray, end: np.ndarray) -> np.ndarray:
    """Distance of points (..., 2) to the segment start-end."""
    direction = end - start
    length2 = max(float(direction @ direction), 1e-9)
    t = np.clip(((points - start) @ direction) / length2, 0.0, 1.0)
    closest = start + t[..., None] * direction
    return np.linalg.norm(points - closest, axis=-1)


def torso_polygon_distance(points: np.ndarray, joints: np.ndarray) -> np.ndarray:
    """0 inside the shoulder-hip quadrilateral, else the distance to it."""
    quad = joints[[sk.LEFT_SHOULDER, sk.RIGHT_SHOULDER, sk.RIGHT_HIP, sk.LEFT_HIP]].astype(np.float32)
    flat = points.reshape(-1, 2).astype(np.float32)
    inside = _inside_polygon(flat, quad)
    edges = [segment_distance(flat, quad[i], quad[(i + 1) % 4]) for i in range(4)]
    distance = np.min(edges, axis=0)
    distance[inside] = 0.0
    return distance.reshape(points.shape[:-1])


def _inside_polygon(points: np.ndarray, polygon: np.ndarray) -> np.ndarray:
    """Even-odd rule point-in-polygon, vectorised."""
    x, y = points[:, 0], points[:, 1]
    inside = np.zeros(len(points), bool)
    n = len(polygon)
    for i in range(n):
        x0, y0 = polygon[i]
        x1, y1 = polygon[(i + 1) % n]
        crosses = (y0 > y) != (y1 > y)
        x_cross = x0 + (y - y0) * (x1 - x0) / ((y1 - y0) if y1 != y0 else 1e-9)
        inside ^= crosses & (x < x_cross)
    return inside


def part_labels(silhouette: np.ndarray, joints: np.ndarray, image: np.ndarray | None = None,
                step: int = 2) -> dict[str, np.ndarray]:
    """Split a soft silhouette (H, W) into per-part soft masks by distance to the bones.

    Arms and legs take only pixels within a limb's thickness of their bones; everything
    else of the person (torso, head, hair, loose clothing) belongs to the body.  With the
    image, pixels beside the hips and legs at the edge of an arm's reach that look like the
    body rather than like the arm's own core (a skirt beside a hanging hand) go to the body.
    """
    height, width = silhouette.shape
    scale = float(sk.torso_size(joints))
    ys, xs = np.mgrid[0:height:step, 0:width:step]
    grid = np.stack([xs, ys], -1).astype(np.float64)
    segments = bone_segments(joints)
    distances = {name: segment_distance(grid, *segments[name]) for name in SKIN_BONES}
    distances["torso"] = np.minimum(distances["torso"], torso_polygon_distance(grid, joints))
    reach = {"arm": 0.3 * scale, "leg": 0.3 * scale}
    over_torso = 0.1 * scale  # a limb in front of the torso: only its own thickness
    scores = {
        "body": np.minimum(distances["torso"], distances["head"]),
        "left_arm": np.minimum(distances["left_upper_arm"], distances["left_forearm"]),
        "right_arm": np.minimum(distances["right_upper_arm"], distances["right_forearm"]),
        "legs": np.minimum.reduce([distances[n] for n in ("left_thigh", "left_shin", "right_thigh", "right_shin")]),
    }
    legs_before = scores["legs"]
    for name, limb in (("left_arm", "arm"), ("right_arm", "arm"), ("legs", "leg")):
        rival = distances["torso"] if limb == "leg" else np.minimum(distances["torso"], legs_before)
        near = (scores[name] <= over_torso) | ((scores[name] <= reach[limb]) & (scores[name] < rival))
        scores[name] = np.where(near, scores[name], np.inf)
    # arms first, then legs, then the body: a hand resting on the hips stays with its arm
    claimed = np.zeros(grid.shape[:2], bool)
    winner = np.full(grid.shape[:2], -1)
    names = ["left_arm", "right_arm", "legs"]
    arm_scores = np.stack([scores["left_arm"], scores["right_arm"]])
    nearest_arm = np.argmin(arm_scores, axis=0)
    for index in (0, 1):
        take = np.isfinite(arm_scores[index]) & (nearest_arm == index)
        winner[take] = index
        claimed |= take
    hands = hand_distances(grid, joints)
    nearest_hand = np.argmin(hands, axis=0)
    for index in (0, 1):  # a hand belongs to its arm even where it rests on the body
        take = np.isfinite(hands[index]) & (nearest_hand == index)
        winner[take] = index
        claimed |= take
    if image is not None:
        lab = cv2.cvtColor(image[0:height:step, 0:width:step], cv2.COLOR_RGB2LAB).astype(np.float32)
        inside = cv2.resize(silhouette, (grid.shape[1], grid.shape[0]), interpolation=cv2.INTER_NEAREST) > 0.5
        core_limit = 0.06 * scale
        body_core = inside & (winner < 0) & (np.minimum(distances["torso"], legs_before) <= core_limit)
        for index, name in enumerate(("left_arm", "right_arm")):
            mine = winner == index
            fingers = finger_distance(grid, joints, name) <= 0.04 * scale
            arm_core = mine & inside & ((arm_scores[index] <= core_limit) | fingers)
            beside_legs = legs_before < distances["torso"]
            in_hand = np.isfinite(hands[index]) & ~fingers
            rim = mine & ~arm_core & (beside_legs | in_hand)  # beside the hips, or around the hand
            winner[rim & closer_in_colour(lab, rim, body_core, arm_core)] = -1
    legs = np.isfinite(scores["legs"]) & (winner < 0) & (scores["legs"] < scores["body"] + 1e-6)
    winner[legs] = 2
    names.append("body")
    winner[winner < 0] = 3
    labels = {}
    for index, name in enumerate(names):
        coarse = (winner == index).astype(np.float32)
        full = cv2.resize(coarse, (width, height), interpolation=cv2.INTER_NEAREST)
        labels[name] = np.minimum(full, silhouette).astype(np.float32)
    return labels


def finger_distance(grid: np.ndarray, joints: np.ndarray, arm: str) -> np.ndarray:
    """Distance to the nearest of a hand's landmarks (wrist, pinky, index, thumb)."""
    points = joints[list(HAND_POINTS[arm])]
    return np.min(np.linalg.norm(grid[..., None, :] - points, axis=-1), axis=-1)


def colour_centres(lab: np.ndarray, where: np.ndarray, k: int) -> np.ndarray | None:
    """k Lab colour centres of the pixels `where` (k-means, deterministic), or None if too few."""
    samples = lab[where]
    if len(samples) < 4 * k:
        return None
    samples = samples[:: max(1, len(samples) // 4000)]
    criteria = (cv2.TERM_CRITERIA_EPS + cv2.TERM_CRITERIA_MAX_ITER, 20, 0.5)
    cv2.setRNGSeed(0)
    _, _, centres = cv2.kmeans(np.ascontiguousarray(samples), k, None, criteria, 2, cv2.KMEANS_PP_CENTERS)
    return centres


def closer_in_colour(lab: np.ndarray, candidates: np.ndarray, ours: np.ndarray, theirs: np.ndarray,
                     margin: float = 8.0) -> np.ndarray:
    """Boolean image: candidate pixels whose colour is clearly (by `margin` Lab units) nearer the
    `ours` pixels' colours than the `theirs`; alike colours stay undecided (False)."""
    ours_c, theirs_c = colour_centres(lab, ours, 5), colour_centres(lab, theirs, 3)
    result = np.zeros(candidates.shape, bool)
    if ours_c is None or theirs_c is None or not candidates.any():
        return result
    values = lab[candidates]
    to_ours = np.min(np.linalg.norm(values[:, None] - ours_c[None], axis=2), axis=1)
    to_theirs = np.min(np.linalg.norm(values[:, None] - theirs_c[None], axis=2), axis=1)
    result[candidates] = to_ours + margin < to_theirs
    return result


HAND_POINTS = {"left_arm": (sk.LEFT_WRIST, 17, 19, 21), "right_arm": (sk.RIGHT_WRIST, 18, 20, 22)}


def hand_distances(grid: np.ndarray, joints: np.ndarray) -> np.ndarray:
    """(2, ...) distance to the left and right hand's centre, inf beyond the hand's radius."""
    out = []
    for name in ("left_arm", "right_arm"):
        points = joints[list(HAND_POINTS[name])]
        centre = points.mean(0)
        radius = max(1.3 * float(np.linalg.norm(points - points[0], axis=1).max()), 0.06 * float(sk.torso_size(joints)))
        distance = np.linalg.norm(grid - centre, axis=-1)
        out.append(np.where(distance <= radius, distance, np.inf))
    return np.stack(out)


@dataclass(frozen=True)
class PartMesh:
    """Control points of one part, its triangles, their skinning weights over SKIN_BONES and
    the joint each point bends about."""

    points: np.ndarray
    triangles: np.ndarray
    weights: np.ndarray
    pivots: np.ndarray


# The joint two skinning bones share (a landmark index, or "neck"/"pelvis").
SHARED_JOINTS: dict[frozenset, int | str] = {
    frozenset(("torso", "head")): "neck",
    frozenset(("torso", "left_upper_arm")): sk.LEFT_SHOULDER,
    frozenset(("torso", "right_upper_arm")): sk.RIGHT_SHOULDER,
    frozenset(("left_upper_arm", "left_forearm")): sk.LEFT_ELBOW,
    frozenset(("right_upper_arm", "right_forearm")): sk.RIGHT_ELBOW,
    frozenset(("torso", "left_thigh")): sk.LEFT_HIP,
    frozenset(("torso", "right_thigh")): sk.RIGHT_HIP,
    frozenset(("left_thigh", "left_shin")): sk.LEFT_KNEE,
    frozenset(("right_thigh", "right_shin")): sk.RIGHT_KNEE,
}


def bend_pivots(points: np.ndarray, weights: np.ndarray, joints: np.ndarray) -> np.ndarray:
    """(P, 2) the joint each point bends about: the joint its two strongest bones share.

    Points ruled by one bone, or by two bones with no common joint, pivot on themselves.
    """
    pivots = points.copy()
    order = np.argsort(-weights, axis=1)
    for index in range(len(points)):
        first, second = order[index, 0], order[index, 1]
        if weights[index, second] < 1e-3:
            continue
        joint = SHARED_JOINTS.get(frozenset((SKIN_BONES[first], SKIN_BONES[second])))
        if joint == "neck":
            pivots[index] = sk.neck(joints)
        elif joint is not None:
            pivots[index] = joints[joint]
    return pivots


def part_mesh(mask: np.ndarray, spacing: float, cover: float, bones: tuple[str, ...], joints: np.ndarray,
              sharpness: float, part: str = "") -> PartMesh | None:
    """A triangle mesh covering the part (its mask grown by `cover` pixels) and its skinning weights."""
    core = (mask > 0.5).astype(np.uint8)
    if core.sum() < 4:
        return None
    outside = cv2.distanceTransform(1 - core, cv2.DIST_L2, 5)
    ys, xs = np.nonzero(outside <= cover + spacing)
    x0, x1, y0, y1 = xs.min(), xs.max(), ys.min(), ys.max()
    gx = np.arange(x0, x1 + spacing, spacing)
    gy = np.arange(y0, y1 + spacing, spacing)
    grid = np.stack(np.meshgrid(gx, gy), -1).reshape(-1, 2)
    h, w = mask.shape
    ix = np.clip(np.round(grid[:, 0]).astype(int), 0, w - 1)
    iy = np.clip(np.round(grid[:, 1]).astype(int), 0, h - 1)
    inside_frame = (grid[:, 0] >= -spacing) & (grid[:, 0] <= w + spacing) & (grid[:, 1] >= -spacing) & (grid[:, 1] <= h + spacing)
    keep = (outside[iy, ix] <= cover + 1.5 * spacing) & inside_frame
    points = grid[keep].astype(np.float64)
    if len(points) < 3:
        return None
    tri = Delaunay(points).simplices
    corners = points[tri]
    longest = np.max(np.linalg.norm(corners - np.roll(corners, 1, axis=1), axis=2), axis=1)
    centre = corners.mean(1)
    cx = np.clip(np.round(centre[:, 0]).astype(int), 0, w - 1)
    cy = np.clip(np.round(centre[:, 1]).astype(int), 0, h - 1)
    good = (longest <= 2.0 * spacing) & (outside[cy, cx] <= cover + spacing)
    weights = skin_weights(points, joints, bones, sharpness, part)
    return PartMesh(points, tri[good], weights, bend_pivots(points, weights, joints))


def anchor_segments(joints: np.ndarray, part: str) -> dict[str, tuple[np.ndarray, np.ndarray]]:
    """Where a limb part measures its closeness to the torso: the shoulder or hip it hangs from.

    Only the root of a limb should blend with the torso; measuring from the whole spine would
    glue a forearm lying across the belly to the torso.
    """
    top = sk.neck(joints)
    anchors = {
        "left_arm": (top, joints[sk.LEFT_SHOULDER]),
        "right_arm": (top, joints[sk.RIGHT_SHOULDER]),
        "legs": (joints[sk.LEFT_HIP], joints[sk.RIGHT_HIP]),
    }
    return {"torso": anchors[part]} if part in anchors else {}


def skin_weights(points: np.ndarray, joints: np.ndarray, bones: tuple[str, ...], sharpness: float,
                 part: str = "") -> np.ndarray:
    """(P, len(SKIN_BONES)) weights: a Gaussian of distance to each of the part's bones, normalised."""
    segments = {**bone_segments(joints), **anchor_segments(joints, part)}
    distances = np.full((len(points), len(SKIN_BONES)), np.inf)
    for name in bones:
        distances[:, SKIN_BONES.index(name)] = segment_distance(points, *segments[name])
    nearest = distances.min(axis=1, keepdims=True)
    weights = np.exp(-((distances - nearest) / sharpness) ** 2)
    weights[~np.isfinite(distances)] = 0.0
    return weights / weights.sum(axis=1, keepdims=True)


def bone_transforms(rest: np.ndarray, posed: np.ndarray) -> np.ndarray:
    """(len(SKIN_BONES), 2, 3) rigid transforms carrying each skinning bone from rest to posed."""
    transforms = np.empty((len(SKIN_BONES), 2, 3))
    torso = sk.similarity(rest[list(sk.TORSO_POINTS)], posed[list(sk.TORSO_POINTS)])
    transforms[SKIN_BONES.index("torso")] = torso
    scale = float(np.sqrt(abs(np.linalg.det(torso[:, :2]))))
    head_turn = float(sk.wrap_angle(sk.head_angle(posed) - sk.head_angle(rest)))
    transforms[SKIN_BONES.index("head")] = sk.rotation_about(sk.neck(rest), head_turn, sk.neck(posed), scale)
    for bone in sk.BONES:
        transforms[SKIN_BONES.index(bone.name)] = sk.bone_transform(rest, posed, bone)
    return transforms


def skin(points: np.ndarray, weights: np.ndarray, transforms: np.ndarray, pivots: np.ndarray | None = None) -> np.ndarray:
    """Blend skinning that bends about joints without collapsing.

    Each point's rotation angle and scale are the weighted mean of its bones' (angles taken
    the short way round from its strongest bone); its joint pivot goes where the bones
    carry it on average; the point keeps its offset from the pivot, rotated.  A point ruled by
    one bone moves rigidly with it; unlike plain linear blending, a sharp bend at an elbow
    does not pinch the limb.
    """
    if pivots is None:
        pivots = points
    angles = np.arctan2(transforms[:, 1, 0], transforms[:, 0, 0])  # (B,)
    scales = np.sqrt(np.abs(np.linalg.det(transforms[:, :, :2])))  # (B,)
    strongest = np.argmax(weights, axis=1)
    base = angles[strongest]
    angle = base + np.sum(weights * sk.wrap_angle(angles[None, :] - base[:, None]), axis=1)
    scale = weights @ scales
    homogeneous = np.hstack([pivots, np.ones((len(pivots), 1))])
    carried = np.einsum("pb,bij,pj->pi", weights, transforms, homogeneous)  # where the pivot goes
    offset = points - pivots
    cos, sin = np.cos(angle) * scale, np.sin(angle) * scale
    return carried + np.stack([cos * offset[:, 0] - sin * offset[:, 1], sin * offset[:, 0] + cos * offset[:, 1]], -1)
