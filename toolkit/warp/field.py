"""Dense warp fields from sparse control-point motion: pure functions of arrays.

A region's motion in one frame is split into a global affine part, fitted to its control
points, and a smooth residual interpolated over a Delaunay triangulation of their rest
positions.  The backward map that rendering needs (for each output pixel, where to sample
the source) inverts the affine part exactly and the residual by fixed-point iteration, so
large drags, spins and zooms invert as well as small wobbles.
"""

from __future__ import annotations

from dataclasses import dataclass

import cv2
import numpy as np
from scipy import sparse
from scipy.spatial import Delaunay, QhullError


def fit_affine(src: np.ndarray, dst: np.ndarray) -> np.ndarray:
    """Least-squares 2x3 affine map taking src points (N, 2) to dst points (N, 2).

    One point gives a translation, two a similarity; three or more a full affine.
    """
    src = np.asarray(src, dtype=np.float64)
    dst = np.asarray(dst, dtype=np.float64)
    n = len(src)
    if n == 0:
        return np.array([[1.0, 0.0, 0.0], [0.0, 1.0, 0.0]])
    if n == 1:
        t = dst[0] - src[0]
        return np.array([[1.0, 0.0, t[0]], [0.0, 1.0, t[1]]])
    if n == 2 or np.linalg.matrix_rank(src - src.mean(0)) < 2:
        return _fit_similarity(src, dst)
    design = np.hstack([src, np.ones((n, 1))])
    solution, *_ = np.linalg.lstsq(design, dst, rcond=None)
    return solution.T


def _fit_similarity(src: np.ndarray, dst: np.ndarray) -> np.ndarray:
    """Least-squares rotation, uniform scale and translation (Umeyama without reflection)."""
    mu_s, mu_d = src.mean(0), dst.mean(0)
    s, d = src - mu_s, dst - mu_d
    var = (s**2).sum()
    if var < 1e-12:
        t = mu_d - mu_s
        return np.array([[1.0, 0.0, t[0]], [0.0, 1.0, t[1]]])
    a = (s * d).sum() / var
    b = (s[:, 0] * d[:, 1] - s[:, 1] * d[:, 0]).sum() / var
    linear = np.array([[a, -b], [b, a]])
    t = mu_d - linear @ mu_s
    return np.hstack([linear, t[:, None]])


def apply_affine(affine: np.ndarray, points: np.ndarray) -> np.ndarray:
    """Apply a 2x3 affine map to points of shape (..., 2)."""
    return points @ affine[:, :2].T + affine[:, 2]


def invert_affine(affine: np.ndarray) -> np.ndarray:
    """Inverse of a 2x3 affine map; a degenerate map inverts to identity."""
    (a, b), (c, d) = affine[:, :2]
    det = a * d - b * c
    if abs(det) < 1e-9:
        return np.array([[1.0, 0.0, 0.0], [0.0, 1.0, 0.0]])
    inv = np.array([[d, -b], [-c, a]]) / det
    return np.hstack([inv, (-inv @ affine[:, 2])[:, None]])


def barycentric_weights(points: np.ndarray, samples: np.ndarray) -> sparse.csr_matrix:
    """Sparse (S, P) matrix of barycentric weights of S sample positions in the Delaunay
    triangulation of P points.  Samples outside the triangulation get an all-zero row."""
    points = np.asarray(points, dtype=np.float64)
    samples = np.asarray(samples, dtype=np.float64)
    n_samples, n_points = len(samples), len(points)
    if n_points < 3:
        return sparse.csr_matrix((n_samples, n_points), dtype=np.float32)
    try:
        tri = Delaunay(points)
    except QhullError:
        return sparse.csr_matrix((n_samples, n_points), dtype=np.float32)
    simplex = tri.find_simplex(samples)
    inside = np.flatnonzero(simplex >= 0)
    transform = tri.transform[simplex[inside]]
    offset = samples[inside] - transform[:, 2]
    bary2 = np.einsum("nij,nj->ni", transform[:, :2], offset)
    bary = np.hstack([bary2, 1.0 - bary2.sum(1, keepdims=True)])
    rows = np.repeat(inside, 3)
    cols = tri.simplices[simplex[inside]].ravel()
    return sparse.csr_matrix(
        (bary.ravel().astype(np.float32), (rows, cols)), shape=(n_samples, n_points)
    )


