"""Video-driven faces: split a driving face's landmarks into head pose and expression, relative to its first frame.

Pure functions of landmark arrays.  Each driving frame is aligned to the first by a 2D
similarity fitted on points that expressions barely move (eye corners, nose bridge, upper
face outline): its angle is the head's roll and its shift the head's translation; what is
left after undoing it is the expression, which includes how a turn or a nod moves the
features against each other.  Everything is carried in face units, so any identity can drive
any other.
"""

from __future__ import annotations

import numpy as np

from toolkit.motion.face_rig import FaceFrame, face_frame
from toolkit.motion.smoothing import OneEuroFilter
from toolkit.perception import face_landmarks as fl

# landmarks that expressions barely move: eye corners, nose bridge and tip, forehead, temples
MAX_SHIFT = 0.25  # face units: the head's shift is damped and capped (the photo's body does not move with it)
SHIFT_SHARE = 0.5
MAX_EXPRESSION = 0.35  # face units: no landmark is moved further than this from its place in the photo

STABLE = (33, 133, 362, 263, 168, 6, 197, 195, 5, 4, 1, 10, 151, 9, 8, 109, 338, 67, 297, 21, 251, 54, 284,
          127, 356, 234, 454)


def similarity_2d(source: np.ndarray, target: np.ndarray) -> tuple[float, float, np.ndarray]:
    """Rotation angle (radians), scale and translation (2,) with target ~ scale * R(angle) @ source + t (Umeyama)."""
    mu_s, mu_t = source.mean(axis=0), target.mean(axis=0)
    s, t = source - mu_s, target - mu_t
    a = float(np.sum(s * t))
    b = float(np.sum(s[:, 0] * t[:, 1] - s[:, 1] * t[:, 0]))
    angle = float(np.arctan2(b, a))
    scale = float(np.hypot(a, b) / max(np.sum(s**2), 1e-12))
    rotation = np.array([[np.cos(angle), -np.sin(angle)], [np.sin(angle), np.cos(angle)]])
    return angle, scale, mu_t - scale * rotation @ mu_s


def fill_missing(faces: list[np.ndarray | None]) -> list[np.ndarray]:
    """Frames without a face take the nearest earlier one (the first found for leading gaps)."""
    found = next((face for face in faces if face is not None), None)
    if found is None:
        raise ValueError("no frame has a face")
    filled, last = [], found
    for face in faces:
        last = face if face is not None else last
        filled.append(last)
    return filled


def relative_motion(first: np.ndarray, current: np.ndarray, frame: FaceFrame) -> tuple[np.ndarray, np.ndarray]:
    """Head pose (5,) [yaw, pitch, roll, tx, ty] and expression (478, 2) in face units of one driving frame.

    Roll, scale and shift come from a similarity fitted on the stable points; what is left,
    the expression, keeps the turn and nod as the driver's face shows them in the picture
    (the nose moving against the cheeks), so the output's face turns exactly as far.  Yaw
    and pitch are therefore 0 here: no depth model is needed.
    """
    stable = list(STABLE)
    angle, scale, shift = similarity_2d(first[stable, :2], current[stable, :2])
    rotation = np.array([[np.cos(angle), -np.sin(angle)], [np.sin(angle), np.cos(angle)]])
    undone = ((current[:, :2] - shift) @ rotation) / scale  # rotation.T applied to each row
    expression = frame.to_local(undone) - frame.to_local(first)
    centre_shift = frame.to_local(current[stable].mean(axis=0, keepdims=True)) - frame.to_local(first[stable].mean(axis=0, keepdims=True))
    return np.array([0.0, 0.0, angle, centre_shift[0, 0], centre_shift[0, 1]]), expression


def transfer_scales(lip_scale: float, eye_scale: float, n_points: int = 478) -> np.ndarray:
    """(N,) multiplier of each landmark's expression: lips and jaw by lip_scale, lids and irises by eye_scale."""
    scales = np.ones(n_points)
    mouth = set(fl.LIPS_INNER) | set(fl.LIPS_OUTER)
    scales[list(mouth)] = lip_scale
    eyes = (set(fl.LEFT_EYE_UPPER) | set(fl.LEFT_EYE_LOWER) | set(fl.RIGHT_EYE_UPPER) | set(fl.RIGHT_EYE_LOWER)
            | set(fl.LEFT_IRIS) | set(fl.RIGHT_IRIS))
    scales[list(eyes)] = eye_scale
    return scales


def driving_motion(faces: list[np.ndarray | None], fps: float, lip_scale: float = 1.0,
                   eye_scale: float = 1.0) -> tuple[np.ndarray, np.ndarray]:
    """(T, 5) head poses and (T, 478, 2) expressions in face units from driving landmarks (478, 3) per frame.

    Landmark jitter is smoothed with a One-Euro filter (it keeps fast mouth and lid motion).
    """
    filled = fill_missing(faces)
    first = np.asarray(filled[0], np.float64)
    frame = face_frame(first)
    smoother = OneEuroFilter(fps, min_cutoff=1.5, beta=0.3)
    scales = transfer_scales(lip_scale, eye_scale, len(first))[:, None]
    poses, expressions = [], []
    for face in filled:
        current = smoother(np.asarray(face, np.float64) / frame.scale) * frame.scale
        pose, expression = relative_motion(first, current, frame)
        pose[3:] = np.clip(pose[3:] * SHIFT_SHARE, -MAX_SHIFT, MAX_SHIFT)
        poses.append(pose)
        expressions.append(np.clip(expression * scales, -MAX_EXPRESSION, MAX_EXPRESSION))
    poses, expressions = np.array(poses), np.array(expressions)
    poses[0], expressions[0] = 0.0, 0.0
    return poses, expressions
