"""Outfit mode in the demo: a person photo wears one or several garments, as stills or animated.

Garments come from uploads or from a gallery of garments the project draws itself (a click adds
one to the list). One job dresses the person once per garment, analysing the person only once,
as `animate outfit` does with several --garment; the results appear side by side.
"""

from __future__ import annotations

import os
from pathlib import Path

import gradio as gr

from demos.context import (
    UI_ONLY,
    DemoContext,
    backbone_dropdown,
    frames_or_none,
    frames_slider,
    result_video,
    seed_box,
)
from demos.jobs import JobRunner, friendly_errors
from demos.limits import check_clip_length
from demos.pose_tab import check_pose_file
from toolkit.errors import InputError
from toolkit.examples import skimage_image
from toolkit.imaging.garment_drawing import DRAWINGS, DrawnGarment
from toolkit.motion.presets import PRESETS
from toolkit.options import DEFAULT_FRAMES

MODE = "outfit"
CATEGORIES = ("auto", "upper", "lower", "dress")
STILL, ANIMATED = "Still photo", "Animated clip"
MAX_GARMENTS = 8  # per job: a bigger catalogue belongs on the command line


def drawn_garments(folder: Path) -> list[tuple[str, str]]:
    """(path, caption) of every garment the project draws, drawn into `folder`, for the gallery."""
    return [(os.fspath(DrawnGarment(name, folder)), name.replace("_", " ")) for name in DRAWINGS]


def check_garment_count(garments: list[str]) -> None:
    """Refuse no garment, or more than the demo dresses in one job."""
    if not garments:
        raise InputError("no garment: upload a garment photo or click one in the gallery of example garments")
    if len(garments) > MAX_GARMENTS:
        raise InputError(f"the demo dresses at most {MAX_GARMENTS} garments at once, got {len(garments)}; "
                         "use `animate outfit` for a bigger catalogue")


def outfit_options(runner: JobRunner, garment: list[str], category: str, garment_mask: list[str] | None,
                   person_mask: str | None, animate: str | None, driving: str | None, pose_file: str | None,
                   frames: float | None, seed: float | None, backbone: str):
    """OutfitOptions from the API's values, after the demo's own limits."""
    garments = [str(path) for path in (garment or [])]
    check_garment_count(garments)
    frame_count = frames_or_none(frames)
    runner.check_media(driving, "video", "the driving video")
    check_pose_file(pose_file, frame_count, runner.settings.max_frames)
    if animate and not driving and not pose_file:  # a preset's clips: their length is known now
        check_clip_length(frame_count or DEFAULT_FRAMES, runner.settings.max_frames,
                          (frame_count or DEFAULT_FRAMES) * (len(garments) - 1))
    return runner.modes[MODE].options_class(
        garment=[Path(path) for path in garments], category=category or "auto",
        garment_mask=[Path(path) for path in (garment_mask or [])],
        person_mask=Path(person_mask) if person_mask else None, animate=animate or None,
        driving=Path(driving) if driving else None, pose_file=Path(pose_file) if pose_file else None,
        frames=frame_count, seed=int(seed or 0), backbone=backbone or "warp")


def make_outfit_endpoint(runner: JobRunner):
    """The `/outfit` API function, named and typed like `animate outfit`'s options."""

    @friendly_errors
    def outfit(image: str, garment: list[str], category: str = "auto", garment_mask: list[str] | None = None,
               person_mask: str | None = None, animate: str | None = None, driving: str | None = None,
               pose_file: str | None = None, frames: int | None = None, seed: int = 0, backbone: str = "warp",
               progress: gr.Progress = gr.Progress()) -> list[str]:
        """Dress the person in `image` in each garment; returns one PNG each, or one MP4 each when animated."""
        options = outfit_options(runner, garment, category, garment_mask, person_mask, animate, driving, pose_file,
                                 frames, seed, backbone)
        result = runner.run(MODE, image, options, ".mp4" if options.animated else ".png", progress)
        for note in result.notes:  # e.g. which category 'auto' chose for each garment
            gr.Info(note)
        return result.files

    return outfit


def add_outfit_api(ctx: DemoContext) -> None:
    """Hidden inputs and the `/outfit` endpoint."""
    files = {"image", "garment", "garment_mask", "person_mask", "driving", "pose_file"}
    ctx.add_api(make_outfit_endpoint(ctx.runner), MODE, files=files,
                output=gr.File(label="files", file_count="multiple", visible=False))


