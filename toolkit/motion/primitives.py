"""Motion primitives: how a region's control points move over time.

Every primitive is a pure function with one signature,

    primitive(points, timeline, geometry, amount, rng) -> (P, T, 2) displacements

where points are (P, 2) rest positions in pixels, `amount` scales the amplitude (1 is the
default look) and rng is a seeded numpy Generator.  Displacements are 0 in the first frame.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Callable

import numpy as np

from toolkit.motion.timing import Timeline

Primitive = Callable[[np.ndarray, Timeline, "RegionGeometry", float, np.random.Generator], np.ndarray]


@dataclass(frozen=True)
class RegionGeometry:
    """Where a region is: its centroid, bounding box and the image it lies in."""

    centroid: tuple[float, float]
    box: tuple[float, float, float, float]
    image_size: tuple[int, int]

    @classmethod
    def from_mask(cls, mask: np.ndarray) -> "RegionGeometry":
        weights = np.clip(np.asarray(mask, np.float64), 0, 1)
        ys, xs = np.nonzero(weights > 0.5)
        if len(xs) == 0:
            raise ValueError("empty region mask")
        total = weights[ys, xs].sum()
        centroid = (float((xs * weights[ys, xs]).sum() / total), float((ys * weights[ys, xs]).sum() / total))
        box = (float(xs.min()), float(ys.min()), float(xs.max() + 1), float(ys.max() + 1))
        return cls(centroid, box, (mask.shape[1], mask.shape[0]))

    @property
    def width(self) -> float:
        return self.box[2] - self.box[0]

    @property
    def height(self) -> float:
        return self.box[3] - self.box[1]

    @property
    def base(self) -> np.ndarray:
        """Bottom centre: the pivot of swaying and nodding things."""
        return np.array([self.centroid[0], self.box[3]])

    @property
    def reach(self) -> float:
        """Typical travel distance: the region's longer side, but at least a tenth of the image diagonal."""
        return max(self.width, self.height, self._least_travel)

    @property
    def reach_x(self) -> float:
        """Travel distance for sideways moves: the region's width, at least a tenth of the diagonal."""
        return max(self.width, self._least_travel)

    @property
    def reach_y(self) -> float:
        """Travel distance for vertical moves: the region's height, at least a tenth of the diagonal."""
        return max(self.height, self._least_travel)

    @property
    def _least_travel(self) -> float:
        return 0.1 * float(np.hypot(*self.image_size))


def rotation_displacement(points: np.ndarray, pivot: np.ndarray, angles: np.ndarray) -> np.ndarray:
    """Displacement of points rotated about pivot; angles (T,) or (P, T) radians (positive is counter-clockwise on screen)."""
    angles = np.broadcast_to(np.asarray(angles, np.float64), (len(points), np.shape(angles)[-1]))
    offset = (points - pivot)[:, None, :]
    cos, sin = np.cos(angles), np.sin(angles)
    x = offset[..., 0] * cos + offset[..., 1] * sin
    y = -offset[..., 0] * sin + offset[..., 1] * cos
    return np.stack([x, y], -1) - offset


def scale_displacement(points: np.ndarray, pivot: np.ndarray, factors: np.ndarray) -> np.ndarray:
    """Displacement of points scaled about pivot by factors (T,)."""
    offset = (points - pivot)[:, None, :]
    return offset * (np.asarray(factors)[None, :, None] - 1.0)


def translation(points: np.ndarray, offsets: np.ndarray) -> np.ndarray:
    """Every point follows the same (T, 2) offsets."""
    return np.broadcast_to(offsets[None], (len(points),) + offsets.shape).copy()


def height_weight(points: np.ndarray, geometry: RegionGeometry, power: float = 1.5) -> np.ndarray:
    """(P,) 0 at the region's base rising to 1 at its top: how much a point bends."""
    top, bottom = geometry.box[1], geometry.box[3]
    fraction = np.clip((bottom - points[:, 1]) / max(bottom - top, 1.0), 0.0, 1.0)
    return fraction**power


