"""Region masks to render layers: the moving alpha of each region and the hole it leaves."""

from __future__ import annotations

import cv2
import numpy as np

from toolkit.imaging.masks import grown


def hard_region(mask: np.ndarray, grow: int = 2) -> np.ndarray:
    """Binary core of a soft mask, grown by a few pixels so anti-aliased edges are included."""
    core = np.asarray(mask) > 0.5
    return grown(core, grow) if grow > 0 and core.any() else core


def layer_alpha(core: np.ndarray, feather: float) -> np.ndarray:
    """Alpha that is 1 on the core and falls smoothly to 0 over `feather` pixels outside it.

    Because the ramp lies outside the core, and the background is only filled inside the
    core, a layer at rest composites back to the source exactly.
    """
    if not core.any():
        return np.zeros(core.shape, np.float32)
    if feather <= 0:
        return core.astype(np.float32)
    distance = cv2.distanceTransform((~core).astype(np.uint8), cv2.DIST_L2, 5)
    ramp = np.clip(1.0 - distance / float(feather), 0.0, 1.0)
    return (ramp * ramp * (3.0 - 2.0 * ramp)).astype(np.float32)


def feather_width(width: int, height: int, fraction: float = 0.006, minimum: float = 2.0) -> float:
    """Feather in pixels scaled with the image diagonal (about 6 px at 1024x576)."""
    return max(minimum, fraction * float(np.hypot(width, height)))


# barycentric points inside a triangle (its corners left out: they are shared with the neighbours)
INTERIOR = np.array([[1 / 3, 1 / 3, 1 / 3], [2 / 3, 1 / 6, 1 / 6], [1 / 6, 2 / 3, 1 / 6], [1 / 6, 1 / 6, 2 / 3],
                     [1 / 6, 5 / 12, 5 / 12], [5 / 12, 1 / 6, 5 / 12], [5 / 12, 5 / 12, 1 / 6]])


def interior_alpha(alpha: np.ndarray, points: np.ndarray, triangles: np.ndarray) -> np.ndarray:
    """(K, 7) alpha at rest at seven points inside each triangle."""
    height, width = alpha.shape
    corners = np.asarray(points, np.float64)[triangles]  # (K, 3, 2)
    samples = np.einsum("sc,kcd->ksd", INTERIOR, corners)  # (K, 7, 2)
    xs = np.clip(np.round(samples[..., 0]).astype(int), 0, width - 1)
    ys = np.clip(np.round(samples[..., 1]).astype(int), 0, height - 1)
    return alpha[ys, xs]


def transparent_triangles(alpha: np.ndarray, points: np.ndarray, triangles: np.ndarray) -> np.ndarray:
    """(K,) bool: triangles that show nothing at rest (alpha under 0.01 at seven points inside each).

    A mesh reaches past its region's edge so that the edge is never cut; those outer triangles
    are transparent, and once moved they must not hide the region's own pixels beneath them.
    """
    return interior_alpha(alpha, points, triangles).max(axis=1) < 0.01