@dataclass(frozen=True)
class CoarseGrid:
    """Sample positions of a coarse grid aligned with cv2.resize's pixel-centre convention."""

    width: int
    height: int
    cols: int
    rows: int

    @classmethod
    def for_image(cls, width: int, height: int, step: int = 8) -> "CoarseGrid":
        return cls(width, height, max(2, -(-width // step)), max(2, -(-height // step)))

    def positions(self) -> np.ndarray:
        """(rows, cols, 2) full-resolution pixel coordinates of the grid nodes."""
        xs = (np.arange(self.cols) + 0.5) * (self.width / self.cols) - 0.5
        ys = (np.arange(self.rows) + 0.5) * (self.height / self.rows) - 0.5
        gx, gy = np.meshgrid(xs, ys)
        return np.stack([gx, gy], -1).astype(np.float32)

    def to_grid_coords(self, xy: np.ndarray) -> np.ndarray:
        """Full-resolution pixel coordinates to fractional grid indices (for cv2.remap)."""
        scale = np.array([self.cols / self.width, self.rows / self.height], np.float32)
        return ((xy + 0.5) * scale - 0.5).astype(np.float32)


def backward_displacement(
    affine: np.ndarray,
    residual: np.ndarray,
    grid: CoarseGrid,
    iterations: int = 4,
) -> np.ndarray:
    """Coarse backward displacement B(x) - x for the forward map p -> A(p) + R(p).

    residual: (rows, cols, 2) residual displacement R sampled at the grid nodes (source side).
    Returns (rows, cols, 2) float32: for each output node x, B(x) - x with A(B) + R(B) = x.
    """
    nodes = grid.positions()
    inverse = invert_affine(affine)
    source = apply_affine(inverse, nodes).astype(np.float32)
    if np.any(residual):
        for _ in range(iterations):
            index = grid.to_grid_coords(source)
            r_at_source = cv2.remap(
                residual, index[..., 0], index[..., 1], cv2.INTER_LINEAR,
                borderMode=cv2.BORDER_CONSTANT, borderValue=0,
            )
            source = apply_affine(inverse, nodes - r_at_source).astype(np.float32)
    return source - nodes


def upsample_map(displacement: np.ndarray, grid: CoarseGrid, box: tuple[int, int, int, int]) -> tuple[np.ndarray, np.ndarray]:
    """Full-resolution remap coordinates (map_x, map_y) inside box = (x0, y0, x1, y1).

    The coarse displacement is resized to the full image implicitly, then cropped: only the
    box's pixels are computed.
    """
    x0, y0, x1, y1 = box
    index_x = (np.arange(x0, x1, dtype=np.float32) + 0.5) * (grid.cols / grid.width) - 0.5
    index_y = (np.arange(y0, y1, dtype=np.float32) + 0.5) * (grid.rows / grid.height) - 0.5
    ix, iy = np.meshgrid(index_x, index_y)
    np.clip(ix, 0, grid.cols - 1, out=ix)
    np.clip(iy, 0, grid.rows - 1, out=iy)
    dense = cv2.remap(displacement, ix, iy, cv2.INTER_LINEAR, borderMode=cv2.BORDER_REPLICATE)
    xs, ys = np.meshgrid(np.arange(x0, x1, dtype=np.float32), np.arange(y0, y1, dtype=np.float32))
    return xs + dense[..., 0], ys + dense[..., 1]


def triangle_inverse_affines(rest: np.ndarray, current: np.ndarray, triangles: np.ndarray) -> np.ndarray:
    """(K, 2, 3) affine maps taking each moved triangle back onto its rest triangle.

    Degenerate (collapsed) triangles get a zero map; rasterizing them covers no pixels anyway.
    """
    src = np.asarray(rest, np.float64)[triangles]      # (K, 3, 2)
    dst = np.asarray(current, np.float64)[triangles]   # (K, 3, 2)
    # columns: the moved triangle's two edges from its first corner, and the rest triangle's
    moved_edges = np.stack([dst[:, 1] - dst[:, 0], dst[:, 2] - dst[:, 0]], axis=2)  # (K, 2, 2)
    rest_edges = np.stack([src[:, 1] - src[:, 0], src[:, 2] - src[:, 0]], axis=2)
    det = moved_edges[:, 0, 0] * moved_edges[:, 1, 1] - moved_edges[:, 0, 1] * moved_edges[:, 1, 0]
    ok = np.abs(det) > 1e-9
    inverse = np.stack([np.stack([moved_edges[:, 1, 1], -moved_edges[:, 0, 1]], -1),
                        np.stack([-moved_edges[:, 1, 0], moved_edges[:, 0, 0]], -1)], axis=1)
    inverse /= np.where(ok, det, 1.0)[:, None, None]
    linear = rest_edges @ inverse  # (K, 2, 2): rest = linear @ (moved - first corner) + rest's first corner
    maps = np.zeros((len(triangles), 2, 3))
    maps[:, :, :2] = linear
    maps[:, :, 2] = src[:, 0] - np.einsum("kij,kj->ki", linear, dst[:, 0])
    maps[~ok] = 0.0
    return maps


def rasterize_backward_map(
    rest: np.ndarray, current: np.ndarray, triangles: np.ndarray, box: tuple[int, int, int, int], step: int = 1,
    folds_behind: bool = False, empty: np.ndarray | None = None,
    see_through: tuple[np.ndarray, np.ndarray] | None = None,
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Exact backward map of a piecewise-affine mesh inside box = (x0, y0, x1, y1).

    Each moved triangle is drawn into an index image (later triangles on top), and every
    covered pixel samples the source through its triangle's inverse affine map.  With step > 1
    the map is computed on every step-th pixel and interpolated between (it is piecewise
    linear, so only triangle edges lose a little accuracy; where neighbouring samples map far
    apart, at a fold, each pixel takes its nearest sample's triangle instead), and the coverage
    becomes a soft edge about step pixels wide, so the mesh's outline (a mouth opening, a limb)
    is smooth rather than stair-stepped.  With folds_behind, triangles turned over since rest (the inside
    of a fold, such as the crook of a sharply bent elbow) are drawn first, under all the others,
    so they only fill what nothing else covers.  Triangles marked `empty` (transparent at rest:
    the mesh's margin beyond its region) are drawn first of all, so that a moved margin never
    hides the region's own pixels.  With see_through = (alpha at rest (H, W), solid (K,) bool:
    triangles opaque all over), where the triangle on top is transparent at a pixel (the wall
    inside a limb's edge triangle, swung over the limb by a fold) the topmost solid triangle
    there shows instead of a hole.  Returns (map_x, map_y,
    covered): covered is bool for step 1 and a float32 share in [0, 1] otherwise; uncovered
    pixels map to themselves.
    """
    x0, y0, x1, y1 = box
    width, height = x1 - x0, y1 - y0
    cols, rows = -(-width // step), -(-height // step)
    owner = np.full((rows, cols), -1, np.int32)
    moved = np.asarray(current, np.float64)[triangles]
    corners = np.round((moved - (x0, y0)) * (16.0 / step)).astype(np.int32)
    signed = 0.5 * np.cross(moved[:, 1] - moved[:, 0], moved[:, 2] - moved[:, 0])
    order = np.flatnonzero(np.abs(signed) > 1e-3)  # a squeezed-flat triangle would still draw its line
    if folds_behind:  # a triangle turned over (the inside of a fold) shows its texture mirrored:
        still = np.asarray(rest, np.float64)[triangles]  # it only fills what no other triangle covers
        turned = np.sign(signed[order]) != np.sign(np.cross(still[order, 1] - still[order, 0],
                                                             still[order, 2] - still[order, 0]))
        order = np.concatenate([order[turned], order[~turned]])
    if empty is not None:
        blank = np.asarray(empty, bool)[order]
        order = np.concatenate([order[blank], order[~blank]])
    for index in order:
        cv2.fillConvexPoly(owner, corners[index], int(index), lineType=cv2.LINE_8, shift=4)
    maps = triangle_inverse_affines(rest, current, triangles).astype(np.float32)
    xs, ys = np.meshgrid(np.arange(cols, dtype=np.float32) * step + x0, np.arange(rows, dtype=np.float32) * step + y0)
    inside = np.all((moved[order] >= (x0, y0)) & (moved[order] <= (x1, y1)), axis=(1, 2))  # whole areas counted
    overlapping = np.abs(signed[order[inside]]).sum() > OVERLAP_SHARE * step * step * np.count_nonzero(owner >= 0)
    if see_through is not None and overlapping:  # only where triangles lie over one another
        owner = _solid_under_clear(owner, order, corners, maps, xs, ys, *see_through)
    if step > 1:  # close the one-cell gaps that thin slivers leave at a coarse step
        owner = _grow_owner(owner)
    covered = owner >= 0
    # the map reaches one cell beyond the mesh (its edge triangles extended), so the soft edge
    # interpolates between mesh samples instead of pulling in the identity map of empty cells
    extended = _grow_owner(owner) if step > 1 else owner
    map_x, map_y = _affine_map(maps, extended, xs, ys)
    if step == 1:
        return map_x, map_y, covered
    stacked = _upsample_grid(np.dstack([map_x, map_y, covered.astype(np.float32)]), step, (width, height))
    full_x, full_y, soft = stacked[..., 0].copy(), stacked[..., 1].copy(), stacked[..., 2].copy()
    if not overlapping:  # an unfolded mesh maps neighbouring samples to neighbouring places
        return full_x, full_y, soft
    # where neighbouring samples map to far-apart places (a fold, a crease), interpolating between
    # them would smear a line of texture: there each pixel takes its nearest sample's triangle
    torn = _torn_cells(map_x, map_y, extended >= 0, TEAR * step)
    if torn.any():
        near_x = np.minimum((np.arange(width) + step // 2) // step, cols - 1)
        near_y = np.minimum((np.arange(height) + step // 2) // step, rows - 1)
        py, px = np.nonzero(torn[near_y[:, None], near_x[None, :]])
        exact_x, exact_y = _affine_map(maps, extended[near_y[py], near_x[px]], (px + x0).astype(np.float32),
                                       (py + y0).astype(np.float32))
        full_x[py, px], full_y[py, px] = exact_x, exact_y
    return full_x, full_y, soft


TEAR = 4.0  # neighbouring map samples further apart than this many steps are across a fold
OVERLAP_SHARE = 1.02  # triangles (inside the box) whose areas add up to more than this share of what
# all of them cover lie over one another


def _affine_map(maps: np.ndarray, owner: np.ndarray, xs: np.ndarray, ys: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Where each position (xs, ys) maps through its owner triangle's affine map (itself where it has none)."""
    mapped = owner >= 0
    coefficients = maps.reshape(-1, 6)[np.where(mapped, owner, 0)]  # one gather for all six
    map_x = np.where(mapped, coefficients[..., 0] * xs + coefficients[..., 1] * ys + coefficients[..., 2], xs)
    map_y = np.where(mapped, coefficients[..., 3] * xs + coefficients[..., 4] * ys + coefficients[..., 5], ys)
    return map_x.astype(np.float32), map_y.astype(np.float32)


def _torn_cells(map_x: np.ndarray, map_y: np.ndarray, mapped: np.ndarray, limit: float) -> np.ndarray:
    """(rows, cols) bool: mapped cells whose map differs from a mapped neighbour's by more than limit px."""
    jump_x = (np.maximum(np.abs(np.diff(map_x, axis=1)), np.abs(np.diff(map_y, axis=1))) > limit) \
        & mapped[:, 1:] & mapped[:, :-1]
    jump_y = (np.maximum(np.abs(np.diff(map_x, axis=0)), np.abs(np.diff(map_y, axis=0))) > limit) \
        & mapped[1:] & mapped[:-1]
    torn = np.zeros(map_x.shape, bool)
    torn[:, :-1] |= jump_x
    torn[:, 1:] |= jump_x
    torn[:-1] |= jump_y
    torn[1:] |= jump_y
    return torn


def _solid_under_clear(owner: np.ndarray, order: np.ndarray, corners: np.ndarray, maps: np.ndarray,
                       xs: np.ndarray, ys: np.ndarray, alpha: np.ndarray, solid: np.ndarray) -> np.ndarray:
    """The owner image with each cell whose top triangle is transparent there (alpha under 0.5 at
    the rest position it maps to) given to the topmost solid triangle under it, if any."""
    below = np.full_like(owner, -1)
    for index in order[np.asarray(solid, bool)[order]]:
        cv2.fillConvexPoly(below, corners[index], int(index), lineType=cv2.LINE_8, shift=4)
    contested = (owner >= 0) & (below >= 0) & (below != owner)
    if not contested.any():
        return owner
    top = maps.reshape(-1, 6)[owner[contested]]
    px, py = xs[contested], ys[contested]
    height, width = alpha.shape
    rest_x = np.clip(np.round(top[:, 0] * px + top[:, 1] * py + top[:, 2]), 0, width - 1).astype(int)
    rest_y = np.clip(np.round(top[:, 3] * px + top[:, 4] * py + top[:, 5]), 0, height - 1).astype(int)
    clear = alpha[rest_y, rest_x] < 0.5
    out = owner.copy()
    out[contested] = np.where(clear, below[contested], owner[contested])
    return out


def _grow_owner(owner: np.ndarray) -> np.ndarray:
    """Empty cells of an index image take a neighbouring cell's triangle."""
    grown = cv2.dilate(owner.astype(np.float32), np.ones((3, 3), np.uint8)).astype(np.int32)
    return np.where(owner >= 0, owner, grown)


def _upsample_grid(values: np.ndarray, step: int, size: tuple[int, int]) -> np.ndarray:
    """Values sampled at every step-th pixel (from 0) interpolated to every pixel of size (w, h)."""
    width, height = size
    gx = np.minimum(np.arange(width, dtype=np.float32) / step, values.shape[1] - 1)
    gy = np.minimum(np.arange(height, dtype=np.float32) / step, values.shape[0] - 1)
    ix, iy = np.meshgrid(gx, gy)
    return cv2.remap(values, ix, iy, cv2.INTER_LINEAR, borderMode=cv2.BORDER_REPLICATE)
