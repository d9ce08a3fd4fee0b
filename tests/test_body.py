"""Body pose detection, person masks and video tracking with the bundled MediaPipe models."""

from __future__ import annotations

from itertools import islice

import numpy as np
import pytest
from PIL import Image
from skimage import data as skdata

from toolkit.media.video_reader import iter_video_frames
from toolkit.perception.body import (
    _process_framed,
    BodyPose,
    detect_body,
    detect_body_and_mask,
    iter_video_poses,
    person_mask,
)

L_SHOULDER, R_SHOULDER, L_WRIST, R_WRIST, L_HIP, R_HIP = 11, 12, 15, 16, 23, 24


def load_rgb(path) -> np.ndarray:
    with Image.open(path) as im:
        return np.asarray(im.convert("RGB"))


def check_upright_person(body: BodyPose, shape: tuple[int, ...], wrists: bool = True) -> None:
    """Shoulders seen and above the hips, the person facing the camera, wrists within the image."""
    height, width = shape[:2]
    assert body.points.shape == (33, 2) and body.points.dtype == np.float32
    assert body.visible()[[L_SHOULDER, R_SHOULDER]].all()
    shoulders_y = body.points[[L_SHOULDER, R_SHOULDER], 1].mean()
    hips_y = body.points[[L_HIP, R_HIP], 1].mean()
    assert shoulders_y < hips_y
    assert body.points[L_SHOULDER, 0] > body.points[R_SHOULDER, 0]  # the person's left on the image's right
    if wrists:
        margin = 0.05 * max(height, width)
        for wrist in (L_WRIST, R_WRIST):
            x, y = body.points[wrist]
            assert -margin < x < width + margin and -margin < y < height + margin


def check_mask(mask: np.ndarray, body: BodyPose) -> None:
    """The mask covers the torso centre and leaves the image corners out."""
    assert mask.dtype == np.float32 and mask.min() >= 0.0 and mask.max() <= 1.0
    centre = body.points[[L_SHOULDER, R_SHOULDER, L_HIP, R_HIP]].mean(axis=0)
    x, y = np.round(centre).astype(int)
    assert mask[y, x] > 0.9
    for corner in (mask[:5, :5], mask[:5, -5:]):
        assert corner.max() < 0.1
    assert 0.05 < mask.mean() < 0.8


@pytest.mark.parametrize("name", ["full_body_1.png", "model_01008.jpg"])
def test_person_photos(assets, name):
    rgb = load_rgb(assets / "pose" / name)
    body, mask = detect_body_and_mask(rgb)
    assert body is not None
    check_upright_person(body, rgb.shape)
    assert mask.shape == rgb.shape[:2]
    check_mask(mask, body)


def test_person_mask_includes_the_hair(assets):
    rgb = load_rgb(assets / "pose" / "model_01008.jpg")
    body = detect_body(rgb)
    mask = person_mask(rgb)
    nose = body.points[0]
    eye_span = np.linalg.norm(body.points[2] - body.points[5])
    x, y = np.round(nose - (0, 2.2 * eye_span)).astype(int)  # the top of the head, above the eyes
    assert mask[y, x] > 0.5


def test_astronaut_shoulders_without_assets():
    rgb = skdata.astronaut()
    body = detect_body(rgb)
    assert body is not None
    check_upright_person(body, rgb.shape, wrists=False)
    shoulder_span = body.points[L_SHOULDER, 0] - body.points[R_SHOULDER, 0]
    assert shoulder_span > 0.25 * rgb.shape[1]
    assert body.points[0, 1] < body.points[[L_SHOULDER, R_SHOULDER], 1].min()  # nose above the shoulders


def test_flat_image_has_no_person():
    flat = np.full((240, 320, 3), 128, np.uint8)
    assert detect_body(flat) is None
    mask = person_mask(flat)
    assert mask.shape == (240, 320) and mask.dtype == np.float32 and not mask.any()


