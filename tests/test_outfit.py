"""Outfit mode: garment cut-out and key points, the fit, the try-on composite, the command and its errors."""

from __future__ import annotations

import cv2
import numpy as np
import pytest

from toolkit.errors import InputError
from toolkit.imaging import garment_drawing as draw
from toolkit.imaging.tps import fit_tps, tps_map
from toolkit.perception.garment import analyse_garment
from toolkit.perception.garment_cutout import cut_out
from toolkit.metrics import away_from_person, delta_e, face_box, lab_mean, legs_region, torso_region

# ---------------------------------------------------------------------------- helpers


def drawn_mask(rgb: np.ndarray) -> np.ndarray:
    """Ground truth of a drawn garment: every pixel that is not the drawing's white."""
    return (rgb != np.array(draw.WHITE, np.uint8)).any(axis=2)


def iou(a: np.ndarray, b: np.ndarray) -> float:
    return float((a & b).sum() / max((a | b).sum(), 1))


def write_rgb(path, rgb: np.ndarray):
    cv2.imwrite(str(path), np.ascontiguousarray(rgb[..., ::-1]))
    return path


def run_cli(argv: list[str]) -> int:
    """`animate outfit ARGS` in process: its exit code."""
    from toolkit.cli import main

    with pytest.raises(SystemExit) as exit_info:
        main(["outfit", *[str(a) for a in argv]])
    return int(exit_info.value.code)


# ---------------------------------------------------------------------------- thin-plate splines


def test_tps_passes_through_its_points_and_keeps_an_affine_map_affine():
    rng = np.random.default_rng(0)
    src = rng.uniform(0, 400, (10, 2))
    dst = src * 1.2 + rng.normal(0, 8, (10, 2))
    assert np.abs(fit_tps(src, dst)(src) - dst).max() < 1e-6
    linear = np.array([[1.1, 0.2], [-0.15, 0.9]])
    spline = fit_tps(src, src @ linear.T + 5)
    query = rng.uniform(0, 400, (20, 2))
    assert np.abs(spline(query) - (query @ linear.T + 5)).max() < 1e-6


def test_tps_map_samples_the_spline_inside_its_box():
    src = np.array([[0, 0], [100, 0], [0, 100], [100, 100], [50, 50]], float)
    dst = src + np.array([[0, 0], [5, 0], [0, 5], [5, 5], [3, -2]])
    spline = fit_tps(src, dst)
    map_x, map_y = tps_map(spline, (10, 20, 90, 80), step=4)
    ys, xs = np.mgrid[20:80, 10:90]
    exact = spline(np.stack([xs, ys], axis=-1).astype(float))
    inner = (slice(4, -4), slice(4, -4))
    assert np.abs(map_x - exact[..., 0])[inner].max() < 0.05
    assert np.abs(map_y - exact[..., 1])[inner].max() < 0.05


# ---------------------------------------------------------------------------- the garment


def test_a_garment_is_cut_out_of_its_white_background():
    for rgb in (draw.draw_tshirt(), draw.draw_trousers(), draw.draw_dress()):
        assert iou(cut_out(rgb).mask, drawn_mask(rgb)) > 0.97


def test_a_pale_band_across_a_garment_stays_part_of_it():
    rgb = draw.draw_tshirt(band=(247, 247, 247))  # as white as the background, like the FILA shirt's band
    mask = cut_out(rgb).mask
    h, w = mask.shape
    assert mask[int(0.44 * h), int(0.3 * w): int(0.7 * w)].all()


