"""The diffusion backbone: renders a MotionPlan with a stock diffusers image-to-video pipeline.

Per clip: the warp backbone renders the plan as a draft; the clip is cut into overlapping
windows.  Per window: the draft is encoded and noised to the level `refine_strength` asks for,
the pipeline denoises from there, and at every step end the latents outside the plan's moving
regions (and the frames shared with the previous window) are replaced by their reference
re-noised to that step's level.  Windows are blended where they overlap and streamed out, so
memory does not grow with the clip; the first frame is the source image, and with the region
lock the pixels away from the moving regions are the source's.
"""

from __future__ import annotations

import logging
import math
from typing import Any, Callable, Iterator

import cv2
import numpy as np
import torch

from toolkit.diffusion.adapters import ADAPTERS, Call
from toolkit.diffusion.conditioning import (
    composite_source,
    keep_weights,
    level_at,
    mask_to_latent,
    moving_mask,
    renoise,
    start_index,
)
from toolkit.diffusion.hooks import PinLatents, StepRecord, partial_schedule, truncate_schedule
from toolkit.diffusion.registry import TINY_FRAMES, TINY_SIZE, TINY_STEPS, ModelSpec
from toolkit.diffusion.settings import DiffusionSettings
from toolkit.diffusion.windows import Window, context_latents, plan_windows, stitch
from toolkit.errors import InputError
from toolkit.motion.plan import MotionPlan

log = logging.getLogger(__name__)

Progress = Callable[[int, int], None]


def fit_size(plan_size: tuple[int, int], native: tuple[int, int], multiple: int) -> tuple[int, int]:
    """(width, height) with the native pixel area at the plan's aspect ratio, in multiples of `multiple`."""
    aspect = plan_size[0] / plan_size[1]
    width = math.sqrt(native[0] * native[1] * aspect)
    height = width / aspect
    return (max(multiple, int(round(width / multiple)) * multiple),
            max(multiple, int(round(height / multiple)) * multiple))


def to_uint8(frames: np.ndarray) -> np.ndarray:
    """Float frames in [0, 1] -> uint8."""
    return np.clip(np.rint(np.asarray(frames, np.float32) * 255.0), 0, 255).astype(np.uint8)


def resize(frame: np.ndarray, size: tuple[int, int]) -> np.ndarray:
    """A frame at (width, height): area-averaged when shrinking, bicubic when growing."""
    if (frame.shape[1], frame.shape[0]) == tuple(size):
        return frame
    shrink = size[0] * size[1] < frame.shape[0] * frame.shape[1]
    return cv2.resize(frame, tuple(size), interpolation=cv2.INTER_AREA if shrink else cv2.INTER_CUBIC)


def padded(video: np.ndarray, count: int) -> np.ndarray:
    """Frames repeated at the end up to `count` (a model that needs 4k+1 frames)."""
    if len(video) >= count:
        return video
    return np.concatenate([video, np.repeat(video[-1:], count - len(video), axis=0)])


class FrameTap:
    """Frames of a stream by index, holding only those not yet passed."""

    def __init__(self, frames: Iterator[np.ndarray]):
        self.frames, self.held, self.first = iter(frames), [], 0

    def take(self, start: int, stop: int) -> np.ndarray:
        self.held = self.held[max(0, start - self.first):]
        self.first = max(self.first, start)
        while self.first + len(self.held) < stop:
            self.held.append(next(self.frames))
        return np.stack(self.held[:stop - self.first])


