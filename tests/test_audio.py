"""Audio for talking portraits: decoding any file to 16 kHz mono in a stream, and per-video-frame features."""

from __future__ import annotations

import subprocess
from pathlib import Path

import imageio_ffmpeg
import numpy as np
import pytest
from PIL import Image

from tests.wav_files import write_wav
from toolkit.audio.decode import SAMPLE_RATE, iter_audio_blocks, load_audio, probe_audio
from toolkit.audio.features import (
    RELEASE_S,
    analyse_audio,
    band_envelope,
    frame_features,
    jaw_smooth,
)
from toolkit.errors import InputError

FPS = 25
BURST_STARTS_S = (0.5, 1.5)
BURST_LENGTH_S = 0.5
CLIP_LENGTH_S = 2.5
FEATURE_NAMES = ("rms_db", "loudness", "onset", "centroid_hz", "f2_hz", "low_ratio", "flatness", "zcr",
                 "pitch_hz", "voiced")


def harmonic_tone(f0: float, seconds: float, sample_rate: int = SAMPLE_RATE, n_harmonics: int = 6) -> np.ndarray:
    """A buzzy periodic tone (harmonics falling as 1/k) peaking at 0.5."""
    t = np.arange(round(seconds * sample_rate)) / sample_rate
    tone = sum(np.sin(2 * np.pi * f0 * k * t) / k for k in range(1, n_harmonics + 1))
    return (0.5 * tone / np.abs(tone).max()).astype(np.float32)


def white_noise(seconds: float, sample_rate: int = SAMPLE_RATE, rms: float = 0.2, seed: int = 0) -> np.ndarray:
    return (rms * np.random.default_rng(seed).standard_normal(round(seconds * sample_rate))).astype(np.float32)


def bursts(kind: str, sample_rate: int = SAMPLE_RATE) -> np.ndarray:
    """CLIP_LENGTH_S of silence with a burst of a 200 Hz tone or of noise at each of BURST_STARTS_S."""
    clip = np.zeros(round(CLIP_LENGTH_S * sample_rate), np.float32)
    burst = harmonic_tone(200, BURST_LENGTH_S, sample_rate) if kind == "tone" else white_noise(BURST_LENGTH_S,
                                                                                               sample_rate)
    for start in BURST_STARTS_S:
        first = round(start * sample_rate)
        clip[first:first + len(burst)] = burst
    return clip


def frames_between(start_s: float, stop_s: float, fps: float = FPS) -> np.ndarray:
    """Indices of the video frames centred in [start_s, stop_s)."""
    return np.arange(int(np.ceil(start_s * fps)), int(np.ceil(stop_s * fps)))


def ffmpeg(*args: str) -> None:
    subprocess.run([imageio_ffmpeg.get_ffmpeg_exe(), "-v", "error", "-y", "-nostdin", *args], check=True)


# Decoding -------------------------------------------------------------------------------------------------------


@pytest.mark.parametrize("sample_rate", [16000, 44100, 48000])
@pytest.mark.parametrize("channels", [1, 2])
def test_any_rate_and_channel_count_decodes_to_16k_mono_of_the_same_length(tmp_path, sample_rate, channels):
    tone = harmonic_tone(200, 1.5, sample_rate)
    path = write_wav(tmp_path / "tone.wav", np.stack([tone] * channels, axis=1), sample_rate)

    info = probe_audio(path)
    samples = load_audio(path)

    assert (info.sample_rate, info.channels, info.codec) == (sample_rate, channels, "pcm_s16le")
    assert info.duration == pytest.approx(1.5, abs=1e-3)
    assert samples.dtype == np.float32 and samples.ndim == 1
    assert abs(len(samples) - 1.5 * SAMPLE_RATE) <= 2
    assert np.abs(samples).max() == pytest.approx(0.5, abs=0.02)  # the same level, not summed channels


def test_stereo_is_mixed_down_to_the_average_of_its_channels(tmp_path):
    left = harmonic_tone(200, 1.0)
    path = write_wav(tmp_path / "left_only.wav", np.stack([left, np.zeros_like(left)], axis=1))

    assert np.abs(load_audio(path)).max() == pytest.approx(0.25, abs=0.01)


def test_load_audio_resamples_to_the_rate_asked_for(tmp_path):
    path = write_wav(tmp_path / "tone.wav", harmonic_tone(200, 2.0, 44100), 44100)

    assert abs(len(load_audio(path, sample_rate=8000)) - 16000) <= 2


