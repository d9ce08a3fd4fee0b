"""The warp backbone: renders a MotionPlan by warping the source image in layers.

Once per clip: the background behind every region is filled, and each region gets a soft
alpha and the barycentric weights of a coarse grid in its control points' triangulation.
Per frame: each region's field is an affine fit plus one sparse product, inverted on the
coarse grid, upsampled inside the region's box and fed to cv2.remap; the warped region is
composited over the static background.  Pixels outside every region never change.
"""

from __future__ import annotations

import logging
import os
from collections import deque
from concurrent.futures import Future, ThreadPoolExecutor
from dataclasses import dataclass, field
from typing import Callable, Iterator

import cv2
import numpy as np
from scipy import sparse

from toolkit.motion.plan import MotionPlan
from toolkit.warp.field import (
    CoarseGrid,
    apply_affine,
    backward_displacement,
    barycentric_weights,
    fit_affine,
    rasterize_backward_map,
    upsample_map,
)
from toolkit.imaging.fill import fill_hole
from toolkit.warp.cracks import close_cracks, narrow_gaps
from toolkit.imaging.masks import bounding_box
from toolkit.warp.layers import (
    feather_width,
    hard_region,
    layer_alpha,
    transparent_triangles,
)

log = logging.getLogger(__name__)

Progress = Callable[[int, int], None]
CRACK_WIDTH = 5  # px: gaps in a folded part up to about twice this across are closed
RENDER_THREADS = 2  # frames rendered at once by default (more gain little over two on a CPU)


@dataclass(frozen=True)
class WarpOptions:
    """Knobs of the warp backbone."""

    grid_step: int = 8
    feather: float | None = None
    inverse_iterations: int = 4
    threads: int | None = None  # frames rendered at once; None: one per core, at most RENDER_THREADS


@dataclass
class Layer:
    """One moving region, ready to render."""

    alpha: np.ndarray
    alpha_box: tuple[int, int, int, int]
    point_ids: np.ndarray
    weights: sparse.csr_matrix | None
    triangles: np.ndarray | None = None
    texture: np.ndarray | None = None
    mesh_points: np.ndarray | None = None  # indices of the points the mesh uses
    rest_alpha: np.ndarray | None = None  # at rest, the source over this alpha (a region with its own edge)
    empty_triangles: np.ndarray | None = None  # mesh triangles transparent at rest, drawn under the others
    rest_gaps: np.ndarray | None = None  # uint8: narrow gaps in the region at rest, left open once it moves


@dataclass
class Scene:
    """What rendering needs that does not change from frame to frame."""

    source: np.ndarray
    background: np.ndarray
    layers: list[Layer]
    grid: CoarseGrid
    folds_behind: bool = False
    bases: list[np.ndarray] = field(default_factory=list)  # [k]: the background, the first k layers on it at rest


def prepare_scene(image: np.ndarray, plan: MotionPlan, options: WarpOptions, seed: int = 0) -> Scene:
    """Fill the background behind the regions and precompute each region's layer."""
    height, width = image.shape[:2]
    if (width, height) != plan.size:
        raise ValueError(f"image is {width}x{height} but the plan is {plan.size[0]}x{plan.size[1]}")
    grid = CoarseGrid.for_image(width, height, options.grid_step)
    feather = options.feather if options.feather is not None else plan.edge_feather
    feather = feather if feather is not None else feather_width(width, height)
    nodes = grid.positions().reshape(-1, 2)

    grow = max(2, int(round(0.004 * np.hypot(width, height))))
    # the background is filled as far as the anti-aliased rims reach, whatever a layer carries
    filled = [hard_region(mask, grow) for mask in plan.regions]
    hole = np.zeros((height, width), bool)
    for core in filled:
        hole |= core
    if plan.background_hole is not None:
        hole |= np.asarray(plan.background_hole, bool)
    background = fill_hole(image, hole, seed=seed) if hole.any() and plan.fill_background else image.copy()

    layers = []
    for region in range(len(filled)):
        own_edge = region in plan.edge_grow
        core = hard_region(plan.regions[region], plan.edge_grow[region]) if own_edge else filled[region]
        point_ids = plan.region_points(int(region))
        if not core.any() or len(point_ids) == 0:
            continue
        alpha = layer_alpha(core, feather)
        # a layer with a narrower edge gives back the photo's own rim while it is at rest
        rest_alpha = layer_alpha(filled[region], feather) if own_edge else None
        box = bounding_box((alpha > 0) | (rest_alpha > 0) if own_edge else alpha > 0)
        triangles = plan.meshes.get(int(region))
        texture = plan.textures.get(int(region))
        if triangles is not None:
            triangles = np.asarray(triangles, np.int64)
            empty = transparent_triangles(alpha, plan.tracks[point_ids, 0], triangles)
            gaps = narrow_gaps(alpha, CRACK_WIDTH).astype(np.uint8) if plan.folds_behind else None
            layers.append(Layer(alpha, box, point_ids, None, triangles, texture, np.unique(triangles), rest_alpha,
                                empty, gaps))
        else:
            weights = barycentric_weights(plan.tracks[point_ids, 0], nodes)
            layers.append(Layer(alpha, box, point_ids, weights, None, texture, rest_alpha=rest_alpha))
    scene = Scene(image, background, layers, grid, plan.folds_behind)
    scene.bases = [background]
    for layer in layers:  # a frame starts from the stack of the bottom layers that have not moved
        base = scene.bases[-1].copy()
        composite_at_rest(base, scene, layer)
        scene.bases.append(base)
    return scene


