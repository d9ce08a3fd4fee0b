"""Body pose and person silhouette with MediaPipe Pose (the bundled 'full' model) and selfie segmentation.

Landmarks follow MediaPipe Pose's 33-point order (0 nose ... 11/12 shoulders, 23/24 hips,
27/28 ankles, 31/32 foot index; "left" is the person's left) and are given in pixels of the
image they were found in. Every MediaPipe graph is created inside a function or a
`BodyTracker` and closed when done: nothing is cached globally and nothing is downloaded
(only model_complexity=1 is used, whose model ships inside the mediapipe wheel).
"""

from __future__ import annotations

import logging
import os
from dataclasses import dataclass
from typing import Iterable, Iterator, Union

import cv2
import numpy as np

from toolkit.perception.native_logs import native_stderr_silenced
from toolkit.perception.video_tracking import iter_tracked
from toolkit.imaging.masks import bounding_box, keep_touching

logger = logging.getLogger(__name__)

PathLike = Union[str, "os.PathLike[str]"]

N_LANDMARKS = 33
MODEL_COMPLEXITY = 1  # the 'full' landmark model bundled in the wheel; 0 and 2 would be downloaded
MASK_THRESHOLD = 0.5  # probability above which a pixel belongs to the person
MASK_EDGE_SIGMA = 0.7  # Gaussian sigma (px) of the soft edge of the returned mask
MODEL_MASK_SIDE = 256  # resolution at which both segmentation models work


@dataclass(frozen=True, eq=False)
class BodyPose:
    """One person's 33 landmarks in pixels, with MediaPipe's per-landmark visibility."""

    points: np.ndarray  # (33, 2) float32, x and y in pixels
    visibility: np.ndarray  # (33,) float32 in [0, 1]

    def __post_init__(self) -> None:
        points = np.asarray(self.points, dtype=np.float32)
        visibility = np.clip(np.asarray(self.visibility, dtype=np.float32), 0.0, 1.0)
        if points.shape != (N_LANDMARKS, 2):
            raise ValueError(f"BodyPose points must have shape (33, 2), got {points.shape}")
        if visibility.shape != (N_LANDMARKS,):
            raise ValueError(f"BodyPose visibility must have shape (33,), got {visibility.shape}")
        object.__setattr__(self, "points", points)
        object.__setattr__(self, "visibility", visibility)

    def visible(self, threshold: float = 0.5) -> np.ndarray:
        """(33,) bool: landmarks whose visibility reaches threshold."""
        return self.visibility >= threshold

    def scaled(self, sx: float, sy: float) -> "BodyPose":
        """The same pose with x multiplied by sx and y by sy (e.g. back to an original resolution)."""
        factor = np.array([sx, sy], dtype=np.float32)
        return BodyPose(points=self.points * factor, visibility=self.visibility)


def detect_body(image: np.ndarray) -> BodyPose | None:
    """The pose of the most prominent person in an RGB uint8 image, or None if there is none
    (looked for again in a grey frame if need be; see _process_framed)."""
    rgb = check_rgb(image)
    with native_stderr_silenced(), _static_pose(segmentation=False) as pose:
        body, _ = _process_framed(pose, rgb)
    return body


def detect_each(frames: Iterable[np.ndarray]) -> Iterator[tuple[BodyPose | None, BodyPose | None]]:
    """For each RGB frame, with one graph: (what MediaPipe's first look finds, what detect_body finds)."""
    with native_stderr_silenced(), _static_pose(segmentation=False) as pose:
        for frame in frames:
            rgb = check_rgb(frame)
            first = _to_body_pose(pose.process(rgb).pose_landmarks, rgb.shape)
            yield first, (first if first is not None else _second_look(pose, rgb)[0])


FRAME_MARGIN = 0.125  # of the image's width and height: the grey frame of a second look for a person


def _process_framed(pose, rgb: np.ndarray) -> tuple[BodyPose | None, np.ndarray | None]:
    """(body, pose model's segmentation or None) of an RGB image; if no person is found, a second
    look at it framed in grey, FRAME_MARGIN wide on each side.

    MediaPipe's person detector expects room around a person; on a photo cropped close round the
    body it can miss someone it finds once framed.  Landmarks and mask come back in the image's
    own pixels.
    """
    result = pose.process(rgb)
    body = _to_body_pose(result.pose_landmarks, rgb.shape)
    if body is not None:
        return body, result.segmentation_mask
    return _second_look(pose, rgb)


