"""What the demo draws over images: click markers, drag arrows, region masks and a body skeleton.

Pure functions of arrays: each takes an RGB uint8 image and returns a new one.
"""

from __future__ import annotations

from collections.abc import Sequence

import cv2
import numpy as np

from toolkit.motion import skeleton as sk

Point = tuple[float, float]
Drag = tuple[Point, Point]

# Distinct colours (RGB) for regions, markers and arrows, cycled.
PALETTE: tuple[tuple[int, int, int], ...] = (
    (0, 170, 255), (255, 210, 0), (60, 220, 110), (230, 80, 255), (255, 128, 32), (255, 64, 64),
)
MARKER = (255, 48, 48)
DRAG_START = (40, 200, 90)
BONE_COLOUR = (0, 255, 160)
JOINT_COLOUR = (255, 60, 60)


def marker_size(shape: tuple[int, ...]) -> int:
    """Marker radius in pixels for an image of this shape (about 1% of its longer side, at least 4)."""
    return max(4, round(0.012 * max(shape[:2])))


def _xy(point: Point) -> tuple[int, int]:
    """A point as whole pixels, as cv2 draws them."""
    return round(float(point[0])), round(float(point[1]))


def draw_points(image: np.ndarray, points: Sequence[Point], colour: tuple[int, int, int] = MARKER) -> np.ndarray:
    """Filled dots with a white ring and their number beside them."""
    out = image.copy()
    radius = marker_size(out.shape)
    for number, point in enumerate(points, 1):
        centre = _xy(point)
        cv2.circle(out, centre, radius + 2, (255, 255, 255), -1, cv2.LINE_AA)
        cv2.circle(out, centre, radius, colour, -1, cv2.LINE_AA)
        label_at = (centre[0] + radius + 3, centre[1] - radius)
        scale = radius / 10
        cv2.putText(out, str(number), label_at, cv2.FONT_HERSHEY_SIMPLEX, scale, (0, 0, 0), 3, cv2.LINE_AA)
        cv2.putText(out, str(number), label_at, cv2.FONT_HERSHEY_SIMPLEX, scale, (255, 255, 255), 1, cv2.LINE_AA)
    return out


def draw_drags(image: np.ndarray, drags: Sequence[Drag], pending: Point | None = None) -> np.ndarray:
    """An arrow per drag from its start to its end; a ring where a drag's start waits for its end."""
    out = image.copy()
    radius = marker_size(out.shape)
    thickness = max(2, radius // 2)
    for index, (start, end) in enumerate(drags):
        colour = PALETTE[index % len(PALETTE)]
        a, b = _xy(start), _xy(end)
        length = max(1.0, float(np.hypot(b[0] - a[0], b[1] - a[1])))
        tip = min(0.4, 3.0 * radius / length)
        cv2.arrowedLine(out, a, b, (255, 255, 255), thickness + 2, cv2.LINE_AA, tipLength=tip)
        cv2.arrowedLine(out, a, b, colour, thickness, cv2.LINE_AA, tipLength=tip)
        cv2.circle(out, a, radius, DRAG_START, -1, cv2.LINE_AA)
    if pending is not None:
        cv2.circle(out, _xy(pending), radius + 2, (255, 255, 255), thickness + 1, cv2.LINE_AA)
        cv2.circle(out, _xy(pending), radius + 2, DRAG_START, thickness, cv2.LINE_AA)
    return out


def overlay_masks(image: np.ndarray, masks: Sequence[np.ndarray], opacity: float = 0.45) -> np.ndarray:
    """Tint each soft mask (H, W) in [0, 1] with its own colour and outline it."""
    out = image.astype(np.float32)
    for index, mask in enumerate(masks):
        colour = np.array(PALETTE[index % len(PALETTE)], np.float32)
        alpha = np.clip(np.asarray(mask, np.float32), 0.0, 1.0)[..., None] * opacity
        out = out * (1.0 - alpha) + colour * alpha
    out = np.clip(out, 0, 255).astype(np.uint8)
    for index, mask in enumerate(masks):
        hard = (np.asarray(mask) > 0.5).astype(np.uint8)
        contours, _ = cv2.findContours(hard, cv2.RETR_EXTERNAL, cv2.CHAIN_APPROX_SIMPLE)
        cv2.drawContours(out, contours, -1, PALETTE[index % len(PALETTE)], max(1, marker_size(out.shape) // 4),
                         cv2.LINE_AA)
    return out


def skeleton_lines() -> list[tuple[int, int]]:
    """Landmark pairs to draw: the skeleton's bones, the shoulder and hip lines, and the torso's sides."""
    bones = [(bone.start, bone.end) for bone in sk.BONES]
    torso = [(sk.LEFT_SHOULDER, sk.RIGHT_SHOULDER), (sk.LEFT_HIP, sk.RIGHT_HIP),
             (sk.LEFT_SHOULDER, sk.LEFT_HIP), (sk.RIGHT_SHOULDER, sk.RIGHT_HIP)]
    return bones + torso


def draw_skeleton(image: np.ndarray, points: np.ndarray, visible: np.ndarray | None = None) -> np.ndarray:
    """Bones as lines and joints as dots of a (33, 2) MediaPipe pose; invisible landmarks are skipped."""
    out = image.copy()
    shown = np.ones(len(points), bool) if visible is None else np.asarray(visible, bool)
    radius = marker_size(out.shape)
    thickness = max(2, radius // 2)
    for start, end in skeleton_lines():
        if shown[start] and shown[end]:
            cv2.line(out, _xy(points[start]), _xy(points[end]), BONE_COLOUR, thickness, cv2.LINE_AA)
    joints = {index for pair in skeleton_lines() for index in pair} | {sk.NOSE}
    for index in sorted(joints):
        if shown[index]:
            cv2.circle(out, _xy(points[index]), max(3, radius // 2 + 1), JOINT_COLOUR, -1, cv2.LINE_AA)
    return out
