"""Backbones by name: what renders a MotionPlan into frames."""

from __future__ import annotations

from typing import Callable, Iterator, Protocol

import numpy as np

from toolkit.errors import InputError
from toolkit.motion.plan import MotionPlan

Progress = Callable[[int, int], None]


class Backbone(Protocol):
    """Renders a plan; knows nothing of the mode that made it."""

    name: str

    def render(self, image: np.ndarray, plan: MotionPlan, *, seed: int = 0,
               progress: Progress | None = None) -> Iterator[np.ndarray]: ...


def _warp() -> Backbone:
    from toolkit.warp.renderer import WarpBackbone

    return WarpBackbone()


BACKBONES: dict[str, Callable[[], Backbone]] = {"warp": _warp}


def backbone_names() -> list[str]:
    return sorted(BACKBONES)


def get_backbone(name: str) -> Backbone:
    """A backbone instance by name; an unknown name is an InputError listing the known ones."""
    try:
        factory = BACKBONES[name]
    except KeyError:
        raise InputError(f"unknown backbone '{name}'; known backbones: {', '.join(backbone_names())}") from None
    return factory()
