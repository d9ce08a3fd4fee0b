"""Modes as plugins: each mode registers under the `toolkit.modes` entry-point group."""

from __future__ import annotations

from importlib.metadata import entry_points
from typing import Any, Protocol

import numpy as np

from toolkit.errors import InputError
from toolkit.motion.plan import MotionPlan

ENTRY_POINT_GROUP = "toolkit.modes"


class Mode(Protocol):
    """Turns a mode's inputs into a MotionPlan; it does not render."""

    name: str
    summary: str
    options_class: type

    def plan(self, image: np.ndarray, options: Any, *, scale: float = 1.0) -> MotionPlan:
        """Plan the motion of `image`; `scale` maps user pixel coordinates onto it."""
        ...


def load_modes() -> dict[str, Mode]:
    """Every installed mode by name, in name order."""
    modes: dict[str, Mode] = {}
    for entry in entry_points(group=ENTRY_POINT_GROUP):
        mode_class = entry.load()
        modes[entry.name] = mode_class()
    return dict(sorted(modes.items()))


def get_mode(name: str) -> Mode:
    """One installed mode; an unknown name is an InputError listing the installed ones."""
    modes = load_modes()
    if name not in modes:
        raise InputError(f"unknown mode '{name}'; installed modes: {', '.join(modes) or 'none'}")
    return modes[name]
