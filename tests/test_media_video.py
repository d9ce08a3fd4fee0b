"""Tests for the streaming video writer, the video reader and contact sheets."""

from __future__ import annotations

import os
import re
import stat
import subprocess
import wave
from pathlib import Path

import imageio_ffmpeg
import numpy as np
import pytest
from PIL import Image

from tests.wav_files import write_wav
from toolkit.errors import InputError
from toolkit.media import video_writer
from toolkit.media.contact_sheet import ContactSheetCollector, make_contact_sheet, pick_frame_indices
from toolkit.media.video_reader import VideoInfo, extract_audio, has_audio_track, iter_video_frames, probe_video
from toolkit.media.video_writer import VideoWriter, output_kind

W, H = 64, 48


def _square_frames(n: int, w: int = W, h: int = H) -> list[np.ndarray]:
    """A bright square moving right over a flat background."""
    frames = []
    for i in range(n):
        frame = np.empty((h, w, 3), np.uint8)
        frame[:] = (40, 70, 110)
        frame[12:28, 3 + 4 * i: 19 + 4 * i] = (240, 200, 40)
        frames.append(frame)
    return frames


def _sine_wav(path: Path, seconds: float, rate: int = 16000) -> Path:
    """A mono 16-bit 440 Hz tone."""
    return write_wav(path, 8000 / 32767 * np.sin(2 * np.pi * 440 * np.arange(int(seconds * rate)) / rate), rate)


def _ffmpeg_header(path: Path) -> str:
    """What `ffmpeg -i` says about a file (stderr)."""
    exe = imageio_ffmpeg.get_ffmpeg_exe()
    return subprocess.run([exe, "-hide_banner", "-i", str(path)], capture_output=True, text=True).stderr


def _write(path: Path, frames: list[np.ndarray], fps: float = 10, **kwargs) -> None:
    with VideoWriter(path, fps=fps, size=(frames[0].shape[1], frames[0].shape[0]), **kwargs) as writer:
        for frame in frames:
            writer.write(frame)
        assert writer.frames_written == len(frames)


def _mean_abs_diff(a: list[np.ndarray], b: list[np.ndarray]) -> float:
    return float(np.mean([np.abs(x.astype(int) - y.astype(int)).mean() for x, y in zip(a, b)]))


@pytest.fixture(scope="module")
def mp4_with_audio(tmp_path_factory) -> tuple[Path, list[np.ndarray]]:
    folder = tmp_path_factory.mktemp("mp4")
    audio = _sine_wav(folder / "tone.wav", 1.0)
    frames = _square_frames(10)
    out = folder / "clip.mp4"
    _write(out, frames, fps=10, audio=audio)
    return out, frames


def test_mp4_with_audio_reads_back(mp4_with_audio):
    path, frames = mp4_with_audio
    info = probe_video(path)
    assert isinstance(info, VideoInfo)
    assert (info.width, info.height) == (W, H)
    assert info.fps == pytest.approx(10)
    assert info.duration == pytest.approx(1.0, abs=0.05)
    assert info.n_frames == 10
    assert info.has_audio
    back = list(iter_video_frames(path))
    assert len(back) == 10
    assert back[0].shape == (H, W, 3) and back[0].dtype == np.uint8
    assert _mean_abs_diff(frames, back) < 6


def test_mp4_is_h264_yuv420p_with_aac(mp4_with_audio):
    header = _ffmpeg_header(mp4_with_audio[0])
    video = [line for line in header.splitlines() if "Video:" in line]
    audio = [line for line in header.splitlines() if "Audio:" in line]
    assert video and "h264" in video[0] and "yuv420p" in video[0]
    assert audio and "aac" in audio[0]


def test_folder_holds_only_the_outputs(mp4_with_audio):
    names = sorted(p.name for p in mp4_with_audio[0].parent.iterdir())
    assert names == ["clip.mp4", "tone.wav"]


@pytest.mark.parametrize("audio_seconds", [0.4, 3.0])
def test_video_length_wins_over_audio(tmp_path, audio_seconds):
    audio = _sine_wav(tmp_path / "a.wav", audio_seconds)
    out = tmp_path / "v.mov"
    _write(out, _square_frames(10), fps=5, audio=audio)
    duration = re.search(r"Duration: (\d+):(\d+):([\d.]+)", _ffmpeg_header(out))
    assert duration is not None
    seconds = float(duration.group(3)) + 60 * int(duration.group(2))
    assert seconds == pytest.approx(2.0, abs=0.05)
    assert len(list(iter_video_frames(out))) == 10


