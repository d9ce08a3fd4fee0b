"""Face landmarks with MediaPipe Face Mesh: index groups, detection, choice, video tracking, measurements."""

from __future__ import annotations

import subprocess
import sys
from itertools import islice, pairwise

import cv2
import numpy as np
import pytest
from PIL import Image
from skimage import data as skdata

from toolkit.errors import InputError
from toolkit.media.video_reader import iter_video_frames
from toolkit.perception import face_landmarks as fl
from toolkit.perception.face import (
    Face,
    choose_faces,
    detect_faces,
    eye_openness,
    face_scale,
    head_pitch,
    head_roll,
    head_yaw,
    iter_video_faces,
    mouth_opening,
    mouth_width,
)


def load_rgb(path) -> np.ndarray:
    with Image.open(path) as im:
        return np.asarray(im.convert("RGB"))


def edges(line, closed: bool) -> set[frozenset[int]]:
    """Undirected edges between consecutive indices (and from the last back to the first if closed)."""
    pairs = list(pairwise(line))
    if closed:
        pairs.append((line[-1], line[0]))
    return {frozenset(pair) for pair in pairs}


def undirected(connections) -> set[frozenset[int]]:
    return {frozenset(pair) for pair in connections}


def vertices(connections) -> set[int]:
    return {index for pair in connections for index in pair}


def signed_area(xy: np.ndarray) -> float:
    """Shoelace area; positive for a loop that runs clockwise on screen (y pointing down)."""
    x, y = xy[:, 0], xy[:, 1]
    return float(np.sum(x * np.roll(y, -1) - np.roll(x, -1) * y) / 2.0)


# --- index groups -------------------------------------------------------------------------------


def test_loops_follow_mediapipe_connections():
    from mediapipe.python.solutions import face_mesh_connections as mpc

    loops = [
        ((fl.LIPS_OUTER, fl.LIPS_INNER), mpc.FACEMESH_LIPS),
        ((fl.LEFT_EYE_LOOP,), mpc.FACEMESH_LEFT_EYE),
        ((fl.RIGHT_EYE_LOOP,), mpc.FACEMESH_RIGHT_EYE),
        ((fl.LEFT_IRIS[1:],), mpc.FACEMESH_LEFT_IRIS),
        ((fl.RIGHT_IRIS[1:],), mpc.FACEMESH_RIGHT_IRIS),
        ((fl.FACE_OVAL,), mpc.FACEMESH_FACE_OVAL),
    ]
    for group, connections in loops:
        for loop in group:
            assert len(set(loop)) == len(loop)
            assert edges(loop, closed=True) <= undirected(connections)
        assert set().union(*group) == vertices(connections)
    lines = [
        ((fl.LEFT_BROW_UPPER, fl.LEFT_BROW_LOWER), mpc.FACEMESH_LEFT_EYEBROW),
        ((fl.RIGHT_BROW_UPPER, fl.RIGHT_BROW_LOWER), mpc.FACEMESH_RIGHT_EYEBROW),
    ]
    for group, connections in lines:
        assert set().union(*(edges(line, closed=False) for line in group)) == undirected(connections)


