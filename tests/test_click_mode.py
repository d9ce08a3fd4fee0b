"""Click mode's planning: regions, control points, drag paths and trajectories."""

import json

import numpy as np
import pytest

from modes.click import ClickMode, ClickOptions, load_trajectories, merge_touching, path_offsets
from toolkit.errors import InputError
from toolkit.motion.timing import Timeline


def test_touching_masks_merge_and_separate_ones_stay_apart():
    a = np.zeros((20, 40), np.float32)
    b, c = a.copy(), a.copy()
    a[5:10, 2:10] = 1
    b[10:15, 4:8] = 1  # touches a
    c[5:10, 30:38] = 1  # far from both
    merged = merge_touching([a, c, b])
    assert len(merged) == 2
    assert merged[0].sum() == a.sum() + b.sum() and np.array_equal(merged[1], c)


def test_path_offsets_follow_per_frame_paths_and_resample_others():
    path = np.array([[0, 0], [10, 0], [10, 10]], float)
    exact = path_offsets(path, Timeline(3, 25.0))
    assert np.array_equal(exact, path)
    resampled = path_offsets(path, Timeline(21, 25.0))
    assert resampled.shape == (21, 2)
    assert np.allclose(resampled[0], 0) and np.allclose(resampled[-1], [10, 10])
    looped = path_offsets(path, Timeline(20, 25.0, loop=True))
    assert np.allclose(looped[0], 0) and np.abs(looped[-1]).max() < 1.0


@pytest.mark.parametrize("content", ["{", "[]", '{"trajectories": [[[1, 2]]]}', '[[["a", 1], [2, 3]]]'])
def test_bad_trajectory_files_are_input_errors(tmp_path, content):
    path = tmp_path / "t.json"
    path.write_text(content)
    with pytest.raises(InputError, match="t.json"):
        load_trajectories(path)


def test_trajectory_file_forms(tmp_path):
    path = tmp_path / "t.json"
    path.write_text(json.dumps({"trajectories": [[[1, 2], [3, 4], [5, 6]]]}))
    (only,) = load_trajectories(path)
    assert only.shape == (3, 2)
    path.write_text(json.dumps([[[1, 2], [3, 4]], [[0, 0], [1, 1]]]))
    assert len(load_trajectories(path)) == 2


def test_plan_with_mask_and_drag(tmp_path, checker_image, disc_mask):
    import cv2

    mask_path = tmp_path / "m.png"
    cv2.imwrite(str(mask_path), (disc_mask * 255).astype(np.uint8))
    options = ClickOptions(masks=[mask_path], prompt="spin", drags=[((30.0, 30.0), (60.0, 40.0))], frames=10)
    plan = ClickMode().plan(checker_image, options)
    assert plan.n_frames == 10 and plan.size == (256, 256) and len(plan.regions) == 2
    spin_points = plan.region_points(0)
    assert np.allclose(plan.tracks[spin_points, 0], plan.tracks[spin_points, 0])
    drag_points = plan.region_points(1)
    moved = plan.tracks[drag_points, -1] - plan.tracks[drag_points, 0]
    assert np.allclose(moved, [30, 10])


def test_strength_zero_keeps_everything_still(checker_image):
    plan = ClickMode().plan(checker_image, ClickOptions(points=[(128.0, 128.0)], prompt="sway", strength=0.0, frames=8))
    assert np.abs(plan.tracks - plan.tracks[:, :1]).max() == 0


def test_points_given_in_source_pixels_are_scaled_to_the_loaded_image(checker_image):
    plan = ClickMode().plan(checker_image, ClickOptions(drags=[((256.0, 256.0), (300.0, 256.0))], frames=4),
                            scale=0.5)
    offsets = plan.tracks[:, -1] - plan.tracks[:, 0]
    assert np.allclose(offsets, [22, 0])
