"""Widths of the body from its silhouette: the torso at levels down its axis, the arms and the legs.

A garment is fitted to these, so that it covers the body it goes on (a tight top is still no
narrower than the torso, a sleeve no narrower than the arm).  Widths are measured along rays
from the body's centre line (or a limb's bone) to the silhouette's edge, with the arms masked
out of the torso's measurements so an arm hanging beside the body does not widen the waist.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from toolkit.perception.person_parts import BodyFrame, arm_lines, thick_polyline

LEVELS = np.linspace(-0.1, 2.2, 47)  # torso levels measured: 0 the shoulder line, 1 the hip line
GAP = 0.08  # a run of background this long (x torso length) ends the body along a ray


@dataclass(frozen=True)
class BodyMeasure:
    """The body frame and its widths (all in pixels)."""

    frame: BodyFrame
    levels: np.ndarray  # (L,)
    torso_left: np.ndarray  # (L,) distance from the centre line to the image-left edge at each level
    torso_right: np.ndarray  # (L,)
    arm_half_width: tuple[float, float]  # per image side
    leg_half_width: tuple[np.ndarray, np.ndarray]  # per image side, at hip, knee and ankle

    def centre(self, level: float) -> np.ndarray:
        """Point on the torso's centre line at a level (0 shoulders, 1 hips; beyond 1 between the legs)."""
        f = self.frame
        return f.neck + f.down * level * f.torso_length

    def half_widths(self, level: float) -> tuple[float, float]:
        """(left, right) distances from the centre line to the body's edges at a level."""
        return (float(np.interp(level, self.levels, self.torso_left)),
                float(np.interp(level, self.levels, self.torso_right)))


def ray_extent(mask: np.ndarray, start: np.ndarray, direction: np.ndarray, length: int, gap: int) -> float:
    """Distance from start along direction to the last mask pixel before a gap of `gap` px (0 if none)."""
    steps = np.arange(length, dtype=np.float64)
    pts = np.round(start + steps[:, None] * direction).astype(int)
    h, w = mask.shape
    inside = (pts[:, 0] >= 0) & (pts[:, 0] < w) & (pts[:, 1] >= 0) & (pts[:, 1] < h)
    hits = np.zeros(length, bool)
    hits[inside] = mask[pts[inside, 1], pts[inside, 0]]
    where = np.flatnonzero(hits)
    if len(where) == 0:
        return 0.0
    breaks = np.flatnonzero(np.diff(where) > gap)
    last = where[breaks[0]] if len(breaks) else where[-1]
    return float(last)


def ray_hits_polyline(start: np.ndarray, direction: np.ndarray, line: np.ndarray) -> float | None:
    """Distance along a ray to its first crossing of a polyline (None if it does not cross)."""
    best = None
    for a, b in zip(line[:-1], line[1:]):
        seg = b - a
        denom = direction[0] * seg[1] - direction[1] * seg[0]
        if abs(denom) < 1e-9:
            continue
        rel = a - start
        t = (rel[0] * seg[1] - rel[1] * seg[0]) / denom
        u = (rel[0] * direction[1] - rel[1] * direction[0]) / denom
        if t >= 0 and 0 <= u <= 1 and (best is None or t < best):
            best = float(t)
    return best


def torso_widths(person: np.ndarray, frame: BodyFrame, arm_half: tuple[float, float]) -> tuple[np.ndarray, np.ndarray]:
    """Distances to the left and right edges of the body at every LEVELS.

    Arms are masked out (so an arm hanging beside the body does not widen the waist); where an
    arm lies along the torso, the torso reaches at least to the arm's bone (its edge is behind
    the arm).
    """
    arms = np.zeros(person.shape, bool)
    for side, line in enumerate(arm_lines(frame)):
        arms |= thick_polyline(person.shape, line, max(2.0, 0.9 * arm_half[side]))
    body = person & ~arms
    length = int(1.2 * frame.shoulder_width + 0.5 * frame.torso_length)
    gap = max(2, int(GAP * frame.torso_length))
    lines = arm_lines(frame)
    left, right = [], []
    for level in LEVELS:
        centre = frame.neck + frame.down * level * frame.torso_length
        for side, out, direction in ((0, left, -frame.across), (1, right, frame.across)):
            extent = ray_extent(body, centre, direction, length, gap)
            bone = ray_hits_polyline(centre, direction, lines[side][:3])
            # the body stops at the arm's band: it goes on behind the arm, at least to the bone
            if bone is not None and level <= 1.05 and extent >= bone - 1.2 * arm_half[side] - 2:
                extent = max(extent, bone)
            out.append(extent)
    return np.array(left), np.array(right)


def limb_half_width(person: np.ndarray, a: np.ndarray, b: np.ndarray, outward: np.ndarray, cap: float) -> float:
    """Half the width of a limb at the middle of its bone a-b, measured on its outer side."""
    bone = b - a
    normal = np.array([-bone[1], bone[0]]) / max(float(np.linalg.norm(bone)), 1e-9)
    if normal @ outward < 0:
        normal = -normal
    middle = 0.5 * (a + b)
    return min(cap, ray_extent(person, middle, normal, int(cap) + 2, 2))


def arm_widths(person: np.ndarray, frame: BodyFrame) -> tuple[float, float]:
    """Half-width of each arm (the wider of upper arm and forearm, on the outer side)."""
    t = frame.torso_length
    arms = []
    for side, sign in ((0, -1.0), (1, 1.0)):
        shoulder, elbow, wrist = frame.arms[side]
        outward = sign * frame.across
        upper = limb_half_width(person, shoulder, elbow, outward, 0.16 * t)
        fore = limb_half_width(person, elbow, wrist, outward, 0.13 * t)
        arms.append(float(np.clip(max(upper, fore), 0.05 * t, 0.16 * t)))
    return arms[0], arms[1]


def leg_widths(person: np.ndarray, frame: BodyFrame) -> tuple[np.ndarray, np.ndarray]:
    """Half-width of each leg at the hip, knee and ankle (on the outer side)."""
    t = frame.torso_length
    legs = []
    for side, sign in ((0, -1.0), (1, 1.0)):
        hip, knee, ankle = frame.legs[side]
        outward = sign * frame.across
        thigh = limb_half_width(person, hip + 0.3 * (knee - hip), knee, outward, 0.3 * t)
        shin = limb_half_width(person, knee, ankle, outward, 0.2 * t)
        legs.append(np.clip(np.array([thigh, 0.5 * (thigh + shin), shin]), 0.04 * t, 0.3 * t))
    return legs[0], legs[1]


def smooth_profile(values: np.ndarray, floor: float) -> np.ndarray:
    """A width profile with implausible (too small) values interpolated over and spikes removed."""
    out = np.where(values < floor, np.nan, values.astype(np.float64))
    if np.isnan(out).all():
        return np.full(len(values), 2.0 * floor)
    good = ~np.isnan(out)
    out = np.interp(LEVELS, LEVELS[good], out[good])
    padded = np.pad(out, 2, mode="edge")
    return np.median(np.lib.stride_tricks.sliding_window_view(padded, 5), axis=1)


def measure_body(person: np.ndarray, frame: BodyFrame) -> BodyMeasure:
    """Every width a garment fit needs, from a boolean silhouette."""
    arms = arm_widths(person, frame)
    left, right = torso_widths(person, frame, arms)
    floor = 0.22 * frame.shoulder_width  # where the silhouette says nothing sensible, interpolate
    return BodyMeasure(frame, LEVELS, smooth_profile(left, floor), smooth_profile(right, floor), arms,
                       leg_widths(person, frame))
