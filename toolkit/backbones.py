"""Backbones by name: what renders a MotionPlan into frames."""

from __future__ import annotations

from typing import Any, Callable, Iterator, Protocol

import numpy as np

from toolkit.motion.plan import MotionPlan

Progress = Callable[[int, int], None]


class Backbone(Protocol):
    """Renders a plan; knows nothing of the mode that made it."""

    name: str

    def render(self, image: np.ndarray, plan: MotionPlan, *, seed: int = 0,
               progress: Progress | None = None) -> Iterator[np.ndarray]: ...


def _warp(options: Any = None) -> Backbone:
    from toolkit.warp.renderer import WarpBackbone

    return WarpBackbone()


BACKBONES: dict[str, Callable[[Any], Backbone]] = {"warp": _warp}


def backbone_names() -> list[str]:
    """Every name --backbone accepts (each diffusion model also takes a ':tiny' suffix)."""
    from toolkit.diffusion.registry import model_names

    return sorted(BACKBONES) + model_names()


def backbone_choices() -> list[str]:
    """Every --backbone value: the backbones by name, and each diffusion model's variants."""
    from toolkit.diffusion.registry import variant_names

    return sorted(BACKBONES) + variant_names()


def check_backbone(name: str) -> None:
    """Raise one InputError listing the known backbones when `name` is not one."""
    if name in BACKBONES:
        return
    from toolkit.diffusion.registry import check_name

    check_name(name, backbone_names())


def get_backbone(name: str, options: Any = None) -> Backbone:
    """A backbone instance by name, set up from render options (diffusion knobs); unknown names are InputErrors."""
    check_backbone(name)
    if name in BACKBONES:
        return BACKBONES[name](options)
    from toolkit.diffusion.backbone import DiffusionBackbone
    from toolkit.diffusion.registry import parse_name
    from toolkit.diffusion.settings import settings_from

    spec, tiny = parse_name(name)
    return DiffusionBackbone(spec, tiny=tiny, settings=settings_from(options))
