"""Clean a stream of detected body poses: drop flickers, fill gaps, then One-Euro smoothing.

Pure numpy, streaming: memory is bounded by the look-ahead (max_gap frames), never by the
length of the video.
"""

from __future__ import annotations

import logging
import math
from collections import deque
from dataclasses import dataclass
from typing import Iterable, Iterator

import numpy as np

from toolkit.errors import InputError
from toolkit.perception.body import N_LANDMARKS, BodyPose

logger = logging.getLogger(__name__)

_END = object()  # marks the end of an input stream


class OneEuroFilter:
    """The 1-euro filter (Casiez, Roussel and Vogel, CHI 2012), element-wise over arrays of any fixed shape.

    A low-pass filter whose cutoff rises with the signal's speed: slow motion is smoothed hard
    (little jitter), fast motion passes with little lag. Cutoffs are in hertz, beta in 1/units.
    """

    def __init__(self, fps: float, min_cutoff: float = 1.0, beta: float = 0.05, d_cutoff: float = 1.0) -> None:
        for name, value in (("fps", fps), ("min_cutoff", min_cutoff), ("d_cutoff", d_cutoff)):
            if not math.isfinite(value) or value <= 0:
                raise ValueError(f"OneEuroFilter {name} must be positive, got {value!r}")
        if not math.isfinite(beta) or beta < 0:
            raise ValueError(f"OneEuroFilter beta must be zero or positive, got {beta!r}")
        self.fps = float(fps)
        self.min_cutoff = float(min_cutoff)
        self.beta = float(beta)
        self.d_cutoff = float(d_cutoff)
        self._x: np.ndarray | None = None
        self._dx: np.ndarray | None = None

    def __call__(self, x: np.ndarray) -> np.ndarray:
        """Filter the next sample (same shape every call); returns the smoothed sample as float64."""
        x = np.asarray(x, dtype=np.float64)
        if self._x is None:
            self._x, self._dx = x.copy(), np.zeros_like(x)
            return x.copy()
        if x.shape != self._x.shape:
            raise ValueError(f"OneEuroFilter got shape {x.shape} after {self._x.shape}")
        speed = (x - self._x) * self.fps
        self._dx = _blend(speed, self._dx, smoothing_factor(self.d_cutoff, self.fps))
        cutoff = self.min_cutoff + self.beta * np.abs(self._dx)
        self._x = _blend(x, self._x, smoothing_factor(cutoff, self.fps))
        return self._x.copy()

    def reset(self) -> None:
        """Forget the past: the next sample passes unchanged."""
        self._x = self._dx = None


def smoothing_factor(cutoff: float | np.ndarray, fps: float) -> float | np.ndarray:
    """Weight of the new sample in an exponential low-pass with this cutoff (Hz) at this rate."""
    tau = 1.0 / (2.0 * math.pi * np.asarray(cutoff, dtype=np.float64))
    return 1.0 / (1.0 + tau * fps)


def _blend(new: np.ndarray, old: np.ndarray, alpha: float | np.ndarray) -> np.ndarray:
    """alpha * new + (1 - alpha) * old."""
    return old + alpha * (new - old)


@dataclass(frozen=True)
class OneEuroSettings:
    """One-Euro parameters for pose points, in pixels and hertz."""

    min_cutoff: float = 1.0
    beta: float = 0.05
    d_cutoff: float = 1.0


