"""Options as dataclasses, and the command line generated from them.

Each field's metadata names its flag and help text (and optionally a parser for one
command-line value and `repeat=True` for flags given several times), so the CLI and the
Python API share one definition and cannot drift apart.
"""

from __future__ import annotations

import argparse
import dataclasses
import re
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Callable

from toolkit.backbones import backbone_choices
from toolkit.diffusion.settings import ATTENTION_BACKENDS, DTYPES
from toolkit.errors import InputError


def option(default: Any = None, *, help: str, flag: str | None = None, parse: Callable[[str], Any] | None = None,
           repeat: bool = False, metavar: str | None = None, choices: list[str] | None = None) -> Any:
    """A dataclass field that is also a command-line option."""
    meta = {"help": help, "flag": flag, "parse": parse, "repeat": repeat, "metavar": metavar, "choices": choices}
    if repeat:
        return field(default_factory=list, metadata=meta)
    return field(default=default, metadata=meta)


_NUMBER = r"\s*(-?\d+(?:\.\d+)?)\s*"


def parse_point(text: str) -> tuple[float, float]:
    """'X,Y' -> (x, y)."""
    match = re.fullmatch(_NUMBER + "," + _NUMBER, text)
    if not match:
        raise InputError(f"bad point '{text}': expected X,Y in pixels, e.g. 320,240")
    return float(match.group(1)), float(match.group(2))


def parse_drag(text: str) -> tuple[tuple[float, float], tuple[float, float]]:
    """'X0,Y0:X1,Y1' -> ((x0, y0), (x1, y1))."""
    parts = text.split(":")
    if len(parts) != 2:
        raise InputError(f"bad drag '{text}': expected X0,Y0:X1,Y1 in pixels, e.g. 100,200:300,200")
    try:
        return parse_point(parts[0]), parse_point(parts[1])
    except InputError:
        raise InputError(f"bad drag '{text}': expected X0,Y0:X1,Y1 in pixels, e.g. 100,200:300,200") from None


def parse_size(text: str) -> tuple[int, int]:
    """'WxH' -> (width, height)."""
    match = re.fullmatch(r"\s*(\d+)\s*[xX]\s*(\d+)\s*", text)
    if not match:
        raise InputError(f"bad size '{text}': expected WxH in pixels, e.g. 1024x576")
    return int(match.group(1)), int(match.group(2))


DEFAULT_FRAMES = 48
DEFAULT_FPS = 25.0
MAX_FRAMES = 100_000


