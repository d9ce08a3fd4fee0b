"""Contact sheets: a grid of a few evenly spaced frames, for previews and test reports."""

from __future__ import annotations

import logging

import cv2
import numpy as np

logger = logging.getLogger(__name__)

THUMB_WIDTH = 320
_GAP = 4
_GAP_COLOUR = (255, 255, 255)


def pick_frame_indices(n_frames: int, n_tiles: int) -> list[int]:
    """Evenly spaced, distinct frame indices including the first and the last."""
    if n_frames <= 0 or n_tiles <= 0:
        return []
    if n_tiles == 1:
        return [0]
    count = min(n_frames, n_tiles)
    if count == 1:
        return [0]
    return sorted({round(i * (n_frames - 1) / (count - 1)) for i in range(count)})


def make_contact_sheet(frames: list[np.ndarray], cols: int = 4, labels: list[str] | None = None) -> np.ndarray:
    """Tile RGB uint8 frames into a grid with thin gaps, each labelled in its top-left corner."""
    if not frames:
        raise ValueError("a contact sheet needs at least one frame")
    if cols <= 0:
        raise ValueError(f"cols must be positive, got {cols}")
    if labels is not None and len(labels) != len(frames):
        raise ValueError(f"got {len(labels)} labels for {len(frames)} frames")
    tile_h = max(f.shape[0] for f in frames)
    tile_w = max(f.shape[1] for f in frames)
    cols = min(cols, len(frames))
    rows = -(-len(frames) // cols)
    sheet = np.empty((rows * tile_h + (rows + 1) * _GAP, cols * tile_w + (cols + 1) * _GAP, 3), np.uint8)
    sheet[:] = _GAP_COLOUR
    for i, frame in enumerate(frames):
        top = _GAP + (i // cols) * (tile_h + _GAP)
        left = _GAP + (i % cols) * (tile_w + _GAP)
        tile = _as_rgb(frame)
        if labels is not None:
            tile = draw_label(tile, labels[i])
        sheet[top: top + tile.shape[0], left: left + tile.shape[1]] = tile
    return sheet


def draw_label(frame: np.ndarray, text: str) -> np.ndarray:
    """Return a copy of frame with text drawn in its top-left corner on a dark box."""
    out = frame.copy()
    scale = max(0.35, min(out.shape[:2]) / 400)
    thickness = 1 if scale < 0.8 else 2
    (tw, th), base = cv2.getTextSize(text, cv2.FONT_HERSHEY_SIMPLEX, scale, thickness)
    pad = 3
    cv2.rectangle(out, (0, 0), (tw + 2 * pad, th + base + 2 * pad), (0, 0, 0), thickness=-1)
    cv2.putText(out, text, (pad, pad + th), cv2.FONT_HERSHEY_SIMPLEX, scale, (255, 255, 255), thickness, cv2.LINE_AA)
    return out


def thumbnail(frame: np.ndarray, width: int = THUMB_WIDTH) -> np.ndarray:
    """Downscale a frame to the given width (never upscales), keeping its aspect ratio."""
    h, w = frame.shape[:2]
    if w <= width:
        return frame.copy()
    height = max(1, round(h * width / w))
    return cv2.resize(frame, (width, height), interpolation=cv2.INTER_AREA)


class ContactSheetCollector:
    """Keep thumbnails of a few evenly spaced frames while a clip streams past."""

    def __init__(self, n_frames: int, n_tiles: int = 8, thumb_width: int = THUMB_WIDTH) -> None:
        self.indices = pick_frame_indices(n_frames, n_tiles)
        self._wanted = set(self.indices)
        self._thumb_width = thumb_width
        self._thumbs: dict[int, np.ndarray] = {}

    def offer(self, index: int, frame: np.ndarray) -> None:
        """Keep a thumbnail of frame if index is one of the chosen ones."""
        if index in self._wanted:
            self._thumbs[index] = thumbnail(frame, self._thumb_width)

    def sheet(self, cols: int = 4) -> np.ndarray:
        """The grid of the thumbnails collected so far, labelled with their frame indices."""
        kept = sorted(self._thumbs)
        if not kept:
            raise ValueError("no frames were collected for the contact sheet")
        missing = self._wanted.difference(kept)
        if missing:
            logger.debug("contact sheet is missing frames %s", sorted(missing))
        return make_contact_sheet([self._thumbs[i] for i in kept], cols=cols, labels=[str(i) for i in kept])


def _as_rgb(frame: np.ndarray) -> np.ndarray:
    """Accept grayscale or RGB uint8 tiles; return RGB."""
    if frame.ndim == 2:
        return np.repeat(frame[:, :, None], 3, axis=2)
    return frame
