import inspect

import cv2
import numpy as np
import pytest

from toolkit.motion.plan import MotionPlan
from toolkit.warp.layers import feather_width, hard_region, layer_alpha
from toolkit.warp.renderer import WarpBackbone


def grid_points(box, n=8):
    x0, y0, x1, y1 = box
    g = np.stack(np.meshgrid(np.linspace(x0, x1, n), np.linspace(y0, y1, n)), -1)
    return g.reshape(-1, 2)


def translation_plan(mask, offset, frames=10):
    rest = grid_points((70, 70, 186, 186))
    steps = np.linspace(0, 1, frames)[None, :, None] * np.asarray(offset, float)
    return MotionPlan(rest[:, None, :] + steps, np.zeros(len(rest), int), mask[None], 25.0)


def test_first_frame_is_the_source_and_far_pixels_never_change(checker_image, disc_mask):
    plan = translation_plan(disc_mask, (30, -20))
    frames = list(WarpBackbone().render(checker_image, plan))
    assert len(frames) == plan.n_frames
    assert np.array_equal(frames[0], checker_image)
    still = layer_alpha(hard_region(disc_mask), feather_width(256, 256)) == 0
    far = still.copy()
    for step in np.linspace(0, 1, 21):  # nor anywhere along the disc's path
        far &= np.roll(still, (int(round(-20 * step)), int(round(30 * step))), axis=(0, 1))
    far = cv2.erode(far.astype(np.uint8), np.ones((5, 5), np.uint8)).astype(bool)  # sub-pixel positions
    for frame in frames:
        assert frame.dtype == np.uint8 and frame.shape == checker_image.shape
        assert np.array_equal(frame[far], checker_image[far])


def test_a_translated_region_carries_its_content(checker_image, disc_mask):
    frames = list(WarpBackbone().render(checker_image, translation_plan(disc_mask, (30, -20))))
    last = frames[-1].astype(int)
    # the blue dot at (128, 118) is now at (158, 98); the disc's centre left behind shows no yellow
    assert np.abs(last[98, 158] - [20, 20, 200]).max() < 10
    assert np.abs(last[128 + 35, 128 - 35] - [250, 220, 30]).max() > 60


def test_uncovered_background_is_filled_not_black_or_yellow(checker_image, disc_mask):
    frames = list(WarpBackbone().render(checker_image, translation_plan(disc_mask, (100, 0))))
    uncovered = frames[-1][110:146, 100:130].astype(int)
    assert uncovered.max(axis=2).min() > 10  # nothing black
    yellow = (uncovered[..., 0] > 200) & (uncovered[..., 1] > 180) & (uncovered[..., 2] < 80)
    assert yellow.mean() < 0.05


def test_render_is_a_stream_and_deterministic(checker_image, disc_mask):
    plan = translation_plan(disc_mask, (10, 10), frames=6)
    stream = WarpBackbone().render(checker_image, plan, seed=5)
    assert inspect.isgenerator(stream)
    first = np.stack(list(stream))
    second = np.stack(list(WarpBackbone().render(checker_image, plan, seed=5)))
    assert np.array_equal(first, second)


def test_progress_reports_every_frame(checker_image, disc_mask):
    seen = []
    list(WarpBackbone().render(checker_image, translation_plan(disc_mask, (5, 5), 4), progress=lambda d, t: seen.append((d, t))))
    assert seen == [(1, 4), (2, 4), (3, 4), (4, 4)]


def test_a_plan_for_another_size_is_refused(checker_image, disc_mask):
    plan = translation_plan(disc_mask[:128], (5, 5))
    with pytest.raises(ValueError, match="plan"):
        list(WarpBackbone().render(checker_image, plan))


def test_layer_alpha_is_one_on_the_core_and_ramps_outside():
    core = np.zeros((40, 40), bool)
    core[10:30, 10:30] = True
    alpha = layer_alpha(core, feather=5)
    assert np.all(alpha[core] == 1)
    assert 0 < alpha[20, 32] < 1 and alpha[20, 36] == 0