def test_bad_images_are_rejected():
    with pytest.raises(ValueError):
        detect_body(np.zeros((10, 10), np.uint8))
    with pytest.raises(ValueError):
        detect_body(np.zeros((10, 10, 3), np.float32))


def test_body_pose_helpers():
    points = np.arange(66, dtype=float).reshape(33, 2)
    visibility = np.linspace(0, 1, 33)
    body = BodyPose(points=points, visibility=visibility)
    assert body.points.dtype == np.float32 and body.visibility.dtype == np.float32
    assert body.visible().sum() == (visibility >= 0.5).sum()
    assert body.visible(0.0).all()
    np.testing.assert_allclose(body.scaled(2.0, 0.5).points, points * [2.0, 0.5])
    with pytest.raises(ValueError):
        BodyPose(points=np.zeros((18, 2)), visibility=np.zeros(18))


def test_video_poses_come_in_the_original_pixels(assets):
    clip = assets / "pose" / "driving_upper1.mp4"  # 624 x 832, tracked at 480 x 640
    poses = list(islice(iter_video_poses(clip, max_side=640), 30))
    assert len(poses) == 30
    found = [p for p in poses if p is not None]
    assert len(found) >= 10
    last = poses[-1]
    assert last is not None
    full_frame = next(islice(iter_video_frames(clip), 29, None))
    still = detect_body(full_frame)
    assert still is not None
    for index in (L_SHOULDER, R_SHOULDER, L_HIP, R_HIP):
        assert np.linalg.norm(last.points[index] - still.points[index]) < 0.06 * 832
    assert 0 < last.points[[L_SHOULDER, R_SHOULDER], 0].min() and last.points[[L_SHOULDER, R_SHOULDER], 0].max() < 624


class _LooksTwice:
    """A stand-in pose graph that finds a person only in an image framed by FRAME_MARGIN, at a known
    place in that framed image, with a segmentation marking one pixel of it."""

    def __init__(self, point: tuple[float, float]):
        self.point, self.shapes = point, []

    def process(self, rgb):
        from types import SimpleNamespace

        self.shapes.append(rgb.shape)
        if len(self.shapes) == 1:
            return SimpleNamespace(pose_landmarks=None, segmentation_mask=None)
        height, width = rgb.shape[:2]
        mark = SimpleNamespace(x=self.point[0] / width, y=self.point[1] / height, visibility=0.9)
        mask = np.zeros((height, width), np.float32)
        mask[int(self.point[1]), int(self.point[0])] = 1.0
        return SimpleNamespace(pose_landmarks=SimpleNamespace(landmark=[mark] * 33), segmentation_mask=mask)


def test_a_person_missed_in_a_close_crop_is_looked_for_again_in_a_grey_frame():
    rgb = np.full((80, 40, 3), 200, np.uint8)
    graph = _LooksTwice((25.0, 30.0))  # in the framed image: 5 px margin left and right, 10 above and below
    body, mask = _process_framed(graph, rgb)
    assert graph.shapes == [(80, 40, 3), (100, 50, 3)]
    assert body is not None and np.allclose(body.points, [[20.0, 20.0]] * 33)  # back in the photo's pixels
    assert mask.shape == (80, 40) and mask[20, 20] == 1.0 and mask.sum() == 1.0


def test_each_frame_reports_the_first_look_and_the_second(monkeypatch):
    import contextlib

    import toolkit.perception.body as body_module
    from toolkit.perception.body import detect_each

    graph = _LooksTwice((25.0, 30.0))  # misses only on its very first look
    monkeypatch.setattr(body_module, "_static_pose", lambda segmentation: contextlib.nullcontext(graph))
    frames = [np.full((80, 40, 3), 200, np.uint8)] * 2
    (first_a, found_a), (first_b, found_b) = list(detect_each(frames))
    assert first_a is None and found_a is not None and np.allclose(found_a.points, [[20.0, 20.0]] * 33)
    assert first_b is not None and found_b is first_b
    assert len(graph.shapes) == 3  # one graph: the first frame looked at twice, the second once
