"""Per-family glue between the toolkit and a stock diffusers pipeline: latent layout, VAE encoding, the call."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Callable

import numpy as np
import PIL.Image
import torch

from toolkit.diffusion.settings import DiffusionSettings

Callback = Callable[[Any, int, Any, dict[str, torch.Tensor]], dict[str, torch.Tensor]]


@dataclass(frozen=True)
class Call:
    """One window's sampling request, the same for every family."""

    image: np.ndarray  # (H, W, 3) uint8 conditioning frame at the render size
    frames: int
    steps: int
    guidance: float
    fps: float
    generator: torch.Generator
    latents: torch.Tensor | None = None
    callback: Callback | None = None


def video_tensor(video: np.ndarray, device: torch.device, dtype: torch.dtype) -> torch.Tensor:
    """(T, H, W, 3) uint8 -> (T, 3, H, W) in [-1, 1]."""
    tensor = torch.from_numpy(np.ascontiguousarray(video)).to(device).permute(0, 3, 1, 2)
    return (tensor.to(torch.float32) / 127.5 - 1.0).to(dtype)


class SvdAdapter:
    """Stable Video Diffusion: latents (1, T, C, h, w), one latent frame per frame, EDM (Euler) sampling."""

    temporal_factor = 1
    multiple = 64
    frame_axis = 1

    def frames_to_render(self, count: int) -> int:
        return count

    def latent_size(self, pipe: Any, width: int, height: int) -> tuple[int, int]:
        return height // pipe.vae_scale_factor, width // pipe.vae_scale_factor

    @torch.no_grad()
    def encode(self, pipe: Any, video: np.ndarray, chunk: int = 8) -> torch.Tensor:
        """(T, H, W, 3) uint8 -> the latents SVD's UNet denoises (scaled by the VAE's factor)."""
        vae = pipe.vae
        upcast = vae.dtype == torch.float16 and vae.config.force_upcast  # as the pipeline does
        if upcast:
            vae.to(dtype=torch.float32)
        try:
            parts = []
            for begin in range(0, len(video), chunk):
                pixels = video_tensor(video[begin:begin + chunk], pipe._execution_device, vae.dtype)
                parts.append(vae.encode(pixels).latent_dist.mode())
        finally:
            if upcast:
                vae.to(dtype=torch.float16)
        latents = torch.cat(parts).to(torch.float32) * vae.config.scaling_factor
        return latents.unsqueeze(0)

    def encode_held(self, pipe: Any, context: np.ndarray, still: np.ndarray, count: int,
                    cache: dict[str, torch.Tensor]) -> torch.Tensor:
        """Latents of the `context` frames, then of `count` copies of the `still` image.

        SVD's VAE encodes each frame on its own, so the still is encoded once per clip (kept in
        `cache`) and its latent repeated, not encoded again for every frame of every window.
        """
        if "still" not in cache:
            cache["still"] = self.encode(pipe, still[None])
        held = cache["still"].expand(-1, count, -1, -1, -1)
        if len(context) == 0:
            return held.clone()
        return torch.cat([self.encode(pipe, context), held], dim=self.frame_axis)

    def keep_tensor(self, spatial: np.ndarray, frames: int, pinned: set[int], device: torch.device) -> torch.Tensor:
        keep = np.broadcast_to(spatial, (frames, *spatial.shape)).astype(np.float32).copy()
        keep[sorted(pinned)] = 1.0
        return torch.from_numpy(keep)[None, :, None].to(device)

    def pipeline_latents(self, pipe: Any, latents: torch.Tensor) -> torch.Tensor:
        """SVD's pipeline multiplies given latents by init_noise_sigma; hand it what undoes that, in its dtype."""
        return (latents / pipe.scheduler.init_noise_sigma).to(pipe.image_encoder.dtype)

    def __call__(self, pipe: Any, call: Call, settings: DiffusionSettings, extra: dict[str, Any]) -> np.ndarray:
        height, width = call.image.shape[:2]
        out = pipe(image=PIL.Image.fromarray(call.image), height=height, width=width, num_frames=call.frames,
                   num_inference_steps=call.steps, min_guidance_scale=1.0, max_guidance_scale=call.guidance,
                   fps=int(np.clip(round(call.fps), 3, 30)), decode_chunk_size=settings.decode_chunk,
                   generator=call.generator, latents=call.latents, output_type="np",
                   callback_on_step_end=call.callback, callback_on_step_end_tensor_inputs=["latents"], **extra)
        return out.frames[0]


class WanAdapter:
    """Wan image-to-video: latents (1, C, T', h, w), a causal VAE (4 frames a latent after the first), flow matching."""

    temporal_factor = 4
    multiple = 16
    frame_axis = 2

    def frames_to_render(self, count: int) -> int:
        return 4 * -(-(count - 1) // 4) + 1

    def latent_size(self, pipe: Any, width: int, height: int) -> tuple[int, int]:
        return height // pipe.vae_scale_factor_spatial, width // pipe.vae_scale_factor_spatial

    @torch.no_grad()
    def encode(self, pipe: Any, video: np.ndarray) -> torch.Tensor:
        """(T, H, W, 3) uint8 -> Wan's normalised latents (1, C, T', h, w)."""
        vae = pipe.vae
        pixels = video_tensor(video, pipe._execution_device, vae.dtype).permute(1, 0, 2, 3).unsqueeze(0)
        latents = vae.encode(pixels).latent_dist.mode().to(torch.float32)
        mean = torch.tensor(vae.config.latents_mean, device=latents.device).view(1, -1, 1, 1, 1)
        std = torch.tensor(vae.config.latents_std, device=latents.device).view(1, -1, 1, 1, 1)
        return (latents - mean) * (1.0 / std)

    def encode_held(self, pipe: Any, context: np.ndarray, still: np.ndarray, count: int,
                    cache: dict[str, torch.Tensor]) -> torch.Tensor:
        """Latents of the `context` frames, then of `count` copies of the `still` image (Wan's causal
        VAE encodes frames together, so the held still is encoded as part of the clip)."""
        return self.encode(pipe, np.concatenate([context, np.repeat(still[None], count, axis=0)]))

    def keep_tensor(self, spatial: np.ndarray, frames: int, pinned: set[int], device: torch.device) -> torch.Tensor:
        keep = np.broadcast_to(spatial, (frames, *spatial.shape)).astype(np.float32).copy()
        keep[sorted(pinned)] = 1.0
        return torch.from_numpy(keep)[None, None].to(device)

    def pipeline_latents(self, pipe: Any, latents: torch.Tensor) -> torch.Tensor:
        return latents

    def __call__(self, pipe: Any, call: Call, settings: DiffusionSettings, extra: dict[str, Any]) -> np.ndarray:
        height, width = call.image.shape[:2]
        text = extra if extra else {"prompt": settings.caption or "", "negative_prompt": ""}
        out = pipe(image=PIL.Image.fromarray(call.image), height=height, width=width, num_frames=call.frames,
                   num_inference_steps=call.steps, guidance_scale=call.guidance, generator=call.generator,
                   latents=call.latents, output_type="np", callback_on_step_end=call.callback,
                   callback_on_step_end_tensor_inputs=["latents"], **text)
        return out.frames[0]


ADAPTERS = {"svd": SvdAdapter, "wan": WanAdapter}
