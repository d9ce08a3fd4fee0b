"""Diffusion backbones on tiny random weights (no network): conditioning, determinism, windows, CLI."""

from __future__ import annotations

from dataclasses import dataclass

import cv2
import numpy as np
import pytest
import torch
from skimage import data

from tests.wav_files import write_wav
from toolkit.backbones import backbone_names, check_backbone, get_backbone
from toolkit.cli import main
from toolkit.diffusion.backbone import DiffusionBackbone, resize
from toolkit.diffusion.conditioning import (
    NoiseLevel,
    mask_to_latent,
    moving_mask,
    renoise,
    scheduler_family,
    start_index,
)
from toolkit.diffusion.registry import MODELS
from toolkit.diffusion.settings import DiffusionSettings
from toolkit.diffusion.windows import context_latents, overlap_weights, plan_windows, stitch
from toolkit.errors import InputError
from toolkit.media.video_reader import iter_video_frames, probe_video
from toolkit.motion.plan import MotionPlan
from toolkit.options import RenderOptions, parse_size
from toolkit.warp.renderer import WarpBackbone

TINY = ["svd:tiny", "wan:tiny"]


# ---------------------------------------------------------------------------- pure functions

def test_renoise_matches_each_scheduler_familys_own_forward_process():
    from diffusers import DDIMScheduler, EulerDiscreteScheduler, FlowMatchEulerDiscreteScheduler

    generator = torch.Generator().manual_seed(0)
    x0, noise = torch.randn(1, 4, 3, 5, 5, generator=generator), torch.randn(1, 4, 3, 5, 5, generator=generator)
    euler = EulerDiscreteScheduler()
    euler.set_timesteps(10)
    t = euler.timesteps[3]
    assert scheduler_family(euler) == "edm"
    assert torch.allclose(renoise(x0, noise, NoiseLevel("edm", float(euler.sigmas[3]))),
                          euler.add_noise(x0, noise, t[None]), atol=1e-5)
    ddim = DDIMScheduler()
    ddim.set_timesteps(10)
    t = ddim.timesteps[3]
    assert scheduler_family(ddim) == "ddim"
    assert torch.allclose(renoise(x0, noise, NoiseLevel("ddim", float(ddim.alphas_cumprod[t]))),
                          ddim.add_noise(x0, noise, t[None]), atol=1e-5)
    flow = FlowMatchEulerDiscreteScheduler(shift=3.0)
    flow.set_timesteps(10)
    assert scheduler_family(flow) == "flow"
    assert torch.allclose(renoise(x0, noise, NoiseLevel("flow", float(flow.sigmas[3]))),
                          flow.scale_noise(x0, flow.timesteps[3][None], noise), atol=1e-5)


def test_start_index_runs_at_least_one_step_and_all_at_full_strength():
    assert start_index(10, 1.0) == 0
    assert start_index(10, 0.3) == 7
    assert start_index(10, 0.01) == 9
    with pytest.raises(ValueError):
        start_index(10, 0.0)


def test_moving_mask_grows_by_the_furthest_displacement_and_pools_to_latents():
    regions = np.zeros((1, 64, 64), np.float32)
    regions[0, 28:36, 28:36] = 1
    tracks = np.array([[[30, 30], [36, 30]]], np.float32)  # one point moving 6 px right
    mask = moving_mask(regions, tracks)
    assert mask[32, 41] and not mask[32, 43] and not mask[10, 10]
    latent = mask_to_latent(mask, 8, 8)
    assert latent.dtype == bool and latent[4, 5] and not latent[0, 0]
    assert latent.sum() >= (mask_to_latent(regions[0] > 0, 8, 8)).sum()
    assert not mask_to_latent(np.zeros((64, 64), bool), 8, 8).any()


@pytest.mark.parametrize("n, window, overlap", [(64, 16, 4), (10, 4, 2), (5, 8, 2), (17, 9, 3)])
def test_windows_cover_the_clip_with_at_least_the_overlap(n, window, overlap):
    windows = plan_windows(n, window, overlap)
    assert windows[0].start == 0 and windows[-1].stop == n
    assert all(w.length == min(window, n) for w in windows[:-1]) and windows[-1].length > overlap
    for before, after in zip(windows, windows[1:]):
        assert after.context == before.stop - after.start == overlap


