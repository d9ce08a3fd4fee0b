"""Run a mode end to end: inputs -> plan -> backbone -> streaming writer."""

from __future__ import annotations

import logging
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Callable

import numpy as np

from toolkit.backbones import Backbone, get_backbone
from toolkit.errors import InputError
from toolkit.media.contact_sheet import ContactSheetCollector
from toolkit.media.images import check_output_folder, load_image, save_image
from toolkit.media.video_writer import VideoWriter, output_kind
from toolkit.motion.plan import MotionPlan
from toolkit.plugins import Mode, get_mode

log = logging.getLogger(__name__)

Progress = Callable[[int, int], None]
Notify = Callable[[str], None]


@dataclass(frozen=True)
class RenderResult:
    """What a finished render wrote."""

    output: Path
    frames: int
    size: tuple[int, int]
    fps: float
    contact_sheet: Path | None


@dataclass(frozen=True)
class Outputs:
    """What a mode wrote (`write_outputs`): its files, and the render's details when the pipeline rendered one clip."""

    files: list[Path]
    render: RenderResult | None = None


def write_frames(frames, output: Path, plan: MotionPlan, sheet_path: Path | None) -> int:
    """Stream frames into the writer (and a contact sheet); returns how many were written."""
    collector = ContactSheetCollector(plan.n_frames) if sheet_path else None
    audio = plan.extras.get("audio_path")
    with VideoWriter(output, plan.fps, plan.size, audio=audio) as writer:
        for index, frame in enumerate(frames):
            writer.write(frame)
            if collector is not None:
                collector.offer(index, frame)
        count = writer.frames_written
    if collector is not None:
        save_image(sheet_path, collector.sheet())
    return count


def render(mode: Mode | str, image_path: str | Path, output: str | Path, options: Any,
           progress: Progress | None = None) -> RenderResult:
    """Animate one image with a mode and write the clip to `output`."""
    mode = get_mode(mode) if isinstance(mode, str) else mode
    output = Path(output)
    output_kind(output)
    check_output_folder(output)
    if options.contact_sheet is not None:
        check_output_folder(Path(options.contact_sheet))
    options.validate()
    backbone = get_backbone(options.backbone, options)
    loaded = load_image(image_path, options.max_side)
    try:
        plan = mode.plan(loaded.rgb, options, scale=loaded.scale)
    except InputError as exc:  # modes say "the source image"; the user knows it by its file name
        raise InputError(str(exc).replace("the source image", f"'{Path(image_path).name}'")) from None
    log.info("%s: %d regions, %d control points, %d frames at %dx%d",
             mode.name, len(plan.regions), len(plan.tracks), plan.n_frames, *plan.size)
    frames = backbone.render(loaded.rgb, plan, seed=options.seed, progress=progress)
    count = write_frames(frames, output, plan, options.contact_sheet)
    return RenderResult(output, count, plan.size, plan.fps, options.contact_sheet)


def render_plan(image: np.ndarray, plan: MotionPlan, output: str | Path, *, backbone: str | Backbone = "warp",
                seed: int = 0, contact_sheet: str | Path | None = None, progress: Progress | None = None,
                options: Any = None) -> RenderResult:
    """Render a ready-made plan (for callers that build their own MotionPlan). `backbone` is a name,
    set up from `options`, or a backbone already built (reused across clips, its model loaded once)."""
    output = Path(output)
    output_kind(output)
    check_output_folder(output)
    if isinstance(backbone, str):
        backbone = get_backbone(backbone, options)
    frames = backbone.render(image, plan, seed=seed, progress=progress)
    sheet = Path(contact_sheet) if contact_sheet else None
    count = write_frames(frames, output, plan, sheet)
    return RenderResult(output, count, plan.size, plan.fps, sheet)


def write_outputs(mode: Mode | str, image_path: str | Path, output: str | Path, options: Any,
                  progress: Progress | None = None, notify: Notify | None = None) -> Outputs:
    """Run a mode as `animate MODE` does: its own `write` if it has one (a mode whose output is not
    always one clip, such as outfit's stills and catalogues), else `render`. `notify` receives what
    the mode tells its user (a writing mode's own default when None; `render` gives no notes)."""
    mode = get_mode(mode) if isinstance(mode, str) else mode
    writer = getattr(mode, "write", None)
    if writer is not None:
        extra = {} if notify is None else {"notify": notify}
        return Outputs(list(writer(Path(image_path), Path(output), options, progress=progress, **extra)))
    result = render(mode, image_path, output, options, progress=progress)
    return Outputs([result.output], result)
