"""The Python API mirrors the command line."""

import cv2
import numpy as np

import toolkit
from toolkit.media.video_reader import probe_video
from toolkit.plugins import load_modes


def test_modes_are_found_through_entry_points():
    modes = load_modes()
    assert "click" in modes and modes["click"].options_class is toolkit.ClickOptions


def test_animate_click_and_render_write_the_same_frames(tmp_path, checker_image):
    source = tmp_path / "in.png"
    cv2.imwrite(str(source), checker_image[..., ::-1])
    result = toolkit.animate_click(source, tmp_path / "a_%02d.png", points=[(128, 128)], prompt="pulse", frames=5)
    assert result.frames == 5 and result.size == (256, 256)
    toolkit.render("click", source, tmp_path / "b_%02d.png", toolkit.ClickOptions(points=[(128, 128)], prompt="pulse",
                                                                               frames=5))
    for index in range(5):
        a = cv2.imread(str(tmp_path / f"a_{index:02d}.png"))
        b = cv2.imread(str(tmp_path / f"b_{index:02d}.png"))
        assert np.array_equal(a, b)


def test_render_plan_renders_a_hand_made_plan(tmp_path, checker_image, disc_mask):
    rest = np.array([[90.0, 90.0], [166.0, 90.0], [90.0, 166.0], [166.0, 166.0]])
    tracks = rest[:, None, :] + np.linspace(0, 1, 6)[None, :, None] * np.array([20.0, 0.0])
    plan = toolkit.MotionPlan(tracks, np.zeros(4, int), disc_mask[None], fps=10.0)
    result = toolkit.render_plan(checker_image, plan, tmp_path / "p.mp4")
    info = probe_video(result.output)
    assert (info.n_frames, info.fps) == (6, 10.0)


def test_animate_pose_renders_a_preset(tmp_path):
    from skimage import data

    source = tmp_path / "astronaut.png"
    cv2.imwrite(str(source), data.astronaut()[..., ::-1])
    result = toolkit.animate_pose(source, tmp_path / "p.mp4", preset="nod", frames=6)
    assert result.frames == 6 and result.size == (512, 512)


def test_animate_portrait_talks_for_as_long_as_the_bundled_speech(tmp_path):
    from skimage import data

    from toolkit.examples import bundled_speech

    source = tmp_path / "astronaut.png"
    cv2.imwrite(str(source), cv2.resize(data.astronaut(), (256, 256))[..., ::-1])
    result = toolkit.animate_portrait(source, tmp_path / "t.mp4", audio=bundled_speech(), max_side=256)
    info = probe_video(result.output)
    assert result.size == (256, 256) and info.has_audio
    assert abs(info.duration - 9.45) <= 1 / 25 + 1e-6
