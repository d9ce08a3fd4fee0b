"""A 2D body skeleton on MediaPipe Pose's 33 landmarks: bones, angles and retargeting.

Poses are (33, 2) arrays of pixel positions; sequences are (T, 33, 2).  Angles are in
radians, measured in image coordinates (y down): an arm hanging straight down points at
+pi/2, an arm raised overhead at -pi/2.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

NOSE = 0
LEFT_SHOULDER, RIGHT_SHOULDER = 11, 12
LEFT_ELBOW, RIGHT_ELBOW = 13, 14
LEFT_WRIST, RIGHT_WRIST = 15, 16
LEFT_HIP, RIGHT_HIP = 23, 24
LEFT_KNEE, RIGHT_KNEE = 25, 26
LEFT_ANKLE, RIGHT_ANKLE = 27, 28

HEAD_POINTS = tuple(range(0, 11))
TORSO_POINTS = (LEFT_SHOULDER, RIGHT_SHOULDER, LEFT_HIP, RIGHT_HIP)
TORSO_QUAD = (LEFT_SHOULDER, RIGHT_SHOULDER, RIGHT_HIP, LEFT_HIP)  # the same, as a quadrilateral's corners in order

# Limb chains from the torso outwards, and the end points that ride on each chain's last bone.
CHAINS: dict[str, tuple[int, int, int]] = {
    "left_arm": (LEFT_SHOULDER, LEFT_ELBOW, LEFT_WRIST),
    "right_arm": (RIGHT_SHOULDER, RIGHT_ELBOW, RIGHT_WRIST),
    "left_leg": (LEFT_HIP, LEFT_KNEE, LEFT_ANKLE),
    "right_leg": (RIGHT_HIP, RIGHT_KNEE, RIGHT_ANKLE),
}
EXTREMITIES: dict[str, tuple[int, ...]] = {
    "left_arm": (17, 19, 21),
    "right_arm": (18, 20, 22),
    "left_leg": (29, 31),
    "right_leg": (30, 32),
}


@dataclass(frozen=True)
class Bone:
    """A segment between two landmarks that moves one part of the body rigidly."""

    name: str
    start: int
    end: int


BONES: tuple[Bone, ...] = (
    Bone("left_upper_arm", LEFT_SHOULDER, LEFT_ELBOW),
    Bone("left_forearm", LEFT_ELBOW, LEFT_WRIST),
    Bone("right_upper_arm", RIGHT_SHOULDER, RIGHT_ELBOW),
    Bone("right_forearm", RIGHT_ELBOW, RIGHT_WRIST),
    Bone("left_thigh", LEFT_HIP, LEFT_KNEE),
    Bone("left_shin", LEFT_KNEE, LEFT_ANKLE),
    Bone("right_thigh", RIGHT_HIP, RIGHT_KNEE),
    Bone("right_shin", RIGHT_KNEE, RIGHT_ANKLE),
)


def wrap_angle(angle: np.ndarray | float) -> np.ndarray:
    """Angles wrapped into [-pi, pi)."""
    return (np.asarray(angle) + np.pi) % (2.0 * np.pi) - np.pi


def bone_angle(joints: np.ndarray, start: int, end: int) -> np.ndarray:
    """Direction of the bone start -> end; works on (33, 2) or (T, 33, 2)."""
    delta = joints[..., end, :] - joints[..., start, :]
    return np.arctan2(delta[..., 1], delta[..., 0])


def neck(joints: np.ndarray) -> np.ndarray:
    """Midpoint of the shoulders."""
    return 0.5 * (joints[..., LEFT_SHOULDER, :] + joints[..., RIGHT_SHOULDER, :])


def pelvis(joints: np.ndarray) -> np.ndarray:
    """Midpoint of the hips."""
    return 0.5 * (joints[..., LEFT_HIP, :] + joints[..., RIGHT_HIP, :])


def torso_quad(joints: np.ndarray) -> np.ndarray:
    """(4, 2) corners of the shoulder-hip quadrilateral, in order round it: shoulders, then hips."""
    return np.asarray(joints)[list(TORSO_QUAD), :2].astype(np.float64)


def torso_size(joints: np.ndarray) -> np.ndarray:
    """Neck-to-pelvis distance: the body's scale."""
    return np.linalg.norm(neck(joints) - pelvis(joints), axis=-1)


def similarity(src: np.ndarray, dst: np.ndarray) -> np.ndarray:
    """2x3 least-squares rotation + uniform scale + translation taking src (N, 2) onto dst (N, 2)."""
    mu_s, mu_d = src.mean(0), dst.mean(0)
    s, d = src - mu_s, dst - mu_d
    var = max(float((s**2).sum()), 1e-9)
    a = float((s * d).sum()) / var
    b = float((s[:, 0] * d[:, 1] - s[:, 1] * d[:, 0]).sum()) / var
    linear = np.array([[a, -b], [b, a]])
    return np.hstack([linear, (mu_d - linear @ mu_s)[:, None]])


def apply(transform: np.ndarray, points: np.ndarray) -> np.ndarray:
    """Apply a 2x3 transform to points (..., 2)."""
    return points @ transform[:, :2].T + transform[:, 2]


def rotation_about(pivot: np.ndarray, angle: float, target: np.ndarray | None = None, scale: float = 1.0) -> np.ndarray:
    """2x3 transform rotating (and scaling) about pivot, then moving pivot to target."""
    c, s = np.cos(angle) * scale, np.sin(angle) * scale
    linear = np.array([[c, -s], [s, c]])
    target = pivot if target is None else target
    return np.hstack([linear, (target - linear @ pivot)[:, None]])


