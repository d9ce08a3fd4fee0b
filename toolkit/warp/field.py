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
    see_through: np.ndarray | None = None,
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
    hides the region's own pixels.  With see_through = the alpha at rest (H, W), where the
    triangle on top is transparent at a pixel (the wall inside a limb's edge triangle, swung over
    the limb by a fold) the topmost triangle under it that is opaque at that pixel shows instead
    of a hole.  Returns (map_x, map_y,
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
        pool = order if empty is None else order[~np.asarray(empty, bool)[order]]
        owner = _opaque_under_clear(owner, order, corners, moved, maps, xs, ys, see_through, pool)
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
    torn = _torn_blocks(map_x, map_y, extended >= 0, TEAR * step)
    if torn.any():  # a pixel interpolates the four samples of the block it lies in
        block_x = np.minimum(np.arange(width) // step, torn.shape[1] - 1)
        block_y = np.minimum(np.arange(height) // step, torn.shape[0] - 1)
        near_x = np.minimum((np.arange(width) + step // 2) // step, cols - 1)
        near_y = np.minimum((np.arange(height) + step // 2) // step, rows - 1)
        py, px = np.nonzero(torn[block_y[:, None], block_x[None, :]])
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


def _torn_blocks(map_x: np.ndarray, map_y: np.ndarray, mapped: np.ndarray, limit: float) -> np.ndarray:
    """(rows - 1, cols - 1) bool: blocks of four neighbouring samples, two of them mapped to places
    more than limit px apart (across a fold, diagonals included), whose pixels must not interpolate them."""
    if map_x.shape[0] < 2 or map_x.shape[1] < 2:
        return np.zeros((max(map_x.shape[0] - 1, 1), max(map_x.shape[1] - 1, 1)), bool)
    spread = np.zeros((map_x.shape[0] - 1, map_x.shape[1] - 1), bool)
    for values in (map_x, map_y):
        corners = np.stack([values[:-1, :-1], values[:-1, 1:], values[1:, :-1], values[1:, 1:]])
        seen = np.stack([mapped[:-1, :-1], mapped[:-1, 1:], mapped[1:, :-1], mapped[1:, 1:]])
        highest = np.where(seen, corners, -np.inf).max(axis=0)
        lowest = np.where(seen, corners, np.inf).min(axis=0)
        spread |= (seen.sum(axis=0) >= 2) & (highest - lowest > limit)
    return spread


def _opaque_under_clear(owner: np.ndarray, order: np.ndarray, corners: np.ndarray, moved: np.ndarray,
                        maps: np.ndarray, xs: np.ndarray, ys: np.ndarray, alpha: np.ndarray,
                        pool: np.ndarray) -> np.ndarray:
    """The owner image with each cell whose top triangle is not opaque there (alpha under OPAQUE
    at the rest position it maps to) given to the topmost triangle of `pool` (indices, in drawing
    order) that covers the cell and is opaque there; failing one, to the topmost mostly opaque
    (alpha of at least 0.5) there, if any.

    Only cells two or more triangles cover are looked at: drawn in reverse, the bottom triangle
    differs from the top one just there.
    """
    bottom = np.full_like(owner, -1)
    for index in pool[::-1]:
        cv2.fillConvexPoly(bottom, corners[index], int(index), lineType=cv2.LINE_8, shift=4)
    stacked = (owner >= 0) & (bottom >= 0) & (bottom != owner)
    if not stacked.any():
        return owner
    rest_x, rest_y = _affine_map(maps, np.where(stacked, owner, -1), xs, ys)
    clear = stacked & (_alpha_at(alpha, rest_x, rest_y) < OPAQUE)
    if not clear.any():
        return owner
    rank = np.full(len(maps), -1)
    rank[order] = np.arange(len(order))
    first, edge_b, edge_c = moved[pool, 0], moved[pool, 1] - moved[pool, 0], moved[pool, 2] - moved[pool, 0]
    area = edge_b[:, 0] * edge_c[:, 1] - edge_b[:, 1] * edge_c[:, 0]  # (K,) twice the signed area
    coefficients = maps.reshape(-1, 6)[pool]  # (K, 6)
    rows, cols = np.nonzero(clear)
    out = owner.copy()
    for start in range(0, len(rows), 2048):  # a bounded (cells x triangles) table at a time
        r, c = rows[start:start + 2048], cols[start:start + 2048]
        px, py = xs[r, c][:, None], ys[r, c][:, None]
        dx, dy = px - first[:, 0], py - first[:, 1]
        u = (dx * edge_c[:, 1] - dy * edge_c[:, 0]) / area
        v = (edge_b[:, 0] * dy - edge_b[:, 1] * dx) / area
        inside = (u >= -COVER_SLACK) & (v >= -COVER_SLACK) & (u + v <= 1 + COVER_SLACK)
        at_x = coefficients[:, 0] * px + coefficients[:, 1] * py + coefficients[:, 2]
        at_y = coefficients[:, 3] * px + coefficients[:, 4] * py + coefficients[:, 5]
        there = np.where(inside, _alpha_at(alpha, at_x, at_y), 0.0)
        opaque = np.where(there >= OPAQUE, rank[pool], -1)  # the topmost fully opaque, else the topmost
        showing = np.where(there >= 0.5, rank[pool], -1)  # mostly opaque (the top one if it is)
        score = np.where(opaque.max(axis=1, keepdims=True) >= 0, opaque, showing)
        best = score.argmax(axis=1)
        found = score[np.arange(len(r)), best] >= 0
        out[r[found], c[found]] = pool[best[found]]
    return out


COVER_SLACK = 0.02  # barycentric slack: a cell on a triangle's edge counts as inside it
OPAQUE = 0.99  # a part's soft edge over another stretch of the same part would show what is behind
# both (the wall), as a pixel takes one triangle: there the stretch beneath, opaque, shows instead


def _alpha_at(alpha: np.ndarray, x: np.ndarray, y: np.ndarray) -> np.ndarray:
    """alpha at the nearest pixel to each position (clipped to the image)."""
    height, width = alpha.shape
    return alpha[np.clip(np.round(y), 0, height - 1).astype(int), np.clip(np.round(x), 0, width - 1).astype(int)]


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