def test_the_narrow_gap_between_a_hanging_sleeve_and_the_body_stays_background():
    rgb = np.full((600, 450, 3), 248, np.uint8)
    purple = (90, 30, 150)
    cv2.rectangle(rgb, (150, 100), (300, 560), purple, -1)  # the body
    cv2.fillConvexPoly(rgb, np.array([[150, 100], [146, 110], [80, 520], [140, 520]]), purple)  # sleeves hanging
    cv2.fillConvexPoly(rgb, np.array([[300, 100], [304, 110], [370, 520], [310, 520]]), purple)  # down beside it
    drawn = (rgb != 248).any(axis=2)
    gap = np.zeros(drawn.shape, bool)  # the background between the left sleeve and the body, 2 px up to 10
    for y in range(120, 470):
        sleeve_edge = np.flatnonzero(drawn[y, :150])[-1]
        gap[y, sleeve_edge + 2: 148] = True  # a pixel clear of each edge's blur
    assert gap.sum() > 400
    mask = cut_out(rgb).mask
    assert mask[gap].mean() < 0.1


def test_a_blank_or_busy_garment_image_is_refused():
    with pytest.raises(InputError, match="no garment found"):
        cut_out(np.full((300, 200, 3), 250, np.uint8))
    noise = np.random.default_rng(1).integers(0, 256, (300, 200, 3), dtype=np.uint8)
    with pytest.raises(InputError, match="not flat"):
        cut_out(noise)


def test_the_category_is_guessed_from_the_shape():
    cases = {"upper": [draw.draw_tshirt(), draw.draw_tshirt(long_sleeves=True)],
             "lower": [draw.draw_trousers(), draw.draw_trousers(flare=0.06), draw.draw_skirt()],
             "dress": [draw.draw_dress()]}
    for expected, garments in cases.items():
        for rgb in garments:
            assert analyse_garment(cut_out(rgb).mask).category == expected


def test_a_tops_key_points_sit_where_a_tailor_would_put_them():
    rgb = draw.draw_tshirt(width=600, height=640)
    shape = analyse_garment(cut_out(rgb).mask)
    p = shape.points
    assert p["shoulder_left"][0] < p["neck_left"][0] < p["neck_right"][0] < p["shoulder_right"][0]
    assert p["neck_left"][1] < p["shoulder_left"][1] < p["armpit_left"][1] < p["hem_left"][1]
    assert abs(p["armpit_left"][0] - 0.25 * 600) < 12 and abs(p["hem_left"][1] - 0.92 * 640) < 12
    left, right = shape.limbs["left_sleeve"], shape.limbs["right_sleeve"]
    assert left.axis[-1][0] < p["armpit_left"][0] and right.axis[-1][0] > p["armpit_right"][0]
    assert left.edge_a[0] is not None and np.allclose(left.edge_a[0], p["shoulder_left"])


def test_trousers_crotch_is_found_even_where_the_legs_touch():
    rgb = draw.draw_trousers(width=400, height=800)  # legs part in a thin wedge from 36% of the height
    shape = analyse_garment(cut_out(rgb).mask, "lower")
    assert abs(shape.points["crotch"][1] - 0.36 * 800) < 0.08 * 800
    assert shape.limbs["left_leg"].axis[-1][1] > 0.9 * 800


# ---------------------------------------------------------------------------- the fit (pure maths)


def synthetic_measure(raise_left_arm: bool = False):
    """A standing body 200 px across the shoulders, facing the camera, on a 600x900 canvas."""
    from toolkit.perception.body_measure import LEVELS, BodyMeasure
    from toolkit.perception.person_parts import body_frame

    joints = np.zeros((33, 2))
    joints[:11] = (300, 120)
    joints[11], joints[12] = (400, 220), (200, 220)  # the person's left shoulder is on the image's right
    joints[13], joints[14] = (410, 380), (190, 380)
    joints[15], joints[16] = (415, 520), (185, 520)
    if raise_left_arm:
        joints[13], joints[15] = (540, 160), (660, 90)
    joints[17:23:2] = joints[15] + (0, 30)
    joints[18:23:2] = joints[16] + (0, 30)
    joints[23], joints[24] = (350, 540), (250, 540)
    joints[25], joints[26] = (355, 700), (245, 700)
    joints[27], joints[28] = (360, 860), (240, 860)
    frame = body_frame(joints)
    widths = np.interp(LEVELS, [0, 1, 2.2], [100, 95, 110])
    legs = (np.array([45.0, 38, 30]), np.array([45.0, 38, 30]))
    return BodyMeasure(frame, LEVELS, widths.copy(), widths.copy(), (30.0, 30.0), legs)


