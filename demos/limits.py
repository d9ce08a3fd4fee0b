"""The demo's limits on what one visitor may ask for: clip length, media length, render time.

Each check raises `InputError` with a sentence the page shows as it is, like the CLI's.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from pathlib import Path

from toolkit.errors import InputError

Progress = Callable[[int, int], None]


class JobTooLong(InputError):
    """A render ran past the demo's time limit and was stopped."""


def check_frames(frames: int | None, max_frames: int) -> None:
    """Refuse an explicit frame count above the demo's limit."""
    if frames is not None and frames > max_frames:
        raise InputError(f"the demo renders at most {max_frames} frames, got {frames}; "
                         "use the command line for longer clips")


def check_clip_length(total: int, max_frames: int, earlier: int = 0) -> None:
    """Refuse a planned clip (its length known only once its inputs are read) that takes the job
    above the limit, counting the frames of the job's `earlier` clips (one per garment)."""
    if earlier + total <= max_frames:
        return
    if earlier == 0:
        raise InputError(f"this clip would be {total} frames long; the demo renders at most {max_frames}: "
                         f"set frames to {max_frames} or fewer (the clip is cut there), or use a shorter input")
    raise InputError(f"this job's clips would be {earlier + total} frames long in all; the demo renders at most "
                     f"{max_frames} per job: set fewer frames or dress fewer garments at once")


def media_seconds(path: str | Path, kind: str) -> float:
    """Duration in seconds of an audio file (kind 'audio') or a video (kind 'video')."""
    if kind == "audio":
        from toolkit.audio.decode import probe_audio

        return float(probe_audio(path).duration)
    from toolkit.media.video_reader import probe_video

    return float(probe_video(path).duration)


def check_media_length(path: str | Path | None, kind: str, what: str, max_seconds: float) -> None:
    """Refuse audio or video longer than the demo takes; `what` names it for the message ('the audio')."""
    if path is None:
        return
    seconds = media_seconds(path, kind)
    if seconds > max_seconds:
        raise InputError(f"{what} is {seconds:.1f} s long; the demo takes at most {max_seconds:g} s "
                         "(use the command line for longer clips)")


class Deadline:
    """A render progress callback that reports to the page and stops the job past its time limit.

    The pipeline calls it after every frame with (done, total); raising here aborts the
    render and the writer removes its half-written file.
    """

    def __init__(self, report: Progress | None, limit_s: float, max_frames: int,
                 clock: Callable[[], float] = time.monotonic) -> None:
        self.report = report
        self.limit_s = limit_s
        self.max_frames = max_frames
        self.clock = clock
        self.started = clock()
        self.finished = 0  # frames of the job's clips already rendered (a catalogue renders one per garment)

    def elapsed(self) -> float:
        """Seconds since the job started."""
        return self.clock() - self.started

    def check(self) -> None:
        """Raise JobTooLong when the job has run past its limit."""
        if self.elapsed() > self.limit_s:
            raise JobTooLong(f"the render took longer than the demo's limit of {self.limit_s:g} s and was "
                             "stopped: try fewer frames or a smaller image")

    def __call__(self, done: int, total: int) -> None:
        if done <= 1:
            check_clip_length(total, self.max_frames, self.finished)
        self.check()
        if self.report is not None:
            self.report(done, total)
        if done >= total:
            self.finished += total
