"""Portrait mode: a face photo talks, blinks and moves with speech audio or a driving face video."""

from __future__ import annotations

import logging
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from toolkit.errors import InputError
from toolkit.motion import face_rig, mouth_interior as interior
from toolkit.motion import speech_motion as speech
from toolkit.motion.head_mesh import build_head_mesh
from toolkit.motion.plan import MotionPlan
from toolkit.options import RenderOptions, option

log = logging.getLogger(__name__)

EDGE_FEATHER = 1.5  # px: every layer is pinned at its border or hidden behind the face
SETTLE_S = 0.3  # seconds over which a photo's own expression gives way to the motion


def parse_face_choice(text: str) -> str:
    """'largest', 'all' or a face number (0 is the largest)."""
    choice = text.strip().lower()
    if choice in ("largest", "all") or choice.isdigit():
        return choice
    raise InputError(f"--face: expected 'largest', 'all' or a face number, got '{text}'")


@dataclass
class PortraitOptions(RenderOptions):
    """What portrait mode needs besides the face photo."""

    audio: Path | None = option(None, help="speech to lip-sync (WAV, MP3, M4A/AAC, FLAC or OGG)", metavar="AUDIO")
    driving: Path | None = option(None, help="a video of a face whose expressions and head motion the photo "
                                  "follows (its sound is used when --audio is not given)", metavar="VIDEO")
    face: str = option("largest", help="which face to animate: 'largest', 'all' (each with the same audio) or a "
                       "number, 0 being the largest", parse=parse_face_choice, metavar="N")
    head_motion: float = option(1.0, help="how much the head nods, turns and sways, 0 to 2", metavar="X")
    still: bool = option(False, help="keep the head still (the face still talks and blinks)")
    blink_rate: float = option(16.0, help="blinks per minute (people blink 10 to 25 times a minute)",
                               metavar="PER_MIN")
    gaze: bool = option(False, help="let the eyes drift and glance around")
    expression: str = option("neutral", help="a bias held over the whole clip", choices=sorted(speech.EXPRESSIONS))
    lip_scale: float = option(1.0, help="amplify (>1) or damp (<1) the mouth's motion", metavar="X")
    eye_scale: float = option(1.0, help="amplify or damp the driving video's eye motion", metavar="X")

    def validate(self) -> None:
        super().validate()
        if self.audio is None and self.driving is None:
            raise InputError("portrait mode needs --audio AUDIO or --driving VIDEO (or both)")
        for flag, value, low, high in (("--head-motion", self.head_motion, 0.0, 2.0),
                                       ("--blink-rate", self.blink_rate, 0.0, 60.0),
                                       ("--lip-scale", self.lip_scale, 0.0, 3.0),
                                       ("--eye-scale", self.eye_scale, 0.0, 3.0)):
            if not low <= value <= high:
                raise InputError(f"{flag} must be between {low:g} and {high:g}, got {value:g}")
        for flag, path in (("--audio", self.audio), ("--driving", self.driving)):
            if path is not None and not Path(path).is_file():
                raise InputError(f"{flag}: '{path}' does not exist")


@dataclass(frozen=True)
class Driver:
    """Per-frame motion for every face: expression channels or landmark displacements, and head pose."""

    n_frames: int
    fps: float
    audio_path: Path | None
    channels: np.ndarray | None  # (T, channels) from speech, or None when a video drives
    expressions: np.ndarray | None  # (T, 478, 2) face units from a driving video
    video_poses: np.ndarray | None  # (T, 5) from a driving video
    features: object | None  # audio features (for head motion), if any


def audio_source(options: PortraitOptions) -> Path | None:
    """The audio to lip-sync and mux: --audio, else the driving video's sound if it has any."""
    from toolkit.media.video_reader import has_audio_track

    if options.audio is not None:
        return Path(options.audio)
    if options.driving is not None and has_audio_track(options.driving, what="driving video"):
        return Path(options.driving)
    return None