def test_stitch_yields_every_frame_once_and_softens_the_seam():
    windows = plan_windows(20, 8, 3)
    bias = 0.6  # each window is off from the one before by this much
    rendered = [np.arange(w.start, w.stop, dtype=np.float32)[:, None, None, None] + bias * i
                for i, w in enumerate(windows)]
    frames = np.array(list(stitch(windows, rendered)))[:, 0, 0, 0]
    assert len(frames) == 20
    jumps = np.diff(frames)
    # a hard cut would jump 1 + bias; the blend spreads the bias over the shared frames
    assert jumps.max() <= 1 + bias / (3 + 1) + 1e-6 and jumps.min() > 0
    assert np.all((overlap_weights(3) > 0) & (overlap_weights(3) < 1))


def test_context_latents_count_whole_latent_frames():
    assert context_latents(3, 1) == 3
    assert context_latents(0, 4) == 0
    assert context_latents(1, 4) == 1 and context_latents(4, 4) == 1 and context_latents(5, 4) == 2


# ---------------------------------------------------------------------------- names and options

def test_backbone_names_and_unknown_names_are_one_input_error():
    names = backbone_names()
    assert {"warp", "svd", "svd_xt", "wan"} <= set(names)
    for good in ("warp", "svd", "svd_xt:tiny", "wan:tiny", "wan2.2:tiny"):
        check_backbone(good)
    for bad in ("sdv", "svd:huge", "warp:tiny", ""):
        with pytest.raises(InputError, match="known backbones: .*svd.*wan"):
            check_backbone(bad)


def test_render_options_validate_diffusion_values():
    assert parse_size("320x192") == (320, 192)
    with pytest.raises(InputError):
        parse_size("320by192")
    RenderOptions(backbone="svd:tiny", size=(64, 64), steps=2).validate()
    for bad in (dict(backbone="nope"), dict(size=(60, 64)), dict(steps=0), dict(refine_strength=1.5),
                dict(window=4, overlap=3), dict(guidance=-1.0)):
        with pytest.raises(InputError):
            RenderOptions(**bad).validate()


def test_real_weights_missing_is_an_input_error_before_any_work(tmp_path):
    with pytest.raises(InputError):
        get_backbone("svd", RenderOptions(backbone="svd", weights=str(tmp_path / "nowhere")))


def test_a_saved_diffusers_folder_loads_through_the_real_weights_path(tmp_path, scene):
    """`--weights FOLDER` on the non-tiny backbone: from_pretrained offline, fp16 files as the variant."""
    from diffusers import StableVideoDiffusionPipeline

    from toolkit.diffusion.tiny import tiny_svd_components

    StableVideoDiffusionPipeline(**tiny_svd_components(0)).save_pretrained(tmp_path / "svd", variant="fp16")
    assert not list((tmp_path / "svd" / "unet").glob("diffusion_pytorch_model.safetensors"))
    image, disc = scene
    plan = make_plan(disc, 3)
    settings = DiffusionSettings(weights=str(tmp_path / "svd"), size=(64, 64), steps=2)
    loaded = DiffusionBackbone(MODELS["svd"], settings=settings)
    built = DiffusionBackbone(MODELS["svd"], tiny=True, settings=DiffusionSettings(size=(64, 64), steps=2))
    assert np.array_equal(render(loaded, image, plan, seed=1), render(built, image, plan, seed=1))


def test_a_folder_of_fp16_weight_files_is_loaded_as_that_variant(tmp_path):
    from toolkit.diffusion.loading import weights_variant

    (tmp_path / "unet").mkdir()
    (tmp_path / "scheduler").mkdir()
    (tmp_path / "scheduler" / "scheduler_config.json").write_text("{}")
    (tmp_path / "unet" / "diffusion_pytorch_model.fp16.safetensors").write_bytes(b"")
    assert weights_variant(tmp_path) == "fp16"  # what `animate weights fetch svd` downloads
    (tmp_path / "unet" / "diffusion_pytorch_model.safetensors").write_bytes(b"")
    assert weights_variant(tmp_path) is None  # full-precision files present: load those


