"""Decode, validate and save still images: the input edge of the toolkit."""

from __future__ import annotations

import logging
import os
import secrets
import warnings
from dataclasses import dataclass
from pathlib import Path
from typing import Callable, Union

import cv2
import numpy as np
from PIL import Image, ImageOps, UnidentifiedImageError

from toolkit.errors import InputError

logger = logging.getLogger(__name__)

PathLike = Union[str, "os.PathLike[str]"]

MAX_IMAGE_PIXELS = 100_000_000
"""Images with more pixels than this are refused before decoding (decompression-bomb guard)."""

_SAVE_FORMATS = {".png": "PNG", ".jpg": "JPEG", ".jpeg": "JPEG", ".webp": "WEBP"}
_SAVE_OPTIONS = {"PNG": {"compress_level": 6}, "JPEG": {"quality": 95}, "WEBP": {"quality": 92}}


@dataclass(frozen=True)
class LoadedImage:
    """A decoded RGB image ready for the pipeline, with how it relates to the file."""

    rgb: np.ndarray
    scale: float
    original_size: tuple[int, int]


def load_image(path: PathLike, max_side: int = 1024) -> LoadedImage:
    """Read an image as even-sized RGB uint8, upright, with its longer side at most max_side."""
    if isinstance(max_side, bool) or not isinstance(max_side, (int, np.integer)) or max_side <= 0:
        raise InputError(f"max_side must be a positive whole number of pixels, got {max_side!r}")
    rgb = read_rgb(path)
    original_size = (rgb.shape[1], rgb.shape[0])
    rgb, scale = fit_longer_side(rgb, int(max_side))
    rgb = crop_to_even(rgb)
    if rgb.shape[0] < 2 or rgb.shape[1] < 2:
        w, h = original_size
        raise InputError(f"image '{path}' is too small ({w}x{h} pixels; at least 2x2 is needed)")
    logger.debug("loaded %s: %s -> %dx%d (scale %.4f)", path, original_size, rgb.shape[1], rgb.shape[0], scale)
    return LoadedImage(rgb=np.ascontiguousarray(rgb), scale=scale, original_size=original_size)


def read_rgb(path: PathLike, what: str = "image") -> np.ndarray:
    """(H, W, 3) uint8 RGB of an image file, upright, at its own size (a still output keeps it;
    load_image also fits and crops for video)."""
    with _decode(path, what=what) as im:
        return np.ascontiguousarray(_converted(path, what, _to_rgb, im))


def load_mask(path: PathLike, size: tuple[int, int]) -> np.ndarray:
    """Read an image as a float32 mask in [0, 1] resized to size (w, h)."""
    width, height = _check_size(size)
    with _decode(path, what="mask") as im:
        gray = _converted(path, "mask", _to_mask_gray, im)
    mask = cv2.resize(gray, (width, height), interpolation=cv2.INTER_LINEAR)
    mask = np.clip(mask, 0.0, 1.0).astype(np.float32, copy=False)
    if not np.any(mask > 0):
        raise InputError(f"mask '{path}' is empty (every pixel is black or transparent)")
    return np.ascontiguousarray(mask)


def save_image(path: PathLike, rgb: np.ndarray) -> None:
    """Write an RGB uint8 image atomically; the format follows the extension (png, jpg, webp)."""
    target = Path(path)
    fmt = _SAVE_FORMATS.get(target.suffix.lower())
    if fmt is None:
        raise InputError(f"unsupported image output '{path}': use .png, .jpg or .webp")
    image = Image.fromarray(_check_rgb(rgb))
    folder = check_output_folder(target)
    tmp_name = reserve_temp_file(folder, target.stem, target.suffix)
    try:
        with open(tmp_name, "wb") as handle:
            image.save(handle, format=fmt, **_SAVE_OPTIONS[fmt])
        os.replace(tmp_name, target)
    except BaseException:
        remove_quietly(tmp_name)
        raise


def crop_to_even(rgb: np.ndarray) -> np.ndarray:
    """Drop the last row and/or column so both dimensions are even."""
    h, w = rgb.shape[:2]
    return rgb[: h - (h % 2), : w - (w % 2)]


