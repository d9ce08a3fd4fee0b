"""Outfit mode: put a garment on a person photo, as a still or animated, for try-on previews.

    animate outfit PERSON --garment GARMENT [--garment G2 | --garment FOLDER ...]
                   [--category upper|lower|dress|auto] [--garment-mask M ...] [--person-mask M]
                   [--animate PRESET | --driving VIDEO | --pose-file F] -o OUT.(png|jpg|webp|mp4)

A still keeps the person photo's size.  With --animate/--driving/--pose-file the dressed
photo is animated by pose mode (its plan, rendered by the warp backbone), so the garment moves
with the body.  Several garments (or a folder of them) make one output each, the person being
analysed once: OUT's name gets the garment's name, ``look.png`` -> ``look_<garment stem>.png``.
"""

from __future__ import annotations

import sys
from dataclasses import dataclass, replace
from pathlib import Path
from typing import Callable

import numpy as np

from toolkit.backbones import Backbone
from toolkit.errors import InputError
from toolkit.motion.plan import MotionPlan
from toolkit.motion.presets import PRESETS
from toolkit.options import RenderOptions, option, shared_render_options


STILL_SUFFIXES = (".png", ".jpg", ".jpeg", ".webp")
IMAGE_SUFFIXES = (".jpg", ".jpeg", ".png", ".webp", ".bmp", ".tif", ".tiff")
MASK_SUFFIX = "_mask"  # garment.jpg's own mask may sit beside it as garment_mask.(png|jpg)
CATEGORY_NAMES = {"upper": "a top", "lower": "trousers or a skirt", "dress": "a dress"}

Progress = Callable[[int, int], None]
Notify = Callable[[str], None]


@dataclass
class OutfitOptions(RenderOptions):
    """What outfit mode needs besides the person photo."""

    garment: list[Path] = option(help="garment photo (flat or white background), or a folder of them; give it "
                                 "several times for a catalogue (one output each)", repeat=True, metavar="GARMENT")
    category: str = option("auto", help="what the garment is: 'upper' (tops), 'lower' (trousers, skirts), "
                           "'dress', or 'auto' to guess from its shape", choices=["auto", "upper", "lower", "dress"])
    garment_mask: list[Path] = option(help="the garment's own mask (white = garment), one per --garment in order "
                                      "(default: GARMENT_mask.png/.jpg beside it, else cut from the background)",
                                      repeat=True, metavar="M")
    person_mask: Path | None = option(None, help="mask of the clothing to take off the person (white = replace); "
                                      "default: found automatically", metavar="M")
    animate: str | None = option(None, help="animate the dressed photo with a pose preset", choices=sorted(PRESETS))
    driving: Path | None = option(None, help="animate the dressed photo to follow a video of a person",
                                  metavar="VIDEO")
    pose_file: Path | None = option(None, help="animate the dressed photo to follow poses (pose mode's JSON or an "
                                    "OpenPose folder)", metavar="FILE")

    @property
    def animated(self) -> bool:
        return any(value is not None for value in (self.animate, self.driving, self.pose_file))

    def validate(self) -> None:
        super().validate()
        if not self.garment:
            raise InputError("outfit mode needs --garment GARMENT (a garment photo or a folder of them)")
        given = [flag for flag, value in (("--animate", self.animate), ("--driving", self.driving),
                                          ("--pose-file", self.pose_file)) if value is not None]
        if len(given) > 1:
            raise InputError(f"give one of --animate, --driving or --pose-file, not {' and '.join(given)}")


# ---------------------------------------------------------------------------- inputs and outputs

def sibling_mask(garment: Path) -> Path | None:
    """garment_mask.(png|jpg|...) beside a garment photo, if there is one."""
    for suffix in IMAGE_SUFFIXES:
        candidate = garment.with_name(garment.stem + MASK_SUFFIX + suffix)
        if candidate.is_file():
            return candidate
    return None


def expand_garments(entries: list[Path]) -> list[Path]:
    """Garment photos from files and folders (a folder's images in name order, masks left out)."""
    garments: list[Path] = []
    for entry in entries:
        entry = Path(entry)
        if entry.is_dir():
            found = sorted(p for p in entry.iterdir() if p.suffix.lower() in IMAGE_SUFFIXES
                           and not p.stem.endswith(MASK_SUFFIX) and not p.name.startswith("."))
            if not found:
                raise InputError(f"--garment: the folder '{entry}' holds no images")
            garments.extend(found)
        elif entry.exists():
            garments.append(entry)
        else:
            raise InputError(f"cannot read garment image '{entry}': file does not exist")
    return garments


