import numpy as np
import pytest

from toolkit.motion import skeleton as sk


def standing_pose() -> np.ndarray:
    """A front-facing person about 400 px tall, arms hanging, in a 400x500 image."""
    p = np.zeros((33, 2))
    p[0] = (200, 80)
    p[1:11] = (200, 75) + np.random.default_rng(0).uniform(-12, 12, (10, 2))
    p[sk.LEFT_SHOULDER], p[sk.RIGHT_SHOULDER] = (240, 140), (160, 140)
    p[sk.LEFT_ELBOW], p[sk.RIGHT_ELBOW] = (250, 210), (150, 210)
    p[sk.LEFT_WRIST], p[sk.RIGHT_WRIST] = (255, 275), (145, 275)
    p[[17, 19, 21]] = (257, 290)
    p[[18, 20, 22]] = (143, 290)
    p[sk.LEFT_HIP], p[sk.RIGHT_HIP] = (225, 280), (175, 280)
    p[sk.LEFT_KNEE], p[sk.RIGHT_KNEE] = (228, 370), (172, 370)
    p[sk.LEFT_ANKLE], p[sk.RIGHT_ANKLE] = (230, 455), (170, 455)
    p[[29, 31]] = (232, 470)
    p[[30, 32]] = (168, 470)
    return p


def raise_left_arm(pose: np.ndarray, angle: float) -> np.ndarray:
    """Rotate the left arm (and hand) about the shoulder by angle radians."""
    out = pose.copy()
    pivot = pose[sk.LEFT_SHOULDER]
    c, s = np.cos(angle), np.sin(angle)
    for i in (sk.LEFT_ELBOW, sk.LEFT_WRIST, 17, 19, 21):
        d = pose[i] - pivot
        out[i] = pivot + (c * d[0] - s * d[1], s * d[0] + c * d[1])
    return out


def test_retarget_keeps_the_first_frame_and_identity_motion():
    source = standing_pose()
    out = sk.retarget(source, np.stack([source, source, source]))
    assert np.allclose(out, source[None], atol=1e-3)


def test_relative_retarget_turns_bones_by_the_drivers_turn_and_keeps_source_lengths():
    source = standing_pose()
    driver_rest = standing_pose() * 0.5 + 30  # a smaller driver elsewhere in its frame
    driver = np.stack([driver_rest, raise_left_arm(driver_rest, -2.5)])
    out = sk.retarget(source, driver)
    turned = sk.bone_angle(out[1], sk.LEFT_SHOULDER, sk.LEFT_ELBOW) - sk.bone_angle(source, sk.LEFT_SHOULDER, sk.LEFT_ELBOW)
    assert float(sk.wrap_angle(turned)) == pytest.approx(-2.5, abs=1e-3)
    length = np.linalg.norm(out[1][sk.LEFT_ELBOW] - out[1][sk.LEFT_SHOULDER])
    assert length == pytest.approx(np.linalg.norm(source[sk.LEFT_ELBOW] - source[sk.LEFT_SHOULDER]), rel=1e-3)
    assert np.allclose(out[1][sk.RIGHT_WRIST], source[sk.RIGHT_WRIST], atol=1e-3)  # the other arm stays


def test_relative_retarget_moves_the_body_by_the_drivers_scaled_shift():
    source = standing_pose()
    driver = np.stack([source * 0.5, source * 0.5 + (10, 0)])
    out = sk.retarget(source, driver)
    assert np.allclose(out[1] - source, (20, 0), atol=1e-3)


def test_absolute_retarget_eases_into_the_drivers_directions():
    source = standing_pose()
    target = raise_left_arm(source, -2.0)
    out = sk.retarget(source, np.stack([target] * 10), mode="absolute", blend_frames=4)
    assert np.allclose(out[0], source, atol=1e-3)
    assert np.allclose(out[-1][sk.LEFT_WRIST], target[sk.LEFT_WRIST], atol=1e-3)


def test_bone_transform_moves_a_bone_onto_its_posed_place():
    source = standing_pose()
    posed = raise_left_arm(source, -1.0)
    bone = sk.BONES[0]
    moved = sk.apply(sk.bone_transform(source, posed, bone), source[[bone.start, bone.end]])
    assert np.allclose(moved, posed[[bone.start, bone.end]], atol=1e-6)
