"""Long clips as overlapping windows: which frames each window renders and how overlaps blend (pure)."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Iterable, Iterator

import numpy as np


@dataclass(frozen=True)
class Window:
    """Frames [start, stop) of the clip; the first `context` of them were already rendered by the window before."""

    start: int
    stop: int
    context: int = 0

    @property
    def length(self) -> int:
        return self.stop - self.start


def plan_windows(n_frames: int, window: int, overlap: int) -> list[Window]:
    """Windows of `window` frames (the last may be shorter), each sharing `overlap` frames with the one before.

    An overlap of at most half the window keeps the shared spans of neighbouring windows apart, so no
    frame is blended twice.
    """
    if n_frames < 1:
        raise ValueError("a clip needs at least one frame")
    if window < 2 or not 0 <= overlap <= window // 2:
        raise ValueError(f"need window >= 2 and 0 <= overlap <= window / 2, got {window} and {overlap}")
    windows = [Window(0, min(window, n_frames))]
    while windows[-1].stop < n_frames:
        start = windows[-1].stop - overlap
        windows.append(Window(start, min(start + window, n_frames), overlap))
    return windows


def overlap_weights(count: int) -> np.ndarray:
    """(count,) weight of the newer window on each shared frame: a linear ramp strictly inside (0, 1)."""
    return (np.arange(1, count + 1, dtype=np.float32) / (count + 1)).astype(np.float32)


def context_latents(context: int, temporal_factor: int) -> int:
    """How many leading latent frames lie wholly in `context` frames (a causal VAE's first latent is one frame)."""
    if context <= 0:
        return 0
    if temporal_factor == 1:
        return context
    return 1 + (context - 1) // temporal_factor


def stitch(windows: list[Window], rendered: Iterable[np.ndarray]) -> Iterator[np.ndarray]:
    """Yield the clip's frames in order from each window's (length, H, W, 3) float frames, blending overlaps.

    Only the frames a later window still shares are held back, so memory does not grow with the clip.
    """
    pending: np.ndarray | None = None  # frames of the last window that the next one overlaps
    for index, (window, frames) in enumerate(zip(windows, rendered)):
        if len(frames) != window.length:
            raise ValueError(f"window {index} rendered {len(frames)} frames, expected {window.length}")
        frames = np.asarray(frames, np.float32)
        if window.context:
            weights = overlap_weights(window.context)[:, None, None, None]
            head = (1.0 - weights) * pending + weights * frames[:window.context]
            frames = np.concatenate([head, frames[window.context:]])
        following = windows[index + 1] if index + 1 < len(windows) else None
        keep = following.context if following is not None else 0
        yield from frames[:len(frames) - keep]
        pending = frames[len(frames) - keep:] if keep else None