def read_driver(options: PortraitOptions) -> Driver:
    """Analyse the audio and/or the driving video into per-frame motion."""
    audio = audio_source(options)
    features = None
    video_poses = expressions = None
    natural_fps = None
    if options.driving is not None:
        from toolkit.media.video_reader import probe_video
        from toolkit.motion.face_transfer import driving_motion
        from toolkit.perception.face import iter_video_faces

        natural_fps = probe_video(options.driving).fps
        faces = [None if face is None else face.points for face in iter_video_faces(options.driving)]
        if not any(face is not None for face in faces):
            raise InputError(f"no face found in the driving video '{options.driving}'")
        video_poses, expressions = driving_motion(faces, natural_fps, options.lip_scale, options.eye_scale)
    fps = options.frame_rate(natural_fps)
    if audio is not None:
        from toolkit.audio.features import analyse_audio

        features = analyse_audio(audio, fps)
    natural = features.n_frames if features is not None else None
    if natural is None and video_poses is not None:
        natural = int(round(len(video_poses) * fps / natural_fps))
    n_frames = options.clip_length(natural)
    if video_poses is not None:
        video_poses, expressions = resample_driver(video_poses, expressions, natural_fps, fps, n_frames)
    channels = None if video_poses is not None else speech_channels(features, n_frames, options)
    return Driver(n_frames, fps, audio, channels, expressions, video_poses, features)


def resample_driver(poses: np.ndarray, expressions: np.ndarray, source_fps: float, fps: float,
                    n_frames: int) -> tuple[np.ndarray, np.ndarray]:
    """Driving motion at the output's rate and length (the last driving frame is held if it is shorter)."""
    index = np.minimum(np.round(np.arange(n_frames) * source_fps / fps).astype(int), len(poses) - 1)
    return poses[index], expressions[index]


def speech_channels(features, n_frames: int, options: PortraitOptions) -> np.ndarray:
    """(T, channels) rig channels from the audio (silence when there is none): all but blinks and head."""
    curves: dict[str, np.ndarray] = {}
    if features is not None:
        mouth = speech.mouth_curves(features, options.lip_scale)
        curves = {"jaw": fit_length(mouth["gap"], n_frames), "wide": fit_length(mouth["wide"], n_frames),
                  "round": fit_length(mouth["round"], n_frames)}
        emphasis = fit_length(speech.emphasis_curve(features), n_frames)
        curves["brow_left"] = curves["brow_right"] = 0.6 * emphasis
    for name, value in speech.EXPRESSIONS[options.expression].items():
        curves[name] = curves.get(name, 0.0) + value
    return speech.channel_matrix(n_frames, curves)


def fit_length(values: np.ndarray, n_frames: int) -> np.ndarray:
    """values cut or padded with zeros to n_frames."""
    out = np.zeros(n_frames)
    out[: min(n_frames, len(values))] = values[:n_frames]
    return out


@dataclass(frozen=True)
class FaceMotion:
    """One face's motion: expression (rig channels or driven landmark offsets) and head pose per frame."""

    frame: face_rig.FaceFrame
    basis: np.ndarray  # (channels, 478, 2) face units
    channels: np.ndarray | None  # (T, channels)
    driven: np.ndarray | None  # (T, 478, 2) face units
    poses: np.ndarray  # (T, 5)

    def expressions(self, frames: slice) -> np.ndarray:
        """(t, 478, 2) pixel displacements of the landmarks in a range of frames."""
        if self.driven is not None:
            return self.frame.to_pixels(self.driven[frames])
        return self.frame.to_pixels(np.einsum("tc,cnk->tnk", self.channels[frames], self.basis))


def face_motion(points: np.ndarray, driver: Driver, options: PortraitOptions, rng: np.random.Generator) -> FaceMotion:
    """Expression and head motion of one face over the clip."""
    frame, basis = face_rig.expression_basis(points)
    n, fps = driver.n_frames, driver.fps
    if driver.expressions is not None:
        poses = driver.video_poses * (0.0 if options.still else 1.0)
        return FaceMotion(frame, basis, None, driver.expressions, poses)
    channels = driver.channels.copy()
    # the speech's gaps replace the photo's own, eased in so an open-mouthed photo does not snap shut
    settle = np.clip(np.arange(n) / (SETTLE_S * fps), 0.0, 1.0)
    channels[:, face_rig.CHANNELS.index("jaw")] -= face_rig.mouth_gap(points, frame) * settle * settle * (3 - 2 * settle)
    blinks = speech.blink_curve(n, fps, speech.blink_times(n / fps, rng, options.blink_rate))
    channels[:, face_rig.CHANNELS.index("blink_left")] += blinks
    channels[:, face_rig.CHANNELS.index("blink_right")] += blinks
    if options.gaze:
        gaze = speech.gaze_curves(n, fps, rng)
        channels[:, face_rig.CHANNELS.index("gaze_x")] += gaze[:, 0]
        channels[:, face_rig.CHANNELS.index("gaze_y")] += gaze[:, 1]
    features = driver.features
    loudness = fit_length(features.loudness, n) if features is not None else None
    emphasis = fit_length(speech.emphasis_curve(features), n) if features is not None else None
    amount = 0.0 if options.still else options.head_motion
    poses = speech.head_pose_curves(n, fps, rng, amount, loudness, emphasis)
    return FaceMotion(frame, basis, channels, None, poses)


