"""Faces with MediaPipe Face Mesh (478 refined landmarks) and measurements of their expression and pose.

Landmarks are in pixels of the image they were found in; z is MediaPipe's relative depth in
the same pixel scale as x (negative towards the camera). Index groups (lips, lids, irises,
oval...) live in toolkit.perception.face_landmarks; "left" is always the person's own left,
which a frontal photo shows on the image's right.

Still images go through three stages: Face Mesh on the whole image (its own detector is
short-range and only finds faces that fill a good part of the picture); MediaPipe's full-range
face detector over a pyramid of overlapping tiles, which finds faces down to about 30 px in any
image size; then Face Mesh on a generous crop around each face the first stage missed, mapped
back to the full-resolution image. Every MediaPipe graph is created inside a function or a
`FaceTracker` and closed when done; only models bundled in the mediapipe wheel are used.
"""

from __future__ import annotations

import contextlib
import logging
import math
import os
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from typing import Self, Union

import cv2
import numpy as np

from toolkit.errors import InputError
from toolkit.media.video_reader import fit_size
from toolkit.perception import face_landmarks as fl
from toolkit.perception.body import check_rgb
from toolkit.perception.native_logs import native_stderr_silenced
from toolkit.perception.video_tracking import iter_tracked

logger = logging.getLogger(__name__)

PathLike = Union[str, "os.PathLike[str]"]
Box = tuple[float, float, float, float]  # x0, y0, x1, y1 in pixels

MESH_SIDE = 1024  # the whole-image Face Mesh pass sees the image fitted into this many pixels
DETECT_SIDE = 384  # each detector tile is fitted into this (the model itself works at 192 px)
MIN_TILE = 320  # smallest detector tile in image pixels; the detector finds faces of >= ~1/13 of a tile
TILE_OVERLAP = 0.25  # share of a tile's side that overlaps its neighbour (faces up to this size fit whole)
CROP_MARGIN = 2.0  # side of the square crop around a detected face, in face-box sides
CROP_SIDE = 384  # crops are resized to this longer side before Face Mesh
DUPLICATE_IOU = 0.4  # two faces whose landmark boxes overlap more than this are the same face
MIN_DETECTION_CONFIDENCE = 0.5
WARM_UP_SIDE = 64  # side of the blank frame a FaceTracker processes first
PITCH_NEUTRAL = 0.45  # head_pitch's share for a level frontal face (photos and driving clips measure 0.42-0.50)


@dataclass(frozen=True, eq=False)
class Face:
    """One face's 478 landmarks: x, y in pixels of the image they were found in, z in the same scale as x."""

    points: np.ndarray  # (478, 3) float32

    def __post_init__(self) -> None:
        points = np.asarray(self.points, dtype=np.float32)
        if points.shape != (fl.N_LANDMARKS, 3):
            raise ValueError(f"Face points must have shape (478, 3), got {points.shape}")
        object.__setattr__(self, "points", points)

    @property
    def box(self) -> Box:
        """(x0, y0, x1, y1): the bounding box of the landmarks in pixels."""
        x0, y0 = self.points[:, :2].min(axis=0)
        x1, y1 = self.points[:, :2].max(axis=0)
        return float(x0), float(y0), float(x1), float(y1)

    @property
    def area(self) -> float:
        """Area of the landmark box in square pixels."""
        return _box_area(self.box)

    @property
    def center(self) -> tuple[float, float]:
        """(x, y) centre of the landmark box in pixels."""
        x0, y0, x1, y1 = self.box
        return (x0 + x1) / 2.0, (y0 + y1) / 2.0

    @property
    def scale(self) -> float:
        """Inter-ocular distance (outer eye corners) in pixels."""
        return face_scale(self.points)

    def scaled(self, sx: float, sy: float) -> Face:
        """The same face with x (and z, which shares x's scale) multiplied by sx and y by sy."""
        return Face(points=self.points * np.array([sx, sy, sx], dtype=np.float32))


