"""Linear blend skinning: how a person's pixels follow the skeleton.

Pure functions of arrays.  Each part of the person (split by `part_split`) gets a mesh of
control points whose positions per frame blend the rigid transforms of the bones near them.
"""

from __future__ import annotations

from dataclasses import dataclass

import cv2
import numpy as np
from scipy.spatial import Delaunay

from toolkit.motion.distances import segment_distance
from toolkit.motion import skeleton as sk
from toolkit.imaging.masks import inside_polygon

# Segments (start joint, end joint) that each skinning "bone" is measured from.  Torso and head
# are segments too: neck to pelvis, and neck to the nose extended past it.
SKIN_BONES = ("torso", "head", "left_upper_arm", "left_forearm", "right_upper_arm", "right_forearm",
              "left_thigh", "left_shin", "right_thigh", "right_shin")

LEG_BONES = ("left_thigh", "left_shin", "right_thigh", "right_shin")

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


def torso_polygon_distance(points: np.ndarray, joints: np.ndarray) -> np.ndarray:
    """0 inside the shoulder-hip quadrilateral, else the distance to it."""
    quad = sk.torso_quad(joints).astype(np.float32)
    flat = points.reshape(-1, 2).astype(np.float32)
    inside = inside_polygon(flat, quad)
    edges = [segment_distance(flat, quad[i], quad[(i + 1) % 4]) for i in range(4)]
    distance = np.min(edges, axis=0)
    distance[inside] = 0.0
    return distance.reshape(points.shape[:-1])


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
    return PartMesh(points, distal_last(tri[good], weights), weights, bend_pivots(points, weights, joints))


# How far down its limb each skinning bone is: a forearm folded against its upper arm lies over it.
CHAIN_DEPTH = np.array([{"torso": 0, "head": 0}.get(name, 2 if name.endswith(("forearm", "shin")) else 1)
                        for name in SKIN_BONES], np.float64)


def distal_last(triangles: np.ndarray, weights: np.ndarray) -> np.ndarray:
    """Triangles ordered from the root of the limb to its tip, so that where a bent limb overlaps
    itself (a forearm folded over the upper arm) the part further down is drawn on top."""
    depth = (weights @ CHAIN_DEPTH)[triangles].mean(axis=1)
    return triangles[np.argsort(depth, kind="stable")]


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


def hip_sharpness(points: np.ndarray, joints: np.ndarray, base: float) -> np.ndarray:
    """(P,) blending width: `base` down to the waist, widening smoothly to 3.5 x base at the hips
    and below, so that hips, thighs and a skirt over them bend as one piece instead of tearing
    along the lines where one bone's pull gives way to the next's."""
    top, bottom = sk.neck(joints), sk.pelvis(joints)
    axis = bottom - top
    down = (points - top) @ axis / max(float(axis @ axis), 1e-9)  # 0 at the neck, 1 at the pelvis
    ramp = np.clip((down - 0.6) / 0.4, 0.0, 1.0)
    return base * (1.0 + 2.5 * ramp * ramp * (3.0 - 2.0 * ramp))


def shoulder_sharpness(points: np.ndarray, joints: np.ndarray, arm: str, base: float) -> np.ndarray:
    """(P,) blending width along an arm: 0.3 x `base` at the shoulder, so that a raised arm
    turns about it nearly rigidly (a wide blend with the torso there leaves a slab of sleeve
    turned halfway), widening to 0.6 x `base` from the middle of the upper arm on: the elbow
    still bends smoothly, and a forearm folding hard does not drag the upper arm's sleeve
    round with it (a blend as wide as `base` twisted a raised upper arm into a ribbon)."""
    shoulder, elbow, _ = joints[list(sk.CHAINS[arm])]
    bone = elbow - shoulder
    along = np.clip((points - shoulder) @ bone / max(float(bone @ bone), 1e-9) / 0.5, 0.0, 1.0)
    return base * (0.3 + 0.3 * along * along * (3.0 - 2.0 * along))


def skin_weights(points: np.ndarray, joints: np.ndarray, bones: tuple[str, ...], sharpness: float,
                 part: str = "") -> np.ndarray:
    """(P, len(SKIN_BONES)) weights: a Gaussian of distance to each of the part's bones, normalised.

    A part holding legs and the torso blends them over a wider band below the waist
    (`hip_sharpness`); an arm blends with the torso over a narrower one at the shoulder
    (`shoulder_sharpness`).
    """
    segments = {**bone_segments(joints), **anchor_segments(joints, part)}
    distances = np.full((len(points), len(SKIN_BONES)), np.inf)
    for name in bones:
        distances[:, SKIN_BONES.index(name)] = segment_distance(points, *segments[name])
    nearest = distances.min(axis=1, keepdims=True)
    if "torso" in bones and any(name in bones for name in LEG_BONES):
        width = hip_sharpness(points, joints, sharpness)[:, None]
    elif part in ("left_arm", "right_arm"):
        width = shoulder_sharpness(points, joints, part, sharpness)[:, None]
    else:
        width = sharpness
    weights = np.exp(-((distances - nearest) / width) ** 2)
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
