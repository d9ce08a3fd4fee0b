"""The `animate` command: outputs, determinism, and one-line errors with exit code 2."""

from __future__ import annotations

import subprocess
import sys

import cv2
import numpy as np
import pytest

from toolkit.cli import main
from toolkit.media.video_reader import iter_video_frames, probe_video


@pytest.fixture
def scene_png(tmp_path, checker_image):
    path = tmp_path / "scene.png"
    cv2.imwrite(str(path), checker_image[..., ::-1])
    return path


def run_cli(args, capsys):
    with pytest.raises(SystemExit) as exit_info:
        main([str(a) for a in args])
    captured = capsys.readouterr()
    return exit_info.value.code, captured.err


def test_click_writes_an_mp4_whose_first_frame_is_the_source(tmp_path, scene_png, checker_image, capsys):
    out = tmp_path / "clip.mp4"
    code, err = run_cli(["click", scene_png, "--point", "128,128", "--prompt", "rise", "--frames", "12", "-o", out],
                        capsys)
    assert code == 0, err
    info = probe_video(out)
    assert (info.width, info.height, info.n_frames) == (256, 256, 12)
    frames = list(iter_video_frames(out))
    assert len(frames) == 12
    assert np.abs(frames[0].astype(int) - checker_image).mean() < 4
    # the disc rises: its top edge in the last frame is above where it started
    yellow_rows = np.flatnonzero(((frames[-1][..., 0] > 200) & (frames[-1][..., 2] < 100)).any(1))
    assert yellow_rows.min() < 128 - 40 - 5


def test_same_seed_gives_identical_frames(tmp_path, scene_png, capsys):
    outputs = []
    for name in ("a", "b"):
        pattern = tmp_path / name / "%03d.png"
        pattern.parent.mkdir()
        code, err = run_cli(["click", scene_png, "--point", "128,128", "--prompt", "flutter", "--frames", "6",
                             "--seed", "7", "-o", pattern], capsys)
        assert code == 0, err
        outputs.append([cv2.imread(str(p)) for p in sorted(pattern.parent.glob("*.png"))])
    assert len(outputs[0]) == 6
    assert all(np.array_equal(x, y) for x, y in zip(*outputs))


def test_contact_sheet_is_written(tmp_path, scene_png, capsys):
    sheet = tmp_path / "sheet.png"
    code, err = run_cli(["click", scene_png, "--point", "128,128", "--frames", "8", "-o", tmp_path / "c.gif",
                         "--contact-sheet", sheet], capsys)
    assert code == 0, err
    image = cv2.imread(str(sheet))
    assert image is not None and image.shape[0] > 100


@pytest.mark.parametrize("args, message", [
    (["--point", "300,10"], "outside the image"),
    (["--point=-1,10"], "outside the image"),
    (["--point", "10"], "bad point"),
    (["--point", "10,10", "--frames", "0"], "--frames"),
    (["--point", "10,10", "--frames", "-3"], "--frames"),
    (["--point", "10,10", "--frames", "x"], "--frames"),
    (["--point", "10,10", "--strength", "3"], "--strength"),
    (["--point", "10,10", "--prompt", "wobble"], "unknown motion word 'wobble'"),
    (["--point", "10,10", "--backbone", "nope"], "invalid choice"),
    (["--point", "10,10", "--drag", "1,2:3"], "bad drag"),
    ([], "needs at least one --point"),
])
def test_bad_options_exit_2_with_one_line(tmp_path, scene_png, capsys, args, message):
    out = tmp_path / "out.mp4"
    code, err = run_cli(["click", scene_png, *args, "-o", out], capsys)
    assert code == 2
    assert message in err
    assert len(err.strip().splitlines()) == 1 and "Traceback" not in err
    assert not out.exists()
    assert list(tmp_path.iterdir()) == [scene_png]


@pytest.mark.parametrize("content", [b"", b"not an image at all", None])
def test_bad_image_files_exit_2(tmp_path, capsys, content, checker_image):
    image = tmp_path / "bad.png"
    if content is not None:
        image.write_bytes(content)
    code, err = run_cli(["click", image, "--point", "1,1", "-o", tmp_path / "o.mp4"], capsys)
    assert code == 2 and len(err.strip().splitlines()) == 1
    assert not (tmp_path / "o.mp4").exists()


def test_truncated_jpeg_exits_2(tmp_path, capsys, checker_image):
    full = tmp_path / "full.jpg"
    cv2.imwrite(str(full), checker_image)
    truncated = tmp_path / "cut.jpg"
    truncated.write_bytes(full.read_bytes()[:2000])
    code, err = run_cli(["click", truncated, "--point", "1,1", "-o", tmp_path / "o.mp4"], capsys)
    assert code == 2 and "cut.jpg" in err


