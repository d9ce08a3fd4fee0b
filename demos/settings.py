"""How the demo server runs and what it accepts: one dataclass, from which `animate demo`'s flags are made.

This module imports nothing heavy, so `animate --help` stays quick.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from toolkit.errors import InputError
from toolkit.options import option

_UNITS = {"": 1, "b": 1, "kb": 1000, "mb": 1000**2, "gb": 1000**3}


def parse_size(text: str) -> int:
    """'50mb', '512kb', '2gb' or a plain number of bytes -> bytes."""
    match = re.fullmatch(r"\s*(\d+)\s*([kmg]?b?)\s*", str(text).lower())
    if not match:
        raise InputError(f"bad size '{text}': expected bytes or a number with kb, mb or gb, e.g. 50mb")
    return int(match.group(1)) * _UNITS[match.group(2)]


@dataclass(frozen=True)
class DemoSettings:
    """Where the demo listens and the limits that keep one machine serving many visitors."""

    host: str = option("127.0.0.1", help="address to listen on; 0.0.0.0 lets other machines connect",
                       metavar="ADDR")
    port: int = option(7860, help="port to listen on", metavar="PORT")
    share: bool = option(False, help="also open a public gradio.live link (needs the internet)")
    max_file_size: int = option(50 * 1000**2, help="largest upload (default: 50mb)", parse=parse_size,
                                metavar="SIZE")
    max_frames: int = option(300, help="most frames the demo renders in one job (an animated outfit counts "
                             "every garment's clip)", metavar="N")
    max_media_seconds: float = option(20.0, help="longest audio or driving video the demo accepts, in seconds",
                                      metavar="S")
    job_timeout_s: float = option(120.0, help="stop a render still running after this many seconds",
                                  flag="--job-timeout", metavar="S")
    concurrency: int = option(2, help="renders at once (the others wait in the queue)", metavar="N")
    queue_size: int = option(32, help="jobs that may wait; more are turned away with 'queue full'",
                             metavar="N")
    keep_files_s: int = option(3600, help="delete uploads and results this many seconds after they were made",
                               flag="--keep-files", metavar="S")

    def __post_init__(self) -> None:
        self.validate()

    def validate(self) -> None:
        """Raise InputError for settings the demo cannot run with."""
        if not 0 <= self.port <= 65535:
            raise InputError(f"--port must be between 0 and 65535, got {self.port}")
        for flag, value in (("--max-file-size", self.max_file_size), ("--max-frames", self.max_frames),
                            ("--max-media-seconds", self.max_media_seconds), ("--job-timeout", self.job_timeout_s),
                            ("--concurrency", self.concurrency), ("--queue-size", self.queue_size),
                            ("--keep-files", self.keep_files_s)):
            if value <= 0:
                raise InputError(f"{flag} must be positive, got {value:g}")