def test_open_lines_pair_up():
    pairs = [
        (fl.UPPER_LIP_INNER, fl.LOWER_LIP_INNER, fl.LIPS_INNER),
        (fl.UPPER_LIP_OUTER, fl.LOWER_LIP_OUTER, fl.LIPS_OUTER),
        (fl.LEFT_EYE_UPPER, fl.LEFT_EYE_LOWER, fl.LEFT_EYE_LOOP),
        (fl.RIGHT_EYE_UPPER, fl.RIGHT_EYE_LOWER, fl.RIGHT_EYE_LOOP),
    ]
    for upper, lower, loop in pairs:
        assert len(upper) == len(lower)
        assert (upper[0], upper[-1]) == (lower[0], lower[-1])
        assert edges(upper, closed=False) | edges(lower, closed=False) == edges(loop, closed=True)
    assert (fl.UPPER_LIP_OUTER[0], fl.UPPER_LIP_OUTER[-1]) == (fl.MOUTH_RIGHT_OUTER, fl.MOUTH_LEFT_OUTER) == (61, 291)
    assert (fl.UPPER_LIP_INNER[0], fl.UPPER_LIP_INNER[-1]) == (fl.MOUTH_RIGHT_INNER, fl.MOUTH_LEFT_INNER) == (78, 308)
    assert (fl.LEFT_EYE_UPPER[0], fl.LEFT_EYE_UPPER[-1]) == (fl.LEFT_EYE_INNER, fl.LEFT_EYE_OUTER) == (362, 263)
    assert (fl.RIGHT_EYE_UPPER[0], fl.RIGHT_EYE_UPPER[-1]) == (fl.RIGHT_EYE_INNER, fl.RIGHT_EYE_OUTER) == (133, 33)
    assert fl.LEFT_IRIS[0] == 473 and fl.RIGHT_IRIS[0] == 468


