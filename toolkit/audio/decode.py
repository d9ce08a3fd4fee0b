"""Decode any audio file ffmpeg can read (WAV, MP3, M4A/AAC, FLAC, OGG...) to mono float32 in a stream.

ffmpeg is the binary bundled by imageio-ffmpeg (there is no ffprobe). It resamples to
`SAMPLE_RATE`, averages the channels to mono and writes little-endian float32 PCM to a pipe
that is read in fixed-size blocks, so memory does not grow with the length of the audio.
"""

from __future__ import annotations

import logging
import os
import re
import subprocess
import tempfile
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import BinaryIO, Union

import imageio_ffmpeg
import numpy as np

from toolkit.errors import InputError
from toolkit.media.images import check_input_file

logger = logging.getLogger(__name__)

PathLike = Union[str, "os.PathLike[str]"]

SAMPLE_RATE = 16000
"""Hertz of the samples every decoder here returns (what speech models and the features expect)."""

_WHAT = "audio file"
_HEADER_TIMEOUT_S = 60.0
_BYTES_PER_SAMPLE = 4  # float32
_STDERR_TAIL_BYTES = 4000

_INPUT_SECTION = re.compile(r"^Input #0, .*?(?=^Output #|\Z)", re.MULTILINE | re.DOTALL)
_DURATION = re.compile(r"Duration: (\d+):(\d\d):(\d\d(?:\.\d+)?)")
_AUDIO_STREAM = re.compile(r"^\s*Stream #0:\d+\S*: Audio: (.*)$", re.MULTILINE)
_CODEC = re.compile(r"^(\w+)")
_RATE_AND_LAYOUT = re.compile(r"(\d+) Hz, ([^,]+)")
_ESTIMATED_DURATION = "Estimating duration from bitrate"

_NAMED_LAYOUTS = {
    "mono": 1, "stereo": 2, "downmix": 2, "binaural": 2, "quad": 4,
    "hexagonal": 6, "octagonal": 8, "cube": 8, "hexadecagonal": 16,
}
_COUNTED_LAYOUT = re.compile(r"(\d+) channels")
_DOTTED_LAYOUT = re.compile(r"\d+(?:\.\d+)+")  # 5.1 -> 6, 7.1.4 -> 12


@dataclass(frozen=True)
class AudioInfo:
    """What an audio file (or a video's first audio track) holds, as stored (before resampling)."""

    path: Path
    duration: float
    sample_rate: int
    channels: int
    codec: str


@dataclass(frozen=True)
class _Header:
    """The facts ffmpeg prints about the first audio stream when it opens a file."""

    duration: float | None
    duration_is_estimate: bool
    sample_rate: int
    channels: int
    codec: str


def probe_audio(path: PathLike) -> AudioInfo:
    """Describe path's first audio stream; InputError if it cannot be read, has no audio or is empty.

    The duration is the container's; where it is missing, zero or only estimated from the bit
    rate (raw AAC/MP3 streams, truncated WAVs), it is measured by decoding and counting samples.
    """
    header = _read_header(path)
    duration = header.duration
    if duration is None or duration <= 0 or header.duration_is_estimate:
        duration = decoded_duration(path)
    return AudioInfo(
        path=Path(path),
        duration=duration,
        sample_rate=header.sample_rate,
        channels=header.channels,
        codec=header.codec,
    )


def decoded_duration(path: PathLike) -> float:
    """Seconds of audio in path, measured by decoding all of it (exact, costs a full decode)."""
    n_samples = sum(len(block) for block in iter_audio_blocks(path))
    return n_samples / SAMPLE_RATE


def iter_audio_blocks(
    path: PathLike, sample_rate: int = SAMPLE_RATE, block_seconds: float = 8.0
) -> Iterator[np.ndarray]:
    """Stream path's first audio track as float32 mono blocks of block_seconds (the last one shorter).

    A missing or unreadable file, or one without audio, raises InputError before this returns; an
    audio track without samples raises it when the stream ends. Closing the iterator stops ffmpeg.
    """
    _check_positive_int(sample_rate, "sample rate", "hertz")
    if isinstance(block_seconds, bool) or not isinstance(block_seconds, (int, float)) or not block_seconds > 0:
        raise InputError(f"block length must be a positive number of seconds, got {block_seconds!r}")
    _read_header(path)
    block_samples = max(1, round(block_seconds * sample_rate))
    return _decoded_blocks(path, int(sample_rate), block_samples)


def load_audio(path: PathLike, sample_rate: int = SAMPLE_RATE) -> np.ndarray:
    """The whole of path's first audio track as one float32 mono array (for short clips)."""
    return np.concatenate(list(iter_audio_blocks(path, sample_rate)))


def _read_header(path: PathLike) -> _Header:
    """Open path with ffmpeg and parse what it prints about the input; InputError if it has no audio."""
    check_input_file(path, _WHAT)
    cmd = [imageio_ffmpeg.get_ffmpeg_exe(), "-hide_banner", "-nostdin", "-i", _ffmpeg_path(path)]
    try:
        stderr = subprocess.run(
            cmd, stdin=subprocess.DEVNULL, capture_output=True, text=True, errors="replace", timeout=_HEADER_TIMEOUT_S, check=False
        ).stderr
    except subprocess.TimeoutExpired:
        raise InputError(f"cannot read {_WHAT} '{path}': ffmpeg did not finish opening it") from None
    section = _INPUT_SECTION.search(stderr)
    if section is None:
        logger.debug("ffmpeg could not open %s:\n%s", path, stderr)
        raise InputError(f"cannot read {_WHAT} '{path}': it is corrupt or not in a format ffmpeg can decode")
    stream = _AUDIO_STREAM.search(section.group(0))
    if stream is None:
        raise InputError(f"cannot use '{path}' as audio: it has no audio track")
    return _parse_header(section.group(0), stream.group(1), _ESTIMATED_DURATION in stderr)


