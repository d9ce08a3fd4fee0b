"""Read and write pose sequences: our JSON, COCO-18 / BODY_25 keypoints and OpenPose/DWPose folders.

Our JSON (pixels of a W x H canvas, one list of [x, y, visibility] per frame):

    {"format": "mediapipe33" | "coco18" | "body25", "width": W, "height": H, "fps": F,
     "frames": [[[x, y, visibility], ...], ...]}

Everything is converted to MediaPipe Pose's 33-point order on load. An OpenPose/DWPose
folder holds one JSON file per frame, {"people": [{"pose_keypoints_2d": [x, y, c, ...]}]}
with 18 (COCO) or 25 (BODY_25) points, read in natural filename order (frame_2 before
frame_10); the first person of each file is used and a file without people becomes a frame of
zero visibility. Its canvas size is taken from canvas_width/canvas_height when the files have
them, else inferred from the largest coordinates; its frame rate is `default_fps` (25).
Keypoints given in [0, 1] are scaled by the canvas size.
"""

from __future__ import annotations

import json
import logging
import math
import os
import re
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Callable, Union

import numpy as np

from toolkit.errors import InputError
from toolkit.media.images import check_output_folder, remove_quietly, reserve_temp_file
from toolkit.media.video_reader import probe_video
from toolkit.motion.smoothing import smooth_pose_stream
from toolkit.perception.body import N_LANDMARKS, BodyPose, iter_video_poses

logger = logging.getLogger(__name__)

PathLike = Union[str, "os.PathLike[str]"]

DEFAULT_FOLDER_FPS = 25.0
POINT_COUNTS = {"mediapipe33": 33, "coco18": 18, "body25": 25}

# COCO-18 (OpenPose) body points.
C_NOSE, C_NECK = 0, 1
C_RSHO, C_RELB, C_RWRI, C_LSHO, C_LELB, C_LWRI = 2, 3, 4, 5, 6, 7
C_RHIP, C_RKNE, C_RANK, C_LHIP, C_LKNE, C_LANK = 8, 9, 10, 11, 12, 13
C_REYE, C_LEYE, C_REAR, C_LEAR = 14, 15, 16, 17

# MediaPipe index <- COCO index, for the points both have ("left" is the person's left in both).
COCO_TO_MP = {
    0: C_NOSE, 2: C_LEYE, 5: C_REYE, 7: C_LEAR, 8: C_REAR,
    11: C_LSHO, 12: C_RSHO, 13: C_LELB, 14: C_RELB, 15: C_LWRI, 16: C_RWRI,
    23: C_LHIP, 24: C_RHIP, 25: C_LKNE, 26: C_RKNE, 27: C_LANK, 28: C_RANK,
}  # fmt: skip

# BODY_25 index of each COCO-18 point (BODY_25 inserts MidHip at 8 and adds feet at 19-24).
BODY25_TO_COCO = [0, 1, 2, 3, 4, 5, 6, 7, 9, 10, 11, 12, 13, 14, 15, 16, 17, 18]
# MediaPipe foot points read straight from BODY_25: heels and big toes.
BODY25_FEET = {29: 21, 30: 24, 31: 19, 32: 22}


@dataclass
class PoseSequence:
    """Poses over time in MediaPipe's 33-point order, in pixels of a width x height canvas."""

    width: int
    height: int
    fps: float
    frames: np.ndarray  # (T, 33, 3) float32: x, y, visibility

    def __post_init__(self) -> None:
        self.frames = np.asarray(self.frames, dtype=np.float32)
        if self.frames.ndim != 3 or self.frames.shape[1:] != (N_LANDMARKS, 3):
            raise ValueError(f"PoseSequence frames must have shape (T, 33, 3), got {self.frames.shape}")

    def __len__(self) -> int:
        return int(self.frames.shape[0])

    def pose(self, index: int) -> BodyPose:
        """Frame index as a BodyPose."""
        frame = self.frames[index]
        return BodyPose(points=frame[:, :2], visibility=frame[:, 2])

    @classmethod
    def from_poses(cls, poses: list[BodyPose], width: int, height: int, fps: float) -> "PoseSequence":
        """Stack BodyPoses into a sequence."""
        frames = np.stack([np.concatenate([p.points, p.visibility[:, None]], axis=1) for p in poses])
        return cls(width=int(width), height=int(height), fps=float(fps), frames=frames)


