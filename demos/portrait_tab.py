"""Portrait mode in the demo: a face photo talks with uploaded or recorded speech, or follows a face video."""

from __future__ import annotations

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
from toolkit.examples import bundled_speech, skimage_image

MODE = "portrait"
EXPRESSIONS = ("neutral", "smile", "serious")
FACES = ("largest", "all", "0", "1", "2")


def portrait_options(runner: JobRunner, audio: str | None, driving: str | None, face: str, head_motion: float,
                     still: bool, blink_rate: float, gaze: bool, expression: str, lip_scale: float,
                     eye_scale: float, frames: float | None, seed: float | None, backbone: str):
    """PortraitOptions from the API's values, after checking the media are short enough for the demo."""
    from modes.portrait import parse_face_choice

    runner.check_media(audio, "audio", "the audio")
    runner.check_media(driving, "video", "the driving video")
    return runner.modes[MODE].options_class(
        audio=Path(audio) if audio else None, driving=Path(driving) if driving else None,
        face=parse_face_choice(str(face or "largest")), head_motion=float(head_motion), still=bool(still),
        blink_rate=float(blink_rate), gaze=bool(gaze), expression=expression or "neutral",
        lip_scale=float(lip_scale), eye_scale=float(eye_scale), frames=frames_or_none(frames),
        seed=int(seed or 0), backbone=backbone or "warp")


def make_portrait_endpoint(runner: JobRunner):
    """The `/portrait` API function, named and typed like `animate portrait`'s options."""

    @friendly_errors
    def portrait(image: str, audio: str | None = None, driving: str | None = None, face: str = "largest",
                 head_motion: float = 1.0, still: bool = False, blink_rate: float = 16.0, gaze: bool = False,
                 expression: str = "neutral", lip_scale: float = 1.0, eye_scale: float = 1.0,
                 frames: int | None = None, seed: int = 0, backbone: str = "warp",
                 progress: gr.Progress = gr.Progress()) -> str:
        """Make the face in `image` talk with `audio` and/or follow the face in `driving`; returns an MP4."""
        options = portrait_options(runner, audio, driving, face, head_motion, still, blink_rate, gaze, expression,
                                   lip_scale, eye_scale, frames, seed, backbone)
        return runner.render(MODE, image, options, progress)

    return portrait


def add_portrait_api(ctx: DemoContext) -> None:
    """Hidden inputs and the `/portrait` endpoint."""
    ctx.add_api(make_portrait_endpoint(ctx.runner), MODE, files={"image", "audio", "driving"})


def examples() -> list[list]:
    """Example rows (image, audio): scikit-image's astronaut says the project's own synthetic sentence."""
    return [[str(skimage_image("astronaut.png")), str(bundled_speech())]]


def build_portrait_tab(ctx: DemoContext) -> None:
    """The Portrait tab."""
    runner = ctx.runner
    gr.Markdown("Upload a **face photo** and **speech** (a file, or record it with the microphone): the face "
                "talks, blinks and moves its head. Or give a **driving face video** to copy its expressions.")
    with gr.Row():
        with gr.Column(scale=3):
            image = gr.Image(label="Face photo", type="filepath", image_mode=None, sources=["upload", "clipboard"],
                             elem_id="portrait-image")
            audio = gr.Audio(label=f"Speech (at most {ctx.settings.max_media_seconds:g} s)", type="filepath",
                             sources=["upload", "microphone"], elem_id="portrait-audio")
            driving = gr.Video(label="Driving face video (optional)", sources=["upload"], elem_id="portrait-driving")
        with gr.Column(scale=2):
            with gr.Row():
                head_motion = gr.Slider(0, 2, value=1.0, step=0.1, label="Head motion", info="0 none, 2 lively")
                still = gr.Checkbox(False, label="Still head", info="the face still talks and blinks")
            with gr.Row():
                blink_rate = gr.Slider(0, 60, value=16, step=1, label="Blinks per minute")
                gaze = gr.Checkbox(False, label="Gaze", info="let the eyes drift and glance")
            with gr.Row():
                expression = gr.Dropdown(list(EXPRESSIONS), value="neutral", label="Expression")
                face = gr.Dropdown(list(FACES), value="largest", allow_custom_value=True, label="Face",
                                   info="largest, all, or a number (0 is the largest)")
            with gr.Row():
                lip_scale = gr.Slider(0, 3, value=1.0, step=0.1, label="Lip scale")
                eye_scale = gr.Slider(0, 3, value=1.0, step=0.1, label="Eye scale", info="driving video only")
            with gr.Row():
                frames = frames_slider(ctx.settings.max_frames, 0, natural="as long as the audio or video")
                seed = seed_box()
            backbone = backbone_dropdown(ctx.backbones)
            run = gr.Button("Animate", variant="primary", elem_id="portrait-run")
            video = result_video("portrait-video")

    render = make_portrait_endpoint(runner)  # the same function as /portrait, run privately from the tab
    inputs = [image, audio, driving, face, head_motion, still, blink_rate, gaze, expression, lip_scale, eye_scale,
              frames, seed, backbone]
    run.click(render, inputs, video, **ctx.render_event(**UI_ONLY))
    gallery = gr.Examples(examples(), [image, audio], label="Example (click to run it)", api_visibility="private",
                          example_labels=["astronaut says hello"])
    gallery.load_input_event.then(render, inputs, video, **ctx.render_event(**UI_ONLY))
