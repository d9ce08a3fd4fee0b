"""Closing the cracks a part folded over itself leaves (toolkit.warp.cracks)."""

from __future__ import annotations

import numpy as np

from toolkit.warp.cracks import close_cracks, narrow_gaps


def two_stretches(gap: int) -> tuple[np.ndarray, np.ndarray]:
    """A dark part of two 30 px wide stretches side by side, `gap` px apart, on a white canvas."""
    alpha = np.zeros((60, 100), np.float32)
    alpha[10:50, 10:40] = 1.0
    alpha[10:50, 40 + gap:70 + gap] = 1.0
    rgb = np.full((60, 100, 3), 255, np.uint8)
    rgb[alpha > 0] = (30, 20, 10)
    return rgb, alpha


def test_a_crack_between_two_stretches_of_a_part_takes_the_part_colour():
    rgb, alpha = two_stretches(2)
    out_rgb, out_alpha = close_cracks(rgb, alpha, 3, np.zeros(alpha.shape, bool))
    crack = (slice(15, 45), slice(40, 42))
    assert (alpha[crack] == 0).all() and (out_alpha[crack] == 1.0).all()
    assert np.abs(out_rgb[crack].astype(int) - (30, 20, 10)).max() <= 1
    outside = alpha == 0
    outside[crack] = False
    outside[8:52, 38:44] = False  # the crack's ends round off a little
    assert (out_alpha[outside] == 0).all() and (out_rgb[outside] == 255).all()


def test_a_wide_gap_stays_open():
    rgb, alpha = two_stretches(14)
    out_rgb, out_alpha = close_cracks(rgb, alpha, 3, np.zeros(alpha.shape, bool))
    assert (out_alpha[10:50, 42:52] == 0).all()


def test_a_gap_the_part_had_at_rest_stays_open():
    rgb, alpha = two_stretches(2)
    own = np.zeros(alpha.shape, bool)
    own[:, 40:42] = True
    _, out_alpha = close_cracks(rgb, alpha, 3, own)
    assert (out_alpha[10:50, 40:42] == 0).all()


def test_a_small_enclosed_hole_is_filled_a_large_one_is_not():
    alpha = np.zeros((120, 120), np.float32)
    alpha[10:110, 10:110] = 1.0
    alpha[20:32, 20:32] = 0.0  # 144 px: under 4% of the part
    alpha[50:100, 50:100] = 0.0  # 2500 px: a loop, not a crack
    gaps = narrow_gaps(alpha, 3)
    assert gaps[20:32, 20:32].all()
    assert not gaps[55:95, 55:95].any()
    assert not gaps[:10].any() and not gaps[:, :10].any()  # outside the part


def test_a_soft_outline_is_left_alone():
    alpha = np.zeros((60, 60), np.float32)
    alpha[20:40, 20:40] = 1.0
    alpha[19, 20:40] = alpha[40, 20:40] = alpha[20:40, 19] = alpha[20:40, 40] = 0.5
    assert not narrow_gaps(alpha, 3).any()


def test_a_hole_whose_only_way_out_is_a_crack_is_filled_to_its_middle():
    # a 16 px hole inside the part, joined to the outside only by a 2 px crack: once the crack
    # closes, the hole is enclosed; its middle lies further than 2 * width from any opaque pixel
    rgb = np.full((120, 120, 3), 255, np.uint8)
    alpha = np.zeros((120, 120), np.float32)
    alpha[10:110, 10:110] = 1.0
    alpha[32:48, 32:48] = 0.0  # 256 px: under (4 * width)**2
    alpha[39:41, 10:32] = 0.0  # the crack, from the hole to the part's left edge
    rgb[alpha > 0] = (30, 20, 10)
    gaps = narrow_gaps(alpha, 5)
    assert gaps[32:48, 32:48].all() and gaps[39:41, 12:32].all()
    out_rgb, out_alpha = close_cracks(rgb, alpha, 5, np.zeros(alpha.shape, bool))
    assert (out_alpha[32:48, 32:48] == 1.0).all()
    assert np.abs(out_rgb[32:48, 32:48].astype(int) - (30, 20, 10)).max() <= 1
    assert (out_alpha[:10] == 0).all() and (out_rgb[:10] == 255).all()  # nothing outside the part changes


def test_the_wall_between_two_legs_brought_together_is_not_a_hole_behind_a_crack():
    alpha = np.zeros((320, 200), np.float32)
    alpha[10:310, 20:80] = 1.0  # two legs, 14 px apart
    alpha[10:310, 94:154] = 1.0
    alpha[10:30, 80:94] = 1.0  # joined at the hips
    alpha[90:98, 80:94] = 1.0  # and the knees brought together, but for a 2 px crack down between them
    alpha[90:98, 86:88] = 0.0
    gaps = narrow_gaps(alpha, 5)
    assert gaps[91:97, 86:88].all()  # the crack closes
    assert not gaps[40:80, 82:92].any()  # the 840 px of wall between the thighs (under 4% of the legs) stays open
