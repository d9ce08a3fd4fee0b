"""Tests for toolkit.media.images: decoding every common format into even-sized RGB."""

from __future__ import annotations

import numpy as np
import pytest
from PIL import Image

from toolkit.errors import InputError
from toolkit.media import images
from toolkit.media.images import LoadedImage, load_image, load_mask, save_image

RED = (220, 30, 30)


def _gradient(w: int, h: int) -> np.ndarray:
    """A smooth RGB test pattern of shape (h, w, 3)."""
    x = np.linspace(0, 255, w)[None, :].repeat(h, 0)
    y = np.linspace(0, 255, h)[:, None].repeat(w, 1)
    return np.stack([x, y, 255 - x], axis=2).astype(np.uint8)


def test_exif_orientation_6_is_applied(tmp_path):
    # Stored 40 wide x 20 tall, red block top-left; orientation 6 means "rotate 90 degrees clockwise to view".
    stored = np.full((20, 40, 3), 128, np.uint8)
    stored[:8, :8] = RED
    exif = Image.Exif()
    exif[0x0112] = 6
    path = tmp_path / "rotated.jpg"
    Image.fromarray(stored).save(path, quality=95, exif=exif)

    loaded = load_image(path)

    assert loaded.rgb.shape == (40, 20, 3)
    assert loaded.original_size == (20, 40)
    assert loaded.scale == 1.0
    # Clockwise rotation moves the stored top-left corner to the top-right.
    assert np.abs(loaded.rgb[2, 17].astype(int) - RED).max() < 20
    assert np.abs(loaded.rgb[2, 2].astype(int) - 128).max() < 20


def test_result_is_contiguous_uint8_rgb(tmp_path):
    path = tmp_path / "plain.png"
    Image.fromarray(_gradient(32, 16)).save(path)
    loaded = load_image(path)
    assert isinstance(loaded, LoadedImage)
    assert loaded.rgb.dtype == np.uint8 and loaded.rgb.flags["C_CONTIGUOUS"]
    np.testing.assert_array_equal(loaded.rgb, _gradient(32, 16))


def test_grayscale_becomes_rgb(tmp_path):
    path = tmp_path / "gray.png"
    Image.fromarray(np.full((10, 12), 77, np.uint8)).save(path)
    rgb = load_image(path).rgb
    assert rgb.shape == (10, 12, 3)
    assert (rgb == 77).all()


def test_rgba_is_composited_over_white(tmp_path):
    rgba = np.zeros((8, 8, 4), np.uint8)
    rgba[..., 0] = 200
    rgba[:, :4, 3] = 255  # left half opaque red-ish, right half transparent
    path = tmp_path / "alpha.png"
    Image.fromarray(rgba).save(path)
    rgb = load_image(path).rgb
    assert tuple(rgb[0, 0]) == (200, 0, 0)
    assert tuple(rgb[0, 7]) == (255, 255, 255)


def test_palette_with_transparency(tmp_path):
    im = Image.new("P", (6, 6), 0)
    im.putpalette([0, 0, 255] + [10, 200, 10] * 255)
    im.paste(1, (0, 0, 3, 6))
    path = tmp_path / "pal.png"
    im.save(path, transparency=0)
    rgb = load_image(path).rgb
    assert tuple(rgb[0, 0]) == (10, 200, 10)
    assert tuple(rgb[0, 5]) == (255, 255, 255)


def test_16bit_grayscale_png_is_scaled_not_clipped(tmp_path):
    values = np.array([[0, 32768], [65535, 65535]], np.uint16)
    path = tmp_path / "deep.png"
    Image.fromarray(values).save(path)
    rgb = load_image(path).rgb
    assert rgb[0, 0, 0] == 0
    assert abs(int(rgb[0, 1, 0]) - 128) <= 1
    assert rgb[1, 0, 0] == 255


def test_16bit_rgb_png_and_tiff(tmp_path):
    cv2 = pytest.importorskip("cv2")
    bgr16 = np.zeros((4, 4, 3), np.uint16)
    bgr16[..., 2] = 65535  # red channel in BGR order
    bgr16[..., 1] = 32768
    for name in ("deep_rgb.png", "deep_rgb.tif"):
        path = tmp_path / name
        assert cv2.imwrite(str(path), bgr16)
        rgb = load_image(path).rgb
        assert tuple(rgb[0, 0]) == (255, 128, 0), name


