"""One-call helpers for each mode, mirroring the `animate` subcommands."""

from __future__ import annotations

from pathlib import Path

from modes.click import ClickOptions
from toolkit.pipeline import RenderResult, render


def animate_click(image: str | Path, output: str | Path, **options) -> RenderResult:
    """Click mode in one call: `animate_click("photo.jpg", "out.mp4", points=[(x, y)], prompt="rise")`."""
    return render("click", image, output, ClickOptions(**options))
