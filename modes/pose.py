"""Pose mode: a person photo follows a driving video, a pose file or a preset motion."""

from __future__ import annotations

import logging
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path

import cv2
import numpy as np

from toolkit.errors import InputError
from toolkit.imaging.drape import arm_traces, drape_over
from toolkit.imaging.edge_matte import clean_edge
from toolkit.imaging.fill import FillOptions, fill_hole, nearest_fill
from toolkit.imaging.masks import bounding_box, convex_polygon_mask, disc, grown, nearest_along
from toolkit.imaging.masked_mean import masked_gaussian
from toolkit.motion import skeleton as sk
from toolkit.motion.plan import MotionPlan
from toolkit.motion.presets import PRESETS
from toolkit.motion.part_split import ARMS, HAND_POINTS, part_labels
from toolkit.motion.skinning import (
    PARTS,
    PartMesh,
    bone_transforms,
    part_mesh,
    skin,
)
from toolkit.motion.timing import Timeline
from toolkit.warp.layers import hard_region
from toolkit.options import RenderOptions, option

log = logging.getLogger(__name__)

# Back to front: the body (torso, head and legs as one mesh, so a skirt stretches rather
# than tears where the legs meet it), then the arms in front of it, then the hair that lies
# over an upper arm (moving with the body, as the rest of the hair does).
PART_ORDER = ("body", "left_arm", "right_arm", "hair_over_arms")
HAIR_OVERLAP = 3  # px: the hair in front reaches this far past the sleeve painted under it
SEAM_FADE = 6.0  # px: the sleeve seen fades into the sleeve painted under hair over this width
QUILT_REACH = 48  # px: the sleeve seen at least this near the hidden stretch lends it its folds (room
# for the fill's largest patch, 32 px, past the seam and the sleeve's rim)
EDGE_BAND = 5  # px: how deep into an arm its edge may hold colours of what is beside it
ARM_EDGE_GROW = 1  # px: an arm's cleaned mask already holds its edge (see toolkit.imaging.edge_matte)
STRAY_REACH = 0.03  # torso sizes: how far past an arm's edge bits the silhouette missed are looked for
STRAY_MARGIN = 3  # px painted out round them too: their soft rim and the shadow they cast
QUILT_SOURCE_REACH = 48  # px round a piece of the torso behind the arms that its patches come from
MIN_QUILT_SOURCES = 400  # px: with fewer such, a piece is quilted from anything round it
BESIDE_REACH = 0.4  # torso sizes: clothes seen this near on both sides put what is painted between in front of them
OUTLINE_REACH = 0.15  # torso sizes: how far inside the person's outline the body may lie beside its clothes
OUTLINE_ROWS = 0.15  # torso sizes: the rows round a painted pixel whose clothes show how wide the body is there
ONE_GARMENT_STEP = 60.0  # RGB distance within which the clothes above and below a painted pixel are one garment
ARMPIT_DEPTH = 0.25  # torso sizes: how far below the shoulder landmarks the armpits are taken to be
ARMPIT_RAMP = 0.15  # torso sizes: below the armpits, the body's side is cut back to its clothes over this
SHADOW_REACH = 0.1  # torso sizes: how far below an arm lying on the clothes its shadow is looked for


@dataclass
class PoseOptions(RenderOptions):
    """What pose mode needs besides the person photo."""

    driving: Path | None = option(None, help="a video of a person whose motion the photo follows", metavar="VIDEO")
    pose_file: Path | None = option(None, help="poses to follow: our JSON (mediapipe33 or coco18) or an "
                                    "OpenPose/DWPose folder of per-frame JSON", metavar="FILE")
    preset: str | None = option(None, help="a preset motion", choices=sorted(PRESETS))
    retarget: str = option("relative", help="'relative': follow the driver's motion since its first frame; "
                           "'absolute': copy its limb directions", choices=["relative", "absolute"])
    export_pose: Path | None = option(None, help="write the poses of VIDEO to -o FILE.json instead of rendering",
                                      metavar="VIDEO")

    def validate(self) -> None:
        super().validate()
        given = [name for name, value in (("--driving", self.driving), ("--pose-file", self.pose_file),
                                          ("--preset", self.preset)) if value is not None]
        if self.export_pose is not None:
            if given:
                raise InputError("--export-pose does not go with " + " or ".join(given))
            return
        if len(given) != 1:
            raise InputError("pose mode needs exactly one of --driving VIDEO, --pose-file FILE or --preset NAME"
                             + (f" (got {' and '.join(given)})" if given else ""))


