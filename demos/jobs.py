"""Running renders for the demo: a private work folder, limits, progress, and errors a visitor can read."""

from __future__ import annotations

import functools
import html
import logging
import re
import shutil
import tempfile
import threading
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any, TypeVar

import gradio as gr

from demos.limits import Deadline, check_frames, check_media_length
from demos.settings import DemoSettings
from demos.worker import JobResult, render_in_process
from toolkit.errors import InputError
from toolkit.plugins import Mode

log = logging.getLogger(__name__)

GENERIC_ERROR = ("Something went wrong on the server. Please try again; "
                 "if it keeps happening, the server's log has the details.")

F = TypeVar("F", bound=Callable[..., Any])


def server_roots() -> list[str]:
    """Folders whose paths the page should not see: gradio's upload cache and the system temp folder."""
    from gradio.utils import get_upload_folder

    return sorted({str(Path(get_upload_folder()).resolve()), get_upload_folder(), tempfile.gettempdir()},
                  key=len, reverse=True)


def hide_server_paths(message: str, roots: list[str]) -> str:
    """Shorten paths under the server's folders to their file names ('/tmp/gradio/ab12/cat.png' -> 'cat.png')."""
    for root in roots:
        message = re.sub(re.escape(root.rstrip("/")) + r"/(?:[^/'\"\s]+/)*", "", message)
    return message


def page_error(exc: BaseException, where: str) -> gr.Error:
    """The gr.Error the page shows for an exception: the CLI's message for bad input, a short generic one otherwise."""
    if isinstance(exc, gr.Error):
        return exc
    if isinstance(exc, InputError):
        # gradio renders the message as HTML: a file name must not become markup
        text = hide_server_paths(str(exc), server_roots())
        return gr.Error(html.escape(text, quote=False), print_exception=False)
    log.error("demo: internal error in %s", where, exc_info=exc)
    return gr.Error(GENERIC_ERROR, print_exception=False)


def friendly_errors(fn: F) -> F:
    """Wrap an event handler so that no exception reaches the page as anything but a short message."""

    @functools.wraps(fn)
    def wrapper(*args: Any, **kwargs: Any) -> Any:
        try:
            return fn(*args, **kwargs)
        except Exception as exc:  # noqa: BLE001 - every error becomes a message the page can show
            raise page_error(exc, fn.__name__) from None

    return wrapper  # type: ignore[return-value]


def safe_stem(name: str, limit: int = 40) -> str:
    """A file-name stem of letters, digits, '-' and '_' only (ffmpeg reads '%' as a frame pattern)."""
    stem = re.sub(r"[^A-Za-z0-9_-]+", "_", Path(name).stem).strip("_")[:limit]
    return stem or "image"


class Workspace:
    """The demo's own temporary folder: rendered clips under jobs/, and (when serving) gradio's cache.

    gradio copies each result into its cache (which `delete_cache` empties) as soon as a
    handler returns, so a job's folder is only needed briefly: job folders older than
    `keep_s` are removed whenever a new job starts, and the whole folder when the demo closes.
    """

    def __init__(self, keep_s: float = 600.0, parent: str | Path | None = None) -> None:
        self.root = Path(tempfile.mkdtemp(prefix="animate-demo-", dir=parent))
        self.jobs = self.root / "jobs"
        self.jobs.mkdir()
        self.keep_s = keep_s
        self._lock = threading.Lock()

    @property
    def gradio_cache(self) -> Path:
        """Where gradio keeps uploads and results when the demo is served on its own (see demos.app.serve)."""
        return self.root / "gradio"

    def new_output(self, mode: str, source: str | Path, suffix: str = ".mp4") -> Path:
        """A fresh path in a folder of its own for one job's output, named after the mode and the source image."""
        self.prune()
        job = Path(tempfile.mkdtemp(prefix=f"{mode}-", dir=self.jobs))
        return job / f"{mode}_{safe_stem(str(source))}{suffix}"

    def prune(self, now: float | None = None) -> None:
        """Remove job folders older than keep_s."""
        now = time.time() if now is None else now
        with self._lock:
            for job in self.jobs.iterdir() if self.jobs.is_dir() else ():
                try:
                    old = now - job.stat().st_mtime > self.keep_s
                except OSError:
                    continue
                if old:
                    shutil.rmtree(job, ignore_errors=True)

    def close(self) -> None:
        """Remove the whole folder."""
        shutil.rmtree(self.root, ignore_errors=True)


def gradio_reporter(progress: gr.Progress | None) -> Callable[[int, int], None] | None:
    """A (done, total) callback that moves the page's progress bar."""
    if progress is None:
        return None

    def report(done: int, total: int) -> None:
        progress((done, total), desc="Rendering", unit="frames")

    return report


class JobRunner:
    """Renders one job of any mode within the demo's limits; what every tab and endpoint calls."""

    def __init__(self, settings: DemoSettings, workspace: Workspace, modes: dict[str, Mode]) -> None:
        self.settings = settings
        self.workspace = workspace
        self.modes = modes

    def render(self, mode: str, image: str | Path | None, options: Any, progress: gr.Progress | None = None) -> str:
        """Render `image` with a mode's options; returns the path of the finished MP4."""
        return self.run(mode, image, options, progress=progress).files[0]

    def run(self, mode: str, image: str | Path | None, options: Any, suffix: str = ".mp4",
            progress: gr.Progress | None = None) -> JobResult:
        """Run one job of a mode; its output is named OUT<suffix> (a mode writing several files derives theirs)."""
        if not image:
            raise InputError("no image: upload an image first")
        check_frames(options.frames, self.settings.max_frames)
        deadline = Deadline(gradio_reporter(progress), self.settings.job_timeout_s, self.settings.max_frames)
        if progress is not None:
            progress(0.0, desc="Reading the inputs")
        output = self.workspace.new_output(mode, image, suffix)
        try:
            result = render_in_process(self.modes[mode], image, output, options, deadline)
        except BaseException:  # a failed or stopped job leaves nothing, even a clip finished at the deadline
            shutil.rmtree(output.parent, ignore_errors=True)
            raise
        log.info("demo: %s wrote %s in %.1f s", mode, ", ".join(Path(f).name for f in result.files),
                 deadline.elapsed())
        return result

    def check_media(self, path: str | Path | None, kind: str, what: str) -> None:
        """Refuse audio or video longer than the demo takes."""
        check_media_length(path, kind, what, self.settings.max_media_seconds)
