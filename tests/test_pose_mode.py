"""Pose mode end to end: presets, pose files, driving videos and bad input."""

from __future__ import annotations

import cv2
import numpy as np
import pytest
from skimage import data

from modes.pose import PoseMode, PoseOptions, strays_by_arms, wall_hole
from toolkit.cli import main
from toolkit.media.video_reader import iter_video_frames
from toolkit.metrics import arm_angle_error, arm_detections, arm_following, background_change
from toolkit.motion import skeleton as sk
from toolkit.motion.pose_io import PoseSequence, save_pose_file
from toolkit.motion.presets import PRESETS, raise_one_arm
from toolkit.motion.timing import Timeline
from toolkit.perception.body import detect_body
from toolkit.pipeline import render
from tests.test_skeleton import standing_pose


@pytest.fixture(scope="module")
def astronaut(tmp_path_factory):
    """scikit-image's astronaut: a real half-body photo that ships with a dependency."""
    path = tmp_path_factory.mktemp("pose") / "astronaut.png"
    cv2.imwrite(str(path), data.astronaut()[..., ::-1])
    return path


@pytest.fixture(scope="module")
def astronaut_pose():
    return detect_body(data.astronaut()).points.astype(np.float64)


def run_cli(args, capsys):
    with pytest.raises(SystemExit) as exit_info:
        main([str(a) for a in args])
    return exit_info.value.code, capsys.readouterr().err


@pytest.mark.parametrize("name", sorted(PRESETS))
def test_every_preset_starts_at_the_source_pose_and_loops(name, astronaut_pose):
    poses = PRESETS[name](astronaut_pose, Timeline(40, 25.0, loop=True))
    assert poses.shape == (40, 33, 2)
    assert np.allclose(poses[0], astronaut_pose, atol=1e-3)
    assert np.abs(poses - astronaut_pose).max() > 3.0  # something moves
    step = np.abs(np.diff(poses, axis=0)).max()
    assert np.abs(poses[-1] - poses[0]).max() <= 2.0 * step + 1e-6


def test_raise_one_arm_keeps_the_hand_in_frame(astronaut_pose):
    poses = raise_one_arm(astronaut_pose, "left", 30, (512, 512))
    wrist = poses[:, sk.LEFT_WRIST]
    assert (wrist[:, 1] >= 0.04 * 512 - 1e-6).all() and (wrist[:, 0] <= 0.96 * 512 + 1e-6).all()
    rest = sk.bone_angle(astronaut_pose, sk.LEFT_SHOULDER, sk.LEFT_ELBOW)
    assert rest - sk.bone_angle(poses[15], sk.LEFT_SHOULDER, sk.LEFT_ELBOW) > 0.5  # swung out and up
    assert np.allclose(poses[0], astronaut_pose, atol=1e-3)


@pytest.mark.parametrize("side", ["left", "right"])
def test_raise_one_arm_in_a_tight_frame_bends_the_arm_to_keep_the_hand_in_and_off_the_face(side):
    from tests.test_skeleton import standing_pose

    source = standing_pose()  # arms 155 px long, shoulders 140 px from the top: straight overhead leaves the frame
    width, height = 400, 500
    poses = raise_one_arm(source, side, 40, (width, height))
    hand = [sk.CHAINS[f"{side}_arm"][1], sk.CHAINS[f"{side}_arm"][2], *sk.EXTREMITIES[f"{side}_arm"]]
    points = poses[:, hand]
    assert (points[..., 0] >= 0.04 * width - 1e-6).all() and (points[..., 0] <= 0.96 * width + 1e-6).all()
    assert (points[..., 1] >= 0.04 * height - 1e-6).all()
    head = source[list(sk.HEAD_POINTS)]
    radius = np.linalg.norm(head - head.mean(0), axis=1).max()
    assert (np.linalg.norm(poses[:, sk.CHAINS[f"{side}_arm"][2]] - head.mean(0), axis=-1) > radius).all()
    shoulder_y = source[sk.CHAINS[f"{side}_arm"][0], 1]
    assert poses[20, sk.CHAINS[f"{side}_arm"][2], 1] < shoulder_y - 0.3 * sk.torso_size(source)  # the hand is raised
    assert np.abs(np.diff(poses, axis=0)).max() < 0.4 * sk.torso_size(source)  # and gets there without a flip