def bone_transform(rest: np.ndarray, posed: np.ndarray, bone: Bone) -> np.ndarray:
    """Rigid 2x3 transform carrying a bone from the rest pose to the posed one (length kept)."""
    turn = float(wrap_angle(bone_angle(posed, bone.start, bone.end) - bone_angle(rest, bone.start, bone.end)))
    return rotation_about(rest[bone.start], turn, posed[bone.start])


def pose_chain(rest: np.ndarray, root: np.ndarray, angles: tuple[float, float], scale: float,
               chain: tuple[int, int, int]) -> tuple[np.ndarray, np.ndarray]:
    """Joint 2 and 3 of a chain laid from `root` with the rest pose's bone lengths (x scale) at `angles`."""
    a, b, c = chain
    first = np.linalg.norm(rest[b] - rest[a]) * scale
    second = np.linalg.norm(rest[c] - rest[b]) * scale
    middle = root + first * np.array([np.cos(angles[0]), np.sin(angles[0])])
    end = middle + second * np.array([np.cos(angles[1]), np.sin(angles[1])])
    return middle, end


def compose_pose(rest: np.ndarray, torso: np.ndarray, head_turn: float,
                 limb_angles: dict[str, tuple[float, float]]) -> np.ndarray:
    """A full (33, 2) pose from the rest pose, a torso transform, a head turn and limb angles.

    Torso and head points move rigidly; each limb is laid out from its (moved) root with the
    rest pose's bone lengths; hands and feet ride on the last bone of their limb.
    """
    posed = apply(torso, rest)
    scale = float(np.sqrt(abs(np.linalg.det(torso[:, :2]))))
    neck_rest, neck_posed = neck(rest), neck(posed)
    torso_turn = float(np.arctan2(torso[1, 0], torso[0, 0]))
    head = rotation_about(neck_rest, torso_turn + head_turn, neck_posed, scale)
    posed[list(HEAD_POINTS)] = apply(head, rest[list(HEAD_POINTS)])
    for name, chain in CHAINS.items():
        angles = limb_angles.get(name)
        if angles is None:
            continue
        middle, end = pose_chain(rest, posed[chain[0]], angles, scale, chain)
        turn = float(wrap_angle(angles[1] - bone_angle(rest, chain[1], chain[2])))
        ride = rotation_about(rest[chain[2]], turn, end, scale)
        posed[chain[1]], posed[chain[2]] = middle, end
        posed[list(EXTREMITIES[name])] = apply(ride, rest[list(EXTREMITIES[name])])
    return posed


def limb_angles(joints: np.ndarray) -> dict[str, tuple[float, float]]:
    """The two bone directions of every limb chain of one pose."""
    return {name: (float(bone_angle(joints, a, b)), float(bone_angle(joints, b, c)))
            for name, (a, b, c) in CHAINS.items()}


def head_angle(joints: np.ndarray) -> float:
    """Direction from the neck to the nose."""
    d = joints[NOSE] - neck(joints)
    return float(np.arctan2(d[1], d[0]))


def limb_angle_tracks(joints: np.ndarray) -> dict[str, np.ndarray]:
    """(T, 2) bone directions of every limb over a sequence, unwrapped in time (no jumps of 2 pi)."""
    return {name: np.unwrap(np.stack([bone_angle(joints, a, b), bone_angle(joints, b, c)], -1), axis=0)
            for name, (a, b, c) in CHAINS.items()}


def retarget(source: np.ndarray, driver: np.ndarray, mode: str = "relative", blend_frames: int = 8) -> np.ndarray:
    """Map a driving pose sequence (T, 33, 2) onto the source body (33, 2), keeping its bone lengths.

    relative: each bone turns by the driver's turn since its first frame, and the body moves and
              scales by the driver's motion since then (scaled to the source's size);
    absolute: each bone points the way the driver's does, eased in over `blend_frames`.
    Frame 0 is the source pose in both modes.  Turns are followed continuously in time, so an
    arm swung from hanging to overhead (half a turn) keeps going the way it went.
    """
    if mode not in ("relative", "absolute"):
        raise ValueError(f"unknown retarget mode {mode!r}")
    source = np.asarray(source, np.float64)
    driver = np.asarray(driver, np.float64)
    source_limbs = limb_angles(source)
    tracks = limb_angle_tracks(driver)
    heads = np.unwrap([head_angle(frame) for frame in driver])
    ratio = float(torso_size(source) / max(float(torso_size(driver[0])), 1e-6))
    weights = np.ones(len(driver)) if mode == "relative" else np.minimum(1.0, np.arange(len(driver)) / max(blend_frames, 1))
    turns = {}
    for name, track in tracks.items():
        rest = np.array(source_limbs[name])
        if mode == "relative":
            turns[name] = track - track[0]
        else:
            offset = wrap_angle(track[0] - rest)
            turns[name] = weights[:, None] * (offset + (track - track[0]))
    head_turns = heads - heads[0] if mode == "relative" else weights * (wrap_angle(heads[0] - head_angle(source)) + heads - heads[0])
    out = np.empty((len(driver),) + source.shape)
    for t, frame in enumerate(driver):
        motion = similarity(driver[0][list(TORSO_POINTS)], frame[list(TORSO_POINTS)])
        turn = float(np.arctan2(motion[1, 0], motion[0, 0]))
        scale = float(np.sqrt(abs(np.linalg.det(motion[:, :2]))))
        shift = (pelvis(frame) - pelvis(driver[0])) * ratio
        torso = rotation_about(pelvis(source), turn, pelvis(source) + shift, scale)
        angles = {name: (source_limbs[name][0] + float(turns[name][t, 0]), source_limbs[name][1] + float(turns[name][t, 1]))
                  for name in CHAINS}
        out[t] = compose_pose(source, torso, float(head_turns[t]) - turn, angles)
    return out.astype(np.float32)
