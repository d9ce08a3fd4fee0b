"""Diffusion backbones on tiny weights: the toolkit's overhead over a direct diffusers call, and windowed memory.

    .venv/bin/python bench/bench_diffusion.py [--repeats 5] [--frames 8] [--steps 4] [--memory-size 128]

1. For svd:tiny and wan:tiny, renders one window with the draft and the region lock switched off
   (refine strength 1), and calls the same diffusers pipeline object directly with the same image,
   size, steps, guidance and seed.  Asserts identical frames (the toolkit's frame 0 is the source
   image by design, so frames 1.. are compared) and prints the median wall times and their ratio
   (target: at most 1.05).  The fully conditioned call (warp draft, refine 0.6, region lock) is
   timed too, for information.
2. Renders 16 and 64 frames in windows of 16 (overlap 4), each in a fresh process, and prints the
   peak resident memory of each and their ratio (target: at most 1.3), plus the growth above the
   process's memory once the pipeline is loaded.  A 64-frame single window is shown for contrast.
"""

from __future__ import annotations

import argparse
import json
import resource
import statistics
import subprocess
import sys
import time
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from toolkit.diffusion.backbone import DiffusionBackbone, to_uint8  # noqa: E402
from toolkit.diffusion.registry import MODELS  # noqa: E402
from toolkit.diffusion.settings import DiffusionSettings  # noqa: E402
from toolkit.motion.plan import MotionPlan  # noqa: E402

OVERHEAD_TARGET = 1.05
MEMORY_TARGET = 1.3