def radial_falloff(points: np.ndarray, geometry: RegionGeometry) -> np.ndarray:
    """(P,) 1 at the centroid falling smoothly to 0 at the region's half-diagonal."""
    radius = max(0.5 * float(np.hypot(geometry.width, geometry.height)), 1.0)
    r = np.linalg.norm(points - np.asarray(geometry.centroid), axis=1) / radius
    return np.clip(1.0 - r, 0.0, 1.0) ** 2


def sway(points, timeline, geometry, amount, rng):
    """Bend back and forth about the base, like a tree or a flame in the wind."""
    angle = np.deg2rad(7.0) * amount * np.sin(timeline.phase(0.5))
    bend = height_weight(points, geometry)
    return rotation_displacement(points, geometry.base, bend[:, None] * angle[None, :])


def wave(points, timeline, geometry, amount, rng):
    """A side-to-side wave that travels up the region, like a flag or seaweed."""
    wavelength = max(geometry.height, 1.0)
    travel = (geometry.box[3] - points[:, 1]) / wavelength * 2.0 * np.pi
    phase = timeline.phase(0.8)[None, :] - travel[:, None]
    dx = 0.05 * geometry.width * amount * height_weight(points, geometry, 1.0)[:, None] * np.sin(phase)
    dx = dx - dx[:, :1]
    return np.stack([dx, np.zeros_like(dx)], -1)


def flutter(points, timeline, geometry, amount, rng):
    """Quick small trembling, different from place to place, like leaves or fabric."""
    size = max(geometry.width, geometry.height)
    out = np.zeros((len(points), timeline.n_frames, 2))
    for _ in range(3):
        direction = rng.normal(size=2)
        direction /= np.linalg.norm(direction) + 1e-9
        spatial = rng.uniform(0.5, 2.0) * 2.0 * np.pi / size
        offset = rng.uniform(0, 2 * np.pi)
        phase = timeline.phase(rng.uniform(2.5, 4.0))[None, :] + spatial * (points @ direction)[:, None] + offset
        wobble = np.sin(phase) - np.sin(phase[:, :1])
        out += (0.012 * size * amount / 3.0) * wobble[..., None] * rng.normal(size=2)[None, None, :]
    return out


def flow(points, timeline, geometry, amount, rng, direction=(0.0, 1.0)):
    """Streaming motion along a direction (down by default), like water or a waterfall."""
    direction = np.asarray(direction, np.float64)
    wavelength = 0.5 * max(geometry.width, geometry.height, 1.0)
    along = points @ direction
    phase = timeline.phase(1.0)[None, :] - (2.0 * np.pi * along / wavelength)[:, None]
    magnitude = 0.03 * max(geometry.width, geometry.height) * amount
    shift = magnitude * (np.sin(phase) - np.sin(phase[:, :1]))
    return shift[..., None] * direction[None, None, :]


def ripple(points, timeline, geometry, amount, rng):
    """Rings that spread out from the centre, like a pond."""
    centre = np.asarray(geometry.centroid)
    offset = points - centre
    radius = np.linalg.norm(offset, axis=1)
    unit = offset / np.maximum(radius, 1e-6)[:, None]
    wavelength = 0.25 * max(geometry.width, geometry.height, 4.0)
    phase = timeline.phase(1.2)[None, :] - (2.0 * np.pi * radius / wavelength)[:, None]
    magnitude = 0.015 * max(geometry.width, geometry.height) * amount
    shift = magnitude * radial_falloff(points, geometry)[:, None] ** 0.5 * (np.sin(phase) - np.sin(phase[:, :1]))
    return shift[..., None] * unit[:, None, :]


def swirl(points, timeline, geometry, amount, rng):
    """Twist about the centre, strongest in the middle, like stirred coffee or smoke."""
    angle = np.deg2rad(25.0) * amount * np.sin(timeline.phase(0.5))
    falloff = radial_falloff(points, geometry)
    return rotation_displacement(points, np.asarray(geometry.centroid), falloff[:, None] * angle[None, :])


def _shift(points, timeline, vector, amount):
    offsets = np.asarray(vector, np.float64)[None, :] * amount * timeline.progress()[:, None]
    return translation(points, offsets)