class DiffusionBackbone:
    """A diffusers image-to-video model as a Backbone; `observer` sees every pinned step (tests, debugging)."""

    def __init__(self, spec: ModelSpec, *, tiny: bool = False, settings: DiffusionSettings | None = None):
        self.spec, self.tiny = spec, tiny
        self.settings = settings or DiffusionSettings()
        self.name = spec.name + (":tiny" if tiny else "")
        self.adapter = ADAPTERS[spec.family]()
        self.observer: Callable[[StepRecord], None] | None = None
        self._pipe: Any = None
        self._extra: dict[str, Any] = {}
        self._device = torch.device("cpu")
        self._folder = None
        if not tiny and self.settings.refine_strength > 0:  # fail before any work when the weights are missing
            from toolkit.diffusion.loading import weights_folder

            self._folder = weights_folder(spec, self.settings)

    # ------------------------------------------------------------------ configuration

    @property
    def pipe(self) -> Any:
        """The diffusers pipeline, built on first use."""
        if self._pipe is None:
            from toolkit.diffusion.loading import build_pipeline

            self._pipe, self._extra, self._device = build_pipeline(self.spec, self.settings, tiny=self.tiny,
                                                                   folder=self._folder)
        return self._pipe

    @property
    def steps(self) -> int:
        return self.settings.steps or (TINY_STEPS if self.tiny else self.spec.steps)

    @property
    def guidance(self) -> float:
        return self.settings.guidance if self.settings.guidance is not None else self.spec.guidance

    def window_plan(self, n_frames: int) -> list[Window]:
        """The windows a clip of `n_frames` is rendered in."""
        window = self.settings.window or (TINY_FRAMES[self.spec.family] if self.tiny else self.spec.native_frames)
        overlap = self.settings.overlap if self.settings.overlap is not None else max(1, window // 4)
        if overlap > window // 2:
            raise InputError(f"--overlap must be at most half the window of {window} frames, got {overlap}")
        return plan_windows(n_frames, window, overlap)

    def render_size(self, plan_size: tuple[int, int]) -> tuple[int, int]:
        """(width, height) the model renders at: --size, else its native area at the plan's aspect."""
        if self.settings.size is not None:
            return tuple(self.settings.size)
        return fit_size(plan_size, TINY_SIZE if self.tiny else self.spec.native_size, self.adapter.multiple)

    def keep_mask(self, moving: np.ndarray | None, width: int, height: int) -> np.ndarray | None:
        """(h, w) float at latent size, 1 where latents keep the source, from the plan's moving
        pixels (`moving_mask`); None when the background is free."""
        if moving is None:
            return None
        h, w = self.adapter.latent_size(self.pipe, width, height)
        return (~mask_to_latent(moving, h, w)).astype(np.float32)

    # ------------------------------------------------------------------ rendering

    def draft(self, image: np.ndarray, plan: MotionPlan, seed: int) -> Iterator[np.ndarray]:
        """The warp backbone's rendering of the plan: the motion the model refines."""
        from toolkit.warp.renderer import WarpBackbone

        return WarpBackbone().render(image, plan, seed=seed)

    def render(self, image: np.ndarray, plan: MotionPlan, *, seed: int = 0,
               progress: Progress | None = None) -> Iterator[np.ndarray]:
        """Yield the plan's frames one by one, uint8 RGB at the plan's size."""
        image = image if plan.source is None else plan.source
        strength = self.settings.refine_strength
        frames: Iterator[np.ndarray]
        if strength <= 0.0:
            frames = self.draft(image, plan, seed)
        else:
            frames = self._diffuse(image, plan, seed)
        for index, frame in enumerate(frames):
            yield frame
            if progress is not None:
                progress(index + 1, plan.n_frames)

    def _diffuse(self, image: np.ndarray, plan: MotionPlan, seed: int) -> Iterator[np.ndarray]:
        width, height = self.render_size(plan.size)
        windows = self.window_plan(plan.n_frames)
        log.info("%s: %d frames in %d windows at %dx%d, %d steps", self.name, plan.n_frames, len(windows),
                 width, height, self.steps)
        source = resize(image, (width, height))
        draft = None
        if self.settings.refine_strength < 1.0:
            draft = FrameTap(resize(frame, (width, height)) for frame in self.draft(image, plan, seed))
        moving = moving_mask(plan.regions, plan.tracks) if self.settings.region_lock else None
        keep = self.keep_mask(moving, width, height)
        # the locked latents decode to (nearly) the source; in pixels it is put back exactly
        keep_pixels = None if moving is None else keep_weights(moving, 0.01 * math.hypot(*plan.size))
        rendered = self._windows(windows, source, draft, keep, plan.fps, seed)
        for index, frame in enumerate(stitch(windows, rendered)):
            if index == 0:
                yield image.copy()
                continue
            frame = resize(to_uint8(frame), plan.size)
            yield frame if keep_pixels is None else composite_source(frame, image, keep_pixels)

    def _windows(self, windows: list[Window], source: np.ndarray, draft: FrameTap | None, keep: np.ndarray | None,
                 fps: float, seed: int) -> Iterator[np.ndarray]:
        """Each window's frames, float in [0, 1] at the render size."""
        pipe, adapter = self.pipe, self.adapter
        device = self._device
        previous: np.ndarray | None = None
        held: dict[str, torch.Tensor] = {}  # the source's latent, where the VAE encodes frames one by one
        for index, window in enumerate(windows):
            count = adapter.frames_to_render(window.length)
            context = np.zeros((0, *source.shape), np.uint8)
            condition = source
            if window.context:
                offset = window.start - windows[index - 1].start
                context = to_uint8(previous[offset:offset + window.context])
                condition = context[0]
            pinned = set(range(context_latents(window.context, adapter.temporal_factor)))
            if index == 0 and keep is not None:
                pinned.add(0)  # the first frame is the source
            draft_latents = reference = None
            if draft is not None:
                video = draft.take(window.start, window.stop).copy()
                video[:window.context] = context
                draft_latents = adapter.encode(pipe, padded(video, count))
            if keep is not None or pinned:
                reference = adapter.encode_held(pipe, context, source, count - window.context, held)
            known = draft_latents if draft_latents is not None else reference
            noise = None
            if known is not None:  # our own noise, apart from the generator the pipeline draws from
                own = torch.Generator(device="cpu").manual_seed(seed * 7919 + index + 1)
                noise = torch.randn(known.shape, generator=own).to(device)
            start, latents = 0, None
            if draft_latents is not None:
                start = start_index(self.steps, self.settings.refine_strength)
                pipe.scheduler.set_timesteps(self.steps, device=device)
                truncate_schedule(pipe.scheduler, start)
                latents = adapter.pipeline_latents(pipe, renoise(draft_latents, noise, level_at(pipe.scheduler, 0)))
            callback = None
            if reference is not None:
                spatial = keep if keep is not None else np.zeros(reference.shape[-2:], np.float32)
                mask = adapter.keep_tensor(spatial, reference.shape[adapter.frame_axis], pinned, device)
                callback = PinLatents(reference, noise, mask, window=index, observer=self.observer)
            call = Call(condition, count, self.steps, self.guidance, fps,
                        torch.Generator(device="cpu").manual_seed(seed + index), latents, callback)
            with partial_schedule(pipe.scheduler, start):
                frames = adapter(pipe, call, self.settings, self._extra)[:window.length]
            previous = frames
            yield frames