@pytest.mark.parametrize("output, message", [("missing/dir/o.mp4", "does not exist"), ("o.avi", "unsupported output")])
def test_unwritable_or_unsupported_output_exits_2(tmp_path, scene_png, capsys, output, message):
    code, err = run_cli(["click", scene_png, "--point", "5,5", "-o", tmp_path / output], capsys)
    assert code == 2 and message in err


def test_installed_command_reports_errors_without_traceback(tmp_path):
    result = subprocess.run([sys.executable, "-m", "toolkit.cli", "click", str(tmp_path / "nope.png"), "--point",
                             "1,1", "-o", str(tmp_path / "x.mp4")], capture_output=True, text=True)
    assert result.returncode == 2
    assert result.stderr.strip().count("\n") == 0 and "nope.png" in result.stderr


def test_help_lists_modes_and_options():
    result = subprocess.run([sys.executable, "-m", "toolkit.cli", "click", "--help"], capture_output=True, text=True)
    assert result.returncode == 0
    for flag in ("--point", "--prompt", "--drag", "--trajectory", "--mask", "--strength", "--frames", "--fps",
                 "--seed", "--loop", "--max-side", "--sam-checkpoint"):
        assert flag in result.stdout


def test_sam_without_a_checkpoint_says_where_to_put_one(tmp_path, scene_png, capsys, monkeypatch):
    monkeypatch.setenv("TOOLKIT_WEIGHTS_DIR", str(tmp_path / "weights"))
    code, err = run_cli(["click", scene_png, "--point", "5,5", "--segmenter", "sam", "-o", tmp_path / "o.mp4"], capsys)
    assert code == 2 and "sam_vit_b_01ec64.pth" in err and str(tmp_path / "weights") in err


def test_a_corrupt_sam_checkpoint_exits_2(tmp_path, scene_png, capsys):
    checkpoint = tmp_path / "sam_vit_b_01ec64.pth"
    checkpoint.write_bytes(b"not a checkpoint")
    code, err = run_cli(["click", scene_png, "--point", "5,5", "--sam-checkpoint", checkpoint, "-o", tmp_path / "o.mp4"],
                        capsys)
    assert code == 2 and "sam_vit_b_01ec64.pth" in err
    assert not (tmp_path / "o.mp4").exists()


def test_a_failure_mid_render_leaves_no_file_and_exits_1(tmp_path, scene_png, capsys, monkeypatch):
    from toolkit.warp import renderer

    real = renderer.render_frame

    def failing(scene, plan, index, options):
        if index == 3:
            raise RuntimeError("simulated fault")
        return real(scene, plan, index, options)

    monkeypatch.setattr(renderer, "render_frame", failing)
    out = tmp_path / "clip.mp4"
    code, err = run_cli(["click", scene_png, "--point", "128,128", "--frames", "8", "-o", out], capsys)
    assert code == 1
    assert "internal error" in err and "simulated fault" in err and len(err.strip().splitlines()) == 1
    assert sorted(p.name for p in tmp_path.iterdir()) == ["scene.png"]


def test_huge_images_are_refused_with_one_line(tmp_path, scene_png, capsys, monkeypatch):
    from toolkit.media import images

    monkeypatch.setattr(images, "MAX_IMAGE_PIXELS", 10_000)
    code, err = run_cli(["click", scene_png, "--point", "5,5", "-o", tmp_path / "o.mp4"], capsys)
    assert code == 2 and "too large" in err and not (tmp_path / "o.mp4").exists()


def test_large_inputs_are_downscaled_to_max_side_and_points_follow(tmp_path, checker_image, capsys):
    big = tmp_path / "big.png"
    cv2.imwrite(str(big), cv2.resize(checker_image, (1024, 1024), interpolation=cv2.INTER_NEAREST)[..., ::-1])
    out = tmp_path / "o.mp4"
    code, err = run_cli(["click", big, "--point", "512,512", "--prompt", "rise", "--frames", "6", "--max-side", "256",
                         "-o", out], capsys)
    assert code == 0, err
    frames = list(iter_video_frames(out))
    assert frames[0].shape == (256, 256, 3)
    yellow_rows = np.flatnonzero(((frames[-1][..., 0] > 200) & (frames[-1][..., 2] < 100)).any(1))
    assert yellow_rows.min() < 128 - 40 - 5  # the clicked disc (at 512,512 in source pixels) moved
