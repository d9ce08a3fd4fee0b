"""The motion plan: what a mode hands to a backbone."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

import numpy as np


@dataclass
class MotionPlan:
    """Sparse motion for one clip, independent of the mode that made it.

    tracks:        (P, T, 2) float32 pixel positions of P control points in T frames;
                   frame 0 holds the points' rest positions on the source image.
    point_region:  (P,) int index of the region each control point moves.
    regions:       (R, H, W) float32 soft masks in [0, 1], back to front (later regions are drawn
                   over earlier ones); pixels outside every region stay still.
    fps:           frames per second of the clip.
    extras:        mode-specific data (audio features, pose maps, a reference image...).
    meshes:        optional triangles per region, (K, 3) indices into that region's control
                   points (in `region_points` order); a region with a mesh moves piecewise
                   affinely with it, so a bending limb keeps its shape.  Regions without one
                   are interpolated over their points' Delaunay triangulation.
    textures:      optional image per region, (H, W, 3) uint8, that the region's pixels are taken
                   from instead of the source (e.g. a torso with the arms in front of it removed).
    edge_feather:  width in pixels of the soft edge a moving region carries beyond its mask; None
                   lets the backbone choose.  Narrow edges suit parts that move over other parts
                   (a limb over the torso), wide ones objects moving over a background.
    edge_grow:     optional pixels per region that its mask is grown by before its soft edge starts
                   (what it takes of the anti-aliased rim around it when it moves); regions not named
                   let the backbone choose.  A part whose mask and texture already hold its clean edge
                   (a limb cut from a soft silhouette) keeps it small, so it carries no band of the
                   wall behind it over the body.  What is behind the rim is filled all the same, and
                   at rest the region shows the photo with its rim.
    fill_background: whether what lies behind the regions must be invented (a region that moves
                   away reveals it).  A plan whose regions are pinned at their borders and never
                   uncover anything (a face mesh anchored around the head) sets False and skips the fill.
    source:        optional image the plan was made from, when it is not the photo the backbone is
                   given (outfit mode plans on the dressed photo): rendering starts from it.
    folds_behind:  whether mesh triangles turned over since the first frame are drawn under the rest.
                   A limb bent sharply folds its mesh at the joint: the turned-over triangles are the
                   inside of the fold and show their texture mirrored, so they should only fill gaps;
                   with triangles ordered root to tip, the part further down the limb covers the crook.
    background_hole: optional (H, W) bool, pixels painted out of the background once anything moves,
                   besides those behind the regions: bits of a moving part its mask missed at its edge
                   (a button on a cuff), which would otherwise stay behind on the wall.
    """

    tracks: np.ndarray
    point_region: np.ndarray
    regions: np.ndarray
    fps: float = 25.0
    extras: dict[str, Any] = field(default_factory=dict)
    meshes: dict[int, np.ndarray] = field(default_factory=dict)
    textures: dict[int, np.ndarray] = field(default_factory=dict)
    edge_feather: float | None = None
    edge_grow: dict[int, int] = field(default_factory=dict)
    fill_background: bool = True
    folds_behind: bool = False
    source: np.ndarray | None = None
    background_hole: np.ndarray | None = None

    def __post_init__(self) -> None:
        self.tracks = np.asarray(self.tracks, dtype=np.float32)
        self.point_region = np.asarray(self.point_region, dtype=np.int64)
        self.regions = np.asarray(self.regions, dtype=np.float32)
        if self.tracks.ndim != 3 or self.tracks.shape[2] != 2:
            raise ValueError(f"tracks must be (points, frames, 2), got {self.tracks.shape}")
        if self.regions.ndim != 3:
            raise ValueError(f"regions must be (regions, height, width), got {self.regions.shape}")
        if self.point_region.shape != (self.tracks.shape[0],):
            raise ValueError("point_region needs one region index per control point")
        if len(self.point_region) and (self.point_region.min() < 0 or self.point_region.max() >= len(self.regions)):
            raise ValueError("point_region refers to a region that does not exist")
        if self.tracks.shape[1] < 1:
            raise ValueError("a plan needs at least one frame")
        if self.background_hole is not None and np.shape(self.background_hole) != self.regions.shape[1:]:
            raise ValueError(f"background_hole must be {self.regions.shape[2]}x{self.regions.shape[1]}")
        if self.source is not None and np.shape(self.source)[:2] != self.regions.shape[1:]:
            raise ValueError(f"source must be {self.regions.shape[2]}x{self.regions.shape[1]}")
        for region, texture in self.textures.items():
            if np.shape(texture)[:2] != self.regions.shape[1:]:
                raise ValueError(f"texture of region {region} must be {self.regions.shape[2]}x{self.regions.shape[1]}")
        for region, triangles in self.meshes.items():
            count = len(self.region_points(region))
            triangles = np.asarray(triangles)
            if triangles.ndim != 2 or triangles.shape[1] != 3 or (triangles.size and triangles.max() >= count):
                raise ValueError(f"mesh of region {region} must be (K, 3) indices below {count}")

    @property
    def n_frames(self) -> int:
        return int(self.tracks.shape[1])

    @property
    def size(self) -> tuple[int, int]:
        """(width, height) of the frames."""
        return int(self.regions.shape[2]), int(self.regions.shape[1])

    def displacements(self, frame: int) -> np.ndarray:
        """(P, 2) displacement of every control point from its rest position at a frame."""
        return self.tracks[:, frame] - self.tracks[:, 0]

    def region_points(self, region: int) -> np.ndarray:
        """Indices of the control points that move one region."""
        return np.flatnonzero(self.point_region == region)
