"""Time curves shared by motion primitives: easing, oscillation and loop-safe progress."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np


def ease_in_out(u: np.ndarray) -> np.ndarray:
    """Cosine ease from 0 to 1 on u in [0, 1] with zero velocity at both ends."""
    u = np.clip(np.asarray(u, dtype=np.float64), 0.0, 1.0)
    return 0.5 - 0.5 * np.cos(np.pi * u)


@dataclass(frozen=True)
class Timeline:
    """Frame times of a clip: how many frames, at what rate, and whether it loops."""

    n_frames: int
    fps: float
    loop: bool = False
    speed: float = 1.0

    @property
    def duration(self) -> float:
        return self.n_frames / self.fps

    def cycles(self, frequency: float) -> int:
        """Whole number of oscillations closest to frequency x duration (at least one).

        Whole cycles make every periodic motion return to rest at the end of the clip, so
        looped clips join without a jump.
        """
        return max(1, int(round(frequency * self.speed * self.duration)))

    def phase(self, frequency: float) -> np.ndarray:
        """(T,) oscillation phase in radians, 0 at the first frame, whole cycles over the clip."""
        k = np.arange(self.n_frames, dtype=np.float64)
        return 2.0 * np.pi * self.cycles(frequency) * k / self.n_frames

    def progress(self) -> np.ndarray:
        """(T,) eased progress of a one-way move: 0 at the first frame.

        Without --loop it reaches 1 at the last frame; with --loop it goes out and back,
        so the frame after the last would be the first.
        """
        k = np.arange(self.n_frames, dtype=np.float64)
        if self.n_frames == 1:
            return np.zeros(1)
        if self.loop:
            return np.sin(np.pi * k / self.n_frames) ** 2
        return ease_in_out(k / (self.n_frames - 1))
