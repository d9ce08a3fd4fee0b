"""The Gradio demo (`animate demo`) over real HTTP: every endpoint through gradio_client, load,
limits and bad input, the command that serves it, and a real browser on the Click tab.

One demo server (in a background thread, on a free loopback port, with small limits so the
limits can be hit cheaply) serves the whole module. A fake `wobble` mode is registered with it
to show that a mode without a hand-made tab (a plugin's) still gets a tab and an endpoint.
"""

from __future__ import annotations

import contextlib
import os
import shutil
import signal
import socket
import subprocess
import sys
import time
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from pathlib import Path

import httpx
import numpy as np
import pytest

from demos.app import build_app
from demos.drawing import draw_drags, draw_points, draw_skeleton, overlay_masks
from demos.outfit_tab import MAX_GARMENTS, outfit_options
from demos.jobs import GENERIC_ERROR, JobRunner, Workspace, hide_server_paths
from demos.limits import Deadline, JobTooLong
from demos.settings import DemoSettings, parse_size
from demos.textforms import format_drags, format_points, parse_drags, parse_points
from tests.wav_files import write_wav
from toolkit.errors import InputError
from toolkit.examples import bundled_speech, skimage_image
from toolkit.imaging.garment_drawing import DrawnGarment
from toolkit.media.video_reader import probe_video
from toolkit.motion.plan import MotionPlan
from toolkit.options import RenderOptions, option
from toolkit.plugins import load_modes

REPO = Path(__file__).resolve().parents[1]
MAX_FRAMES = 60
MAX_UPLOAD = 1_000_000  # bytes: every example file is smaller, a made-up 1.5 MB one is not
COFFEE = str(skimage_image("coffee.png"))  # 600x400
ASTRONAUT = str(skimage_image("astronaut.png"))  # 512x512
SCREENSHOT = REPO / "out" / "demo" / "click_tab.png"


def free_port() -> int:
    """A TCP port on loopback that nothing listens on right now."""
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


# --------------------------------------------------------------------------- a fake plugin mode


@dataclass
class FakeWobbleOptions(RenderOptions):
    """Options shaped like a try-on mode's: a garment image and its category."""

    garment: Path | None = option(None, help="the garment image", metavar="IMAGE")
    category: str = option("upper", help="which garment", choices=["upper", "lower", "dress"])


