"""Writing test audio: one WAV writer for every test file that needs sound."""

from __future__ import annotations

import wave
from pathlib import Path

import numpy as np


def write_wav(path: Path, samples: np.ndarray, rate: int = 16000) -> Path:
    """A 16-bit PCM WAV of float samples in [-1, 1]: (n,) mono or (n, channels)."""
    samples = np.asarray(samples, np.float64)
    channels = 1 if samples.ndim == 1 else samples.shape[1]
    pcm = np.round(np.clip(samples, -1.0, 1.0) * 32767).astype("<i2")
    with wave.open(str(path), "wb") as out:
        out.setnchannels(channels)
        out.setsampwidth(2)
        out.setframerate(rate)
        out.writeframes(pcm.tobytes())
    return Path(path)
