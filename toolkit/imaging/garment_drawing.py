"""Garments drawn in code, as flat product photos on white: for the bundled example and the tests.

Each function returns an (H, W, 3) uint8 RGB image of one garment laid flat and seen from the
front on a white background, with a little shading (a darker outline, soft folds) and an
optional contrasting band so a print is visible when it is worn.  Shapes are proportioned like
real garments (a T-shirt's sleeves angle down, trousers part at the crotch, a dress flares).
"""

from __future__ import annotations

import os
import tempfile
from pathlib import Path

import cv2
import numpy as np

WHITE = (250, 250, 250)


def _canvas(width: int, height: int) -> np.ndarray:
    return np.full((height, width, 3), WHITE, np.uint8)


def _scaled(points: list[tuple[float, float]], width: int, height: int) -> np.ndarray:
    """Polygon points given in units of the canvas (0..1) as int pixels."""
    return np.round(np.array(points) * np.array([width, height])).astype(np.int32)


def _fill(canvas: np.ndarray, polygon: np.ndarray, colour: tuple[int, int, int]) -> np.ndarray:
    """Fill a polygon and return its mask."""
    mask = np.zeros(canvas.shape[:2], np.uint8)
    cv2.fillPoly(mask, [polygon], 1)
    canvas[mask > 0] = colour
    return mask.astype(bool)


def _shade(canvas: np.ndarray, mask: np.ndarray, seed: int = 0) -> np.ndarray:
    """Soft folds and a slightly darker rim inside a garment's mask, as in a photo."""
    rng = np.random.default_rng(seed)
    h, w = mask.shape
    noise = cv2.GaussianBlur(rng.normal(0, 1, (h, w)).astype(np.float32), (0, 0), max(h, w) / 40)
    noise /= max(float(np.abs(noise).max()), 1e-6)
    rim = cv2.GaussianBlur(mask.astype(np.float32), (0, 0), max(h, w) / 150)
    gain = (0.93 + 0.06 * noise) * (0.88 + 0.12 * rim)
    out = canvas.astype(np.float32)
    out[mask] *= gain[mask][:, None]
    return np.clip(out, 0, 255).astype(np.uint8)


def _band(canvas: np.ndarray, mask: np.ndarray, top: float, bottom: float, colour: tuple[int, int, int]) -> None:
    """Paint a horizontal band (fractions of the height) across the garment."""
    h = mask.shape[0]
    rows = slice(int(top * h), int(bottom * h))
    band = np.zeros_like(mask)
    band[rows] = True
    canvas[band & mask] = colour


