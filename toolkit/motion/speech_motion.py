"""Face motion from speech: mouth shapes, blinks, brows, gaze and head motion, per video frame.

Pure functions of per-frame audio features (toolkit.audio.features) and a seeded random
generator.  Each returns (T,) or (T, k) arrays that drive the face rig's channels.
"""

from __future__ import annotations

import numpy as np

from toolkit.motion.face_rig import CHANNELS

MAX_GAP = 0.32  # face units: the lips' gap on the loudest open vowel
BLINK_CLOSE_S, BLINK_HOLD_S, BLINK_OPEN_S = 0.09, 0.07, 0.17
MAX_BLINK_INTERVAL_S = 5.5
MIN_BLINK_INTERVAL_S = 1.2

EXPRESSIONS = {  # channel offsets held for the whole clip
    "neutral": {},
    "smile": {"smile": 0.8},
    "serious": {"smile": -0.35, "brow_left": -0.3, "brow_right": -0.3},
}


def smooth(values: np.ndarray, fps: float, attack_s: float, release_s: float) -> np.ndarray:
    """One-pole follower that rises with time constant attack_s and falls with release_s."""
    values = np.asarray(values, np.float64)
    out = np.empty_like(values)
    up = 1.0 - np.exp(-1.0 / max(attack_s * fps, 1e-6))
    down = 1.0 - np.exp(-1.0 / max(release_s * fps, 1e-6))
    level = values[0] if len(values) else 0.0
    for i, value in enumerate(values):
        level += (up if value > level else down) * (value - level)
        out[i] = level
    return out


def _normalised(values: np.ndarray, weights: np.ndarray) -> np.ndarray:
    """Values centred on their weighted median and scaled by their weighted spread."""
    if weights.sum() < 1e-6:
        return np.zeros_like(values)
    order = np.argsort(values)
    cumulative = np.cumsum(weights[order]) / weights.sum()
    median = values[order][np.searchsorted(cumulative, 0.5)]
    spread = np.sqrt(np.sum(weights * (values - median) ** 2) / weights.sum())
    return (values - median) / max(spread, 1e-6)


def mouth_curves(features, lip_scale: float = 1.0) -> dict[str, np.ndarray]:
    """Lip gap (face units) and width channels per frame from the audio.

    The gap follows the gated loudness, which already moves like a jaw (fast to open, slower
    to close): closed in silence and in the short dips of stops such as b and p, half open
    on quiet consonants such as m.  The second-formant proxy widens the mouth for 'ee' and
    rounds it for 'oo'.
    """
    loudness = np.asarray(features.loudness, np.float64)
    voiced = np.asarray(features.voiced, np.float64)
    formant = np.clip(_normalised(np.asarray(features.f2_hz, np.float64), voiced * loudness), -2.0, 2.0)
    wide = np.clip(formant, 0.0, 1.5) / 1.5 * np.minimum(loudness * 2.0, 1.0)
    rounded = np.clip(-formant, 0.0, 1.5) / 1.5 * np.minimum(loudness * 2.0, 1.0)
    gap = loudness * MAX_GAP * lip_scale
    return {"gap": gap, "wide": smooth(wide, features.fps, 0.04, 0.08),
            "round": smooth(rounded, features.fps, 0.04, 0.08)}


def blink_times(duration: float, rng: np.random.Generator, rate_per_minute: float) -> np.ndarray:
    """Start times (s) of blinks: random, seeded, about rate_per_minute, never more than 5.5 s apart."""
    mean_interval = 60.0 / max(rate_per_minute, 1e-3)
    times, t = [], float(rng.uniform(0.4, min(2.5, mean_interval)))
    while t < duration:
        times.append(t)
        interval = rng.gamma(4.0, mean_interval / 4.0)
        t += float(np.clip(interval, MIN_BLINK_INTERVAL_S, MAX_BLINK_INTERVAL_S))
    return np.array(times)


