"""Named groups of MediaPipe Face Mesh's 478 landmark indices (mouth, eyes, irises, brows, face oval).

Derived from mediapipe.python.solutions.face_mesh_connections but stored as plain tuples, so
importing this module does not import mediapipe. The tuples are ordered: closed loops list each
vertex once (the edge from the last back to the first closes them) and can be drawn as polygons;
open lines can be drawn as polylines.

"Left" and "right" are the person's own, as in MediaPipe: for a frontal, non-mirrored photo the
person's LEFT eye appears on the image's RIGHT. Open lines across the face (lips, jaw) run from
the person's right to their left, which is the image's left to right for a frontal face; lids
and brows run from the inner end (by the nose) to the outer end. "Clockwise" is as seen on
screen (image y pointing down) for an upright frontal face.
"""

from __future__ import annotations

N_LANDMARKS = 478  # 468 mesh points and 10 iris points (refine_landmarks=True)

# Single points.
NOSE_TIP = 1
CHIN = 152  # bottom of the chin, on the face oval
FOREHEAD = 10  # top of the face oval, mid-forehead

# Mouth. Upper and lower lines share their corners and have the same length, so that
# UPPER_...[i] and LOWER_...[i] face each other across the mouth.
MOUTH_RIGHT_OUTER = 61  # the person's right corner of the outer lip line (image left, frontal face)
MOUTH_LEFT_OUTER = 291  # the person's left corner of the outer lip line (image right, frontal face)
MOUTH_RIGHT_INNER = 78  # the person's right corner of the mouth opening
MOUTH_LEFT_INNER = 308  # the person's left corner of the mouth opening
MOUTH_CORNERS = (MOUTH_RIGHT_OUTER, MOUTH_LEFT_OUTER, MOUTH_RIGHT_INNER, MOUTH_LEFT_INNER)
UPPER_LIP_OUTER = (61, 185, 40, 39, 37, 0, 267, 269, 270, 409, 291)
LOWER_LIP_OUTER = (61, 146, 91, 181, 84, 17, 314, 405, 321, 375, 291)
UPPER_LIP_INNER = (78, 191, 80, 81, 82, 13, 312, 311, 310, 415, 308)
LOWER_LIP_INNER = (78, 95, 88, 178, 87, 14, 317, 402, 318, 324, 308)
LIPS_OUTER = UPPER_LIP_OUTER + LOWER_LIP_OUTER[-2:0:-1]  # closed loop, clockwise from the right corner 61
LIPS_INNER = UPPER_LIP_INNER + LOWER_LIP_INNER[-2:0:-1]  # closed loop around the opening, clockwise from 78

# The person's RIGHT eye (on the image's LEFT for a frontal face; MediaPipe's RIGHT_EYE).
# Lids run from the inner corner 133 to the outer corner 33; RIGHT_EYE_UPPER[i] faces RIGHT_EYE_LOWER[i].
RIGHT_EYE_INNER = 133
RIGHT_EYE_OUTER = 33
RIGHT_EYE_UPPER = (133, 173, 157, 158, 159, 160, 161, 246, 33)
RIGHT_EYE_LOWER = (133, 155, 154, 153, 145, 144, 163, 7, 33)
RIGHT_EYE_LOOP = RIGHT_EYE_UPPER + RIGHT_EYE_LOWER[-2:0:-1]  # closed: inner corner, upper lid, outer corner, lower lid
RIGHT_IRIS = (468, 469, 470, 471, 472)  # centre, then the four ring points in loop order
RIGHT_BROW_UPPER = (107, 66, 105, 63, 70)  # upper edge of the brow, inner to outer
RIGHT_BROW_LOWER = (55, 65, 52, 53, 46)  # lower edge of the brow, inner to outer
RIGHT_BROW = RIGHT_BROW_LOWER + RIGHT_BROW_UPPER[::-1]  # outline polygon: lower edge out, upper edge back

# The person's LEFT eye (on the image's RIGHT for a frontal face; MediaPipe's LEFT_EYE).
# Lids run from the inner corner 362 to the outer corner 263; LEFT_EYE_UPPER[i] faces LEFT_EYE_LOWER[i].
LEFT_EYE_INNER = 362
LEFT_EYE_OUTER = 263
LEFT_EYE_UPPER = (362, 398, 384, 385, 386, 387, 388, 466, 263)
LEFT_EYE_LOWER = (362, 382, 381, 380, 374, 373, 390, 249, 263)
LEFT_EYE_LOOP = LEFT_EYE_UPPER + LEFT_EYE_LOWER[-2:0:-1]  # closed: inner corner, upper lid, outer corner, lower lid
LEFT_IRIS = (473, 474, 475, 476, 477)  # centre, then the four ring points in loop order
LEFT_BROW_UPPER = (336, 296, 334, 293, 300)  # upper edge of the brow, inner to outer
LEFT_BROW_LOWER = (285, 295, 282, 283, 276)  # lower edge of the brow, inner to outer
LEFT_BROW = LEFT_BROW_LOWER + LEFT_BROW_UPPER[::-1]  # outline polygon: lower edge out, upper edge back

# Face outline: a closed loop clockwise from the forehead point 10 (first towards the person's left).
FACE_OVAL = (
    10, 338, 297, 332, 284, 251, 389, 356, 454, 323, 361, 288,
    397, 365, 379, 378, 400, 377, 152, 148, 176, 149, 150, 136,
    172, 58, 132, 93, 234, 127, 162, 21, 54, 103, 67, 109,
)  # fmt: skip
# The lower part of the oval, from beside the person's right ear (234) through the chin (152)
# to beside their left ear (454).
JAW = (
    234, 93, 132, 58, 172, 136, 150, 149, 176, 148, 152,
    377, 400, 378, 379, 365, 397, 288, 361, 323, 454,
)  # fmt: skip
