"""Streaming, atomic writer for rendered clips: H.264 video, GIF, WebP or a PNG sequence."""

from __future__ import annotations

import logging
import os
import re
import shutil
import subprocess
import tempfile
from fractions import Fraction
from pathlib import Path
from types import TracebackType
from typing import Iterator, Protocol, Union

import cv2
import imageio_ffmpeg
import numpy as np
from PIL import Image

from toolkit.errors import InputError
from toolkit.media.images import check_output_folder, remove_quietly, reserve_temp_file
from toolkit.media.video_reader import has_audio_track

logger = logging.getLogger(__name__)

PathLike = Union[str, "os.PathLike[str]"]

SUPPORTED_OUTPUTS = "use .mp4, .mov, .mkv, .gif, .webp or a PNG pattern like frames_%04d.png"
_VIDEO_SUFFIXES = (".mp4", ".mov", ".m4v", ".mkv")
_FASTSTART_SUFFIXES = (".mp4", ".mov", ".m4v")
_FRAME_PATTERN = re.compile(r"%0?\d*d")
_X264_PRESETS = (
    "ultrafast", "superfast", "veryfast", "faster", "fast", "medium", "slow", "slower", "veryslow", "placebo",
)
_BT709_TAGS = [
    "-vf", "scale=out_color_matrix=bt709:out_range=tv",
    "-colorspace", "bt709", "-color_primaries", "bt709", "-color_trc", "bt709",
]
_GIF_FILTER = "split[a][b];[a]palettegen=stats_mode=full[p];[b][p]paletteuse=dither=sierra2_4a"
_WEBP_QUALITY = 90
_FFMPEG_TIMEOUT_S = 600.0


def output_kind(path: PathLike) -> str:
    """Classify an output path as 'video', 'gif', 'webp' or 'png-sequence'; InputError if unsupported."""
    name = os.path.basename(os.fspath(path))
    suffix = os.path.splitext(name)[1].lower()
    if suffix == ".png" and is_frame_pattern(name):
        return "png-sequence"
    if suffix in _VIDEO_SUFFIXES:
        return "video"
    if suffix == ".gif":
        return "gif"
    if suffix == ".webp":
        return "webp"
    raise InputError(f"unsupported output '{path}': {SUPPORTED_OUTPUTS}")


def is_frame_pattern(name: str) -> bool:
    """True if a file name holds exactly one printf frame number such as %04d and no other '%'."""
    return len(_FRAME_PATTERN.findall(name)) == 1 and "%" not in _FRAME_PATTERN.sub("", name)


def webp_encoder_available() -> bool:
    """True if the bundled ffmpeg can encode animated WebP (libwebp_anim)."""
    try:
        result = subprocess.run(
            [imageio_ffmpeg.get_ffmpeg_exe(), "-hide_banner", "-encoders"],
            stdin=subprocess.DEVNULL, capture_output=True, text=True, errors="replace", timeout=30,
        )
    except (OSError, subprocess.SubprocessError):
        return False
    return re.search(r"^\s*V\S*\s+libwebp_anim\s", result.stdout, re.MULTILINE) is not None


class _Encoder(Protocol):
    """What the writer needs from a frame sink."""

    def write(self, frame: np.ndarray) -> None: ...

    def finish(self) -> None: ...

    def abort(self) -> None: ...


class _FfmpegPipe:
    """Raw RGB frames piped into one ffmpeg process through imageio_ffmpeg.write_frames."""

    def __init__(self, out_path: str, size: tuple[int, int], fps: float, codec: str, pix_fmt_out: str,
                 output_params: list[str]) -> None:
        self.out_path = out_path
        self._gen = imageio_ffmpeg.write_frames(
            out_path, size, fps=fps, codec=codec, pix_fmt_out=pix_fmt_out, quality=None,
            macro_block_size=1, ffmpeg_log_level="error", output_params=output_params,
        )
        self._gen.send(None)

    def write(self, frame: np.ndarray) -> None:
        try:
            self._gen.send(frame)
        except OSError as err:
            logger.debug("ffmpeg pipe broke: %s", err)
            raise RuntimeError(f"ffmpeg stopped while encoding '{self.out_path}' (see its message above)") from None

    def finish(self) -> None:
        self._gen.close()  # waits for ffmpeg to flush and exit
        _check_encoded(self.out_path)

    def abort(self) -> None:
        self._gen.close()


