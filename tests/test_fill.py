"""Tests for the background hole fill (toolkit.imaging.fill), on small images generated in code."""

from __future__ import annotations

import cv2
import numpy as np
import pytest

from toolkit.imaging.fill import FillOptions, as_hole_mask, fill_hole, harmonic_fill


def _ellipse(shape: tuple[int, int], centre: tuple[int, int], axes: tuple[int, int]) -> np.ndarray:
    """Bool mask of a filled ellipse (centre and full axes as (x, y))."""
    mask = np.zeros(shape, np.uint8)
    cv2.ellipse(mask, (centre, axes, 0), 1, -1)
    return mask.astype(bool)


def _noise_image(shape: tuple[int, int], seed: int = 0) -> np.ndarray:
    """A textured RGB image: smooth colour field plus fine noise."""
    rng = np.random.default_rng(seed)
    h, w = shape
    yy, xx = np.mgrid[0:h, 0:w].astype(np.float32)
    base = np.stack([80 + 0.4 * xx, 120 + 0.3 * yy, 150 - 0.2 * xx], axis=2)
    noise = cv2.GaussianBlur(rng.normal(0, 12, (h, w, 3)).astype(np.float32), (0, 0), 0.8)
    return np.clip(base + noise, 0, 255).astype(np.uint8)