def add_picked(current: list[str] | None, evt: gr.SelectData) -> list[str]:
    """The garment list with the gallery's clicked garment added (once)."""
    picked = evt.value["image"]["path"] if isinstance(evt.value, dict) else str(evt.value)
    current = [str(path) for path in (current or [])]
    names = {Path(path).name for path in current}
    return current if Path(picked).name in names else current + [picked]


def examples(folder: Path) -> list[list]:
    """Example rows (person, garments, output): scikit-image's astronaut in the project's drawn garments."""
    astronaut = str(skimage_image("astronaut.png"))
    green, red, dress = (os.fspath(DrawnGarment(name, folder)) for name in ("green_long_sleeve", "red_tshirt", "dress"))
    return [[astronaut, [green, red], STILL], [astronaut, [dress], STILL], [astronaut, [green], ANIMATED]]


def build_outfit_tab(ctx: DemoContext) -> None:
    """The Outfit tab."""
    runner = ctx.runner
    drawings = runner.workspace.root / "garments"  # removed with the demo's work folder
    gr.Markdown("Upload a **person photo** and one or more **garment photos** (product shots on a plain or white "
                "background), or click garments in the gallery. Each garment gives one result: a **still** at the "
                "photo's size, or an **animated** clip where the garment moves with the body.")
    with gr.Row():
        with gr.Column(scale=3):
            with gr.Row():
                image = gr.Image(label="Person photo", type="filepath", image_mode=None,
                                 sources=["upload", "clipboard"], elem_id="outfit-image")
                garments = gr.File(label=f"Garment photos (up to {MAX_GARMENTS}; one result each)",
                                   file_count="multiple", file_types=["image"], elem_id="outfit-garments")
            gallery = gr.Gallery(drawn_garments(drawings), label="Example garments (click one to add it)", columns=5,
                                 height=170, allow_preview=False, object_fit="contain", interactive=False,
                                 elem_id="outfit-garment-gallery")
            with gr.Row():
                category = gr.Radio(list(CATEGORIES), value="auto", label="Category",
                                    info="auto guesses from the garment's shape")
                kind = gr.Radio([STILL, ANIMATED], value=STILL, label="Output")
            with gr.Row(visible=False) as motion:
                preset = gr.Dropdown(sorted(PRESETS), value="sway", label="Motion")
                frames = frames_slider(ctx.settings.max_frames, 0, natural="48")
        with gr.Column(scale=2):
            with gr.Row():
                seed = seed_box()
                backbone = backbone_dropdown(ctx.backbones)
            run = gr.Button("Dress", variant="primary", elem_id="outfit-run")
            results = gr.Gallery(label="Results", columns=2, height=420, object_fit="contain", format="png",
                                 buttons=["download"], elem_id="outfit-results")
            video = result_video("outfit-video", visible=False)  # shown for clips

    endpoint = make_outfit_endpoint(runner)

    def show_motion(choice: str):
        """The motion settings and the player only for animated clips."""
        return gr.update(visible=choice == ANIMATED), gr.update(visible=choice == ANIMATED)

    def render(image: str | None, garments: list[str] | None, category: str, kind: str, preset: str,
               frames: float, seed: float | None, backbone: str, progress: gr.Progress = gr.Progress()):
        """Dress the person in every garment; the results in the gallery, the first clip in the player."""
        animated = kind == ANIMATED
        files = endpoint(image, garments or [], category, None, None, preset if animated else None, None, None,
                         frames if animated else None, seed, backbone, progress)
        return files, (files[0] if animated and files else None)  # an animated job writes only clips

    kind.change(show_motion, kind, [motion, video], queue=False, **UI_ONLY)
    gallery.select(add_picked, garments, garments, queue=False, **UI_ONLY)
    inputs = [image, garments, category, kind, preset, frames, seed, backbone]
    run.click(render, inputs, [results, video], **ctx.render_event(**UI_ONLY))
    ready = gr.Examples(examples(drawings), [image, garments, kind], label="Examples (click one to run it)",
                        api_visibility="private",
                        example_labels=["astronaut: two tops", "astronaut: a dress", "astronaut sways in green"])
    ready.load_input_event.then(show_motion, kind, [motion, video], **UI_ONLY
                                ).then(render, inputs, [results, video], **ctx.render_event(**UI_ONLY))