def driver_joints(options: PoseOptions) -> tuple[np.ndarray, float]:
    """(T, 33, 2) driving poses in the driver's own pixels (read-only), and their frame rate.

    A driver is read once per process while its file is unchanged: an animated outfit catalogue
    follows the same video with every garment, and tracking it is most of the work.
    """
    path = Path(options.pose_file or options.driving)
    stat = path.stat() if path.exists() else None  # a missing file is reported by the reader
    return _read_driver(str(path), options.pose_file is not None,
                        stat.st_mtime_ns if stat else None, stat.st_size if stat else None)


@lru_cache(maxsize=4)
def _read_driver(path: str, is_pose_file: bool, mtime_ns: int | None, size: int | None) -> tuple[np.ndarray, float]:
    """driver_joints for one file; the modification time and size key the cache."""
    from toolkit.motion.pose_io import export_video_poses, load_pose_file

    sequence = load_pose_file(Path(path)) if is_pose_file else export_video_poses(Path(path))
    joints = sequence.frames[..., :2].astype(np.float64)
    joints.setflags(write=False)
    return joints, float(sequence.fps)


def target_poses(source: np.ndarray, options: PoseOptions) -> tuple[np.ndarray, float]:
    """(T, 33, 2) poses the source body takes in each output frame, and the frame rate."""
    if options.preset is not None:
        fps = options.frame_rate()
        timeline = Timeline(options.clip_length(), fps, loop=True)
        return PRESETS[options.preset](source, timeline), fps
    driver, natural_fps = driver_joints(options)
    if options.frames is not None:
        driver = driver[: options.frames]
    return sk.retarget(source, driver, options.retarget), options.frame_rate(natural_fps)


def skinned_tracks(mesh: PartMesh, source: np.ndarray, targets: np.ndarray) -> np.ndarray:
    """(P, T, 2) positions of a part's control points in every frame."""
    tracks = np.empty((len(mesh.points), len(targets), 2))
    for t, target in enumerate(targets):
        tracks[:, t] = skin(mesh.points, mesh.weights, bone_transforms(source, target), mesh.pivots)
    tracks[:, 0] = mesh.points
    return tracks


def behind_arms_zone(labels: dict[str, np.ndarray], source: np.ndarray) -> np.ndarray:
    """Boolean (H, W): where an arm lies in front of the body rather than against the background.

    The torso's quadrilateral (its shoulder corners drawn in towards the neck, then a little
    grown), the legs' hull, and the stretches of the arms the part split found in front of the
    body (labels['in_front'], when given).
    """
    size = float(sk.torso_size(source))
    quad = sk.torso_quad(source)
    neck = sk.neck(source)
    quad[:2] = neck + 0.85 * (quad[:2] - neck)  # the chest below the armpits is narrower than the shoulder joints
    zone = convex_polygon_mask(labels["body"].shape, quad).astype(np.uint8)
    grow = max(3, int(0.03 * size))
    zone = cv2.dilate(zone, np.ones((2 * grow + 1, 2 * grow + 1), np.uint8))
    legs = (labels["legs"] > 0.5).astype(np.uint8)
    if legs.any():
        cv2.fillConvexPoly(zone, cv2.convexHull(cv2.findNonZero(legs)), 1)
    in_front = labels.get("in_front")
    return zone.astype(bool) | (in_front is not None and in_front > 0.5)


def above_neck(joints: np.ndarray, shape: tuple[int, int]) -> np.ndarray:
    """Boolean (H, W): the side of the line through the neck, across the torso's axis, that the head is on."""
    height, width = shape
    neck, pelvis = sk.neck(joints), sk.pelvis(joints)
    up = (neck - pelvis) / max(float(np.linalg.norm(neck - pelvis)), 1e-9)
    ys, xs = np.mgrid[0:height, 0:width]
    level = (xs - neck[0]) * up[0] + (ys - neck[1]) * up[1]
    return level > 0.0