def _parse_header(section: str, stream_details: str, duration_is_estimate: bool) -> _Header:
    """Turn ffmpeg's input section and the details of its first audio stream into a _Header."""
    duration = _DURATION.search(section)
    codec = _CODEC.search(stream_details)
    rate_and_layout = _RATE_AND_LAYOUT.search(stream_details)
    return _Header(
        duration=_seconds(*duration.groups()) if duration else None,
        duration_is_estimate=duration_is_estimate,
        sample_rate=int(rate_and_layout.group(1)) if rate_and_layout else 0,
        channels=_channel_count(rate_and_layout.group(2)) if rate_and_layout else 0,
        codec=codec.group(1) if codec else "unknown",
    )


def _channel_count(layout: str) -> int:
    """Number of channels in an ffmpeg channel layout name ('stereo', '5.1(side)', '3 channels'); 0 if unknown."""
    name = layout.split("(")[0].strip()
    if name in _NAMED_LAYOUTS:
        return _NAMED_LAYOUTS[name]
    counted = _COUNTED_LAYOUT.fullmatch(name)
    if counted:
        return int(counted.group(1))
    if _DOTTED_LAYOUT.fullmatch(name):
        return sum(int(part) for part in name.split("."))
    return 0


def _seconds(hours: str, minutes: str, seconds: str) -> float:
    """Seconds in an ffmpeg HH:MM:SS.ss duration."""
    return int(hours) * 3600 + int(minutes) * 60 + float(seconds)


def _decode_command(path: PathLike, sample_rate: int) -> list[str]:
    """ffmpeg arguments that write path's first audio track to stdout as mono float32 at sample_rate.

    rematrix_maxval=1 makes the downmix an average of the channels; ffmpeg's default would add
    them at -3 dB each, making correlated stereo 3 dB louder than full scale allows.
    """
    return [
        imageio_ffmpeg.get_ffmpeg_exe(), "-nostdin", "-v", "error", "-i", _ffmpeg_path(path),
        "-map", "0:a:0", "-vn", "-sn", "-dn",
        "-af", f"aresample=osr={sample_rate}:ochl=mono:rematrix_maxval=1",
        "-f", "f32le", "-c:a", "pcm_f32le", "pipe:1",
    ]


def _decoded_blocks(path: PathLike, sample_rate: int, block_samples: int) -> Iterator[np.ndarray]:
    """Generator behind iter_audio_blocks: run ffmpeg, yield its output in blocks, always stop it."""
    with tempfile.TemporaryFile() as stderr_file:
        process = subprocess.Popen(
            _decode_command(path, sample_rate), stdin=subprocess.DEVNULL, stdout=subprocess.PIPE, stderr=stderr_file
        )
        n_samples = 0
        try:
            for block in _read_blocks(process.stdout, block_samples):
                n_samples += len(block)
                yield block
            returncode = process.wait()
        finally:
            _stop(process)
        if returncode != 0:
            logger.debug("ffmpeg failed decoding %s:\n%s", path, _tail(stderr_file))
            raise InputError(
                f"cannot read {_WHAT} '{path}': decoding failed after {n_samples / sample_rate:.2f} s of audio"
            )
    if n_samples == 0:
        raise InputError(f"{_WHAT} '{path}' holds no sound: its audio track is zero-length")


def _read_blocks(pipe: BinaryIO, block_samples: int) -> Iterator[np.ndarray]:
    """Read float32 little-endian samples from pipe, block_samples at a time, until it ends."""
    while True:
        raw = pipe.read(block_samples * _BYTES_PER_SAMPLE)
        count = len(raw) // _BYTES_PER_SAMPLE
        if count:
            yield np.frombuffer(raw, dtype="<f4", count=count).astype(np.float32)
        if len(raw) < block_samples * _BYTES_PER_SAMPLE:
            return


def _stop(process: subprocess.Popen) -> None:
    """End ffmpeg if it is still running and release its pipe."""
    if process.poll() is None:
        process.kill()
    process.stdout.close()
    process.wait()


def _tail(handle: BinaryIO) -> str:
    """The last few thousand characters written to a temporary stderr file."""
    handle.seek(0, os.SEEK_END)
    handle.seek(max(0, handle.tell() - _STDERR_TAIL_BYTES))
    return handle.read().decode("utf-8", errors="replace")


def _ffmpeg_path(path: PathLike) -> str:
    """An absolute path, so ffmpeg never mistakes 'a:b.wav' for a protocol or '-x.wav' for an option."""
    return os.path.abspath(os.fspath(path))


def _check_positive_int(value: object, name: str, unit: str) -> None:
    """InputError unless value is a positive whole number (bools refused)."""
    if isinstance(value, bool) or not isinstance(value, (int, np.integer)) or value <= 0:
        raise InputError(f"{name} must be a positive whole number of {unit}, got {value!r}")