def test_mkv_without_audio(tmp_path):
    out = tmp_path / "v.mkv"
    _write(out, _square_frames(6))
    info = probe_video(out)
    assert not info.has_audio and (info.width, info.height) == (W, H)
    assert len(list(iter_video_frames(out))) == 6


def test_gif_loops_and_reads_back(tmp_path):
    out = tmp_path / "anim.gif"
    frames = _square_frames(8, w=65, h=47)  # odd sizes are fine outside H.264
    _write(out, frames)
    with Image.open(out) as im:
        assert im.n_frames == 8 and im.size == (65, 47)
        assert im.info.get("loop") == 0
    back = list(iter_video_frames(out))
    assert len(back) == 8
    assert _mean_abs_diff(frames, back) < 6


def test_webp_loops_and_reads_back(tmp_path):
    out = tmp_path / "anim.webp"
    frames = _square_frames(8)
    _write(out, frames)
    with Image.open(out) as im:
        assert im.n_frames == 8 and im.size == (W, H)
        assert im.info.get("loop") == 0
        im.seek(3)
        assert np.abs(np.asarray(im.convert("RGB")).astype(int) - frames[3]).mean() < 6


def test_webp_pillow_fallback(tmp_path, monkeypatch):
    monkeypatch.setattr(video_writer, "webp_encoder_available", lambda: False)
    out = tmp_path / "fallback.webp"
    frames = _square_frames(5)
    _write(out, frames)
    assert [p.name for p in tmp_path.iterdir()] == ["fallback.webp"]
    with Image.open(out) as im:
        assert im.n_frames == 5 and im.info.get("loop") == 0


def test_bundled_ffmpeg_encoders():
    assert video_writer.webp_encoder_available()


def test_png_sequence(tmp_path):
    folder = tmp_path / "frames"
    folder.mkdir()
    frames = _square_frames(4)
    _write(folder / "f_%04d.png", frames)
    assert sorted(p.name for p in tmp_path.iterdir()) == ["frames"]
    assert sorted(p.name for p in folder.iterdir()) == [f"f_{i:04d}.png" for i in range(4)]
    back = np.asarray(Image.open(folder / "f_0002.png").convert("RGB"))
    np.testing.assert_array_equal(back, frames[2])


@pytest.mark.parametrize("name", ["clip.mp4", "anim.gif", "anim.webp", "seq_%03d.png"])
def test_exception_inside_with_leaves_nothing(tmp_path, name):
    frames = _square_frames(3)
    with pytest.raises(RuntimeError, match="boom"):
        with VideoWriter(tmp_path / name, fps=10, size=(W, H)) as writer:
            for frame in frames:
                writer.write(frame)
            raise RuntimeError("boom")
    assert list(tmp_path.iterdir()) == []


def test_exception_with_audio_leaves_nothing(tmp_path):
    audio = _sine_wav(tmp_path / "a.wav", 0.5)
    with pytest.raises(KeyError):
        with VideoWriter(tmp_path / "out.mp4", fps=10, size=(W, H), audio=audio) as writer:
            writer.write(_square_frames(1)[0])
            raise KeyError("stop")
    assert [p.name for p in tmp_path.iterdir()] == ["a.wav"]


def test_existing_output_survives_a_failed_run(tmp_path):
    out = tmp_path / "keep.mp4"
    _write(out, _square_frames(4))
    before = out.read_bytes()
    with pytest.raises(ValueError):
        with VideoWriter(out, fps=10, size=(W, H)) as writer:
            writer.write(_square_frames(1)[0])
            writer.write(np.zeros((H + 2, W, 3), np.uint8))  # wrong size
    assert out.read_bytes() == before
    assert [p.name for p in tmp_path.iterdir()] == ["keep.mp4"]


def test_zero_frames_is_an_error_and_leaves_nothing(tmp_path):
    with pytest.raises(ValueError, match="no frames"):
        with VideoWriter(tmp_path / "empty.mp4", fps=10, size=(W, H)):
            pass
    assert list(tmp_path.iterdir()) == []


def test_frame_validation(tmp_path):
    with VideoWriter(tmp_path / "v.gif", fps=10, size=(W, H)) as writer:
        with pytest.raises(ValueError, match="uint8"):
            writer.write(np.zeros((H, W, 3), np.float32))
        with pytest.raises(ValueError):
            writer.write(np.zeros((H, W), np.uint8))
        writer.write(_square_frames(1)[0])
    assert (tmp_path / "v.gif").exists()