def torso_behind_arms(image: np.ndarray, labels: dict[str, np.ndarray], source: np.ndarray,
                      seed: int) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """The body's texture with the arms painted out, the body mask (legs included) grown under the
    arms, and what the painting would have given the body beside the clothes (left to the
    background, out of that mask).

    Where an arm lies over the torso or the legs, what is behind it is unseen: it is filled
    from what surrounds it but the arms (as far as there is enough of it), so that a raised arm
    reveals clothing rather than the wall behind or a ghost of itself.  The whole of both arms,
    a margin around them and a wider one around the hands are painted out, so the fill never
    copies the arms' own pixels (a smudge of a hand) and no sliver of sleeve or finger stays
    behind; so are the shadow an arm cast on the clothes below it and specks of its colour beside
    it, which go with the arm.
    """
    arms = np.maximum(labels["left_arm"], labels["right_arm"]) > 0.5
    if not arms.any():
        return image, np.maximum(labels["body"], labels["legs"]), np.zeros(arms.shape, bool)
    size = float(sk.torso_size(source))
    zone = behind_arms_zone(labels, source)
    margin = max(2, int(0.02 * size))  # a rim the outline left to the body; kept narrow, as it shows at rest
    margin_band = grown(arms, margin)
    worn = (labels["body"] + labels["legs"]) > 0.5
    # the clothes begin where the hole's margin ends (a smaller person has a narrower margin)
    clear = min(4, margin)
    off_arms = ~cv2.dilate(arms.astype(np.uint8), np.ones((2 * clear + 1,) * 2, np.uint8)).astype(bool)
    cloth = worn & off_arms
    hole = arms_hole(labels, source, arms, zone, margin_band, size)
    hole |= arm_traces(image, hole, cloth, max(2, int(SHADOW_REACH * size)))
    person = (labels["body"] + labels["legs"] + labels["left_arm"] + labels["right_arm"]) > 0.5
    texture = quilt_behind_arms(image, hole, cloth, off_arms, person, seed)
    # plain cloth (an apron, a plain skirt) hangs in folds down the image: they are carried across
    # the hole, which quilting would break into blotches in the shape of the arms
    texture = drape_over(texture, image, hole, cloth, 0.03 * size)
    beside = beside_the_arms(image, source, size, arms, zone, hole, cloth, person, margin_band & ~arms & worn)
    body = np.maximum.reduce([labels["body"], labels["legs"], (arms & zone).astype(np.float32)])
    return texture, np.where(beside, 0.0, body).astype(np.float32), beside


def arms_hole(labels: dict[str, np.ndarray], source: np.ndarray, arms: np.ndarray, zone: np.ndarray,
              margin_band: np.ndarray, size: float) -> np.ndarray:
    """Boolean (H, W): what is painted out of the body behind the arms: the arms and their
    `margin_band`, fingers and their shadows round the hands, as far as the body shows near
    where the arms lie in front of it (`zone`)."""
    hole = margin_band.astype(np.uint8)
    fingers = cv2.dilate(arms.astype(np.uint8), np.ones((2 * int(0.04 * size) + 1,) * 2, np.uint8))
    for side in ARMS:  # fingers and their shadows reach past the hand's outline
        points = source[list(HAND_POINTS[side])]
        centre = points.mean(0)
        radius = 1.2 * float(np.linalg.norm(points - centre, axis=1).max()) + 0.03 * size
        hand = np.zeros_like(hole)
        cv2.circle(hand, tuple(round(float(v)) for v in centre), round(radius), 1, -1)
        hole |= hand & fingers
    # only what the body shows needs painting: the hole stops a little way (so that what it
    # continues from is not the arm's own rim) outside where the arms lie in front of the body
    reach = max(3, int(0.05 * size))
    near_zone = cv2.dilate(zone.astype(np.uint8), disc(reach))
    return (hole & near_zone).astype(bool) & ((labels["body"] + labels["legs"] + arms) > 0)