def detect_faces(image: np.ndarray, max_faces: int = 6) -> list[Face]:
    """The faces in an RGB uint8 image, largest first (at most max_faces; an empty list if none)."""
    rgb = check_rgb(image)
    if isinstance(max_faces, bool) or not isinstance(max_faces, (int, np.integer)) or max_faces < 1:
        raise ValueError(f"max_faces must be a positive whole number, got {max_faces!r}")
    with contextlib.ExitStack() as stack:
        stack.enter_context(native_stderr_silenced())
        mesh = stack.enter_context(_static_mesh(int(max_faces)))
        faces = _mesh_whole_image(mesh, rgb)
        if len(faces) < max_faces:
            detector = stack.enter_context(_full_range_detector())
            crop_mesh = stack.enter_context(_static_mesh(1))
            candidates = _candidate_boxes(detector, rgb)
            faces = _add_missed_faces(faces, candidates, crop_mesh, rgb, int(max_faces))
    logger.debug("found %d face(s) in a %dx%d image", len(faces), rgb.shape[1], rgb.shape[0])
    return sorted(faces, key=lambda face: face.area, reverse=True)[:max_faces]


def choose_faces(faces: Sequence[Face], which: str | int, image_name: str) -> list[Face]:
    """The faces a user asked for: "largest", "all", or one 0-based index in largest-first order.

    Raises InputError when there is no face, the index is out of range, or `which` is not understood.
    """
    if not faces:
        raise InputError(f"no face found in {image_name}")
    ordered = sorted(faces, key=lambda face: face.area, reverse=True)
    choice = which.strip().lower() if isinstance(which, str) else which
    if choice == "largest":
        return ordered[:1]
    if choice == "all":
        return ordered
    index = _face_index(choice)
    if index >= len(ordered):
        raise InputError(
            f"face {index} was asked for but {len(ordered)} face(s) were found in {image_name} "
            f"(numbered from 0, largest first)"
        )
    return [ordered[index]]


class FaceTracker:
    """Find one face in each of a video's frames (refined landmarks), keeping one graph open.

    Every frame is searched afresh, as a photo is. Face Mesh's video mode, which starts each
    frame from the last frame's landmarks, drifts by more than a small head turn: on
    driving_d0_silent.mp4 (a turn of about 2 degrees) its yaw agreed with per-frame detection
    at r 0.13, against 0.90 for two per-frame detections at different scales, and it saves only
    about 1.5 ms a frame. Use as a context manager, or call close() when done.
    """

    def __init__(self, min_detection_confidence: float = MIN_DETECTION_CONFIDENCE) -> None:
        with native_stderr_silenced():
            self._mesh = _static_mesh(1, min_detection_confidence)
            # The graph loads its models on worker threads, which print notices whenever they get
            # there; one blank frame waits for them while stderr is silenced (it holds no face to track).
            self._mesh.process(np.zeros((WARM_UP_SIDE, WARM_UP_SIDE, 3), np.uint8))

    def track(self, frame: np.ndarray) -> Face | None:
        """The face in the next frame (RGB uint8), or None if none is found."""
        if self._mesh is None:
            raise RuntimeError("FaceTracker is closed")
        rgb = check_rgb(frame)
        with native_stderr_silenced():  # the first frame with a face prints a notice
            result = self._mesh.process(rgb)
        faces = _to_faces(result.multi_face_landmarks, rgb.shape)
        return faces[0] if faces else None

    def close(self) -> None:
        """Release the MediaPipe graph (safe to call twice)."""
        if self._mesh is not None:
            self._mesh.close()
            self._mesh = None

    def __enter__(self) -> Self:
        return self

    def __exit__(self, *exc_info: object) -> None:
        self.close()


def iter_video_faces(path: PathLike, max_side: int | None = 640) -> Iterator[Face | None]:
    """Stream one face (or None) per frame of a video, in the original video's pixel coordinates.

    Frames are decoded fitted into max_side for speed (None: full size); the file is checked first.
    """
    return iter_tracked(path, max_side, FaceTracker, "faces")


# Measurements on a (478, 2 or 3) landmark array; only x and y are used. Distances are in face
# units (inter-ocular distances), so they do not depend on the image size.


def face_scale(points: np.ndarray) -> float:
    """Inter-ocular distance: pixels between the outer eye corners (33 and 263)."""
    xy = np.asarray(points, dtype=np.float64)[:, :2]
    return float(np.linalg.norm(xy[fl.LEFT_EYE_OUTER] - xy[fl.RIGHT_EYE_OUTER]))


