import cv2
import numpy as np

from toolkit.imaging.drape import arm_traces, drape_fill, drape_over, plainness


def folds(height: int = 120, width: int = 160) -> np.ndarray:
    """White cloth hanging in soft vertical folds, 24 px apart."""
    shade = 220.0 + 15.0 * np.sin(2 * np.pi * np.arange(width) / 24.0)
    image = np.empty((height, width, 3), np.uint8)
    image[:] = np.stack([shade, shade - 4, shade - 10], axis=-1).astype(np.uint8)[None]
    return image


def band_hole(shape: tuple[int, int], rows: slice, cols: slice) -> np.ndarray:
    hole = np.zeros(shape, bool)
    hole[rows, cols] = True
    return hole


def test_the_folds_are_carried_down_across_a_wide_hole():
    cloth = folds()
    hole = band_hole(cloth.shape[:2], slice(40, 80), slice(20, 140))
    painted = cloth.copy()
    painted[hole] = (90, 60, 40)  # an arm lay there
    values, given = drape_fill(painted, hole, np.ones(hole.shape, bool))
    assert given[hole].all() and not given[~hole].any()
    # inside, away from the ends of the band (where the row average reaches past it), each column is its fold
    inner = hole.copy()
    inner[:, :26] = inner[:, 134:] = False
    assert np.abs(values[inner] - cloth[inner]).max() < 6.0


def test_a_shadow_below_the_hole_is_blended_into_down_the_column():
    image = np.full((100, 80, 3), 220, np.uint8)
    image[60:, :] = 120  # darker below
    hole = band_hole(image.shape[:2], slice(30, 60), slice(5, 75))
    values, given = drape_fill(image, hole, np.ones(hole.shape, bool), skip=0, span=1)
    column = values[30:60, 40, 0]
    assert given[hole].all()
    assert column[0] > column[-1] and np.all(np.diff(column) <= 0)  # from bright above to dark below
    assert abs(column[0] - 220) < 5 and abs(column[-1] - 120) < 5


def test_a_hole_that_runs_down_the_cloth_is_not_draped():
    cloth = folds()
    hole = band_hole(cloth.shape[:2], slice(10, 110), slice(70, 84))  # beside a hanging arm
    _, given = drape_fill(cloth, hole, np.ones(hole.shape, bool))
    assert not given.any()


def test_an_end_of_another_colour_is_left_out_and_the_cloth_carried_on():
    image = np.full((120, 160, 3), 230, np.uint8)
    hole = band_hole(image.shape[:2], slice(40, 80), slice(20, 140))
    image[80:100, 60:100] = (200, 40, 40)  # a red ribbon under the middle of the hole
    values, given = drape_fill(image, hole, np.ones(hole.shape, bool))
    middle = values[40:80, 75:85]
    assert given[40:80, 75:85].all()
    assert np.abs(middle - 230).max() < 2.0  # the white above, not a blend into red


def test_plainness_tells_plain_cloth_from_a_print():
    rng = np.random.default_rng(0)
    plain = np.full((80, 80, 3), 200, np.uint8)
    printed = rng.integers(0, 255, (80, 80, 3)).astype(np.uint8)
    known = np.ones((80, 80), bool)
    assert plainness(plain, known, 6.0).min() == 1.0
    assert plainness(printed, known, 6.0).max() == 0.0


def test_drape_over_replaces_a_blotchy_fill_on_plain_cloth_but_keeps_it_on_a_print():
    cloth = folds()
    hole = band_hole(cloth.shape[:2], slice(40, 80), slice(20, 140))
    blotchy = cloth.copy()
    blotchy[hole] = 150
    draped = drape_over(blotchy, blotchy, hole, ~hole, 6.0)
    inner = hole.copy()
    inner[:, :30] = inner[:, 130:] = False
    assert np.abs(draped[inner].astype(float) - cloth[inner]).mean() < 5.0
    assert np.array_equal(draped[~hole], blotchy[~hole])

    rng = np.random.default_rng(1)
    printed = rng.integers(0, 255, cloth.shape).astype(np.uint8)
    quilted = printed.copy()
    quilted[hole] = 150
    assert np.array_equal(drape_over(quilted, printed, hole, ~hole, 6.0), quilted)


