"""Points and drags as text, the way the API takes them: "x,y;x,y" and "x0,y0:x1,y1;...".

Each item is parsed by the CLI's own parser (toolkit.options), so a bad item gets the CLI's message.
"""

from __future__ import annotations

import re
from collections.abc import Sequence

from toolkit.options import parse_drag, parse_point

Point = tuple[float, float]
Drag = tuple[Point, Point]

_SEPARATORS = re.compile(r"[;\n]+")


def items(text: str | None) -> list[str]:
    """The non-empty items of a ';'- or newline-separated list."""
    return [item.strip() for item in _SEPARATORS.split(text or "") if item.strip()]


def parse_points(text: str | None) -> list[Point]:
    """'x,y;x,y' -> [(x, y), ...]."""
    return [parse_point(item) for item in items(text)]


def parse_drags(text: str | None) -> list[Drag]:
    """'x0,y0:x1,y1;...' -> [((x0, y0), (x1, y1)), ...]."""
    return [parse_drag(item) for item in items(text)]


def format_point(point: Point) -> str:
    """(x, y) -> 'x,y' with no needless decimals."""
    return f"{point[0]:g},{point[1]:g}"


def format_points(points: Sequence[Point]) -> str:
    """[(x, y), ...] -> 'x,y;x,y'."""
    return ";".join(format_point(p) for p in points)


def format_drags(drags: Sequence[Drag]) -> str:
    """[((x0, y0), (x1, y1)), ...] -> 'x0,y0:x1,y1;...'."""
    return ";".join(f"{format_point(a)}:{format_point(b)}" for a, b in drags)
