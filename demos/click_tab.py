"""Click mode in the demo: click points and drags on the photo, see the regions, pick a motion, render.

The picture in the tab is the pipeline's own working image (the upload fitted into
`max_side`, as `render` loads it), so the regions the click mode segments can be drawn on it
as they are; clicks are stored, and shown in the text boxes, in the source image's pixels,
exactly as `animate click --point X,Y` takes them.
"""

from __future__ import annotations

from dataclasses import dataclass

import gradio as gr
import numpy as np

from demos import drawing
from demos.context import (
    UI_ONLY,
    DemoContext,
    backbone_dropdown,
    result_video,
    seed_box,
)
from demos.jobs import JobRunner, friendly_errors
from demos.textforms import (
    Drag,
    Point,
    format_drags,
    format_points,
    parse_drags,
    parse_points,
)
from toolkit.errors import InputError
from toolkit.examples import skimage_image
from toolkit.media.images import load_image
from toolkit.motion.primitives import describe_motions

MODE = "click"
POINT_TOOL = "Point: the region to animate"
DRAG_TOOL = "Drag: click start, then end"
DEFAULT_FRAMES = 48
DEFAULT_STRENGTH = 0.5


@dataclass(frozen=True, eq=False)
class ClickSource:
    """The uploaded photo: its file, the working image shown in the tab, and the scale between them."""

    path: str
    rgb: np.ndarray  # the pipeline's working image (fitted into max_side)
    scale: float  # working pixels per source pixel


@dataclass(frozen=True, eq=False)
class RegionPreview:
    """The region masks last segmented, and the points and drags text they were made for."""

    key: tuple[str, str]
    masks: list[np.ndarray]


def load_source(path: str, max_side: int) -> ClickSource:
    """Read an uploaded photo the way the pipeline will."""
    loaded = load_image(path, max_side)
    return ClickSource(str(path), loaded.rgb, loaded.scale)


def to_source(source: ClickSource, xy: tuple[float, float]) -> Point:
    """A click on the working image -> whole source pixels."""
    width, height = source.rgb.shape[1] / source.scale, source.rgb.shape[0] / source.scale
    x = min(max(round(xy[0] / source.scale), 0), int(width) - 1)
    y = min(max(round(xy[1] / source.scale), 0), int(height) - 1)
    return (x, y)


def to_working(source: ClickSource, point: Point) -> Point:
    """Source pixels -> working-image pixels (where to draw)."""
    return (point[0] * source.scale, point[1] * source.scale)


def canvas_picture(source: ClickSource, points: list[Point], drags: list[Drag], pending: Point | None,
                   masks: list[np.ndarray]) -> np.ndarray:
    """The working image with the regions tinted, drags as arrows and points as numbered dots."""
    picture = drawing.overlay_masks(source.rgb, masks) if masks else source.rgb
    scaled_drags = [(to_working(source, a), to_working(source, b)) for a, b in drags]
    scaled_pending = to_working(source, pending) if pending is not None else None
    picture = drawing.draw_drags(picture, scaled_drags, scaled_pending)
    return drawing.draw_points(picture, [to_working(source, p) for p in points])


def region_masks(runner: JobRunner, source: ClickSource, points: list[Point], drags: list[Drag]) -> list[np.ndarray]:
    """The regions click mode will move for these points and drags (its own segmentation and merging)."""
    if not points and not drags:
        return []
    mode = runner.modes[MODE]
    options = mode.options_class(points=points, drags=drags, frames=2)
    plan = mode.plan(source.rgb, options, scale=source.scale)
    return list(plan.regions)


def click_options(runner: JobRunner, points: str, prompt: str | None, drags: str, strength: float,
                  frames: float | None, seed: float | None, loop: bool, backbone: str):
    """ClickOptions from the API's text and numbers."""
    return runner.modes[MODE].options_class(
        points=parse_points(points), drags=parse_drags(drags), prompt=(prompt or "").strip() or None,
        strength=float(DEFAULT_STRENGTH if strength is None else strength),
        frames=int(frames) if frames else DEFAULT_FRAMES, seed=int(seed or 0), loop=bool(loop),
        backbone=backbone or "warp")


def make_click_endpoint(runner: JobRunner):
    """The `/click` API function, named and typed like `animate click`'s options."""

    @friendly_errors
    def click(image: str, points: str = "", prompt: str = "", drags: str = "", strength: float = DEFAULT_STRENGTH,
              frames: int = DEFAULT_FRAMES, seed: int = 0, loop: bool = False, backbone: str = "warp",
              progress: gr.Progress = gr.Progress()) -> str:
        """Animate the regions under `points` with `prompt`, or move them along `drags`; returns an MP4."""
        options = click_options(runner, points, prompt, drags, strength, frames, seed, loop, backbone)
        return runner.render(MODE, image, options, progress)

    return click