def test_a_top_is_fitted_to_the_shoulders_and_never_narrower_than_the_body():
    from toolkit.imaging.garment_fit import fit_garment

    measure = synthetic_measure()
    shape = analyse_garment(cut_out(draw.draw_tshirt()).mask)
    fits = {fit.name: fit for fit in fit_garment(shape, measure)}
    assert set(fits) == {"body", "left_sleeve", "right_sleeve"}
    body = dict(zip(map(tuple, fits["body"].src), fits["body"].dst))
    seam_l, seam_r = body[tuple(shape.points["shoulder_left"])], body[tuple(shape.points["shoulder_right"])]
    assert seam_l[0] < 200 < 400 < seam_r[0]  # just outside the shoulder joints
    hem_l, hem_r = body[tuple(shape.points["hem_left"])], body[tuple(shape.points["hem_right"])]
    half = measure.half_widths(measure.frame.down @ (hem_l - measure.frame.neck) / measure.frame.torso_length)
    assert 300 - hem_l[0] >= 0.99 * half[0] and hem_r[0] - 300 >= 0.99 * half[1]


def test_sleeves_follow_the_arms():
    from toolkit.imaging.garment_fit import fit_garment

    shape = analyse_garment(cut_out(draw.draw_tshirt(long_sleeves=True)).mask)
    for raised in (False, True):
        measure = synthetic_measure(raise_left_arm=raised)
        right = [f for f in fit_garment(shape, measure) if f.name == "right_sleeve"][0]  # the image's right arm
        cuff = right.dst[3]  # the axis' last sample: the cuff's middle
        wrist = measure.frame.arms[1][2]
        assert np.linalg.norm(cuff - wrist) < 60


# ---------------------------------------------------------------------------- the try-on on a real photo


@pytest.fixture(scope="module")
def astronaut():
    """scikit-image's astronaut, analysed once: (rgb, person, joints, silhouette)."""
    from skimage import data

    from toolkit.dressing import analyse_person_photo
    from toolkit.perception.body import detect_body_and_mask

    rgb = np.ascontiguousarray(data.astronaut())
    body, silhouette = detect_body_and_mask(rgb)
    return rgb, analyse_person_photo(rgb), body.points.astype(np.float64), silhouette


def test_a_garment_replaces_the_clothing_and_leaves_face_and_background_alone(astronaut):
    from skimage.metrics import structural_similarity

    from toolkit.dressing import prepare_garment, put_on

    rgb, person, joints, silhouette = astronaut
    garment_rgb = draw.draw_tshirt(colour=(30, 110, 60), band=None, long_sleeves=True)
    out = put_on(person, prepare_garment(garment_rgb))
    assert out.shape == rgb.shape and out.dtype == np.uint8
    torso = torso_region(joints, rgb.shape[:2])
    green = lab_mean(garment_rgb, cut_out(garment_rgb).mask)
    assert delta_e(lab_mean(rgb, torso), green) > 30  # the orange suit
    assert delta_e(lab_mean(out, torso), green) < 15  # now the green top
    rows, cols = face_box(joints, rgb.shape[:2])
    assert structural_similarity(rgb[rows, cols], out[rows, cols], channel_axis=2, data_range=255) >= 0.95
    outside = away_from_person(silhouette)
    assert np.abs(out.astype(float) - rgb.astype(float)).mean(axis=2)[outside].mean() <= 3.0


