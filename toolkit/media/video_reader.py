"""Read driving videos and audio tracks with the ffmpeg bundled by imageio-ffmpeg."""

from __future__ import annotations

import logging
import os
import re
import subprocess
from dataclasses import dataclass
from pathlib import Path
from typing import Iterator, Union

import imageio_ffmpeg
import numpy as np

from toolkit.errors import InputError
from toolkit.media.images import check_input_file, check_output_folder, remove_quietly, reserve_temp_file

logger = logging.getLogger(__name__)

PathLike = Union[str, "os.PathLike[str]"]

_FFMPEG_TIMEOUT_S = 600.0
_AUDIO_STREAM = re.compile(r"^\s*Stream #\S+.*?: Audio: ", re.MULTILINE)
_ANY_STREAM = re.compile(r"^\s*Stream #", re.MULTILINE)


@dataclass(frozen=True)
class VideoInfo:
    """What a video holds, as displayed (rotation metadata applied)."""

    width: int
    height: int
    fps: float
    n_frames: int
    duration: float
    has_audio: bool


def probe_video(path: PathLike) -> VideoInfo:
    """Read a video's size, frame rate, duration, estimated frame count and whether it has audio."""
    meta = _read_meta(path)
    width, height = meta["size"]
    fps = float(meta.get("fps") or 0.0)
    duration = float(meta.get("duration") or 0.0)
    n_frames = int(round(duration * fps)) if fps > 0 and duration > 0 else 0
    return VideoInfo(
        width=int(width),
        height=int(height),
        fps=fps,
        n_frames=n_frames,
        duration=duration,
        has_audio=meta.get("audio_codec") is not None,
    )


def iter_video_frames(path: PathLike, max_side: int | None = None) -> Iterator[np.ndarray]:
    """Stream a video's frames as (H, W, 3) uint8 RGB arrays, optionally fitted into max_side (even dims)."""
    check_input_file(path, "video")
    _check_max_side(max_side)
    output_params = ["-an", "-sn"]
    if max_side is not None:
        info = probe_video(path)
        filters = fit_filter(info.width, info.height, max_side)
        if filters:
            output_params += ["-vf", filters]
    return _frames(path, output_params)


def iter_fitted_frames(path: PathLike, max_side: int | None) -> tuple[Iterator[np.ndarray], float, float]:
    """A video's frames fitted into max_side (None: full size), and the factors (sx, sy) that take
    coordinates in those frames back to the video's own pixels.  The file is checked first."""
    info = probe_video(path)
    frames = iter_video_frames(path, max_side=max_side)
    if max_side is None:
        return frames, 1.0, 1.0
    fit_w, fit_h = fit_size(info.width, info.height, max_side)
    return frames, info.width / fit_w, info.height / fit_h


def extract_audio(path: PathLike, out_wav: PathLike, sample_rate: int | None = None) -> bool:
    """Write the first audio track of path to a 16-bit PCM WAV; return False if it has no audio."""
    if sample_rate is not None and (
        isinstance(sample_rate, bool) or not isinstance(sample_rate, (int, np.integer)) or sample_rate <= 0
    ):
        raise InputError(f"sample rate must be a positive whole number of hertz, got {sample_rate!r}")
    if not has_audio_track(path):
        logger.info("'%s' has no audio track; nothing extracted", path)
        return False
    target = Path(out_wav)
    folder = check_output_folder(target)
    tmp_name = reserve_temp_file(folder, target.stem, ".wav")
    cmd = [imageio_ffmpeg.get_ffmpeg_exe(), "-y", "-nostdin", "-v", "error", "-i", _ffmpeg_path(path),
           "-vn", "-sn", "-map", "0:a:0", "-c:a", "pcm_s16le"]
    if sample_rate is not None:
        cmd += ["-ar", str(int(sample_rate))]
    cmd.append(str(tmp_name))
    try:
        result = _run(cmd)
        if result.returncode != 0:
            raise InputError(f"cannot read audio from '{path}': {_last_line(result.stderr)}")
        os.replace(tmp_name, target)
    except BaseException:
        remove_quietly(tmp_name)
        raise
    return True


def has_audio_track(path: PathLike, what: str = "media file") -> bool:
    """True if ffmpeg finds an audio stream in path; InputError (naming it as `what`) if it cannot read it."""
    check_input_file(path, what)
    header = _run([imageio_ffmpeg.get_ffmpeg_exe(), "-hide_banner", "-nostdin", "-i", _ffmpeg_path(path)]).stderr
    if not _ANY_STREAM.search(header):
        raise InputError(f"cannot read {what} '{path}': ffmpeg cannot decode it")
    return bool(_AUDIO_STREAM.search(header))