def smooth_pose_stream(
    poses: Iterable[BodyPose | None],
    fps: float,
    *,
    max_gap: int = 12,
    min_visibility: float = 0.5,
    min_run: int = 3,
    smoothing: OneEuroSettings | None = OneEuroSettings(),
    fix_swaps: bool = True,
    source_name: str | None = None,
) -> Iterator[BodyPose]:
    """Yield exactly one clean pose per input pose, streaming with a look-ahead of max_gap frames.

    A landmark is good where the frame has a person and its visibility is at least
    min_visibility. Elsewhere it is filled per landmark:
    - a gap of up to max_gap frames between two good values: linear interpolation;
    - before the first good value: the first good value if it is within max_gap frames, else
      the detector's own low-visibility guess until it is;
    - after the last good value, or inside a longer gap: the last good value is held, and over
      the last frames before the next good value (once it comes within max_gap) it glides there
      linearly instead of jumping (the nearest value across an unbounded gap cannot be known
      with bounded look-ahead).
    A landmark that is never good keeps the detector's guess and its low visibility; filled
    landmarks carry the visibility of the good values they came from. Detections in runs shorter
    than min_run frames with no-person frames on both sides are dropped as spurious (a tracker
    re-acquiring the wrong thing), and a frame whose left and right sides are clearly swapped
    relative to most of its neighbours (a known MediaPipe failure) gets them swapped back
    (fix_swaps). A landmark that jumps away for a single frame and back (further than a quarter
    of the torso, and further than its neighbours move) counts as not seen in that frame; a frame
    where most landmarks do so counts as having no person. Finally the points are One-Euro
    filtered (smoothing=None: not at all). Raises InputError if no frame has a person.
    """
    if isinstance(max_gap, bool) or not isinstance(max_gap, int) or max_gap < 0:
        raise ValueError(f"max_gap must be a whole number >= 0, got {max_gap!r}")
    if isinstance(min_run, bool) or not isinstance(min_run, int) or min_run < 1:
        raise ValueError(f"min_run must be a whole number >= 1, got {min_run!r}")
    if not fps or not math.isfinite(fps) or fps <= 0:
        raise ValueError(f"fps must be positive, got {fps!r}")
    kept = drop_short_runs(poses, min_run)
    if fix_swaps:
        kept = undo_left_right_swaps(kept, min_visibility=min_visibility)
    kept = suppress_spikes(kept, min_visibility=min_visibility)
    filled = fill_gaps(kept, max_gap=max_gap, min_visibility=min_visibility, source_name=source_name)
    if smoothing is None:
        yield from (BodyPose(points=v[:, :2], visibility=v[:, 2]) for v in filled)
        return
    one_euro = OneEuroFilter(fps, smoothing.min_cutoff, smoothing.beta, smoothing.d_cutoff)
    for values in filled:
        yield BodyPose(points=one_euro(values[:, :2]), visibility=values[:, 2])


def drop_short_runs(poses: Iterable[BodyPose | None], min_run: int) -> Iterator[BodyPose | None]:
    """Replace runs of fewer than min_run detections bounded by None on both sides with None (buffers < min_run)."""
    run: list[BodyPose] = []
    after_none = False  # the current run follows a None (it does not touch the stream's start)
    passing = False  # the current run is long enough and streams straight through
    for pose in poses:
        if pose is None:
            if run:
                dropped = after_none and len(run) < min_run
                if dropped:
                    logger.debug("dropping a detection run of %d frame(s) as spurious", len(run))
                yield from ([None] * len(run) if dropped else run)
                run = []
            passing = False
            after_none = True
            yield None
            continue
        if passing:
            yield pose
            continue
        run.append(pose)
        if len(run) >= min_run:
            yield from run
            run = []
            passing = True
    yield from run  # a run touching the end of the stream is kept


# Each landmark's mirror partner in MediaPipe's 33-point order (the nose is its own).
MIRROR = np.array(
    [0, 4, 5, 6, 1, 2, 3, 8, 7, 10, 9, 12, 11, 14, 13, 16, 15, 18, 17, 20, 19, 22, 21, 24, 23, 26, 25, 28, 27, 30, 29]
    + [32, 31]
)
SWAP_RATIO = 0.5  # swap only if the mirrored labels fit the previous pose at least this much better


def mirrored(pose: BodyPose) -> BodyPose:
    """The pose with every left landmark relabelled right and vice versa."""
    return BodyPose(points=pose.points[MIRROR], visibility=pose.visibility[MIRROR])