def test_a_pose_file_in_the_photos_own_pixels_is_followed_exactly(tmp_path, astronaut, astronaut_pose):
    poses = raise_one_arm(astronaut_pose, "left", 24, (512, 512))
    frames = np.concatenate([poses, np.ones(poses.shape[:2] + (1,))], axis=2)
    pose_file = tmp_path / "raise.json"
    save_pose_file(pose_file, PoseSequence(512, 512, 25.0, frames.astype(np.float32)))
    options = PoseOptions(pose_file=pose_file)
    targets = PoseMode().plan(data.astronaut(), options).extras["target_poses"]
    assert np.abs(targets - poses).max() < 1.0  # relative retargeting onto the same body is the identity
    clip = tmp_path / "out.mp4"
    render("pose", astronaut, clip, options)
    video = list(iter_video_frames(clip))
    assert len(video) == 24
    assert np.abs(video[0].astype(int) - data.astronaut()).mean() < 3
    moved = np.abs(video[12].astype(int) - video[0]).max(axis=2) > 40
    elbow = targets[12][sk.LEFT_ELBOW].astype(int)
    assert moved[elbow[1] - 15:elbow[1] + 15, elbow[0] - 15:elbow[0] + 15].mean() > 0.3  # the arm arrived
    assert background_change(video, data.astronaut(), targets) <= 2.0


@pytest.mark.parametrize("args, message", [
    (["--preset", "moonwalk"], "invalid choice"),
    ([], "exactly one of"),
    (["--preset", "wave", "--retarget", "sideways"], "invalid choice"),
])
def test_bad_pose_options_exit_2(tmp_path, astronaut, capsys, args, message):
    code, err = run_cli(["pose", astronaut, *args, "-o", tmp_path / "o.mp4"], capsys)
    assert code == 2 and message in err and len(err.strip().splitlines()) == 1
    assert not (tmp_path / "o.mp4").exists()


def test_no_person_in_the_image_exits_2(tmp_path, capsys):
    empty = tmp_path / "wall.png"
    cv2.imwrite(str(empty), np.full((256, 256, 3), 180, np.uint8))
    code, err = run_cli(["pose", empty, "--preset", "wave", "-o", tmp_path / "o.mp4"], capsys)
    assert code == 2 and "no person found" in err
    assert not (tmp_path / "o.mp4").exists()


@pytest.mark.parametrize("content", ['{"format": "openpose99", "width": 10, "height": 10, "fps": 25, "frames": [[]]}',
                                     '{"format": "mediapipe33", "width": 10, "height": 10, "fps": 25, "frames": []}',
                                     "not json"])
def test_bad_pose_files_exit_2(tmp_path, astronaut, capsys, content):
    pose_file = tmp_path / "p.json"
    pose_file.write_text(content)
    code, err = run_cli(["pose", astronaut, "--pose-file", pose_file, "-o", tmp_path / "o.mp4"], capsys)
    assert code == 2 and "p.json" in err and not (tmp_path / "o.mp4").exists()


def test_a_driving_video_without_a_person_exits_2(tmp_path, astronaut, capsys):
    from toolkit.media.video_writer import VideoWriter

    video = tmp_path / "empty.mp4"
    with VideoWriter(video, 25.0, (128, 128)) as writer:
        for i in range(6):
            writer.write(np.full((128, 128, 3), 40 * i, np.uint8))
    code, err = run_cli(["pose", astronaut, "--driving", video, "-o", tmp_path / "o.mp4"], capsys)
    assert code == 2 and "no person found" in err
    code, err = run_cli(["pose", "--export-pose", video, "-o", tmp_path / "poses.json"], capsys)
    assert code == 2 and "no person found" in err and not (tmp_path / "poses.json").exists()


@pytest.mark.assets
@pytest.mark.parametrize("side", ["left", "right"])
def test_real_person_follows_a_raised_arm(assets, tmp_path, side):
    image = assets / "pose" / "model_01008.jpg"
    rgb = cv2.imread(str(image))[..., ::-1].copy()
    source = detect_body(rgb).points.astype(np.float64)
    poses = raise_one_arm(source, side, 32, (rgb.shape[1], rgb.shape[0]))
    frames = np.concatenate([poses, np.ones(poses.shape[:2] + (1,))], axis=2).astype(np.float32)
    pose_file = tmp_path / "raise.json"
    save_pose_file(pose_file, PoseSequence(rgb.shape[1], rgb.shape[0], 25.0, frames))
    options = PoseOptions(pose_file=pose_file)
    targets = PoseMode().plan(rgb, options).extras["target_poses"]
    clip = tmp_path / "out.mp4"
    render("pose", image, clip, options)
    video = list(iter_video_frames(clip))
    following = arm_angle_error(video, targets, side)
    assert following.error_deg <= 15.0 and following.missed <= 2 and following.missed_video_mode <= 2
    assert background_change(video, rgb, targets) <= 2.0