def test_blocks_have_the_asked_length_and_join_into_the_whole_file(tmp_path):
    path = write_wav(tmp_path / "bursts.wav", bursts("noise"))

    blocks = list(iter_audio_blocks(path, block_seconds=0.25))

    assert {len(block) for block in blocks[:-1]} == {4000}
    assert 0 < len(blocks[-1]) <= 4000
    np.testing.assert_array_equal(np.concatenate(blocks), load_audio(path))


def test_closing_the_block_stream_early_stops_ffmpeg(tmp_path, monkeypatch):
    path = write_wav(tmp_path / "long.wav", white_noise(20.0))
    started = []
    real_popen = subprocess.Popen

    def recording_popen(*args, **kwargs):
        process = real_popen(*args, **kwargs)
        started.append(process)
        return process

    monkeypatch.setattr(subprocess, "Popen", recording_popen)
    blocks = iter_audio_blocks(path, block_seconds=0.1)
    next(blocks)
    blocks.close()

    assert started and all(process.poll() is not None for process in started)


def test_an_mp3_made_by_ffmpeg_decodes(tmp_path):
    wav = write_wav(tmp_path / "bursts.wav", bursts("tone", 44100), 44100)
    mp3 = tmp_path / "bursts.mp3"
    ffmpeg("-i", str(wav), "-c:a", "libmp3lame", "-b:a", "64k", str(mp3))

    info = probe_audio(mp3)
    samples = load_audio(mp3)

    assert info.codec == "mp3" and info.sample_rate == 44100
    assert info.duration == pytest.approx(CLIP_LENGTH_S, abs=0.1)
    assert len(samples) / SAMPLE_RATE == pytest.approx(CLIP_LENGTH_S, abs=0.1)
    assert np.abs(samples).max() == pytest.approx(0.5, abs=0.05)


def test_a_wav_without_sizes_in_its_header_gets_its_duration_from_its_samples(tmp_path):
    wav = write_wav(tmp_path / "tone.wav", harmonic_tone(200, 1.75))
    streamed = subprocess.run([imageio_ffmpeg.get_ffmpeg_exe(), "-v", "error", "-nostdin", "-i", str(wav),
                               "-f", "wav", "pipe:1"], capture_output=True, check=True).stdout
    path = tmp_path / "streamed.wav"
    path.write_bytes(streamed)  # a WAV written to a pipe cannot go back to fill in its sizes

    assert probe_audio(path).duration == pytest.approx(1.75, abs=1e-3)


def _missing(tmp_path: Path) -> Path:
    return tmp_path / "nowhere.wav"


def _random_bytes(tmp_path: Path) -> Path:
    path = tmp_path / "noise.wav"
    path.write_bytes(np.random.default_rng(7).integers(0, 256, 20000, dtype=np.uint8).tobytes())
    return path


def _silent_video(tmp_path: Path) -> Path:
    path = tmp_path / "silent.mp4"
    ffmpeg("-f", "lavfi", "-i", "color=c=red:s=64x64:d=0.5", "-pix_fmt", "yuv420p", str(path))
    return path


def _image(tmp_path: Path) -> Path:
    path = tmp_path / "face.png"
    Image.new("RGB", (32, 32), (200, 150, 120)).save(path)
    return path


def _zero_length_wav(tmp_path: Path) -> Path:
    return write_wav(tmp_path / "empty.wav", np.zeros(0, np.float32))


def _all_blocks(path: Path) -> list[np.ndarray]:
    return list(iter_audio_blocks(path))


@pytest.mark.parametrize("make_input, reason", [
    (_missing, "does not exist"),
    (_random_bytes, "corrupt"),
    (_silent_video, "no audio"),
    (_image, "no audio"),
    (_zero_length_wav, "zero-length"),
])
@pytest.mark.parametrize("read", [probe_audio, load_audio, _all_blocks])
def test_unusable_inputs_raise_one_clear_line_naming_the_file(tmp_path, make_input, reason, read):
    path = make_input(tmp_path)

    with pytest.raises(InputError) as caught:
        read(path)

    message = str(caught.value)
    assert path.name in message and reason in message
    assert "\n" not in message and "ffmpeg version" not in message and "Traceback" not in message


# Features ------------------------------------------------------------------------------------------------------


