"""Each render runs in its own child process, forked from a warm server that has the toolkit imported.

Why a process and not a thread of the web server: a job past its time limit can be killed
wherever it is (even inside C code that never calls back), a crash in native code cannot take
the server down, and renders never compete with the server (or each other) for Python's GIL:
two warp renders in threads of one process were seen to stall for minutes.

The child renders as the CLI does (toolkit.pipeline.write_outputs: the pipeline, or the mode's own
`write` for a mode whose output is not always one clip, such as outfit's stills and catalogues) and sends
("progress", done, total) after every frame and ("note", message) for what the mode tells its
user, then ("done", [paths]), ("input_error", message) or ("error", traceback).
"""

from __future__ import annotations

import logging
import multiprocessing
import traceback
from dataclasses import dataclass, field
from multiprocessing.connection import Connection
from pathlib import Path
from typing import Any

from demos.limits import Deadline
from toolkit.errors import InputError

log = logging.getLogger(__name__)

# Imported once by the fork server, so a job's process starts with them loaded.
PRELOAD = ["numpy", "cv2", "scipy.spatial", "skimage.segmentation", "toolkit.pipeline", "toolkit.warp.renderer",
           "toolkit.imaging.fill", "toolkit.perception.segment", "modes.click", "modes.pose", "modes.portrait",
           "modes.outfit", "toolkit.dressing"]
POLL_S = 0.1
KILL_WAIT_S = 5.0


class RenderCrashed(RuntimeError):
    """The render process failed with an internal error or died."""


@dataclass
class JobResult:
    """What a finished job wrote, and the notes its mode gave on the way (e.g. the garment category it chose)."""

    files: list[str] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)


def job_context() -> multiprocessing.context.BaseContext:
    """The fork-server context that job processes come from."""
    context = multiprocessing.get_context("forkserver")
    context.set_forkserver_preload(PRELOAD)
    return context


def warm_up() -> None:
    """Start the fork server now (it imports PRELOAD), so that the first visitor does not wait for it."""
    from multiprocessing import forkserver

    job_context()
    forkserver.ensure_running()


def child_main(mode: Any, image: str, output: str, options: Any, channel: Connection) -> None:
    """In the job's process: render and report progress, notes and the outcome through `channel`."""
    from toolkit.pipeline import write_outputs

    def progress(done: int, total: int) -> None:
        channel.send(("progress", done, total))

    try:
        written = write_outputs(mode, image, output, options, progress=progress,
                                notify=lambda message: channel.send(("note", message)))
        channel.send(("done", [str(path) for path in written.files]))
    except InputError as exc:
        channel.send(("input_error", str(exc)))
    except BaseException:  # noqa: BLE001 - everything goes back to the server, which logs it
        channel.send(("error", traceback.format_exc()))
    finally:
        channel.close()


def handle(message: tuple, deadline: Deadline, result: JobResult) -> bool:
    """Act on one message from the child, filling `result`; True once the job is done."""
    kind = message[0]
    if kind == "progress":
        deadline(message[1], message[2])  # reports to the page; raises past the limits
        return False
    if kind == "note":
        result.notes.append(message[1])
        return False
    if kind == "done":
        result.files = list(message[1])
        return True
    if kind == "input_error":
        raise InputError(message[1])
    log.error("demo: the render process failed:\n%s", message[1])
    raise RenderCrashed("the render process failed (see the log above)")


def render_in_process(mode: Any, image: str | Path, output: str | Path, options: Any, deadline: Deadline) -> JobResult:
    """Render in a child process, following its progress; kill it past the deadline. Returns what it wrote."""
    context = job_context()
    receive, send = context.Pipe(duplex=False)
    process = context.Process(target=child_main, args=(mode, str(image), str(output), options, send), daemon=True)
    process.start()
    send.close()
    result = JobResult()
    try:
        while True:
            if receive.poll(POLL_S):
                try:
                    done = handle(receive.recv(), deadline, result)
                except EOFError:
                    raise RenderCrashed(f"the render process ended without a result (exit code "
                                        f"{process.exitcode})") from None
                if done:
                    return result
            else:
                deadline.check()
    finally:
        stop(process)
        receive.close()


def stop(process: multiprocessing.process.BaseProcess) -> None:
    """Let a finished job's process exit; kill one that is still working."""
    process.join(0.5)
    if process.is_alive():
        process.kill()
        process.join(KILL_WAIT_S)
