"""Speech features sampled once per video frame, for driving a talking portrait's mouth and head.

Everything here is numpy/scipy on arrays (no librosa: its import and numba compilation would
cost seconds on every render). Video frame t describes the audio in a window centred at t / fps
seconds, about two video frames long (at least `MIN_WINDOW_S`, so pitch down to 60 Hz fits).

Long audio is analysed as a stream of blocks: a `_FrameCutter` carries the samples that
straddle a block boundary and a `_FrameMeasurer` carries the previous spectrum, so per-frame
values do not depend on where blocks were cut. Only the small per-frame arrays are kept; the
clip-wide steps (loudness reference, gate, smoothing, onset scale) run on those at the end, so
the relative gate uses the whole clip's level without a second pass over the audio.
"""

from __future__ import annotations

import math
from collections.abc import Iterable
from dataclasses import dataclass

import numpy as np

from toolkit.audio.decode import SAMPLE_RATE, PathLike, iter_audio_blocks
from toolkit.errors import InputError

ABSOLUTE_GATE_DB = -50.0
"""Frames quieter than this (dBFS) are silence, whatever the clip."""

RELATIVE_GATE_DB = 35.0
"""Frames more than this many dB below the clip's loud speech level are silence."""

LOUD_PERCENTILE = 95.0
"""The clip's loud speech level is this percentile of its frame levels above the absolute gate."""

BLOCK_SECONDS = 8.0
"""Seconds of audio analysed at a time, which bounds memory whatever the clip's length."""

MIN_WINDOW_S = 0.048
"""Shortest analysis window in seconds, whatever the frame rate."""

ATTACK_S = 0.015
"""Time constant of loudness rises (a jaw opens fast)."""

RELEASE_S = 0.15
"""Seconds loudness takes to fall from 1 to 0 at the fastest (a jaw closes a little slower)."""

PITCH_RANGE_HZ = (60.0, 500.0)
"""Lowest and highest voice pitch searched for."""

F2_BAND_HZ = (800.0, 3000.0)
"""Band whose spectral centroid stands in for the second formant."""

LOW_BAND_HZ = 1000.0
"""Upper edge of the band counted by low_ratio."""

_DB_FLOOR = -120.0
_POWER_FLOOR = 1e-10  # as librosa's spectral flatness, so silence is flat (1.0) rather than NaN
_FLUX_GAIN = 1000.0  # log1p(gain * magnitude): compresses magnitudes, resolving about 60 dB
_YIN_THRESHOLD = 0.15  # the first dip of the normalised difference below this is the period
_VOICED_APERIODICITY = 0.15  # aperiodicity at or below this is fully voiced
_UNVOICED_APERIODICITY = 0.5  # at or above this, not voiced at all


@dataclass
class AudioFeatures:
    """Speech features, one value per video frame; every array is (n_frames,) float32.

    rms_db: level in dBFS (RMS; floor -120). loudness: rms_db gated and mapped to [0, 1] (0 is
    silence, 1 the clip's loud speech level), smoothed like a jaw. onset: positive spectral flux
    scaled so the clip's strongest onset is 1.
    centroid_hz: spectral centroid. f2_hz: centroid within F2_BAND_HZ (high for "ee", low for "oo").
    low_ratio: share of energy below LOW_BAND_HZ. flatness: spectral flatness (1 for noise and
    silence, near 0 for tones). zcr: zero crossings per sample. pitch_hz: voice pitch, 0 where not
    voiced. voiced: how periodic the frame is, in [0, 1], 0 where the gate is closed.
    """

    fps: float
    duration: float
    n_frames: int
    rms_db: np.ndarray
    loudness: np.ndarray
    onset: np.ndarray
    centroid_hz: np.ndarray
    f2_hz: np.ndarray
    low_ratio: np.ndarray
    flatness: np.ndarray
    zcr: np.ndarray
    pitch_hz: np.ndarray
    voiced: np.ndarray


def analyse_audio(
    path: PathLike, fps: float, level_reference: float | None = None, block_seconds: float = BLOCK_SECONDS
) -> AudioFeatures:
    """Features of an audio file per video frame at fps, decoded and analysed block by block."""
    return _analyse_blocks(iter_audio_blocks(path, SAMPLE_RATE, block_seconds), SAMPLE_RATE, fps, level_reference)