def _stripes(shape: tuple[int, int], period: int = 8) -> np.ndarray:
    """Diagonal colour stripes with a checker modulation: a periodic, high-frequency texture."""
    h, w = shape
    yy, xx = np.mgrid[0:h, 0:w]
    stripe = ((xx + yy) // (period // 2)) % 2
    checker = ((xx // period) + (yy // period)) % 2
    img = np.zeros((h, w, 3), np.uint8)
    img[..., 0] = 60 + 140 * stripe
    img[..., 1] = 90 + 60 * checker
    img[..., 2] = 200 - 120 * stripe
    return img


def _laplacian_std(img: np.ndarray, region: np.ndarray) -> float:
    grey = cv2.cvtColor(img, cv2.COLOR_RGB2GRAY).astype(np.float32)
    return float(cv2.Laplacian(grey, cv2.CV_32F)[region].std())


def _ring(mask: np.ndarray, width: int) -> np.ndarray:
    kernel = np.ones((2 * width + 1, 2 * width + 1), np.uint8)
    return cv2.dilate(mask.astype(np.uint8), kernel).astype(bool) & ~mask


def test_outside_hole_is_bit_exact_and_dtype_shape() -> None:
    img = _noise_image((120, 160))
    hole = _ellipse((120, 160), (80, 60), (50, 40))
    out = fill_hole(img, hole, seed=3)
    assert out.dtype == np.uint8 and out.shape == img.shape
    assert np.array_equal(out[~hole], img[~hole])
    assert out is not img


def test_horizontal_gradient_is_continued() -> None:
    h, w = 96, 160
    xx = np.tile(np.arange(w, dtype=np.float32), (h, 1))
    img = np.stack([40 + 1.2 * xx, 200 - 0.8 * xx, 100 + 0.5 * xx], axis=2).astype(np.uint8)
    hole = np.zeros((h, w), bool)
    hole[28:68, 50:110] = True
    out = fill_hole(img, hole)
    err = np.abs(out.astype(np.int16) - img.astype(np.int16))[hole]
    assert err.mean() < 2.0
    assert err.max() <= 12


def test_diagonal_gradient_has_no_step() -> None:
    h, w = 96, 128
    yy, xx = np.mgrid[0:h, 0:w].astype(np.float32)
    img = np.stack([30 + 0.9 * xx + 0.6 * yy, 60 + 0.5 * yy, 220 - 0.7 * xx], axis=2).astype(np.uint8)
    hole = _ellipse((h, w), (64, 48), (44, 36))
    out = fill_hole(img, hole)
    err = np.abs(out.astype(np.int16) - img.astype(np.int16))[hole]
    assert err.mean() < 6.0


def test_periodic_texture_is_not_smeared() -> None:
    img = _stripes((128, 128))
    hole = _ellipse((128, 128), (64, 64), (48, 48))
    out = fill_hole(img, hole)
    inner = cv2.erode(hole.astype(np.uint8), np.ones((5, 5), np.uint8)).astype(bool)
    ring = _ring(hole, 16)
    inside, around = _laplacian_std(out, inner), _laplacian_std(out, ring)
    assert 0.5 * around < inside < 1.5 * around
    mean_in = out[hole].reshape(-1, 3).mean(axis=0)
    mean_ring = out[ring].reshape(-1, 3).mean(axis=0)
    assert np.abs(mean_in - mean_ring).max() < 20


def test_plain_inpaint_would_smear_where_fill_does_not() -> None:
    img = _stripes((128, 128))
    hole = _ellipse((128, 128), (64, 64), (48, 48))
    inner = cv2.erode(hole.astype(np.uint8), np.ones((5, 5), np.uint8)).astype(bool)
    smeared = cv2.inpaint(img, hole.astype(np.uint8), 3, cv2.INPAINT_TELEA)
    assert _laplacian_std(fill_hole(img, hole), inner) > 2.0 * _laplacian_std(smeared, inner)


def test_seam_is_not_visible_on_noisy_texture() -> None:
    img = _noise_image((128, 160), seed=1)
    hole = _ellipse((128, 160), (80, 64), (60, 50))
    out = fill_hole(img, hole).astype(np.float32).mean(axis=2)
    across = np.concatenate(
        [np.abs(np.diff(out, axis=1))[hole[:, 1:] != hole[:, :-1]], np.abs(np.diff(out, axis=0))[hole[1:] != hole[:-1]]]
    )
    ring = _ring(hole, 6)
    around = np.concatenate(
        [np.abs(np.diff(out, axis=1))[ring[:, 1:] & ring[:, :-1]], np.abs(np.diff(out, axis=0))[ring[1:] & ring[:-1]]]
    )
    assert across.mean() < 1.5 * around.mean()


def test_deterministic_for_a_seed() -> None:
    img = _noise_image((96, 128), seed=2)
    hole = _ellipse((96, 128), (64, 48), (40, 30))
    assert np.array_equal(fill_hole(img, hole, seed=7), fill_hole(img, hole, seed=7))


def test_empty_hole_returns_copy() -> None:
    img = _noise_image((32, 48))
    out = fill_hole(img, np.zeros((32, 48), bool))
    assert np.array_equal(out, img) and out is not img


def test_full_hole_gives_mean_colour() -> None:
    img = _noise_image((24, 32))
    out = fill_hole(img, np.ones((24, 32), bool))
    expected = np.rint(img.reshape(-1, 3).mean(axis=0))
    assert np.all(out == expected.astype(np.uint8))


def test_hole_on_border_and_corner() -> None:
    h, w = 80, 120
    xx = np.tile(np.arange(w, dtype=np.float32), (h, 1))
    img = np.stack([50 + xx, 100 + 0.5 * xx, 180 - xx], axis=2).astype(np.uint8)
    hole = np.zeros((h, w), bool)
    hole[:30, :40] = True  # top-left corner
    hole[50:, 90:] = True  # bottom-right corner
    hole[:, 60:64] = True  # a band through the whole height
    out = fill_hole(img, hole)
    assert np.array_equal(out[~hole], img[~hole])
    err = np.abs(out.astype(np.int16) - img.astype(np.int16))[hole]
    assert err.mean() < 4.0


@pytest.mark.parametrize("box", [(6, 10, 6, 10), (7, 8, 7, 8), (0, 16, 7, 9), (0, 5, 0, 5)])
def test_tiny_image_works(box: tuple[int, int, int, int]) -> None:
    img = _noise_image((16, 16))
    hole = np.zeros((16, 16), bool)
    y0, y1, x0, x1 = box
    hole[y0:y1, x0:x1] = True
    out = fill_hole(img, hole)
    assert out.shape == (16, 16, 3)
    assert np.array_equal(out[~hole], img[~hole])
    assert np.abs(out[hole].astype(float).mean() - img.astype(float).mean()) < 40


def test_one_pixel_and_thin_holes_match_neighbours() -> None:
    img = _noise_image((64, 64))
    smooth = cv2.GaussianBlur(img, (0, 0), 2.0)
    hole = np.zeros((64, 64), bool)
    hole[20, 20] = True
    hole[40, 5:60] = True
    out = fill_hole(smooth, hole)
    err = np.abs(out.astype(np.int16) - smooth.astype(np.int16))[hole]
    assert err.max() < 10


def test_fill_is_never_black() -> None:
    img = np.full((96, 96, 3), (200, 180, 90), np.uint8)
    img = cv2.add(img, _stripes((96, 96)) // 8)
    hole = _ellipse((96, 96), (48, 48), (70, 70))
    out = fill_hole(img, hole)
    assert np.all(out[hole].min(axis=0) >= np.array([190, 170, 80]))


def test_mask_forms_are_equivalent() -> None:
    img = _noise_image((48, 64))
    hole = _ellipse((48, 64), (32, 24), (20, 16))
    ref = fill_hole(img, hole)
    assert np.array_equal(fill_hole(img, hole.astype(np.uint8)), ref)
    assert np.array_equal(fill_hole(img, hole.astype(np.float32) * 0.9), ref)
    assert as_hole_mask(hole[..., None], hole.shape).shape == hole.shape


def test_bad_inputs_raise() -> None:
    img = _noise_image((16, 16))
    with pytest.raises(ValueError):
        fill_hole(img.astype(np.float32), np.zeros((16, 16), bool))
    with pytest.raises(ValueError):
        fill_hole(img, np.zeros((8, 8), bool))


def test_harmonic_fill_is_exact_on_linear_ramp() -> None:
    yy, xx = np.mgrid[0:40, 0:50].astype(np.float32)
    ramp = np.stack([xx, yy, xx + yy], axis=2)
    known = np.ones((40, 50), bool)
    known[10:30, 15:35] = False
    filled = harmonic_fill(np.where(known[..., None], ramp, 0.0).astype(np.float32), known, iters=200)
    assert np.abs(filled - ramp).max() < 0.5


def test_options_are_used() -> None:
    img = _noise_image((96, 128), seed=4)
    hole = _ellipse((96, 128), (64, 48), (40, 30))
    out = fill_hole(img, hole, options=FillOptions(block=8, radius=1))
    assert np.array_equal(out[~hole], img[~hole])


def test_a_masked_gaussian_ignores_unknown_pixels_and_says_how_near_known_ones_are():
    from toolkit.imaging.masked_mean import masked_gaussian

    values = np.zeros((40, 60, 3), np.float32)
    values[:, :20] = (100, 50, 25)  # known
    values[:, 20:] = 255  # unknown: must not leak into the mean
    known = np.zeros((40, 60), bool)
    known[:, :20] = True
    mean, share = masked_gaussian(values, known, 4.0)
    assert np.allclose(mean[:, :30], (100, 50, 25), atol=1e-3)
    assert share[20, 5] > 0.99 and share[20, 22] < 0.5 and share[20, 55] < 1e-6


def test_patches_come_only_from_the_sources_given() -> None:
    # a striped cloth on the left, a plain wall on the right; the hole lies in the plain part
    img = _stripes((128, 160))
    img[:, 64:] = (120, 120, 120)
    hole = _ellipse((128, 160), (112, 64), (30, 40))
    cloth = np.zeros((128, 160), bool)
    cloth[:, :56] = True
    plain = fill_hole(img, hole)
    quilted = fill_hole(img, hole, sources=cloth)
    inner = cv2.erode(hole.astype(np.uint8), np.ones((7, 7), np.uint8)).astype(bool)
    assert _laplacian_std(plain, inner) < 2.0  # the plain wall around it continues
    assert _laplacian_std(quilted, inner) > 0.5 * _laplacian_std(img, cloth)  # the cloth's texture, copied in
    assert np.array_equal(quilted[~hole], img[~hole])  # nothing outside the hole changes
    red_less_blue = quilted[inner][:, 0].astype(int) - quilted[inner][:, 2].astype(int)
    assert red_less_blue.std() > 50  # the cloth's red and blue stripes (the wall's is 0), shaded towards the wall


def test_sources_too_thin_for_any_patch_give_way_to_all_known_pixels() -> None:
    img = _stripes((128, 128))
    hole = _ellipse((128, 128), (64, 64), (40, 40))
    thin = np.zeros((128, 128), bool)
    thin[:, 2:5] = True  # 3 px wide: no patch fits in it
    out = fill_hole(img, hole, sources=thin)
    inner = cv2.erode(hole.astype(np.uint8), np.ones((5, 5), np.uint8)).astype(bool)
    assert _laplacian_std(out, inner) > 0.5 * _laplacian_std(out, _ring(hole, 16))  # texture, not a blur


def test_several_holes_filled_from_sources_each_get_the_sources_texture() -> None:
    img = _stripes((128, 192))
    img[:, 64:] = (120, 120, 120)
    holes = np.zeros((128, 192), bool)
    holes[20:50, 100:130] = True
    holes[80:110, 150:180] = True
    cloth = np.zeros((128, 192), bool)
    cloth[:, :56] = True
    out = fill_hole(img, holes, sources=cloth)
    for box in (np.s_[24:46, 104:126], np.s_[84:106, 154:176]):
        red_less_blue = out[box][..., 0].astype(int) - out[box][..., 2].astype(int)
        assert red_less_blue.std() > 50
    assert np.array_equal(out[~holes], img[~holes])


def test_nearest_fill_copies_the_nearest_known_colour_and_nothing_else():
    from toolkit.imaging.fill import nearest_fill

    image = np.zeros((10, 12, 3), np.uint8)
    image[:, :4] = (200, 0, 0)
    image[:, 8:] = (0, 0, 200)
    known = np.zeros((10, 12), bool)
    known[:, :4] = known[:, 8:] = True
    hole = np.zeros((10, 12), bool)
    hole[:, 4:8] = True
    out = nearest_fill(image, hole, known)
    assert (out[:, 4:6] == (200, 0, 0)).all() and (out[:, 6:8] == (0, 0, 200)).all()
    assert np.array_equal(out[~hole], image[~hole])
