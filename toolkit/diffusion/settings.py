"""The knobs of a diffusion backbone, in one place (the CLI's render options fill them)."""

from __future__ import annotations

from dataclasses import dataclass, fields
from typing import Any

DTYPES = ("auto", "float32", "float16", "bfloat16")
ATTENTION_BACKENDS = ("default", "native", "flash", "flex", "sage", "xformers",
                      "_native_math", "_native_flash", "_native_efficient", "_native_cudnn")


@dataclass(frozen=True)
class DiffusionSettings:
    """How a diffusion backbone samples and where it runs; None means the model's own default."""

    steps: int | None = None
    guidance: float | None = None
    size: tuple[int, int] | None = None  # (width, height) the model renders at
    refine_strength: float = 0.6  # 0: the warp draft as is; 1: ignore the draft
    region_lock: bool = True  # pixels outside the plan's moving regions keep the source
    device: str = "auto"
    dtype: str = "auto"
    cpu_offload: bool = False
    vae_tiling: bool = False
    vae_slicing: bool = False
    decode_chunk: int | None = None
    attention: str = "default"
    compile: bool = False
    window: int | None = None  # frames per window; None: the model's native clip length
    overlap: int | None = None  # frames shared by neighbouring windows; None: a quarter of the window
    weights: str | None = None  # local diffusers folder or hub id instead of the registry's checkpoint
    caption: str = ""  # text prompt for text-conditioned models (Wan)


def settings_from(options: Any) -> DiffusionSettings:
    """DiffusionSettings from any options object holding some of its fields (others keep their defaults)."""
    values = {}
    for f in fields(DiffusionSettings):
        value = getattr(options, f.name, None)
        if f.name == "region_lock" and hasattr(options, "free_background"):
            value = not options.free_background
        if value is not None:
            values[f.name] = value
    return DiffusionSettings(**values)