# --------------------------------------------------------------------------- loading


def load_pose_file(path: PathLike, *, default_fps: float = DEFAULT_FOLDER_FPS) -> PoseSequence:
    """Read our pose JSON, a single OpenPose JSON frame, or a folder of OpenPose/DWPose frames."""
    p = Path(path)
    if not p.exists():
        raise InputError(f"cannot read pose file '{path}': it does not exist")
    if p.is_dir():
        return load_openpose_folder(p, default_fps=default_fps)
    data = _read_json(p, "pose file")
    if isinstance(data, dict) and "people" in data and "format" not in data:
        return _sequence_from_openpose([(p, data)], str(path), default_fps)
    return parse_pose_document(data, str(path))


def parse_pose_document(data: Any, name: str) -> PoseSequence:
    """Validate a decoded pose JSON document (our format) and convert it to MediaPipe-33."""
    fail = f"pose file '{name}'"
    if not isinstance(data, dict):
        raise InputError(f"{fail}: expected a JSON object with format, width, height, fps and frames")
    missing = [key for key in ("format", "width", "height", "fps", "frames") if key not in data]
    if missing:
        raise InputError(f"{fail}: missing key(s) {', '.join(missing)}")
    fmt = data["format"]
    if fmt not in POINT_COUNTS:
        raise InputError(f"{fail}: unknown format {fmt!r}; known formats are {', '.join(POINT_COUNTS)}")
    width = _positive_number(data["width"], "width", fail, whole=True)
    height = _positive_number(data["height"], "height", fail, whole=True)
    fps = _positive_number(data["fps"], "fps", fail, whole=False)
    frames = data["frames"]
    if not isinstance(frames, list) or not frames:
        raise InputError(f"{fail}: 'frames' must be a non-empty list of frames")
    raw = np.stack([_frame_array(frame, POINT_COUNTS[fmt], t, fail) for t, frame in enumerate(frames)])
    return PoseSequence(width=int(width), height=int(height), fps=float(fps), frames=to_mediapipe33(raw, fmt))


def load_openpose_folder(folder: PathLike, *, default_fps: float = DEFAULT_FOLDER_FPS) -> PoseSequence:
    """Read a folder of per-frame OpenPose/DWPose JSON files (see the module docstring)."""
    root = Path(folder)
    files = sorted((f for f in root.iterdir() if f.suffix.lower() == ".json" and f.is_file()), key=natural_key)
    if not files:
        raise InputError(f"pose folder '{folder}': it holds no .json files")
    documents = [(f, _read_json(f, "pose file")) for f in files]
    return _sequence_from_openpose(documents, str(folder), default_fps)


def natural_key(path: Path) -> list:
    """Sort key that orders digit runs by value: frame_2 < frame_10."""
    return [(0, int(part), "") if part.isdigit() else (1, 0, part.lower()) for part in re.split(r"(\d+)", path.name)]


def to_mediapipe33(raw: np.ndarray, fmt: str) -> np.ndarray:
    """(T, N, 3) keypoints in format fmt -> (T, 33, 3) float32 in MediaPipe order."""
    raw = np.asarray(raw, dtype=np.float32)
    if fmt == "mediapipe33":
        return raw.copy()
    if fmt == "body25":
        out = coco18_to_mediapipe33(raw[:, BODY25_TO_COCO])
        for mp_index, b25_index in BODY25_FEET.items():
            seen = raw[:, b25_index, 2] > 0
            out[seen, mp_index] = raw[seen, b25_index]
        return out
    if fmt == "coco18":
        return coco18_to_mediapipe33(raw)
    raise ValueError(f"unknown pose format {fmt!r}")


