"""Click mode on real photos the project did not make (skipped where ../shared/assets is absent)."""

from __future__ import annotations

import json

import numpy as np
import pytest

from modes.click import ClickOptions
from toolkit.media.video_reader import iter_video_frames
from toolkit.metrics import click_locality, drag_endpoint_error
from toolkit.pipeline import render

pytestmark = pytest.mark.assets


@pytest.mark.parametrize("photo, point, prompt", [
    ("sg-i2v-107", (715, 210), "sway"),
    ("sg-i2v-13", (240, 322), "sway"),
    ("sg-i2v-107", (347, 192), "rise"),
    ("sg-i2v-122", (458, 535), "flutter"),
])
def test_a_clicked_object_moves_and_the_rest_stays_still(assets, tmp_path, photo, point, prompt):
    clip = tmp_path / "clip.mp4"
    render("click", assets / "click" / photo / "img.png", clip, ClickOptions(points=[point], prompt=prompt, frames=32))
    frames = list(iter_video_frames(clip))
    assert len(frames) == 32
    report = click_locality(frames, point)
    assert report.near_flow >= 0.3
    assert report.ratio >= 5
    assert report.far_change <= 2.0


@pytest.mark.parametrize("photo, index", [("sg-i2v-107", 0), ("sg-i2v-122", 0), ("sg-i2v-13", 1)])
def test_a_dragged_object_ends_at_the_end_of_its_path(assets, tmp_path, photo, index):
    track = np.load(assets / "click" / photo / "traj.npy")[index]
    box = tuple(int(round(v)) for v in np.concatenate([track[0], track[1]]))
    path = track[2:]
    trajectory = tmp_path / "path.json"
    trajectory.write_text(json.dumps({"trajectories": [path.tolist()]}))
    clip = tmp_path / "drag.mp4"
    render("click", assets / "click" / photo / "img.png", clip, ClickOptions(trajectory=trajectory, frames=len(path)))
    frames = list(iter_video_frames(clip))
    assert drag_endpoint_error(frames[0], frames[-1], box, tuple(path[-1])) <= 0.25


def test_a_straight_drag_moves_the_object_under_its_start(assets, tmp_path):
    clip = tmp_path / "drag.mp4"
    start, end = (240, 322), (330, 300)
    render("click", assets / "click" / "sg-i2v-13" / "img.png", clip,
           ClickOptions(drags=[(start, end)], frames=20))
    frames = list(iter_video_frames(clip))
    box = (220, 292, 262, 352)  # the man's upper body, centred on the start point
    assert drag_endpoint_error(frames[0], frames[-1], box, end) <= 0.25