def test_bad_extension_and_missing_folder_fail_at_construction(tmp_path):
    with pytest.raises(InputError, match=r"unsupported output '.*x\.avi': use \.mp4, \.mov, \.mkv, \.gif, \.webp"):
        VideoWriter(tmp_path / "x.avi", fps=10, size=(W, H))
    with pytest.raises(InputError, match="unsupported output"):
        VideoWriter(tmp_path / "x.png", fps=10, size=(W, H))
    with pytest.raises(InputError, match="folder does not exist"):
        VideoWriter(tmp_path / "nowhere" / "x.mp4", fps=10, size=(W, H))
    with pytest.raises(InputError, match="folder does not exist"):
        VideoWriter(tmp_path / "nowhere" / "%04d.png", fps=10, size=(W, H))
    assert list(tmp_path.iterdir()) == []


def test_bad_audio_fails_at_construction(tmp_path):
    with pytest.raises(InputError, match="cannot read audio .*does not exist"):
        VideoWriter(tmp_path / "x.mp4", fps=10, size=(W, H), audio=tmp_path / "missing.wav")
    (tmp_path / "noise.wav").write_text("not audio at all")
    with pytest.raises(InputError, match="cannot read audio"):
        VideoWriter(tmp_path / "x.mp4", fps=10, size=(W, H), audio=tmp_path / "noise.wav")


def test_odd_video_size_and_bad_options(tmp_path):
    with pytest.raises(ValueError, match="even"):
        VideoWriter(tmp_path / "x.mp4", fps=10, size=(W + 1, H))
    with pytest.raises(ValueError, match="fps"):
        VideoWriter(tmp_path / "x.mp4", fps=0, size=(W, H))
    with pytest.raises(ValueError, match="crf"):
        VideoWriter(tmp_path / "x.mp4", fps=10, size=(W, H), crf=99)
    with pytest.raises(ValueError, match="preset"):
        VideoWriter(tmp_path / "x.mp4", fps=10, size=(W, H), preset="warp9")


@pytest.mark.parametrize(
    "path, kind",
    [("a.mp4", "video"), ("A.MOV", "video"), ("a.m4v", "video"), ("a.mkv", "video"), ("a.gif", "gif"),
     ("a.webp", "webp"), ("frames/%04d.png", "png-sequence"), ("frames_%d.png", "png-sequence")],
)
def test_output_kind(path, kind):
    assert output_kind(path) == kind


@pytest.mark.parametrize("path", ["a.avi", "a.png", "a.webm", "a", "a_%04d_%04d.png", "a%s.png", "%04d/a.png"])
def test_output_kind_rejects(path):
    with pytest.raises(InputError, match="unsupported output"):
        output_kind(path)


def test_iter_frames_max_side_keeps_aspect_even(tmp_path):
    out = tmp_path / "big.mp4"
    _write(out, _square_frames(3, w=200, h=100))
    small = list(iter_video_frames(out, max_side=51))
    assert len(small) == 3
    assert small[0].shape == (26, 50, 3)  # 51x26 -> cropped to even width
    same = list(iter_video_frames(out, max_side=1000))
    assert same[0].shape == (100, 200, 3)


def test_iter_frames_max_side_crops_odd_height(tmp_path):
    out = tmp_path / "tall.mkv"
    _write(out, _square_frames(2, w=60, h=200))
    small = list(iter_video_frames(out, max_side=50))
    assert small[0].shape == (50, 14, 3)  # 15x50 -> cropped to 14x50


def test_reader_errors(tmp_path):
    with pytest.raises(InputError, match="does not exist"):
        probe_video(tmp_path / "nope.mp4")
    junk = tmp_path / "junk.mp4"
    junk.write_bytes(b"\x00\x01 definitely not a video" * 10)
    with pytest.raises(InputError, match=r"cannot read video '.*junk\.mp4'"):
        probe_video(junk)
    with pytest.raises(InputError, match="cannot read video"):
        list(iter_video_frames(junk))
    with pytest.raises(InputError, match="max_side"):
        iter_video_frames(junk, max_side=0)


def test_extract_audio(tmp_path, mp4_with_audio):
    out = tmp_path / "track.wav"
    assert extract_audio(mp4_with_audio[0], out, sample_rate=8000)
    with wave.open(str(out)) as wav:
        assert wav.getframerate() == 8000
        assert wav.getnframes() / 8000 == pytest.approx(1.0, abs=0.1)
    silent = tmp_path / "silent.mkv"
    _write(silent, _square_frames(2))
    assert not extract_audio(silent, tmp_path / "none.wav")
    assert not (tmp_path / "none.wav").exists()
    assert has_audio_track(out)
    assert sorted(p.name for p in tmp_path.iterdir()) == ["silent.mkv", "track.wav"]