def frame_features(
    samples: np.ndarray, sample_rate: int, fps: float, level_reference: float | None = None
) -> AudioFeatures:
    """Features per video frame at fps of mono samples in memory (the same maths as analyse_audio).

    level_reference: the loud speech level in dBFS that maps to loudness 1; by default the
    LOUD_PERCENTILE of this clip's frame levels, so each clip uses its own range.
    """
    if isinstance(sample_rate, bool) or not isinstance(sample_rate, (int, np.integer)) or sample_rate <= 0:
        raise InputError(f"sample rate must be a positive whole number of hertz, got {sample_rate!r}")
    samples = np.asarray(samples, dtype=np.float32)
    if samples.ndim != 1:
        raise ValueError(f"samples must be a 1-D mono array, got shape {samples.shape}")
    block = round(BLOCK_SECONDS * sample_rate)
    blocks = (samples[start:start + block] for start in range(0, len(samples), block))
    return _analyse_blocks(blocks, sample_rate, fps, level_reference)


def band_envelope(values: np.ndarray, fps: float, low_hz: float = 1.0, high_hz: float = 8.0) -> np.ndarray:
    """Zero-phase band-pass of a per-frame series (syllable-rate motion), e.g. to compare mouth and loudness.

    high_hz is clamped to 90% of the Nyquist frequency of fps; short series are padded less.
    """
    _check_fps(fps)
    series = np.asarray(values, dtype=np.float64)
    high = min(high_hz, 0.45 * fps)
    if not 0 < low_hz < high:
        raise InputError(f"cannot band-pass {low_hz}-{high_hz} Hz at {fps} frames per second")
    if len(series) < 2:
        return np.zeros_like(series, dtype=np.float32)
    # Imported here, not at the top: scipy.signal takes ~0.5 s to import and rendering does not need it.
    from scipy import signal

    sos = signal.butter(2, [low_hz, high], btype="bandpass", fs=fps, output="sos")
    padlen = min(3 * (2 * len(sos) + 1), len(series) - 1)
    return signal.sosfiltfilt(sos, series, padlen=padlen).astype(np.float32)


def loud_speech_level(rms_db: np.ndarray) -> float | None:
    """The clip's loud speech level in dBFS (a high percentile of frames above the absolute gate); None if all silent."""
    active = rms_db[rms_db > ABSOLUTE_GATE_DB]
    if active.size == 0:
        return None
    return float(np.percentile(active, LOUD_PERCENTILE))


def gated_loudness(rms_db: np.ndarray, reference_db: float | None) -> np.ndarray:
    """Map levels to [0, 1]: 0 at or below the gate, rising as the square of the dB above it to 1 at reference_db.

    The square starts flat, so levels hovering at the gate do not flicker, and leaves most of the
    range to the top 15 dB where syllables differ, so the jaw does not sit wide open.
    """
    if reference_db is None:
        return np.zeros(len(rms_db), np.float32)
    gate_db = speech_gate_db(reference_db)
    span = max(reference_db - gate_db, 1.0)
    position = np.clip((rms_db - gate_db) / span, 0.0, 1.0)
    return (position * position).astype(np.float32)


def speech_gate_db(reference_db: float) -> float:
    """Level below which a frame is silence: the absolute gate or RELATIVE_GATE_DB under reference_db."""
    return max(ABSOLUTE_GATE_DB, reference_db - RELATIVE_GATE_DB)


def jaw_smooth(values: np.ndarray, fps: float) -> np.ndarray:
    """Follow rises with an ATTACK_S one-pole and falls at most 1 / RELEASE_S per second, reaching 0 exactly."""
    rise = 1.0 - math.exp(-1.0 / (fps * ATTACK_S))
    max_fall = 1.0 / (fps * RELEASE_S)
    smoothed = np.empty(len(values), np.float32)
    level = 0.0
    for index, target in enumerate(np.asarray(values, dtype=np.float64)):
        level = level + rise * (target - level) if target > level else max(target, level - max_fall)
        smoothed[index] = level
    return smoothed