class FakeWobbleMode:
    """A stand-in plugin mode: the middle of the photo sways; it checks that a garment was given, and
    breaks with an internal error for category 'lower' (how the tests make one inside a render process)."""

    name = "wobble"
    summary = "wobble the middle of a photo (a test stand-in)"
    options_class = FakeWobbleOptions

    def plan(self, image: np.ndarray, options: FakeWobbleOptions, *, scale: float = 1.0) -> MotionPlan:
        if options.garment is None or not Path(options.garment).is_file():
            raise InputError("wobble mode needs --garment IMAGE")
        if options.category == "lower":
            raise RuntimeError("secret detail from deep inside")
        height, width = image.shape[:2]
        region = np.zeros((1, height, width), np.float32)
        region[0, height // 4: 3 * height // 4, width // 4: 3 * width // 4] = 1.0
        grid = np.stack(np.meshgrid(np.linspace(width / 5, 4 * width / 5, 4),
                                     np.linspace(height / 5, 4 * height / 5, 4)), -1).reshape(-1, 2)
        frames = options.clip_length()
        shift = 4.0 * np.sin(np.linspace(0, 2 * np.pi, frames))
        tracks = grid[:, None, :] + np.stack([shift, np.zeros(frames)], -1)[None]
        return MotionPlan(tracks, np.zeros(len(grid), int), region, options.frame_rate())


# --------------------------------------------------------------------------- the server


@pytest.fixture(scope="module")
def server():
    """A demo on a free loopback port with small limits, serving the installed modes plus the fake plugin."""
    settings = DemoSettings(port=free_port(), max_file_size=MAX_UPLOAD, max_frames=MAX_FRAMES,
                            max_media_seconds=10.0, job_timeout_s=60.0, concurrency=2)
    app = build_app(settings, modes={**load_modes(), "wobble": FakeWobbleMode()})
    url = app.launch(block=False, quiet=True)
    yield app, url
    app.close()
    assert not app.workspace.root.exists()


@pytest.fixture(scope="module")
def client(server):
    from gradio_client import Client

    return Client(server[1], verbose=False)


def upload(path: str | Path):
    from gradio_client import handle_file

    return handle_file(str(path))


def frames_of(path: str) -> int:
    """Frame count of a finished clip, checking it is a real, readable MP4."""
    assert Path(path).suffix == ".mp4" and Path(path).stat().st_size > 1000
    info = probe_video(path)
    assert info.fps == 25.0
    return info.n_frames


def app_error(call) -> str:
    """The message of the error a gradio_client call raises."""
    from gradio_client.exceptions import AppError

    with pytest.raises(AppError) as raised:
        call()
    return str(raised.value)


# --------------------------------------------------------------------------- the API


def test_api_has_one_endpoint_per_mode_with_the_clis_names(client):
    endpoints = client.view_api(return_format="dict", print_info=False)["named_endpoints"]
    assert set(endpoints) == {"/click", "/portrait", "/pose", "/outfit", "/wobble"}  # no UI handlers
    names = {name: [p["parameter_name"] for p in info["parameters"]] for name, info in endpoints.items()}
    assert names["/click"] == ["image", "points", "prompt", "drags", "strength", "frames", "seed", "loop", "backbone"]
    assert names["/pose"][:5] == ["image", "driving", "pose_file", "preset", "retarget"]
    assert {"audio", "driving", "head_motion", "blink_rate", "expression", "lip_scale"} <= set(names["/portrait"])
    assert names["/outfit"] == ["image", "garment", "category", "garment_mask", "person_mask", "animate", "driving",
                                "pose_file", "frames", "seed", "backbone"]
    assert names["/wobble"][:3] == ["image", "garment", "category"]


def test_click_renders_points_and_drags(client):
    clip = client.predict(image=upload(COFFEE), points="280,150", prompt="swirl", frames=6, api_name="/click")
    assert frames_of(clip) == 6
    assert probe_video(clip).width == 600
    dragged = client.predict(image=upload(COFFEE), drags="415,285:470,320", frames=5, seed=3, api_name="/click")
    assert frames_of(dragged) == 5


def test_portrait_talks_with_the_bundled_speech(client):
    clip = client.predict(image=upload(ASTRONAUT), audio=upload(bundled_speech()), frames=8, head_motion=0.5,
                          expression="smile", api_name="/portrait")
    assert frames_of(clip) == 8
    assert probe_video(clip).has_audio


def test_pose_follows_a_preset_a_driving_video_and_a_pose_file(client, tmp_path):
    from toolkit.motion.pose_io import export_video_poses, save_pose_file

    preset = client.predict(image=upload(ASTRONAUT), preset="wave", frames=8, api_name="/pose")
    assert frames_of(preset) == 8
    driven = client.predict(image=upload(ASTRONAUT), driving=upload(preset), api_name="/pose")
    assert frames_of(driven) == 8  # the driver's own length
    pose_file = tmp_path / "wave.json"
    save_pose_file(pose_file, export_video_poses(preset))
    followed = client.predict(image=upload(ASTRONAUT), pose_file=upload(pose_file), frames=6, api_name="/pose")
    assert frames_of(followed) == 6


def read_rgb(path: str) -> np.ndarray:
    import cv2

    return cv2.imread(path, cv2.IMREAD_COLOR)[..., ::-1]


def test_outfit_dresses_in_several_garments_as_stills_and_animates_one(client):
    garments = [os.fspath(DrawnGarment(name)) for name in ("red_tshirt", "dress")]
    stills = client.predict(image=upload(ASTRONAUT), garment=[upload(g) for g in garments], category="auto",
                            api_name="/outfit")
    assert [Path(p).name for p in stills] == ["outfit_astronaut_red_tshirt.png", "outfit_astronaut_dress.png"]
    source = read_rgb(ASTRONAUT).astype(float)
    chest = (slice(400, 470), slice(180, 330))  # the astronaut's white suit below the flag patch
    red, dress = (read_rgb(p).astype(float) for p in stills)
    for dressed in (red, dress):
        assert dressed.shape == source.shape  # the photo's own size
        assert np.abs(dressed[chest] - source[chest]).mean() > 40  # the suit is covered
        assert np.abs(dressed[:60, :80] - source[:60, :80]).mean() < 3  # the background is not
    assert red[chest][..., 0].mean() > red[chest][..., 1].mean() + 60  # the red t-shirt is red
    assert np.abs(red[chest] - dress[chest]).mean() > 30  # and the dress is something else
    clips = client.predict(image=upload(ASTRONAUT), garment=[upload(garments[0])], animate="sway", frames=6,
                           api_name="/outfit")
    assert len(clips) == 1 and frames_of(clips[0]) == 6


def test_outfit_refuses_bad_garments_with_the_clis_messages(client, tmp_path):
    import cv2

    blank = tmp_path / "blank.png"
    cv2.imwrite(str(blank), np.full((200, 200, 3), 255, np.uint8))
    message = app_error(lambda: client.predict(image=upload(ASTRONAUT), garment=[upload(blank)], api_name="/outfit"))
    assert message == "'blank.png': no garment found in the garment image (nothing stands out on its background)"
    none = app_error(lambda: client.predict(image=upload(ASTRONAUT), garment=[], api_name="/outfit"))
    assert none.startswith("no garment: upload a garment photo")
    many = app_error(lambda: client.predict(image=upload(ASTRONAUT), garment=[upload(blank)] * (MAX_GARMENTS + 1),
                                            api_name="/outfit"))
    assert many.startswith(f"the demo dresses at most {MAX_GARMENTS} garments at once, got {MAX_GARMENTS + 1}")


def test_a_mode_without_its_own_tab_gets_one_and_an_endpoint(server, client):
    clip = client.predict(image=upload(COFFEE), garment=upload(ASTRONAUT), category="dress", frames=7,
                          api_name="/wobble")
    assert frames_of(clip) == 7
    message = app_error(lambda: client.predict(image=upload(COFFEE), frames=3, api_name="/wobble"))
    assert message == "wobble mode needs --garment IMAGE"
    assert '"wobble"' in httpx.get(server[1] + "config").text


def tabs_and_endpoints(modes: dict) -> tuple[set[str], set[str]]:
    """The tab ids and public endpoint names of a demo built (not started) for these modes."""
    app = build_app(modes=modes)
    try:
        endpoints = {fn.api_name for fn in app.blocks.fns.values() if fn.api_visibility == "public"}
        tabs = {block.id for block in app.blocks.blocks.values() if type(block).__name__ == "Tab"}
        return tabs, endpoints
    finally:
        app.close()


def test_a_tab_and_an_endpoint_per_registered_mode():
    installed = load_modes()
    assert {"click", "portrait", "pose", "outfit"} <= set(installed)
    without = {name: mode for name, mode in installed.items() if name != "outfit"}
    assert tabs_and_endpoints(without) == (set(without), set(without))
    tabs, endpoints = tabs_and_endpoints(installed)
    assert tabs == endpoints == set(installed)


# --------------------------------------------------------------------------- bad input and errors


def test_bad_input_gets_the_clis_message_without_server_paths(client):
    outside = app_error(lambda: client.predict(image=upload(COFFEE), points="2800,150", api_name="/click"))
    assert outside == "point 2800,150 is outside the image (600x400)"
    not_image = app_error(lambda: client.predict(image=upload(bundled_speech()), points="1,1", api_name="/click"))
    assert not_image.startswith("cannot read image 'speech_hello.ogg'") and "/" not in not_image
    word = app_error(lambda: client.predict(image=upload(COFFEE), points="1,1", prompt="dance", api_name="/click"))
    assert word.startswith("unknown motion word 'dance'") and "known motions: bounce" in word
    point = app_error(lambda: client.predict(image=upload(COFFEE), points="12;x", api_name="/click"))
    assert point == "bad point '12': expected X,Y in pixels, e.g. 320,240"
    nothing = app_error(lambda: client.predict(image=upload(ASTRONAUT), api_name="/pose"))
    assert nothing == "pose mode needs exactly one of --driving VIDEO, --pose-file FILE or --preset NAME"


def test_an_internal_error_shows_a_short_generic_message(client):
    message = app_error(lambda: client.predict(image=upload(COFFEE), garment=upload(COFFEE), category="lower",
                                               api_name="/wobble"))
    assert message == GENERIC_ERROR
    assert "secret" not in message and "Traceback" not in message


def test_clip_and_media_length_limits(client, tmp_path):
    too_many = app_error(lambda: client.predict(image=upload(COFFEE), points="280,150", frames=MAX_FRAMES + 1,
                                                api_name="/click"))
    assert too_many == f"the demo renders at most {MAX_FRAMES} frames, got {MAX_FRAMES + 1}; use the command line " \
                       "for longer clips"
    natural = app_error(lambda: client.predict(image=upload(ASTRONAUT), audio=upload(bundled_speech()),
                                               api_name="/portrait"))
    assert natural.startswith("this clip would be 23") and f"the demo renders at most {MAX_FRAMES}" in natural
    long_audio = write_wav(tmp_path / "long.wav", np.random.default_rng(0).normal(0, 0.01, 12 * 16000))
    too_long = app_error(lambda: client.predict(image=upload(ASTRONAUT), audio=upload(long_audio), frames=5,
                                                api_name="/portrait"))
    assert too_long == "the audio is 12.0 s long; the demo takes at most 10 s (use the command line for longer clips)"


def test_a_render_past_the_time_limit_is_stopped_and_leaves_no_file(tmp_path):
    import multiprocessing
    import threading

    from modes.click import ClickOptions

    settings = DemoSettings(job_timeout_s=0.001)  # past before a frame can be rendered, on any machine
    workspace = Workspace(parent=tmp_path)
    runner = JobRunner(settings, workspace, load_modes())
    children = set(multiprocessing.active_children())
    outcome: list[BaseException] = []

    def job() -> None:
        try:
            runner.render("click", COFFEE, ClickOptions(points=[(280, 150)], frames=300))
        except BaseException as exc:  # noqa: BLE001 - checked below
            outcome.append(exc)

    # in a daemon thread, so that a job the deadline fails to stop fails the test instead of hanging it
    worker = threading.Thread(target=job, daemon=True)
    worker.start()
    worker.join(120)
    assert not worker.is_alive(), "the job was not stopped at its time limit"
    assert outcome, "the job finished within its 0.001 s limit"
    with pytest.raises(JobTooLong, match="longer than the demo's limit of 0.001 s"):
        raise outcome[0]
    assert not set(multiprocessing.active_children()) - children  # the job's process was killed, not left rendering
    assert not list(workspace.jobs.iterdir())  # its folder (the unfinished clip with it) is removed
    workspace.close()
    assert not workspace.root.exists()


# --------------------------------------------------------------------------- load and attack


def test_four_simultaneous_clicks_all_finish_with_their_own_clips(client):
    jobs = [client.submit(image=upload(COFFEE), points="280,150", prompt="sway", frames=frames, seed=frames,
                          api_name="/click") for frames in (5, 6, 7, 8)]
    clips = [job.result(timeout=120) for job in jobs]
    assert [frames_of(clip) for clip in clips] == [5, 6, 7, 8]
    assert len(set(clips)) == 4


def test_an_upload_over_the_limit_is_refused_and_the_server_keeps_serving(server, client, tmp_path):
    big = tmp_path / "big.png"
    big.write_bytes(np.random.default_rng(0).bytes(MAX_UPLOAD + 500_000))
    with pytest.raises(ValueError, match="exceeds the maximum file size"):  # the client checks first...
        client.predict(image=upload(big), points="1,1", api_name="/click")
    with big.open("rb") as handle:  # ...and the server refuses it when sent anyway
        refused = httpx.post(server[1] + "gradio_api/upload", files={"files": ("big.png", handle, "image/png")})
    assert refused.status_code == 413
    assert f"File size exceeded maximum allowed size of {MAX_UPLOAD} bytes." in refused.text
    assert frames_of(client.predict(image=upload(COFFEE), points="280,150", frames=3, api_name="/click")) == 3


def test_files_outside_what_the_app_wrote_are_not_served(server):
    for path in ("/etc/passwd", str(REPO / "README.md"), str(REPO / "demos" / "app.py")):
        assert httpx.get(server[1] + "gradio_api/file=" + path).status_code in (403, 404)


def test_with_several_requests_in_flight_the_limits_hold(client):
    with ThreadPoolExecutor(2) as pool:
        good = pool.submit(client.predict, image=upload(COFFEE), points="100,100", frames=4, api_name="/click")
        bad = pool.submit(app_error, lambda: client.predict(image=upload(COFFEE), frames=MAX_FRAMES * 2,
                                                            points="1,1", api_name="/click"))
        assert frames_of(good.result(timeout=120)) == 4
        assert "at most" in bad.result(timeout=120)


# --------------------------------------------------------------------------- the parts


def test_points_and_drags_as_text_round_trip():
    assert parse_points(" 320,250; 10.5,7 ;") == [(320.0, 250.0), (10.5, 7.0)]
    assert format_points([(320.0, 250.0), (10.5, 7.0)]) == "320,250;10.5,7"
    drags = parse_drags("1,2:3,4\n5,6:7,8")
    assert drags == [((1.0, 2.0), (3.0, 4.0)), ((5.0, 6.0), (7.0, 8.0))]
    assert format_drags(drags) == "1,2:3,4;5,6:7,8"
    with pytest.raises(InputError, match="bad drag"):
        parse_drags("1,2")


def test_drawings_mark_where_they_are_told():
    image = np.zeros((100, 120, 3), np.uint8)
    dotted = draw_points(image, [(30, 40)])
    assert tuple(dotted[40, 30]) != (0, 0, 0) and not dotted[90, 110].any()
    arrowed = draw_drags(image, [((20, 50), (90, 50))], pending=(60, 20))
    assert arrowed[50, 55].any() and arrowed[20 - 7:20 + 8, 60 - 7:60 + 8].any() and not arrowed[90, 5].any()
    mask = np.zeros((100, 120), np.float32)
    mask[10:40, 10:40] = 1
    tinted = overlay_masks(image + 100, [mask])
    assert (tinted[25, 25] != 100).any() and (tinted[80, 80] == 100).all()
    joints = np.full((33, 2), 50.0)
    joints[11], joints[13], joints[15] = (40, 20), (40, 50), (40, 80)
    skeleton = draw_skeleton(image, joints, np.arange(33) < 16)
    assert skeleton[35, 40].any() and not skeleton[5, 100].any()


def test_server_paths_are_shortened_in_messages():
    roots = ["/tmp/gradio", "/tmp"]
    text = "cannot read image '/tmp/gradio/ab12/cat.png': bad; also /tmp/x/y.wav and '/home/me/a.png'"
    assert hide_server_paths(text, roots) == "cannot read image 'cat.png': bad; also y.wav and '/home/me/a.png'"


def test_deadline_reports_progress_and_refuses_overlong_clips():
    now = [0.0]
    seen = []
    deadline = Deadline(lambda done, total: seen.append((done, total)), 10.0, 50, clock=lambda: now[0])
    deadline(1, 50)
    now[0] = 9.0
    deadline(2, 50)
    assert seen == [(1, 50), (2, 50)]
    now[0] = 10.5
    with pytest.raises(JobTooLong):
        deadline(3, 50)
    with pytest.raises(InputError, match="would be 51 frames"):
        Deadline(None, 10.0, 50)(1, 51)


def test_deadline_counts_the_frames_of_every_clip_in_a_job():
    deadline = Deadline(None, 100.0, 50)
    for done in range(1, 31):  # one garment's 30-frame clip
        deadline(done, 30)
    deadline(1, 20)  # a second of 20 fits: 50 in all
    for done in range(2, 21):
        deadline(done, 20)
    with pytest.raises(InputError, match="would be 51 frames long in all"):
        deadline(1, 1)  # a third does not


def test_workspace_prunes_old_jobs_and_removes_itself(tmp_path):
    workspace = Workspace(keep_s=60, parent=tmp_path)
    first = workspace.new_output("click", "/uploads/My photo (1).JPG")
    assert first.name == "click_My_photo_1.mp4" and first.parent.is_dir()
    first.write_bytes(b"x")
    os.utime(first.parent, (time.time() - 120, time.time() - 120))
    second = workspace.new_output("pose", "p%d.png")
    assert second.name == "pose_p_d.mp4"
    assert not first.parent.exists() and second.parent.exists()
    workspace.close()
    assert not workspace.root.exists()


def test_settings_default_to_loopback_and_check_their_values():
    settings = DemoSettings()
    assert (settings.host, settings.port, settings.share) == ("127.0.0.1", 7860, False)
    assert settings.max_file_size == parse_size("50mb") == 50_000_000
    assert parse_size("512kb") == 512_000 and parse_size("2000") == 2000
    with pytest.raises(InputError, match="bad size"):
        parse_size("lots")
    with pytest.raises(InputError, match="--max-frames must be positive"):
        DemoSettings(max_frames=0)


def test_demo_command_rejects_bad_flags_with_one_line():
    result = subprocess.run([sys.executable, "-m", "toolkit.cli", "demo", "--max-file-size", "huge"],
                            capture_output=True, text=True, timeout=60, cwd=REPO, check=False)
    assert result.returncode == 2
    assert result.stderr.strip().splitlines() == [
        "animate: error: bad size 'huge': expected bytes or a number with kb, mb or gb, e.g. 50mb"]


def test_demo_command_serves_on_loopback_and_cleans_up_when_stopped(tmp_path):
    port = free_port()
    env = {**os.environ, "TMPDIR": str(tmp_path), "GRADIO_ANALYTICS_ENABLED": "False"}
    env.pop("GRADIO_TEMP_DIR", None)
    process = subprocess.Popen([sys.executable, "-m", "toolkit.cli", "demo", "--port", str(port)], cwd=REPO,
                               env=env, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
    url = f"http://127.0.0.1:{port}/"
    try:
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline:
            try:
                if httpx.get(url, timeout=2).status_code == 200:
                    break
            except httpx.TransportError:
                time.sleep(0.3)
        else:
            pytest.fail("the demo did not start within 60 s")
        from gradio_client import Client

        clip = Client(url, verbose=False).predict(image=upload(COFFEE), points="280,150", frames=3,
                                                  api_name="/click")
        assert frames_of(clip) == 3
        assert list(tmp_path.glob("animate-demo-*/gradio/*/click_coffee.mp4"))  # gradio's copy, in the demo's folder
    finally:
        process.send_signal(signal.SIGTERM)
        output, _ = process.communicate(timeout=30)
    assert process.returncode == 0, output
    assert "Running on local URL:  http://127.0.0.1:" in output
    assert [p for p in tmp_path.rglob("*") if p.is_file()] == []  # uploads, results and work folder all gone


# --------------------------------------------------------------------------- a real browser


def chromium_path() -> str:
    """Debian's chromium (installed by `make browser`), or skip."""
    for name in ("chromium", "chromium-browser"):
        found = shutil.which(name)
        if found:
            return found
    pytest.skip("no chromium on this machine (`make browser` installs Debian's where apt-get is available)")


@contextlib.contextmanager
def browser_page(url: str, height: int):
    """A page of Debian's chromium (through Playwright) open at the demo; skips where either is missing."""
    playwright_api = pytest.importorskip("playwright.sync_api", reason="playwright is not installed "
                                         "(`make browser` installs it)")
    executable = chromium_path()
    SCREENSHOT.parent.mkdir(parents=True, exist_ok=True)
    with playwright_api.sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=executable, args=["--no-sandbox"])
        try:
            page = browser.new_page(viewport={"width": 1400, "height": height})
            page.goto(url)
            yield page
        finally:
            browser.close()


def test_browser_click_tab_upload_click_render(server, capsys):
    with browser_page(server[1], 1100) as page:
        page.locator("#click-canvas input[type=file]").set_input_files(COFFEE)
        # the upload handler replaces the upload with the working image (a PNG gradio names image.png)
        page.wait_for_function("[...document.querySelectorAll('#click-canvas img')]"
                               ".some(img => img.src.endsWith('/image.png') && img.complete)", timeout=30_000)
        box = page.locator("#click-canvas img").first.bounding_box()
        page.mouse.click(box["x"] + box["width"] * 280 / 600, box["y"] + box["height"] * 150 / 400)
        page.wait_for_function("document.querySelector('#click-points textarea').value !== ''",
                               timeout=30_000)
        assert page.locator("#click-points textarea").input_value() == "280,150"
        page.wait_for_timeout(1500)  # the region preview follows the marker
        page.locator("#click-run").click()
        # the progress bar over the player counts frames while the render runs
        page.wait_for_function("(text => /\\d+\\/48 frames/.test(text) && text.includes('Rendering'))"
                               "(document.querySelector('#click-video').innerText)", timeout=60_000, polling=20)
        progress_text = page.locator("#click-video").inner_text()
        page.locator("#click-video video").wait_for(timeout=60_000)
        page.wait_for_function("document.querySelector('#click-video video').readyState >= 1", timeout=30_000)
        duration = page.evaluate("document.querySelector('#click-video video').duration")
        assert abs(duration - 48 / 25) < 0.1
        page.screenshot(path=str(SCREENSHOT), full_page=True)
    with capsys.disabled():
        print(f"\nprogress seen while rendering: {' '.join(progress_text.split())!r}")
        print(f"screenshot of the Click tab after rendering: {SCREENSHOT}")


def test_browser_outfit_tab_gallery_garment_to_still_and_an_animated_example(server, capsys):
    shot = SCREENSHOT.with_name("outfit_tab.png")
    with browser_page(server[1], 1300) as page:
        page.locator("#tab-outfit-button, button[role=tab]:has-text('Outfit')").first.click()
        page.locator("#outfit-image input[type=file]").set_input_files(ASTRONAUT)
        page.locator("#outfit-image img").first.wait_for(timeout=30_000)
        page.locator("#outfit-garment-gallery button.thumbnail-item, #outfit-garment-gallery .thumbnail-item"
                     ).nth(1).click()  # the red t-shirt
        page.wait_for_function("document.querySelector('#outfit-garments').innerText.includes('red_tshirt')",
                               timeout=30_000)
        page.locator("#outfit-run").click()
        page.locator("#outfit-results img").first.wait_for(timeout=90_000)
        page.wait_for_function("[...document.querySelectorAll('#outfit-results img')]"
                               ".some(img => img.complete && img.naturalWidth === 512)", timeout=30_000)
        page.screenshot(path=str(shot), full_page=True)
        assert not page.locator("#outfit-video").is_visible()  # no player for stills
        page.get_by_text("astronaut sways in green").click()  # an example runs at once, animated
        page.wait_for_function("document.querySelector('#outfit-video video')?.readyState >= 1", timeout=90_000)
        duration = page.evaluate("document.querySelector('#outfit-video video').duration")
        assert abs(duration - 48 / 25) < 0.1
        page.screenshot(path=str(shot.with_name("outfit_tab_animated.png")), full_page=True)
    with capsys.disabled():
        print(f"\nscreenshots of the Outfit tab after dressing: {shot} and {shot.with_name('outfit_tab_animated.png')}")


def test_backbone_choices_are_warp_and_the_diffusion_models_whose_weights_are_here(monkeypatch):
    import weights.manager
    from demos.context import usable_backbones
    from toolkit.diffusion.registry import MODELS

    monkeypatch.setattr(weights.manager, "is_present", lambda name: False)
    assert usable_backbones() == ["warp"]
    present = MODELS["svd_xt"].checkpoint
    monkeypatch.setattr(weights.manager, "is_present", lambda name: name == present)
    assert usable_backbones() == ["warp", "svd_xt"]


def test_an_animated_outfit_catalogue_over_the_frame_limit_is_refused_before_rendering(tmp_path):
    runner = JobRunner(DemoSettings(max_frames=300), Workspace(parent=tmp_path), load_modes())
    garments = [str(COFFEE)] * 7
    with pytest.raises(InputError, match="would be 336 frames long in all"):
        outfit_options(runner, garments, "auto", None, None, "sway", None, None, 48, 0, "warp")
    options = outfit_options(runner, garments[:6], "auto", None, None, "sway", None, None, 48, 0, "warp")
    assert options.animate == "sway" and len(options.garment) == 6  # 288 frames: within the limit


def test_api_inputs_follow_the_endpoints_types_however_its_annotations_are_written():
    from demos.context import api_inputs

    def endpoint(image: str, frames: int | None = None, strength: float = 0.5, loop: bool = True,
                 garment: list[str] | None = None, progress=None) -> list:
        return []

    expected = ["File", "Number", "Number", "Checkbox", "File"]
    as_text = api_inputs(endpoint, files={"image", "garment"})  # this module postpones annotations: strings
    endpoint.__annotations__ = {"image": str, "frames": int | None, "strength": float, "loop": bool,
                                "garment": list[str] | None}  # as a module without them has: types
    as_types = api_inputs(endpoint, files={"image", "garment"})
    for inputs in (as_text, as_types):
        assert [type(i).__name__ for i in inputs] == expected
        assert inputs[1].precision == 0 and inputs[2].precision is None and inputs[3].value is True
        assert inputs[0].file_count == "single" and inputs[4].file_count == "multiple"