def test_pick_frame_indices():
    assert pick_frame_indices(100, 8)[0] == 0 and pick_frame_indices(100, 8)[-1] == 99
    assert len(pick_frame_indices(100, 8)) == 8
    assert pick_frame_indices(5, 8) == [0, 1, 2, 3, 4]
    assert pick_frame_indices(10, 1) == [0]
    assert pick_frame_indices(0, 4) == []
    assert pick_frame_indices(3, 2) == [0, 2]


def test_contact_sheet_collector():
    frames = [np.full((100, 640, 3), i * 10, np.uint8) for i in range(20)]
    collector = ContactSheetCollector(n_frames=20, n_tiles=6)
    for i, frame in enumerate(frames):
        collector.offer(i, frame)
    sheet = collector.sheet(cols=3)
    # 6 thumbnails of 320x50 in a 3x2 grid with 4-pixel gaps.
    assert sheet.shape == (2 * 50 + 3 * 4, 3 * 320 + 4 * 4, 3)
    assert sheet.dtype == np.uint8
    # The label box darkens the top-left corner of each tile; elsewhere the tile keeps its value.
    assert sheet[4 + 40, 4 + 300, 0] == 0  # frame 0
    last_value = frames[19][0, 0, 0]
    assert sheet[4 + 50 + 4 + 40, 4 + 2 * (320 + 4) + 300, 0] == last_value


def test_make_contact_sheet_labels_and_grid():
    tiles = [np.full((10, 20, 3), 100, np.uint8) for _ in range(5)]
    sheet = make_contact_sheet(tiles, cols=2)
    assert sheet.shape == (3 * 10 + 4 * 4, 2 * 20 + 3 * 4, 3)
    labelled = make_contact_sheet(tiles, cols=2, labels=[str(i) for i in range(5)])
    assert not np.array_equal(sheet, labelled)
    with pytest.raises(ValueError):
        make_contact_sheet([])


def test_encoder_failure_leaves_nothing(tmp_path, monkeypatch):
    monkeypatch.setattr(VideoWriter, "_x264_params", lambda self: ["-crf", "not-a-number"])
    with pytest.raises(RuntimeError, match="ffmpeg"):
        with VideoWriter(tmp_path / "broken.mp4", fps=10, size=(W, H)) as writer:
            for frame in _square_frames(30):
                writer.write(frame)
    assert list(tmp_path.iterdir()) == []


def test_probe_gif_and_webp(tmp_path):
    for name in ("a.gif", "a.webp"):
        _write(tmp_path / name, _square_frames(6))
        info = probe_video(tmp_path / name)
        assert (info.width, info.height) == (W, H) and not info.has_audio
        assert info.fps == pytest.approx(10)


def _umask() -> int:
    current = os.umask(0)
    os.umask(current)
    return current


def test_outputs_get_normal_permissions(tmp_path):
    _write(tmp_path / "v.mp4", _square_frames(2))
    expected = 0o666 & ~_umask()
    assert stat.S_IMODE((tmp_path / "v.mp4").stat().st_mode) == expected


@pytest.mark.skipif(not hasattr(os, "geteuid") or os.geteuid() == 0, reason="root ignores folder permissions")
def test_read_only_folder_fails_at_construction(tmp_path):
    folder = tmp_path / "locked"
    folder.mkdir()
    folder.chmod(0o500)
    try:
        with pytest.raises(InputError, match="permission denied"):
            VideoWriter(folder / "x.mp4", fps=10, size=(W, H))
    finally:
        folder.chmod(0o700)


def test_reads_webm(tmp_path):
    out = tmp_path / "clip.webm"
    cmd = [imageio_ffmpeg.get_ffmpeg_exe(), "-v", "error", "-f", "lavfi", "-i", "testsrc=size=64x48:rate=10",
           "-frames:v", "5", "-c:v", "libvpx-vp9", "-deadline", "realtime", str(out)]
    if subprocess.run(cmd, capture_output=True).returncode != 0:
        pytest.skip("this ffmpeg cannot encode VP9")
    info = probe_video(out)
    assert (info.width, info.height, info.has_audio) == (64, 48, False)
    assert len(list(iter_video_frames(out))) == 5
