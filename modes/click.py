"""Click mode: click a region of a photo, say how it should move, and only that region moves."""

from __future__ import annotations

import json
import logging
from dataclasses import dataclass
from pathlib import Path

import cv2
import numpy as np

from toolkit.errors import InputError
from toolkit.media.images import load_mask
from toolkit.motion.plan import MotionPlan
from toolkit.motion.primitives import MOTIONS, RegionGeometry
from toolkit.motion.prompt import MotionRequest, parse_prompt
from toolkit.motion.timing import Timeline
from toolkit.options import RenderOptions, option, parse_drag, parse_point
from weights.registry import cache_dir, cache_path, first_cached, get

log = logging.getLogger(__name__)

SAM_CHECKPOINTS = ("sam_vit_h", "sam_vit_l", "sam_vit_b")

DEFAULT_STRENGTH = 0.5


@dataclass
class ClickOptions(RenderOptions):
    """What click mode needs besides the image."""

    points: list[tuple[float, float]] = option(
        help="a point on the object to animate, in source pixels; repeat for several objects",
        flag="--point", parse=parse_point, repeat=True, metavar="X,Y")
    prompt: str | None = option(None, help="how the clicked objects move, e.g. 'sway', 'rise slowly' (default: sway)",
                                metavar="TEXT")
    drags: list[tuple[tuple[float, float], tuple[float, float]]] = option(
        help="move the object under X0,Y0 to X1,Y1 over the clip; repeat for several",
        flag="--drag", parse=parse_drag, repeat=True, metavar="X0,Y0:X1,Y1")
    trajectory: Path | None = option(None, help="JSON file of multi-point drag paths (see README)", metavar="JSON")
    masks: list[Path] = option(help="use this mask image as the region instead of segmenting; repeat for several",
                               flag="--mask", repeat=True, metavar="PNG")
    strength: float = option(DEFAULT_STRENGTH, help="motion amplitude from 0 (still) to 1 (strong)", metavar="0..1")
    sam_checkpoint: Path | None = option(None, help="segment-anything checkpoint (.pth) for the click regions",
                                         metavar="PTH")
    segmenter: str = option("auto", help="how a click becomes a region: 'sam' (needs a checkpoint), 'offline' "
                            "(no weights) or 'auto' (sam when a checkpoint is given or cached)",
                            choices=["auto", "sam", "offline"])

    def validate(self) -> None:
        super().validate()
        if not 0.0 <= self.strength <= 1.0:
            raise InputError(f"--strength must be between 0 and 1, got {self.strength:g}")
        if not (self.points or self.drags or self.trajectory or self.masks):
            raise InputError("click mode needs at least one --point, --drag, --trajectory or --mask")
        parse_prompt(self.prompt)


def load_trajectories(path: Path) -> list[np.ndarray]:
    """Drag paths from JSON: {"trajectories": [[[x, y], ...], ...]} or a bare list of paths."""
    try:
        data = json.loads(Path(path).read_text())
    except FileNotFoundError:
        raise InputError(f"trajectory file '{path}' does not exist") from None
    except (OSError, UnicodeDecodeError, json.JSONDecodeError) as exc:
        raise InputError(f"cannot read trajectory file '{path}': {exc}") from None
    paths = data.get("trajectories") if isinstance(data, dict) else data
    result = []
    try:
        for raw in paths:
            array = np.asarray(raw, dtype=np.float64)
            if array.ndim != 2 or array.shape[1] != 2 or len(array) < 2 or not np.isfinite(array).all():
                raise ValueError
            result.append(array)
    except (TypeError, ValueError):
        raise InputError(
            f"trajectory file '{path}' must hold a list of paths, each a list of at least two [x, y] points") from None
    if not result:
        raise InputError(f"trajectory file '{path}' holds no paths")
    return result


def path_offsets(path: np.ndarray, timeline: Timeline) -> np.ndarray:
    """(T, 2) offsets from a path's first point: one point per frame, or resampled by arc length.

    A path with exactly as many points as frames is followed point by point (as drag
    datasets store them); any other path is traversed with eased speed.
    """
    path = np.asarray(path, np.float64)
    if len(path) == timeline.n_frames and not timeline.loop:
        return path - path[0]
    segment = np.linalg.norm(np.diff(path, axis=0), axis=1)
    arc = np.concatenate([[0.0], np.cumsum(segment)])
    if arc[-1] <= 0:
        return np.zeros((timeline.n_frames, 2))
    target = timeline.progress() * arc[-1]
    x = np.interp(target, arc, path[:, 0])
    y = np.interp(target, arc, path[:, 1])
    return np.stack([x, y], -1) - path[0]


def control_points(mask: np.ndarray, per_side: int = 12, margin_fraction: float = 0.03) -> np.ndarray:
    """A regular grid of control points over the region's box grown by a margin."""
    height, width = mask.shape
    ys, xs = np.nonzero(mask > 0.5)
    margin = margin_fraction * float(np.hypot(width, height))
    x0, x1 = xs.min() - margin, xs.max() + margin
    y0, y1 = ys.min() - margin, ys.max() + margin
    gx = np.linspace(x0, x1, per_side)
    gy = np.linspace(y0, y1, per_side)
    grid = np.stack(np.meshgrid(gx, gy), -1).reshape(-1, 2)
    return grid.astype(np.float64)