def coco18_to_mediapipe33(coco: np.ndarray) -> np.ndarray:
    """(T, 18, 3) COCO/OpenPose keypoints -> (T, 33, 3): copied where both have the point, estimated elsewhere.

    Estimated points take the lowest visibility of the points they come from: eye corners from
    the two eyes, mouth corners from nose and neck, hand points a little beyond the wrist along
    the forearm, heel and foot index a little beyond the ankle along the shin.
    """
    coco = np.asarray(coco, dtype=np.float32)
    out = np.zeros((coco.shape[0], N_LANDMARKS, 3), np.float32)
    for mp_index, coco_index in COCO_TO_MP.items():
        out[:, mp_index] = coco[:, coco_index]
    xy, vis = coco[..., :2], coco[..., 2]

    def put(index: int, point: np.ndarray, *sources: int) -> None:
        out[:, index, :2] = point
        out[:, index, 2] = np.min(vis[:, list(sources)], axis=1)

    eye_gap = xy[:, C_REYE] - xy[:, C_LEYE]  # from the left eye towards the right eye
    put(1, xy[:, C_LEYE] + 0.2 * eye_gap, C_LEYE, C_REYE)  # left eye inner
    put(3, xy[:, C_LEYE] - 0.2 * eye_gap, C_LEYE, C_REYE)  # left eye outer
    put(4, xy[:, C_REYE] - 0.2 * eye_gap, C_LEYE, C_REYE)  # right eye inner
    put(6, xy[:, C_REYE] + 0.2 * eye_gap, C_LEYE, C_REYE)  # right eye outer
    mouth = xy[:, C_NOSE] + 0.2 * (xy[:, C_NECK] - xy[:, C_NOSE])
    half_mouth = _mouth_half_width(xy, vis)
    put(9, mouth + half_mouth, C_NOSE, C_NECK)  # mouth left
    put(10, mouth - half_mouth, C_NOSE, C_NECK)  # mouth right
    for wrist, elbow, (pinky, index, thumb), shoulder, other_shoulder in (
        (C_LWRI, C_LELB, (17, 19, 21), C_LSHO, C_RSHO),
        (C_RWRI, C_RELB, (18, 20, 22), C_RSHO, C_LSHO),
    ):
        forearm = xy[:, wrist] - xy[:, elbow]
        inward = _towards(forearm, xy[:, other_shoulder] - xy[:, shoulder])
        put(pinky, xy[:, wrist] + 0.22 * forearm - 0.06 * inward, wrist, elbow)
        put(index, xy[:, wrist] + 0.28 * forearm, wrist, elbow)
        put(thumb, xy[:, wrist] + 0.16 * forearm + 0.08 * inward, wrist, elbow)
    for ankle, knee, heel, toe in ((C_LANK, C_LKNE, 29, 31), (C_RANK, C_RKNE, 30, 32)):
        shin = xy[:, ankle] - xy[:, knee]
        put(heel, xy[:, ankle] + 0.08 * shin, ankle, knee)
        put(toe, xy[:, ankle] + 0.18 * shin, ankle, knee)
    return out


def _mouth_half_width(xy: np.ndarray, vis: np.ndarray) -> np.ndarray:
    """(T, 2) vector from the mouth centre to its left corner: 0.4 x the eye span, else 0.07 x the shoulder span."""
    by_eyes = 0.4 * (xy[:, C_LEYE] - xy[:, C_REYE])
    by_shoulders = 0.07 * (xy[:, C_LSHO] - xy[:, C_RSHO])
    eyes_seen = (np.minimum(vis[:, C_LEYE], vis[:, C_REYE]) > 0)[:, None]
    return np.where(eyes_seen, by_eyes, by_shoulders)


def _towards(direction: np.ndarray, reference: np.ndarray) -> np.ndarray:
    """(T, 2) vectors perpendicular to direction, as long as it, on the side that reference points to."""
    perp = np.stack([-direction[:, 1], direction[:, 0]], axis=1)
    sign = np.where(np.sum(perp * reference, axis=1) < 0, -1.0, 1.0)
    return perp * sign[:, None]


def _sequence_from_openpose(documents: list[tuple[Path, Any]], name: str, default_fps: float) -> PoseSequence:
    """Convert decoded OpenPose frame documents to a sequence, inferring the canvas when needed."""
    raws, fmt, canvas = [], None, None
    for path, doc in documents:
        raw, count = _openpose_person(doc, path)
        if count is not None:
            if fmt is None:
                fmt = "coco18" if count == 18 else "body25"
            elif POINT_COUNTS[fmt] != count:
                raise InputError(f"pose file '{path}': {count} keypoints, but earlier frames had {POINT_COUNTS[fmt]}")
        raws.append(raw)
        canvas = canvas or _canvas_of(doc, path)
    if fmt is None:
        raise InputError(f"pose folder '{name}': no frame has a person")
    n_points = POINT_COUNTS[fmt]
    raw = np.stack([r if r is not None else np.zeros((n_points, 3), np.float32) for r in raws])
    normalised = _looks_normalised(raw)
    if normalised and canvas is None:
        raise InputError(
            f"pose folder '{name}': keypoints look normalised to [0, 1] but no canvas_width/canvas_height is given"
        )
    width, height = canvas or _inferred_canvas(raw, name)
    if normalised:
        raw[..., 0] *= width
        raw[..., 1] *= height
    frames = to_mediapipe33(raw, fmt)
    logger.info(
        "read %d OpenPose frame(s) (%s) from %s, canvas %dx%d, %.3g fps", len(frames), fmt, name, width, height, default_fps
    )
    return PoseSequence(width=width, height=height, fps=float(default_fps), frames=frames)


