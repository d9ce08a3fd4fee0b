"""Hooks into a stock diffusers sampling loop: a shortened schedule and a step-end latent pin."""

from __future__ import annotations

from contextlib import contextmanager
from dataclasses import dataclass
from typing import Any, Callable, Iterator

import torch

from toolkit.diffusion.conditioning import NoiseLevel, level_after_step, pin, renoise, scheduler_family


def truncate_schedule(scheduler: Any, start: int) -> None:
    """Drop the first `start` steps of a scheduler's current schedule (img2img-style partial denoising)."""
    if start <= 0:
        return
    scheduler.timesteps = scheduler.timesteps[start:]
    if scheduler_family(scheduler) != "ddim":
        scheduler.sigmas = scheduler.sigmas[start:]
    scheduler.num_inference_steps = len(scheduler.timesteps)


@contextmanager
def partial_schedule(scheduler: Any, start: int) -> Iterator[None]:
    """While inside, every `set_timesteps` of this scheduler instance skips the first `start` steps."""
    if start <= 0:
        yield
        return
    original = scheduler.set_timesteps

    def set_timesteps(*args: Any, **kwargs: Any) -> None:
        original(*args, **kwargs)
        truncate_schedule(scheduler, start)

    scheduler.set_timesteps = set_timesteps
    try:
        yield
    finally:
        del scheduler.set_timesteps


@dataclass
class StepRecord:
    """What one pinned step did (for tests and debugging): latents after the pin and what they were pinned to."""

    window: int
    step: int
    level: NoiseLevel
    latents: torch.Tensor
    reference: torch.Tensor
    noise: torch.Tensor
    keep: torch.Tensor


class PinLatents:
    """`callback_on_step_end`: where keep is 1 the latents become the reference re-noised to the step's level."""

    def __init__(self, reference: torch.Tensor, noise: torch.Tensor, keep: torch.Tensor, *, window: int = 0,
                 observer: Callable[[StepRecord], None] | None = None):
        self.reference, self.noise, self.keep = reference, noise, keep
        self.window, self.observer = window, observer

    def __call__(self, pipe: Any, step: int, timestep: Any,
                 tensors: dict[str, torch.Tensor]) -> dict[str, torch.Tensor]:
        latents = tensors["latents"]
        level = level_after_step(pipe.scheduler, step, timestep)
        target = renoise(self.reference, self.noise, level).to(latents.dtype)
        latents = pin(latents, target, self.keep)
        if self.observer is not None:
            self.observer(StepRecord(self.window, step, level, latents.detach().clone(), self.reference,
                                     self.noise, self.keep))
        return {"latents": latents}