def check_output_folder(target: Path) -> Path:
    """Return the folder a file will be written to, or raise InputError if it cannot be."""
    folder = target.parent if str(target.parent) else Path(".")
    if target.is_dir():
        raise InputError(f"cannot write output '{target}': it is an existing folder")
    if not folder.is_dir():
        raise InputError(f"cannot write output '{target}': folder does not exist")
    if not os.access(folder, os.W_OK | os.X_OK):
        raise InputError(f"cannot write output '{target}': permission denied")
    return folder


def check_input_file(path: PathLike, what: str) -> None:
    """Raise InputError unless path names a readable, non-empty regular file."""
    p = Path(path)
    fail = f"cannot read {what} '{path}'"
    if not p.exists():
        raise InputError(f"{fail}: file does not exist")
    if p.is_dir():
        raise InputError(f"{fail}: it is a folder, not a file")
    try:
        empty = p.stat().st_size == 0
    except OSError as err:
        raise InputError(f"{fail}: {err.strerror or err}") from None
    if empty:
        raise InputError(f"{fail}: file is empty")
    if not os.access(p, os.R_OK):
        raise InputError(f"{fail}: permission denied")


def reserve_temp_file(folder: Path, stem: str, suffix: str) -> Path:
    """Create an empty, hidden, uniquely named file in folder (normal permissions, unlike mkstemp's 0600)."""
    for _ in range(100):
        candidate = folder / f".{stem}.tmp-{secrets.token_hex(4)}{suffix}"
        try:
            os.close(os.open(candidate, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o666))
        except FileExistsError:
            continue
        except PermissionError:
            raise InputError(f"cannot write output '{folder / (stem + suffix)}': permission denied") from None
        return candidate
    raise FileExistsError(f"could not find a free temporary name in '{folder}'")


def remove_quietly(name: PathLike) -> None:
    """Delete a file if it exists, ignoring errors."""
    try:
        os.unlink(name)
    except OSError:
        pass


def _check_rgb(rgb: np.ndarray) -> np.ndarray:
    """Validate an (H, W, 3) uint8 array and return it C-contiguous."""
    if not isinstance(rgb, np.ndarray) or rgb.dtype != np.uint8 or rgb.ndim != 3 or rgb.shape[2] != 3:
        shape = getattr(rgb, "shape", None)
        dtype = getattr(rgb, "dtype", type(rgb).__name__)
        raise ValueError(f"expected an (H, W, 3) uint8 RGB array, got shape {shape} and dtype {dtype}")
    return np.ascontiguousarray(rgb)


def _check_size(size: tuple[int, int]) -> tuple[int, int]:
    """Validate a (w, h) pair of positive ints."""
    if (
        not isinstance(size, (tuple, list))
        or len(size) != 2
        or not all(isinstance(v, (int, np.integer)) and not isinstance(v, bool) and v > 0 for v in size)
    ):
        raise ValueError(f"size must be a (width, height) pair of positive ints, got {size!r}")
    return int(size[0]), int(size[1])


def _decode(path: PathLike, what: str) -> Image.Image:
    """Open, size-check, fully decode and EXIF-rotate an image; every failure becomes one InputError line."""
    check_input_file(path, what)
    fail = f"cannot read {what} '{path}'"
    try:
        with warnings.catch_warnings():
            # The pixel limit is checked below with our own limit; silence Pillow's global one.
            warnings.simplefilter("ignore", Image.DecompressionBombWarning)
            with Image.open(path) as im:
                _check_pixel_count(path, im.size, what)
                im.load()
                upright = _upright(im, path)
    except InputError:
        raise
    except Image.DecompressionBombError as err:
        raise InputError(f"{what} '{path}' is too large ({_megapixels_from(err)}; the limit is "
                         f"{MAX_IMAGE_PIXELS / 1e6:g} megapixels)") from None
    except UnidentifiedImageError:
        raise InputError(f"{fail}: not a recognised image format") from None
    except PermissionError:
        raise InputError(f"{fail}: permission denied") from None
    except (OSError, SyntaxError, ValueError, EOFError, IndexError, KeyError, TypeError) as err:
        logger.debug("decoding %s failed: %r", path, err)
        raise InputError(f"{fail}: file is truncated or corrupt") from None
    return upright


def _upright(im: Image.Image, path: PathLike) -> Image.Image:
    """A new image with the EXIF orientation applied; unreadable EXIF leaves the pixels as stored."""
    try:
        return ImageOps.exif_transpose(im)  # a copy even when nothing needs turning
    except Exception as err:  # broken EXIF must not make a decodable image unreadable
        logger.warning("ignoring unreadable EXIF orientation in '%s': %s", path, err)
        return im.copy()


