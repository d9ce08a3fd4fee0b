"""A one-line progress bar on stderr for long command-line work (frames rendered, bytes fetched)."""

from __future__ import annotations

import sys
from typing import Callable


def frames_text(done: int, total: int) -> str:
    return f"{done}/{total} frames"


class ProgressBar:
    """Called with (done, total) as work goes on; drawn only when the stream is a terminal.

    `describe` writes the figures after the bar; a total of 0 means unknown (an empty bar, and
    no line end until the caller writes one).
    """

    width = 30

    def __init__(self, label: str = "", describe: Callable[[int, int], str] = frames_text, stream=None):
        self.label, self.describe = label, describe
        self.stream = stream or sys.stderr
        self.enabled = self.stream.isatty()

    def __call__(self, done: int, total: int) -> None:
        if not self.enabled:
            return
        filled = int(self.width * done / total) if total else 0
        prefix = f"{self.label} " if self.label else ""
        self.stream.write(f"\r{prefix}[{'#' * filled}{'.' * (self.width - filled)}] {self.describe(done, total)}")
        if total and done >= total:
            self.stream.write("\n")
        self.stream.flush()