def pair_masks(garments: list[Path], masks: list[Path]) -> list[Path | None]:
    """One mask (or None) per garment: the given ones in order, else each garment's sibling mask."""
    if masks:
        if len(masks) != len(garments):
            raise InputError(f"got {len(masks)} --garment-mask for {len(garments)} garments; give one per "
                             "garment, in the same order")
        return [Path(m) for m in masks]
    return [sibling_mask(g) for g in garments]


def output_names(output: Path, garments: list[Path]) -> list[Path]:
    """OUT for one garment; OUT's stem + '_' + each garment's stem for several (numbered if stems repeat)."""
    if len(garments) == 1:
        return [output]
    names, seen = [], {}
    for garment in garments:
        stem = garment.stem
        seen[stem] = seen.get(stem, 0) + 1
        suffix = "" if seen[stem] == 1 else f"-{seen[stem]}"
        names.append(output.with_name(f"{output.stem}_{stem}{suffix}{output.suffix}"))
    return names


def check_output(output: Path, animated: bool) -> None:
    """InputError unless the output's type suits a still or a clip."""
    from toolkit.media.images import check_output_folder
    from toolkit.media.video_writer import output_kind

    suffix = output.suffix.lower()
    if not animated:
        if suffix not in STILL_SUFFIXES:
            raise InputError(f"a dressed still is written as .png, .jpg or .webp, not '{output.name}' "
                             "(add --animate, --driving or --pose-file for a clip)")
    else:
        output_kind(output)
    check_output_folder(output)


def read_mask(path: Path, size: tuple[int, int]) -> np.ndarray:
    from toolkit.media.images import load_mask

    return load_mask(path, size) > 0.5


def load_garments(garments: list[Path], masks: list[Path | None], category: str, max_side: int):
    """Every garment cut out and analysed (InputError naming the file that fails)."""
    from toolkit.dressing import prepare_garment
    from toolkit.media.images import fit_longer_side, read_rgb

    prepared = []
    for garment, mask_path in zip(garments, masks):
        rgb, _ = fit_longer_side(read_rgb(garment, what="garment image"), max_side)
        mask = read_mask(mask_path, (rgb.shape[1], rgb.shape[0])) if mask_path else None
        try:
            prepared.append(prepare_garment(rgb, mask, category))
        except InputError as exc:
            raise InputError(f"'{garment.name}': {exc}") from None
    return prepared


def pose_options(options: OutfitOptions):
    """Pose mode's options for animating the dressed photo."""
    from modes.pose import PoseOptions

    return PoseOptions(**shared_render_options(options), driving=options.driving, pose_file=options.pose_file,
                       preset=options.animate)


def to_stderr(message: str) -> None:
    print(f"animate outfit: {message}", file=sys.stderr)


def paste_back(full: np.ndarray, work: np.ndarray, dressed: np.ndarray) -> np.ndarray:
    """The full-size photo with the changes made at working size (dressed vs work) pasted in, upscaled."""
    import cv2

    if full.shape == work.shape:
        return dressed
    changed = (np.abs(dressed.astype(np.int16) - work.astype(np.int16)).max(axis=2) > 0).astype(np.uint8)
    changed = cv2.dilate(changed, np.ones((3, 3), np.uint8)).astype(np.float32)
    size = (full.shape[1], full.shape[0])
    alpha = np.clip(cv2.GaussianBlur(cv2.resize(changed, size, interpolation=cv2.INTER_LINEAR), (0, 0), 1.0), 0, 1)
    up = cv2.resize(dressed, size, interpolation=cv2.INTER_CUBIC).astype(np.float32)
    out = full.astype(np.float32) * (1 - alpha[..., None]) + up * alpha[..., None]
    return np.clip(np.rint(out), 0, 255).astype(np.uint8)


# ---------------------------------------------------------------------------- the mode