def test_a_plans_background_hole_is_painted_out_once_anything_moves(disc_mask):
    wall = np.full((256, 256, 3), 180, np.uint8)
    wall[20:24, 20:24] = 20  # a fleck far from the moving disc, left out of every region
    disc = disc_mask > 0.5
    wall[disc] = (200, 40, 40)
    stray = np.zeros((256, 256), bool)
    stray[18:26, 18:26] = True
    base = translation_plan(disc_mask, (30, -20))
    plan = MotionPlan(base.tracks, base.point_region, base.regions, 25.0, background_hole=stray)
    kept, painted = (list(WarpBackbone().render(wall, p)) for p in (base, plan))
    assert np.array_equal(painted[0], wall)  # at rest: the photo, fleck and all
    assert kept[-1][21, 21, 0] == 20  # without the hole the fleck stays
    assert abs(int(painted[-1][21, 21, 0]) - 180) <= 3  # with it, the wall goes on
    with pytest.raises(ValueError, match="background_hole"):
        MotionPlan(base.tracks, base.point_region, base.regions, 25.0, background_hole=stray[:10])


def test_frames_rendered_on_threads_are_the_frames_rendered_one_by_one(checker_image, disc_mask):
    from scipy.spatial import Delaunay

    from toolkit.warp.renderer import WarpOptions, prepare_scene, render_frame

    rest = grid_points((70, 70, 186, 186))
    angles = np.linspace(0.0, 1.2, 12)  # the right half bends about the middle column: a mesh that folds
    tracks = np.repeat(rest[:, None, :], 12, axis=1)
    right = rest[:, 0] > 128
    for frame, angle in enumerate(angles):
        turn = np.array([[np.cos(angle), -np.sin(angle)], [np.sin(angle), np.cos(angle)]])
        tracks[right, frame] = (rest[right] - (128, 128)) @ turn.T + (128, 128)
    plan = MotionPlan(tracks, np.zeros(len(rest), int), disc_mask[None], 25.0,
                      meshes={0: Delaunay(rest).simplices}, folds_behind=True)
    options = WarpOptions(threads=1)
    scene = prepare_scene(checker_image, plan, options)
    one_by_one = [render_frame(scene, plan, index, options) for index in range(plan.n_frames)]
    threaded = list(WarpBackbone(WarpOptions(threads=2)).render(checker_image, plan))
    assert len(threaded) == 12 and all(np.array_equal(a, b) for a, b in zip(one_by_one, threaded))
    assert not np.array_equal(threaded[-1], threaded[0])  # it did move


def test_results_come_in_order_with_a_bounded_number_in_flight():
    from concurrent.futures import Future

    from toolkit.warp.renderer import in_order_ahead

    taken = []

    def futures():
        for index in range(10):
            future = Future()
            future.set_result(index)
            taken.append(index)
            yield future

    seen, ahead = [], []
    for value in in_order_ahead(futures(), 2):
        ahead.append(len(taken) - len(seen) - 1)  # taken beyond the one handed out
        seen.append(value)
    assert seen == list(range(10))
    assert max(ahead) == 2 and ahead[0] == 2  # two ahead from the start, never more


def test_a_frame_starts_from_the_still_bottom_layers_and_matches_compositing_every_layer(checker_image, disc_mask):
    from toolkit.warp.renderer import WarpOptions, composite_layer, prepare_scene, render_frame

    rest = grid_points((70, 70, 186, 186))
    below = translation_plan(disc_mask, (0, 0), frames=6)  # a still bottom layer
    above_mask = np.zeros_like(disc_mask)
    above_mask[100:160, 100:160] = 1.0
    steps = np.linspace(0, 1, 6)[None, :, None] * np.array([20.0, 10.0])
    tracks = np.concatenate([below.tracks, rest[:, None, :] + steps])
    owners = np.concatenate([np.zeros(len(rest), int), np.ones(len(rest), int)])
    plan = MotionPlan(tracks, owners, np.stack([disc_mask, above_mask]), 25.0)
    options = WarpOptions(threads=1)
    scene = prepare_scene(checker_image, plan, options)
    assert len(scene.bases) == len(scene.layers) + 1
    for index in range(1, plan.n_frames):
        every_layer = scene.background.copy()
        for layer in scene.layers:
            composite_layer(every_layer, scene, layer, plan.tracks[layer.point_ids, 0],
                            plan.tracks[layer.point_ids, index], options.inverse_iterations)
        assert np.array_equal(render_frame(scene, plan, index, options), every_layer)