def add_click_api(ctx: DemoContext) -> None:
    """Hidden inputs and the `/click` endpoint."""
    ctx.add_api(make_click_endpoint(ctx.runner), MODE, files={"image"})


def prompt_choices() -> list[tuple[str, str]]:
    """The motion vocabulary as dropdown suggestions: 'sway: Bend back and forth...' -> 'sway'."""
    return [(f"{name}: {text}", name) for name, text in describe_motions().items()]


def motion_table() -> str:
    """The motion vocabulary as a Markdown table."""
    rows = "\n".join(f"| `{name}` | {text} |" for name, text in describe_motions().items())
    return ("| motion | what it does |\n|---|---|\n" + rows +
            "\n\nModifiers: *gently*, *slightly*, *strongly*, *wildly* (amplitude); *slowly*, *quickly* (speed). "
            "Combine motions: `sway and rise slowly`.")


def examples() -> list[list]:
    """Example rows (image, points, prompt, drags, strength, frames, loop) from scikit-image's bundled photos."""
    return [
        [str(skimage_image("rocket.jpg")), "320,250;320,150", "rise", "", 0.5, DEFAULT_FRAMES, False],
        [str(skimage_image("coffee.png")), "280,150", "swirl", "", 0.5, DEFAULT_FRAMES, True],
        [str(skimage_image("rocket.jpg")), "", "", "320,250:380,200;320,150:380,100", 0.5, DEFAULT_FRAMES, False],
    ]


class ClickHandlers:
    """The tab's event handlers: each turns the tab's values into new ones (UI only, never the API)."""

    def __init__(self, runner: JobRunner) -> None:
        self.runner = runner
        self.max_side = runner.modes[MODE].options_class().max_side

    def upload(self, path: str | None):
        """A new photo: show the working image and forget the old clicks."""
        if not path:
            return None, None, "", "", None, None
        source = load_source(path, self.max_side)
        return source.rgb, source, "", "", None, None

    def example(self, path: str | None, points: str, drags: str):
        """An example was loaded: show its photo with its points and drags."""
        source = load_source(path, self.max_side) if path else None
        if source is None:
            return None, None, None, None
        return canvas_picture(source, parse_points(points), parse_drags(drags), None, []), source, None, None

    def select(self, source: ClickSource | None, tool: str, points: str, drags: str, pending: Point | None,
               preview: RegionPreview | None, evt: gr.SelectData):
        """A click on the picture: add a point, or the start or end of a drag."""
        if source is None:
            raise InputError("upload an image first, then click on it")
        clicked = to_source(source, evt.index)
        point_list, drag_list = parse_points(points), parse_drags(drags)
        if tool == DRAG_TOOL and pending is None:
            pending = clicked
        elif tool == DRAG_TOOL:
            drag_list.append((pending, clicked))
            pending = None
        else:
            point_list.append(clicked)
        masks = preview.masks if preview is not None else []
        picture = canvas_picture(source, point_list, drag_list, pending, masks)
        return picture, format_points(point_list), format_drags(drag_list), pending

    def undo(self, source: ClickSource | None, tool: str, points: str, drags: str, pending: Point | None):
        """Remove a waiting drag start, else the last drag (drag tool) or the last point."""
        point_list, drag_list = parse_points(points), parse_drags(drags)
        if pending is not None:
            pending = None
        elif tool == DRAG_TOOL and drag_list:
            drag_list.pop()
        elif point_list:
            point_list.pop()
        elif drag_list:
            drag_list.pop()
        return format_points(point_list), format_drags(drag_list), pending

    def clear(self, source: ClickSource | None):
        """Remove every point and drag."""
        return (source.rgb if source is not None else None), "", "", None, None

    def redraw(self, source: ClickSource | None, points: str, drags: str, pending: Point | None,
               preview: RegionPreview | None):
        """Segment the regions for the current points and drags (unless already done) and draw them."""
        if source is None:
            return gr.update(), preview
        point_list, drag_list = parse_points(points), parse_drags(drags)
        key = (points, drags)
        if preview is None or preview.key != key:
            preview = RegionPreview(key, region_masks(self.runner, source, point_list, drag_list))
        return canvas_picture(source, point_list, drag_list, pending, preview.masks), preview

    def render(self, source: ClickSource | None, points: str, prompt: str | None, drags: str, strength: float,
               frames: float, seed: float | None, loop: bool, backbone: str, progress: gr.Progress = gr.Progress()):
        """Render the clip for the tab's values."""
        if source is None:
            raise InputError("no image: upload an image first, then click on the object to animate")
        options = click_options(self.runner, points, prompt, drags, strength, frames, seed, loop, backbone)
        return self.runner.render(MODE, source.path, options, progress)