def undo_left_right_swaps(
    poses: Iterable[BodyPose | None], *, min_visibility: float = 0.5, window: int = 6
) -> Iterator[BodyPose | None]:
    """Relabel a pose whose left and right sides disagree with most of its neighbours (window frames each way).

    Every neighbour with a person votes: 'same' if this pose's labels fit it much better than the
    mirrored labels, 'swapped' if the mirrored ones do, nothing if the comparison is ambiguous
    (e.g. a side view). Neighbours vote with their raw labels, so a wrong decision never spreads.
    """
    buffer: deque[BodyPose | None] = deque()
    stream = iter(poses)
    centre = 0  # index in buffer of the next pose to yield
    exhausted = False
    while True:
        while not exhausted and len(buffer) - centre <= window:
            pose = next(stream, _END)
            if pose is _END:
                exhausted = True
            else:
                buffer.append(pose)
        if centre >= len(buffer):
            return
        pose = buffer[centre]
        if pose is not None:
            neighbours = [other for i, other in enumerate(buffer) if i != centre and other is not None]
            if _swap_votes(pose, neighbours, min_visibility):
                logger.debug("left and right landmarks swapped back")
                pose = mirrored(pose)
        yield pose
        centre += 1
        if centre > window:
            buffer.popleft()
            centre -= 1


def _swap_votes(pose: BodyPose, neighbours: list[BodyPose], min_visibility: float) -> bool:
    """True if more neighbours (and at least two) fit pose's mirrored labels than its own."""
    votes = [_mirror_vote(pose, other, min_visibility) for other in neighbours]
    swapped, same = votes.count(1), votes.count(-1)
    return swapped >= 2 and swapped > same


def _mirror_vote(pose: BodyPose, other: BodyPose, min_visibility: float) -> int:
    """1 if pose's mirrored labels fit other much better, -1 if its own do, 0 if neither clearly does."""
    paired = MIRROR != np.arange(N_LANDMARKS)
    seen = pose.visible(min_visibility)
    both = paired & seen & seen[MIRROR] & other.visible(min_visibility)
    if both.sum() < 4:
        return 0
    same = np.linalg.norm(pose.points[both] - other.points[both], axis=1).sum()
    swapped = np.linalg.norm(pose.points[MIRROR][both] - other.points[both], axis=1).sum()
    if swapped < SWAP_RATIO * same:
        return 1
    if same < SWAP_RATIO * swapped:
        return -1
    return 0


SPIKE_FRACTION = 0.25  # a one-frame jump further than this fraction of the torso is a glitch


def suppress_spikes(poses: Iterable[BodyPose | None], *, min_visibility: float = 0.5) -> Iterator[BodyPose | None]:
    """Hide single-frame glitches: landmarks that jump away and straight back get visibility 0."""
    previous: BodyPose | None = None
    current: BodyPose | None | object = _END
    for upcoming in poses:
        if current is not _END:
            yield _despiked(previous, current, upcoming, min_visibility)  # type: ignore[arg-type]
            previous = current  # type: ignore[assignment]
        current = upcoming
    if current is not _END:
        yield current  # type: ignore[misc]


def _despiked(
    before: BodyPose | None, pose: BodyPose | None, after: BodyPose | None, min_visibility: float
) -> BodyPose | None:
    """pose with its one-frame spikes relative to before and after hidden (None if most landmarks spike)."""
    if pose is None or before is None or after is None:
        return pose
    scale = torso_size(before, min_visibility)
    if scale is None:
        return pose
    checked = pose.visible(min_visibility) & before.visible(min_visibility) & after.visible(min_visibility)
    middle = (before.points + after.points) / 2
    jump = np.linalg.norm(pose.points - middle, axis=1)
    spread = np.linalg.norm(after.points - before.points, axis=1)
    spikes = checked & (jump > SPIKE_FRACTION * scale) & (jump > spread)
    if not spikes.any():
        return pose
    if spikes.sum() * 2 > checked.sum():
        logger.debug("dropping a frame whose landmarks jump away for one frame")
        return None
    return BodyPose(points=pose.points, visibility=np.where(spikes, 0.0, pose.visibility))


def torso_size(pose: BodyPose, min_visibility: float = 0.5) -> float | None:
    """Distance from the shoulders' midpoint to the hips' midpoint (or the shoulder width), None if unseen."""
    seen = pose.visible(min_visibility)
    if seen[[11, 12, 23, 24]].all():
        size = np.linalg.norm(pose.points[[11, 12]].mean(axis=0) - pose.points[[23, 24]].mean(axis=0))
    elif seen[[11, 12]].all():
        size = 1.5 * np.linalg.norm(pose.points[11] - pose.points[12])
    else:
        return None
    return float(size) if size > 1.0 else None