def _second_look(pose, rgb: np.ndarray) -> tuple[BodyPose | None, np.ndarray | None]:
    """_process_framed's look at the image framed in grey, mapped back to the image's pixels."""
    height, width = rgb.shape[:2]
    top, side = int(round(FRAME_MARGIN * height)), int(round(FRAME_MARGIN * width))
    framed = cv2.copyMakeBorder(rgb, top, top, side, side, cv2.BORDER_CONSTANT, value=(128, 128, 128))
    result = pose.process(framed)
    body = _to_body_pose(result.pose_landmarks, framed.shape)
    if body is None:
        return None, None
    body = BodyPose(points=body.points - np.array([side, top], np.float32), visibility=body.visibility)
    mask = result.segmentation_mask
    if mask is not None:
        mask = np.asarray(mask)[top:top + height, side:side + width]
    return body, mask


def person_mask(image: np.ndarray) -> np.ndarray:
    """Float32 (H, W) silhouette in [0, 1] of the detected person (hair and clothes included); zeros if none."""
    return detect_body_and_mask(image)[1]


def detect_body_and_mask(image: np.ndarray) -> tuple[BodyPose | None, np.ndarray]:
    """detect_body and person_mask in one pass of the pose model (the mask is zeros when no person)."""
    rgb = check_rgb(image)
    height, width = rgb.shape[:2]
    with native_stderr_silenced(), _static_pose(segmentation=True) as pose:
        body, segmentation = _process_framed(pose, rgb)
    if body is None or segmentation is None:
        return body, np.zeros((height, width), np.float32)
    with native_stderr_silenced(), _selfie_segmenter() as segmenter:
        selfie = segmenter.process(rgb).segmentation_mask
    pose_prob = np.asarray(segmentation, dtype=np.float32)
    selfie_prob = np.asarray(selfie, dtype=np.float32) if selfie is not None else np.zeros_like(pose_prob)
    return body, combine_person_masks(rgb, pose_prob, selfie_prob, body)


def combine_person_masks(rgb: np.ndarray, pose_prob: np.ndarray, selfie_prob: np.ndarray, body: BodyPose) -> np.ndarray:
    """Merge two person probability maps into one clean soft silhouette of the given body.

    The union (max) catches what either model misses (hair ornaments, wide skirts); the edge is
    snapped to the image with a guided filter (both models work at 256 px); only the connected
    parts that touch this body's own segmentation or its visible landmarks are kept, which drops
    other people and stray background blobs.
    """
    prob = np.maximum(pose_prob, selfie_prob).astype(np.float32)
    snapped = snap_to_edges(prob, rgb)
    hard = snapped > MASK_THRESHOLD
    anchors = (pose_prob > MASK_THRESHOLD) | _landmark_pixels(body, hard.shape)
    kept = keep_touching(hard, anchors)
    if not kept.any():
        kept = pose_prob > MASK_THRESHOLD
    return soft_edge(kept, MASK_EDGE_SIGMA)


def grow_over_unlike_wall(rgb: np.ndarray, silhouette: np.ndarray, reach: int, contrast: float = 3.0,
                          where: np.ndarray | None = None, thin: bool = False) -> np.ndarray:
    """The soft silhouette grown over what lies just outside it and does not look like the wall there.

    Segmentation models miss thin light things at a person's edge (lace on a cap, an earring, a
    loose strand): left out, they stay behind as ghosts when the person moves.  The wall's colour
    is taken locally from a band further out; pixels within `reach` of the silhouette, joined to
    it, that differ from the wall by more than `contrast` times the wall's own local variation
    (and by 25 at least) join the person; `where` (bool, optional) limits where they may be.
    Specks and one-pixel lines are left out (a 2x2 opening), unless `thin`: then a hoop earring's
    wire joins too.
    """
    hard = silhouette > 0.5
    if reach < 1 or not hard.any() or hard.all():
        return silhouette
    distance = cv2.distanceTransform((~hard).astype(np.uint8), cv2.DIST_L2, 5)
    zone = distance <= 5 * reach
    if where is not None:
        zone &= where
    box = bounding_box(zone, margin=int(6 * reach))  # only round the part of the edge that may grow
    if box is None:
        return silhouette
    x0, y0, x1, y1 = box
    grown_part = _grow_in_box(rgb[y0:y1, x0:x1], hard[y0:y1, x0:x1], distance[y0:y1, x0:x1], reach, contrast,
                              None if where is None else where[y0:y1, x0:x1], thin)
    if grown_part is None:
        return silhouette
    grown = hard.copy()
    grown[y0:y1, x0:x1] |= grown_part
    grown = cv2.morphologyEx(grown.astype(np.uint8), cv2.MORPH_CLOSE, np.ones((3, 3), np.uint8)).astype(bool)
    return np.maximum(silhouette, soft_edge(grown, MASK_EDGE_SIGMA))


