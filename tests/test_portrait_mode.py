"""Portrait mode end to end: the face talks with the audio, blinks, and nothing else moves; bad input exits 2."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import cv2
import numpy as np
import pytest
from skimage import data

from modes.portrait import PortraitMode, PortraitOptions
from tests.wav_files import write_wav
from toolkit.errors import InputError
from toolkit.media.video_reader import probe_video
from toolkit.metrics import count_blinks, peak_lag_correlation
from toolkit.motion.head_mesh import RINGS
from toolkit.perception import face_landmarks as fl
from toolkit.perception.face import detect_faces, eye_openness, mouth_opening
from toolkit.pipeline import render
from toolkit.warp.renderer import WarpBackbone

FPS = 25.0


def speech_like(seconds: float, rate: int = 16000) -> np.ndarray:
    """A voiced buzz (140 Hz with harmonics) whose loudness pulses four times a second, like syllables."""
    t = np.arange(int(seconds * rate)) / rate
    buzz = sum(np.sin(2 * np.pi * 140 * k * t) / k for k in range(1, 12))
    return 0.25 * buzz * (0.15 + 0.85 * np.sin(np.pi * 4 * t) ** 2)


@pytest.fixture(scope="module")
def talk_wav(tmp_path_factory) -> Path:
    """1 s of silence, 2 s of 'speech', 1.2 s of silence."""
    rate = 16000
    samples = np.concatenate([np.zeros(rate), speech_like(2.0), np.zeros(int(1.2 * rate))])
    return write_wav(tmp_path_factory.mktemp("audio") / "talk.wav", samples)


@pytest.fixture(scope="module")
def astronaut_face():
    return detect_faces(data.astronaut(), max_faces=1)[0]


def frames_of(image: np.ndarray, options: PortraitOptions) -> list[np.ndarray]:
    plan = PortraitMode().plan(image, options)
    return list(WarpBackbone().render(image, plan, seed=options.seed))


@pytest.fixture(scope="module")
def talking_frames(talk_wav) -> list[np.ndarray]:
    return frames_of(data.astronaut(), PortraitOptions(audio=talk_wav))


def test_the_clip_lasts_as_long_as_the_audio_and_starts_on_the_photo(talking_frames):
    assert len(talking_frames) == round(4.2 * FPS)
    assert np.array_equal(talking_frames[0], data.astronaut())


def test_the_mouth_opens_with_speech_and_stays_shut_in_silence(talking_frames):
    opening = np.array([mouth_opening(detect_faces(frame, max_faces=1)[0].points) for frame in talking_frames])
    # measured on the output, in face units; the photo smiles with parted lips (about 0.09)
    assert opening[0] > 0.07 and np.abs(np.diff(opening[:10])).max() < 0.03  # it closes gently, not in one frame
    speaking, silent = opening[30:70], np.r_[opening[12:22], opening[85:]]
    assert silent.max() < 0.045  # shut in silence
    assert speaking.max() > 0.12
    # it opens and closes with the syllables (4 a second), not once for the whole sentence
    crossings = np.sum(np.diff((speaking > np.median(speaking)).astype(int)) != 0)
    assert crossings >= 8


def test_nothing_moves_beyond_the_head_and_its_pinned_ring(talking_frames, astronaut_face):
    centre = astronaut_face.points[:, :2].mean(axis=0)
    reach = RINGS[-1][0] * np.abs(astronaut_face.points[:, :2] - centre).max() * 1.6
    ys, xs = np.mgrid[: 512, : 512]
    far = np.hypot(xs - centre[0], ys - centre[1]) > reach
    assert far.mean() > 0.2
    for frame in talking_frames[::10]:
        assert np.array_equal(frame[far], talking_frames[0][far])


def test_still_keeps_the_head_in_place_while_the_mouth_moves(talk_wav):
    def eye_corners(frames):
        found = [detect_faces(frame, max_faces=1)[0].points for frame in frames[::6]]
        return np.array([points[[fl.RIGHT_EYE_OUTER, fl.LEFT_EYE_OUTER, 168], :2] for points in found])  # 168: nose bridge

    still = frames_of(data.astronaut(), PortraitOptions(audio=talk_wav, still=True, blink_rate=0.0))
    moving = frames_of(data.astronaut(), PortraitOptions(audio=talk_wav, blink_rate=0.0))
    held = np.abs(eye_corners(still) - eye_corners(still)[0]).max()  # px, as a detector sees them
    swaying = np.abs(eye_corners(moving) - eye_corners(moving)[0]).max()
    assert held < 2.0 and swaying > 2 * held, (held, swaying)
    assert sum(np.abs(f.astype(int) - still[0]).max() > 30 for f in still) > 20  # the mouth still talks


def test_silent_audio_gives_a_still_blinking_face(tmp_path, astronaut_face):
    silent = write_wav(tmp_path / "silent.wav", np.zeros(16000 * 8))
    frames = frames_of(data.astronaut(), PortraitOptions(audio=silent, still=True))
    assert len(frames) == 200
    eyes = np.array([np.mean(eye_openness(detect_faces(f, max_faces=1)[0].points)) for f in frames])
    mouths = np.array([mouth_opening(detect_faces(f, max_faces=1)[0].points) for f in frames[::10]])
    assert count_blinks(eyes) >= 1  # at least one blink in 8 s, seen by a detector
    assert np.mean(eyes > 0.8 * np.median(eyes)) > 0.8  # and the eyes are open most of the time
    assert mouths[1:].max() < 0.05 and np.ptp(mouths[1:]) < 0.01  # the smiling photo's lips close once, then rest


def test_the_same_seed_gives_the_same_frames_and_another_seed_other_blinks(talk_wav):
    image = cv2.resize(data.astronaut(), (256, 256), interpolation=cv2.INTER_AREA)
    first = frames_of(image, PortraitOptions(audio=talk_wav, seed=4))
    again = frames_of(image, PortraitOptions(audio=talk_wav, seed=4))
    other = frames_of(image, PortraitOptions(audio=talk_wav, seed=5))
    assert all(np.array_equal(a, b) for a, b in zip(first, again))
    assert any(not np.array_equal(a, b) for a, b in zip(first, other))


def test_face_all_animates_every_face(talk_wav):
    face = cv2.resize(data.astronaut()[20:260, 130:330], (200, 240))
    canvas = np.full((300, 520, 3), 200, np.uint8)
    canvas[30:270, 20:220] = face
    canvas[30:270, 300:500] = face
    plan = PortraitMode().plan(canvas, PortraitOptions(audio=talk_wav, face="all"))
    frames = list(WarpBackbone().render(canvas, plan))
    change = np.abs(frames[45].astype(int) - frames[0]).max(axis=2) > 30
    assert change[:, :260].sum() > 50 and change[:, 260:].sum() > 50
    with pytest.raises(InputError, match="2 face"):
        PortraitMode().plan(canvas, PortraitOptions(audio=talk_wav, face="2"))


def test_a_rendered_mp4_carries_the_audio_and_matches_its_length(tmp_path, talk_wav):
    out = tmp_path / "talk.mp4"
    image = tmp_path / "face.png"
    cv2.imwrite(str(image), cv2.resize(data.astronaut(), (256, 256))[..., ::-1])
    render("portrait", image, out, PortraitOptions(audio=talk_wav))
    info = probe_video(out)
    assert info.has_audio and abs(info.duration - 4.2) <= 1.0 / FPS + 1e-6


def run_cli(*args: str) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "toolkit.cli", "portrait", *args], capture_output=True, text=True,
                          timeout=120)


@pytest.fixture(scope="module")
def inputs(tmp_path_factory, talk_wav):
    folder = tmp_path_factory.mktemp("inputs")
    face = folder / "face.png"
    cv2.imwrite(str(face), cv2.resize(data.astronaut(), (256, 256))[..., ::-1])
    blank = folder / "blank.png"
    cv2.imwrite(str(blank), np.full((200, 200, 3), 128, np.uint8))
    corrupt = folder / "noise.wav"
    corrupt.write_bytes(np.random.default_rng(0).integers(0, 256, 4000, dtype=np.uint8).tobytes())
    empty = write_wav(folder / "empty.wav", np.zeros(0))
    faceless = folder / "faceless.mp4"
    writer = cv2.VideoWriter(str(faceless), cv2.VideoWriter_fourcc(*"mp4v"), 25, (64, 64))
    for _ in range(10):
        writer.write(np.full((64, 64, 3), 90, np.uint8))
    writer.release()
    return {"face": face, "blank": blank, "corrupt": corrupt, "empty": empty, "faceless": faceless, "talk": talk_wav}


@pytest.mark.parametrize("case, args, message", [
    ("no face", ["{blank}", "--audio", "{talk}"], "no face found in 'blank.png'"),
    ("corrupt audio", ["{face}", "--audio", "{corrupt}"], "noise.wav"),
    ("empty audio", ["{face}", "--audio", "{empty}"], "empty.wav"),
    ("an image as audio", ["{face}", "--audio", "{face}"], "face.png"),
    ("missing audio", ["{face}", "--audio", "{face}.missing.wav"], "does not exist"),
    ("no driver", ["{face}"], "--audio AUDIO or --driving VIDEO"),
    ("faceless driver", ["{face}", "--driving", "{faceless}"], "no face found in the driving video"),
    ("face out of range", ["{face}", "--audio", "{talk}", "--face", "3"], "1 face"),
    ("head motion", ["{face}", "--audio", "{talk}", "--head-motion", "5"], "--head-motion must be between 0 and 2"),
    ("expression", ["{face}", "--audio", "{talk}", "--expression", "angry"], "invalid choice"),
])
def test_bad_input_exits_2_with_one_line_and_no_output(tmp_path, inputs, case, args, message):
    out = tmp_path / "out.mp4"
    result = run_cli(*[a.format(**inputs) for a in args], "-o", str(out))
    lines = result.stderr.strip().splitlines()
    assert result.returncode == 2, (case, result.stderr)
    assert len(lines) == 1 and lines[0].startswith("animate: error:") and message in lines[0], (case, lines)
    assert not out.exists()
    assert list(tmp_path.iterdir()) == []


@pytest.mark.assets
def test_a_driving_face_makes_the_photo_talk_and_turn(assets, tmp_path):
    portrait = cv2.cvtColor(cv2.imread(str(assets / "portrait" / "bouguereau_girl.jpg")), cv2.COLOR_BGR2RGB)
    options = PortraitOptions(driving=assets / "portrait" / "driving_d12_talking.mp4", frames=60)
    frames = frames_of(portrait, options)
    assert len(frames) == 60
    opening = np.array([mouth_opening(detect_faces(f, max_faces=1)[0].points) for f in frames[::3]])
    assert opening.max() - opening.min() > 0.05
    assert np.array_equal(frames[0], portrait)


def test_the_portrait_path_imports_neither_librosa_nor_torch(tmp_path, inputs):
    code = (
        "import sys\n"
        "from toolkit.pipeline import render\n"
        "from modes.portrait import PortraitOptions\n"
        f"render('portrait', r'{inputs['face']}', r'{tmp_path / 'x.mp4'}', PortraitOptions(audio=r'{inputs['talk']}', frames=5))\n"
        "print(sorted(name for name in ('librosa', 'numba', 'torch') if name in sys.modules))\n"
    )
    result = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=120)
    assert result.returncode == 0, result.stderr
    assert result.stdout.strip().splitlines()[-1] == "[]"


def test_lip_sync_correlation_finds_the_lag_skips_missing_frames_and_says_when_it_cannot_measure():
    t = np.arange(60, dtype=float)
    speech = np.sin(t / 4.0)
    mouth = np.roll(speech, 1)  # the mouth follows the voice a frame late
    r, lag = peak_lag_correlation(mouth, speech, 1)
    assert r > 0.99 and lag == 1
    mouth[10:13] = np.nan  # frames where no face was found
    r, lag = peak_lag_correlation(mouth, speech, 1)
    assert r > 0.99 and lag == 1
    r, _ = peak_lag_correlation(np.full(60, np.nan), speech, 1)
    assert np.isnan(r)  # not a made-up -1