def draw_tshirt(width: int = 600, height: int = 640, colour: tuple[int, int, int] = (200, 40, 50),
                band: tuple[int, int, int] | None = (245, 200, 60), long_sleeves: bool = False,
                seed: int = 0) -> np.ndarray:
    """A T-shirt (or a long-sleeved top) laid flat: body, sleeves angled down, a round neck."""
    canvas = _canvas(width, height)
    sleeve_end = [(0.02, 0.78), (0.13, 0.84)] if long_sleeves else [(0.05, 0.36), (0.18, 0.47)]
    right_end = [(1 - x, y) for x, y in sleeve_end]
    outline = [(0.40, 0.10), (0.30, 0.12), (0.22, 0.16), *sleeve_end, (0.25, 0.36), (0.25, 0.92),
               (0.75, 0.92), (0.75, 0.36), *right_end[::-1], (0.78, 0.16), (0.70, 0.12), (0.60, 0.10),
               (0.55, 0.14), (0.50, 0.15), (0.45, 0.14)]
    mask = _fill(canvas, _scaled(outline, width, height), colour)
    if band is not None:
        _band(canvas, mask, 0.38, 0.50, band)
    cv2.ellipse(canvas, (width // 2, int(0.12 * height)), (int(0.1 * width), int(0.04 * height)), 0, 0, 180,
                tuple(int(c * 0.7) for c in colour), max(2, width // 120))
    return _shade(canvas, mask, seed)


def draw_trousers(width: int = 400, height: int = 800, colour: tuple[int, int, int] = (40, 60, 140),
                  flare: float = 0.0, seed: int = 1) -> np.ndarray:
    """Trousers laid flat: a waistband, two legs parting at the crotch (flare widens the hems)."""
    canvas = _canvas(width, height)
    outline = [(0.22, 0.06), (0.78, 0.06), (0.80, 0.35), (0.78 + flare, 0.95), (0.53, 0.95), (0.50, 0.36),
               (0.47, 0.95), (0.22 - flare, 0.95), (0.20, 0.35)]
    mask = _fill(canvas, _scaled(outline, width, height), colour)
    _band(canvas, mask, 0.06, 0.10, tuple(int(c * 0.8) for c in colour))
    return _shade(canvas, mask, seed)


def draw_skirt(width: int = 500, height: int = 500, colour: tuple[int, int, int] = (30, 120, 70),
               seed: int = 2) -> np.ndarray:
    """An A-line skirt laid flat: a straight waistband, flaring to the hem."""
    canvas = _canvas(width, height)
    outline = [(0.32, 0.08), (0.68, 0.08), (0.88, 0.90), (0.12, 0.90)]
    mask = _fill(canvas, _scaled(outline, width, height), colour)
    _band(canvas, mask, 0.08, 0.14, tuple(int(c * 0.75) for c in colour))
    return _shade(canvas, mask, seed)


def draw_dress(width: int = 500, height: int = 900, colour: tuple[int, int, int] = (150, 40, 120),
               seed: int = 3) -> np.ndarray:
    """A short-sleeved dress laid flat: a top with sleeves, a waist, a flared skirt."""
    canvas = _canvas(width, height)
    outline = [(0.40, 0.05), (0.30, 0.06), (0.20, 0.09), (0.06, 0.20), (0.16, 0.27), (0.27, 0.21), (0.29, 0.40),
               (0.12, 0.94), (0.88, 0.94), (0.71, 0.40), (0.73, 0.21), (0.84, 0.27), (0.94, 0.20), (0.80, 0.09),
               (0.70, 0.06), (0.60, 0.05), (0.55, 0.08), (0.50, 0.09), (0.45, 0.08)]
    mask = _fill(canvas, _scaled(outline, width, height), colour)
    _band(canvas, mask, 0.38, 0.42, (240, 220, 90))
    return _shade(canvas, mask, seed)


DRAWINGS = {
    "green_long_sleeve": lambda: draw_tshirt(colour=(30, 110, 60), long_sleeves=True),
    "red_tshirt": lambda: draw_tshirt(),
    "blue_trousers": lambda: draw_trousers(),
    "skirt": lambda: draw_skirt(),
    "dress": lambda: draw_dress(),
}


class DrawnGarment(os.PathLike):
    """The path of a garment drawn by this module, written (to the temporary folder) when first used.

    Lets an example name a garment file without shipping one: `Path(DrawnGarment("red_tshirt"))`;
    `folder` puts it somewhere of the caller's (the web demo keeps its own in its work folder).
    """

    def __init__(self, name: str, folder: str | os.PathLike | None = None) -> None:
        if name not in DRAWINGS:
            raise ValueError(f"unknown drawing '{name}'; known: {', '.join(DRAWINGS)}")
        self.name = name
        self.folder = Path(folder) if folder is not None else None

    def __fspath__(self) -> str:
        folder = self.folder or Path(tempfile.gettempdir()) / "image-animate-toolkit-garments"
        folder.mkdir(parents=True, exist_ok=True)
        path = folder / f"{self.name}.png"
        if not path.exists():
            staging = folder / f".{self.name}.{os.getpid()}.png"
            cv2.imwrite(str(staging), np.ascontiguousarray(DRAWINGS[self.name]()[..., ::-1]))
            os.replace(staging, path)
        return str(path)

    def __repr__(self) -> str:
        return f"DrawnGarment({self.name!r})"