@pytest.mark.assets
def test_real_driving_clip_is_followed(assets, tmp_path):
    image = assets / "pose" / "model_01008.jpg"
    options = PoseOptions(driving=assets / "pose" / "driving_upper1.mp4", frames=40)
    rgb = cv2.imread(str(image))[..., ::-1].copy()
    targets = PoseMode().plan(rgb, options).extras["target_poses"]
    clip = tmp_path / "driven.mp4"
    render("pose", image, clip, options)
    video = list(iter_video_frames(clip))
    assert len(video) == 40
    detections = arm_detections(video)  # one detection pass serves both arms
    for side in ("left", "right"):
        following = arm_following(detections, targets, side)
        assert following.error_deg <= 20.0 and following.missed <= 2 and following.missed_video_mode <= 2


def test_no_person_error_is_one_line_even_with_native_logs(tmp_path):
    import subprocess
    import sys

    empty = tmp_path / "wall.png"
    cv2.imwrite(str(empty), np.full((128, 128, 3), 90, np.uint8))
    result = subprocess.run([sys.executable, "-m", "toolkit.cli", "pose", str(empty), "--preset", "nod", "-o",
                             str(tmp_path / "o.mp4")], capture_output=True, text=True)
    assert result.returncode == 2
    assert result.stderr.strip().splitlines() == ["animate: error: no person found in 'wall.png'"]


def test_the_sleeve_under_hair_is_painted_in_the_sleeves_colour_and_nothing_else_changes():
    from modes.pose import hair_in_front, sleeve_under_hair

    texture = np.zeros((60, 80, 3), np.uint8)
    texture[:, :] = (60, 40, 30)  # hair everywhere
    visible = np.zeros((60, 80), bool)
    visible[10:50, 10:30] = True  # the strip of sleeve the hair leaves showing
    texture[visible] = (230, 225, 220)
    hidden = np.zeros((60, 80), bool)
    hidden[10:50, 30:45] = True  # the stretch the hair hides
    out = sleeve_under_hair(texture, visible, hidden, margin=3)
    assert np.abs(out[hidden].astype(int) - (230, 225, 220)).max() <= 1
    assert np.abs(out[20:40, 45:48].astype(int) - (230, 225, 220)).max() <= 1  # the margin past it
    assert np.array_equal(out[visible], texture[visible]) and np.array_equal(out[:, 50:], texture[:, 50:])
    body = ~visible
    front = hair_in_front(body, {"left_arm": hidden, "right_arm": np.zeros_like(hidden)}, 3) > 0.5
    assert front[hidden].all() and front[20:40, 45:48].all() and not front[visible].any() and not front[:, 50:].any()


def test_the_sleeve_under_hair_carries_the_folds_of_the_sleeve_seen_not_the_hair():
    from modes.pose import sleeve_under_hair

    yy, xx = np.mgrid[:80, :130]
    texture = np.zeros((80, 130, 3), np.uint8)
    texture[:] = (60, 40, 30)  # hair everywhere
    visible = np.zeros((80, 130), bool)
    visible[5:75, 5:75] = True  # the sleeve seen, with folds: light and shaded bands
    folds = (200 + 40 * np.sin(yy / 2.5))[..., None] * np.array([1.0, 0.97, 0.95])
    texture[visible] = np.round(folds[visible]).astype(np.uint8)
    for row in range(10, 70, 12):
        texture[row:row + 5, 8:14] = (30, 30, 200)  # blue buttons down the far side of the sleeve (a cuff)
    hidden = np.zeros((80, 130), bool)
    hidden[10:70, 75:100] = True  # the stretch the hair hides
    for seed in range(4):
        out = sleeve_under_hair(texture, visible, hidden, margin=3, seed=seed)
        inside = cv2.erode(hidden.astype(np.uint8), np.ones((7, 7), np.uint8)).astype(bool)
        grey = out.astype(np.float32).mean(-1)
        assert grey[inside].min() > 120  # sleeve, not hair
        assert np.abs(np.diff(grey, axis=0))[inside[1:]].mean() > 5  # folds, not a flat blur
        contrast = np.abs(np.diff(grey[10:70], axis=0)).mean(axis=0)
        assert contrast[66:78].min() > 6  # folds across the seam too, no flat band between sleeve and paint
        blue = out[..., 2].astype(int) - out[..., 0].astype(int)
        assert blue[hidden].max() < 10  # the buttons, far from the stretch, are not copied into it
        assert np.array_equal(out[:, :68], texture[:, :68])  # the sleeve seen, beyond its seam with the paint
        assert np.array_equal(out[:, 110:], texture[:, 110:])