def blink_curve(n_frames: int, fps: float, starts: np.ndarray) -> np.ndarray:
    """(T,) eyelid closure in [0, 1]: a fast close, a short hold and a slower open per blink.

    Each blink is snapped so one frame sees the eye fully shut.
    """
    t = np.arange(n_frames) / fps
    closure = np.zeros(n_frames)
    for start in starts:
        shut = np.round((start + BLINK_CLOSE_S) * fps) / fps
        closing = np.clip((t - (shut - BLINK_CLOSE_S)) / BLINK_CLOSE_S, 0.0, 1.0)
        opening = np.clip(1.0 - (t - shut - BLINK_HOLD_S) / BLINK_OPEN_S, 0.0, 1.0)
        shape = np.where(t <= shut, closing, np.where(t <= shut + BLINK_HOLD_S, 1.0, opening))
        eased = shape * shape * (3.0 - 2.0 * shape)
        closure = np.maximum(closure, np.where(t < shut - BLINK_CLOSE_S, 0.0, eased))
    return closure


def emphasis_curve(features) -> np.ndarray:
    """(T,) pulses on stressed syllables (strong onsets in loud voiced speech), decaying over 0.4 s."""
    onset = np.asarray(features.onset, np.float64) * np.asarray(features.loudness, np.float64)
    strong = np.where(onset > max(0.25, np.percentile(onset, 90) if len(onset) else 1.0), onset, 0.0)
    return np.clip(smooth(strong, features.fps, 0.05, 0.4) * 2.0, 0.0, 1.0)


def smooth_noise(n_frames: int, fps: float, rng: np.random.Generator, cutoff_hz: float) -> np.ndarray:
    """(T,) seeded noise in about [-1, 1] with no energy above cutoff_hz (a sum of slow sines)."""
    t = np.arange(n_frames) / fps
    frequencies = rng.uniform(0.15, 1.0, 5) * cutoff_hz
    phases = rng.uniform(0, 2 * np.pi, 5)
    weights = rng.uniform(0.5, 1.0, 5)
    wave = np.sum(weights[:, None] * np.sin(2 * np.pi * frequencies[:, None] * t + phases[:, None]), axis=0)
    return wave / weights.sum() * 1.6


def head_pose_curves(n_frames: int, fps: float, rng: np.random.Generator, amount: float,
                     loudness: np.ndarray | None = None, emphasis: np.ndarray | None = None) -> np.ndarray:
    """(T, 5) yaw, pitch, roll (radians), tx, ty (face units): idle sway plus nods on emphasis.

    Speaking heads move more than listening ones, so the sway grows with loudness.
    """
    activity = np.full(n_frames, 0.5) if loudness is None else 0.45 + 0.55 * smooth(loudness, fps, 0.3, 1.0)
    nods = np.zeros(n_frames) if emphasis is None else emphasis
    degrees = np.pi / 180.0
    yaw = 4.0 * degrees * smooth_noise(n_frames, fps, rng, 0.35) * activity
    pitch = (2.0 * smooth_noise(n_frames, fps, rng, 0.4) * activity + 2.5 * nods) * degrees
    roll = 2.0 * degrees * smooth_noise(n_frames, fps, rng, 0.3) * activity
    tx = 0.02 * smooth_noise(n_frames, fps, rng, 0.25)
    ty = 0.015 * smooth_noise(n_frames, fps, rng, 0.25) + 0.01 * nods
    return amount * np.stack([yaw, pitch, roll, tx, ty], axis=1)


def gaze_curves(n_frames: int, fps: float, rng: np.random.Generator) -> np.ndarray:
    """(T, 2) slow gaze drift with occasional quick glances, in units of the rig's gaze channels."""
    x = np.clip(smooth_noise(n_frames, fps, rng, 0.2) * 0.8, -1.0, 1.0)
    y = np.clip(smooth_noise(n_frames, fps, rng, 0.15) * 0.5, -1.0, 1.0)
    return np.stack([x, y], axis=1)


def channel_matrix(n_frames: int, curves: dict[str, np.ndarray]) -> np.ndarray:
    """(T, channels) in the rig's CHANNELS order; missing channels are zero, scalars are held."""
    matrix = np.zeros((n_frames, len(CHANNELS)))
    for name, values in curves.items():
        matrix[:, CHANNELS.index(name)] += np.broadcast_to(np.asarray(values, np.float64), (n_frames,))
    return matrix