def wall_statistics(colours: np.ndarray, wall: np.ndarray, sigma: float) -> tuple[np.ndarray, np.ndarray]:
    """(H, W, 3) local mean colour of the `wall` pixels and (H, W) their local spread, Gaussian of
    `sigma` px (computed at a coarser scale, as both vary slowly)."""
    height, width = wall.shape
    factor = max(1, int(sigma // 8))
    small = (max(1, width // factor), max(1, height // factor))
    weight = cv2.resize(wall.astype(np.float32), small, interpolation=cv2.INTER_AREA)
    pixels = cv2.resize(colours * wall[..., None], small, interpolation=cv2.INTER_AREA)
    squares = cv2.resize((colours ** 2).sum(-1) * wall, small, interpolation=cv2.INTER_AREA)
    blur = max(1.0, sigma / factor)
    total = np.maximum(cv2.GaussianBlur(weight, (0, 0), blur), 1e-6)
    mean = cv2.GaussianBlur(pixels, (0, 0), blur) / total[..., None]
    power = cv2.GaussianBlur(squares, (0, 0), blur) / total
    spread = np.sqrt(np.maximum(power - (mean ** 2).sum(-1), 0.0))
    return (cv2.resize(mean, (width, height), interpolation=cv2.INTER_LINEAR),
            cv2.resize(spread, (width, height), interpolation=cv2.INTER_LINEAR))


def _grow_in_box(rgb: np.ndarray, hard: np.ndarray, distance: np.ndarray, reach: int, contrast: float,
                 where: np.ndarray | None, thin: bool = False) -> np.ndarray | None:
    """grow_over_unlike_wall's additions inside one box (bool), or None when there are none."""
    wall = (distance > 2 * reach) & (distance <= 5 * reach)
    if wall.sum() < 100:
        return None
    colours = rgb.astype(np.float32)
    local, spread = wall_statistics(colours, wall, 2.0 * reach)
    near = (distance > 0) & (distance <= reach)
    if where is not None:
        near &= where
    # unlike the wall by more than its own local variation: a plain wall lets lace in, a busy
    # background (a flag behind a shoulder) does not
    unlike = near & (np.linalg.norm(colours - local, axis=-1) > np.maximum(25.0, contrast * spread))
    if not thin:  # an opening by a 2x2 square drops 1 px wide lines; OpenCV's MORPH_OPEN with an even
        # kernel shifts the result by a pixel (cutting what touches the silhouette from the left or
        # above off it), so the erosion and dilation get opposite anchors instead
        square = np.ones((2, 2), np.uint8)
        eroded = cv2.erode(unlike.astype(np.uint8), square, anchor=(0, 0), borderType=cv2.BORDER_CONSTANT, borderValue=0)
        unlike = cv2.dilate(eroded, square, anchor=(1, 1)).astype(bool)
    extra = keep_touching(unlike | hard, hard) & unlike
    return extra if extra.any() else None


def snap_to_edges(prob: np.ndarray, rgb: np.ndarray) -> np.ndarray:
    """Guided-filter a low-resolution probability map with the image so its edges follow the image's."""
    height, width = prob.shape
    radius = int(max(2, round(max(height, width) / MODEL_MASK_SIDE * 1.5)))
    guide = rgb.astype(np.float32) / 255.0
    snapped = cv2.ximgproc.guidedFilter(guide, prob, radius, 1e-3)
    return np.clip(snapped, 0.0, 1.0).astype(np.float32)


def soft_edge(hard: np.ndarray, sigma: float) -> np.ndarray:
    """Float32 mask that is 1 inside and 0 outside, with a ramp of about 2*sigma px across the edge."""
    blurred = cv2.GaussianBlur(hard.astype(np.float32), (0, 0), sigma)
    inside = np.maximum(blurred, 0.5)  # the 0.5 level stays on the hard edge
    outside = np.minimum(blurred, 0.49)
    soft = np.where(hard, inside, outside)
    soft[soft > 0.995] = 1.0
    soft[soft < 0.005] = 0.0
    return soft.astype(np.float32)


class BodyTracker:
    """Track one person through consecutive video frames (MediaPipe's video mode with landmark smoothing).

    Use as a context manager, or call close() when done.
    """

    def __init__(self, min_detection_confidence: float = 0.5, min_tracking_confidence: float = 0.5) -> None:
        import mediapipe as mp

        with native_stderr_silenced():
            self._pose = mp.solutions.pose.Pose(
                static_image_mode=False,
                model_complexity=MODEL_COMPLEXITY,
                smooth_landmarks=True,
                enable_segmentation=False,
                min_detection_confidence=min_detection_confidence,
                min_tracking_confidence=min_tracking_confidence,
            )
        self._frames_seen = 0

    def track(self, frame: np.ndarray) -> BodyPose | None:
        """The person's pose in the next frame (RGB uint8), or None if no one is found."""
        if self._pose is None:
            raise RuntimeError("BodyTracker is closed")
        rgb = check_rgb(frame)
        if self._frames_seen == 0:  # the first inference prints the delegate notice
            with native_stderr_silenced():
                result = self._pose.process(rgb)
        else:
            result = self._pose.process(rgb)
        self._frames_seen += 1
        return _to_body_pose(result.pose_landmarks, rgb.shape)

    def close(self) -> None:
        """Release the MediaPipe graph (safe to call twice)."""
        if self._pose is not None:
            self._pose.close()
            self._pose = None

    def __enter__(self) -> "BodyTracker":
        return self

    def __exit__(self, *exc_info: object) -> None:
        self.close()


def iter_video_poses(path: PathLike, max_side: int | None = 640) -> Iterator[BodyPose | None]:
    """Stream one pose (or None) per frame of a video, in the original video's pixel coordinates.

    Frames are decoded fitted into max_side for speed (None: full size); the file is checked first.
    """
    return iter_tracked(path, max_side, BodyTracker, "poses")


def _static_pose(segmentation: bool):
    """A MediaPipe Pose graph for single photos (a context manager)."""
    import mediapipe as mp

    return mp.solutions.pose.Pose(
        static_image_mode=True,
        model_complexity=MODEL_COMPLEXITY,
        enable_segmentation=segmentation,
        smooth_segmentation=False,
    )


def _selfie_segmenter():
    """MediaPipe's general (square input) selfie segmentation model (a context manager)."""
    import mediapipe as mp

    return mp.solutions.selfie_segmentation.SelfieSegmentation(model_selection=0)


def _to_body_pose(landmarks, shape: tuple[int, ...]) -> BodyPose | None:
    """Convert MediaPipe's normalised landmark list to a BodyPose in pixels of an image of this shape."""
    if landmarks is None:
        return None
    height, width = shape[:2]
    raw = np.array([(lm.x, lm.y, lm.visibility) for lm in landmarks.landmark], dtype=np.float32)
    if raw.shape != (N_LANDMARKS, 3):
        logger.debug("unexpected landmark count %s; treating as no person", raw.shape)
        return None
    points = raw[:, :2] * np.array([width, height], dtype=np.float32)
    return BodyPose(points=points, visibility=raw[:, 2])


def _landmark_pixels(body: BodyPose, shape: tuple[int, int], threshold: float = 0.5) -> np.ndarray:
    """Boolean image marking the pixels under the body's visible landmarks."""
    height, width = shape
    marks = np.zeros(shape, dtype=bool)
    pts = np.round(body.points[body.visible(threshold)]).astype(int)
    inside = (pts[:, 0] >= 0) & (pts[:, 0] < width) & (pts[:, 1] >= 0) & (pts[:, 1] < height)
    pts = pts[inside]
    marks[pts[:, 1], pts[:, 0]] = True
    return marks


def check_rgb(image: np.ndarray) -> np.ndarray:
    """Return a C-contiguous (H, W, 3) uint8 array, or raise ValueError."""
    array = np.asarray(image)
    if array.ndim != 3 or array.shape[2] != 3 or array.dtype != np.uint8:
        raise ValueError(f"expected an (H, W, 3) uint8 RGB image, got {array.shape} {array.dtype}")
    if array.shape[0] < 2 or array.shape[1] < 2:
        raise ValueError(f"image of {array.shape[1]}x{array.shape[0]} pixels is too small")
    return np.ascontiguousarray(array)