def test_a_bit_of_sleeve_the_silhouette_missed_is_painted_out_of_the_wall_not_one_by_the_torso():
    joints = standing_pose()
    image = np.full((500, 400, 3), 200, np.uint8)
    silhouette = np.zeros((500, 400), np.float32)
    cv2.rectangle(silhouette, (165, 140), (235, 450), 1.0, -1)  # the torso and legs
    arm = np.zeros((500, 400), np.float32)
    cv2.line(arm, (150, 150), (145, 270), 1.0, 14)  # the right arm, beside the torso with wall between
    silhouette = np.maximum(silhouette, arm)
    image[silhouette > 0.5] = (60, 60, 120)
    image[200:205, 137:141] = (20, 20, 20)  # a button on the sleeve's outer edge, outside the silhouette
    image[300:305, 236:240] = (20, 20, 20)  # a speck by the torso's edge, far from any arm
    labels = {"right_arm": arm, "left_arm": np.zeros_like(arm)}
    strays = strays_by_arms(image, silhouette, labels, joints)
    assert strays[200:205, 137:141].all()
    assert not strays[295:310, 230:245].any()
    assert not strays[silhouette > 0.5].any()
    assert strays.sum() < 100  # the wall itself stays


def test_the_wall_hole_takes_the_strays_and_the_rims_cleaning_took_off_an_arm_with_a_margin():
    strays = np.zeros((60, 80), bool)
    strays[10:14, 10:14] = True  # a button the silhouette missed
    taken_off = np.zeros((60, 80), bool)
    taken_off[20:50, 40:44] = True  # an arm's rim its edge cleaning gave to no part
    hole = wall_hole(strays, taken_off, 3)
    assert hole[10:14, 10:14].all() and hole[20:50, 40:44].all()
    assert hole[7:17, 11].all() and hole[12, 7:17].all()  # 3 px round them: their soft rim and shadow
    assert hole[35, 37:47].all() and not hole[35, 35] and not hole[35, 48]
    assert not hole[:, 55:].any() and not hole[:5].any()  # the wall further off stays
    assert np.array_equal(wall_hole(strays, taken_off, 0), strays | taken_off)


def test_a_driving_file_is_read_once_while_it_is_unchanged(tmp_path, monkeypatch):
    import toolkit.motion.pose_io as pose_io
    from modes.pose import _read_driver, driver_joints

    pose_file = tmp_path / "poses.json"
    frames = np.tile(standing_pose()[None], (3, 1, 1))
    save_pose_file(pose_file, PoseSequence(400, 500, 25.0, np.dstack([frames, np.ones(frames.shape[:2])])))
    reads = []
    real = pose_io.load_pose_file
    monkeypatch.setattr(pose_io, "load_pose_file", lambda path: reads.append(path) or real(path))
    _read_driver.cache_clear()
    first, _ = driver_joints(PoseOptions(pose_file=pose_file))
    again, _ = driver_joints(PoseOptions(pose_file=pose_file))
    assert len(reads) == 1 and again is first and not first.flags.writeable
    save_pose_file(pose_file, PoseSequence(400, 500, 25.0, np.dstack([frames[:2], np.ones((2, 33))])))
    changed, _ = driver_joints(PoseOptions(pose_file=pose_file))
    assert len(reads) == 2 and len(changed) == 2  # a rewritten file is read again


