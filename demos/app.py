"""The Gradio demo: one Blocks app with a tab per installed mode, and a named API endpoint per mode.

    animate demo [--host 127.0.0.1] [--port 7860] [--share]

`build_app(settings)` makes the app without starting it (tests and other servers use that);
`serve(settings)` starts it and blocks until it is stopped, then removes its temporary files.
"""

from __future__ import annotations

import atexit
import os
import signal
import threading
from collections.abc import Callable
from dataclasses import dataclass, field

import gradio as gr

from demos.click_tab import add_click_api, build_click_tab
from demos.context import DemoContext
from demos.generic_tab import add_generic_api, build_generic_tab
from demos.jobs import JobRunner, Workspace
from demos.outfit_tab import add_outfit_api, build_outfit_tab
from demos.portrait_tab import add_portrait_api, build_portrait_tab
from demos.pose_tab import add_pose_api, build_pose_tab
from demos.settings import DemoSettings
from demos.worker import warm_up
from toolkit.plugins import Mode, load_modes

TITLE = "image-animate-toolkit"
CLEANUP_EVERY_S = 600  # how often gradio looks for expired uploads and results


@dataclass(frozen=True)
class ModeUI:
    """How one mode appears: a tab title, the tab's builder and the builder of its API endpoint."""

    title: str
    tab: Callable[[DemoContext], None]
    api: Callable[[DemoContext], None]


# Hand-made tabs. Any other installed mode (a plugin's) gets a tab made from its options.
MODE_UIS: dict[str, ModeUI] = {
    "click": ModeUI("Click", build_click_tab, add_click_api),
    "portrait": ModeUI("Portrait", build_portrait_tab, add_portrait_api),
    "pose": ModeUI("Pose", build_pose_tab, add_pose_api),
    "outfit": ModeUI("Outfit", build_outfit_tab, add_outfit_api),
}
TAB_ORDER = ("click", "portrait", "pose", "outfit")


def mode_ui(name: str) -> ModeUI:
    """The hand-made UI of a mode, or one generated from its options dataclass."""
    if name in MODE_UIS:
        return MODE_UIS[name]
    return ModeUI(name.replace("_", " ").title(), lambda ctx: build_generic_tab(ctx, name),
                  lambda ctx: add_generic_api(ctx, name))


def tab_order(names: list[str]) -> list[str]:
    """Modes in the order of their tabs: the known ones first, then the rest by name."""
    known = [name for name in TAB_ORDER if name in names]
    return known + sorted(name for name in names if name not in TAB_ORDER)


@dataclass
class DemoApp:
    """A built demo: the Blocks to launch, and the work folder to remove when it closes."""

    blocks: gr.Blocks
    settings: DemoSettings
    workspace: Workspace
    modes: dict[str, Mode] = field(default_factory=dict)

    def launch(self, *, block: bool = True, quiet: bool = False) -> str:
        """Start serving; returns the local URL (with block=True, only after the server stops)."""
        threading.Thread(target=warm_up, name="warm-up", daemon=True).start()
        _, url, _ = self.blocks.launch(**launch_options(self.settings), prevent_thread_lock=not block, quiet=quiet)
        return url

    def close(self) -> None:
        """Stop the server (gradio then deletes the files it cached) and remove the work folder."""
        try:
            self.blocks.close()
        finally:
            self.workspace.close()


def launch_options(settings: DemoSettings) -> dict:
    """Keyword arguments for Blocks.launch: loopback by default, upload limit, no tracebacks in the page."""
    return {
        "server_name": settings.host,
        "server_port": settings.port,
        "share": settings.share,
        "max_file_size": settings.max_file_size,
        "show_error": False,  # internal errors reach the page as a short generic message (see demos.jobs)
        "allowed_paths": [],  # only what the app itself wrote or was sent is served
        "enable_monitoring": False,
        "mcp_server": False,
        "ssr_mode": False,
        "footer_links": ["api", "gradio", "settings"],
    }


def build_blocks(ctx: DemoContext, modes: dict[str, Mode]) -> gr.Blocks:
    """The page: the hidden inputs of the API endpoints, then a tab per mode."""
    settings = ctx.settings
    blocks = gr.Blocks(title=TITLE, analytics_enabled=False,
                       delete_cache=(CLEANUP_EVERY_S, settings.keep_files_s))
    with blocks:
        gr.Markdown(f"# {TITLE}\nTurn one image into a short video. Everything runs on this machine's CPU with "
                    "the **warp** backbone; no model weights needed.")
        with gr.Column(visible=False):  # first, so that each endpoint gets its mode's name
            for name in tab_order(list(modes)):
                mode_ui(name).api(ctx)
        with gr.Tabs():
            for name in tab_order(list(modes)):
                ui = mode_ui(name)
                with gr.Tab(ui.title, id=name, elem_id=f"tab-{name}"):
                    ui.tab(ctx)
    blocks.queue(max_size=settings.queue_size, default_concurrency_limit=settings.concurrency)
    return blocks


def build_app(settings: DemoSettings | None = None, modes: dict[str, Mode] | None = None,
              workspace: Workspace | None = None) -> DemoApp:
    """Build the demo for the installed modes (or the given ones) without starting it."""
    settings = settings or DemoSettings()
    modes = load_modes() if modes is None else modes
    workspace = workspace or Workspace()
    ctx = DemoContext(settings, JobRunner(settings, workspace, modes))
    try:
        blocks = build_blocks(ctx, modes)
    except Exception:
        workspace.close()
        raise
    return DemoApp(blocks, settings, workspace, modes)


def stop_on_signals() -> None:
    """Make SIGTERM (and SIGINT, even where a shell ignores it) stop the server as Ctrl-C does."""

    def interrupt(signum: int, frame: object) -> None:
        raise KeyboardInterrupt

    for signum in (signal.SIGTERM, signal.SIGINT):
        signal.signal(signum, interrupt)


def serve(settings: DemoSettings) -> None:
    """Run the demo until it is stopped (Ctrl-C or SIGTERM), then remove its temporary files.

    The process is the demo's own, so gradio's cache (uploads, copies of results, example
    files) goes into the demo's work folder too, and nothing the demo wrote outlives it.
    """
    workspace = Workspace()
    atexit.register(workspace.close)
    os.environ["GRADIO_TEMP_DIR"] = str(workspace.gradio_cache)
    app = build_app(settings, workspace=workspace)
    stop_on_signals()
    try:
        app.launch(block=True)
    finally:
        app.close()