def build_click_tab(ctx: DemoContext) -> None:
    """The Click tab."""
    handlers = ClickHandlers(ctx.runner)
    source, pending, preview = gr.State(None), gr.State(None), gr.State(None)
    gr.Markdown("Upload a photo and **click the object** to animate (each click is a region; the tinted "
                "area is what will move), or switch to **Drag** and click a start and an end. "
                "Then pick a motion and press **Animate**.")
    with gr.Row():
        with gr.Column(scale=3):
            canvas = gr.Image(label="Photo: click on it", type="filepath", image_mode=None, format="png",
                              sources=["upload", "clipboard"], buttons=["fullscreen"], elem_id="click-canvas")
            with gr.Row():
                tool = gr.Radio([POINT_TOOL, DRAG_TOOL], value=POINT_TOOL, label="A click places", scale=3)
                undo = gr.Button("Undo", size="sm", scale=1)
                clear = gr.Button("Clear points", size="sm", scale=1, elem_id="click-clear")
            with gr.Row():
                points = gr.Textbox(label="Points (x,y;x,y in source pixels)", elem_id="click-points")
                drags = gr.Textbox(label="Drags (x0,y0:x1,y1;...)", elem_id="click-drags")
        with gr.Column(scale=2):
            prompt = gr.Dropdown(prompt_choices(), value="sway", allow_custom_value=True, label="Motion prompt",
                                 info="pick a motion or type one, e.g. 'rise slowly', 'sway gently'")
            with gr.Accordion("Motion vocabulary", open=False):
                gr.Markdown(motion_table())
            strength = gr.Slider(0, 1, value=DEFAULT_STRENGTH, step=0.05, label="Strength", info="0 still, 1 strong")
            with gr.Row():
                frames = gr.Slider(1, ctx.settings.max_frames, value=DEFAULT_FRAMES, step=1, label="Frames",
                                   info=f"at most {ctx.settings.max_frames} in this demo")
                seed = seed_box()
            with gr.Row():
                loop = gr.Checkbox(False, label="Loop", info="the last frame leads back into the first")
                backbone = backbone_dropdown(ctx.backbones)
            run = gr.Button("Animate", variant="primary", elem_id="click-run")
            video = result_video("click-video")
    render_inputs = [source, points, prompt, drags, strength, frames, seed, loop, backbone]
    redraw_inputs = [source, points, drags, pending, preview]

    canvas.upload(friendly_errors(handlers.upload), canvas, [canvas, source, points, drags, pending, preview],
                  **UI_ONLY)
    canvas.clear(lambda: (None, "", "", None, None), None, [source, points, drags, pending, preview], **UI_ONLY)
    canvas.select(friendly_errors(handlers.select), [source, tool, points, drags, pending, preview],
                  [canvas, points, drags, pending], trigger_mode="multiple", **UI_ONLY
                  ).then(friendly_errors(handlers.redraw), redraw_inputs, [canvas, preview], **ctx.preview_event())
    undo.click(friendly_errors(handlers.undo), [source, tool, points, drags, pending], [points, drags, pending],
               **UI_ONLY).then(friendly_errors(handlers.redraw), redraw_inputs, [canvas, preview],
                               **ctx.preview_event())
    clear.click(friendly_errors(handlers.clear), source, [canvas, points, drags, pending, preview], **UI_ONLY)
    for box in (points, drags):
        box.submit(friendly_errors(handlers.redraw), redraw_inputs, [canvas, preview], **ctx.preview_event())
        box.blur(friendly_errors(handlers.redraw), redraw_inputs, [canvas, preview], **ctx.preview_event())
    run.click(friendly_errors(handlers.render), render_inputs, video, **ctx.render_event(**UI_ONLY))

    gallery = gr.Examples(examples(), [canvas, points, prompt, drags, strength, frames, loop],
                          label="Examples (click one to run it)", api_visibility="private",
                          example_labels=["rocket: rise", "coffee: swirl, looped", "rocket: drag it up and right"])
    gallery.load_input_event.then(
        friendly_errors(handlers.example), [canvas, points, drags], [canvas, source, pending, preview], **UI_ONLY
    ).then(friendly_errors(handlers.redraw), redraw_inputs, [canvas, preview], **ctx.preview_event()
           ).then(friendly_errors(handlers.render), render_inputs, video, **ctx.render_event(**UI_ONLY))
