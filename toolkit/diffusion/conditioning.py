"""Pure functions that condition a sampler without forking it: noise levels, re-noising, masks, blends.

Each scheduler family puts a clean latent x0 at a noise level differently:
  edm   (Euler/EDM, SVD's EulerDiscreteScheduler):  x = x0 + sigma * noise
  ddim  (DDPM/DDIM, alphas_cumprod):                x = sqrt(a) * x0 + sqrt(1 - a) * noise
  flow  (flow matching, Wan's FlowMatch/UniPC):     x = (1 - sigma) * x0 + sigma * noise
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import cv2
import numpy as np
import torch

from toolkit.warp.layers import layer_alpha


@dataclass(frozen=True)
class NoiseLevel:
    """Where a sampler stands: its family and the value that family measures noise with."""

    family: str  # "edm", "ddim" or "flow"
    value: float  # sigma (edm, flow) or alpha_cumprod (ddim)


def renoise(x0: torch.Tensor, noise: torch.Tensor, level: NoiseLevel) -> torch.Tensor:
    """Clean latents put at a noise level, the way the level's family does it."""
    if level.family == "edm":
        return x0 + level.value * noise
    if level.family == "flow":
        return (1.0 - level.value) * x0 + level.value * noise
    if level.family == "ddim":
        return level.value ** 0.5 * x0 + (1.0 - level.value) ** 0.5 * noise
    raise ValueError(f"unknown scheduler family '{level.family}'")


def scheduler_family(scheduler: Any) -> str:
    """'flow', 'edm' or 'ddim' for a diffusers scheduler."""
    config = scheduler.config
    if type(scheduler).__name__.startswith("FlowMatch") or config.get("use_flow_sigmas") \
            or config.get("prediction_type") == "flow_prediction":
        return "flow"
    if getattr(scheduler, "sigmas", None) is not None:
        return "edm"
    return "ddim"


def level_at(scheduler: Any, index: int) -> NoiseLevel:
    """The noise level of the latents a sampler feeds to its model at step `index` of its schedule."""
    family = scheduler_family(scheduler)
    if family in ("edm", "flow"):
        return NoiseLevel(family, float(scheduler.sigmas[index]))
    return NoiseLevel(family, float(scheduler.alphas_cumprod[int(scheduler.timesteps[index])]))


def level_after_step(scheduler: Any, step: int, timestep: Any) -> NoiseLevel:
    """The noise level of the latents a scheduler's step just returned (step `step` of the loop)."""
    family = scheduler_family(scheduler)
    if family in ("edm", "flow"):
        index = scheduler.step_index if getattr(scheduler, "step_index", None) is not None else step + 1
        return NoiseLevel(family, float(scheduler.sigmas[index]))
    previous = int(timestep) - scheduler.config.num_train_timesteps // scheduler.num_inference_steps
    alpha = scheduler.alphas_cumprod[previous] if previous >= 0 else scheduler.final_alpha_cumprod
    return NoiseLevel(family, float(alpha))


def start_index(steps: int, strength: float) -> int:
    """First step to run when denoising a draft with `strength` in (0, 1] (at least one step runs)."""
    if not 0.0 < strength <= 1.0:
        raise ValueError(f"strength must be in (0, 1], got {strength}")
    run = min(steps, max(1, int(round(strength * steps))))
    return steps - run


def moving_mask(regions: np.ndarray, tracks: np.ndarray) -> np.ndarray:
    """(H, W) bool: the union of the plan's regions grown by the furthest any control point travels."""
    if len(regions) == 0:
        return np.zeros(regions.shape[1:], bool)
    union = (regions.max(axis=0) > 0.0).astype(np.uint8)
    reach = 0.0
    if tracks.size:
        reach = float(np.linalg.norm(tracks - tracks[:, :1], axis=2).max())
    grow = int(np.ceil(reach))
    if grow > 0 and union.any():  # a distance transform: a dilation by a disc this wide would take seconds
        return cv2.distanceTransform(1 - union, cv2.DIST_L2, 5) <= grow
    return union.astype(bool)


def mask_to_latent(mask: np.ndarray, height: int, width: int) -> np.ndarray:
    """(h, w) bool at latent size: a latent cell moves if any pixel under it moves."""
    if mask.size == 0 or not mask.any():
        return np.zeros((height, width), bool)
    src_h, src_w = mask.shape
    ys = np.linspace(0, src_h, height + 1).astype(int)
    xs = np.linspace(0, src_w, width + 1).astype(int)
    cells = np.add.reduceat(np.add.reduceat(mask.astype(np.int64), ys[:-1], axis=0), xs[:-1], axis=1)
    return cells > 0


def pin(latents: torch.Tensor, reference: torch.Tensor, keep: torch.Tensor) -> torch.Tensor:
    """Latents with the reference put where keep is 1 (exactly), blended where it is fractional."""
    keep = keep.to(latents.dtype)
    blended = keep * reference + (1.0 - keep) * latents
    return torch.where(keep >= 1.0, reference, blended)


def keep_weights(moving: np.ndarray, feather: float) -> np.ndarray:
    """(H, W) float32 weight of the source per pixel: 1 away from the moving region, 0 inside it,
    ramping over `feather` pixels outside its edge as a warp layer's alpha does (so a region
    lock shows no seam)."""
    return (1.0 - layer_alpha(np.asarray(moving, bool), feather)).astype(np.float32)


def composite_source(frame: np.ndarray, source: np.ndarray, keep: np.ndarray) -> np.ndarray:
    """uint8 frame with the source put back by per-pixel weight `keep` (H, W)."""
    weight = keep[..., None]
    out = frame.astype(np.float32) * (1.0 - weight) + source.astype(np.float32) * weight
    return np.clip(np.rint(out), 0, 255).astype(np.uint8)