def quilt_behind_arms(image: np.ndarray, hole: np.ndarray, cloth: np.ndarray, off_arms: np.ndarray,
                      person: np.ndarray, seed: int) -> np.ndarray:
    """The image with `hole` quilted piece by piece from what is round each piece `off_arms`.

    The clothes go on under the arm: the fill continues their colours, not the wall's, so in a
    working copy the wall round the hole is first painted in the colours of the clothes nearest.
    Patches come from what lies within QUILT_SOURCE_REACH of a piece, not from the arms or the
    other pieces (a sleeve's folds or a hand's skin copied onto the clothes would look like a
    piece of the arm left behind), or from anything round it where there are too few of those.
    What the arms uncover is seen in passing: a fill at most ~6000 px per piece (larger pieces
    are filled smaller and scaled up) keeps the plan quick.
    """
    kernel = np.ones((2 * QUILT_SOURCE_REACH + 1,) * 2, np.uint8)
    around = cv2.dilate(hole.astype(np.uint8), kernel).astype(bool)
    clothes_seen = cloth & ~hole
    working = image.copy()
    x0, y0, x1, y1 = bounding_box(around, QUILT_SOURCE_REACH)  # the clothes nearest lie within this
    working[y0:y1, x0:x1] = nearest_fill(image[y0:y1, x0:x1], (around & ~person)[y0:y1, x0:x1],
                                         clothes_seen[y0:y1, x0:x1])
    count, pieces = cv2.connectedComponents(cv2.dilate(hole.astype(np.uint8), np.ones((15, 15), np.uint8)))
    for label in range(1, count):
        piece = hole & (pieces == label)
        sources = off_arms & ~hole & cv2.dilate(piece.astype(np.uint8), kernel).astype(bool)
        working = fill_hole(working, piece, seed=seed + label, options=FillOptions(max_hole_pixels=6000),
                            sources=sources if sources.sum() >= MIN_QUILT_SOURCES else None)
    return np.where(hole[..., None], working, image)  # the working copy's wall is not the body's


def beside_the_arms(image: np.ndarray, source: np.ndarray, size: float, arms: np.ndarray, zone: np.ndarray,
                    hole: np.ndarray, cloth: np.ndarray, person: np.ndarray, rim: np.ndarray) -> np.ndarray:
    """Boolean (H, W): what the painting behind the arms gives the body beside its clothes, not
    in front of them (a hand hanging by the hip, the `rim` of an arm along the torso's side).

    Below the armpits only, where the body's side runs down beside a hanging arm (above them the
    arm joins the shoulder), with the cut coming in over ARMPIT_RAMP so the side has no step; and
    only near the person's outline (an arm across the middle of the body is in front of it).
    There the whole rim along an arm counts, painted or not, as the outline can leave the body a
    strip of sleeve beside the hips.
    """
    armpits = max(source[sk.LEFT_SHOULDER, 1], source[sk.RIGHT_SHOULDER, 1]) + ARMPIT_DEPTH * size
    below = np.arange(image.shape[0], dtype=np.float64) - armpits
    slack = np.where(below < 0, np.inf, ARMPIT_RAMP * size * np.clip(1.0 - below / (ARMPIT_RAMP * size), 0.0, 1.0))
    near_outline = cv2.distanceTransform(person.astype(np.uint8), cv2.DIST_L2, 3) <= OUTLINE_REACH * size
    return beside_the_clothes(image, cloth & ~hole & ~rim, (hole | (arms & zone) | rim) & near_outline,
                              max(1, int(BESIDE_REACH * size)), slack, max(1, int(OUTLINE_ROWS * size)))