class _PngFolder:
    """Numbered PNG files written into a (temporary) folder."""

    def __init__(self, folder: Path, pattern: str) -> None:
        self.folder = folder
        self.pattern = pattern
        self.count = 0

    def write(self, frame: np.ndarray) -> None:
        ok, data = cv2.imencode(".png", cv2.cvtColor(frame, cv2.COLOR_RGB2BGR), [cv2.IMWRITE_PNG_COMPRESSION, 3])
        if not ok:
            raise RuntimeError(f"could not encode frame {self.count} as PNG")
        (self.folder / (self.pattern % self.count)).write_bytes(data.tobytes())
        self.count += 1

    def paths(self) -> Iterator[Path]:
        """The frame files in write order."""
        return (self.folder / (self.pattern % i) for i in range(self.count))

    def finish(self) -> None:
        pass

    def abort(self) -> None:
        pass


class VideoWriter:
    """Stream frames to a video/GIF/WebP/PNG-sequence file that appears only when close() succeeds."""

    def __init__(self, path: PathLike, fps: float, size: tuple[int, int], audio: PathLike | None = None,
                 crf: int = 18, preset: str = "veryfast") -> None:
        self.path = Path(path)
        self.kind = output_kind(path)
        self.fps = _check_fps(fps)
        self.size = _check_size(size, self.kind)
        self.crf = _check_crf(crf)
        self.preset = _check_preset(preset)
        self.audio = _check_audio(audio, self.kind)
        self._folder = check_output_folder(self.path)
        self._temps: list[Path] = []
        self._encoder: _Encoder | None = None
        self._frames = 0
        self._state = "open"
        self._staging = self._make_staging()

    @property
    def frames_written(self) -> int:
        """Number of frames accepted so far."""
        return self._frames

    def __enter__(self) -> "VideoWriter":
        return self

    def __exit__(self, exc_type: type[BaseException] | None, exc: BaseException | None,
                 tb: TracebackType | None) -> None:
        if exc_type is None:
            self.close()
        else:
            self.abort()

    def write(self, frame: np.ndarray) -> None:
        """Encode one (H, W, 3) uint8 RGB frame of the writer's size."""
        if self._state != "open":
            raise ValueError(f"cannot write to '{self.path}': the writer is {self._state}")
        frame = _check_frame(frame, self.size)
        try:
            if self._encoder is None:
                self._encoder = self._start_encoder()
            self._encoder.write(frame)
        except BaseException:
            self.abort()
            raise
        self._frames += 1

    def close(self) -> None:
        """Finish encoding and move the output into place; on any failure nothing is left behind."""
        if self._state != "open":
            return
        self._state = "closing"
        try:
            if self._frames == 0:
                raise ValueError(f"no frames were written to '{self.path}'")
            assert self._encoder is not None
            self._encoder.finish()
            self._publish()
        except BaseException:
            self._discard()
            self._state = "failed"
            raise
        self._state = "closed"
        logger.info("wrote %d frames to %s", self._frames, self.path)

    def abort(self) -> None:
        """Stop encoding and remove every temporary file; the destination is left untouched."""
        if self._state in ("closed", "aborted"):
            return
        self._discard()
        self._state = "aborted"

    # -- internals -------------------------------------------------------------------------------

    def _make_staging(self) -> Path:
        """Create the temporary file (or folder, for PNG sequences) next to the destination."""
        prefix = f".{_stem_for_temp(self.path.name)}.tmp-"
        try:
            if self.kind == "png-sequence":
                staging = Path(tempfile.mkdtemp(prefix=prefix, dir=self._folder))
            else:
                staging = reserve_temp_file(self._folder, _stem_for_temp(self.path.name), self.path.suffix)
        except PermissionError:
            raise InputError(f"cannot write output '{self.path}': permission denied") from None
        except OSError as err:
            raise InputError(f"cannot write output '{self.path}': {err.strerror or err}") from None
        self._temps.append(staging)
        return staging

    def _start_encoder(self) -> _Encoder:
        """Launch the encoder for this output kind (on the first frame, so no process idles during setup)."""
        if self.kind == "png-sequence":
            return _PngFolder(self._staging, self.path.name)
        if self.kind == "gif":
            return _FfmpegPipe(str(self._staging), self.size, self.fps, "gif", "pal8",
                               ["-vf", _GIF_FILTER, "-loop", "0"])
        if self.kind == "webp":
            if webp_encoder_available():
                return _FfmpegPipe(str(self._staging), self.size, self.fps, "libwebp_anim", "yuv420p",
                                   ["-loop", "0", "-quality", str(_WEBP_QUALITY), "-compression_level", "4"])
            logger.info("ffmpeg has no libwebp_anim encoder; staging PNG frames for Pillow")
            folder = Path(tempfile.mkdtemp(prefix=f".{_stem_for_temp(self.path.name)}.frames-", dir=self._folder))
            self._temps.append(folder)
            return _PngFolder(folder, "%06d.png")
        return _FfmpegPipe(str(self._video_pass_path()), self.size, self.fps, "libx264", "yuv420p",
                           self._x264_params())

    def _video_pass_path(self) -> Path:
        """Where the video stream is encoded: the staging file, or a second temp file when audio is muxed later."""
        if self.audio is None:
            return self._staging
        video_only = reserve_temp_file(self._folder, _stem_for_temp(self.path.name) + ".video", self.path.suffix)
        self._temps.append(video_only)
        return video_only

    def _x264_params(self) -> list[str]:
        """ffmpeg output options for the H.264 pass."""
        params = ["-preset", self.preset, "-crf", str(self.crf)] + _BT709_TAGS
        if self.audio is None and self.path.suffix.lower() in _FASTSTART_SUFFIXES:
            params += ["-movflags", "+faststart"]
        return params

    def _publish(self) -> None:
        """Turn the finished staging output into the destination."""
        if self.kind == "png-sequence":
            assert isinstance(self._encoder, _PngFolder)
            _move_frames(self._encoder, self.path.parent if str(self.path.parent) else Path("."))
            shutil.rmtree(self._staging, ignore_errors=True)
            return
        if self.kind == "webp" and isinstance(self._encoder, _PngFolder):
            _encode_webp_with_pillow(self._encoder, self._staging, self.fps)
        if self.kind == "video" and self.audio is not None:
            assert isinstance(self._encoder, _FfmpegPipe)
            _mux_audio(Path(self._encoder.out_path), self.audio, self._staging, self._duration())
        os.replace(self._staging, self.path)
        self._temps.remove(self._staging)
        self._discard()  # any remaining intermediates

    def _duration(self) -> Fraction:
        """Exact clip length from the frame count and the frame rate ffmpeg was given."""
        return self._frames / Fraction(self.fps).limit_denominator()

    def _discard(self) -> None:
        """Stop the encoder if running and delete all temporary files and folders."""
        encoder, self._encoder = self._encoder, None
        if encoder is not None and self._state != "closing":
            try:
                encoder.abort()
            except Exception as err:  # cleanup must go on
                logger.debug("stopping the encoder failed: %s", err)
        for temp in reversed(self._temps):
            if temp.is_dir():
                shutil.rmtree(temp, ignore_errors=True)
            else:
                remove_quietly(temp)
        self._temps.clear()


