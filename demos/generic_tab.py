"""A tab and an endpoint for any mode, made from its options dataclass (how `outfit` gets one).

A mode without a hand-made tab still gets a usable page: one input per option field that a
person would set (files, numbers, switches, choices, text), the shared frames/seed/backbone
widgets, and an endpoint `/<mode>` whose parameters are `image` plus the fields' names.
"""

from __future__ import annotations

import dataclasses
import inspect
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any

import gradio as gr

from demos.context import (
    UI_ONLY,
    DemoContext,
    backbone_dropdown,
    frames_or_none,
    result_video,
    seed_box,
)
from demos.jobs import JobRunner, friendly_errors
from demos.textforms import items
from toolkit.options import RenderOptions

FILE_HEIGHT = 110  # px: a compact drop area, so a mode with many file options still fits a page
SKIPPED = {"max_side", "contact_sheet", "export_pose", "backbone", "frames", "seed", "fps"}
# the diffusion backbones' knobs are left to the command line: the page renders with their defaults
SKIPPED |= {"steps", "guidance", "size", "refine_strength", "free_background", "window", "overlap", "weights",
            "caption", "device", "dtype", "cpu_offload", "vae_tiling", "vae_slicing", "decode_chunk", "attention",
            "compile"}


@dataclasses.dataclass(frozen=True)
class FieldSpec:
    """One option field as the page and the API see it."""

    name: str
    kind: str  # 'file', 'files', 'bool', 'float', 'int', 'choice', 'text', 'list'
    default: Any
    help: str
    choices: tuple[str, ...] = ()
    parse: Callable[[str], Any] | None = None


def field_kind(field: dataclasses.Field) -> str:
    """What sort of input a dataclass field needs, from its metadata and type annotation."""
    annotation = str(field.type).replace(" ", "")
    meta = field.metadata
    if meta.get("repeat"):
        return "files" if annotation.startswith("list[Path") else "list"
    if meta.get("choices"):
        return "choice"
    for prefix, kind in (("Path", "file"), ("bool", "bool"), ("float", "float"), ("int", "int")):
        if annotation.startswith(prefix):
            return kind
    return "text"


def field_specs(options_class: type) -> list[FieldSpec]:
    """The fields of a mode's options that a page shows: the mode's own first, then shared ones such as loop.

    frames, seed and backbone are added separately (shared_inputs); max_side, fps and the
    contact sheet are left to the command line.
    """
    shared = {field.name for field in dataclasses.fields(RenderOptions)}
    fields = sorted(dataclasses.fields(options_class), key=lambda field: field.name in shared)
    specs = []
    for field in fields:
        if field.name in SKIPPED or "help" not in field.metadata:
            continue
        default = None if field.default is dataclasses.MISSING else field.default
        specs.append(FieldSpec(field.name, field_kind(field), default, field.metadata["help"],
                               tuple(field.metadata.get("choices") or ()), field.metadata.get("parse")))
    return specs


def field_input(spec: FieldSpec, *, visible: bool = True) -> gr.components.Component:
    """A component for one field (hidden ones serve the API)."""
    label = spec.name if not visible else spec.name.replace("_", " ").capitalize()
    info = spec.help if visible else None
    common: dict[str, Any] = {"label": label, "visible": visible}
    if spec.kind == "file":
        return gr.File(height=FILE_HEIGHT, **common)
    if spec.kind == "files":
        return gr.File(file_count="multiple", height=FILE_HEIGHT, **common)
    if spec.kind == "bool":
        return gr.Checkbox(bool(spec.default), info=info, **common)
    if spec.kind in ("float", "int"):
        return gr.Number(spec.default, precision=0 if spec.kind == "int" else None, info=info, **common)
    if spec.kind == "choice":
        return gr.Dropdown(list(spec.choices), value=spec.default, info=info, **common)
    return gr.Textbox("" if spec.default is None else str(spec.default), info=info, **common)


def field_value(spec: FieldSpec, value: Any) -> Any:
    """A field's value from what its component gives: files as paths, lists parsed item by item."""
    if spec.kind == "file":
        return Path(value) if value else None
    if spec.kind == "files":
        return [Path(v) for v in (value or [])]
    if spec.kind == "list":
        return [spec.parse(item) if spec.parse else item for item in items(value)]
    if spec.kind == "text" and spec.parse is not None:
        return spec.parse(value) if value else spec.default
    if spec.kind in ("text", "choice"):
        return value if value not in ("", None) else spec.default
    if spec.kind == "int":
        return int(value) if value is not None else spec.default
    if spec.kind == "float":
        return float(value) if value is not None else spec.default
    return bool(value)