def merge_touching(masks: list[np.ndarray], gap: int = 3) -> list[np.ndarray]:
    """Union the masks that overlap or lie within `gap` pixels of each other.

    Two clicks on parts of one object (a rocket's body and its nose cone) then move as one
    region instead of tearing apart; clicks on separate objects stay separate regions.
    """
    groups: list[list[int]] = []
    kernel = np.ones((2 * gap + 1, 2 * gap + 1), np.uint8)
    grown = [cv2.dilate((m > 0.5).astype(np.uint8), kernel).astype(bool) for m in masks]
    for index in range(len(masks)):
        touching = [g for g in groups if any((grown[index] & (masks[j] > 0.5)).any() for j in g)]
        merged = [index] + [j for g in touching for j in g]
        groups = [g for g in groups if g not in touching] + [sorted(merged)]
    groups.sort(key=lambda g: g[0])
    return [np.maximum.reduce([masks[j] for j in g]) for g in groups]


def prompt_displacements(points: np.ndarray, geometry: RegionGeometry, requests: list[MotionRequest],
                         timeline: Timeline, strength: float, rng: np.random.Generator) -> np.ndarray:
    """(P, T, 2) sum of the displacements of every requested motion."""
    total = np.zeros((len(points), timeline.n_frames, 2))
    for request in requests:
        paced = Timeline(timeline.n_frames, timeline.fps, timeline.loop, timeline.speed * request.speed)
        amount = strength / DEFAULT_STRENGTH * request.amount
        total += MOTIONS[request.name](points, paced, geometry, amount, rng)
    return total


class ClickMode:
    """Plugin: clicked regions move by a prompt's motion or along drags."""

    name = "click"
    summary = "animate the clicked region of a photo with a motion prompt or drags"
    options_class = ClickOptions
    epilog = ("motions for --prompt: " + ", ".join(MOTIONS) + "; modifiers: gently, slightly, strongly, wildly "
              "(amplitude), slowly, quickly (speed)")

    def plan(self, image: np.ndarray, options: ClickOptions, *, scale: float = 1.0) -> MotionPlan:
        options.validate()
        height, width = image.shape[:2]
        limit = (width / scale, height / scale)
        points = [self._scaled(p, scale, width, height, "point", limit) for p in options.points]
        drags = [(self._scaled(a, scale, width, height, "drag start", limit), np.asarray(b) * scale)
                 for a, b in options.drags]
        originals = load_trajectories(options.trajectory) if options.trajectory else []
        for original in originals:
            self._scaled(tuple(original[0]), scale, width, height, "trajectory start", limit)
        paths = [original * scale for original in originals]

        segmenter = self._segmenter(options)
        prompt_masks = ([load_mask(m, (width, height)) for m in options.masks] if options.masks
                        else merge_touching(segmenter(image, points)))
        drag_masks = segmenter(image, [start for start, _ in drags] + [tuple(p[0]) for p in paths])

        fps = options.frame_rate()
        timeline = Timeline(options.clip_length(), fps, options.loop)
        rng = np.random.default_rng(options.seed)
        requests = parse_prompt(options.prompt)
        all_tracks, regions = [], []
        for mask in prompt_masks:
            rest = control_points(mask)
            moves = prompt_displacements(rest, RegionGeometry.from_mask(mask), requests, timeline, options.strength, rng)
            self._add(all_tracks, regions, mask, rest, moves)
        drag_paths = [np.stack([start, end]) for start, end in drags] + paths
        for mask, path in zip(drag_masks, drag_paths):
            rest = control_points(mask)
            offsets = path_offsets(path, timeline)
            self._add(all_tracks, regions, mask, rest, np.broadcast_to(offsets, (len(rest),) + offsets.shape))
        order = np.argsort([-(region > 0.5).sum() for region in regions], kind="stable")  # large ones behind
        tracks = [all_tracks[i] for i in order]
        owners = [np.full(len(all_tracks[i]), rank) for rank, i in enumerate(order)]
        return MotionPlan(
            tracks=np.concatenate(tracks, axis=0),
            point_region=np.concatenate(owners),
            regions=np.stack([regions[i] for i in order]),
            fps=fps,
            extras={"prompt": [r.name for r in requests]},
        )

    @staticmethod
    def _add(all_tracks, regions, mask, rest, moves) -> None:
        all_tracks.append(rest[:, None, :] + moves)
        regions.append(mask.astype(np.float32))

    @staticmethod
    def _scaled(point, scale, width, height, what, limit) -> tuple[float, float]:
        if not (0 <= point[0] < limit[0] and 0 <= point[1] < limit[1]):
            raise InputError(f"{what} {point[0]:g},{point[1]:g} is outside the image "
                             f"({limit[0]:.0f}x{limit[1]:.0f})")
        return (min(point[0] * scale, width - 1), min(point[1] * scale, height - 1))

    @staticmethod
    def _segmenter(options: ClickOptions):
        """The click-to-mask function: segment-anything with a checkpoint, else the offline one."""
        checkpoint, sha256 = options.sam_checkpoint, None
        if checkpoint is None and options.segmenter != "offline":
            cached = first_cached(SAM_CHECKPOINTS)
            if cached is not None:
                checkpoint, sha256 = cache_path(cached.name), cached.sha256
        if options.segmenter == "sam" and checkpoint is None:
            raise InputError(f"--segmenter sam needs --sam-checkpoint PATH or a checkpoint in {cache_dir()} "
                             f"(one of: {', '.join(get(n).filename for n in SAM_CHECKPOINTS)})")
        if checkpoint is not None and options.segmenter != "offline":
            from toolkit.perception.sam import SamSegmenter

            log.info("click regions from segment-anything: %s", checkpoint)
            sam = SamSegmenter(checkpoint, sha256=sha256)
            return lambda image, points: sam.masks_at_points(image, points) if points else []
        from toolkit.perception.segment import segment_at_points

        return lambda image, points: segment_at_points(image, points) if points else []
