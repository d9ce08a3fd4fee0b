"""Keep native libraries' log lines (MediaPipe, TensorFlow Lite) off the user's terminal."""

from __future__ import annotations

import contextlib
import os
import sys
from typing import Iterator


@contextlib.contextmanager
def native_stderr_silenced() -> Iterator[None]:
    """Send file descriptor 2 to the null device while native code runs inside the block.

    MediaPipe's C++ graphs print start-up notices straight to the process's stderr, which
    would break the command line's one-line error messages.  Python's own sys.stderr is
    flushed first and restored afterwards, so nothing of ours is lost.
    """
    sys.stderr.flush()
    try:
        saved = os.dup(2)
    except OSError:  # no stderr to protect (e.g. a closed descriptor)
        yield
        return
    devnull = os.open(os.devnull, os.O_WRONLY)
    try:
        os.dup2(devnull, 2)
        yield
    finally:
        os.dup2(saved, 2)
        os.close(saved)
        os.close(devnull)