def test_the_arms_shadow_below_it_and_a_ring_beside_it_go_but_another_garment_stays():
    image = np.full((160, 200, 3), 230, np.uint8)
    hole = band_hole(image.shape[:2], slice(50, 80), slice(30, 170))
    image[80:92, 40:160] = (150, 148, 144)  # the arm's shadow on the white apron below it
    image[38:50, 40:160] = (150, 148, 144)  # as dark, but above the arm: a fold of the cloth
    image[80:86, 24:30] = (90, 40, 40)  # a ring on a finger, just outside the hand's outline
    image[80:86, 165:172] = (200, 60, 60)  # a red speck at the hole's edge
    image[120:, :] = (120, 20, 30)  # the skirt below the apron
    image[80:120, 0:12] = (120, 20, 30)  # joined to the skirt
    image[60:64, 170:200] = (120, 20, 30)  # a red band from the hole's end to the skirt far down
    image[64:120, 190:200] = (120, 20, 30)
    cloth = np.ones(hole.shape, bool)
    traces = arm_traces(image, hole, cloth, reach=24)
    assert traces[80:92, 40:160].all()  # the shadow
    assert not traces[38:50, 40:160].any()  # not the fold above
    assert traces[80:86, 165:172].all() and traces[80:86, 24:30].all()  # the speck and the ring at the hole's rim
    assert not traces[120:].any() and not traces[60:64, 170:200].any()  # the garments that reach on
    assert not (traces & hole).any()


def test_a_foreign_end_above_is_left_out_too():
    image = np.full((120, 160, 3), 230, np.uint8)
    hole = band_hole(image.shape[:2], slice(40, 80), slice(20, 140))
    image[20:40, 60:100] = (40, 60, 160)  # a blue bow above the middle of the hole
    values, given = drape_fill(image, hole, np.ones(hole.shape, bool))
    assert given[40:80, 75:85].all() and np.abs(values[40:80, 75:85] - 230).max() < 2.0


def test_a_stretch_of_the_hole_that_runs_down_the_cloth_is_not_draped():
    image = folds(200, 200)
    hole = band_hole(image.shape[:2], slice(120, 150), slice(20, 180))  # a forearm across the body...
    hole[20:150, 20:60] = True  # ...hanging from an upper arm down the cloth: one part, wider than tall
    _, given = drape_fill(image, hole, np.ones(hole.shape, bool))
    assert given[125:145, 70:170].all()
    assert not given[30:110, 22:58].any()


def test_drape_over_leaves_what_it_does_not_give_as_filled():
    image = np.full((100, 160, 3), 230, np.uint8)
    hole = band_hole(image.shape[:2], slice(40, 70), slice(20, 140))
    hole[40:100, 120:140] = True  # a stretch running off the bottom edge: no end below, none given there
    hole[90:100, 20:140] = True
    filled = image.copy()
    filled[hole] = 200
    out = drape_over(filled, image, hole, ~hole, 6.0)
    values, given = drape_fill(image, hole, ~hole)
    far = hole & (cv2.distanceTransform((~given).astype(np.uint8), cv2.DIST_L2, 3) > 5)
    assert far.any() and np.array_equal(out[far], filled[far])


def test_an_off_tint_band_below_the_arm_is_no_shadow_and_black_cloth_shows_none():
    image = np.full((160, 200, 3), 230, np.uint8)
    hole = band_hole(image.shape[:2], slice(50, 80), slice(30, 170))
    image[80:130, 40:160] = (120, 40, 40)  # a dark red skirt below the arm, reaching on
    traces = arm_traces(image, hole, np.ones(hole.shape, bool), reach=24)
    assert not traces[80:130, 40:160].any()
    rng = np.random.default_rng(2)
    black = (10 + rng.normal(0, 2, (160, 200, 3))).clip(0, 255).astype(np.uint8)  # black jersey, a little noise
    assert not arm_traces(black, hole, np.ones(hole.shape, bool), reach=24).any()


def test_nearest_along_finds_the_nearest_set_pixel_each_way_or_says_there_is_none():
    from toolkit.imaging.masks import nearest_along

    mask = np.zeros((5, 7), bool)
    mask[1, 2] = mask[1, 5] = mask[3, 0] = True
    before, after = nearest_along(mask, 1)
    assert before[1].tolist() == [-1, -1, 2, 2, 2, 5, 5] and after[1].tolist() == [2, 2, 2, 5, 5, 5, 7]
    assert before[0].tolist() == [-1] * 7 and after[0].tolist() == [7] * 7
    up, down = nearest_along(mask, 0)
    assert up[:, 0].tolist() == [-1, -1, -1, 3, 3] and down[:, 0].tolist() == [3, 3, 3, 3, 5]


def test_grown_dilates_by_a_disc_of_the_radius():
    from toolkit.imaging.masks import disc, grown

    mask = np.zeros((21, 21), bool)
    mask[10, 10] = True
    out = grown(mask, 4)
    assert out[10, 6] and out[6, 10] and out[10, 14] and not out[6, 6]  # round, not square
    assert out.sum() == disc(4).sum() and not grown(np.zeros((5, 5), bool), 2).any()