def test_16bit_grayscale_tiff(tmp_path):
    path = tmp_path / "deep_gray.tif"
    Image.fromarray(np.full((4, 6), 65535, np.uint16)).save(path)
    assert (load_image(path).rgb == 255).all()


def test_cmyk_jpeg(tmp_path):
    path = tmp_path / "cmyk.jpg"
    Image.new("CMYK", (16, 16), (0, 255, 255, 0)).save(path, quality=95)  # pure red in CMYK
    rgb = load_image(path).rgb
    assert rgb.shape == (16, 16, 3)
    r, g, b = rgb[8, 8].astype(int)
    assert r > 200 and g < 50 and b < 50


@pytest.mark.parametrize("ext", ["tif", "webp", "bmp", "jpg"])
def test_other_formats(tmp_path, ext):
    src = _gradient(24, 18)
    path = tmp_path / f"img.{ext}"
    Image.fromarray(src).save(path, **({"lossless": True} if ext == "webp" else {}))
    rgb = load_image(path).rgb
    assert rgb.shape == (18, 24, 3)
    tolerance = 12 if ext == "jpg" else 0
    assert np.abs(rgb.astype(int) - src).mean() <= tolerance


def test_max_side_downscale_keeps_aspect_and_reports_scale(tmp_path):
    path = tmp_path / "big.png"
    Image.fromarray(_gradient(400, 200)).save(path)
    loaded = load_image(path, max_side=100)
    assert loaded.rgb.shape == (50, 100, 3)
    assert loaded.scale == pytest.approx(0.25)
    assert loaded.original_size == (400, 200)


def test_portrait_downscale(tmp_path):
    path = tmp_path / "tall.png"
    Image.fromarray(_gradient(300, 600)).save(path)
    loaded = load_image(path, max_side=64)
    assert loaded.rgb.shape == (64, 32, 3)


def test_odd_sizes_become_even_by_cropping(tmp_path):
    src = _gradient(31, 17)
    path = tmp_path / "odd.png"
    Image.fromarray(src).save(path)
    loaded = load_image(path)
    assert loaded.rgb.shape == (16, 30, 3)
    assert loaded.original_size == (31, 17)
    np.testing.assert_array_equal(loaded.rgb, src[:16, :30])


def test_downscaled_odd_result_is_even(tmp_path):
    path = tmp_path / "odd_big.png"
    Image.fromarray(_gradient(301, 100)).save(path)
    loaded = load_image(path, max_side=101)
    h, w = loaded.rgb.shape[:2]
    assert w % 2 == 0 and h % 2 == 0
    assert w == 100


@pytest.mark.parametrize("bad", [0, -5, 2.5, "512", True])
def test_bad_max_side(tmp_path, bad):
    path = tmp_path / "ok.png"
    Image.fromarray(_gradient(8, 8)).save(path)
    with pytest.raises(InputError, match="max_side"):
        load_image(path, max_side=bad)