@dataclass
class _LandmarkState:
    """Per-landmark memory of the gap filler: the last good value and the last output."""

    last_good: np.ndarray  # (33, 3) x, y, visibility (NaN where none yet)
    last_good_at: np.ndarray  # (33,) frame index of last_good (-1 where none yet)
    previous: np.ndarray | None = None  # (33, 3) last output


def fill_gaps(
    poses: Iterable[BodyPose | None],
    *,
    max_gap: int,
    min_visibility: float,
    source_name: str | None = None,
) -> Iterator[np.ndarray]:
    """Yield one (33, 3) [x, y, visibility] float64 array per input, bad landmarks filled (see smooth_pose_stream)."""
    stream = iter(poses)
    leading = 0
    first: BodyPose | None = None
    for pose in stream:
        if pose is not None:
            first = pose
            break
        leading += 1
    if first is None:
        where = f" '{source_name}'" if source_name else ""
        raise InputError(f"no person found in the driving video{where}")
    if leading:
        logger.info("no person in the first %d frame(s); holding the first detected pose there", leading)

    window: deque[tuple[np.ndarray, np.ndarray, bool]] = deque()  # (values (33,3), good (33,), has person)
    window.append(_frame_values(first, min_visibility))
    state = _LandmarkState(last_good=np.full((N_LANDMARKS, 3), np.nan), last_good_at=np.full(N_LANDMARKS, -1))
    index = 0
    exhausted = False
    while window:
        while not exhausted and len(window) < max_gap + 1:
            pose = next(stream, _END)
            if pose is _END:
                exhausted = True
            else:
                window.append(_frame_values(pose, min_visibility))
        out = _fill_frame(window, state, index, max_gap)
        values, good, _ = window.popleft()
        state.last_good[good] = values[good]
        state.last_good_at[good] = index
        state.previous = out
        for _ in range(leading + 1 if index == 0 else 1):
            yield out.copy()
        index += 1


def _frame_values(pose: BodyPose | None, min_visibility: float) -> tuple[np.ndarray, np.ndarray, bool]:
    """A frame's (33, 3) values, which landmarks are good, and whether it has a person."""
    if pose is None:
        return np.full((N_LANDMARKS, 3), np.nan), np.zeros(N_LANDMARKS, bool), False
    values = np.concatenate([pose.points, pose.visibility[:, None]], axis=1).astype(np.float64)
    good = (pose.visibility >= min_visibility) & np.isfinite(values).all(axis=1)
    return values, good, True


def _fill_frame(window: deque, state: _LandmarkState, index: int, max_gap: int) -> np.ndarray:
    """The filled (33, 3) values of the frame at the front of the window."""
    values, good, has_person = window[0]
    ahead = list(window)[1:]
    if ahead:
        ahead_good = np.stack([frame[1] for frame in ahead])
        has_next = ahead_good.any(axis=0)
        next_step = np.where(has_next, ahead_good.argmax(axis=0) + 1, 0)  # frames from now to the next good value
        next_values = np.stack([frame[0] for frame in ahead])[np.maximum(next_step - 1, 0), np.arange(N_LANDMARKS)]
    else:
        has_next = np.zeros(N_LANDMARKS, bool)
        next_step = np.zeros(N_LANDMARKS, int)
        next_values = np.full((N_LANDMARKS, 3), np.nan)
    has_last = state.last_good_at >= 0

    out = np.where(has_person, values, state.previous if state.previous is not None else values)
    since_last = index - state.last_good_at
    short_gap = has_last & has_next & (since_last + next_step - 1 <= max_gap)
    weight = (since_last / np.maximum(since_last + next_step, 1))[:, None]
    interpolated = state.last_good + (next_values - state.last_good) * weight
    if state.previous is None:
        glide = next_values  # the very first frame: hold the next good value
    else:
        glide = state.previous + (next_values - state.previous) / np.maximum(next_step, 1)[:, None]
    held = state.last_good

    fill = np.where(has_last[:, None], held, out)
    fill = np.where(has_next[:, None], glide, fill)
    fill = np.where(short_gap[:, None], interpolated, fill)
    return np.where(good[:, None], values, fill)