def _face_frame_points(points: np.ndarray) -> np.ndarray:
    """(N, 2) landmarks in the face's own roll-corrected frame, in face units.

    The origin is midway between the outer eye corners, x runs along the eye line towards the
    person's left eye and y perpendicular to it towards the chin.
    """
    xy = np.asarray(points, dtype=np.float64)[:, :2]
    right_eye, left_eye = xy[fl.RIGHT_EYE_OUTER], xy[fl.LEFT_EYE_OUTER]
    axis = left_eye - right_eye
    scale = float(np.linalg.norm(axis))
    x_axis = axis / scale
    y_axis = np.array([-x_axis[1], x_axis[0]])
    local = xy - (right_eye + left_eye) / 2.0
    return np.stack([local @ x_axis, local @ y_axis], axis=1) / scale


def mouth_opening(points: np.ndarray) -> float:
    """Mean gap between facing inner upper and lower lip points, perpendicular to the eye line, in face units.

    About 0 for a closed mouth, 0.1-0.2 for speech, 0.3 or more wide open.
    """
    local = _face_frame_points(points)
    upper, lower = list(fl.UPPER_LIP_INNER[1:-1]), list(fl.LOWER_LIP_INNER[1:-1])
    gaps = local[lower, 1] - local[upper, 1]
    return float(np.maximum(gaps, 0.0).mean())


def mouth_width(points: np.ndarray) -> float:
    """Distance between the inner mouth corners (78 and 308) in face units."""
    xy = np.asarray(points, dtype=np.float64)[:, :2]
    return float(np.linalg.norm(xy[fl.MOUTH_LEFT_INNER] - xy[fl.MOUTH_RIGHT_INNER])) / face_scale(points)


def eye_openness(points: np.ndarray) -> tuple[float, float]:
    """(left, right) eye aspect ratios, the person's own left first: mean lid gap over the corner-to-corner width.

    About 0 for a closed eye and 0.25-0.35 for an open one.
    """
    return (
        _eye_aspect_ratio(points, fl.LEFT_EYE_UPPER, fl.LEFT_EYE_LOWER),
        _eye_aspect_ratio(points, fl.RIGHT_EYE_UPPER, fl.RIGHT_EYE_LOWER),
    )


def head_yaw(points: np.ndarray) -> float:
    """Signed turn of the head in about [-1, 1]: 0 frontal, positive when the nose points to the person's left.

    (distance from the nose tip to the right side of the face - distance to the left side) / their
    sum, measured along the eye line; the sides are the oval points beside the ears (234, 454).
    A positive value shows the nose shifted towards the image's right in a frontal photo.
    """
    local = _face_frame_points(points)
    nose = local[fl.NOSE_TIP, 0]
    to_right = nose - local[fl.JAW[0], 0]
    to_left = local[fl.JAW[-1], 0] - nose
    return float((to_right - to_left) / (to_right + to_left))


def head_roll(points: np.ndarray) -> float:
    """Angle in radians of the eye line (person's right outer corner to left) against the image's x axis.

    0 for level eyes; positive when the person's left eye is lower in the image (the head tilted
    clockwise on screen, towards the person's left shoulder).
    """
    xy = np.asarray(points, dtype=np.float64)[:, :2]
    dx, dy = xy[fl.LEFT_EYE_OUTER] - xy[fl.RIGHT_EYE_OUTER]
    return float(math.atan2(dy, dx))


def head_pitch(points: np.ndarray) -> float:
    """Signed nod of the head, a proxy in about [-0.5, 0.5]: 0 level, positive when the chin is raised.

    PITCH_NEUTRAL minus the nose tip's share of the forehead-to-nose-tip height, both measured
    from the eye line and perpendicular to it. Raising the chin brings the protruding nose tip
    up towards the eye line and the forehead away from it. Only rigid parts of the face are used,
    so opening the mouth (which moves the chin) does not read as a nod.
    """
    local = _face_frame_points(points)
    nose_drop = local[fl.NOSE_TIP, 1]
    forehead_rise = -local[fl.FOREHEAD, 1]
    return float(PITCH_NEUTRAL - nose_drop / (nose_drop + forehead_rise))


def _eye_aspect_ratio(points: np.ndarray, upper: Sequence[int], lower: Sequence[int]) -> float:
    """Mean distance between facing lid points (corners excluded) over the distance between the corners."""
    xy = np.asarray(points, dtype=np.float64)[:, :2]
    gaps = np.linalg.norm(xy[list(upper[1:-1])] - xy[list(lower[1:-1])], axis=1)
    width = np.linalg.norm(xy[upper[-1]] - xy[upper[0]])
    return float(gaps.mean() / width)