def scene(size: int, frames: int) -> tuple[np.ndarray, MotionPlan]:
    """A test card with a disc that sways: the plan's one region."""
    yy, xx = np.mgrid[:size, :size]
    image = np.zeros((size, size, 3), np.uint8)
    image[..., 0], image[..., 1] = xx * 255 // size, yy * 255 // size
    image[..., 2] = ((xx * 8 // size + yy * 8 // size) % 2) * 160
    centre, radius = size / 2, size / 6
    disc = ((xx - centre) ** 2 + (yy - centre) ** 2 < radius ** 2).astype(np.float32)
    image[disc > 0] = (250, 220, 30)
    rest = np.array([[centre, centre], [centre - radius, centre], [centre + radius, centre]], np.float32)
    shift = np.stack([radius / 3 * np.sin(np.arange(frames) / 3), np.zeros(frames)], -1).astype(np.float32)
    return image, MotionPlan(rest[:, None] + shift[None], np.zeros(3, int), disc[None], fps=25)


def direct_call(backbone: DiffusionBackbone, image: np.ndarray, frames: int, seed: int) -> np.ndarray:
    """The same pipeline called by hand, as a diffusers user would, converted to uint8 frames."""
    import PIL.Image
    import torch

    pipe, spec = backbone.pipe, backbone.spec
    generator = torch.Generator(device="cpu").manual_seed(seed)
    common = dict(image=PIL.Image.fromarray(image), height=image.shape[0], width=image.shape[1],
                  num_frames=backbone.adapter.frames_to_render(frames), num_inference_steps=backbone.steps,
                  generator=generator, output_type="np")
    if spec.family == "svd":
        out = pipe(**common, min_guidance_scale=1.0, max_guidance_scale=backbone.guidance, fps=25)
    else:
        out = pipe(**common, guidance_scale=backbone.guidance, **backbone._extra)
    return to_uint8(out.frames[0][:frames])


def timed(function, repeats: int) -> tuple[float, object]:
    times, result = [], None
    for _ in range(repeats):
        start = time.perf_counter()
        result = function()
        times.append(time.perf_counter() - start)
    return statistics.median(times), result


def overhead(name: str, frames: int, steps: int, repeats: int) -> dict:
    """Median wall times of the toolkit's render and of the direct pipeline call, same inputs."""
    spec = MODELS[name]
    image, plan = scene(64, frames)
    plain = DiffusionBackbone(spec, tiny=True, settings=DiffusionSettings(
        steps=steps, size=(64, 64), refine_strength=1.0, region_lock=False, window=frames))
    full = DiffusionBackbone(spec, tiny=True, settings=DiffusionSettings(
        steps=steps, size=(64, 64), refine_strength=0.6, window=frames))
    full._pipe, full._extra, full._device = plain.pipe, plain._extra, plain._device  # the same components
    toolkit = lambda: np.stack(list(plain.render(image, plan, seed=1)))  # noqa: E731
    direct = lambda: direct_call(plain, image, frames, seed=1)  # noqa: E731
    conditioned = lambda: np.stack(list(full.render(image, plan, seed=1)))  # noqa: E731
    toolkit(), direct(), conditioned()  # warm up
    t_direct, want = timed(direct, repeats)
    t_toolkit, got = timed(toolkit, repeats)
    t_direct2, _ = timed(direct, repeats)  # interleave to even out a busy machine
    t_direct = min(t_direct, t_direct2)
    t_full, _ = timed(conditioned, repeats)
    identical = bool(np.array_equal(got[1:], want[1:]))
    assert identical, f"{name}: the toolkit's frames differ from the direct call's"
    return {"backbone": f"{name}:tiny", "direct_s": t_direct, "toolkit_s": t_toolkit,
            "ratio": t_toolkit / t_direct, "conditioned_s": t_full, "identical": identical}


def memory_case(frames: int, window: int, size: int) -> dict:
    """Run in a child process: peak RSS of a windowed svd:tiny render of `frames` frames."""
    image, plan = scene(size, frames)
    backbone = DiffusionBackbone(MODELS["svd"], tiny=True, settings=DiffusionSettings(
        steps=2, size=(size, size), window=window, overlap=4 if window < frames else 0))
    backbone.pipe  # loaded
    loaded = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    count = sum(1 for _ in backbone.render(image, plan, seed=0))
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    return {"frames": count, "window": window, "loaded_kb": loaded, "peak_kb": peak}


def run_memory_case(frames: int, window: int, size: int) -> dict:
    command = [sys.executable, __file__, "--memory-case", str(frames), "--window", str(window),
               "--memory-size", str(size)]
    result = subprocess.run(command, capture_output=True, text=True, check=True)
    return json.loads(result.stdout.strip().splitlines()[-1])


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeats", type=int, default=5)
    parser.add_argument("--frames", type=int, default=8)
    parser.add_argument("--steps", type=int, default=4)
    parser.add_argument("--memory-size", type=int, default=128)
    parser.add_argument("--memory-case", type=int, help=argparse.SUPPRESS)
    parser.add_argument("--window", type=int, default=16, help=argparse.SUPPRESS)
    args = parser.parse_args()
    import torch

    torch.set_num_threads(2)
    if args.memory_case:
        print(json.dumps(memory_case(args.memory_case, args.window, args.memory_size)))
        return

    print(f"1. toolkit call vs direct diffusers call ({args.frames} frames at 64x64, {args.steps} steps, "
          f"median of {args.repeats})")
    for name in ("svd", "wan"):
        row = overhead(name, args.frames, args.steps, args.repeats)
        print(f"   {row['backbone']:9s} direct {row['direct_s']:.3f} s  toolkit {row['toolkit_s']:.3f} s  "
              f"ratio {row['ratio']:.3f} (target <= {OVERHEAD_TARGET})  identical frames: {row['identical']}  "
              f"| with draft + refine 0.6 + region lock: {row['conditioned_s']:.3f} s")

    print(f"2. peak memory with windows of 16 (svd:tiny, {args.memory_size}x{args.memory_size}, one process each)")
    cases = {n: run_memory_case(n, 16, args.memory_size) for n in (16, 64)}
    for n, case in cases.items():
        print(f"   {n:3d} frames: peak RSS {case['peak_kb'] / 1024:.0f} MiB "
              f"(+{(case['peak_kb'] - case['loaded_kb']) / 1024:.0f} MiB over the loaded pipeline)")
    ratio = cases[64]["peak_kb"] / cases[16]["peak_kb"]
    grown = {n: max(1, case["peak_kb"] - case["loaded_kb"]) for n, case in cases.items()}
    growth = grown[64] / grown[16]
    print(f"   ratio 64/16: {ratio:.3f} (target <= {MEMORY_TARGET}); growth ratio {growth:.2f}")
    single = run_memory_case(64, 64, args.memory_size)
    print(f"   for contrast, 64 frames in one window: peak RSS {single['peak_kb'] / 1024:.0f} MiB "
          f"(+{(single['peak_kb'] - single['loaded_kb']) / 1024:.0f} MiB)")


if __name__ == "__main__":
    main()