def make_generic_endpoint(runner: JobRunner, mode: str, specs: list[FieldSpec]) -> Callable[..., str]:
    """The `/<mode>` API function: keyword arguments image, the option fields, frames, seed and backbone."""

    @friendly_errors
    def endpoint(progress: gr.Progress = gr.Progress(), **values: Any) -> str:
        options = runner.modes[mode].options_class(
            **{spec.name: field_value(spec, values.get(spec.name)) for spec in specs},
            frames=frames_or_none(values.get("frames")), seed=int(values.get("seed") or 0),
            backbone=values.get("backbone") or "warp")
        return runner.render(mode, values.get("image"), options, progress)

    endpoint.__name__ = mode
    endpoint.__doc__ = f"Render {mode} mode: {getattr(runner.modes[mode], 'summary', '')}; returns an MP4."
    endpoint.__signature__ = endpoint_signature(specs, inspect.signature(endpoint).parameters["progress"])
    return endpoint


def endpoint_signature(specs: list[FieldSpec], progress: inspect.Parameter) -> inspect.Signature:
    """The signature gradio documents for a generic endpoint: image (required), then every field with its default."""
    keyword = inspect.Parameter.KEYWORD_ONLY
    parameters = [progress, inspect.Parameter("image", keyword)]
    parameters += [inspect.Parameter(spec.name, keyword, default=spec.default) for spec in specs]
    parameters += [inspect.Parameter("frames", keyword, default=None), inspect.Parameter("seed", keyword, default=0),
                   inspect.Parameter("backbone", keyword, default="warp")]
    return inspect.Signature(parameters)


def shared_inputs(visible: bool, max_frames: int, backbones: Sequence[str]) -> dict[str, gr.components.Component]:
    """frames, seed and backbone (one of `backbones` on the page), as page widgets or hidden API inputs."""
    if not visible:
        return {"frames": gr.Number(None, label="frames", precision=0, visible=False),
                "seed": gr.Number(0, label="seed", precision=0, visible=False),
                "backbone": gr.Textbox("warp", label="backbone", visible=False)}
    return {"frames": gr.Slider(0, max_frames, value=0, step=1, label="Frames",
                                info=f"0: the mode's default length; at most {max_frames} in this demo"),
            "seed": seed_box(), "backbone": backbone_dropdown(backbones)}


def add_generic_api(ctx: DemoContext, mode: str) -> None:
    """Hidden inputs and the `/<mode>` endpoint."""
    specs = field_specs(ctx.runner.modes[mode].options_class)
    inputs = {"image": gr.File(label="image", visible=False)}
    inputs.update({spec.name: field_input(spec, visible=False) for spec in specs})
    inputs.update(shared_inputs(False, ctx.settings.max_frames, ctx.backbones))
    output = gr.File(label="video", visible=False)
    gr.on(triggers=[], fn=make_generic_endpoint(ctx.runner, mode, specs), inputs_kwargs=inputs, outputs=output,
          api_name=mode, **ctx.render_event())


def build_generic_tab(ctx: DemoContext, mode: str) -> None:
    """A tab for a mode, one input per option field."""
    runner = ctx.runner
    specs = field_specs(runner.modes[mode].options_class)
    gr.Markdown(getattr(runner.modes[mode], "summary", mode).capitalize() + ".")
    with gr.Row():
        with gr.Column(scale=3):
            inputs: dict[str, gr.components.Component] = {
                "image": gr.Image(label="Photo", type="filepath", image_mode=None, elem_id=f"{mode}-image")}
            for spec in specs:
                inputs[spec.name] = field_input(spec)
        with gr.Column(scale=2):
            inputs.update(shared_inputs(True, ctx.settings.max_frames, ctx.backbones))
            run = gr.Button("Animate", variant="primary", elem_id=f"{mode}-run")
            video = result_video(f"{mode}-video")
    run.click(make_generic_endpoint(runner, mode, specs), inputs_kwargs=inputs, outputs=video,
              **ctx.render_event(**UI_ONLY))
