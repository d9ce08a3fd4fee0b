"""Turn one image into a short video: click, portrait, pose and outfit modes on shared backbones.

The Python API mirrors the `animate` command::

    from toolkit import ClickOptions, render
    render("click", "photo.jpg", "out.mp4", ClickOptions(points=[(320, 240)], prompt="sway"))

Names are imported on first use, so `import toolkit` stays cheap.
"""

from importlib import import_module

_EXPORTS = {
    "ClickOptions": "modes.click",
    "PoseOptions": "modes.pose",
    "PortraitOptions": "modes.portrait",
    "InputError": "toolkit.errors",
    "MotionPlan": "toolkit.motion.plan",
    "RenderOptions": "toolkit.options",
    "RenderResult": "toolkit.pipeline",
    "render": "toolkit.pipeline",
    "render_plan": "toolkit.pipeline",
    "animate_click": "toolkit.api",
    "animate_pose": "toolkit.api",
    "animate_portrait": "toolkit.api",
}

__all__ = sorted(_EXPORTS)


def __getattr__(name: str):
    if name in _EXPORTS:
        return getattr(import_module(_EXPORTS[name]), name)
    raise AttributeError(f"module 'toolkit' has no attribute {name!r}")
