"""The face rig, speech-driven curves, head mesh, mouth interior and video transfer: pure functions of arrays."""

from __future__ import annotations

import numpy as np
import pytest
from skimage import data

from toolkit.motion import face_rig, head_mesh, mouth_interior
from toolkit.motion import speech_motion as speech
from toolkit.motion.face_transfer import driving_motion, similarity_2d
from toolkit.perception import face_landmarks as fl
from toolkit.perception.face import detect_faces, eye_openness, mouth_opening


@pytest.fixture(scope="module")
def face_points() -> np.ndarray:
    return detect_faces(data.astronaut(), max_faces=1)[0].points.astype(np.float64)


def expressed(points: np.ndarray, channel: str, value: float) -> np.ndarray:
    frame, basis = face_rig.expression_basis(points)
    moved = points.copy()
    moved[:, :2] += frame.to_pixels(value * basis[face_rig.CHANNELS.index(channel)])
    return moved


def test_the_jaw_channel_opens_the_lips_by_its_value_in_face_units(face_points):
    frame = face_rig.face_frame(face_points)
    rest_gap = face_rig.mouth_gap(face_points, frame)
    opened = expressed(face_points, "jaw", 0.2)
    assert face_rig.mouth_gap(opened, frame) == pytest.approx(rest_gap + 0.2, abs=0.01)
    # the chin drops with the jaw, the eyes and forehead do not move
    chin_drop = frame.to_local(opened[[fl.CHIN]])[0, 1] - frame.to_local(face_points[[fl.CHIN]])[0, 1]
    assert 0.15 < chin_drop < 0.2
    upper_face = list(fl.LEFT_EYE_LOOP) + list(fl.RIGHT_EYE_LOOP) + [fl.FOREHEAD]
    assert np.abs(opened[upper_face, :2] - face_points[upper_face, :2]).max() < 0.01 * 0.2 * frame.scale
    assert mouth_opening(opened) > mouth_opening(face_points) + 0.05


def test_a_full_blink_lays_the_upper_lid_on_the_lower(face_points):
    closed = expressed(face_points, "blink_left", 1.0)
    assert np.allclose(closed[list(fl.LEFT_EYE_UPPER), :2], closed[list(fl.LEFT_EYE_LOWER), :2], atol=1e-6)
    left, right = eye_openness(closed)
    assert left < 0.02 and right == pytest.approx(eye_openness(face_points)[1])


def test_no_expression_turns_a_triangle_of_the_head_mesh_over(face_points):
    frame, basis = face_rig.expression_basis(face_points)
    mesh = head_mesh.build_head_mesh(face_points, frame)
    rest = mesh.points[:, :2]

    def orientation(points):
        corners = points[mesh.triangles]
        return np.sign(np.cross(corners[:, 1] - corners[:, 0], corners[:, 2] - corners[:, 0]))

    for channel, value in (("jaw", 0.3), ("wide", 1.0), ("round", 1.0), ("smile", 1.0), ("brow_left", 1.0)):
        expression = frame.to_pixels(value * basis[face_rig.CHANNELS.index(channel)])[None]
        moved = rest + mesh.expression(expression)[0]
        assert (orientation(moved) == orientation(rest)).mean() > 0.995, channel


def test_the_mesh_leaves_the_mouth_open_and_pins_its_outer_ring(face_points):
    frame, _ = face_rig.expression_basis(face_points)
    mesh = head_mesh.build_head_mesh(face_points, frame)
    inner = set(fl.LIPS_INNER)
    assert not any(set(triangle) <= inner for triangle in mesh.triangles.tolist())  # nothing spans the opening
    closed = head_mesh.build_head_mesh(face_points, frame, mouth_hole=False)
    assert len(closed.triangles) > len(mesh.triangles)
    assert mesh.rigid[: mesh.n_landmarks].min() == 1.0 and mesh.rigid.min() == 0.0