def test_the_photos_shading_is_carried_onto_the_garment(astronaut):
    from toolkit.dressing import prepare_garment, put_on

    rgb, person, joints, _ = astronaut
    flat = np.full((640, 600, 3), 250, np.uint8)
    shirt = draw.draw_tshirt(colour=(200, 200, 200), band=None)
    mask = cut_out(shirt).mask
    flat[mask] = (200, 200, 200)  # a garment of one flat colour: any variation on the body is shading
    out = put_on(person, prepare_garment(flat))
    torso = torso_region(joints, rgb.shape[:2])
    lightness = cv2.cvtColor(out, cv2.COLOR_RGB2LAB)[..., 0][torso].astype(float)
    assert lightness.std() > 3.0  # folds and shadows of the suit show on the new garment
    assert abs(np.median(lightness) - cv2.cvtColor(np.uint8([[[200, 200, 200]]]), cv2.COLOR_RGB2LAB)[0, 0, 0]) < 25


# ---------------------------------------------------------------------------- the command


def test_a_still_keeps_the_person_photos_exact_size(tmp_path, astronaut):
    rgb = astronaut[0][:509, :511]  # odd sizes are kept, not cropped to even
    person = write_rgb(tmp_path / "person.png", rgb)
    garment = write_rgb(tmp_path / "shirt.png", draw.draw_tshirt())
    out = tmp_path / "dressed.jpg"
    assert run_cli([person, "--garment", garment, "-o", out]) == 0
    written = cv2.imread(str(out))
    assert written.shape == (509, 511, 3)


def test_a_catalogue_writes_one_output_per_garment_and_analyses_the_person_once(tmp_path, astronaut, monkeypatch):
    import toolkit.dressing as dressing

    calls = []
    real = dressing.analyse_person_photo
    monkeypatch.setattr(dressing, "analyse_person_photo", lambda image: calls.append(1) or real(image))
    person = write_rgb(tmp_path / "person.png", astronaut[0])
    shelf = tmp_path / "shelf"
    shelf.mkdir()
    red = draw.draw_tshirt()
    write_rgb(shelf / "red.png", red)
    write_rgb(shelf / "red_mask.png", drawn_mask(red).astype(np.uint8) * 255)  # its own mask: not a garment
    write_rgb(shelf / "blue.png", draw.draw_tshirt(colour=(40, 60, 200), long_sleeves=True))
    assert run_cli([person, "--garment", shelf, "--category", "upper", "-o", tmp_path / "look.png"]) == 0
    assert sorted(p.name for p in tmp_path.glob("look*.png")) == ["look_blue.png", "look_red.png"]
    assert len(calls) == 1


def test_output_names_get_each_garments_name():
    from pathlib import Path

    from modes.outfit import output_names

    garments = [Path("a/shirt.jpg"), Path("b/shirt.png"), Path("dress.png")]
    assert output_names(Path("out/look.png"), garments[:1]) == [Path("out/look.png")]
    assert output_names(Path("out/look.png"), garments) == [
        Path("out/look_shirt.png"), Path("out/look_shirt-2.png"), Path("out/look_dress.png")]


@pytest.mark.parametrize("case", ["blank garment", "no person", "unreadable garment", "missing person",
                                  "busy garment", "video without --animate"])