def _check_pixel_count(path: PathLike, size: tuple[int, int], what: str) -> None:
    """Refuse images over MAX_IMAGE_PIXELS before any pixel is decoded."""
    pixels = size[0] * size[1]
    if pixels > MAX_IMAGE_PIXELS:
        raise InputError(
            f"{what} '{path}' is too large ({pixels / 1e6:.1f} megapixels; "
            f"the limit is {MAX_IMAGE_PIXELS / 1e6:g} megapixels)"
        )


def _megapixels_from(err: Exception) -> str:
    """Pull the pixel count out of Pillow's decompression-bomb message, if it has one."""
    digits = [int(tok) for tok in str(err).replace("(", " ").split() if tok.isdigit()]
    return f"{digits[0] / 1e6:.1f} megapixels" if digits else "too many pixels"


def _converted(path: PathLike, what: str, convert: Callable[[Image.Image], np.ndarray], im: Image.Image) -> np.ndarray:
    """Apply a colour conversion, turning Pillow's refusal of exotic modes into an InputError."""
    try:
        return convert(im)
    except (ValueError, OSError) as err:
        logger.debug("converting %s (mode %s) failed: %s", path, im.mode, err)
        raise InputError(f"cannot read {what} '{path}': unsupported colour mode {im.mode}") from None


def _to_rgb(im: Image.Image) -> np.ndarray:
    """Convert any Pillow mode to (H, W, 3) uint8 RGB; transparency is composited over white."""
    mode = im.mode
    if mode == "RGB":
        return np.asarray(im, dtype=np.uint8).copy()
    if mode.startswith("I") or mode == "F":
        gray = _high_depth_to_uint8(im)
        return np.repeat(gray[:, :, None], 3, axis=2)
    if _has_alpha(im):
        rgba = im.convert("RGBA")
        white = Image.new("RGBA", rgba.size, (255, 255, 255, 255))
        return np.asarray(Image.alpha_composite(white, rgba).convert("RGB"), dtype=np.uint8).copy()
    return np.asarray(im.convert("RGB"), dtype=np.uint8).copy()


def _to_mask_gray(im: Image.Image) -> np.ndarray:
    """Convert an image to a float32 (H, W) map in [0, 1]; alpha wins when it is not fully opaque."""
    if _has_alpha(im):
        alpha = np.asarray(im.convert("RGBA"), dtype=np.uint8)[:, :, 3]
        if alpha.min() < 255:
            return alpha.astype(np.float32) / 255.0
    if im.mode.startswith("I") or im.mode == "F":
        return _high_depth_to_uint8(im).astype(np.float32) / 255.0
    return np.asarray(im.convert("L"), dtype=np.float32) / 255.0


def _has_alpha(im: Image.Image) -> bool:
    """True if the image carries an alpha channel or palette/colour-key transparency."""
    return im.mode in ("RGBA", "LA", "PA", "RGBa", "La") or "transparency" in im.info


def _high_depth_to_uint8(im: Image.Image) -> np.ndarray:
    """Scale 16-bit, 32-bit int or float single-channel pixels to uint8 without clipping."""
    values = np.asarray(im).astype(np.float32)
    if im.mode.startswith("I;16"):
        full_scale = 65535.0
    else:  # "I" (32-bit int) or "F" (float): the data's range decides
        full_scale = _guess_full_scale(float(values.max()) if values.size else 0.0)
    return np.clip(np.rint(values * (255.0 / full_scale)), 0, 255).astype(np.uint8)


def _guess_full_scale(peak: float) -> float:
    """White level for untyped high-depth data: 1.0, 255, 65535 or the peak itself."""
    for level in (1.0, 255.0, 65535.0):
        if peak <= level:
            return level
    return peak


def fit_longer_side(rgb: np.ndarray, max_side: int) -> tuple[np.ndarray, float]:
    """Downscale with area interpolation so the longer side equals max_side; return (image, scale)."""
    h, w = rgb.shape[:2]
    longer = max(h, w)
    if longer <= max_side:
        return rgb, 1.0
    scale = max_side / longer
    new_w = max_side if w >= h else max(1, round(w * scale))
    new_h = max_side if h > w else max(1, round(h * scale))
    resized = cv2.resize(rgb, (new_w, new_h), interpolation=cv2.INTER_AREA)
    return resized, scale
