"""A face rig on MediaPipe's 478 landmarks: expression blendshapes and head pose.

Pure functions of arrays.  Expressions are linear: each channel (jaw, wide, round, smile,
brows, blinks, gaze) is a displacement of every landmark, built once from the rest
landmarks in the face's own frame (x along the eye line, y towards the chin, lengths in
inter-ocular distances) so that it fits any face, pose and image size.  Head pose rotates
the expressed landmarks in 3D about a pivot behind the face, using MediaPipe's depth.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from toolkit.imaging.masks import inside_polygon
from toolkit.perception import face_landmarks as fl

CHANNELS = ("jaw", "wide", "round", "smile", "brow_left", "brow_right", "blink_left", "blink_right",
            "gaze_x", "gaze_y")
POSE = ("yaw", "pitch", "roll", "tx", "ty")  # radians, radians, radians, and inter-ocular distances

DEPTH_SCALE = 0.5  # how much of MediaPipe's depth turns the face: full depth folds the far cheek and the nose over
JAW_LOWER_SHARE = 0.9  # of a mouth opening, how much the lower lip drops; the upper lip rises the rest
CORNER_DROP = 0.3  # how far the mouth's corners drop, per unit of opening; the lips meet there
LID_MEETING = 1.15  # how far a blink takes the upper lid, as a share of the way to the lower lid: a little past its
#                    rim, which the mesh draws on top, so no white of the eye is left between the lids
LASH_BAND = 0.35  # eye openings: the band above the upper lid that a blink carries down unchanged
LID_SKIN = 1.6  # eye openings above the upper lid where a blink's pull on the skin has faded out


@dataclass(frozen=True)
class FaceFrame:
    """The face's own axes: x from the person's right eye to their left, y towards the chin."""

    origin: np.ndarray  # (2,) pixels
    x_axis: np.ndarray  # (2,) unit vector
    y_axis: np.ndarray  # (2,) unit vector, x_axis turned 90 degrees towards the chin
    scale: float  # inter-ocular distance in pixels

    def to_local(self, points: np.ndarray) -> np.ndarray:
        """(N, 2) pixel positions to face units."""
        offset = np.asarray(points, np.float64)[..., :2] - self.origin
        return np.stack([offset @ self.x_axis, offset @ self.y_axis], axis=-1) / self.scale

    def to_pixels(self, vectors: np.ndarray) -> np.ndarray:
        """(..., 2) displacements in face units to pixel displacements."""
        vectors = np.asarray(vectors, np.float64)
        return (vectors[..., :1] * self.x_axis + vectors[..., 1:2] * self.y_axis) * self.scale


def eye_line(points: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """(..., 2) right-to-left outer eye corner vector and its length (...,), of (..., 478, 2+) landmarks."""
    points = np.asarray(points, np.float64)
    axis = points[..., fl.LEFT_EYE_OUTER, :2] - points[..., fl.RIGHT_EYE_OUTER, :2]
    return axis, np.linalg.norm(axis, axis=-1)


def chin_axis(points: np.ndarray) -> np.ndarray:
    """(..., 2) unit vector towards the chin (the eye line turned 90 degrees) of (..., 478, 2+) landmarks."""
    axis, length = eye_line(points)
    axis = axis / length[..., None]
    return np.stack([-axis[..., 1], axis[..., 0]], axis=-1)


def face_frame(points: np.ndarray) -> FaceFrame:
    """The frame of a face from its landmarks (outer eye corners give the axis and scale)."""
    points = np.asarray(points, np.float64)
    axis, scale = eye_line(points)
    if scale < 1e-6:
        raise ValueError("the eye corners coincide: not a face")
    origin = points[list(fl.FACE_OVAL), :2].mean(axis=0)
    return FaceFrame(origin, axis / scale, chin_axis(points), float(scale))


def _gaussian(distance: np.ndarray, sigma: float) -> np.ndarray:
    return np.exp(-0.5 * (distance / sigma) ** 2)


def _ramp(value: np.ndarray, start: float, end: float) -> np.ndarray:
    return np.clip((value - start) / (end - start), 0.0, 1.0)


@dataclass(frozen=True)
class MouthGeometry:
    """The mouth in face units: centre, half width and each landmark's offsets from the centre."""

    centre: np.ndarray
    half_width: float  # half the distance between the outer corners
    inner_half_width: float  # half the distance between the corners of the opening
    dx: np.ndarray  # (N,) horizontal offset of every landmark from the mouth centre
    dy: np.ndarray  # (N,) vertical offset (positive below)

    def lip_profile(self) -> np.ndarray:
        """1 at the middle of the lips, falling smoothly to 0 at the opening's corners (a lens-shaped opening)."""
        lateral = np.abs(self.dx) / self.inner_half_width
        return np.clip(1.0 - lateral**2, 0.0, 1.0) ** 0.8