def fit_filter(width: int, height: int, max_side: int) -> str:
    """The ffmpeg filter chain that fits (width, height) into max_side and crops to even dims ('' if none)."""
    new_w, new_h = fit_size(width, height, max_side)
    even_w, even_h = new_w - new_w % 2, new_h - new_h % 2
    if even_w < 2 or even_h < 2:
        raise InputError(f"video frames of {width}x{height} are too small to fit into {max_side} pixels")
    filters = []
    if (new_w, new_h) != (width, height):
        filters.append(f"scale={new_w}:{new_h}:flags=area")
    if (even_w, even_h) != (new_w, new_h):
        filters.append(f"crop={even_w}:{even_h}:0:0")
    return ",".join(filters)


def fit_size(width: int, height: int, max_side: int) -> tuple[int, int]:
    """Size that keeps the aspect ratio with the longer side at most max_side (never upscales)."""
    longer = max(width, height)
    if longer <= max_side:
        return width, height
    scale = max_side / longer
    if width >= height:
        return max_side, max(1, round(height * scale))
    return max(1, round(width * scale)), max_side


def _frames(path: PathLike, output_params: list[str]) -> Iterator[np.ndarray]:
    """Generator behind iter_video_frames: decode with ffmpeg, yield RGB arrays."""
    reader = imageio_ffmpeg.read_frames(_ffmpeg_path(path), output_params=output_params)
    try:
        meta = _first_meta(reader, path)
        width, height = meta["size"]
        index = 0
        while True:
            try:
                raw = next(reader)
            except StopIteration:
                return
            except RuntimeError as err:
                logger.debug("decoding %s failed: %s", path, err)
                raise InputError(f"cannot read video '{path}': decoding failed at frame {index}") from None
            yield np.frombuffer(raw, dtype=np.uint8).reshape(height, width, 3).copy()
            index += 1
    finally:
        reader.close()


def _read_meta(path: PathLike) -> dict:
    """Start ffmpeg on path just long enough to read its stream header."""
    check_input_file(path, "video")
    reader = imageio_ffmpeg.read_frames(_ffmpeg_path(path), output_params=["-an", "-sn"])
    try:
        return _first_meta(reader, path)
    finally:
        reader.close()


class _HideResizeNotice(logging.Filter):
    """Drop imageio_ffmpeg's warning that the output size differs from the source (we asked for it)."""

    def filter(self, record: logging.LogRecord) -> bool:
        return not record.getMessage().startswith("The frame size for reading")


def _first_meta(reader: Iterator, path: PathLike) -> dict:
    """Pull the metadata dict from an imageio_ffmpeg reader, mapping failures to InputError."""
    imageio_logger = logging.getLogger("imageio_ffmpeg")
    notice_filter = _HideResizeNotice()
    imageio_logger.addFilter(notice_filter)
    try:
        meta = next(reader)
    except (OSError, RuntimeError, StopIteration, IndexError, ValueError, AttributeError) as err:
        logger.debug("ffmpeg could not open %s: %s", path, err)
        raise InputError(f"cannot read video '{path}': not a video ffmpeg can decode") from None
    finally:
        imageio_logger.removeFilter(notice_filter)
    if not meta.get("size") or min(meta["size"]) <= 0:
        raise InputError(f"cannot read video '{path}': it has no video frames")
    return meta


def _ffmpeg_path(path: PathLike) -> str:
    """An absolute path, so ffmpeg never mistakes 'a:b.mp4' for a protocol or '-x.mp4' for an option."""
    return os.path.abspath(os.fspath(path))


def _check_max_side(max_side: int | None) -> None:
    """Validate the optional max_side argument."""
    if max_side is None:
        return
    if isinstance(max_side, bool) or not isinstance(max_side, (int, np.integer)) or max_side <= 0:
        raise InputError(f"max_side must be a positive whole number of pixels, got {max_side!r}")


def _run(cmd: list[str]) -> subprocess.CompletedProcess:
    """Run ffmpeg, capturing its text output."""
    logger.debug("running %s", " ".join(cmd))
    return subprocess.run(
        cmd, stdin=subprocess.DEVNULL, capture_output=True, text=True, errors="replace", timeout=_FFMPEG_TIMEOUT_S
    )


def _last_line(text: str) -> str:
    """The last non-empty line of ffmpeg's stderr, which usually names the problem."""
    lines = [line.strip() for line in text.splitlines() if line.strip()]
    return lines[-1] if lines else "ffmpeg failed"