@pytest.mark.parametrize("kind", ["tone", "noise"])
def test_loudness_is_high_in_bursts_and_exactly_zero_in_silence(kind):
    features = frame_features(bursts(kind), SAMPLE_RATE, FPS)

    for start in BURST_STARTS_S:
        inside = frames_between(start + 0.1, start + BURST_LENGTH_S - 0.05)
        assert features.loudness[inside].min() > 0.9
    closed_after = RELEASE_S + 0.1  # the jaw's release plus half an analysis window
    silent = np.concatenate([frames_between(0.0, 0.4), frames_between(1.0 + closed_after, 1.4),
                             frames_between(2.0 + closed_after, 2.45)])
    assert np.all(features.loudness[silent] == 0.0)
    assert features.loudness.min() >= 0.0 and features.loudness.max() <= 1.0


def test_a_noise_floor_far_below_the_speech_is_gated_to_silence():
    loud_noise = 2.0 * bursts("noise")  # -8 dBFS, so the relative gate is near -43 dBFS
    clip = loud_noise + white_noise(CLIP_LENGTH_S, rms=10 ** (-47 / 20), seed=3)

    features = frame_features(clip, SAMPLE_RATE, FPS)

    quiet = frames_between(0.1, 0.4)
    assert np.all(features.loudness[quiet] == 0.0)
    assert features.rms_db[quiet].min() > -50.0  # only the relative gate closes it
    assert features.loudness[frames_between(0.7, 0.9)].min() > 0.9


def test_onset_peaks_where_each_burst_starts():
    features = frame_features(bursts("tone"), SAMPLE_RATE, FPS)

    for start in BURST_STARTS_S:
        around = frames_between(start - 0.2, start + 0.4)
        assert abs(around[np.argmax(features.onset[around])] - start * FPS) <= 1
        assert features.onset[around].max() > 0.8
    assert features.onset[frames_between(0.7, 0.95)].max() < 0.1  # a steady tone has no onsets


@pytest.mark.parametrize("f0", [120.0, 200.0, 310.0])
def test_pitch_of_a_harmonic_tone(f0):
    features = frame_features(harmonic_tone(f0, 1.0), SAMPLE_RATE, FPS)
    steady = frames_between(0.1, 0.9)

    np.testing.assert_allclose(features.pitch_hz[steady], f0, rtol=0.05)
    assert features.voiced[steady].min() > 0.9


def test_noise_is_unvoiced_and_flat_and_a_tone_is_neither():
    noise = frame_features(white_noise(1.0), SAMPLE_RATE, FPS)
    tone = frame_features(harmonic_tone(200, 1.0), SAMPLE_RATE, FPS)
    steady = frames_between(0.1, 0.9)

    assert noise.voiced[steady].mean() < 0.1 and np.mean(noise.pitch_hz[steady] == 0) > 0.9
    assert noise.flatness[steady].min() > 0.3
    assert tone.flatness[steady].max() < 0.01
    assert noise.zcr[steady].mean() > 5 * tone.zcr[steady].mean()


def test_an_ee_like_sound_has_higher_f2_and_centroid_than_an_oo_like_sound():
    def vowel_like(formant_hz: float) -> np.ndarray:
        return 0.5 * harmonic_tone(150, 1.0) + 0.4 * harmonic_tone(formant_hz, 1.0, n_harmonics=1)

    oo = frame_features(vowel_like(900), SAMPLE_RATE, FPS)
    ee = frame_features(vowel_like(2400), SAMPLE_RATE, FPS)
    steady = frames_between(0.1, 0.9)

    assert ee.f2_hz[steady].min() > oo.f2_hz[steady].max() + 500
    assert ee.centroid_hz[steady].min() > oo.centroid_hz[steady].max()
    assert oo.low_ratio[steady].min() > ee.low_ratio[steady].max()


def test_silence_is_valid_audio_with_zero_loudness_and_no_nan():
    features = frame_features(np.zeros(SAMPLE_RATE, np.float32), SAMPLE_RATE, FPS)

    assert features.n_frames == FPS
    assert np.all(features.loudness == 0) and np.all(features.onset == 0) and np.all(features.pitch_hz == 0)
    for name in FEATURE_NAMES:
        assert np.all(np.isfinite(getattr(features, name))), name


