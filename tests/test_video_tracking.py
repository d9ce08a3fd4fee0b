"""The video-mode detectors (faces, bodies) share one contract: a context manager that fails
once closed, and a video stream that checks its file before the first frame."""

from __future__ import annotations

import numpy as np
import pytest

from toolkit.errors import InputError
from toolkit.perception.body import BodyTracker, iter_video_poses
from toolkit.perception.face import FaceTracker, iter_video_faces


@pytest.mark.parametrize("make_tracker", [FaceTracker, BodyTracker])
def test_a_tracker_is_a_context_manager_that_refuses_work_once_closed(make_tracker):
    flat = np.full((64, 64, 3), 90, np.uint8)
    with make_tracker() as tracker:
        assert tracker.track(flat) is None
    with pytest.raises(RuntimeError):
        tracker.track(flat)
    tracker.close()  # closing twice is fine


@pytest.mark.parametrize("stream", [iter_video_faces, iter_video_poses])
def test_a_missing_video_fails_before_iteration(tmp_path, stream):
    with pytest.raises(InputError, match="does not exist"):
        stream(tmp_path / "missing.mp4")