def test_arm_following_counts_what_each_way_of_detecting_misses(monkeypatch):
    import toolkit.perception.body as body_module
    from toolkit.perception.body import BodyPose

    pose = np.zeros((33, 2), np.float32)
    pose[[12, 14, 16]] = [[50.0, 50.0], [50.0, 80.0], [50.0, 110.0]]  # the right arm hanging straight down
    found = BodyPose(pose, np.ones(33, np.float32))
    # frame 3 is missed by every look; the first look also misses frames 0 and 2
    looks = iter([(None, found), (found, found), (None, found), (None, None)])

    class Tracker:  # video mode: misses frames 1, 2 and 3; must see the frames in order, then be closed
        def __init__(self):
            self.order, self.closed = [], False

        def track(self, frame):
            self.order.append(int(frame[0, 0, 0]))
            return found if frame[0, 0, 0] == 0 else None

        def __enter__(self):
            return self

        def __exit__(self, *exc):
            self.closed = True

    tracker = Tracker()
    monkeypatch.setattr(body_module, "detect_each", lambda frames: (next(looks) for _ in frames))
    monkeypatch.setattr(body_module, "BodyTracker", lambda: tracker)
    tilted = pose.astype(np.float64).copy()
    tilted[16] = [80.0, 110.0]  # the target's forearm 45 degrees out
    frames = iter([np.full((4, 4, 3), i, np.uint8) for i in range(4)])  # a one-pass iterator will do
    following = arm_angle_error(frames, np.stack([tilted] * 4), "right")
    assert (following.missed, following.missed_first_look, following.missed_video_mode) == (1, 3, 3)
    assert following.error_deg == pytest.approx(45.0 / 2)  # upper arm exact, forearm 45 degrees, in 3 frames
    assert tracker.order == [0, 1, 2, 3] and tracker.closed


def test_what_the_arms_uncover_is_quilted_from_the_clothes_not_from_the_arms():
    from modes.pose import torso_behind_arms
    from toolkit.imaging.masks import convex_polygon_mask

    source = standing_pose()
    source[sk.LEFT_ELBOW], source[sk.LEFT_WRIST] = (252, 215), (196, 252)  # the left forearm across the belly
    source[[17, 19, 21]] = (188, 258)
    rng = np.random.default_rng(3)
    image = np.full((500, 400, 3), 236, np.uint8)
    cloth = convex_polygon_mask((500, 400), sk.torso_quad(source)).astype(bool)
    image[cloth] = rng.integers(90, 150, (int(cloth.sum()), 1)).astype(np.uint8)  # grey woven cloth
    arm = np.zeros((500, 400), np.uint8)
    for a, b in ((sk.LEFT_SHOULDER, sk.LEFT_ELBOW), (sk.LEFT_ELBOW, sk.LEFT_WRIST)):
        cv2.line(arm, tuple(int(v) for v in source[a]), tuple(int(v) for v in source[b]), 1, 22)
    arm = arm.astype(bool)
    sleeve = rng.integers(90, 150, (int(arm.sum()), 1)).astype(np.uint8).repeat(3, axis=1)
    sleeve[rng.random(len(sleeve)) < 0.15] = (220, 20, 30)  # the same weave, sown with red beads
    image[arm] = sleeve
    labels = {"body": (cloth & ~arm).astype(np.float32), "legs": np.zeros((500, 400), np.float32),
              "left_arm": arm.astype(np.float32), "right_arm": np.zeros((500, 400), np.float32)}
    texture, body, _ = torso_behind_arms(image, labels, source, seed=0)
    forearm = np.zeros((500, 400), np.uint8)
    cv2.line(forearm, tuple(int(v) for v in source[sk.LEFT_ELBOW]), tuple(int(v) for v in source[sk.LEFT_WRIST]), 1, 22)
    uncovered = arm & cloth
    beads = (texture[..., 0].astype(int) - texture[..., 1] > 80)
    assert (body[uncovered & forearm.astype(bool)] > 0.5).mean() > 0.9  # the body reaches under the forearm
    assert beads[uncovered].sum() == 0  # and what is painted there has none of the sleeve's beads