def beside_the_clothes(image: np.ndarray, seen: np.ndarray, candidates: np.ndarray, reach: int,
                       slack: np.ndarray | None = None, rows_round: int = 0) -> np.ndarray:
    """Boolean (H, W): the `candidates` that lie beside the clothes `seen`, not in front of them.

    In front are those between the leftmost and rightmost clothes seen on the rows within
    `rows_round` of theirs (their own row among them), and those with clothes seen within `reach`
    px above and below them that are alike in colour (one garment: a top above and trousers
    below leave a hand by the hip beside them).  With `slack` ((H,) px per row), a candidate
    within that of the clothes seen on its row is never beside (inf: none on that row is).
    """
    height, width = seen.shape
    x = np.arange(width)[None, :]
    above, below = nearest_along(seen, 0)
    rows = np.arange(height)[:, None]
    colours = cv2.GaussianBlur(image.astype(np.float32), (0, 0), 2.0)  # a weave's grain is not another garment
    step = np.linalg.norm(colours[np.clip(above, 0, height - 1), x] - colours[np.clip(below, 0, height - 1), x], axis=-1)
    in_front = (above >= 0) & (rows - above <= reach) & (below < height) & (below - rows <= reach)
    in_front &= step <= ONE_GARMENT_STEP
    # within the clothes' outline as the rows round it show it: an arm across the waist hides the
    # whole row, but the rows above and below it show how wide the body is there
    window = np.ones((2 * rows_round + 1, 1), np.uint8)
    leftmost = np.where(seen, x, width).min(axis=1).astype(np.float32)[:, None]
    rightmost = np.where(seen, x, -1).max(axis=1).astype(np.float32)[:, None]
    first = cv2.erode(leftmost, window, borderType=cv2.BORDER_REPLICATE)
    last = cv2.dilate(rightmost, window, borderType=cv2.BORDER_REPLICATE)
    in_front |= (x >= first) & (x <= last)
    beside = candidates & ~in_front
    if slack is not None:
        before, after = nearest_along(seen, 1)
        to_clothes = np.minimum(np.where(before >= 0, x - before, np.inf), np.where(after < width, after - x, np.inf))
        beside &= to_clothes > slack[:, None]
    return beside


def strays_by_arms(image: np.ndarray, silhouette: np.ndarray, labels: dict[str, np.ndarray],
                   source: np.ndarray, head_side: np.ndarray | None = None) -> np.ndarray:
    """Boolean (H, W): bits of the arms the silhouette missed at their edge (a button on a cuff, a
    ribbon on a sleeve), unlike the wall beside them and nearer an arm than the rest of the body.

    They stay out of the arms (lower down, hair tips joined an arm that way and flew off with it),
    but are painted out of the background, so that no fleck of sleeve is left on the wall where
    an arm was.  Nothing on the head's side of the neck (`head_side`, `above_neck` if not given)
    counts: the head grows over such bits itself.
    """
    from toolkit.perception.body import grow_over_unlike_wall

    arms = np.maximum(labels["left_arm"], labels["right_arm"]) > 0.5
    inside = silhouette > 0.5
    if not arms.any():
        return np.zeros(arms.shape, bool)
    reach = max(2, int(STRAY_REACH * float(sk.torso_size(source))))
    near = cv2.dilate(arms.astype(np.uint8), cv2.getStructuringElement(cv2.MORPH_ELLIPSE, (4 * reach + 1,) * 2))
    grown = grow_over_unlike_wall(image, silhouette, reach, where=near.astype(bool) & ~(above_neck(source, arms.shape) if head_side is None else head_side))
    strays = (grown > 0.5) & ~inside
    to_arm = cv2.distanceTransform((~arms).astype(np.uint8), cv2.DIST_L2, 3)
    to_body = cv2.distanceTransform((~(inside & ~arms)).astype(np.uint8), cv2.DIST_L2, 3)
    return strays & (to_arm < to_body)


def wall_hole(strays: np.ndarray, taken_off: np.ndarray, margin: int) -> np.ndarray:
    """Boolean (H, W): what is painted out of the background besides the parts, once they move.

    The bits of sleeve the silhouette missed (`strays`) and the arms' rims that their edge
    cleaning took off (`taken_off`: a cuff's shadow, half a button; most lie inside the parts'
    own grown cores anyway, but not those a part's core does not reach), with `margin` px round
    both for their soft edge and the shadow they cast.  Left in the background, any of them
    stays on the wall as a dark fleck where the arm was.
    """
    return hard_region(strays | taken_off, margin)