@pytest.mark.parametrize("seconds", [0.01, 1.0, 2.345, 3.3])
@pytest.mark.parametrize("fps", [12, 24, 25, 29.97, 60])
def test_there_is_one_frame_per_video_frame_of_the_audio(seconds, fps):
    features = frame_features(white_noise(seconds), SAMPLE_RATE, fps)

    assert features.n_frames == max(1, round(seconds * fps))
    assert features.duration == pytest.approx(seconds, abs=1 / SAMPLE_RATE)
    for name in FEATURE_NAMES:
        values = getattr(features, name)
        assert values.shape == (features.n_frames,) and values.dtype == np.float32, name


@pytest.mark.parametrize("fps", [24, 25, 30])
def test_streamed_analysis_equals_the_in_memory_analysis(tmp_path, fps):
    chirp_time = np.arange(round(1.2 * SAMPLE_RATE)) / SAMPLE_RATE
    chirp = 0.3 * np.sin(2 * np.pi * (150 + 200 * chirp_time) * chirp_time)
    path = write_wav(tmp_path / "mixed.wav", np.concatenate([bursts("noise"), chirp, bursts("tone")]))

    streamed = analyse_audio(path, fps, block_seconds=0.37)
    in_memory = frame_features(load_audio(path), SAMPLE_RATE, fps)

    assert streamed.n_frames == in_memory.n_frames == round(streamed.duration * fps)
    for name in FEATURE_NAMES:
        np.testing.assert_allclose(getattr(streamed, name), getattr(in_memory, name), rtol=1e-5, atol=1e-4,
                                   err_msg=name)


def test_bad_frame_rates_are_refused():
    with pytest.raises(InputError, match="frame rate"):
        frame_features(np.zeros(100, np.float32), SAMPLE_RATE, 0)


def test_jaw_opens_within_a_frame_and_closes_at_its_release_speed():
    step = np.r_[np.zeros(5), np.ones(10), np.zeros(20)]

    smoothed = jaw_smooth(step, FPS)

    assert smoothed[5] > 0.9
    frames_to_close = int(np.argmax(smoothed[15:] == 0.0)) + 1
    assert frames_to_close == int(np.ceil(RELEASE_S * FPS))
    assert np.all(np.diff(smoothed[14:]) <= 0) and np.all(smoothed[15 + frames_to_close:] == 0.0)


def test_band_envelope_keeps_syllable_rate_motion_and_drops_drift_and_jitter():
    t = np.arange(200) / FPS
    syllables = np.sin(2 * np.pi * 3.0 * t)
    series = 5.0 + 2.0 * t / t[-1] + syllables + 0.5 * np.sin(2 * np.pi * 11.5 * t)

    kept = band_envelope(series, FPS)

    assert kept.shape == series.shape
    assert np.corrcoef(kept[20:-20], syllables[20:-20])[0, 1] > 0.97
    assert abs(kept.mean()) < 0.1


@pytest.mark.parametrize("length", [0, 1, 2, 5, 13])
def test_band_envelope_handles_short_series(length):
    kept = band_envelope(np.linspace(0, 1, length), FPS)

    assert kept.shape == (length,) and np.all(np.isfinite(kept))


def test_band_envelope_clamps_its_top_below_nyquist_and_refuses_too_low_a_rate():
    assert np.all(np.isfinite(band_envelope(np.random.default_rng(0).standard_normal(50), 10)))
    with pytest.raises(InputError):
        band_envelope(np.zeros(50), 2)


# Real speech ---------------------------------------------------------------------------------------------------


@pytest.mark.assets
@pytest.mark.parametrize("name, duration, sample_rate", [
    ("speech_en_1.wav", 7.5, 44100),
    ("speech_ja.wav", 9.09, 48000),
    ("speech_en_female_10s.mp3", 10.0, 44100),
])
def test_real_speech_decodes_and_has_pauses_and_loud_syllables(assets, name, duration, sample_rate):
    path = assets / "portrait" / name

    info = probe_audio(path)
    features = analyse_audio(path, FPS)

    assert info.sample_rate == sample_rate and info.channels == 2
    assert info.duration == pytest.approx(duration, abs=0.05)
    assert features.duration == pytest.approx(duration, abs=0.05)
    assert features.n_frames == round(features.duration * FPS)
    assert np.mean(features.loudness < 0.05) > 0.05
    assert np.mean(features.loudness > 0.8) > 0.1
    voiced_pitch = features.pitch_hz[features.pitch_hz > 0]
    assert len(voiced_pitch) > 0.2 * features.n_frames
    assert 70 < np.median(voiced_pitch) < 350