def mouth_geometry(local: np.ndarray) -> MouthGeometry:
    outer = local[[fl.MOUTH_RIGHT_OUTER, fl.MOUTH_LEFT_OUTER]]
    inner = local[[fl.MOUTH_RIGHT_INNER, fl.MOUTH_LEFT_INNER]]
    centre = local[list(fl.LIPS_INNER)].mean(axis=0)
    half_width = max(float(abs(outer[1, 0] - outer[0, 0])) / 2.0, 0.05)
    inner_half_width = max(float(abs(inner[1, 0] - inner[0, 0])) / 2.0, 0.04)
    return MouthGeometry(centre, half_width, inner_half_width, local[:, 0] - centre[0], local[:, 1] - centre[1])


def lip_sides(local: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """(N,) bools: points of the upper lip and of the lower lip (inside the outer lip line, by side of the inner)."""
    outer = local[list(fl.LIPS_OUTER)]
    on_lips = inside_polygon(local, outer)
    on_lips[list(fl.LIPS_OUTER)] = True
    upper_inner, lower_inner = local[list(fl.UPPER_LIP_INNER)], local[list(fl.LOWER_LIP_INNER)]
    middle = 0.5 * (upper_inner + lower_inner)
    order = np.argsort(middle[:, 0])
    line = np.interp(local[:, 0], middle[order, 0], middle[order, 1])
    upper = on_lips & (local[:, 1] <= line)
    upper[list(fl.UPPER_LIP_INNER) + list(fl.UPPER_LIP_OUTER)] = True
    lower = on_lips & ~upper
    lower[list(fl.LOWER_LIP_INNER) + list(fl.LOWER_LIP_OUTER)] = True
    upper[list(fl.LOWER_LIP_INNER) + list(fl.LOWER_LIP_OUTER)] = False
    return upper, lower


def jaw_shape(local: np.ndarray, mouth: MouthGeometry) -> np.ndarray:
    """(N, 2) displacement that widens the gap between the lips' middles by one face unit.

    The lower lip drops most in its middle (an elliptic opening); below it the chin drops
    with the jaw, never less than the lip above it (so nothing folds), less towards the
    jaw's hinges; the upper lip rises a little and the mouth narrows a little.
    """
    profile = mouth.lip_profile()
    lateral = np.abs(mouth.dx) / mouth.half_width
    lip_drop = CORNER_DROP + (JAW_LOWER_SHARE - CORNER_DROP) * profile  # the lower lip's drop above each point
    jaw_side = np.clip(1.0 - 0.35 * np.maximum(lateral - 1.0, 0.0), 0.5, 1.0)
    beside_mouth = np.where(lateral > 1.0, _ramp(mouth.dy, -0.1, 0.04), 1.0)
    chin = jaw_side * (lip_drop + (JAW_LOWER_SHARE - lip_drop) * _ramp(mouth.dy, 0.0, 0.3)) * beside_mouth
    upper_skin = (CORNER_DROP - (CORNER_DROP + 1.0 - JAW_LOWER_SHARE) * profile) * _gaussian(np.minimum(mouth.dy, 0.0), 0.12)
    upper, lower = lip_sides(local)
    shape = width_shape(mouth, -0.04)
    shape[:, 1] = np.where((mouth.dy > 0.0) | (lateral > 1.0), chin, upper_skin)
    shape[lower, 1] = lip_drop[lower]
    shape[upper, 1] = CORNER_DROP - (CORNER_DROP + 1.0 - JAW_LOWER_SHARE) * profile[upper]
    return shape


def width_shape(mouth: MouthGeometry, amount: float) -> np.ndarray:
    """(N, 2) displacement that stretches (amount > 0) or purses (amount < 0) the mouth sideways."""
    reach = _gaussian(mouth.dx / (1.6 * mouth.half_width), 1.0) * _gaussian(mouth.dy, 0.3)
    shape = np.zeros((len(mouth.dx), 2))
    shape[:, 0] = amount * np.clip(mouth.dx / mouth.half_width, -1.3, 1.3) * reach / _gaussian(np.array(1 / 1.6), 1.0)
    return shape


def round_shape(mouth: MouthGeometry) -> np.ndarray:
    """(N, 2) displacement of rounded, pushed-out lips ('oo'): narrower, fuller."""
    shape = width_shape(mouth, -0.06)
    profile = mouth.lip_profile()
    upper, lower = list(fl.UPPER_LIP_OUTER), list(fl.LOWER_LIP_OUTER)
    shape[upper, 1] -= 0.02 * profile[upper]
    shape[lower, 1] += 0.02 * profile[lower]
    return shape


def smile_shape(mouth: MouthGeometry) -> np.ndarray:
    """(N, 2) displacement of a smile: corners up and out, cheeks lifted with them."""
    from_corner = np.abs(mouth.dx) - mouth.half_width
    corner_reach = _gaussian(from_corner, 0.5 * mouth.half_width) * _gaussian(mouth.dy, 0.2)
    cheek_reach = 0.5 * _gaussian(from_corner, mouth.half_width) * _gaussian(mouth.dy + 0.35, 0.25)
    shape = np.zeros((len(mouth.dx), 2))
    shape[:, 0] = 0.07 * np.sign(mouth.dx) * corner_reach
    shape[:, 1] = -0.06 * corner_reach - 0.03 * cheek_reach
    return shape


def brow_shape(local: np.ndarray, brow: tuple[int, ...], eye_upper: tuple[int, ...]) -> np.ndarray:
    """(N, 2) displacement raising one brow, with the forehead above it and a little of the lid crease."""
    brow_points = local[list(brow)]
    distance = np.min(np.linalg.norm(local[:, None, :] - brow_points[None], axis=2), axis=1)
    above = local[:, 1] < brow_points[:, 1].mean()
    reach = np.where(above, _gaussian(distance, 0.35), _gaussian(distance, 0.12))
    beyond = np.maximum(np.abs(local[:, 0] - brow_points[:, 0].mean()) - 0.35, 0.0)
    side = _gaussian(beyond, 0.15)
    shape = np.zeros((len(local), 2))
    shape[:, 1] = -0.07 * reach * side
    shape[list(eye_upper), 1] = np.minimum(shape[list(eye_upper), 1], -0.01)
    return shape


def blink_shape(local: np.ndarray, upper: tuple[int, ...], lower: tuple[int, ...], iris: tuple[int, ...]) -> np.ndarray:
    """(N, 2) displacement closing one eye.

    The upper lid comes down onto the lower one carrying the band of lashes above it
    unchanged (stretching that dark band would smear it over the eye); the lid skin above
    the band stretches, fading out towards the brow.  The iris flattens onto the closed line.
    """
    upper_points, lower_points = local[list(upper)], local[list(lower)]
    meeting = upper_points + LID_MEETING * (lower_points - upper_points)
    shape = np.zeros((len(local), 2))
    shape[list(upper)] = meeting - upper_points
    shape[list(lower)] = meeting - lower_points
    order = np.argsort(meeting[:, 0])
    line_y = np.interp(local[list(iris), 0], meeting[order, 0], meeting[order, 1])
    shape[list(iris), 1] = line_y - local[list(iris), 1]
    lid_drop = np.interp(local[:, 0], upper_points[order, 0], (meeting - upper_points)[order, 1], left=0.0, right=0.0)
    lid_y = np.interp(local[:, 0], upper_points[order, 0], upper_points[order, 1])
    opening = float(np.max(lower_points[:, 1] - upper_points[:, 1]))
    height_above = lid_y - local[:, 1]
    carried = np.clip(1.0 - (height_above - LASH_BAND * opening) / ((LID_SKIN - LASH_BAND) * opening), 0.0, 1.0)
    within = (local[:, 0] > upper_points[:, 0].min() - 0.5 * opening) & (local[:, 0] < upper_points[:, 0].max() + 0.5 * opening)
    skin = within & (height_above > 1e-3)
    skin[list(upper) + list(lower) + list(iris)] = False
    shape[skin, 1] = lid_drop[skin] * carried[skin]
    return shape


def gaze_shape(local: np.ndarray, axis: int, amount: float) -> np.ndarray:
    """(N, 2) displacement moving both irises along one face axis."""
    shape = np.zeros((len(local), 2))
    shape[list(fl.LEFT_IRIS) + list(fl.RIGHT_IRIS), axis] = amount
    return shape


def expression_basis(points: np.ndarray) -> tuple[FaceFrame, np.ndarray]:
    """The face frame and (channels, N, 2) landmark displacements in face units, one per CHANNELS entry."""
    frame = face_frame(points)
    local = frame.to_local(points)
    mouth = mouth_geometry(local)
    shapes = {
        "jaw": jaw_shape(local, mouth),
        "wide": width_shape(mouth, 0.08),
        "round": round_shape(mouth),
        "smile": smile_shape(mouth),
        "brow_left": brow_shape(local, fl.LEFT_BROW, fl.LEFT_EYE_UPPER),
        "brow_right": brow_shape(local, fl.RIGHT_BROW, fl.RIGHT_EYE_UPPER),
        "blink_left": blink_shape(local, fl.LEFT_EYE_UPPER, fl.LEFT_EYE_LOWER, fl.LEFT_IRIS),
        "blink_right": blink_shape(local, fl.RIGHT_EYE_UPPER, fl.RIGHT_EYE_LOWER, fl.RIGHT_IRIS),
        "gaze_x": gaze_shape(local, 0, 0.06),
        "gaze_y": gaze_shape(local, 1, 0.03),
    }
    return frame, np.stack([shapes[name] for name in CHANNELS])


def mouth_gap(points: np.ndarray, frame: FaceFrame) -> float:
    """Gap between the middles of the inner lips, in face units (0 when closed)."""
    local = frame.to_local(points)
    middle = len(fl.UPPER_LIP_INNER) // 2
    return float(max(local[fl.LOWER_LIP_INNER[middle], 1] - local[fl.UPPER_LIP_INNER[middle], 1], 0.0))


def rotation_matrices(yaw: np.ndarray, pitch: np.ndarray, roll: np.ndarray) -> np.ndarray:
    """(T, 3, 3) rotations in image axes (x right, y down, z away from the camera).

    Positive yaw turns the nose towards the image's right, positive pitch nods it down and
    positive roll tilts the head clockwise on screen.
    """
    cy, sy = np.cos(yaw), np.sin(yaw)
    cp, sp = np.cos(pitch), np.sin(pitch)
    cr, sr = np.cos(roll), np.sin(roll)
    zeros, ones = np.zeros_like(yaw), np.ones_like(yaw)
    turn = np.stack([np.stack([cy, zeros, -sy], -1), np.stack([zeros, ones, zeros], -1),
                     np.stack([sy, zeros, cy], -1)], -2)
    nod = np.stack([np.stack([ones, zeros, zeros], -1), np.stack([zeros, cp, -sp], -1),
                    np.stack([zeros, sp, cp], -1)], -2)
    tilt = np.stack([np.stack([cr, -sr, zeros], -1), np.stack([sr, cr, zeros], -1),
                     np.stack([zeros, zeros, ones], -1)], -2)
    return tilt @ turn @ nod


def head_pivot(points: np.ndarray, frame: FaceFrame) -> np.ndarray:
    """(3,) centre the head turns about: behind the face, a little below its middle."""
    points = np.asarray(points, np.float64)
    centre = frame.origin + 0.4 * frame.scale * frame.y_axis
    depth = float(points[list(fl.FACE_OVAL), 2].mean()) + 0.9 * frame.scale
    return np.array([centre[0], centre[1], depth])


def pose_points(points3d: np.ndarray, expression: np.ndarray, rigid: np.ndarray, pose: np.ndarray,
                pivot: np.ndarray, frame: FaceFrame) -> np.ndarray:
    """(T, N, 2) positions: rest points plus expression, turned with the head by their rigid weight.

    points3d:   (N, 3) rest positions in pixels (z in the same scale as x).
    expression: (T, N, 2) pixel displacements (zero for points that are not landmarks).
    rigid:      (N,) how much of the head's motion each point takes (1 on the head, 0 at anchors).
    pose:       (T, 5) yaw, pitch, roll in radians and tx, ty in face units.
    """
    rotations = rotation_matrices(pose[:, 0], pose[:, 1], pose[:, 2])
    expressed = np.concatenate([points3d[None, :, :2] + expression,
                                np.broadcast_to(points3d[None, :, 2:], expression.shape[:2] + (1,))], axis=2)
    relative = (expressed - pivot) * (1.0, 1.0, DEPTH_SCALE)
    turned = np.einsum("tij,tnj->tni", rotations, relative) / (1.0, 1.0, DEPTH_SCALE) + pivot
    shift = frame.to_pixels(pose[:, 3:5])[:, None, :]
    head_motion = turned[..., :2] + shift - expressed[..., :2]
    return expressed[..., :2] + rigid[None, :, None] * head_motion