def test_a_gpu_this_machine_lacks_is_an_input_error(monkeypatch):
    from toolkit.diffusion.loading import pick_device

    assert pick_device("cpu") == torch.device("cpu")
    with pytest.raises(InputError, match="not a torch device"):
        pick_device("gpu please")
    if not torch.cuda.is_available():  # as here: the real check, no stand-in
        with pytest.raises(InputError, match=r"^--device cuda: no such CUDA device on this machine \(0 found\)$"):
            pick_device("cuda")
        with pytest.raises(InputError, match="no such CUDA device"):  # before any weights are loaded
            get_backbone("wan:tiny", RenderOptions(backbone="wan:tiny", device="cuda:1")).pipe
    monkeypatch.setattr(torch.cuda, "is_available", lambda: False)
    for name in ("cuda", "cuda:0", "cuda:1"):
        with pytest.raises(InputError, match=rf"^--device {name}: no such CUDA device .*\(0 found\)$"):
            pick_device(name)
    monkeypatch.setattr(torch.cuda, "is_available", lambda: True)
    monkeypatch.setattr(torch.cuda, "device_count", lambda: 2)
    assert pick_device("cuda") == torch.device("cuda") and pick_device("cuda:1") == torch.device("cuda:1")
    with pytest.raises(InputError, match=r"^--device cuda:2: no such CUDA device .*\(2 found\)$"):
        pick_device("cuda:2")
    monkeypatch.setattr(torch.backends.mps, "is_available", lambda: False)
    with pytest.raises(InputError, match="^--device mps: Apple MPS is not available"):
        pick_device("mps")


def test_a_tiny_pipeline_leaves_the_hub_settings_alone(monkeypatch):
    from weights.manager import offline

    monkeypatch.delenv("HF_HUB_OFFLINE", raising=False)
    monkeypatch.delenv("TRANSFORMERS_OFFLINE", raising=False)
    assert get_backbone("wan:tiny", RenderOptions(backbone="wan:tiny", device="cpu")).pipe is not None
    assert not offline()  # a later `weights fetch` in the same process may still download


def test_cpu_offload_without_a_gpu_is_an_input_error():
    backbone = get_backbone("wan:tiny", RenderOptions(backbone="wan:tiny", cpu_offload=True, device="cpu"))
    with pytest.raises(InputError, match="--cpu-offload"):
        backbone.pipe


def test_memory_switches_reach_the_pipeline():
    options = RenderOptions(backbone="wan:tiny", vae_tiling=True, vae_slicing=True, attention="native")
    pipe = get_backbone("wan:tiny", options).pipe
    assert pipe.vae.use_tiling and pipe.vae.use_slicing


# ---------------------------------------------------------------------------- rendering with tiny models