def test_truncated_jpeg(tmp_path):
    path = tmp_path / "cut.jpg"
    Image.fromarray(_gradient(64, 64)).save(path, quality=90)
    data = path.read_bytes()
    path.write_bytes(data[: len(data) // 2])
    with pytest.raises(InputError, match=r"cannot read image '.*cut\.jpg': file is truncated or corrupt"):
        load_image(path)


def test_empty_file(tmp_path):
    path = tmp_path / "empty.png"
    path.write_bytes(b"")
    with pytest.raises(InputError, match="file is empty"):
        load_image(path)


def test_text_file_named_png(tmp_path):
    path = tmp_path / "notes.png"
    path.write_text("this is not an image\n")
    with pytest.raises(InputError, match="not a recognised image format"):
        load_image(path)


def test_missing_path_and_folder(tmp_path):
    with pytest.raises(InputError, match=r"'.*nope\.jpg': file does not exist"):
        load_image(tmp_path / "nope.jpg")
    with pytest.raises(InputError, match="folder"):
        load_image(tmp_path)


def test_messages_are_one_line(tmp_path):
    path = tmp_path / "junk.jpg"
    path.write_bytes(b"\xff\xd8\xff\xe0garbage")
    with pytest.raises(InputError) as info:
        load_image(path)
    assert "\n" not in str(info.value)
    assert "junk.jpg" in str(info.value)


def test_decompression_bomb_guard(tmp_path, monkeypatch):
    path = tmp_path / "wide.png"
    Image.fromarray(_gradient(200, 100)).save(path)
    monkeypatch.setattr(images, "MAX_IMAGE_PIXELS", 10_000)
    with pytest.raises(InputError, match=r"too large \(0\.0 megapixels; the limit is 0\.01 megapixels\)"):
        load_image(path)
    with pytest.raises(InputError, match="too large"):
        load_mask(path, (10, 10))


def test_pillow_bomb_error_is_mapped(tmp_path, monkeypatch):
    path = tmp_path / "bomb.png"
    Image.fromarray(_gradient(100, 100)).save(path)
    monkeypatch.setattr(Image, "MAX_IMAGE_PIXELS", 1000)  # Pillow refuses above 2x its own limit
    with pytest.raises(InputError, match="too large"):
        load_image(path)


def test_mask_from_grayscale_is_resized_float(tmp_path):
    mask = np.zeros((20, 40), np.uint8)
    mask[:, 20:] = 255
    path = tmp_path / "mask.png"
    Image.fromarray(mask).save(path)
    out = load_mask(path, (80, 40))
    assert out.shape == (40, 80) and out.dtype == np.float32
    assert out.min() == 0.0 and out.max() == 1.0
    assert out[:, :35].max() == 0.0 and out[:, 45:].min() == 1.0


def test_mask_uses_alpha_when_not_opaque(tmp_path):
    rgba = np.zeros((10, 10, 4), np.uint8)  # black everywhere; alpha marks the region
    rgba[:5, :, 3] = 255
    path = tmp_path / "alpha_mask.png"
    Image.fromarray(rgba).save(path)
    out = load_mask(path, (10, 10))
    assert out[:4].min() == 1.0 and out[6:].max() == 0.0


def test_mask_ignores_fully_opaque_alpha(tmp_path):
    rgba = np.full((10, 10, 4), 255, np.uint8)
    rgba[:, :5, :3] = 0
    path = tmp_path / "opaque.png"
    Image.fromarray(rgba).save(path)
    out = load_mask(path, (10, 10))
    assert out[:, :4].max() == 0.0 and out[:, 6:].min() == 1.0


def test_empty_mask(tmp_path):
    path = tmp_path / "m.png"
    Image.fromarray(np.zeros((8, 8), np.uint8)).save(path)
    with pytest.raises(InputError, match=r"mask '.*m\.png' is empty"):
        load_mask(path, (8, 8))


def test_mask_errors_name_the_mask(tmp_path):
    with pytest.raises(InputError, match="cannot read mask"):
        load_mask(tmp_path / "absent.png", (8, 8))


@pytest.mark.parametrize("ext", ["png", "jpg", "webp"])
def test_save_image_round_trip_and_atomic(tmp_path, ext):
    src = _gradient(20, 10)
    path = tmp_path / f"out.{ext}"
    save_image(path, src)
    assert [p.name for p in tmp_path.iterdir()] == [path.name]
    back = np.asarray(Image.open(path).convert("RGB"))
    assert back.shape == src.shape
    assert np.abs(back.astype(int) - src).mean() < (0.01 if ext == "png" else 8)


def test_save_image_errors(tmp_path):
    with pytest.raises(InputError, match="unsupported"):
        save_image(tmp_path / "x.gif", _gradient(4, 4))
    with pytest.raises(InputError, match="folder does not exist"):
        save_image(tmp_path / "missing" / "x.png", _gradient(4, 4))
    with pytest.raises(ValueError):
        save_image(tmp_path / "x.png", np.zeros((4, 4), np.uint8))
    assert list(tmp_path.iterdir()) == []


def test_save_image_permissions(tmp_path):
    import os
    import stat

    current = os.umask(0)
    os.umask(current)
    save_image(tmp_path / "p.png", _gradient(4, 4))
    assert stat.S_IMODE((tmp_path / "p.png").stat().st_mode) == 0o666 & ~current