def test_head_pose_turns_the_nose_more_than_the_outline_and_pinned_points_stay(face_points):
    frame, _ = face_rig.expression_basis(face_points)
    mesh = head_mesh.build_head_mesh(face_points, frame)
    pivot = face_rig.head_pivot(face_points, frame)
    pose = np.array([[0.0, 0.0, 0.0, 0.0, 0.0], [np.radians(8), 0.0, 0.0, 0.0, 0.0]])
    moved = face_rig.pose_points(mesh.points, np.zeros((2, len(mesh.points), 2)), mesh.rigid, pose, pivot, frame)
    assert np.allclose(moved[0], mesh.points[:, :2])
    nose_shift = moved[1, fl.NOSE_TIP, 0] - moved[0, fl.NOSE_TIP, 0]
    side_shift = abs(moved[1, fl.JAW[0], 0] - moved[0, fl.JAW[0], 0])
    assert nose_shift > 1.0 and nose_shift > 2 * side_shift
    pinned = mesh.rigid == 0
    assert np.allclose(moved[1, pinned], mesh.points[pinned, :2])


def test_rotation_matrices_are_rotations():
    angles = np.radians([[0, 0, 0], [10, -5, 3], [-20, 15, -8]])
    rotations = face_rig.rotation_matrices(*angles.T)
    assert np.allclose(rotations[0], np.eye(3))
    assert np.allclose(rotations @ rotations.transpose(0, 2, 1), np.eye(3), atol=1e-12)
    assert np.allclose(np.linalg.det(rotations), 1.0)


class Features:
    """Per-frame audio features as toolkit.audio.features makes them (only what the curves read)."""

    def __init__(self, loudness: np.ndarray, fps: float = 25.0):
        n = len(loudness)
        self.fps, self.n_frames, self.loudness = fps, n, loudness
        self.voiced = (loudness > 0).astype(float)
        self.f2_hz = np.linspace(900, 2400, n)
        self.onset = np.r_[0.0, np.clip(np.diff(loudness), 0, 1)]


def test_the_mouth_follows_loudness_and_shuts_in_silence():
    loudness = np.r_[np.zeros(25), 0.5 + 0.5 * np.sin(np.linspace(0, 8 * np.pi, 50)) ** 2, np.zeros(25)]
    curves = speech.mouth_curves(Features(loudness))
    assert np.all(curves["gap"][:25] == 0) and np.all(curves["gap"][-25:] == 0)
    assert np.corrcoef(curves["gap"], loudness)[0, 1] > 0.99
    assert curves["gap"].max() == pytest.approx(speech.MAX_GAP, rel=0.01)
    # 'ee' (high second formant) widens, 'oo' rounds: never both at once
    assert curves["wide"][70] > 0.1 and curves["round"][30] > 0.1
    assert np.all(np.minimum(curves["wide"], curves["round"]) < 0.05)
    assert speech.mouth_curves(Features(loudness), lip_scale=0.5)["gap"].max() == pytest.approx(0.5 * speech.MAX_GAP, rel=0.01)


def test_blinks_are_seeded_natural_and_shut_the_eye_fully():
    rng = np.random.default_rng(3)
    starts = speech.blink_times(60.0, rng, 16.0)
    assert 8 <= len(starts) <= 30
    gaps = np.diff(starts)
    assert gaps.min() >= speech.MIN_BLINK_INTERVAL_S and gaps.max() <= speech.MAX_BLINK_INTERVAL_S
    assert np.array_equal(starts, speech.blink_times(60.0, np.random.default_rng(3), 16.0))
    curve = speech.blink_curve(1500, 25.0, starts)
    assert curve.max() == 1.0 and curve.min() == 0.0
    shut = curve > 0.99
    assert np.sum(shut[1:] & ~shut[:-1]) + shut[0] == len(starts)  # each blink shuts once
    assert np.mean(curve > 0.05) < 0.15  # the eyes are open most of the time