def _openpose_person(doc: Any, path: Path) -> tuple[np.ndarray | None, int | None]:
    """The first person's (N, 3) keypoints and N, or (None, None) for a frame without people."""
    fail = f"pose file '{path}'"
    if not isinstance(doc, dict) or not isinstance(doc.get("people"), list):
        raise InputError(f"{fail}: expected an OpenPose JSON object with a 'people' list")
    if not doc["people"]:
        return None, None
    person = doc["people"][0]
    flat = person.get("pose_keypoints_2d") if isinstance(person, dict) else None
    if not isinstance(flat, list):
        raise InputError(f"{fail}: the first person has no 'pose_keypoints_2d' list")
    if not flat:
        return None, None  # some tools write a person with no keypoints
    if len(flat) not in (18 * 3, 25 * 3):
        raise InputError(f"{fail}: 'pose_keypoints_2d' has {len(flat)} numbers; expected 54 (COCO-18) or 75 (BODY_25)")
    values = _numbers(flat, fail, "pose_keypoints_2d")
    raw = values.reshape(-1, 3)
    raw[:, 2] = np.clip(raw[:, 2], 0.0, 1.0)
    return raw, raw.shape[0]


def _canvas_of(doc: dict, path: Path) -> tuple[int, int] | None:
    """(canvas_width, canvas_height) if the document gives both, else None."""
    if "canvas_width" not in doc or "canvas_height" not in doc:
        return None
    fail = f"pose file '{path}'"
    width = _positive_number(doc["canvas_width"], "canvas_width", fail, whole=True)
    height = _positive_number(doc["canvas_height"], "canvas_height", fail, whole=True)
    return int(width), int(height)


def _inferred_canvas(raw: np.ndarray, name: str) -> tuple[int, int]:
    """A canvas just large enough for every seen keypoint."""
    seen = raw[..., 2] > 0
    if not seen.any():
        raise InputError(f"pose folder '{name}': no keypoint has a positive confidence")
    xs, ys = raw[..., 0][seen], raw[..., 1][seen]
    width, height = int(math.ceil(xs.max())) + 1, int(math.ceil(ys.max())) + 1
    logger.info("pose folder %s gives no canvas size; using %dx%d from its largest coordinates", name, width, height)
    return max(width, 1), max(height, 1)


def _looks_normalised(raw: np.ndarray) -> bool:
    """True if every seen keypoint lies in [0, 1] (coordinates relative to the canvas)."""
    seen = raw[..., 2] > 0
    if not seen.any():
        return False
    coords = raw[..., :2][seen]
    return bool(coords.min() >= 0.0 and coords.max() <= 1.0)


def _frame_array(frame: Any, n_points: int, t: int, fail: str) -> np.ndarray:
    """One frame of our format as an (n_points, 3) float32 array ([x, y] points get visibility 1)."""
    if not isinstance(frame, list) or len(frame) != n_points:
        got = f"{len(frame)} points" if isinstance(frame, list) else type(frame).__name__
        raise InputError(f"{fail}: frame {t} has {got}; expected {n_points} points of [x, y, visibility]")
    rows = []
    for i, point in enumerate(frame):
        if not isinstance(point, list) or len(point) not in (2, 3):
            raise InputError(f"{fail}: frame {t} point {i} must be [x, y, visibility], got {point!r:.40}")
        row = _numbers(point, fail, f"frame {t} point {i}")
        rows.append(row if row.size == 3 else np.append(row, 1.0))
    out = np.stack(rows).astype(np.float32)
    out[:, 2] = np.clip(out[:, 2], 0.0, 1.0)
    return out