def test_what_is_painted_beside_the_clothes_leaves_the_body_but_what_is_in_front_stays():
    from modes.pose import beside_the_clothes

    image = np.full((120, 100, 3), 240, np.uint8)
    image[:60, 20:80] = (250, 250, 250)  # a white top
    image[60:, 30:70] = (40, 60, 160)  # blue trousers
    seen = np.zeros((120, 100), bool)
    seen[:60, 20:80] = True
    seen[60:, 30:70] = True
    under_forearm = np.zeros_like(seen)
    under_forearm[20:40, 25:75] = True  # a forearm across the top hides its middle rows; the top's sides show
    by_the_hip = np.zeros_like(seen)
    by_the_hip[60:90, 30:36] = True  # a hanging hand hides the trousers' edge from the top down
    candidates = under_forearm | by_the_hip
    seen &= ~candidates
    beside = beside_the_clothes(image, seen, candidates, reach=40)
    assert not beside[under_forearm].any()  # in front of the top
    assert beside[by_the_hip].all()  # beside the trousers: above is the top, below the trousers
    white = image.copy()
    white[60:, 30:70] = (250, 250, 250)  # white trousers under the white top read as one garment
    assert not beside_the_clothes(white, seen, candidates, reach=40)[by_the_hip].any()
    slack = np.where(np.arange(120) < 80, np.inf, 0.0)  # none beside above row 80 (the armpits, say)
    beside = beside_the_clothes(image, seen, candidates, 40, slack)
    assert not beside[60:80].any() and beside[80:90, 30:36].all()


def test_a_forearm_across_the_waist_leaves_the_body_whole_between_a_white_top_and_blue_trousers():
    from modes.pose import torso_behind_arms
    from toolkit.imaging.masks import convex_polygon_mask

    source = standing_pose()
    source[sk.LEFT_ELBOW], source[sk.LEFT_WRIST] = (262, 262), (150, 270)  # the left forearm across the waist
    source[[17, 19, 21]] = (140, 272)
    torso = convex_polygon_mask((500, 400), np.array([[150, 140], [250, 140], [245, 300], [155, 300]]))
    legs = np.zeros((500, 400), bool)
    legs[300:460, 160:240] = True
    image = np.full((500, 400, 3), 236, np.uint8)
    image[torso] = (250, 250, 248)  # a white top
    image[legs | (torso & (np.arange(500)[:, None] >= 268))] = (40, 60, 160)  # blue trousers from the waist
    arm = np.zeros((500, 400), np.uint8)
    for a, b in ((sk.LEFT_SHOULDER, sk.LEFT_ELBOW), (sk.LEFT_ELBOW, sk.LEFT_WRIST)):
        cv2.line(arm, tuple(int(v) for v in source[a]), tuple(int(v) for v in source[b]), 1, 24)
    arm = arm.astype(bool)
    image[arm] = (200, 150, 120)
    labels = {"body": (torso & ~arm).astype(np.float32), "legs": (legs & ~arm).astype(np.float32),
              "left_arm": arm.astype(np.float32), "right_arm": np.zeros((500, 400), np.float32)}
    _, body, beside = torso_behind_arms(image, labels, source, seed=0)
    waist = np.zeros((500, 400), bool)
    waist[250:290, 160:240] = True
    middle = np.zeros((500, 400), bool)
    middle[250:290, 180:220] = True  # within the hips' landmarks, where the painted body reaches
    assert not beside[waist].any() and (body[middle & torso] > 0.5).all()


def test_the_torso_painted_by_a_gap_of_wall_under_the_arm_keeps_the_clothes_colour():
    from modes.pose import torso_behind_arms
    from toolkit.imaging.masks import convex_polygon_mask

    source = standing_pose()
    image = np.full((500, 400, 3), 240, np.uint8)  # a white wall
    torso = convex_polygon_mask((500, 400), np.array([[150, 140], [250, 140], [245, 300], [155, 300]]))
    gap = convex_polygon_mask((500, 400), np.array([[236, 300], [242, 250], [248, 300]]))  # wall by the waist
    image[torso & ~gap] = (30, 30, 34)  # a black top
    arm = np.zeros((500, 400), np.uint8)
    for a, b in ((sk.LEFT_SHOULDER, sk.LEFT_ELBOW), (sk.LEFT_ELBOW, sk.LEFT_WRIST)):
        cv2.line(arm, tuple(int(v) for v in source[a]), tuple(int(v) for v in source[b]), 1, 20)
    arm = arm.astype(bool)
    image[arm] = (20, 20, 24)  # a black sleeve
    person = (torso & ~gap) | arm
    labels = {"body": (person & ~arm).astype(np.float32), "legs": np.zeros((500, 400), np.float32),
              "left_arm": arm.astype(np.float32), "right_arm": np.zeros((500, 400), np.float32)}
    texture, body, beside = torso_behind_arms(image, labels, source, seed=0)
    painted = np.any(texture != image, axis=2) & (body > 0.5) & ~beside
    assert painted[200:300].any()
    assert texture[painted].max() < 120  # no white of the wall carried into the top