def test_head_motion_scales_with_amount_and_is_zero_when_still():
    rng = np.random.default_rng(0)
    still = speech.head_pose_curves(200, 25.0, rng, 0.0)
    assert np.all(still == 0)
    some = speech.head_pose_curves(200, 25.0, np.random.default_rng(0), 1.0)
    more = speech.head_pose_curves(200, 25.0, np.random.default_rng(0), 2.0)
    assert np.allclose(more, 2 * some)
    assert 0.5 < np.degrees(np.abs(some[:, 0]).max()) < 8  # a few degrees of turn, not a spin
    assert np.abs(np.diff(some[:, 0])).max() < np.radians(1.0)  # smooth from frame to frame


def test_the_mouth_interior_follows_the_lips_and_keeps_its_teeth(face_points):
    unit = face_rig.face_frame(face_points).scale
    layout = mouth_interior.painted_layout(face_points, unit)
    assert layout.shape == (mouth_interior.ROWS, len(fl.UPPER_LIP_INNER) + 2, 2)  # a column beyond each corner
    closed = face_points[None, :, :2].copy()
    closed[0, list(fl.LOWER_LIP_INNER)] = closed[0, list(fl.UPPER_LIP_INNER)]
    rows = mouth_interior.interior_tracks(closed, unit).reshape(mouth_interior.ROWS, -1, 1, 2)[:, :, 0]
    assert np.allclose(rows[1], rows[4])  # closed lips: the opening has no height
    texture = mouth_interior.paint_interior((512, 512), layout, mouth_interior.palette_from(data.astronaut(), face_points), unit)
    middle = layout.shape[1] // 2
    teeth = texture[int(layout[1, middle, 1] + 2), int(layout[1, middle, 0])].astype(int)
    cavity = texture[int(layout[4, middle, 1] - 0.25 * (layout[4, middle, 1] - layout[1, middle, 1])), int(layout[1, middle, 0])].astype(int)
    assert teeth.sum() > cavity.sum() + 150  # light teeth under the upper lip, a darker inside below


def test_similarity_2d_recovers_a_known_motion():
    rng = np.random.default_rng(1)
    source = rng.uniform(0, 100, (20, 2))
    angle, scale, shift = 0.2, 1.3, np.array([5.0, -7.0])
    rotation = np.array([[np.cos(angle), -np.sin(angle)], [np.sin(angle), np.cos(angle)]])
    found = similarity_2d(source, scale * source @ rotation.T + shift)
    assert found[0] == pytest.approx(angle) and found[1] == pytest.approx(scale) and np.allclose(found[2], shift)


def test_a_driving_face_passes_on_its_mouth_and_roll_but_not_its_identity(face_points):
    frame = face_rig.face_frame(face_points)
    talking = [face_points] + [expressed(face_points, "jaw", 0.2)] * 12
    centre = face_points[:, :2].mean(axis=0)
    tilt = np.radians(5)
    rotation = np.array([[np.cos(tilt), -np.sin(tilt)], [np.sin(tilt), np.cos(tilt)]])
    tilted = face_points.copy()
    tilted[:, :2] = (face_points[:, :2] - centre) @ rotation.T + centre
    poses, expressions = driving_motion(talking, 25.0)
    assert np.all(poses[0] == 0) and np.all(expressions[0] == 0)
    lower_lip = fl.LOWER_LIP_INNER[len(fl.LOWER_LIP_INNER) // 2]
    assert 0.15 < expressions[12, lower_lip, 1] < 0.2  # the lip's drop in face units, once the smoothing settles
    assert np.abs(expressions[12, list(fl.LEFT_EYE_LOOP)]).max() < 0.01
    tilt_pose, tilt_expression = driving_motion([face_points] + [tilted] * 12 + [None], 25.0)
    assert abs(tilt_pose[12, 2] - tilt) < 0.005 and np.abs(tilt_expression[12]).max() < 0.01  # a pure tilt is pose only
    assert np.allclose(tilt_pose[13], tilt_pose[12], atol=2e-3) and np.allclose(tilt_expression[13], tilt_expression[12], atol=2e-3)  # a lost face is held
    assert frame.scale > 0