def test_jaw_is_the_lower_oval():
    oval = list(fl.FACE_OVAL)
    assert oval[0] == fl.FOREHEAD == 10
    start = oval.index(fl.JAW[-1])
    assert list(fl.JAW) == oval[start : start + len(fl.JAW)][::-1]
    assert (fl.JAW[0], fl.JAW[len(fl.JAW) // 2], fl.JAW[-1]) == (234, fl.CHIN, 454)


def test_landmark_groups_do_not_import_mediapipe():
    code = "import sys, toolkit.perception.face_landmarks; print('mediapipe' in sys.modules)"
    result = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert result.stdout.strip() == "False"


# --- detection on real photos ---------------------------------------------------------------------


@pytest.fixture(scope="module")
def astronaut() -> np.ndarray:
    return skdata.astronaut()


@pytest.fixture(scope="module")
def astronaut_face(astronaut) -> Face:
    faces = detect_faces(astronaut)
    assert len(faces) == 1
    return faces[0]


def check_upright_face(face: Face, shape: tuple[int, ...]) -> None:
    """All landmarks inside the image, eyes above the mouth above the chin, the person's left eye on the image's right."""
    height, width = shape[:2]
    points = face.points
    assert points.shape == (478, 3) and points.dtype == np.float32
    assert (points[:, 0] >= 0).all() and (points[:, 0] < width).all()
    assert (points[:, 1] >= 0).all() and (points[:, 1] < height).all()
    eyes_y = points[[fl.LEFT_EYE_OUTER, fl.RIGHT_EYE_OUTER], 1].max()
    mouth_y = points[list(fl.MOUTH_CORNERS), 1]
    assert eyes_y < mouth_y.min() and mouth_y.max() < points[fl.CHIN, 1]
    assert points[fl.LEFT_EYE_OUTER, 0] > points[fl.LEFT_EYE_INNER, 0] > points[fl.RIGHT_EYE_INNER, 0]
    assert points[fl.LEFT_EYE_INNER, 0] > points[fl.RIGHT_EYE_OUTER, 0]
    assert points[fl.LEFT_IRIS[0], 0] > points[fl.RIGHT_IRIS[0], 0]
    assert points[fl.MOUTH_LEFT_OUTER, 0] > points[fl.MOUTH_RIGHT_OUTER, 0]


def test_astronaut_has_one_upright_face(astronaut, astronaut_face):
    face = astronaut_face
    check_upright_face(face, astronaut.shape)
    x0, y0, x1, y1 = face.box
    assert 60 < x1 - x0 < 160 and 80 < y1 - y0 < 160  # the face is about 90 x 105 px
    assert face.area == pytest.approx((x1 - x0) * (y1 - y0))
    assert x0 < face.center[0] < x1 and y0 < face.center[1] < y1
    assert face.scale == pytest.approx(face_scale(face.points)) and 0.4 * (x1 - x0) < face.scale < x1 - x0


def test_astronaut_groups_have_their_documented_orientation(astronaut_face):
    points = astronaut_face.points
    assert signed_area(points[list(fl.FACE_OVAL), :2]) > 0  # clockwise on screen
    assert signed_area(points[list(fl.LIPS_OUTER), :2]) > 0
    assert points[fl.FACE_OVAL[1], 0] > points[fl.FOREHEAD, 0]  # from the top towards the person's left
    for upper, lower in ((fl.LEFT_BROW_UPPER, fl.LEFT_BROW_LOWER), (fl.RIGHT_BROW_UPPER, fl.RIGHT_BROW_LOWER)):
        assert points[list(upper), 1].mean() < points[list(lower), 1].mean()
    for inner, outer in ((fl.LEFT_BROW_UPPER[0], fl.LEFT_BROW_UPPER[-1]), (fl.RIGHT_BROW_UPPER[0], fl.RIGHT_BROW_UPPER[-1])):
        assert abs(points[inner, 0] - points[fl.NOSE_TIP, 0]) < abs(points[outer, 0] - points[fl.NOSE_TIP, 0])
    assert np.all(np.diff(points[list(fl.UPPER_LIP_INNER), 0]) > 0)  # lips run from the image's left to right
    assert np.all(np.diff(points[list(fl.JAW[:11]), 1]) > -2) and np.all(np.diff(points[list(fl.JAW[10:]), 1]) < 2)


def test_astronaut_measurements_are_those_of_a_calm_frontal_face(astronaut_face):
    points = astronaut_face.points
    left, right = eye_openness(points)
    assert 0.15 < left < 0.4 and 0.15 < right < 0.4
    assert mouth_opening(points) < 0.15  # a closed-lipped smile
    assert 0.4 < mouth_width(points) < 0.9
    assert abs(head_yaw(points)) < 0.15 and abs(head_roll(points)) < 0.15 and abs(head_pitch(points)) < 0.1


def test_a_large_image_gives_the_same_face_in_its_own_pixels(astronaut, astronaut_face):
    big = cv2.resize(astronaut, (2048, 2048), interpolation=cv2.INTER_CUBIC)
    faces = detect_faces(big)
    assert len(faces) == 1
    error = np.linalg.norm(faces[0].points[:, :2] / 4.0 - astronaut_face.points[:, :2], axis=1)
    assert np.median(error) < 0.03 * astronaut_face.scale


def test_a_small_face_in_a_large_image_is_found(astronaut, astronaut_face):
    side, x0, y0 = 240, 1300, 900  # the face becomes about 43 px wide
    canvas = np.full((1500, 2000, 3), 235, np.uint8)
    canvas[y0 : y0 + side, x0 : x0 + side] = cv2.resize(astronaut, (side, side), interpolation=cv2.INTER_AREA)
    faces = detect_faces(canvas)
    assert len(faces) == 1
    check_upright_face(faces[0], canvas.shape)
    expected = astronaut_face.points[:, :2] * (side / 512) + (x0, y0)
    error = np.linalg.norm(faces[0].points[:, :2] - expected, axis=1)
    assert np.median(error) < 0.1 * faces[0].scale


def test_images_without_faces_give_none(checker_image):
    squares = ((np.indices((480, 640)).sum(axis=0) // 40) % 2 * 255).astype(np.uint8)
    for image in (np.full((240, 320, 3), 128, np.uint8), np.repeat(squares[..., None], 3, axis=2), checker_image):
        assert detect_faces(image) == []


def test_bad_images_are_rejected():
    for image in (np.zeros((64, 64), np.uint8), np.zeros((64, 64, 4), np.uint8), np.zeros((64, 64, 3), np.float32)):
        with pytest.raises(ValueError):
            detect_faces(image)
    with pytest.raises(ValueError):
        detect_faces(np.zeros((64, 64, 3), np.uint8), max_faces=0)


# --- the Face record and choosing faces -------------------------------------------------------------


def square_face(x0: float, side: float) -> Face:
    """A stand-in face whose landmarks fill a square (enough for boxes and choices)."""
    points = np.zeros((478, 3), np.float32)
    points[:, :2] = np.linspace(0, 1, 478)[:, None] * side + x0
    return Face(points=points)


def test_face_record():
    face = square_face(10, 20)
    assert face.box == (10, 10, 30, 30) and face.area == 400 and face.center == (20, 20)
    points = np.random.default_rng(0).uniform(0, 100, (478, 3))
    scaled = Face(points=points).scaled(2.0, 0.5)
    np.testing.assert_allclose(scaled.points, points * [2.0, 0.5, 2.0], rtol=1e-6)
    with pytest.raises(ValueError):
        Face(points=np.zeros((468, 3)))


def test_choose_faces():
    small, large, middle = square_face(0, 10), square_face(100, 50), square_face(200, 30)
    faces = [small, large, middle]
    assert choose_faces(faces, "largest", "a.png") == [large]
    assert choose_faces(faces, "all", "a.png") == [large, middle, small]
    assert choose_faces(faces, 1, "a.png") == [middle]
    assert choose_faces(faces, "2", "a.png") == [small]
    with pytest.raises(InputError, match="^no face found in a.png$"):
        choose_faces([], "largest", "a.png")
    with pytest.raises(InputError, match="3 face") as caught:
        choose_faces(faces, 3, "a.png")
    assert "\n" not in str(caught.value)
    for bad in ("biggest", "-1", True, 1.5):
        with pytest.raises(InputError):
            choose_faces(faces, bad, "a.png")


# --- measurements on hand-built landmarks ------------------------------------------------------------


def synthetic_face(mouth_gap=0.0, left_eye_gap=0.12, right_eye_gap=0.12, nose_x=0.0, nose_y=0.5) -> np.ndarray:
    """(478, 2) landmarks in face units (outer eye corners at x = -0.5 and 0.5), only the measured points set."""
    points = np.zeros((478, 2))
    for upper, lower, outer_x, inner_x, gap in (
        (fl.LEFT_EYE_UPPER, fl.LEFT_EYE_LOWER, 0.5, 0.2, left_eye_gap),
        (fl.RIGHT_EYE_UPPER, fl.RIGHT_EYE_LOWER, -0.5, -0.2, right_eye_gap),
    ):
        xs = np.linspace(inner_x, outer_x, len(upper))
        bulge = np.sin(np.linspace(0, np.pi, len(upper)))
        points[list(upper)] = np.stack([xs, -gap / 2 * bulge], axis=1)
        points[list(lower)] = np.stack([xs, gap / 2 * bulge], axis=1)
    xs = np.linspace(-0.25, 0.25, len(fl.UPPER_LIP_INNER))
    bulge = np.sin(np.linspace(0, np.pi, len(xs)))
    points[list(fl.UPPER_LIP_INNER)] = np.stack([xs, 0.9 - mouth_gap / 2 * bulge], axis=1)
    points[list(fl.LOWER_LIP_INNER)] = np.stack([xs, 0.9 + mouth_gap / 2 * bulge], axis=1)
    points[fl.NOSE_TIP] = (nose_x, nose_y)
    points[fl.JAW[0]], points[fl.JAW[-1]] = (-0.8, 0.1), (0.8, 0.1)
    points[fl.FOREHEAD], points[fl.CHIN] = (0.0, -0.6), (0.0, 1.3)
    return points


def placed(points: np.ndarray, roll: float, scale: float = 80.0, offset=(300.0, 200.0)) -> np.ndarray:
    """The face units turned by roll (radians, clockwise on screen), scaled to pixels and moved."""
    c, s = np.cos(roll), np.sin(roll)
    return points @ np.array([[c, s], [-s, c]]) * scale + offset


def test_mouth_opening_and_width():
    closed, open_ = placed(synthetic_face(mouth_gap=0.0), 0.2), placed(synthetic_face(mouth_gap=0.3), 0.2)
    assert mouth_opening(closed) == pytest.approx(0.0, abs=1e-9)
    assert 0.15 < mouth_opening(open_) < 0.3
    assert mouth_width(open_) == pytest.approx(0.5)
    assert face_scale(open_) == pytest.approx(80.0)


def test_eye_openness_is_left_then_right():
    left_closed = placed(synthetic_face(left_eye_gap=0.0, right_eye_gap=0.12), -0.3)
    left, right = eye_openness(left_closed)
    assert left == pytest.approx(0.0, abs=1e-9)
    assert 0.2 < right < 0.4
    assert eye_openness(placed(synthetic_face(), 0.1))[0] == pytest.approx(right)


def test_head_yaw_sign_follows_the_nose_in_any_roll():
    for roll in (0.0, 0.4, -0.6):
        assert head_yaw(placed(synthetic_face(nose_x=0.0), roll)) == pytest.approx(0.0, abs=1e-9)
        towards_left = head_yaw(placed(synthetic_face(nose_x=0.3), roll))
        towards_right = head_yaw(placed(synthetic_face(nose_x=-0.3), roll))
        assert 0.2 < towards_left < 1.0 and towards_right == pytest.approx(-towards_left)


def test_head_roll_and_pitch():
    assert head_roll(placed(synthetic_face(), 0.3)) == pytest.approx(0.3)
    tilted = placed(synthetic_face(), 0.3)
    assert tilted[fl.LEFT_EYE_OUTER, 1] > tilted[fl.RIGHT_EYE_OUTER, 1]  # positive roll: the left eye is lower
    level = head_pitch(placed(synthetic_face(nose_y=0.5), 0.2))
    chin_up = head_pitch(placed(synthetic_face(nose_y=0.35), 0.2))
    chin_down = head_pitch(placed(synthetic_face(nose_y=0.65), 0.2))
    assert chin_down < level < chin_up
    assert head_pitch(placed(synthetic_face(mouth_gap=0.4), 0.2)) == pytest.approx(level)


# --- video --------------------------------------------------------------------------------------------


# --- real inputs ---------------------------------------------------------------------------------------


@pytest.mark.parametrize("name", ["mona_lisa.jpg", "bouguereau_girl.jpg", "cartoon_boy.jpg"])
def test_portraits_have_a_face(assets, name):
    rgb = load_rgb(assets / "portrait" / name)
    faces = detect_faces(rgb)
    assert faces
    face = choose_faces(faces, "largest", name)[0]
    check_upright_face(face, rgb.shape)
    assert face.scale > 0.1 * min(rgb.shape[:2])
    assert all(a.area >= b.area for a, b in pairwise(faces))


def test_driving_video_faces_move_in_the_original_pixels(assets):
    clip = assets / "portrait" / "driving_d0_silent.mp4"  # 512 x 512, tracked at 256 x 256
    faces = list(islice(iter_video_faces(clip, max_side=256), 30))
    assert len(faces) == 30 and all(face is not None for face in faces)
    openings = [mouth_opening(face.points) for face in faces]
    yaws = [head_yaw(face.points) for face in faces]
    assert min(openings) < 0.02 and max(openings) > 0.08  # the mouth opens in the second half
    assert max(yaws) - min(yaws) > 0.01
    still = detect_faces(next(islice(iter_video_frames(clip), 29, None)))[0]
    error = np.linalg.norm(faces[-1].points[:, :2] - still.points[:, :2], axis=1)
    assert np.median(error) < 0.03 * still.scale


def test_driving_video_faces_follow_a_small_turn_as_photos_do(assets):
    """The head in driving_d0_silent.mp4 turns about 2 degrees: each frame's yaw must be found
    as a still photo's is (Face Mesh's video mode, which starts from the last frame, agreed at r 0.13)."""
    clip = assets / "portrait" / "driving_d0_silent.mp4"
    frames = list(iter_video_frames(clip))
    video = [head_yaw(face.points) for face in iter_video_faces(clip)]
    stills = [head_yaw(detect_faces(frame, max_faces=1)[0].points) for frame in frames]
    assert len(video) == len(stills) == 78
    assert np.corrcoef(video, stills)[0, 1] > 0.95