def yin_pitch(frames: np.ndarray, sample_rate: int) -> tuple[np.ndarray, np.ndarray]:
    """Pitch in Hz and aperiodicity (0 periodic .. 1 noise) of each row of frames (k, n), by YIN.

    The difference function is taken over the first n - max_lag samples of each row, with the
    cross term from one FFT per row; the period is the first dip of the cumulative mean
    normalised difference below _YIN_THRESHOLD (else its minimum), refined by a parabola.
    """
    min_lag = max(2, int(sample_rate / PITCH_RANGE_HZ[1]))
    max_lag = math.ceil(sample_rate / PITCH_RANGE_HZ[0])
    normalised = _normalised_difference(np.asarray(frames, dtype=np.float64), max_lag)
    lag = _first_dip(normalised, min_lag)
    rows = np.arange(len(normalised))
    before, at, after = normalised[rows, lag - 1], normalised[rows, lag], normalised[rows, lag + 1]
    curvature = before - 2.0 * at + after
    safe_curvature = np.where(curvature > 0, curvature, 1.0)
    shift = np.where(curvature > 0, np.clip(0.5 * (before - after) / safe_curvature, -1.0, 1.0), 0.0)
    pitch = np.clip(sample_rate / (lag + shift), *PITCH_RANGE_HZ)
    return pitch, np.clip(at, 0.0, 1.0)


def _normalised_difference(frames: np.ndarray, max_lag: int) -> np.ndarray:
    """YIN's cumulative mean normalised difference d'(lag) for lags 0..max_lag of each row."""
    n_rows, length = frames.shape
    width = length - max_lag
    if width <= 0:
        raise ValueError(f"frames of {length} samples are too short for lags up to {max_lag}")
    n_fft = _next_pow2(length)
    cross = np.fft.irfft(
        np.conj(np.fft.rfft(frames[:, :width], n_fft)) * np.fft.rfft(frames, n_fft), n_fft
    )[:, : max_lag + 1]
    energy = np.concatenate([np.zeros((n_rows, 1)), np.cumsum(frames * frames, axis=1)], axis=1)
    lags = np.arange(max_lag + 1)
    shifted_energy = energy[:, lags + width] - energy[:, lags]
    difference = np.maximum(energy[:, width:width + 1] + shifted_energy - 2.0 * cross, 0.0)
    running = np.cumsum(difference[:, 1:], axis=1)
    normalised = np.ones_like(difference)
    valid = running > 1e-12 * np.maximum(energy[:, -1:], 1e-30)
    normalised[:, 1:] = np.where(valid, difference[:, 1:] * lags[1:] / np.where(valid, running, 1.0), 1.0)
    return normalised


def _first_dip(normalised: np.ndarray, min_lag: int) -> np.ndarray:
    """Per row, the first local minimum below _YIN_THRESHOLD in min_lag..max_lag-1, else the lowest value there."""
    inner = normalised[:, min_lag:-1]
    previous = normalised[:, min_lag - 1:-2]
    following = normalised[:, min_lag + 1:]
    dips = (inner < _YIN_THRESHOLD) & (inner <= previous) & (inner <= following)
    has_dip = dips.any(axis=1)
    return min_lag + np.where(has_dip, dips.argmax(axis=1), inner.argmin(axis=1))


def _next_pow2(length: int) -> int:
    """Smallest power of two at least length."""
    return 1 << max(0, int(length) - 1).bit_length()


@dataclass(frozen=True)
class _Framing:
    """Where the analysis windows of video frames lie, in samples of a signal padded by half a window."""

    sample_rate: int
    fps: float
    window: int

    def starts(self, first: int, stop: int) -> np.ndarray:
        """Padded start sample of the windows of frames first..stop-1 (frame t is centred at t / fps)."""
        return np.floor(np.arange(first, stop) * (self.sample_rate / self.fps) + 0.5).astype(np.int64)

    def frames_ending_by(self, end: int) -> int:
        """How many frames, counting from 0, have windows that end at or before padded sample end."""
        estimate = max(0, int((end - self.window) * self.fps / self.sample_rate) + 2)
        return int(np.searchsorted(self.starts(0, estimate) + self.window, end, side="right"))


