"""One-Euro filter and the streaming pose cleaner (gap filling, flicker and left/right swap removal)."""

from __future__ import annotations

import numpy as np
import pytest

from toolkit.errors import InputError
from toolkit.motion.smoothing import (
    MIRROR,
    OneEuroFilter,
    OneEuroSettings,
    drop_short_runs,
    mirrored,
    smooth_pose_stream,
    undo_left_right_swaps,
)
from toolkit.perception.body import BodyPose

FPS = 25.0


def standing(offset: float = 0.0) -> np.ndarray:
    """A front-facing (33, 2) pose, person's left on the image's right, shifted right by offset px."""
    rng = np.random.default_rng(7)
    points = np.zeros((33, 2))
    points[:, 0] = 200 + rng.uniform(-10, 10, 33)
    points[:, 1] = np.linspace(60, 460, 33)
    left = np.array([1, 2, 3, 7, 9, 11, 13, 15, 17, 19, 21, 23, 25, 27, 29, 31])
    points[left, 0] += 60  # the person's left side
    points[MIRROR[left], 0] -= 60
    points[MIRROR[left], 1] = points[left, 1]
    return points + [offset, 0.0]


def pose_at(t: float, speed: float = 3.0, visibility: float = 0.9) -> BodyPose:
    """The standing pose moving right at `speed` px per frame, at frame t."""
    return BodyPose(points=standing(speed * t), visibility=np.full(33, visibility))


def run(poses, **kwargs) -> list[BodyPose]:
    kwargs.setdefault("smoothing", None)
    return list(smooth_pose_stream(poses, FPS, **kwargs))


# --------------------------------------------------------------------------- One-Euro


def test_one_euro_reduces_jitter_on_a_noisy_constant():
    rng = np.random.default_rng(0)
    noisy = 100.0 + rng.normal(0.0, 2.0, size=(250, 4, 2))
    filt = OneEuroFilter(FPS, min_cutoff=1.0, beta=0.05)
    out = np.array([filt(x) for x in noisy])
    assert out.shape == noisy.shape
    assert out[50:].std() < 0.6 * noisy[50:].std()
    assert np.diff(out[50:], axis=0).std() < 0.3 * np.diff(noisy[50:], axis=0).std()  # frame-to-frame jitter
    assert abs(out[50:].mean() - 100.0) < 0.5


def test_one_euro_follows_a_ramp_with_small_lag():
    ramp = np.arange(100, dtype=float) * 8.0  # 200 px/s
    adaptive = OneEuroFilter(FPS, min_cutoff=1.0, beta=0.05)
    fixed = OneEuroFilter(FPS, min_cutoff=1.0, beta=0.0)
    lag = np.array([x - adaptive(np.array([x]))[0] for x in ramp])
    fixed_lag = np.array([x - fixed(np.array([x]))[0] for x in ramp])
    assert 0.0 <= lag[-1] < 12.0  # well under two frames of motion
    assert lag[-1] < fixed_lag[-1] / 3  # speed-adaptive cutoff: much less lag than a plain low-pass


def test_one_euro_passes_the_first_sample_and_keeps_its_shape():
    filt = OneEuroFilter(30.0)
    first = np.arange(6.0).reshape(2, 3)
    np.testing.assert_array_equal(filt(first), first)
    with pytest.raises(ValueError):
        filt(np.zeros(3))
    with pytest.raises(ValueError):
        OneEuroFilter(0.0)


# --------------------------------------------------------------------------- gap filling


def test_five_frame_gap_is_interpolated_exactly_for_linear_motion():
    poses = [None if 10 <= t < 15 else pose_at(t) for t in range(30)]
    out = run(poses)
    for t in range(10, 15):
        np.testing.assert_allclose(out[t].points, pose_at(t).points, atol=1e-3)
        assert out[t].visible().all()


def test_a_low_visibility_landmark_is_interpolated_from_its_neighbours():
    poses = [pose_at(t) for t in range(20)]
    for t in range(6, 11):
        vis = poses[t].visibility.copy()
        vis[15] = 0.1
        wild = poses[t].points.copy()
        wild[15] = (0.0, 0.0)  # the detector's guess for a hidden wrist can be anywhere
        poses[t] = BodyPose(points=wild, visibility=vis)
    out = run(poses)
    for t in range(6, 11):
        np.testing.assert_allclose(out[t].points[15], pose_at(t).points[15], atol=1e-3)


