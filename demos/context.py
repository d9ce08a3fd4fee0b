"""What every tab builder gets, and the widgets every tab shares."""

from __future__ import annotations

import inspect
import types
import typing
from collections.abc import Callable, Collection, Sequence
from dataclasses import dataclass, field
from typing import Any

import gradio as gr

from demos.jobs import JobRunner
from demos.settings import DemoSettings

# UI-only events are hidden from the API and not callable by clients.
UI_ONLY: dict[str, Any] = {"api_visibility": "private"}
RENDER_GROUP = "render"  # one concurrency group for every render, whichever tab or endpoint starts it
PREVIEW_GROUP = "preview"  # mask and skeleton previews, kept apart so they never wait behind renders


@dataclass(frozen=True)
class DemoContext:
    """The demo's settings and job runner, handed to each mode's tab and endpoint builders, and the
    backbones the tabs offer (found once, when the context is built: each check reads the weights cache)."""

    settings: DemoSettings
    runner: JobRunner
    backbones: tuple[str, ...] = field(default_factory=lambda: tuple(usable_backbones()))

    def render_event(self, **extra: Any) -> dict[str, Any]:
        """Event keywords for a render: queued in the render group under the concurrency limit."""
        return {"concurrency_id": RENDER_GROUP, "concurrency_limit": self.settings.concurrency,
                "show_progress": "full", **extra}

    def add_api(self, endpoint: Callable[..., Any], api_name: str, files: set[str],
                output: gr.components.Component | None = None) -> None:
        """The named API endpoint, with hidden inputs made from its signature (`api_inputs`); it
        returns one video unless `output` says otherwise."""
        output = output if output is not None else gr.File(label="video", visible=False)
        gr.on(triggers=[], fn=endpoint, inputs=api_inputs(endpoint, files=files), outputs=output,
              api_name=api_name, **self.render_event())

    def preview_event(self, **extra: Any) -> dict[str, Any]:
        """Event keywords for a preview (segmentation, pose detection): UI-only, in their own group."""
        return {"concurrency_id": PREVIEW_GROUP, "concurrency_limit": self.settings.concurrency, **UI_ONLY, **extra}


def usable_backbones() -> list[str]:
    """warp, then each diffusion backbone whose weights are on this machine (none can be fetched from the page)."""
    from toolkit.diffusion.registry import MODELS
    from weights.manager import is_present

    return ["warp"] + [name for name, spec in sorted(MODELS.items()) if is_present(spec.checkpoint)]


def backbone_dropdown(backbones: Sequence[str], **extra: Any) -> gr.Dropdown:
    """The rendering backbone among `backbones` (DemoContext.backbones: warp first, diffusion backbones
    only where their weights are), warp chosen."""
    return gr.Dropdown(list(backbones), value="warp", label="Backbone",
                       info="warp: fast, needs no weights; diffusion backbones appear once `animate weights "
                            "fetch` has their weights", **extra)


def frames_slider(max_frames: int, value: int, *, natural: str | None = None, **extra: Any) -> gr.Slider:
    """Number of frames; with `natural`, 0 means the input's own length (e.g. 'as long as the audio')."""
    low = 0 if natural else 1
    info = f"0: {natural}; at most {max_frames} in this demo" if natural else f"at most {max_frames} in this demo"
    return gr.Slider(low, max_frames, value=value, step=1, label="Frames", info=info, **extra)


def seed_box(**extra: Any) -> gr.Number:
    """The random seed: the same inputs and seed give the same frames."""
    return gr.Number(0, precision=0, minimum=0, label="Seed", **extra)


def result_video(elem_id: str, **extra: Any) -> gr.Video:
    """The rendered clip: plays in the page, with a download button."""
    return gr.Video(label="Result", interactive=False, autoplay=True, loop=True, buttons=["download"],
                    elem_id=elem_id, **extra)


def frames_or_none(frames: float | None) -> int | None:
    """A frame count from a slider or the API, where 0 or empty means the input's own length."""
    return int(frames) if frames else None


def api_inputs(endpoint: Callable[..., Any], files: Collection[str]) -> list[gr.components.Component]:
    """Hidden inputs of an API endpoint, one per parameter of its signature (progress aside), named and
    defaulted as it is: files for the parameters in `files` (several for a list), else a checkbox,
    number or text box by the parameter's type."""
    hints = typing.get_type_hints(inspect.unwrap(endpoint))  # real types, however the annotations were written
    inputs: list[gr.components.Component] = []
    for name, parameter in inspect.signature(endpoint).parameters.items():
        if name == "progress":
            continue
        default = None if parameter.default is inspect.Parameter.empty else parameter.default
        kind = plain_type(hints.get(name, str))
        common: dict[str, Any] = {"label": name, "visible": False}
        if name in files:
            inputs.append(gr.File(file_count="multiple" if kind is list else "single", **common))
        elif kind is bool:
            inputs.append(gr.Checkbox(bool(default), **common))
        elif kind in (int, float):
            inputs.append(gr.Number(default, precision=0 if kind is int else None, **common))
        else:
            inputs.append(gr.Textbox(default, **common))
    return inputs


def plain_type(hint: Any) -> Any:
    """The type a parameter hint names, Optional and the item type of a list aside: `list[str] | None` -> list."""
    arguments = [argument for argument in typing.get_args(hint) if argument is not type(None)]
    origin = typing.get_origin(hint)
    if origin in (typing.Union, types.UnionType) and len(arguments) == 1:
        return plain_type(arguments[0])
    return origin or hint
