"""The mesh a talking head is warped with: face landmarks plus rings that fade the head's motion out.

Inside the face the mesh is MediaPipe's landmarks.  Around it three rings, scaled copies of
the face oval, carry the head's motion outwards: the inner ring (hair, the top of the neck)
moves rigidly with the head, the middle one half as much, and the outer ring is pinned, so
the background beyond it never moves and nothing behind the head is ever uncovered.  The
triangles between the inner lips are left out: when the jaw opens, that hole shows the
mouth interior drawn behind the face.
"""

from __future__ import annotations

from dataclasses import dataclass

import cv2
import numpy as np
from scipy.spatial import Delaunay

from toolkit.imaging.masks import inside_polygon
from toolkit.motion.face_rig import FaceFrame
from toolkit.perception import face_landmarks as fl

# (scale of the face oval about its centre, share of the head's motion, share of the outline's expression)
RINGS = ((1.3, 1.0, 0.6), (1.65, 0.5, 0.25), (2.05, 0.0, 0.0))
LIP_PART_FOR_TOPOLOGY = 0.5  # share of the lower lip's thickness it is lowered by to find the triangles inside the mouth


@dataclass(frozen=True)
class HeadMesh:
    """Control points (landmarks first, then the rings), their rigid weights and triangles."""

    points: np.ndarray  # (M, 3) rest positions in pixels, z in the scale of x
    rigid: np.ndarray  # (M,) share of the head's motion
    triangles: np.ndarray  # (K, 3) indices into points
    n_landmarks: int
    ring_parent: np.ndarray  # (M - n_landmarks,) the face-oval landmark each ring point was scaled from
    ring_share: np.ndarray  # (M - n_landmarks,) share of that landmark's expression the ring point takes

    def expression(self, landmark_expression: np.ndarray) -> np.ndarray:
        """(T, M, 2) displacements of every mesh point from the landmarks' (T, 478, 2): rings take part of the jaw's."""
        frames = landmark_expression.shape[0]
        full = np.empty((frames, len(self.points), 2))
        full[:, : self.n_landmarks] = landmark_expression
        full[:, self.n_landmarks:] = landmark_expression[:, self.ring_parent] * self.ring_share[None, :, None]
        return full

    def region(self, size: tuple[int, int]) -> np.ndarray:
        """(H, W) float32 mask of the area the mesh covers at rest."""
        width, height = size
        mask = np.zeros((height, width), np.uint8)
        hull = cv2.convexHull(np.round(self.points[:, :2]).astype(np.int32))
        cv2.fillConvexPoly(mask, hull, 1)
        return mask.astype(np.float32)


def ring_points(points: np.ndarray, frame: FaceFrame, factor: float) -> np.ndarray:
    """(R, 2) the face oval scaled by factor about the face's centre."""
    oval = np.asarray(points, np.float64)[list(fl.FACE_OVAL), :2]
    return frame.origin + factor * (oval - frame.origin)


def parted_lips(points: np.ndarray) -> np.ndarray:
    """(N, 2) points with the inner lower lip lowered into the lower lip, so the mouth has an inside.

    A closed mouth's inner lips coincide; parting them by half the lower lip's thickness,
    and moving nothing else, lets a triangulation of the rest positions tell the triangles
    inside the mouth from those of the lips without turning any triangle over.
    """
    parted = np.array(points, np.float64)
    inner, outer = list(fl.LOWER_LIP_INNER[1:-1]), list(fl.LOWER_LIP_OUTER[1:-1])
    parted[inner] += LIP_PART_FOR_TOPOLOGY * (parted[outer] - parted[inner])
    return parted


def build_head_mesh(points: np.ndarray, frame: FaceFrame, mouth_hole: bool = True) -> HeadMesh:
    """The head's mesh from its rest landmarks (478, 3).

    mouth_hole: leave the triangles between the inner lips out (for a mouth interior drawn behind).
    """
    points = np.asarray(points, np.float64)
    rings = [ring_points(points, frame, factor) for factor, _, _ in RINGS]
    oval = np.array(fl.FACE_OVAL * len(RINGS))
    ring_xyz = np.column_stack([np.concatenate(rings), points[oval, 2]])  # a ring point is as deep as its outline point
    all_points = np.concatenate([points, ring_xyz])
    rigid = np.concatenate([np.ones(len(points))] + [np.full(len(ring), share) for ring, (_, share, _) in zip(rings, RINGS)])
    # only the jaw's part of the outline drags the neck with it; the forehead's would stretch the hair
    below_nose = frame.to_local(points[oval, :2])[:, 1] > frame.to_local(points[[fl.NOSE_TIP], :2])[0, 1]
    ring_share = np.concatenate([np.full(len(ring), share) for ring, (_, _, share) in zip(rings, RINGS)]) * below_nose
    parted = parted_lips(all_points[:, :2])
    triangles = Delaunay(parted).simplices.astype(np.int64)
    if mouth_hole:
        centroids = parted[triangles].mean(axis=1)
        triangles = triangles[~inside_polygon(centroids, parted[list(fl.LIPS_INNER)])]
    return HeadMesh(all_points, rigid, lids_on_top(triangles), len(points), oval, ring_share)


def lids_on_top(triangles: np.ndarray) -> np.ndarray:
    """Triangles reordered for blinks: the eye's inside first, then the upper lid, the lower lid last.

    A closing upper lid slides a little past the lower lid's rim (see face_rig.LID_MEETING); drawn
    in this order, the lower lid's skin covers the upper lid's edge, where a sliver of the white
    of the eye clings to the lashes, and both cover the folded inside of the eye.
    """
    upper = set(fl.RIGHT_EYE_UPPER[1:-1] + fl.LEFT_EYE_UPPER[1:-1])
    lower = set(fl.RIGHT_EYE_LOWER[1:-1] + fl.LEFT_EYE_LOWER[1:-1])
    touches_upper = np.isin(triangles, list(upper)).any(axis=1)
    touches_lower = np.isin(triangles, list(lower)).any(axis=1)
    rank = np.select([touches_upper & touches_lower, touches_upper, touches_lower], [1, 2, 3], 0)
    return triangles[np.argsort(rank, kind="stable")]
