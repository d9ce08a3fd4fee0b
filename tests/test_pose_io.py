"""Pose files: our JSON, COCO-18 / BODY_25 conversion, OpenPose folders, validation, video export."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pytest

from toolkit.errors import InputError
from toolkit.motion.pose_io import PoseSequence, export_video_poses, load_pose_file, save_pose_file

# A front-facing COCO-18 person (x, y) on a 400 x 600 canvas: the person's left is the image's right.
COCO = np.array(
    [
        (200, 80),  # 0 nose
        (200, 140),  # 1 neck
        (160, 140), (150, 210), (145, 275),  # 2-4 right shoulder, elbow, wrist
        (240, 140), (250, 210), (255, 275),  # 5-7 left shoulder, elbow, wrist
        (175, 280), (172, 370), (170, 455),  # 8-10 right hip, knee, ankle
        (225, 280), (228, 370), (230, 455),  # 11-13 left hip, knee, ankle
        (190, 70), (210, 70),  # 14-15 right eye, left eye
        (180, 75), (220, 75),  # 16-17 right ear, left ear
    ],
    dtype=float,
)  # fmt: skip

# MediaPipe index -> COCO index for the limbs and torso.
EXPECTED = {11: 5, 12: 2, 13: 6, 14: 3, 15: 7, 16: 4, 23: 11, 24: 8, 25: 12, 26: 9, 27: 13, 28: 10, 0: 0, 2: 15, 5: 14}


def coco_frame(visibility: float = 0.9, shift: float = 0.0) -> list[list[float]]:
    return [[x + shift, y, visibility] for x, y in COCO]


def write(path: Path, data) -> Path:
    path.write_text(json.dumps(data) if not isinstance(data, str) else data)
    return path


def openpose_doc(points: list[list[float]] | None, **extra) -> dict:
    people = [] if points is None else [{"pose_keypoints_2d": [v for p in points for v in p]}]
    return {"version": 1.3, "people": people, **extra}


def test_round_trip(tmp_path):
    rng = np.random.default_rng(0)
    frames = np.concatenate([rng.uniform(0, 500, (4, 33, 2)), rng.uniform(0, 1, (4, 33, 1))], axis=2)
    seq = PoseSequence(width=640, height=480, fps=29.97, frames=frames)
    target = tmp_path / "walk.json"
    save_pose_file(target, seq)
    assert [p.name for p in tmp_path.iterdir()] == ["walk.json"]  # no temporary file left behind
    assert json.loads(target.read_text())["format"] == "mediapipe33"
    back = load_pose_file(target)
    assert (back.width, back.height, back.fps) == (640, 480, 29.97)
    assert back.frames.dtype == np.float32 and back.frames.shape == (4, 33, 3)
    np.testing.assert_allclose(back.frames, frames, atol=0.006)


def test_save_into_a_missing_folder_is_an_input_error(tmp_path):
    seq = PoseSequence(width=4, height=4, fps=25, frames=np.zeros((1, 33, 3)))
    with pytest.raises(InputError, match="folder does not exist"):
        save_pose_file(tmp_path / "nope" / "x.json", seq)


def test_coco18_maps_limbs_to_mediapipe_indices(tmp_path):
    frames = [coco_frame(0.9), coco_frame(0.8, 5.0)]
    doc = {"format": "coco18", "width": 400, "height": 600, "fps": 25, "frames": frames}
    seq = load_pose_file(write(tmp_path / "coco.json", doc))
    assert seq.frames.shape == (2, 33, 3)
    for mp_index, coco_index in EXPECTED.items():
        np.testing.assert_allclose(seq.frames[0, mp_index, :2], COCO[coco_index], err_msg=f"mediapipe {mp_index}")
    np.testing.assert_allclose(seq.frames[1, 11, :2], COCO[5] + [5, 0])
    first = seq.frames[0]
    assert first[11, 0] > first[12, 0]  # front-facing: the person's left shoulder on the image's right
    # estimated points: hands beyond the wrists, feet below the ankles, mouth between nose and neck
    for wrist, elbow, hand in ((15, 13, (17, 19, 21)), (16, 14, (18, 20, 22))):
        forearm = np.linalg.norm(first[wrist, :2] - first[elbow, :2])
        for h in hand:
            assert forearm < np.linalg.norm(first[h, :2] - first[elbow, :2]) < 1.5 * forearm
    for ankle, heel, toe in ((27, 29, 31), (28, 30, 32)):
        assert first[ankle, 1] < first[heel, 1] < first[toe, 1]
    assert COCO[0, 1] < first[9, 1] < COCO[1, 1] and first[9, 0] > first[10, 0]
    assert first[1, 0] < first[2, 0] < first[3, 0]  # left eye inner, centre, outer run outwards
    np.testing.assert_allclose(seq.frames[:, :, 2], np.array([[0.9], [0.8]]).repeat(33, axis=1), atol=1e-6)


def test_coco18_estimated_points_take_the_lowest_source_visibility(tmp_path):
    frame = coco_frame(0.9)
    frame[7][2] = 0.2  # left wrist barely seen
    doc = {"format": "coco18", "width": 400, "height": 600, "fps": 25, "frames": [frame]}
    seq = load_pose_file(write(tmp_path / "c.json", doc))
    np.testing.assert_allclose(seq.frames[0, [15, 17, 19, 21], 2], 0.2)
    np.testing.assert_allclose(seq.frames[0, [16, 18, 20, 22], 2], 0.9)


def test_openpose_folder_with_a_frame_without_people(tmp_path):
    folder = tmp_path / "poses"
    folder.mkdir()
    canvas = {"canvas_width": 512, "canvas_height": 768}
    write(folder / "clip_000000000002_keypoints.json", openpose_doc(coco_frame(0.9, 10.0), **canvas))
    write(folder / "clip_000000000000_keypoints.json", openpose_doc(coco_frame(0.9), **canvas))
    write(folder / "clip_000000000001_keypoints.json", openpose_doc(None, **canvas))
    write(folder / "notes.txt", "not a pose")
    seq = load_pose_file(folder)
    assert (seq.width, seq.height, seq.fps) == (512, 768, 25.0)
    assert seq.frames.shape == (3, 33, 3)
    np.testing.assert_allclose(seq.frames[0, 11, :2], COCO[5])
    assert (seq.frames[1, :, 2] == 0).all()
    np.testing.assert_allclose(seq.frames[2, 11, :2], COCO[5] + [10, 0])


def test_openpose_folder_natural_order_and_inferred_canvas(tmp_path):
    for i in (10, 2, 1):
        write(tmp_path / f"frame_{i}.json", openpose_doc(coco_frame(0.9, float(i))))
    seq = load_pose_file(tmp_path, default_fps=30.0)
    assert seq.fps == 30.0
    assert [round(float(seq.frames[t, 0, 0] - COCO[0, 0])) for t in range(3)] == [1, 2, 10]
    assert seq.width == int(np.ceil(COCO[:, 0].max() + 10)) + 1
    assert seq.height == int(np.ceil(COCO[:, 1].max())) + 1


def test_openpose_body25_uses_its_feet(tmp_path):
    body25 = np.zeros((25, 3))
    coco_to_b25 = [0, 1, 2, 3, 4, 5, 6, 7, 9, 10, 11, 12, 13, 14, 15, 16, 17, 18]
    body25[coco_to_b25, :2] = COCO
    body25[:19, 2] = 0.9
    body25[8] = (200, 280, 0.9)  # mid hip
    body25[21] = (231, 470, 0.8)  # left heel
    body25[19] = (236, 480, 0.7)  # left big toe
    write(tmp_path / "f0.json", openpose_doc(body25.tolist(), canvas_width=400, canvas_height=600))
    seq = load_pose_file(tmp_path)
    np.testing.assert_allclose(seq.frames[0, 29], (231, 470, 0.8), atol=1e-5)
    np.testing.assert_allclose(seq.frames[0, 31], (236, 480, 0.7), atol=1e-5)
    np.testing.assert_allclose(seq.frames[0, 23, :2], COCO[11])
    assert seq.frames[0, 30, 1] > COCO[10, 1]  # right heel, absent from the file, estimated from the shin


def test_normalised_openpose_coordinates_are_scaled_by_the_canvas(tmp_path):
    points = [[x / 400, y / 600, 0.9] for x, y in COCO]
    write(tmp_path / "0.json", openpose_doc(points, canvas_width=400, canvas_height=600))
    seq = load_pose_file(tmp_path)
    np.testing.assert_allclose(seq.frames[0, 11, :2], COCO[5], atol=1e-3)


GOOD = {"format": "mediapipe33", "width": 64, "height": 48, "fps": 25, "frames": [[[1, 2, 0.5]] * 33]}


@pytest.mark.parametrize(
    "content, message",
    [
        ("{not json", "not valid JSON"),
        ("", "empty"),
        ([1, 2, 3], "expected a JSON object"),
        ({**GOOD, "format": "smpl"}, "unknown format 'smpl'; known formats are mediapipe33, coco18"),
        ({k: v for k, v in GOOD.items() if k != "fps"}, "missing key"),
        ({**GOOD, "frames": []}, "'frames' must be a non-empty list"),
        ({**GOOD, "frames": [[[1, 2, 0.5]] * 32]}, "frame 0 has 32 points; expected 33"),
        ({**GOOD, "format": "coco18"}, "frame 0 has 33 points; expected 18"),
        ({**GOOD, "frames": [[[1, 2, 0.5]] * 32 + [["a", 2, 1]]]}, "not a number"),
        ({**GOOD, "frames": [[[1, 2, 0.5]] * 32 + [[True, 2, 1]]]}, "not a number"),
        ({**GOOD, "frames": [[[1, 2, 0.5]] * 32 + [[1, 2, 3, 4]]]}, "point 32"),
        ('{"format": "mediapipe33", "width": 64, "height": 48, "fps": 25, "frames": [[[NaN, 1, 1]]]}', "frame 0"),
        ({**GOOD, "width": 0}, "'width' must be a positive whole number"),
        ({**GOOD, "height": -3}, "'height' must be a positive"),
        ({**GOOD, "width": 10.5}, "'width' must be a positive whole number"),
        ({**GOOD, "fps": 0}, "'fps' must be a positive number"),
        ({**GOOD, "fps": "25"}, "'fps' must be a positive number"),
        ({"people": [{"pose_keypoints_2d": [1, 2, 3, 4]}]}, "expected 54 (COCO-18) or 75 (BODY_25)"),
    ],
)
def test_malformed_pose_files_are_input_errors_naming_the_file(tmp_path, content, message):
    path = write(tmp_path / "bad_pose.json", content)
    with pytest.raises(InputError) as caught:
        load_pose_file(path)
    text = str(caught.value)
    assert "bad_pose.json" in text and message in text
    assert "\n" not in text


def test_nan_in_a_complete_frame_is_rejected(tmp_path):
    frame = ", ".join(["[1, 2, 1]"] * 32 + ["[NaN, 2, 1]"])
    text = f'{{"format": "mediapipe33", "width": 4, "height": 4, "fps": 25, "frames": [[{frame}]]}}'
    path = write(tmp_path / "nan.json", text)
    with pytest.raises(InputError, match="nan.json.*not a finite number"):
        load_pose_file(path)


def test_missing_file_and_empty_folders_are_input_errors(tmp_path):
    with pytest.raises(InputError, match="missing.json.*does not exist"):
        load_pose_file(tmp_path / "missing.json")
    with pytest.raises(InputError, match="holds no .json files"):
        load_pose_file(tmp_path)
    write(tmp_path / "a.json", openpose_doc(None))
    with pytest.raises(InputError, match="no frame has a person"):
        load_pose_file(tmp_path)


def test_openpose_folder_with_mixed_point_counts_names_the_file(tmp_path):
    write(tmp_path / "0.json", openpose_doc(coco_frame()))
    write(tmp_path / "1.json", openpose_doc(np.zeros((25, 3)).tolist()))
    with pytest.raises(InputError, match=r"1\.json.*25 keypoints"):
        load_pose_file(tmp_path)


def test_export_video_poses_from_a_real_clip(assets):
    seq = export_video_poses(assets / "pose" / "driving_upper1.mp4")
    assert (seq.width, seq.height, seq.fps) == (624, 832, 24.0)
    assert seq.frames.shape == (48, 33, 3)
    shoulders, hips = seq.frames[:, [11, 12]], seq.frames[:, [23, 24]]
    assert (shoulders[..., 1].mean(axis=1) < hips[..., 1].mean(axis=1)).all()
    assert (shoulders[:, 0, 0] > shoulders[:, 1, 0]).all()  # she faces the camera in every frame
    assert np.abs(np.diff(seq.frames[:, 11, :2], axis=0)).max() < 60  # smooth: no jumps


def test_export_from_a_video_without_a_person_names_the_video(tmp_path):
    import imageio_ffmpeg

    clip = tmp_path / "empty_room.mp4"
    writer = imageio_ffmpeg.write_frames(str(clip), (64, 48), fps=10, macro_block_size=1, output_params=["-v", "error"])
    writer.send(None)
    for i in range(6):
        writer.send(np.full((48, 64, 3), 60 + 20 * i, np.uint8).tobytes())
    writer.close()
    with pytest.raises(InputError, match="no person found in the driving video '.*empty_room.mp4'"):
        export_video_poses(clip)
