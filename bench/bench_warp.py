"""Warp backbone speed: frames per second at 512x512, one-off preparation separately.

    .venv/bin/python bench/bench_warp.py [--frames 96] [--size 512]

Prints per-motion figures and the ratio to the 100 fps target.
"""

from __future__ import annotations

import argparse
import time

import numpy as np
from skimage import data

from modes.click import control_points, prompt_displacements
from toolkit.motion.plan import MotionPlan
from toolkit.motion.primitives import RegionGeometry
from toolkit.motion.prompt import parse_prompt
from toolkit.motion.timing import Timeline
from toolkit.warp.renderer import WarpBackbone, prepare_scene, render_frame

TARGET_FPS = 100.0


def square_photo(size: int) -> np.ndarray:
    import cv2

    image = data.astronaut()
    return cv2.resize(image, (size, size), interpolation=cv2.INTER_AREA)


def region_masks(size: int, count: int) -> list[np.ndarray]:
    yy, xx = np.mgrid[:size, :size]
    centres = [(0.5, 0.45), (0.25, 0.7), (0.75, 0.7)][:count]
    radius = 0.16 * size
    return [(((xx - cx * size) ** 2 + (yy - cy * size) ** 2) < radius**2).astype(np.float32) for cx, cy in centres]


def build_plan(size: int, frames: int, prompt: str, regions: int) -> MotionPlan:
    timeline = Timeline(frames, 25.0)
    tracks, owners, masks = [], [], region_masks(size, regions)
    for index, mask in enumerate(masks):
        rest = control_points(mask)
        moves = prompt_displacements(rest, RegionGeometry.from_mask(mask), parse_prompt(prompt), timeline, 0.5,
                                     np.random.default_rng(0))
        tracks.append(rest[:, None] + moves)
        owners.append(np.full(len(rest), index))
    return MotionPlan(np.concatenate(tracks), np.concatenate(owners), np.stack(masks), 25.0)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--frames", type=int, default=96)
    parser.add_argument("--size", type=int, default=512)
    args = parser.parse_args()
    image = square_photo(args.size)
    backbone = WarpBackbone()
    print(f"warp backbone, {args.size}x{args.size}, {args.frames} frames (target {TARGET_FPS:.0f} fps)")
    for prompt, regions in [("sway", 1), ("rise", 1), ("swirl", 1), ("spin", 1), ("sway", 3)]:
        plan = build_plan(args.size, args.frames, prompt, regions)
        start = time.perf_counter()
        scene = prepare_scene(image, plan, backbone.options)
        prepared = time.perf_counter() - start
        start = time.perf_counter()
        for index in range(plan.n_frames):
            render_frame(scene, plan, index, backbone.options)
        elapsed = time.perf_counter() - start
        fps = plan.n_frames / elapsed
        print(f"  {prompt:6s} x{regions} region(s): prepare {prepared * 1000:7.1f} ms, render {fps:7.1f} fps"
              f"  ({fps / TARGET_FPS:.1f}x target)")


if __name__ == "__main__":
    main()