def _face_index(choice: object) -> int:
    """A face index from an int or a digit string, or InputError."""
    if isinstance(choice, str) and choice.isdigit():
        return int(choice)
    if isinstance(choice, (int, np.integer)) and not isinstance(choice, bool) and choice >= 0:
        return int(choice)
    raise InputError(f"the face to use must be 'largest', 'all' or a face number from 0, got {choice!r}")


def _mesh_whole_image(mesh, rgb: np.ndarray) -> list[Face]:
    """Face Mesh on the image fitted into MESH_SIDE, landmarks in the full image's pixels."""
    small, sx, sy = _fit(rgb, MESH_SIDE)
    faces = _to_faces(mesh.process(small).multi_face_landmarks, small.shape)
    return [face.scaled(sx, sy) for face in faces]


def _candidate_boxes(detector, rgb: np.ndarray) -> list[Box]:
    """Face boxes (full-image pixels) from the full-range detector over a tile pyramid, duplicates removed."""
    height, width = rgb.shape[:2]
    scored: list[tuple[float, Box]] = []
    for x0, y0, x1, y1 in _detector_tiles(width, height):
        tile = _fit(rgb[y0:y1, x0:x1], DETECT_SIDE)[0]
        for detection in detector.process(tile).detections or []:
            rel = detection.location_data.relative_bounding_box
            tw, th = x1 - x0, y1 - y0
            box = (x0 + rel.xmin * tw, y0 + rel.ymin * th, x0 + (rel.xmin + rel.width) * tw, y0 + (rel.ymin + rel.height) * th)
            scored.append((float(detection.score[0]), box))
    kept: list[Box] = []
    for _, box in sorted(scored, key=lambda item: item[0], reverse=True):
        if all(_iou(box, other) <= DUPLICATE_IOU for other in kept):
            kept.append(box)
    return kept


def _detector_tiles(width: int, height: int) -> list[tuple[int, int, int, int]]:
    """(x0, y0, x1, y1) tiles for the face detector: the whole image, then square grids of MIN_TILE, 2x, 4x...

    Neighbouring tiles overlap by TILE_OVERLAP of their side, so a face small enough to need a
    tile of some size lies whole inside one of them.
    """
    tiles = [(0, 0, width, height)]
    side = MIN_TILE
    while side < max(width, height):
        stride = side * (1.0 - TILE_OVERLAP)
        for y in _tile_starts(height, side, stride):
            for x in _tile_starts(width, side, stride):
                tiles.append((x, y, min(x + side, width), min(y + side, height)))
        side *= 2
    return tiles


def _tile_starts(length: int, side: int, stride: float) -> list[int]:
    """Evenly spread start positions of tiles of `side` covering [0, length) with steps of at most stride."""
    if side >= length:
        return [0]
    count = math.ceil((length - side) / stride) + 1
    return [round(start) for start in np.linspace(0, length - side, count)]


def _add_missed_faces(faces: list[Face], candidates: list[Box], mesh, rgb: np.ndarray, max_faces: int) -> list[Face]:
    """Run Face Mesh on a crop around each candidate box no face covers yet, largest first, up to max_faces."""
    faces = list(faces)
    for box in sorted(candidates, key=_box_area, reverse=True):
        if len(faces) >= max_faces:
            break
        if any(_contains(face.box, _box_center(box)) for face in faces):
            continue
        face = _mesh_crop(mesh, rgb, box)
        if face is not None and all(_iou(face.box, other.box) <= DUPLICATE_IOU for other in faces):
            faces.append(face)
    return faces


def _mesh_crop(mesh, rgb: np.ndarray, box: Box) -> Face | None:
    """Face Mesh on a square crop CROP_MARGIN times the box around it, mapped back to full-image pixels."""
    x0, y0, x1, y1 = _crop_around(box, rgb.shape[1], rgb.shape[0], CROP_MARGIN)
    crop, sx, sy = _resize_longer(rgb[y0:y1, x0:x1], CROP_SIDE)
    faces = _to_faces(mesh.process(crop).multi_face_landmarks, crop.shape)
    if not faces:
        return None
    points = faces[0].scaled(sx, sy).points + np.array([x0, y0, 0.0], dtype=np.float32)
    return Face(points=points)


