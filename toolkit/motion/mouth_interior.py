"""The inside of an opening mouth: a dark cavity, upper teeth, a hint of lower teeth and tongue.

The interior is a small mesh of six rows under the inner lips, drawn behind the face so it
shows only through the hole the lips open.  Its texture is painted once, in a layout where
the mouth is wide open; every frame the rows follow the lips, and the teeth keep their
height (they are fixed to the skull) while the cavity stretches.
"""

from __future__ import annotations

from dataclasses import dataclass

import cv2
import numpy as np

from toolkit.motion.face_rig import chin_axis
from toolkit.perception import face_landmarks as fl

PAINT_GAP = 0.34  # face units: how far open the mouth is in the painted layout
MARGIN = 0.06  # face units the interior reaches beyond the lips, so it always covers the hole's edge
TEETH = 0.06  # face units: visible height of the upper teeth
LOWER_TEETH = 0.035
TEETH_SHARE = 0.4  # at most this share of a small opening is upper teeth
LOWER_TEETH_SHARE = 0.2
ROWS = 6


def lip_columns(points: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Matched (n, 2) upper and lower inner-lip points, corner to corner."""
    points = np.asarray(points, np.float64)
    return points[..., list(fl.UPPER_LIP_INNER), :2], points[..., list(fl.LOWER_LIP_INNER), :2]


def interior_rows(upper: np.ndarray, lower: np.ndarray, down: np.ndarray, unit: float) -> np.ndarray:
    """(..., ROWS, n + 2, 2) rows from the lips: margin, upper lip, teeth edge, lower teeth, lower lip, margin.

    Each row runs from a point beyond the person's right mouth corner to one beyond the left.

    upper, lower: (..., n, 2) inner lips; down: (..., 2) towards the chin; unit: pixels per face unit.
    """
    down = down[..., None, :]
    gap = np.maximum(np.sum((lower - upper) * down, axis=-1, keepdims=True), 0.0)
    teeth_edge = upper + down * np.minimum(TEETH * unit, TEETH_SHARE * gap)
    lower_teeth = lower - down * np.minimum(LOWER_TEETH * unit, LOWER_TEETH_SHARE * gap)
    rows = np.stack([upper - down * MARGIN * unit, upper, teeth_edge, lower_teeth, lower, lower + down * MARGIN * unit],
                    axis=-3)
    # one more column beyond each corner, so the interior also covers the corners' soft edges
    across = np.stack([down[..., 0, 1], -down[..., 0, 0]], axis=-1)[..., None, None, :]  # towards the person's left
    outside_right = rows[..., :1, :] - across * MARGIN * unit
    outside_left = rows[..., -1:, :] + across * MARGIN * unit
    return np.concatenate([outside_right, rows, outside_left], axis=-2)


def painted_layout(points: np.ndarray, unit: float) -> np.ndarray:
    """(ROWS, n, 2) rows of a wide-open mouth hanging from the source's upper lip."""
    upper, _ = lip_columns(points)
    down = chin_axis(points)
    lateral = np.linspace(-1.0, 1.0, len(upper))
    opening = PAINT_GAP * unit * np.sqrt(np.clip(1.0 - lateral**2, 0.0, 1.0))
    lower = upper + opening[:, None] * down
    return interior_rows(upper, lower, down, unit)


def grid_triangles(rows: int, columns: int) -> np.ndarray:
    """(K, 3) two triangles per cell of a rows x columns grid of points stored row by row."""
    triangles = []
    for r in range(rows - 1):
        for c in range(columns - 1):
            a, b, d, e = r * columns + c, r * columns + c + 1, (r + 1) * columns + c, (r + 1) * columns + c + 1
            triangles += [(a, b, e), (a, e, d)]
    return np.array(triangles, np.int64)


def nondegenerate(triangles: np.ndarray, points: np.ndarray, min_area: float = 0.05) -> np.ndarray:
    """The triangles whose area at the given points is at least min_area square pixels."""
    corners = points[triangles]
    area = 0.5 * np.abs(np.cross(corners[:, 1] - corners[:, 0], corners[:, 2] - corners[:, 0]))
    return triangles[area >= min_area]


@dataclass(frozen=True)
class Palette:
    """Colours of the interior, taken from the photo so a painting gets painted teeth."""

    cavity: np.ndarray
    teeth: np.ndarray
    tongue: np.ndarray


def palette_from(image: np.ndarray, points: np.ndarray) -> Palette:
    """Interior colours from the lips' colour and the face's brightness, and the photo's own teeth if it shows them."""
    points = np.asarray(points)
    lip = _mean_colour(image, points[list(fl.LIPS_OUTER), :2], (150.0, 80.0, 80.0))
    skin = _mean_colour(image, points[list(fl.FACE_OVAL), :2], (200.0, 160.0, 140.0))
    # teeth are an off-white that takes the picture's light and tint (ivory in an old painting)
    teeth = 0.55 * np.array([236.0, 232.0, 220.0]) * min(1.0, skin.mean() / 150.0) + 0.45 * skin
    shown = _bright_pixels(image, points[list(fl.LIPS_INNER), :2])
    if shown is not None:
        teeth = shown
    return Palette(cavity=np.clip(lip * 0.25 + (8, 0, 0), 0, 255),
                   teeth=np.clip(teeth * 1.05, 0, 255),
                   tongue=np.clip(lip * 0.75, 0, 255))


def _bright_pixels(image: np.ndarray, polygon: np.ndarray, min_pixels: int = 12) -> np.ndarray | None:
    """Mean colour of the brightest third of an open mouth's inside (its teeth), or None if it is closed."""
    mask = np.zeros(image.shape[:2], np.uint8)
    cv2.fillPoly(mask, [np.round(polygon).astype(np.int32)], 1)
    pixels = image[mask > 0].reshape(-1, 3).astype(np.float64)
    if len(pixels) < min_pixels:
        return None
    luminance = pixels @ (0.299, 0.587, 0.114)
    bright = pixels[luminance >= np.percentile(luminance, 67)]
    return bright.mean(axis=0) if bright.mean() > 110 else None


def _mean_colour(image: np.ndarray, polygon: np.ndarray, fallback: tuple[float, float, float]) -> np.ndarray:
    mask = np.zeros(image.shape[:2], np.uint8)
    cv2.fillPoly(mask, [np.round(polygon).astype(np.int32)], 1)
    pixels = image[mask > 0].reshape(-1, 3).astype(np.float64)
    return pixels.mean(axis=0) if len(pixels) else np.array(fallback)


def paint_interior(size: tuple[int, int], layout: np.ndarray, palette: Palette, unit: float) -> np.ndarray:
    """(H, W, 3) uint8 texture of the open mouth in the painted layout (black elsewhere)."""
    width, height = size
    canvas = np.zeros((height, width, 3), np.float32)

    def band(top: np.ndarray, bottom: np.ndarray) -> np.ndarray:
        polygon = np.concatenate([top, bottom[::-1]])
        mask = np.zeros((height, width), np.float32)
        cv2.fillPoly(mask, [np.round(polygon * 16).astype(np.int32)], 1.0, lineType=cv2.LINE_AA, shift=4)
        return mask

    cavity = band(layout[0], layout[-1])
    canvas += cavity[..., None] * palette.cavity
    columns = layout.shape[1]
    lateral = np.abs(np.linspace(-1.0, 1.0, columns))
    shade = np.clip(1.0 - lateral**1.5, 0.0, 1.0) * 0.9  # teeth fade into the dark towards the corners
    for top, bottom, strength in ((layout[0], layout[2], 1.0), (layout[3], layout[5], 0.55)):
        teeth = band(top, bottom)
        weight = np.zeros_like(teeth)
        for c in range(columns - 1):
            cell = band(top[c:c + 2], bottom[c:c + 2])
            weight = np.maximum(weight, cell * strength * 0.5 * (shade[c] + shade[c + 1]))
        canvas += (teeth * weight)[..., None] * (palette.teeth - palette.cavity)
    centre = layout[4, columns // 2] - 0.3 * (layout[4, columns // 2] - layout[1, columns // 2])
    axes = (max(1, int(0.3 * np.linalg.norm(layout[4, -1] - layout[4, 0]))), max(1, int(0.12 * PAINT_GAP * unit * 2)))
    tongue = np.zeros((height, width), np.float32)
    cv2.ellipse(tongue, (int(round(centre[0])), int(round(centre[1]))), axes, 0.0, 0.0, 360.0, 1.0, -1, cv2.LINE_AA)
    tongue *= cavity
    canvas += 0.8 * tongue[..., None] * (palette.tongue - canvas)
    blur = max(0.6, 0.012 * unit)
    canvas = cv2.GaussianBlur(canvas, (0, 0), blur)
    return np.clip(canvas, 0, 255).astype(np.uint8)


def interior_region(size: tuple[int, int], layout: np.ndarray) -> np.ndarray:
    """(H, W) float32 mask of the painted layout."""
    width, height = size
    mask = np.zeros((height, width), np.uint8)
    cv2.fillConvexPoly(mask, cv2.convexHull(np.round(layout.reshape(-1, 2)).astype(np.int32)), 1)
    return mask.astype(np.float32)


def interior_tracks(landmark_tracks: np.ndarray, unit: float) -> np.ndarray:
    """(ROWS * n, T, 2) interior points following (T, 478, 2) animated landmarks."""
    upper, lower = lip_columns(landmark_tracks)
    rows = interior_rows(upper, lower, chin_axis(landmark_tracks), unit)  # (T, ROWS, n, 2)
    frames = rows.shape[0]
    return rows.reshape(frames, -1, 2).transpose(1, 0, 2)