def _mux_audio(video: Path, audio: Path, out: Path, duration: Fraction) -> None:
    """Copy the video stream and add the audio as AAC, padded or cut to exactly the video's length."""
    cmd = [
        imageio_ffmpeg.get_ffmpeg_exe(), "-y", "-nostdin", "-v", "error",
        "-i", str(video), "-i", os.path.abspath(audio),
        "-map", "0:v:0", "-map", "1:a:0", "-c:v", "copy",
        "-af", "apad", "-c:a", "aac", "-b:a", "192k",
        "-t", f"{float(duration):.6f}",
    ]
    if out.suffix.lower() in _FASTSTART_SUFFIXES:
        cmd += ["-movflags", "+faststart"]
    cmd.append(str(out))
    result = subprocess.run(cmd, stdin=subprocess.DEVNULL, capture_output=True, text=True, errors="replace",
                            timeout=_FFMPEG_TIMEOUT_S)
    if result.returncode != 0:
        detail = result.stderr.strip().splitlines()[-1] if result.stderr.strip() else "ffmpeg failed"
        raise RuntimeError(f"could not add the audio track '{audio}': {detail}")
    _check_encoded(str(out))


def _encode_webp_with_pillow(frames: _PngFolder, out: Path, fps: float) -> None:
    """Fallback animated WebP encoder: reads the staged PNGs back one at a time."""
    paths = list(frames.paths())
    with Image.open(paths[0]) as first:
        first.save(
            out, format="WEBP", save_all=True, append_images=[Image.open(p) for p in paths[1:]],
            duration=max(1, round(1000 / fps)), loop=0, quality=_WEBP_QUALITY,
        )