def _crop_around(box: Box, width: int, height: int, margin: float) -> tuple[int, int, int, int]:
    """Integer (x0, y0, x1, y1) of a square `margin` times the box's longer side, centred on it, clipped to the image."""
    cx, cy = _box_center(box)
    half = margin * max(box[2] - box[0], box[3] - box[1]) / 2.0
    x0, y0 = max(0, math.floor(cx - half)), max(0, math.floor(cy - half))
    x1, y1 = min(width, math.ceil(cx + half)), min(height, math.ceil(cy + half))
    return x0, y0, max(x1, x0 + 2), max(y1, y0 + 2)


def _fit(rgb: np.ndarray, max_side: int) -> tuple[np.ndarray, float, float]:
    """The image fitted into max_side (never upscaled), with the x and y factors back to its size."""
    height, width = rgb.shape[:2]
    new_w, new_h = fit_size(width, height, max_side)
    if (new_w, new_h) == (width, height):
        return np.ascontiguousarray(rgb), 1.0, 1.0
    small = cv2.resize(rgb, (new_w, new_h), interpolation=cv2.INTER_AREA)
    return small, width / new_w, height / new_h


def _resize_longer(rgb: np.ndarray, side: int) -> tuple[np.ndarray, float, float]:
    """The image resized so its longer side is `side` (up or down), with the x and y factors back to its size."""
    height, width = rgb.shape[:2]
    factor = side / max(width, height)
    new_w, new_h = max(2, round(width * factor)), max(2, round(height * factor))
    interpolation = cv2.INTER_AREA if factor < 1.0 else cv2.INTER_CUBIC
    resized = cv2.resize(rgb, (new_w, new_h), interpolation=interpolation)
    return resized, width / new_w, height / new_h


def _static_mesh(max_faces: int, min_detection_confidence: float = MIN_DETECTION_CONFIDENCE):
    """A Face Mesh graph that detects afresh in every image, with the 478 refined landmarks (a context manager)."""
    import mediapipe as mp

    return mp.solutions.face_mesh.FaceMesh(
        static_image_mode=True,
        max_num_faces=max_faces,
        refine_landmarks=True,
        min_detection_confidence=min_detection_confidence,
    )


def _full_range_detector():
    """MediaPipe's full-range face detector (model_selection=1, bundled in the wheel; a context manager)."""
    import mediapipe as mp

    return mp.solutions.face_detection.FaceDetection(
        model_selection=1, min_detection_confidence=MIN_DETECTION_CONFIDENCE
    )


def _to_faces(multi_face_landmarks, shape: tuple[int, ...]) -> list[Face]:
    """Convert MediaPipe's normalised landmark lists to Faces in pixels of an image of this shape."""
    height, width = shape[:2]
    factor = np.array([width, height, width], dtype=np.float32)
    faces = []
    for landmarks in multi_face_landmarks or []:
        raw = np.array([(lm.x, lm.y, lm.z) for lm in landmarks.landmark], dtype=np.float32)
        if raw.shape != (fl.N_LANDMARKS, 3):
            logger.debug("unexpected landmark count %s; skipping this face", raw.shape)
            continue
        faces.append(Face(points=raw * factor))
    return faces


def _box_area(box: Box) -> float:
    """Area of an (x0, y0, x1, y1) box (0 if empty)."""
    return max(0.0, box[2] - box[0]) * max(0.0, box[3] - box[1])


def _box_center(box: Box) -> tuple[float, float]:
    """(x, y) centre of an (x0, y0, x1, y1) box."""
    return (box[0] + box[2]) / 2.0, (box[1] + box[3]) / 2.0


def _contains(box: Box, point: tuple[float, float]) -> bool:
    """True if the point lies inside the box."""
    return box[0] <= point[0] <= box[2] and box[1] <= point[1] <= box[3]


def _iou(a: Box, b: Box) -> float:
    """Intersection over union of two (x0, y0, x1, y1) boxes."""
    inter = _box_area((max(a[0], b[0]), max(a[1], b[1]), min(a[2], b[2]), min(a[3], b[3])))
    union = _box_area(a) + _box_area(b) - inter
    return inter / union if union > 0 else 0.0
