"""Diffusion backbones by name: which diffusers pipeline, which checkpoint, which defaults."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Callable

from toolkit.errors import InputError

TINY = "tiny"


@dataclass(frozen=True)
class ModelSpec:
    """One diffusion image-to-video model as the toolkit knows it."""

    name: str
    family: str  # "svd" or "wan": which adapter drives its pipeline
    pipeline: str  # diffusers pipeline class
    checkpoint: str  # name in the weights registry (weights.manager.model_folder)
    native_size: tuple[int, int]  # (width, height) it was trained at
    native_frames: int  # frames per clip it was trained on: the default window
    steps: int
    guidance: float
    tiny: Callable[[int], dict[str, Any]] | None = None  # builds tiny random components
    summary: str = ""


def _tiny_svd(seed: int) -> dict[str, Any]:
    from toolkit.diffusion.tiny import tiny_svd_components

    return tiny_svd_components(seed)


def _tiny_wan(seed: int) -> dict[str, Any]:
    from toolkit.diffusion.tiny import tiny_wan_components

    return tiny_wan_components(seed)


def _tiny_wan22(seed: int) -> dict[str, Any]:
    from toolkit.diffusion.tiny import tiny_wan22_components

    return tiny_wan22_components(seed)


MODELS: dict[str, ModelSpec] = {spec.name: spec for spec in (
    ModelSpec("svd", "svd", "StableVideoDiffusionPipeline", "svd", (1024, 576), 14, 25, 3.0, _tiny_svd,
              "Stable Video Diffusion img2vid (14 frames)"),
    ModelSpec("svd_xt", "svd", "StableVideoDiffusionPipeline", "svd_xt", (1024, 576), 25, 25, 3.0, _tiny_svd,
              "Stable Video Diffusion img2vid-xt (25 frames)"),
    ModelSpec("wan", "wan", "WanImageToVideoPipeline", "wan2.1_i2v_480p", (832, 480), 81, 40, 5.0, _tiny_wan,
              "Wan 2.1 image-to-video 14B, 480p"),
    ModelSpec("wan_720p", "wan", "WanImageToVideoPipeline", "wan2.1_i2v_720p", (1280, 720), 81, 40, 5.0, _tiny_wan,
              "Wan 2.1 image-to-video 14B, 720p"),
    ModelSpec("wan2.2", "wan", "WanImageToVideoPipeline", "wan2.2_i2v_a14b", (1280, 720), 81, 40, 3.5, _tiny_wan22,
              "Wan 2.2 image-to-video A14B (two experts), 720p"),
)}

# what a tiny variant renders at and runs by default: fast on a CPU
TINY_SIZE = (64, 64)
TINY_FRAMES = {"svd": 8, "wan": 9}
TINY_STEPS = 2


def model_names() -> list[str]:
    return sorted(MODELS)


def variant_names() -> list[str]:
    """Every name parse_name accepts: each model, then each model with tiny weights as NAME:tiny."""
    return model_names() + [f"{name}:{TINY}" for name in model_names() if MODELS[name].tiny is not None]


def parse_name(name: str) -> tuple[ModelSpec, bool]:
    """'svd' -> (spec, False); 'svd:tiny' -> (spec, True); anything else is an InputError."""
    base, _, variant = name.partition(":")
    spec = MODELS.get(base)
    if spec is None or variant not in ("", TINY) or (variant and spec.tiny is None):
        raise KeyError(name)
    return spec, bool(variant)


def check_name(name: str, known: list[str]) -> None:
    """InputError listing every known backbone when `name` is not one of them."""
    try:
        parse_name(name)
    except KeyError:
        raise InputError(f"unknown backbone '{name}'; known backbones: {', '.join(known)} "
                         f"(add ':tiny' to a diffusion backbone for tiny random weights)") from None