def _move_frames(frames: _PngFolder, destination: Path) -> None:
    """Move the staged PNG files to their final names, warning about stale frames from an earlier run."""
    for source in frames.paths():
        os.replace(source, destination / source.name)
    stale = destination / (frames.pattern % frames.count)
    if stale.exists():
        logger.warning("'%s' is left over from an earlier run; frames from %d on are not part of this clip",
                       stale, frames.count)


def _check_encoded(path: str) -> None:
    """Raise RuntimeError unless ffmpeg left a non-empty file (write_frames does not report its exit code)."""
    try:
        size = os.path.getsize(path)
    except OSError:
        size = 0
    if size == 0:
        raise RuntimeError(f"ffmpeg produced no output for '{path}' (see its message above)")


def _stem_for_temp(name: str) -> str:
    """A file-name stem safe to embed in a temporary name (frame patterns defused)."""
    return os.path.splitext(name)[0].replace("%", "pct")


def _check_fps(fps: float) -> float:
    """Validate a positive, finite frame rate."""
    if isinstance(fps, bool) or not isinstance(fps, (int, float, Fraction, np.number)) or not np.isfinite(float(fps)) \
            or float(fps) <= 0:
        raise ValueError(f"fps must be a positive number, got {fps!r}")
    return float(fps)


def _check_size(size: tuple[int, int], kind: str) -> tuple[int, int]:
    """Validate (w, h); H.264 yuv420p needs both even."""
    if (
        not isinstance(size, (tuple, list))
        or len(size) != 2
        or not all(isinstance(v, (int, np.integer)) and not isinstance(v, bool) and v > 0 for v in size)
    ):
        raise ValueError(f"size must be a (width, height) pair of positive ints, got {size!r}")
    width, height = int(size[0]), int(size[1])
    if kind == "video" and (width % 2 or height % 2):
        raise ValueError(f"video size must be even for H.264 yuv420p, got {width}x{height}")
    return width, height


def _check_crf(crf: int) -> int:
    """Validate an x264 constant rate factor (0-51)."""
    if isinstance(crf, bool) or not isinstance(crf, (int, np.integer)) or not 0 <= crf <= 51:
        raise ValueError(f"crf must be a whole number from 0 to 51, got {crf!r}")
    return int(crf)


def _check_preset(preset: str) -> str:
    """Validate an x264 preset name."""
    if preset not in _X264_PRESETS:
        raise ValueError(f"unknown x264 preset {preset!r}; choose one of {', '.join(_X264_PRESETS)}")
    return preset


def _check_audio(audio: PathLike | None, kind: str) -> Path | None:
    """Validate the audio input up front; formats without sound ignore it with a warning."""
    if audio is None:
        return None
    if kind != "video":
        logger.warning("%s output has no sound; ignoring the audio '%s'", kind, audio)
        return None
    if not has_audio_track(audio, what="audio"):
        raise InputError(f"audio '{audio}' has no audio track")
    return Path(audio)


def _check_frame(frame: np.ndarray, size: tuple[int, int]) -> np.ndarray:
    """Validate an RGB uint8 frame of the expected (w, h) and return it C-contiguous."""
    width, height = size
    if not isinstance(frame, np.ndarray) or frame.dtype != np.uint8 or frame.shape != (height, width, 3):
        shape = getattr(frame, "shape", None)
        dtype = getattr(frame, "dtype", type(frame).__name__)
        raise ValueError(f"frame must be a ({height}, {width}, 3) uint8 RGB array, got shape {shape} and dtype {dtype}")
    return np.ascontiguousarray(frame)