def rise(points, timeline, geometry, amount, rng):
    """Move up."""
    return _shift(points, timeline, (0.0, -0.35 * geometry.reach_y), amount)


def fall(points, timeline, geometry, amount, rng):
    """Move down."""
    return _shift(points, timeline, (0.0, 0.35 * geometry.reach_y), amount)


def drift_left(points, timeline, geometry, amount, rng):
    """Slide to the left."""
    return _shift(points, timeline, (-0.35 * geometry.reach_x, 0.0), amount)


def drift_right(points, timeline, geometry, amount, rng):
    """Slide to the right."""
    return _shift(points, timeline, (0.35 * geometry.reach_x, 0.0), amount)


def rotate(points, timeline, geometry, amount, rng):
    """Turn part way about the centre (20 degrees at strength 1)."""
    angle = np.deg2rad(20.0) * amount * timeline.progress()
    return rotation_displacement(points, np.asarray(geometry.centroid), angle)


def spin(points, timeline, geometry, amount, rng):
    """Turn full circles about the centre; with --loop a whole number of turns."""
    turns = max(1, int(round(amount))) if timeline.loop else amount
    k = np.arange(timeline.n_frames, dtype=np.float64)
    angle = 2.0 * np.pi * turns * k / timeline.n_frames
    return rotation_displacement(points, np.asarray(geometry.centroid), angle)


def zoom(points, timeline, geometry, amount, rng):
    """Grow towards the viewer (25% larger at strength 1)."""
    factors = 1.0 + 0.25 * amount * timeline.progress()
    return scale_displacement(points, np.asarray(geometry.centroid), factors)


def pulse(points, timeline, geometry, amount, rng):
    """Swell and shrink rhythmically, like a heartbeat."""
    factors = 1.0 + 0.06 * amount * np.sin(timeline.phase(1.2)) ** 2
    return scale_displacement(points, np.asarray(geometry.centroid), factors)


def bounce(points, timeline, geometry, amount, rng):
    """Hop up and land again."""
    hop = np.abs(np.sin(0.5 * timeline.phase(1.2)))
    return translation(points, np.stack([np.zeros_like(hop), -0.15 * geometry.reach_y * amount * hop], -1))


def shake(points, timeline, geometry, amount, rng):
    """Quick side-to-side jitter."""
    phases = rng.uniform(0, 2 * np.pi, size=2)
    raw = np.sin(timeline.phase(5.0) + phases[0]) + 0.5 * np.sin(timeline.phase(8.0) + phases[1])
    dx = 0.02 * geometry.reach_x * amount * (raw - raw[0])
    return translation(points, np.stack([dx, np.zeros_like(dx)], -1))


def nod(points, timeline, geometry, amount, rng):
    """Dip forward and back up, the upper part moving most, like a nodding head or flower."""
    dip = 0.05 * geometry.height * amount * np.sin(timeline.phase(1.0)) ** 2
    bend = height_weight(points, geometry, 1.0)
    dy = bend[:, None] * dip[None, :]
    return np.stack([np.zeros_like(dy), dy], -1)


def float_(points, timeline, geometry, amount, rng):
    """Bob gently up and down with a slow sideways drift, like a balloon or a boat."""
    up = -0.06 * geometry.reach * amount * np.sin(timeline.phase(0.4))
    side = 0.03 * geometry.reach * amount * np.sin(0.5 * timeline.phase(0.4))
    return translation(points, np.stack([side, up], -1))


MOTIONS: dict[str, Primitive] = {
    "sway": sway,
    "wave": wave,
    "flutter": flutter,
    "flow": flow,
    "ripple": ripple,
    "swirl": swirl,
    "rise": rise,
    "fall": fall,
    "drift left": drift_left,
    "drift right": drift_right,
    "rotate": rotate,
    "spin": spin,
    "zoom": zoom,
    "pulse": pulse,
    "bounce": bounce,
    "shake": shake,
    "nod": nod,
    "float": float_,
}


def describe_motions() -> dict[str, str]:
    """Motion name -> one-line description, for --help and the README."""
    return {name: (fn.__doc__ or "").strip().split("\n")[0] for name, fn in MOTIONS.items()}
