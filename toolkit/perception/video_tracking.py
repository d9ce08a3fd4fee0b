"""Following one detection (a face, a body) through a video as a stream, in the video's own pixels."""

from __future__ import annotations

import contextlib
import logging
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any, Protocol, TypeVar, Union

import numpy as np

from toolkit.media.video_reader import iter_fitted_frames

logger = logging.getLogger(__name__)

PathLike = Union[str, Path]


class Scalable(Protocol):
    def scaled(self, sx: float, sy: float) -> Any: ...


D = TypeVar("D", bound=Scalable)


class Tracker(Protocol[D]):
    """A video-mode detector: a context manager whose track(frame) returns the next detection or None."""

    def track(self, frame: np.ndarray) -> D | None: ...

    def __enter__(self) -> Any: ...

    def __exit__(self, *exc_info: object) -> None: ...


def iter_tracked(path: PathLike, max_side: int | None, make_tracker: Callable[[], Tracker[D]],
                 what: str) -> Iterator[D | None]:
    """One detection (or None) per frame of a video, scaled back to the video's own pixels.

    Frames are decoded fitted into max_side for speed (None: full size).  The file is checked
    here, before the first frame is asked for; the decoder and the tracker are closed when the
    stream ends or is dropped early.
    """
    frames, sx, sy = iter_fitted_frames(path, max_side)
    logger.debug("tracking %s in %s at scale 1/%.3f", what, path, sx)
    return _tracked(frames, sx, sy, make_tracker)


def _tracked(frames: Iterator[np.ndarray], sx: float, sy: float, make_tracker: Callable[[], Tracker[D]]
             ) -> Iterator[D | None]:
    with contextlib.closing(frames), make_tracker() as tracker:  # type: ignore[arg-type]
        for frame in frames:
            found = tracker.track(frame)
            yield found if found is None or (sx, sy) == (1.0, 1.0) else found.scaled(sx, sy)