@pytest.fixture(scope="module")
def scene():
    """A 96x64 test card with a disc that moves right: the disc is the plan's only region."""
    yy, xx = np.mgrid[:64, :96]
    image = np.zeros((64, 96, 3), np.uint8)
    image[..., 0], image[..., 1] = xx * 2, yy * 3
    image[..., 2] = ((xx // 8 + yy // 8) % 2) * 160
    disc = ((xx - 40) ** 2 + (yy - 32) ** 2 < 10 ** 2).astype(np.float32)
    image[disc > 0] = (250, 220, 30)
    return image, disc


def make_plan(disc: np.ndarray, frames: int) -> MotionPlan:
    rest = np.array([[40, 32], [32, 32], [48, 32], [40, 24], [40, 40]], np.float32)
    shift = np.stack([3.0 * np.sin(np.arange(frames) / 2.0), np.zeros(frames)], -1).astype(np.float32)
    return MotionPlan(rest[:, None] + shift[None], np.zeros(len(rest), int), disc[None], fps=25)


def tiny(name: str, **settings) -> DiffusionBackbone:
    spec = MODELS[name.split(":")[0]]
    return DiffusionBackbone(spec, tiny=True, settings=DiffusionSettings(**settings))


def render(backbone: DiffusionBackbone, image, plan, seed=0) -> np.ndarray:
    return np.stack(list(backbone.render(image, plan, seed=seed)))


@pytest.mark.parametrize("name", TINY + ["wan2.2:tiny"])
@pytest.mark.parametrize("strength", [1.0, 0.6])
def test_latents_outside_the_region_are_the_renoised_source_at_every_step(name, strength, scene):
    image, disc = scene
    backbone = tiny(name, refine_strength=strength, steps=3)
    records = []
    backbone.observer = records.append
    frames = render(backbone, image, make_plan(disc, 4))
    assert frames.shape == (4, 64, 96, 3) and frames.dtype == np.uint8
    assert np.array_equal(frames[0], image)  # first-frame anchoring

    width, height = backbone.render_size((96, 64))
    count = backbone.adapter.frames_to_render(4)
    still = resize(image, (width, height))  # the source held in every frame, encoded as the backbone does
    source = backbone.adapter.encode_held(backbone.pipe, np.zeros((0, *still.shape), np.uint8), still, count, {})
    expected_steps = 3 - start_index(3, strength)
    assert [r.step for r in records] == list(range(expected_steps))
    levels = [r.level.value for r in records]
    assert levels == sorted(levels, reverse=True) and levels[-1] == 0.0
    for record in records:
        keep = record.keep.expand_as(record.latents) >= 1
        assert 0 < keep.float().mean() < 1  # the disc moves, the rest is pinned
        target = renoise(source, record.noise, record.level)
        assert torch.equal(record.latents[keep], target[keep])
    final = records[-1]
    keep = final.keep.expand_as(final.latents) >= 1
    assert torch.equal(final.latents[keep], source[keep])  # clean source latents at the end


@pytest.mark.parametrize("name", TINY)
def test_with_the_region_lock_pixels_away_from_the_region_are_the_source(name, scene):
    image, disc = scene
    plan = make_plan(disc, 4)
    far = ~cv2.dilate(moving_mask(plan.regions, plan.tracks).astype(np.uint8), np.ones((5, 5), np.uint8)).astype(bool)
    locked = render(tiny(name), image, plan)
    assert far.mean() > 0.5
    assert all(np.array_equal(frame[far], image[far]) for frame in locked)
    assert not np.array_equal(locked[1][~far], image[~far])  # the region itself is rendered by the model
    free = render(tiny(name, region_lock=False), image, plan)
    assert np.abs(free[1][far].astype(int) - image[far]).mean() > 10  # tiny random weights: noise everywhere


@pytest.mark.parametrize("name", TINY + ["wan2.2:tiny"])
def test_the_same_seed_gives_identical_frames_and_another_seed_others(name, scene):
    image, disc = scene
    plan = make_plan(disc, 4)
    backbone = tiny(name)
    first, again, other = (render(backbone, image, plan, seed) for seed in (3, 3, 4))
    assert np.array_equal(first, again)
    assert not np.array_equal(first[1:], other[1:])


@pytest.mark.parametrize("name", TINY)
def test_refine_strength_zero_returns_the_draft_exactly(name, scene):
    image, disc = scene
    plan = make_plan(disc, 4)
    draft = np.stack(list(WarpBackbone().render(image, plan, seed=5)))
    assert np.array_equal(render(tiny(name, refine_strength=0.0), image, plan, seed=5), draft)


@pytest.mark.parametrize("name", TINY)
def test_windows_give_every_frame_with_no_seam_jump_beyond_a_windows_own(name, scene):
    image, disc = scene
    plan = make_plan(disc, 11)
    backbone = tiny(name, window=5, overlap=2)
    records = []
    backbone.observer = records.append
    frames = render(backbone, image, plan).astype(np.float32)
    windows = backbone.window_plan(11)
    assert len(frames) == 11 and len(windows) >= 3
    # the frames a window shares with the one before are pinned to what that one rendered
    first_of_window = {r.window: r for r in reversed(records)}
    for index, window in enumerate(windows[1:], start=1):
        keep = first_of_window[index].keep
        pinned = context_latents(window.context, backbone.adapter.temporal_factor)
        assert torch.all(keep.select(backbone.adapter.frame_axis, pinned - 1) == 1)
    owner = np.full(11, -1)
    for index, window in enumerate(windows):
        owner[window.start:window.stop] = np.where(owner[window.start:window.stop] == -1, index, -2)
    jumps = np.abs(np.diff(frames, axis=0)).mean(axis=(1, 2, 3))
    within = [jumps[j] for j in range(1, 10) if owner[j] == owner[j + 1] >= 0]  # frame 0 is the source
    seams = [jumps[j] for j in range(1, 10) if not owner[j] == owner[j + 1] >= 0]
    assert within and seams and max(seams) <= max(within)


# ---------------------------------------------------------------------------- the command line

def run_cli(args, capsys):
    with pytest.raises(SystemExit) as exit_info:
        main([str(a) for a in args])
    return exit_info.value.code, capsys.readouterr().err


@pytest.fixture(scope="module")
def astronaut_png(tmp_path_factory):
    path = tmp_path_factory.mktemp("diffusion") / "astronaut.png"
    cv2.imwrite(str(path), cv2.resize(data.astronaut(), (256, 256))[..., ::-1])
    return path


@pytest.fixture(scope="module")
def speech_wav(tmp_path_factory):
    rate = 16000
    t = np.arange(rate) / rate
    samples = 0.3 * np.sin(2 * np.pi * 140 * t) * np.sin(np.pi * 4 * t) ** 2
    return write_wav(tmp_path_factory.mktemp("diffusion") / "speech.wav", samples, rate)


@dataclass(frozen=True)
class Case:
    mode: str
    args: tuple


CASES = [Case("click", ("--point", "128,128", "--prompt", "sway", "--segmenter", "offline")),
         Case("pose", ("--preset", "wave")),
         Case("portrait", ("--audio", "{wav}"))]


@pytest.mark.parametrize("backbone", TINY)
@pytest.mark.parametrize("case", CASES, ids=lambda c: c.mode)
def test_every_mode_renders_with_a_tiny_backbone(case, backbone, astronaut_png, speech_wav, tmp_path, capsys):
    out = tmp_path / f"{case.mode}.mp4"
    args = [a.format(wav=speech_wav) for a in case.args]
    code, err = run_cli([case.mode, astronaut_png, *args, "--backbone", backbone, "--frames", "4",
                         "--size", "64x64", "--steps", "2", "-o", out], capsys)
    assert code == 0, err
    info = probe_video(out)
    assert (info.width, info.height, info.n_frames) == (256, 256, 4)
    first = next(iter(iter_video_frames(out)))
    assert np.abs(first.astype(int) - cv2.resize(data.astronaut(), (256, 256))).mean() < 6


def test_an_unknown_backbone_exits_2_with_one_line(astronaut_png, tmp_path, capsys):
    code, err = run_cli(["click", astronaut_png, "--point", "128,128", "--backbone", "svd:big", "-o",
                         tmp_path / "o.mp4"], capsys)
    assert code == 2 and err.count("\n") == 1 and "wan:tiny" in err and "svd_xt" in err


def test_switches_a_vae_lacks_are_ignored_with_a_warning(caplog):
    pipe = get_backbone("svd:tiny", RenderOptions(backbone="svd:tiny", vae_tiling=True, vae_slicing=True)).pipe
    assert pipe.vae is not None
    assert "--vae-tiling" in caplog.text and "--vae-slicing" in caplog.text


def test_svd_encodes_the_held_source_once_and_its_latents_match_encoding_every_copy(scene):
    from toolkit.diffusion.adapters import SvdAdapter

    image, _ = scene
    pipe = tiny("svd").pipe
    adapter = SvdAdapter()
    context = np.stack([np.roll(image, shift, axis=1) for shift in (3, 6)])
    whole = adapter.encode(pipe, np.concatenate([context, np.repeat(image[None], 5, axis=0)]))
    calls = []
    encode = pipe.vae.encode
    pipe.vae.encode = lambda pixels: calls.append(len(pixels)) or encode(pixels)
    try:
        cache: dict = {}
        held = adapter.encode_held(pipe, context, image, 5, cache)
        again = adapter.encode_held(pipe, context[:0], image, 7, cache)  # the next window: no new encoding of it
    finally:
        pipe.vae.encode = encode
    assert held.shape == whole.shape and torch.allclose(held, whole, atol=1e-5)
    assert again.shape[1] == 7 and torch.allclose(again[0, 0], whole[0, 2], atol=1e-5)
    assert calls == [1, 2]  # the still once, the two context frames; the next window encodes nothing