def mesh_tracks(mesh, motion: FaceMotion, pivot: np.ndarray, n_frames: int, chunk: int = 256) -> np.ndarray:
    """(M, T, 2) float32 positions of the head mesh's points, computed a chunk of frames at a time."""
    tracks = np.empty((len(mesh.points), n_frames, 2), np.float32)
    for start in range(0, n_frames, chunk):
        frames = slice(start, min(start + chunk, n_frames))
        expression = mesh.expression(motion.expressions(frames))
        moved = face_rig.pose_points(mesh.points, expression, mesh.rigid, motion.poses[frames], pivot, motion.frame)
        tracks[:, frames] = moved.transpose(1, 0, 2)
    tracks[:, 0] = mesh.points[:, :2]  # the first frame is the photo
    return tracks


def face_layers(image: np.ndarray, points: np.ndarray, driver: Driver, options: PortraitOptions,
                rng: np.random.Generator) -> list[tuple[np.ndarray, np.ndarray, np.ndarray | None, np.ndarray]]:
    """Layers (region, tracks (P, T, 2), texture or None, triangles) of one face, back to front:
    the painted mouth interior, then the head mesh with a hole between the lips."""
    height, width = image.shape[:2]
    points = np.asarray(points, np.float64)
    motion = face_motion(points, driver, options, rng)
    frame = motion.frame
    pivot = face_rig.head_pivot(points, frame)
    mesh = build_head_mesh(points, frame)
    tracks = mesh_tracks(mesh, motion, pivot, driver.n_frames)
    unit = frame.scale
    layout = interior.painted_layout(points, unit)
    inner = interior.interior_tracks(tracks[: mesh.n_landmarks].transpose(1, 0, 2), unit).astype(np.float32)
    inner[:, 0] = layout.reshape(-1, 2)
    triangles = interior.nondegenerate(interior.grid_triangles(interior.ROWS, layout.shape[1]), layout.reshape(-1, 2))
    texture = interior.paint_interior((width, height), layout, interior.palette_from(image, points), unit)
    return [(interior.interior_region((width, height), layout), inner, texture, triangles),
            (mesh.region((width, height)), tracks, None, mesh.triangles)]


class PortraitMode:
    """Plugin: the face in a photo talks with speech audio or follows a driving face video."""

    name = "portrait"
    summary = "make a face photo talk, blink and move with speech audio or a driving face video"
    options_class = PortraitOptions

    def plan(self, image: np.ndarray, options: PortraitOptions, *, scale: float = 1.0) -> MotionPlan:
        from toolkit.perception.face import choose_faces, detect_faces

        options.validate()
        faces = choose_faces(detect_faces(image), options.face, "the source image")
        driver = read_driver(options)
        rng = np.random.default_rng(options.seed)
        regions, tracks, owners, meshes, textures = [], [], [], {}, {}
        for face in faces:
            for region, layer_tracks, texture, triangles in face_layers(image, face.points, driver, options, rng):
                index = len(regions)
                regions.append(region)
                tracks.append(layer_tracks)
                owners.append(np.full(len(layer_tracks), index))
                meshes[index] = triangles
                if texture is not None:
                    textures[index] = texture
        log.info("portrait: %d face(s), %d frames at %g fps", len(faces), driver.n_frames, driver.fps)
        extras = {"audio_path": driver.audio_path} if driver.audio_path is not None else {}
        return MotionPlan(np.concatenate(tracks), np.concatenate(owners), np.stack(regions), driver.fps,
                          extras=extras, meshes=meshes, textures=textures, edge_feather=EDGE_FEATHER,
                          fill_background=False)
