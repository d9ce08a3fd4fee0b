"""One-call helpers for each mode, mirroring the `animate` subcommands."""

from __future__ import annotations

from pathlib import Path

from modes.click import ClickOptions
from modes.portrait import PortraitOptions
from modes.pose import PoseOptions
from toolkit.pipeline import RenderResult, render


def animate_click(image: str | Path, output: str | Path, **options) -> RenderResult:
    """Click mode in one call: `animate_click("photo.jpg", "out.mp4", points=[(x, y)], prompt="rise")`."""
    return render("click", image, output, ClickOptions(**options))


def animate_pose(image: str | Path, output: str | Path, **options) -> RenderResult:
    """Pose mode in one call: `animate_pose("person.jpg", "out.mp4", preset="wave")`."""
    return render("pose", image, output, PoseOptions(**options))


def animate_portrait(image: str | Path, output: str | Path, **options) -> RenderResult:
    """Portrait mode in one call: `animate_portrait("face.jpg", "out.mp4", audio="speech.wav")`."""
    return render("portrait", image, output, PortraitOptions(**options))