def _numbers(values: list, fail: str, what: str) -> np.ndarray:
    """A list of finite JSON numbers (not booleans) as float32, or InputError."""
    if not all(isinstance(v, (int, float)) and not isinstance(v, bool) for v in values):
        raise InputError(f"{fail}: {what} holds a value that is not a number")
    array = np.array(values, dtype=np.float64)
    if not np.isfinite(array).all():
        raise InputError(f"{fail}: {what} holds a value that is not a finite number")
    return array.astype(np.float32)


def _positive_number(value: Any, key: str, fail: str, whole: bool) -> float:
    """value as a positive finite number (a whole number if whole), or InputError."""
    ok = isinstance(value, (int, float)) and not isinstance(value, bool) and math.isfinite(value) and value > 0
    if ok and whole and float(value) != int(value):
        ok = False
    if not ok:
        kind = "a positive whole number" if whole else "a positive number"
        raise InputError(f"{fail}: '{key}' must be {kind}, got {value!r}")
    return float(value)


def _read_json(path: Path, what: str) -> Any:
    """Decode a JSON file, mapping every failure to one InputError line."""
    fail = f"cannot read {what} '{path}'"
    try:
        text = path.read_text(encoding="utf-8")
    except OSError as err:
        raise InputError(f"{fail}: {err.strerror or err}") from None
    except UnicodeDecodeError:
        raise InputError(f"{fail}: not a UTF-8 text file") from None
    if not text.strip():
        raise InputError(f"{fail}: file is empty")
    try:
        return json.loads(text)
    except json.JSONDecodeError as err:
        raise InputError(f"{fail}: not valid JSON (line {err.lineno} column {err.colno}: {err.msg})") from None
    except RecursionError:
        raise InputError(f"{fail}: not valid JSON (nested too deeply)") from None


# --------------------------------------------------------------------------- saving and export


def save_pose_file(path: PathLike, seq: PoseSequence) -> None:
    """Write seq as our JSON in mediapipe33 format (temporary file, then renamed into place)."""
    target = Path(path)
    folder = check_output_folder(target)
    tmp = reserve_temp_file(folder, target.stem, target.suffix or ".json")
    try:
        with open(tmp, "w", encoding="utf-8") as handle:
            handle.write(pose_document_text(seq))
        os.replace(tmp, target)
    except BaseException:
        remove_quietly(tmp)
        raise
    logger.info("wrote %d pose frame(s) to %s", len(seq), target)


def pose_document_text(seq: PoseSequence) -> str:
    """Our JSON for seq, one frame per line; x and y to 0.01 px, visibility to 0.001."""
    header = {"format": "mediapipe33", "width": int(seq.width), "height": int(seq.height), "fps": float(seq.fps)}
    head = json.dumps(header)[:-1]
    lines = []
    for frame in seq.frames:
        points = ",".join(f"[{_num(x, 2)},{_num(y, 2)},{_num(v, 3)}]" for x, y, v in frame.tolist())
        lines.append(f"  [{points}]")
    return head + ', "frames": [\n' + ",\n".join(lines) + "\n]}\n"


def _num(value: float, digits: int) -> str:
    """A compact decimal for JSON (no trailing zeros, no '-0')."""
    text = f"{value:.{digits}f}".rstrip("0").rstrip(".")
    return "0" if text in ("-0", "") else text


def export_video_poses(
    video_path: PathLike,
    *,
    max_side: int | None = 640,
    progress: Callable[[int, int], None] | None = None,
) -> PoseSequence:
    """Track, clean and smooth the person in a driving video; poses in the video's pixels.

    progress, if given, is called with (frames done, estimated total frames).
    """
    info = probe_video(video_path)
    fps = info.fps
    if not fps or not math.isfinite(fps) or fps <= 0:
        logger.warning("video %s reports no frame rate; assuming %.3g fps", video_path, DEFAULT_FOLDER_FPS)
        fps = DEFAULT_FOLDER_FPS
    poses = iter_video_poses(video_path, max_side=max_side)
    frames = []
    for pose in smooth_pose_stream(poses, fps, source_name=str(video_path)):
        frames.append(np.concatenate([pose.points, pose.visibility[:, None]], axis=1))
        if progress is not None:
            progress(len(frames), max(info.n_frames, len(frames)))
    return PoseSequence(width=info.width, height=info.height, fps=float(fps), frames=np.stack(frames))