def test_leading_gap_holds_the_first_pose_and_trailing_gap_holds_the_last():
    poses = [None] * 4 + [pose_at(t) for t in range(4, 20)] + [None] * 3
    out = run(poses)
    assert len(out) == len(poses)
    for t in range(4):
        np.testing.assert_allclose(out[t].points, pose_at(4).points, atol=1e-4)
    for t in range(20, 23):
        np.testing.assert_allclose(out[t].points, pose_at(19).points, atol=1e-4)


def test_long_gap_holds_then_glides_without_a_jump():
    far = BodyPose(points=standing(300.0), visibility=np.full(33, 0.9))
    poses = [pose_at(t) for t in range(5)] + [None] * 30 + [far] * 10
    out = run(poses, max_gap=6)
    xs = np.array([p.points[0, 0] for p in out])
    np.testing.assert_allclose(xs[5:28], xs[4], atol=1e-4)  # held while the next pose is out of sight
    assert np.abs(np.diff(xs)).max() < 300.0 / 6 + 1  # then a glide over max_gap frames, not a jump
    np.testing.assert_allclose(out[35].points, standing(300.0), atol=1e-4)


def test_output_count_equals_input_count_with_smoothing():
    pattern = [None, None, "p", "p", None, "p", None, None, None, "p", "p", "p", "p", None]
    poses = [pose_at(t) if kind else None for t, kind in enumerate(pattern)]
    out = list(smooth_pose_stream(iter(poses), FPS))
    assert len(out) == len(poses)
    assert all(isinstance(p, BodyPose) for p in out)


def test_smoothing_is_applied_by_default():
    rng = np.random.default_rng(3)
    poses = [BodyPose(points=standing() + rng.normal(0, 3, (33, 2)), visibility=np.ones(33)) for _ in range(80)]
    out = list(smooth_pose_stream(poses, FPS, smoothing=OneEuroSettings(min_cutoff=1.0, beta=0.0)))
    raw_jitter = np.std([p.points for p in poses[20:]], axis=0).mean()
    out_jitter = np.std([p.points for p in out[20:]], axis=0).mean()
    assert out_jitter < 0.5 * raw_jitter


def test_no_person_anywhere_raises_input_error_naming_the_video():
    with pytest.raises(InputError, match="no person found in the driving video 'dance.mp4'"):
        run([None] * 5, source_name="dance.mp4")
    with pytest.raises(InputError, match="no person found"):
        run([])


# --------------------------------------------------------------------------- flickers and swaps


def test_isolated_short_detections_are_dropped_but_edge_runs_kept():
    a, b = pose_at(0), pose_at(1)
    kept = list(drop_short_runs([a, None, b, None, None, a, a, a, None, b], min_run=3))
    assert [p is not None for p in kept] == [True, False, False, False, False, True, True, True, False, True]


def test_a_mirrored_frame_is_swapped_back():
    poses = [pose_at(t) for t in range(15)]
    poses[7] = mirrored(poses[7])
    fixed = list(undo_left_right_swaps(poses))
    assert len(fixed) == 15
    np.testing.assert_allclose(fixed[7].points, pose_at(7).points)
    np.testing.assert_allclose(fixed[6].points, pose_at(6).points)


def test_a_lasting_turn_is_not_undone():
    poses = [pose_at(t) for t in range(10)] + [mirrored(pose_at(t)) for t in range(10, 30)]
    fixed = list(undo_left_right_swaps(poses))
    np.testing.assert_allclose(fixed[25].points, mirrored(pose_at(25)).points)


def test_a_one_frame_glitch_is_replaced_by_its_neighbours():
    poses = [pose_at(t) for t in range(12)]
    glitch = poses[6].points.copy()
    glitch[[13, 15]] += (0.0, -150.0)  # the left arm flicks up for one frame
    poses[6] = BodyPose(points=glitch, visibility=poses[6].visibility)
    out = run(poses)
    np.testing.assert_allclose(out[6].points, pose_at(6).points, atol=1e-3)


def test_fast_smooth_motion_is_not_mistaken_for_a_glitch():
    poses = [pose_at(t, speed=40.0) for t in range(12)]  # 1000 px/s sideways
    out = run(poses)
    np.testing.assert_allclose(np.array([p.points for p in out]), np.array([p.points for p in poses]), atol=1e-3)
