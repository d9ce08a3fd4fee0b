"""Build a diffusers pipeline for a model spec (tiny random, local folder or hub id) and apply runtime switches."""

from __future__ import annotations

import logging
from pathlib import Path
from typing import Any

import torch

from toolkit.diffusion.registry import ModelSpec
from toolkit.diffusion.settings import DiffusionSettings
from toolkit.errors import InputError
from weights.manager import model_folder

log = logging.getLogger(__name__)

_DTYPES = {"float32": torch.float32, "float16": torch.float16, "bfloat16": torch.bfloat16}


def _mps_available() -> bool:
    return getattr(torch.backends, "mps", None) is not None and torch.backends.mps.is_available()


def pick_device(name: str) -> torch.device:
    """'auto' is the first GPU (CUDA, then Apple MPS), else the CPU; a named GPU must exist on this machine."""
    if name == "auto":
        if torch.cuda.is_available():
            return torch.device("cuda")
        return torch.device("mps") if _mps_available() else torch.device("cpu")
    try:
        device = torch.device(name)
    except RuntimeError:
        raise InputError(f"--device: '{name}' is not a torch device (try cuda, cuda:1, mps or cpu)") from None
    if device.type == "cuda":
        found = torch.cuda.device_count() if torch.cuda.is_available() else 0
        if (device.index or 0) >= found:
            raise InputError(f"--device {name}: no such CUDA device on this machine ({found} found)")
    elif device.type == "mps" and (not _mps_available() or (device.index or 0) > 0):
        raise InputError(f"--device {name}: Apple MPS is not available on this machine")
    return device


def pick_dtype(name: str, spec: ModelSpec, device: torch.device) -> torch.dtype:
    """'auto' is float32 on a CPU, else what the model's authors run it in (SVD float16, Wan bfloat16)."""
    if name != "auto":
        return _DTYPES[name]
    if device.type == "cpu":
        return torch.float32
    return torch.bfloat16 if spec.family == "wan" else torch.float16


def weights_folder(spec: ModelSpec, settings: DiffusionSettings) -> Path:
    """The local diffusers folder of a model (--weights overrides the registry), never downloading."""
    return model_folder(settings.weights or spec.checkpoint)


def weights_variant(folder: Path) -> str | None:
    """The diffusers variant a folder's weights are saved as ("fp16" for unet/*.fp16.safetensors
    and no plain file beside them, as the weights manager fetches SVD), else None."""
    for component in sorted(Path(folder).iterdir()) if Path(folder).is_dir() else ():
        if not component.is_dir():
            continue
        files = [f.name for f in component.iterdir()]
        marked = [name for name in files if ".fp16." in name and name.endswith((".safetensors", ".bin"))]
        plain = [name for name in files if name.endswith((".safetensors", ".bin")) and ".fp16." not in name]
        if marked and not plain:
            return "fp16"
    return None


def build_pipeline(spec: ModelSpec, settings: DiffusionSettings, *, tiny: bool = False,
                   folder: Path | None = None) -> tuple[Any, dict[str, Any], torch.device]:
    """(pipeline, extra call arguments, device it computes on): the spec's pipeline with the switches applied."""
    import diffusers

    device = pick_device(settings.device)
    dtype = pick_dtype(settings.dtype, spec, device)
    pipeline_class = getattr(diffusers, spec.pipeline)
    extra: dict[str, Any] = {}
    if tiny:
        components = spec.tiny(0)
        if spec.family == "wan":
            from toolkit.diffusion.tiny import tiny_text_embeddings

            positive, negative = tiny_text_embeddings(components["text_encoder"])
            extra = {"prompt_embeds": positive, "negative_prompt_embeds": negative}
        pipe = pipeline_class(**components)
        if dtype != torch.float32:
            pipe.to(dtype=dtype)
    else:
        folder = folder or weights_folder(spec, settings)
        torch_dtype: Any = dtype
        if spec.family == "wan":  # Wan's authors keep the VAE and the image encoder in float32
            torch_dtype = {"default": dtype, "vae": torch.float32, "image_encoder": torch.float32}
        variant = weights_variant(folder)
        log.info("loading %s from %s (%s on %s%s)", spec.name, folder, dtype, device,
                 f", {variant} files" if variant else "")
        pipe = pipeline_class.from_pretrained(folder, torch_dtype=torch_dtype, local_files_only=True,
                                              **({"variant": variant} if variant else {}))
    pipe.set_progress_bar_config(disable=True)
    apply_switches(pipe, settings, device)
    return pipe, extra, device


def denoisers(pipe: Any) -> list[torch.nn.Module]:
    """The pipeline's denoising networks (UNet or transformers)."""
    return [module for name in ("unet", "transformer", "transformer_2")
            if (module := getattr(pipe, name, None)) is not None]


def apply_switches(pipe: Any, settings: DiffusionSettings, device: torch.device) -> None:
    """Device placement and the opt-in memory and speed helpers diffusers offers."""
    if settings.cpu_offload:
        if device.type == "cpu":
            raise InputError("--cpu-offload needs a GPU device (--device cuda)")
        pipe.enable_model_cpu_offload(device=device)
    else:
        pipe.to(device)
    vae = pipe.vae
    for flag, wanted, method in (("--vae-tiling", settings.vae_tiling, "enable_tiling"),
                                 ("--vae-slicing", settings.vae_slicing, "enable_slicing")):
        if not wanted:
            continue
        try:
            getattr(vae, method)()
        except (AttributeError, NotImplementedError):
            log.warning("%s: %s cannot do this; ignored (SVD: use --decode-chunk)", flag, type(vae).__name__)
    if settings.attention != "default":
        for module in denoisers(pipe):
            try:
                module.set_attention_backend(settings.attention)
            except (ValueError, RuntimeError, ImportError, NotImplementedError) as exc:
                raise InputError(f"--attention {settings.attention}: {exc}") from None
    if settings.compile:
        for module in denoisers(pipe):
            module.compile()
