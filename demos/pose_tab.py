"""Pose mode in the demo: a person photo follows a preset, a driving video or a pose file.

The tab shows the body pose found in the photo (MediaPipe, as the mode itself finds it) as a
skeleton as soon as the photo is in, so a visitor sees at once whether the person was found.
"""

from __future__ import annotations

from pathlib import Path

import gradio as gr
import numpy as np

from demos import drawing
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
from toolkit.errors import InputError
from toolkit.examples import skimage_image
from toolkit.motion.presets import PRESETS

MODE = "pose"
PRESET_SOURCE, VIDEO_SOURCE, FILE_SOURCE = "Preset motion", "Driving video", "Pose file"
NO_PERSON = "No person found in this photo: pose mode needs a person's full or upper body."


def pose_file_frames(path: str | Path) -> int:
    """How many frames a pose file holds (reading it with the mode's own reader)."""
    from toolkit.motion.pose_io import load_pose_file

    return len(load_pose_file(path).frames)


def check_pose_file(path: str | None, frames: int | None, max_frames: int) -> None:
    """Refuse a pose file longer than the demo renders, unless frames cuts it."""
    if path and frames is None:
        count = pose_file_frames(path)
        if count > max_frames:
            raise InputError(f"the pose file holds {count} frames; the demo renders at most {max_frames}: "
                             f"set frames to {max_frames} or fewer to cut it")


def pose_options(runner: JobRunner, driving: str | None, pose_file: str | None, preset: str | None, retarget: str,
                 frames: float | None, seed: float | None, backbone: str):
    """PoseOptions from the API's values, after checking the driving input is short enough for the demo."""
    frame_count = frames_or_none(frames)
    runner.check_media(driving, "video", "the driving video")
    check_pose_file(pose_file, frame_count, runner.settings.max_frames)
    return runner.modes[MODE].options_class(
        driving=Path(driving) if driving else None, pose_file=Path(pose_file) if pose_file else None,
        preset=preset or None, retarget=retarget or "relative", frames=frame_count, seed=int(seed or 0),
        backbone=backbone or "warp")


def make_pose_endpoint(runner: JobRunner):
    """The `/pose` API function, named and typed like `animate pose`'s options."""

    @friendly_errors
    def pose(image: str, driving: str | None = None, pose_file: str | None = None, preset: str | None = None,
             retarget: str = "relative", frames: int | None = None, seed: int = 0, backbone: str = "warp",
             progress: gr.Progress = gr.Progress()) -> str:
        """Make the person in `image` follow exactly one of `driving`, `pose_file` or `preset`; returns an MP4."""
        options = pose_options(runner, driving, pose_file, preset, retarget, frames, seed, backbone)
        return runner.render(MODE, image, options, progress)

    return pose


def add_pose_api(ctx: DemoContext) -> None:
    """Hidden inputs and the `/pose` endpoint."""
    ctx.add_api(make_pose_endpoint(ctx.runner), MODE, files={"image", "driving", "pose_file"})


def skeleton_picture(path: str, max_side: int) -> np.ndarray:
    """The photo as the pipeline loads it, with the detected body drawn over it."""
    from toolkit.media.images import load_image
    from toolkit.perception.body import detect_body

    rgb = load_image(path, max_side).rgb
    body = detect_body(rgb)
    if body is None:
        gr.Warning(NO_PERSON)
        return rgb
    return drawing.draw_skeleton(rgb, body.points, body.visible())


def examples() -> list[list]:
    """Example rows (image, preset): scikit-image's astronaut."""
    astronaut = str(skimage_image("astronaut.png"))
    return [[astronaut, "wave"], [astronaut, "sway"]]


def build_pose_tab(ctx: DemoContext) -> None:
    """The Pose tab."""
    runner = ctx.runner
    max_side = runner.modes[MODE].options_class().max_side
    gr.Markdown("Upload a **person photo** (full or upper body), then choose the motion: a **preset**, a "
                "**driving video** of someone moving, or a **pose file** (`animate pose --export-pose` JSON).")
    with gr.Row():
        with gr.Column(scale=3):
            with gr.Row():
                image = gr.Image(label="Person photo", type="filepath", image_mode=None,
                                 sources=["upload", "clipboard"], elem_id="pose-image")
                skeleton = gr.Image(label="Detected pose", interactive=False, format="png", elem_id="pose-skeleton")
            source = gr.Radio([PRESET_SOURCE, VIDEO_SOURCE, FILE_SOURCE], value=PRESET_SOURCE, label="Motion from")
            preset = gr.Dropdown(sorted(PRESETS), value="wave", label="Preset")
            driving = gr.Video(label=f"Driving video (at most {ctx.settings.max_media_seconds:g} s)",
                               sources=["upload"], visible=False)
            pose_file = gr.File(label="Pose file (JSON)", file_types=[".json"], visible=False)
        with gr.Column(scale=2):
            retarget = gr.Radio(["relative", "absolute"], value="relative", label="Retarget",
                                info="relative: follow the motion; absolute: copy limb directions")
            with gr.Row():
                frames = frames_slider(ctx.settings.max_frames, 0, natural="48 for presets, else the driver's length")
                seed = seed_box()
            backbone = backbone_dropdown(ctx.backbones)
            run = gr.Button("Animate", variant="primary", elem_id="pose-run")
            video = result_video("pose-video")

    def show_source(choice: str):
        """Show only the input of the chosen motion source."""
        return (gr.update(visible=choice == PRESET_SOURCE), gr.update(visible=choice == VIDEO_SOURCE),
                gr.update(visible=choice == FILE_SOURCE))

    @friendly_errors
    def preview(path: str | None):
        """The detected skeleton over the photo (nothing without a photo)."""
        return skeleton_picture(path, max_side) if path else None

    endpoint = make_pose_endpoint(runner)

    def render(image: str | None, choice: str, preset: str | None, driving: str | None, pose_file: str | None,
               retarget: str, frames: float, seed: float | None, backbone: str,
               progress: gr.Progress = gr.Progress()) -> str:
        """Render with the chosen motion source only."""
        return endpoint(image, driving if choice == VIDEO_SOURCE else None,
                        pose_file if choice == FILE_SOURCE else None,
                        preset if choice == PRESET_SOURCE else None, retarget, frames, seed, backbone, progress)

    source.change(show_source, source, [preset, driving, pose_file], queue=False, **UI_ONLY)
    image.change(preview, image, skeleton, **ctx.preview_event())
    inputs = [image, source, preset, driving, pose_file, retarget, frames, seed, backbone]
    run.click(render, inputs, video, **ctx.render_event(**UI_ONLY))
    gallery = gr.Examples(examples(), [image, preset], label="Examples (click one to run it)",
                          api_visibility="private", example_labels=["astronaut waves", "astronaut sways"])
    gallery.load_input_event.then(lambda: PRESET_SOURCE, None, source, **UI_ONLY
                                  ).then(render, inputs, video, **ctx.render_event(**UI_ONLY))
