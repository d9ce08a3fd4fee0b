"""Measures of a rendered clip, computed from its frames alone (used by tests and benchmarks)."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Sequence

import cv2
import numpy as np


def optical_flow_magnitudes(frames: Sequence[np.ndarray]) -> np.ndarray:
    """(T-1, H, W) Farneback optical-flow magnitude between consecutive RGB frames, in pixels."""
    grays = [cv2.cvtColor(np.asarray(f), cv2.COLOR_RGB2GRAY) for f in frames]
    magnitudes = []
    for previous, current in zip(grays[:-1], grays[1:]):
        flow = cv2.calcOpticalFlowFarneback(previous, current, None, 0.5, 4, 21, 3, 5, 1.1, 0)
        magnitudes.append(np.hypot(flow[..., 0], flow[..., 1]))
    return np.stack(magnitudes)


@dataclass(frozen=True)
class LocalityReport:
    """How much moves near a click compared with far from it."""

    near_flow: float
    far_flow: float
    far_change: float

    @property
    def ratio(self) -> float:
        return self.near_flow / max(self.far_flow, 1e-6)


def distance_from(point: tuple[float, float], shape: tuple[int, int]) -> np.ndarray:
    """(H, W) distance of every pixel from a point."""
    yy, xx = np.mgrid[: shape[0], : shape[1]]
    return np.hypot(xx - point[0], yy - point[1])


def click_locality(frames: Sequence[np.ndarray], point: tuple[float, float], near: float = 0.04,
                   far: float = 0.25) -> LocalityReport:
    """Mean flow within `near` x diagonal of the click and beyond `far` x diagonal, and the far
    region's mean absolute change from the first frame (0-255 units, averaged over frames)."""
    height, width = frames[0].shape[:2]
    diagonal = float(np.hypot(width, height))
    distance = distance_from(point, (height, width))
    near_mask, far_mask = distance <= near * diagonal, distance > far * diagonal
    magnitudes = optical_flow_magnitudes(frames)
    first = frames[0].astype(np.float32)
    changes = [np.abs(f.astype(np.float32) - first)[far_mask].mean() for f in frames[1:]]
    return LocalityReport(float(magnitudes[:, near_mask].mean()), float(magnitudes[:, far_mask].mean()),
                          float(np.mean(changes)))


def locate_content(template: np.ndarray, frame: np.ndarray) -> tuple[float, float]:
    """Centre (x, y) of the best match of an RGB template in a frame (normalised cross-correlation)."""
    scores = cv2.matchTemplate(frame, template, cv2.TM_CCOEFF_NORMED)
    _, _, _, (x, y) = cv2.minMaxLoc(scores)
    return x + template.shape[1] / 2.0, y + template.shape[0] / 2.0


def drag_endpoint_error(first: np.ndarray, last: np.ndarray, box: tuple[int, int, int, int],
                        end: tuple[float, float]) -> float:
    """Distance from where the box's content of the first frame is found in the last frame to the
    drag's end point, as a fraction of the drag length (from the box centre)."""
    x0, y0, x1, y1 = box
    found = np.asarray(locate_content(first[y0:y1, x0:x1], last))
    start = np.array([(x0 + x1) / 2.0, (y0 + y1) / 2.0])
    length = float(np.linalg.norm(np.asarray(end) - start))
    return float(np.linalg.norm(found - np.asarray(end))) / max(length, 1e-6)
