"""Read an image at its exact size (no downscaling, no cropping to even dimensions).

A still output (try-on) keeps the photo's own size; ``load_image`` crops odd sizes by one
pixel for H.264, which a PNG does not need.  Decoding, validation and colour conversion are
``toolkit.media.images``' own, so every failure is the same one-line InputError.
"""

from __future__ import annotations

import cv2
import numpy as np

from toolkit.media import images


def read_rgb(path: images.PathLike, what: str = "image") -> np.ndarray:
    """(H, W, 3) uint8 RGB of an image file, upright, at its own size."""
    with images._decode(path, what=what) as im:  # noqa: SLF001 - the same checks as load_image
        return np.ascontiguousarray(images._converted(path, what, images._to_rgb, im))  # noqa: SLF001


def fit_within(rgb: np.ndarray, max_side: int) -> tuple[np.ndarray, float]:
    """The image downscaled (area filter) so its longer side is at most max_side, and the scale used."""
    h, w = rgb.shape[:2]
    if max(h, w) <= max_side:
        return rgb, 1.0
    scale = max_side / max(h, w)
    size = (max(1, round(w * scale)), max(1, round(h * scale)))
    return cv2.resize(rgb, size, interpolation=cv2.INTER_AREA), scale