def hair_in_front(body: np.ndarray, under_hair: dict[str, np.ndarray], overlap: int) -> np.ndarray:
    """(H, W) float32 mask: the body's hair over the arms' hidden stretches, reaching `overlap` px past them."""
    hidden = np.logical_or.reduce(list(under_hair.values()))
    if not hidden.any():
        return np.zeros(body.shape, np.float32)
    kernel = disc(overlap)
    return (cv2.dilate(hidden.astype(np.uint8), kernel).astype(bool) & body).astype(np.float32)


def sleeve_under_hair(texture: np.ndarray, visible: np.ndarray, hidden: np.ndarray, margin: int,
                      seed: int = 0) -> np.ndarray:
    """The arm's texture with the stretch that hair hides painted in the colours of its sleeve nearby.

    A normalised blur of the arm's visible pixels, about as wide as the hidden stretch is deep,
    carries the sleeve's shading on smoothly under the hair; over it, the sleeve's folds are
    quilted from the sleeve seen beside the stretch (within its depth, or QUILT_REACH px).  The
    paint reaches `margin` px past the stretch, so the arm's soft edge there shows sleeve, not an
    outline of hair, and the sleeve seen fades into it over SEAM_FADE px.
    """
    if not hidden.any() or not visible.any():
        return texture
    depth = float(cv2.distanceTransform((~visible).astype(np.uint8), cv2.DIST_L2, 3)[hidden].max())
    sigma = max(2.0, 0.5 * depth)
    # only the paint and its seam need the blur: a window round them, as far out as its kernel reaches
    x0, y0, x1, y1 = bounding_box(hidden, int(max(margin, SEAM_FADE) + np.ceil(4 * sigma) + 2))
    painted = np.zeros(texture.shape, np.float32)
    painted[y0:y1, x0:x1], near = masked_gaussian(texture[y0:y1, x0:x1], visible[y0:y1, x0:x1], sigma)
    # beyond the blur's reach of the sleeve, its mean colour (the blur alone would fade to black there)
    painted[y0:y1, x0:x1][near < 1e-3] = texture[visible].mean(axis=0)
    kernel = disc(margin)
    paint = cv2.dilate(hidden.astype(np.uint8), kernel).astype(bool) & ~visible
    # the seam with the sleeve seen follows the strands of hair that hid the rest
    away = cv2.distanceTransform((~hidden).astype(np.uint8), cv2.DIST_L2, 3)
    seam = visible & (away < SEAM_FADE)
    # the fabric's folds and weave: patches of the sleeve seen beside the stretch (away from its rim
    # and its seam; not a cuff's buttons further down) quilted over that shading, on a canvas where
    # all else nearby is the shading, so nothing of the hair guides them
    window = (slice(y0, y1), slice(x0, x1))
    canvas = np.where(visible[window][..., None], texture[window], np.clip(np.round(painted[window]), 0, 255)).astype(np.uint8)
    inner = cv2.erode(visible[window].astype(np.uint8), np.ones((5, 5), np.uint8)).astype(bool)
    sources = inner & ~seam[window] & (away[window] <= max(QUILT_REACH, depth))
    fill = (paint | seam)[window]
    fabric = fill_hole(canvas, fill, seed=seed, sources=sources) if sources.any() else canvas
    out = texture.copy()
    out[paint] = fabric[paint[window]]
    # the sleeve seen fades into the quilted one across the seam
    share = (1.0 - away[seam] / SEAM_FADE)[:, None]
    quilted = fabric[seam[window]].astype(np.float32) if sources.any() else painted[seam]
    out[seam] = np.clip(np.round(share * quilted + (1.0 - share) * texture[seam]), 0, 255).astype(np.uint8)
    return out