def _reach_edges(layer: Layer, box: tuple[float, float, float, float], size: tuple[int, int]) -> tuple[int, int, int, int] | None:
    """Clip a float box to the image; a layer cut by the frame's edge keeps reaching that edge."""
    x0, y0, x1, y1 = layer.alpha_box
    width, height = size
    bx0 = 0 if x0 == 0 else max(0, int(np.floor(box[0])))
    by0 = 0 if y0 == 0 else max(0, int(np.floor(box[1])))
    bx1 = width if x1 == width else min(width, int(np.ceil(box[2])) + 1)
    by1 = height if y1 == height else min(height, int(np.ceil(box[3])) + 1)
    if bx1 <= bx0 or by1 <= by0:
        return None
    return bx0, by0, bx1, by1


def _affine_destination_box(layer: Layer, affine: np.ndarray, residual: np.ndarray, size: tuple[int, int]) -> tuple[int, int, int, int] | None:
    """Box of the output that a layer moved by affine + residual can touch."""
    x0, y0, x1, y1 = layer.alpha_box
    corners = np.array([[x0, y0], [x1, y0], [x0, y1], [x1, y1]], np.float64)
    moved = apply_affine(affine, corners)
    slack = float(np.abs(residual).max(initial=0.0)) + 2.0
    return _reach_edges(layer, (moved[:, 0].min() - slack, moved[:, 1].min() - slack,
                                moved[:, 0].max() + slack, moved[:, 1].max() + slack), size)


def _blend(frame: np.ndarray, box: tuple[int, int, int, int], moved: np.ndarray, alpha: np.ndarray) -> None:
    """Composite moved pixels with their alpha over frame inside box, in place."""
    x0, y0, x1, y1 = box
    under = frame[y0:y1, x0:x1]
    alpha = np.ascontiguousarray(alpha, dtype=np.float32)
    frame[y0:y1, x0:x1] = cv2.blendLinear(np.ascontiguousarray(moved), np.ascontiguousarray(under), alpha, 1.0 - alpha)