class OutfitMode:
    """Plugin: the person in a photo wears a garment from a product photo, as a still or animated."""

    name = "outfit"
    summary = "put a garment (top, trousers, skirt or dress) on the person in a photo, still or animated"
    options_class = OutfitOptions
    epilog = ("Writes a still (.png/.jpg/.webp) at the photo's size, or with --animate PRESET (" + ", ".join(PRESETS)
              + "), --driving or --pose-file a clip made by pose mode.  Several --garment (or a folder) write one "
              "output each: OUT.png becomes OUT_<garment name>.png.")

    def dress_array(self, person_rgb: np.ndarray, garment, options: OutfitOptions, person=None) -> np.ndarray:
        """The person photo (array) wearing one prepared garment."""
        from toolkit.dressing import put_on

        person = person or self.analyse(person_rgb, options)
        return put_on(person, garment, seed=options.seed)

    def analyse(self, person_rgb: np.ndarray, options: OutfitOptions):
        """The person analysed once (the user's clothing mask, if any, replaces the automatic one)."""
        from toolkit.dressing import analyse_person_photo

        person = analyse_person_photo(person_rgb)
        if options.person_mask is not None:
            mask = read_mask(options.person_mask, (person_rgb.shape[1], person_rgb.shape[0]))
            person.parts.override_clothing(mask)
        return person

    def plan(self, image: np.ndarray, options: OutfitOptions, *, scale: float = 1.0) -> MotionPlan:
        """For `toolkit.render`: the dressed photo animated by pose mode (one garment, a clip output)."""
        from modes.pose import PoseMode

        options.validate()
        if not options.animated:
            raise InputError("outfit mode makes a clip only with --animate, --driving or --pose-file; for a still, "
                             "write a .png or .jpg with `animate outfit` (OutfitMode.write)")
        garments = expand_garments(options.garment)
        if len(garments) != 1:
            raise InputError("several garments make several outputs: use `animate outfit` (OutfitMode.write)")
        garment = load_garments(garments, pair_masks(garments, options.garment_mask), options.category,
                                options.max_side)[0]
        dressed = self.dress_array(image, garment, options)
        plan = PoseMode().plan(dressed, pose_options(options), scale=scale)
        return replace(plan, source=dressed)  # every part, and what is filled in behind them, is the dressed photo

    def write(self, image: Path, output: Path, options: OutfitOptions, progress: Progress | None = None,
              notify: Notify = to_stderr) -> list[Path]:
        """Dress the person in every garment and write one still or clip each; returns the files written.

        Everything is read and checked (the garments, the person) before the first file is
        written, and each file is written under a temporary name and renamed when complete.
        """
        from toolkit.media.images import fit_longer_side, read_rgb

        options.validate()
        output = Path(output)
        garments = expand_garments(options.garment)
        masks = pair_masks(garments, options.garment_mask)
        outputs = output_names(output, garments)
        for name in outputs:
            check_output(name, options.animated)
        if options.animated:
            pose_options(options).validate()
        full = read_rgb(image, what="person image")
        prepared = load_garments(garments, masks, options.category, options.max_side)
        work, _ = fit_longer_side(full, options.max_side)
        try:
            person = self.analyse(work, options)
        except InputError as exc:
            raise InputError(str(exc).replace("the person image", f"'{Path(image).name}'")) from None
        if options.category == "auto":  # said once everything has been checked
            for garment, path in zip(prepared, garments):
                notify(f"'{path.name}' looks like {CATEGORY_NAMES[garment.category]} "
                       f"(--category {garment.category})")
        written = []
        backbone = None
        if options.animated:  # one backbone for every clip: a diffusion model is loaded once
            from toolkit.backbones import get_backbone

            backbone = get_backbone(options.backbone, options)
        for garment, name in zip(prepared, outputs):
            dressed = self.dress_array(work, garment, options, person)
            if options.animated:
                written.append(self.write_clip(dressed, name, options, len(outputs) > 1, progress, backbone))
            else:
                from toolkit.media.images import save_image

                save_image(name, paste_back(full, work, dressed))
                written.append(name)
        return written

    def write_clip(self, dressed: np.ndarray, output: Path, options: OutfitOptions, several: bool,
                   progress: Progress | None, backbone: Backbone) -> Path:
        """Animate a dressed photo with pose mode and write the clip (and its contact sheet)."""
        from modes.pose import PoseMode
        from toolkit.media.images import crop_to_even
        from toolkit.pipeline import render_plan

        settings = pose_options(options)
        sheet = options.contact_sheet
        if sheet is not None and several:
            sheet = Path(sheet).with_name(f"{Path(sheet).stem}_{output.stem}{Path(sheet).suffix}")
        dressed = np.ascontiguousarray(crop_to_even(dressed))
        plan = PoseMode().plan(dressed, settings)
        render_plan(dressed, plan, output, backbone=backbone, seed=options.seed, contact_sheet=sheet,
                    progress=progress)
        return output