def test_bad_input_exits_2_with_one_line_and_writes_nothing(tmp_path, capsys, case):
    person = write_rgb(tmp_path / "person.png", __import__("skimage").data.astronaut())
    garment = write_rgb(tmp_path / "shirt.png", draw.draw_tshirt())
    out = tmp_path / "out.png"
    if case == "blank garment":
        garment = write_rgb(tmp_path / "blank.png", np.full((400, 300, 3), 255, np.uint8))
    elif case == "no person":
        person = write_rgb(tmp_path / "wall.png", np.full((400, 300, 3), (120, 140, 160), np.uint8))
    elif case == "unreadable garment":
        garment = tmp_path / "shirt.jpg"
        garment.write_bytes(b"not an image at all")
    elif case == "missing person":
        person = tmp_path / "nobody.jpg"
    elif case == "busy garment":
        noise = np.random.default_rng(0).integers(0, 256, (400, 300, 3), dtype=np.uint8)
        garment = write_rgb(tmp_path / "noise.png", noise)
    else:
        out = tmp_path / "out.mp4"
    capsys.readouterr()
    assert run_cli([person, "--garment", garment, "-o", out]) == 2
    err = capsys.readouterr().err.strip().splitlines()
    assert len(err) == 1 and err[0].startswith("animate: error:")
    assert not out.exists()
    assert not any(p.name.startswith(".") for p in tmp_path.iterdir())  # no temporary left behind


def test_an_animated_preview_moves_the_dressed_photo(tmp_path, astronaut):
    from toolkit.media.video_reader import iter_video_frames

    rgb, _, joints, _ = astronaut
    person = write_rgb(tmp_path / "person.png", rgb)
    garment = write_rgb(tmp_path / "shirt.png", draw.draw_tshirt(colour=(30, 110, 60), band=None,
                                                                 long_sleeves=True))
    out = tmp_path / "sway.mp4"
    assert run_cli([person, "--garment", garment, "--animate", "sway", "--frames", "6", "-o", out,
                    "--contact-sheet", tmp_path / "sheet.png"]) == 0
    frames = list(iter_video_frames(out))
    assert len(frames) == 6 and (tmp_path / "sheet.png").exists()
    torso = torso_region(joints, rgb.shape[:2])
    green = lab_mean(draw.draw_tshirt(colour=(30, 110, 60), band=None), drawn_mask(draw.draw_tshirt()))
    assert all(delta_e(lab_mean(f, torso[: f.shape[0], : f.shape[1]]), green) < 20 for f in frames)


def test_the_python_api_animates_the_dressed_photo_from_its_first_frame(tmp_path, astronaut):
    """toolkit.render with outfit mode (the plan path, as `make example` runs it) starts from the
    dressed still, arms and all, not from the undressed photo it was given."""
    from modes.outfit import OutfitOptions
    from toolkit.media.images import load_image
    from toolkit.media.video_reader import iter_video_frames
    from toolkit.pipeline import render

    rgb, _, _, _ = astronaut
    person = write_rgb(tmp_path / "person.png", rgb)
    garment = write_rgb(tmp_path / "shirt.png", draw.draw_tshirt(colour=(30, 110, 60), band=None,
                                                                 long_sleeves=True))
    assert run_cli([person, "--garment", garment, "-o", tmp_path / "still.png"]) == 0
    still = load_image(tmp_path / "still.png").rgb
    render("outfit", person, tmp_path / "clip.mp4", OutfitOptions(garment=[garment], animate="sway", frames=4))
    first = next(iter(iter_video_frames(tmp_path / "clip.mp4")))
    assert np.abs(first.astype(int) - still[: first.shape[0], : first.shape[1]]).mean() < 3  # H.264 aside
    assert np.abs(first.astype(int) - rgb[: first.shape[0], : first.shape[1]]).mean() > 10


def test_a_person_mask_chooses_the_clothing_to_replace(astronaut):
    rgb, person, _, _ = astronaut
    mask = np.zeros(rgb.shape[:2], bool)
    mask[300:400, 150:300] = True
    person.parts.override_clothing(mask)
    try:
        assert np.array_equal(person.parts.clothing("upper"), mask & person.parts.person)
        assert np.array_equal(person.parts.clothing("dress"), mask & person.parts.person)
    finally:
        person.parts._clothing.clear()


# ---------------------------------------------------------------------------- real try-on pairs (../shared/assets)