@dataclass
class RenderOptions:
    """Options every mode shares: clip length, rate, seed, backbone and input size."""

    frames: int | None = option(None, help="number of frames to render (default: 48, or the driving "
                                "input's length)", metavar="N")
    fps: float | None = option(None, help="frames per second of the output (default: 25, or the driving "
                               "input's rate)", metavar="F")
    seed: int = option(0, help="random seed: the same inputs and seed give the same frames", metavar="S")
    loop: bool = option(False, help="make the last frame lead back into the first")
    max_side: int = option(1024, help="downscale inputs whose longer side exceeds this many pixels", metavar="PX")
    backbone: str = option("warp", help="rendering backbone: warp, or a diffusion model svd, svd_xt, wan, "
                           "wan_720p, wan2.2 (add :tiny for tiny random weights that render noise, for tests)",
                           metavar="NAME",
                           choices=backbone_choices())
    contact_sheet: Path | None = option(None, help="also save a PNG contact sheet of frames here", metavar="PNG")
    # diffusion backbones only (the warp backbone ignores these)
    steps: int | None = option(None, help="diffusion: denoising steps (default: the model's)", metavar="N")
    guidance: float | None = option(None, help="diffusion: classifier-free guidance scale (default: the model's)",
                                    metavar="G")
    size: tuple[int, int] | None = option(None, help="diffusion: size the model renders at, multiples of 16 (default: "
                                          "the model's native area at the image's aspect; 64x64 for :tiny)",
                                          parse=parse_size, metavar="WxH")
    refine_strength: float = option(0.6, help="diffusion: how much the model may change the warp draft, 0 (keep "
                                    "the draft) to 1 (ignore it)", metavar="0..1")
    free_background: bool = option(False, help="diffusion: let the model change pixels outside the moving regions")
    window: int | None = option(None, help="diffusion: frames per window for long clips (default: the model's "
                                "clip length)", metavar="N")
    overlap: int | None = option(None, help="diffusion: frames neighbouring windows share, at most half the window "
                                 "(default: a quarter)", metavar="N")
    weights: str | None = option(None, help="diffusion: local diffusers folder or hub id to load instead of the "
                                 "registry's checkpoint", metavar="PATH_OR_ID")
    caption: str | None = option(None, help="diffusion: what the video shows, for text-conditioned models (wan)",
                                 metavar="TEXT")
    device: str = option("auto", help="diffusion: torch device, e.g. cuda, cuda:1, mps, cpu", metavar="DEV")
    dtype: str = option("auto", help="diffusion: weight precision (auto: float16/bfloat16 on a GPU, float32 on "
                        "a CPU)", choices=list(DTYPES))
    cpu_offload: bool = option(False, help="diffusion: keep models on the CPU, moving each to the GPU when used")
    vae_tiling: bool = option(False, help="diffusion: decode in tiles (less memory for large sizes)")
    vae_slicing: bool = option(False, help="diffusion: encode and decode one item at a time")
    decode_chunk: int | None = option(None, help="diffusion: frames decoded at once by SVD's VAE (default: all)",
                                      metavar="N")
    attention: str = option("default", help="diffusion: attention backend: native, flash, flex, sage, xformers or "
                            "_native_math/_flash/_efficient/_cudnn", choices=list(ATTENTION_BACKENDS), metavar="NAME")
    compile: bool = option(False, help="diffusion: torch.compile the denoiser (slow first run)")

    def clip_length(self, natural: int | None = None) -> int:
        """Frames to render: --frames, else the driving input's length, else the default."""
        return self.frames or natural or DEFAULT_FRAMES

    def frame_rate(self, natural: float | None = None) -> float:
        """Output rate: --fps, else the driving input's rate, else the default."""
        return self.fps or natural or DEFAULT_FPS

    def validate(self) -> None:
        """Raise InputError for values no render can use."""
        if self.frames is not None and self.frames < 1:
            raise InputError(f"--frames must be at least 1, got {self.frames}")
        if self.frames is not None and self.frames > MAX_FRAMES:
            raise InputError(f"--frames must be at most {MAX_FRAMES}, got {self.frames}")
        if self.fps is not None and not (0 < self.fps <= 240):
            raise InputError(f"--fps must be between 0 and 240, got {self.fps:g}")
        if self.max_side < 16:
            raise InputError(f"--max-side must be at least 16, got {self.max_side}")
        self.validate_backbone()

    def validate_backbone(self) -> None:
        """Raise InputError for a backbone or diffusion setting no render can use."""
        from toolkit.backbones import check_backbone

        check_backbone(self.backbone)
        for flag, value, low in (("--steps", self.steps, 1), ("--window", self.window, 2),
                                 ("--overlap", self.overlap, 0), ("--decode-chunk", self.decode_chunk, 1)):
            if value is not None and value < low:
                raise InputError(f"{flag} must be at least {low}, got {value}")
        if self.window is not None and self.overlap is not None and self.overlap > self.window // 2:
            raise InputError(f"--overlap must be at most half of --window, got {self.overlap} and {self.window}")
        if self.guidance is not None and self.guidance < 0:
            raise InputError(f"--guidance must not be negative, got {self.guidance:g}")
        if not 0.0 <= self.refine_strength <= 1.0:
            raise InputError(f"--refine-strength must be between 0 and 1, got {self.refine_strength:g}")
        if self.size is not None and (min(self.size) < 16 or self.size[0] % 16 or self.size[1] % 16):
            raise InputError(f"--size must be multiples of 16 of at least 16x16, got {self.size[0]}x{self.size[1]}")


def shared_render_options(options: RenderOptions) -> dict[str, Any]:
    """The RenderOptions fields of any mode's options, to hand on to another mode's options."""
    return {f.name: getattr(options, f.name) for f in dataclasses.fields(RenderOptions)}


def _flag(f: dataclasses.Field) -> str:
    return f.metadata.get("flag") or "--" + f.name.replace("_", "-")


def _scalar_type(f: dataclasses.Field) -> Callable[[str], Any]:
    parse = f.metadata.get("parse")
    if parse is not None:
        return parse
    annotation = str(f.type)
    for name, kind in (("int", int), ("float", float), ("Path", Path)):
        if annotation.startswith(name) or annotation.startswith(f"list[{name}"):
            return kind
    return str


def _checked(kind: Callable[[str], Any], flag: str) -> Callable[[str], Any]:
    """Wrap a value parser so a bad value is an InputError naming the flag."""
    def convert(text: str) -> Any:
        try:
            return kind(text)
        except InputError:
            raise
        except (TypeError, ValueError):
            name = getattr(kind, "__name__", "value")
            raise InputError(f"{flag}: '{text}' is not a valid {name}") from None
    return convert


def add_options(parser: argparse.ArgumentParser, options_class: type) -> None:
    """Add one command-line option per field of a dataclass of options."""
    for f in dataclasses.fields(options_class):
        meta = f.metadata
        if "help" not in meta:
            continue
        flag = _flag(f)
        kwargs: dict[str, Any] = {"dest": f.name, "help": meta["help"]}
        if meta.get("repeat"):
            kwargs.update(action="append", type=_checked(_scalar_type(f), flag), default=[])
        elif f.type in (bool, "bool"):
            kwargs.update(action="store_true", default=f.default)
        else:
            kwargs.update(type=_checked(_scalar_type(f), flag), default=f.default)
            if f.default is not None and "default:" not in meta["help"]:
                kwargs["help"] += f" (default: {f.default})"
        if meta.get("metavar"):
            kwargs["metavar"] = meta["metavar"]
        if meta.get("choices"):
            kwargs["choices"] = meta["choices"]
        parser.add_argument(flag, **kwargs)


def options_from_args(options_class: type, namespace: argparse.Namespace) -> Any:
    """Build a dataclass of options from parsed arguments."""
    values = {f.name: getattr(namespace, f.name) for f in dataclasses.fields(options_class) if hasattr(namespace, f.name)}
    return options_class(**values)
