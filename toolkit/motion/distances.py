"""Distances from points to segments and polylines (bones, limbs' centre lines). Pure functions."""

from __future__ import annotations

import numpy as np


def segment_distance(points: np.ndarray, start: np.ndarray, end: np.ndarray) -> np.ndarray:
    """Distance of points (..., 2) to the segment start-end."""
    direction = end - start
    length2 = max(float(direction @ direction), 1e-9)
    t = np.clip(((points - start) @ direction) / length2, 0.0, 1.0)
    closest = start + t[..., None] * direction
    return np.linalg.norm(points - closest, axis=-1)


def polyline_distance(points: np.ndarray, polyline: np.ndarray) -> np.ndarray:
    """Distance of points (..., 2) to a polyline (K, 2)."""
    return np.min([segment_distance(points, polyline[i], polyline[i + 1]) for i in range(len(polyline) - 1)], axis=0)