class PoseMode:
    """Plugin: the photographed person's body follows a driving pose sequence."""

    name = "pose"
    summary = "make the person in a photo follow a driving video, a pose file or a preset motion"
    options_class = PoseOptions
    epilog = "presets: " + ", ".join(PRESETS)

    def plan(self, image: np.ndarray, options: PoseOptions, *, scale: float = 1.0) -> MotionPlan:
        from toolkit.perception.body import detect_body_and_mask, grow_over_unlike_wall

        options.validate()
        body, silhouette = detect_body_and_mask(image)
        if body is None:
            raise InputError("no person found in the source image")
        source = body.points.astype(np.float64)
        if silhouette.max() <= 0.5:
            raise InputError("no person found in the source image")
        size = float(sk.torso_size(source))
        # lace, earrings and strands the segmentation missed round the head move with it instead of
        # staying behind (only there: lower down, hair tips and sleeves joined an arm and flew off with it)
        head_side = above_neck(source, silhouette.shape)
        silhouette = grow_over_unlike_wall(image, silhouette, max(2, int(0.08 * size)), where=head_side, thin=True)
        targets, fps = target_poses(source, options)
        if len(targets) == 0:
            raise InputError("the driving input has no frames")
        spacing = max(4.0, 0.1 * size)
        feather = 2.0
        cover = feather + 4.0
        labels = part_labels(silhouette, source, image)
        strays = strays_by_arms(image, silhouette, labels, source, head_side)
        body_texture, labels["body"], beside = torso_behind_arms(image, labels, source, options.seed)
        labels.pop("legs")
        labels.pop("in_front", None)
        under_hair = {arm: labels.pop(f"{arm}_under_hair", np.zeros_like(labels[arm])) > 0.5 for arm in ARMS}
        labels["hair_over_arms"] = hair_in_front(labels["body"] > 0.5, under_hair, HAIR_OVERLAP)
        seen = {arm: labels[arm] for arm in ARMS}
        for arm in ARMS:
            labels[arm] = np.maximum(seen[arm], under_hair[arm]).astype(np.float32)
        tracks, owners, regions, meshes, textures, edge_grow = [], [], [], {}, {}, {}
        taken_off = np.zeros(silhouette.shape, bool)  # the arms' rims their edge cleaning took off
        for name in PART_ORDER:
            moves_as = "body" if name == "hair_over_arms" else name
            mesh = part_mesh(labels[name], spacing, cover, PARTS[moves_as], source, sharpness=0.1 * size, part=moves_as)
            if mesh is None or len(mesh.triangles) == 0:
                continue
            if name == "body":
                textures[len(regions)] = body_texture
            elif name in ARMS:  # an arm's edge without the wall's or the torso's colours mixed in
                # the sleeve is painted under the hair first, so that its seam with the arm seen is
                # no edge to clean and only the arm's outline is
                painted = sleeve_under_hair(image, seen[name] > 0.5, under_hair[name],
                                            int(np.ceil(feather)) + ARM_EDGE_GROW + 1, options.seed)
                cleaned, textures[len(regions)] = clean_edge(painted, labels[name], EDGE_BAND)
                taken_off |= (labels[name] > 0.5) & ~cleaned
                labels[name] = np.where(cleaned, labels[name], 0.0).astype(np.float32)
                edge_grow[len(regions)] = ARM_EDGE_GROW
            meshes[len(regions)] = mesh.triangles
            tracks.append(skinned_tracks(mesh, source, targets))
            owners.append(np.full(len(mesh.points), len(regions)))
            regions.append(labels[name])
        log.info("pose: %d parts, %d control points, %d frames", len(regions), sum(map(len, owners)), len(targets))
        return MotionPlan(np.concatenate(tracks), np.concatenate(owners), np.stack(regions), fps,
                          extras={"target_poses": targets}, meshes=meshes, textures=textures,
                          edge_feather=feather, edge_grow=edge_grow, folds_behind=True,
                          background_hole=wall_hole(strays, taken_off, STRAY_MARGIN) | beside)

    def export_pose(self, options: PoseOptions, output: Path) -> Path:
        """Write the poses of options.export_pose (a video) to output as our JSON."""
        from toolkit.motion.pose_io import export_video_poses, save_pose_file

        if Path(output).suffix.lower() != ".json":
            raise InputError(f"--export-pose writes JSON: the output '{output}' should end in .json")
        save_pose_file(output, export_video_poses(options.export_pose))
        return Path(output)
