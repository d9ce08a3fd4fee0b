"""The bundled examples: images that ship inside installed packages, rendered with the default backbone.

    python -m toolkit.examples OUT_DIR

writes one clip per example and a PNG contact sheet beside each.
"""

from __future__ import annotations

import logging
import sys
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from toolkit.imaging.garment_drawing import DrawnGarment


@dataclass(frozen=True)
class Example:
    """One example render: a mode, an image that ships with a dependency, and its options."""

    name: str
    mode: str
    image: str
    options: dict[str, Any] = field(default_factory=dict)


def skimage_image(filename: str) -> Path:
    """Path of an image bundled with scikit-image."""
    import skimage

    return Path(skimage.__file__).parent / "data" / filename


EXAMPLES = [
    Example("click_rocket_rise", "click", "rocket.jpg", {"points": [(320.0, 250.0), (320.0, 150.0)], "prompt": "rise"}),
    Example("click_coffee_swirl", "click", "coffee.png", {"points": [(280.0, 150.0)], "prompt": "swirl", "loop": True}),
    Example("pose_astronaut_sway", "pose", "astronaut.png", {"preset": "sway"}),
    Example("portrait_astronaut_talks", "portrait", "astronaut.png", {"audio": None}),
    Example("outfit_astronaut_sway", "outfit", "astronaut.png", {"garment": [DrawnGarment("green_long_sleeve")],
                                                                  "animate": "sway"}),
]


def bundled_speech() -> Path:
    """The project's own synthetic speech clip (see toolkit/data/README.md)."""
    return Path(__file__).parent / "data" / "speech_hello.ogg"


def render_examples(out_dir: Path) -> list[Path]:
    """Render every example into out_dir; returns the clips written."""
    from toolkit.pipeline import render
    from toolkit.plugins import get_mode

    out_dir.mkdir(parents=True, exist_ok=True)
    written = []
    for example in EXAMPLES:
        mode = get_mode(example.mode)
        output = out_dir / f"{example.name}.mp4"
        settings = dict(example.options)
        if "audio" in settings:
            settings["audio"] = settings["audio"] or bundled_speech()
        options = mode.options_class(contact_sheet=out_dir / f"{example.name}.png", **settings)
        start = time.perf_counter()
        result = render(mode, skimage_image(example.image), output, options)
        print(f"{output}: {result.frames} frames {result.size[0]}x{result.size[1]} "
              f"in {time.perf_counter() - start:.1f} s (contact sheet {result.contact_sheet})")
        written.append(output)
    return written


def main(argv: list[str] | None = None) -> None:
    args = sys.argv[1:] if argv is None else argv
    logging.basicConfig(level=logging.WARNING)
    render_examples(Path(args[0] if args else "out"))


if __name__ == "__main__":
    main()