def _sample(scene: Scene, layer: Layer, map_x: np.ndarray, map_y: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Source pixels and layer alpha at the backward map's positions."""
    texture = scene.source if layer.texture is None else layer.texture
    moved = cv2.remap(texture, map_x, map_y, cv2.INTER_LINEAR, borderMode=cv2.BORDER_REFLECT)
    # replicate: a region cut by the frame's edge continues beyond it instead of showing a hard edge
    alpha = cv2.remap(layer.alpha, map_x, map_y, cv2.INTER_LINEAR, borderMode=cv2.BORDER_REPLICATE)
    return moved, alpha


def composite_layer(frame: np.ndarray, scene: Scene, layer: Layer, rest: np.ndarray, current: np.ndarray, iterations: int) -> None:
    """Warp one layer by its control points' motion and composite it into frame in place."""
    height, width = frame.shape[:2]
    if np.abs(current - rest).max() < 1e-3:
        composite_at_rest(frame, scene, layer)
        return
    if layer.triangles is not None:
        composite_mesh_layer(frame, scene, layer, rest, current)
        return
    affine = fit_affine(rest, current)
    residual = (current - apply_affine(affine, rest)).astype(np.float32)
    grid = scene.grid
    residual_grid = np.asarray(layer.weights @ residual, np.float32).reshape(grid.rows, grid.cols, 2)
    box = _affine_destination_box(layer, affine, residual, (width, height))
    if box is None:
        return
    displacement = backward_displacement(affine, residual_grid, grid, iterations)
    map_x, map_y = upsample_map(displacement, grid, box)
    moved, alpha = _sample(scene, layer, map_x, map_y)
    _blend(frame, box, moved, alpha)


def composite_at_rest(frame: np.ndarray, scene: Scene, layer: Layer) -> None:
    """Composite a layer that has not moved: the photo over its rest alpha where it has its own
    edge (the photo's own rim), else its texture over its alpha."""
    x0, y0, x1, y1 = layer.alpha_box
    if layer.rest_alpha is not None:
        texture, alpha = scene.source, layer.rest_alpha
    else:
        texture, alpha = (scene.source if layer.texture is None else layer.texture), layer.alpha
    _blend(frame, layer.alpha_box, texture[y0:y1, x0:x1], alpha[y0:y1, x0:x1])


def composite_mesh_layer(frame: np.ndarray, scene: Scene, layer: Layer, rest: np.ndarray, current: np.ndarray) -> None:
    """Warp a layer piecewise affinely with its mesh and composite it into frame in place."""
    height, width = frame.shape[:2]
    used = current[layer.mesh_points]
    box = _reach_edges(layer, (used[:, 0].min() - 1, used[:, 1].min() - 1, used[:, 0].max() + 1,
                               used[:, 1].max() + 1), (width, height))
    if box is None:
        return
    map_x, map_y, covered = rasterize_backward_map(rest, current, layer.triangles, box, step=2,
                                                   folds_behind=scene.folds_behind, empty=layer.empty_triangles,
                                                   see_through=layer.alpha if scene.folds_behind else None)
    moved, alpha = _sample(scene, layer, map_x, map_y)
    alpha = alpha * covered
    if layer.rest_gaps is not None and bent(rest, current):  # no crack of what is behind shows through a fold
        own_gaps = cv2.remap(layer.rest_gaps, map_x, map_y, cv2.INTER_NEAREST, borderMode=cv2.BORDER_CONSTANT) > 0
        moved, alpha = close_cracks(moved, alpha, CRACK_WIDTH, own_gaps)
    _blend(frame, box, moved, alpha)


def bent(rest: np.ndarray, current: np.ndarray, tolerance: float = 1.0) -> bool:
    """Whether points moved other than by one affine map (up to tolerance px): only then can a mesh
    fold over itself or open a crack."""
    residual = current - apply_affine(fit_affine(rest, current), rest)
    return float(np.abs(residual).max(initial=0.0)) > tolerance


def render_frame(scene: Scene, plan: MotionPlan, index: int, options: WarpOptions) -> np.ndarray:
    """One output frame of the plan; one in which nothing has moved is the source itself (the
    painted-in textures behind parts, and their cleaned edges, only matter once they move)."""
    if np.abs(plan.tracks[:, index] - plan.tracks[:, 0]).max(initial=0.0) < 1e-3:
        return scene.source.copy()
    moves = [np.abs(plan.tracks[layer.point_ids, index] - plan.tracks[layer.point_ids, 0]).max() >= 1e-3
             for layer in scene.layers]
    still = moves.index(True) if True in moves else len(moves)
    frame = scene.bases[still].copy()
    for layer in scene.layers[still:]:
        rest = plan.tracks[layer.point_ids, 0]
        current = plan.tracks[layer.point_ids, index]
        composite_layer(frame, scene, layer, rest, current, options.inverse_iterations)
    return frame


def in_order_ahead(futures: Iterator[Future], ahead: int) -> Iterator:
    """The results of futures in the order given, taking up to `ahead` more futures from the
    iterator (so submitting that much work) before waiting on each."""
    pending: deque = deque()
    for future in futures:
        pending.append(future)
        if len(pending) > ahead:
            yield pending.popleft().result()
    while pending:
        yield pending.popleft().result()


class WarpBackbone:
    """Training-free backbone: needs no weights, runs on a CPU."""

    name = "warp"

    def __init__(self, options: WarpOptions | None = None):
        self.options = options or WarpOptions()

    def render(
        self,
        image: np.ndarray,
        plan: MotionPlan,
        *,
        seed: int = 0,
        progress: Progress | None = None,
    ) -> Iterator[np.ndarray]:
        """Yield the plan's frames one by one, in order (a stream, never the whole clip).

        Frames are independent once the scene is ready, and their work is mostly OpenCV and NumPy,
        which run outside Python's lock: a few are rendered ahead on threads, at most `threads`
        frames in flight besides the one being consumed, so memory stays flat in the clip's length.
        """
        scene = prepare_scene(image if plan.source is None else plan.source, plan, self.options, seed)
        log.debug("warp: %d layers, %d frames", len(scene.layers), plan.n_frames)
        threads = max(1, self.options.threads or min(RENDER_THREADS, os.cpu_count() or 1))
        with ThreadPoolExecutor(threads) as pool:
            frames = (pool.submit(render_frame, scene, plan, index, self.options) for index in range(plan.n_frames))
            for index, frame in enumerate(in_order_ahead(frames, threads)):
                yield frame
                if progress is not None:
                    progress(index + 1, plan.n_frames)