def _framing(sample_rate: int, fps: float) -> _Framing:
    """Windows about two video frames long, at least MIN_WINDOW_S."""
    window = max(2.0 / fps, MIN_WINDOW_S)
    return _Framing(sample_rate=sample_rate, fps=float(fps), window=round(window * sample_rate))


class _FrameCutter:
    """Cuts a stream of sample blocks into the analysis windows of successive video frames."""

    def __init__(self, framing: _Framing) -> None:
        self.framing = framing
        self.buffer = np.zeros(framing.window // 2, np.float32)  # the leading pad centres frame 0 on sample 0
        self.buffer_start = 0  # padded index of buffer[0]
        self.next_frame = 0
        self.n_samples = 0

    def push(self, block: np.ndarray) -> np.ndarray:
        """Add samples; return the (k, window) windows now complete."""
        self.n_samples += len(block)
        self.buffer = np.concatenate([self.buffer, block])
        return self._cut(self.framing.frames_ending_by(self.buffer_start + len(self.buffer)))

    def finish(self, n_frames: int) -> np.ndarray:
        """Pad the end with silence; return the windows of the remaining frames up to n_frames."""
        self.buffer = np.concatenate([self.buffer, np.zeros(self.framing.window, np.float32)])
        return self._cut(max(n_frames, self.next_frame))

    def _cut(self, stop: int) -> np.ndarray:
        """Windows of frames next_frame..stop-1; drop the samples no later frame needs."""
        starts = self.framing.starts(self.next_frame, stop) - self.buffer_start
        windows = self.buffer[starts[:, None] + np.arange(self.framing.window)]
        self.next_frame = max(stop, self.next_frame)
        keep_from = int(self.framing.starts(self.next_frame, self.next_frame + 1)[0]) - self.buffer_start
        self.buffer = self.buffer[keep_from:]
        self.buffer_start += keep_from
        return windows


class _FrameMeasurer:
    """Per-window measurements; keeps the previous compressed spectrum so spectral flux runs across batches."""

    def __init__(self, sample_rate: int, window: int) -> None:
        self.sample_rate = sample_rate
        self.taper = np.hanning(window)
        self.n_fft = _next_pow2(window)
        self.freqs = np.fft.rfftfreq(self.n_fft, 1.0 / sample_rate)
        self.f2_band = (self.freqs >= F2_BAND_HZ[0]) & (self.freqs <= F2_BAND_HZ[1])
        self.low_band = self.freqs < LOW_BAND_HZ
        self.previous = np.zeros(len(self.freqs))

    def measure(self, windows: np.ndarray) -> dict[str, np.ndarray]:
        """Raw per-frame values of windows (k, window): level, spectral shape, flux, pitch, aperiodicity."""
        samples = windows.astype(np.float64)
        magnitude = np.abs(np.fft.rfft(samples * self.taper, self.n_fft)) / (self.taper.sum() / 2.0)
        power = magnitude * magnitude
        pitch, aperiodicity = yin_pitch(samples, self.sample_rate)
        return {
            "rms": np.sqrt(np.mean(samples * samples, axis=1)),
            "flux": self._flux(magnitude),
            "centroid_hz": _centroid(magnitude, self.freqs),
            "f2_hz": _centroid(magnitude[:, self.f2_band], self.freqs[self.f2_band]),
            "low_ratio": _ratio(power[:, self.low_band].sum(axis=1), power.sum(axis=1)),
            "flatness": _flatness(power),
            "zcr": np.mean(np.signbit(samples[:, 1:]) != np.signbit(samples[:, :-1]), axis=1),
            "pitch_hz": pitch,
            "aperiodicity": aperiodicity,
        }

    def _flux(self, magnitude: np.ndarray) -> np.ndarray:
        """Mean positive rise of the log-compressed spectrum since the previous frame."""
        compressed = np.log1p(_FLUX_GAIN * magnitude)
        previous = np.concatenate([self.previous[None, :], compressed[:-1]])
        if len(compressed):
            self.previous = compressed[-1]
        return np.maximum(compressed - previous, 0.0).mean(axis=1)


def _centroid(magnitude: np.ndarray, freqs: np.ndarray) -> np.ndarray:
    """Magnitude-weighted mean frequency of each row; 0 for a silent row."""
    return _ratio(magnitude @ freqs, magnitude.sum(axis=1))


def _ratio(numerator: np.ndarray, denominator: np.ndarray) -> np.ndarray:
    """numerator / denominator, 0 where the denominator is (numerically) zero."""
    valid = denominator > 1e-20
    return np.where(valid, numerator / np.where(valid, denominator, 1.0), 0.0)


def _flatness(power: np.ndarray) -> np.ndarray:
    """Geometric over arithmetic mean of each row's power spectrum (floored at _POWER_FLOOR)."""
    floored = np.maximum(power, _POWER_FLOOR)
    return np.exp(np.mean(np.log(floored), axis=1)) / np.mean(floored, axis=1)


def _analyse_blocks(
    blocks: Iterable[np.ndarray], sample_rate: int, fps: float, level_reference: float | None
) -> AudioFeatures:
    """Cut blocks into per-frame windows, measure them, then apply the clip-wide steps."""
    _check_fps(fps)
    framing = _framing(int(sample_rate), fps)
    cutter = _FrameCutter(framing)
    measurer = _FrameMeasurer(framing.sample_rate, framing.window)
    batches = [measurer.measure(cutter.push(np.asarray(block, dtype=np.float32))) for block in blocks]
    duration = cutter.n_samples / framing.sample_rate
    n_frames = max(1, round(duration * fps))
    batches.append(measurer.measure(cutter.finish(n_frames)))
    measures = {name: np.concatenate([batch[name] for batch in batches])[:n_frames] for name in batches[0]}
    return _clip_features(measures, float(fps), duration, n_frames, level_reference)


def _clip_features(
    measures: dict[str, np.ndarray], fps: float, duration: float, n_frames: int, level_reference: float | None
) -> AudioFeatures:
    """Turn raw per-frame measures into AudioFeatures with the clip-wide gate, smoothing and scaling."""
    rms_db = 20.0 * np.log10(np.maximum(measures["rms"], 10.0 ** (_DB_FLOOR / 20.0)))
    reference_db = loud_speech_level(rms_db) if level_reference is None else float(level_reference)
    gate_open = rms_db > speech_gate_db(reference_db) if reference_db is not None else np.zeros(n_frames, bool)
    periodicity = (_UNVOICED_APERIODICITY - measures["aperiodicity"]) / (_UNVOICED_APERIODICITY - _VOICED_APERIODICITY)
    voiced = np.clip(periodicity, 0.0, 1.0) * gate_open
    flux = measures["flux"]
    peak_flux = flux.max()
    return AudioFeatures(
        fps=fps,
        duration=duration,
        n_frames=n_frames,
        rms_db=_f32(rms_db),
        loudness=jaw_smooth(gated_loudness(rms_db, reference_db), fps),
        onset=_f32(flux / peak_flux if peak_flux > 0 else np.zeros_like(flux)),
        centroid_hz=_f32(measures["centroid_hz"]),
        f2_hz=_f32(measures["f2_hz"]),
        low_ratio=_f32(measures["low_ratio"]),
        flatness=_f32(measures["flatness"]),
        zcr=_f32(measures["zcr"]),
        pitch_hz=_f32(np.where(voiced >= 0.5, measures["pitch_hz"], 0.0)),
        voiced=_f32(voiced),
    )


def _f32(values: np.ndarray) -> np.ndarray:
    """A contiguous float32 copy or view of values."""
    return np.ascontiguousarray(values, dtype=np.float32)


def _check_fps(fps: float) -> None:
    """InputError unless fps is a positive, finite number of frames per second."""
    if isinstance(fps, bool) or not isinstance(fps, (int, float, np.integer, np.floating)) or not 0 < fps < math.inf:
        raise InputError(f"frame rate must be a positive number of frames per second, got {fps!r}")