@pytest.fixture(scope="module")
def real_person():
    from toolkit.dressing import analyse_person_photo
    from toolkit.media.images import read_rgb
    from toolkit.perception.body import detect_body_and_mask
    from tests.conftest import ASSETS

    path = ASSETS / "outfit" / "person_049205.jpg"
    if not path.exists():
        pytest.skip("real inputs not present")
    rgb = read_rgb(path)
    body, silhouette = detect_body_and_mask(rgb)
    return rgb, analyse_person_photo(rgb), body.points.astype(np.float64), silhouette


@pytest.mark.assets
@pytest.mark.parametrize("garment_name, category", [("garment_upper_00055.jpg", "upper"),
                                                     ("garment_lower_051412.jpg", "lower")])
def test_real_pairs_meet_the_acceptance_figures(assets, real_person, garment_name, category):
    from skimage.metrics import structural_similarity

    from toolkit.dressing import prepare_garment, put_on
    from toolkit.media.images import read_rgb

    rgb, person, joints, silhouette = real_person
    garment_rgb = read_rgb(assets / "outfit" / garment_name)
    garment = prepare_garment(garment_rgb)
    assert garment.category == category
    out = put_on(person, garment)
    region = torso_region(joints, rgb.shape[:2]) if category == "upper" else legs_region(joints, rgb.shape[:2])
    assert delta_e(lab_mean(out, region), lab_mean(garment_rgb, garment.cutout.mask)) <= 15
    rows, cols = face_box(joints, rgb.shape[:2])
    assert structural_similarity(rgb[rows, cols], out[rows, cols], channel_axis=2, data_range=255) >= 0.95
    assert np.abs(out.astype(float) - rgb.astype(float)).mean(axis=2)[away_from_person(silhouette)].mean() <= 3.0


@pytest.mark.assets
def test_a_supplied_garment_mask_wins_and_the_garment_is_drawn_faithfully(assets, real_person):
    from toolkit.dressing import prepare_garment, put_on
    from toolkit.media.images import read_rgb
    from toolkit.media.images import load_mask

    rgb, person, joints, _ = real_person
    garment_rgb = read_rgb(assets / "outfit" / "garment_upper_00126.jpg")
    mask = load_mask(assets / "outfit" / "garment_upper_00126_mask.jpg", garment_rgb.shape[1::-1]) > 0.5
    garment = prepare_garment(garment_rgb, mask)
    assert iou(garment.cutout.mask, mask) > 0.99
    out = put_on(person, garment)
    torso = torso_region(joints, rgb.shape[:2])
    before = lab_mean(rgb, torso)
    # the torso now shows the shirt's white band and navy body, not the white and black print
    assert delta_e(lab_mean(out, torso), before) > 20
    navy = lab_mean(garment_rgb, mask & (garment_rgb.sum(axis=2) < 200))
    assert delta_e(lab_mean(out, torso), navy) < delta_e(before, navy)


def test_an_animated_catalogue_sets_up_its_backbone_once_for_every_clip(tmp_path, astronaut, monkeypatch):
    import toolkit.backbones as backbones

    built = []
    real = backbones.BACKBONES["warp"]  # the factory every lookup of "warp" ends in, however it was imported
    monkeypatch.setitem(backbones.BACKBONES, "warp", lambda options=None: built.append("warp") or real(options))
    person = write_rgb(tmp_path / "person.png", astronaut[0])
    shelf = tmp_path / "shelf"
    shelf.mkdir()
    write_rgb(shelf / "red.png", draw.draw_tshirt())
    write_rgb(shelf / "blue.png", draw.draw_tshirt(colour=(40, 60, 200), long_sleeves=True))
    assert run_cli([person, "--garment", shelf, "--category", "upper", "--animate", "sway", "--frames", "3",
                    "-o", tmp_path / "look.mp4"]) == 0
    assert sorted(p.name for p in tmp_path.glob("look*.mp4")) == ["look_blue.mp4", "look_red.mp4"]
    assert built == ["warp"]  # a diffusion model would be loaded once, not once per garment
