"""Splitting a person's silhouette into the parts that move: each arm with its hand, the body.

Pure functions of arrays.  With the image, each arm is outlined along its bones by colour,
edges and the silhouette (`limb_outline`); hair over an arm stays with the head, wall seen
beside a hand and the torso's own colours inside the shoulder-hip quadrilateral stay out of
it.  Without the image, parts are split by distance to the bones.
"""

from __future__ import annotations

import cv2
import numpy as np

from toolkit.imaging.masks import bounding_box, convex_polygon_mask, disc, keep_touching
from toolkit.motion import skeleton as sk
from toolkit.motion.distances import polyline_distance, segment_distance
from toolkit.motion.skinning import LEG_BONES, SKIN_BONES, bone_segments, torso_polygon_distance


def part_labels(silhouette: np.ndarray, joints: np.ndarray, image: np.ndarray | None = None,
                step: int = 2) -> dict[str, np.ndarray]:
    """Split a soft silhouette (H, W) into per-part soft masks: 'left_arm', 'right_arm', 'legs', 'body'.

    Arms (with their hands) are what moves over the rest; everything else of the person
    (torso, head, hair, loose clothing) belongs to the body, the legs' share of it marked
    separately.  With the image, each arm is outlined along its bones by colour, edges and the
    silhouette (`limb_outline.arm_outline`); hair that falls over an arm stays with the head;
    'in_front' marks the stretches of the arms that lie in front of the body (not a part:
    where the body must be painted in behind them); and '<arm>_under_hair' marks the stretch
    of each upper arm that hair hides (not a part either: the body keeps the hair, and the arm
    must take along a sleeve painted in there).  Without the image, arms are whatever lies
    within a limb's thickness of their bones.
    """
    if image is None:
        return distance_labels(silhouette, joints, step)
    return outline_labels(silhouette, joints, image, step)


def limb_scores(grid: np.ndarray, joints: np.ndarray) -> tuple[dict[str, np.ndarray], dict[str, np.ndarray]]:
    """Distances of grid points to each skinning bone, and per part (inf where a limb does not reach)."""
    scale = float(sk.torso_size(joints))
    segments = bone_segments(joints)
    distances = {name: segment_distance(grid, *segments[name]) for name in SKIN_BONES}
    distances["torso"] = np.minimum(distances["torso"], torso_polygon_distance(grid, joints))
    reach = 0.3 * scale
    over_torso = 0.1 * scale  # a limb in front of the torso: only its own thickness
    scores = {
        "body": np.minimum(distances["torso"], distances["head"]),
        "left_arm": np.minimum(distances["left_upper_arm"], distances["left_forearm"]),
        "right_arm": np.minimum(distances["right_upper_arm"], distances["right_forearm"]),
        "legs": np.minimum.reduce([distances[n] for n in LEG_BONES]),
    }
    legs_before = scores["legs"]
    for name in ("left_arm", "right_arm", "legs"):
        rival = distances["torso"] if name == "legs" else np.minimum(distances["torso"], legs_before)
        near = (scores[name] <= over_torso) | ((scores[name] <= reach) & (scores[name] < rival))
        scores[name] = np.where(near, scores[name], np.inf)
    return distances, scores


def distance_labels(silhouette: np.ndarray, joints: np.ndarray, step: int = 2) -> dict[str, np.ndarray]:
    """Parts by distance to the bones alone (no image): arms and legs take pixels within a limb's
    reach that are nearer their bones than the torso's; hands belong to their arms."""
    height, width = silhouette.shape
    ys, xs = np.mgrid[0:height:step, 0:width:step]
    grid = np.stack([xs, ys], -1).astype(np.float64)
    _, scores = limb_scores(grid, joints)
    winner = np.full(grid.shape[:2], -1)
    arm_scores = np.stack([scores["left_arm"], scores["right_arm"]])
    nearest_arm = np.argmin(arm_scores, axis=0)
    for index in (0, 1):
        winner[np.isfinite(arm_scores[index]) & (nearest_arm == index)] = index
    hands = hand_distances(grid, joints)
    nearest_hand = np.argmin(hands, axis=0)
    for index in (0, 1):  # a hand belongs to its arm even where it rests on the body
        winner[np.isfinite(hands[index]) & (nearest_hand == index)] = index
    legs = np.isfinite(scores["legs"]) & (winner < 0) & (scores["legs"] < scores["body"] + 1e-6)
    winner[legs] = 2
    winner[winner < 0] = 3
    labels = {}
    for index, name in enumerate(("left_arm", "right_arm", "legs", "body")):
        full = cv2.resize((winner == index).astype(np.float32), (width, height), interpolation=cv2.INTER_NEAREST)
        labels[name] = np.minimum(full, silhouette).astype(np.float32)
    return labels


ARMS = ("left_arm", "right_arm")
PALETTE_SIZE = 20  # colour clusters the person is split into before outlining the arms
KNOB_RADIUS = 0.03  # torso sizes: an arm's mask narrower than twice this, inside the torso by the upper arm, is the torso's


def outline_labels(silhouette: np.ndarray, joints: np.ndarray, image: np.ndarray, step: int = 2) -> dict[str, np.ndarray]:
    """part_labels with the image: arms outlined along their bones, hair kept with the head."""
    from toolkit.motion.limb_outline import (
        arm_outline,
        arm_polyline,
        colour_features,
        colour_palette,
        palette_ids,
    )

    height, width = silhouette.shape
    scale = float(sk.torso_size(joints))
    inside = silhouette > 0.5
    lab = colour_features(image)
    smooth = cv2.GaussianBlur(lab, (0, 0), max(1.0, 0.007 * scale))  # fine patterns (a leopard print) averaged
    centres = colour_palette(smooth[::step, ::step], inside[::step, ::step], PALETTE_SIZE)
    if centres is None:
        return distance_labels(silhouette, joints, step)
    ids = cv2.resize(palette_ids(smooth[::step, ::step], centres).astype(np.uint8), (width, height),
                     interpolation=cv2.INTER_NEAREST).astype(np.int64)
    coarse = 2 * step  # distances to bones vary slowly: a coarser grid will do
    ys, xs = np.mgrid[0:height:coarse, 0:width:coarse]
    grid = np.stack([xs, ys], -1).astype(np.float64)
    small_inside, small_ids = inside[::coarse, ::coarse], ids[::coarse, ::coarse]
    polylines = {arm: arm_polyline(joints, arm) for arm in ARMS}
    near = {arm: polyline_distance(grid, polylines[arm]) for arm in ARMS}
    top, bottom = sk.neck(joints), sk.pelvis(joints)
    axis = (top - bottom) / max(float(np.linalg.norm(top - bottom)), 1e-9)
    below_neck = (grid - top) @ axis < 0  # the head (face skin, hair) is left out of the body's colours
    distances, scores = limb_scores(grid, joints)
    legs_near = np.minimum.reduce([distances[n] for n in LEG_BONES])
    clear_small = ((distances["torso"] > 0.06 * scale) & (legs_near > 0.25 * scale)).astype(np.uint8)
    clear_of_body = cv2.resize(clear_small, (width, height), interpolation=cv2.INTER_NEAREST).astype(bool)
    within_torso = convex_polygon_mask((height, width), sk.torso_quad(joints)).astype(np.uint8)
    depth = max(1, int(0.04 * scale))
    within_torso = cv2.erode(within_torso, disc(depth)).astype(bool)
    arms, fronts, body_colours = {}, {}, {}
    torso_far = (within_torso[::coarse, ::coarse] & small_inside & (near["left_arm"] >= 0.12 * scale)
                 & (near["right_arm"] >= 0.12 * scale))  # the torso's own colours, away from both arms
    torso_counts = np.bincount(small_ids[torso_far], minlength=len(centres)).astype(np.float64)
    torso_p = (torso_counts + 1.0) / (torso_counts.sum() + len(centres))
    by_upper_arm = {arm: upper_arm_in_torso(joints, arm, (height, width)) for arm in ARMS}
    for arm, other in zip(ARMS, ARMS[::-1]):
        surely_not = small_inside & below_neck & (near[arm] >= 0.25 * scale) & (near[other] >= 0.12 * scale)
        body_colours[arm] = np.bincount(small_ids[surely_not], minlength=len(centres)).astype(np.float64)
        arms[arm], fronts[arm] = arm_outline(smooth, ids, silhouette, joints, arm, body_colours[arm], clear_of_body,
                                             within_torso)
        own = np.bincount(ids[arms[arm]], minlength=len(centres)).astype(np.float64)
        own_p = (own + 1.0) / (own.sum() + len(centres))
        unclear = (own_p < 2.0 * torso_p)[ids]  # a colour the torso has as much as the arm
        arms[arm] &= ~(by_upper_arm[arm] & unclear)
    for arm in ARMS:  # fingers reach past the outline's end; they are in front where the hand is
        hand = hand_pixels(ids, inside, joints, arm, arms[arm], body_colours[arm])
        if (fronts[arm] & hand).sum() > 0.5 * max(int((arms[arm] & hand).sum()), 1):
            fronts[arm] |= hand
        arms[arm] |= hand
    walls = wall_by_hand(image, inside, joints, "left_arm", arms["left_arm"])
    walls |= wall_by_hand(image, inside, joints, "right_arm", arms["right_arm"])
    walls |= wall_beside_arms(image, inside, arms["left_arm"] | arms["right_arm"], scale)
    if walls.any():  # not the person at all: neither part takes them, and they never move
        inside = inside & ~walls
        silhouette = np.where(walls, 0.0, silhouette)
        for arm in ARMS:
            arms[arm] &= ~walls
    both = arms["left_arm"] & arms["right_arm"]
    if both.any():  # where the outlines overlap (clasped hands), the nearer arm's bones win
        py, px = np.nonzero(both)
        where = np.stack([px, py], -1).astype(np.float64)
        left_nearer = polyline_distance(where, polylines["left_arm"]) <= polyline_distance(where, polylines["right_arm"])
        arms["right_arm"][py[left_nearer], px[left_nearer]] = False
        arms["left_arm"][py[~left_nearer], px[~left_nearer]] = False
    hair = hair_mask(ids, inside, joints, arms, len(centres))
    for arm in ARMS:  # hair over an upper arm stays with the head
        start, middle, end = joints[list(sk.CHAINS[arm])]
        py, px = np.nonzero(arms[arm] & hair)
        where = np.stack([px, py], -1).astype(np.float64)
        upper = segment_distance(where, start, middle) < segment_distance(where, middle, end)
        arms[arm][py[upper], px[upper]] = False
        arms[arm] = without_crumbs(arms[arm])
    for arm in ARMS:  # a knob of an outline bulging into the chest by its upper arm is the chest's
        arms[arm] = without_knobs(arms[arm], by_upper_arm[arm], KNOB_RADIUS * scale)
    under_hair = {arm: upper_arm_under_hair(arms[arm], hair, inside, joints, arm) for arm in ARMS}
    body = inside & ~arms["left_arm"] & ~arms["right_arm"]
    body = reattach_islands(body, arms, scale)
    body = reattach_slivers(body, arms, inside & ~hair, scale)
    # the legs' share of the body, as by distance
    legs_small = np.isfinite(scores["legs"]) & (scores["legs"] < scores["body"] + 1e-6)
    legs = cv2.resize(legs_small.astype(np.uint8), (width, height), interpolation=cv2.INTER_NEAREST).astype(bool) & body
    # the soft rim outside the hard silhouette goes to the part it borders, arms first
    rim = (silhouette > 0) & ~inside
    kernel = np.ones((5, 5), np.uint8)
    claimed = np.zeros_like(rim)
    labels = {}
    for arm in ARMS:
        grown = cv2.dilate(arms[arm].astype(np.uint8), kernel).astype(bool) & rim & ~claimed
        claimed |= grown
        labels[arm] = np.where(arms[arm] | grown, silhouette, 0.0).astype(np.float32)
    body_rim = cv2.dilate(body.astype(np.uint8), kernel).astype(bool) & rim & ~claimed
    labels["legs"] = np.where(legs, silhouette, 0.0).astype(np.float32)
    labels["body"] = np.where((body & ~legs) | body_rim, silhouette, 0.0).astype(np.float32)
    labels["in_front"] = ((fronts["left_arm"] | fronts["right_arm"]) & (arms["left_arm"] | arms["right_arm"])).astype(np.float32)
    for arm in ARMS:
        labels[f"{arm}_under_hair"] = under_hair[arm].astype(np.float32)
    return labels


def hand_pixels(ids: np.ndarray, inside: np.ndarray, joints: np.ndarray, arm: str, outline: np.ndarray,
                body_colours: np.ndarray) -> np.ndarray:
    """Boolean (H, W): the hand's fingers, which reach past its landmarks and the arm's outline.

    Around the fingers, pixels whose colour is clearly (e**2 times) more the hand's (its part
    of the outline) than the body's, or near the outline in a colour rare on the body and in
    the background beside it, joined to the outline.
    """
    height, width = inside.shape
    scale = float(sk.torso_size(joints))
    points = joints[list(HAND_POINTS[arm])]
    wrist, tip = points[0], points[1:].mean(0)
    centre = tip + 0.5 * (tip - wrist)  # about the middle of the fingers
    radius = int(1.5 * float(np.linalg.norm(tip - wrist)) + 0.08 * scale)
    result = np.zeros((height, width), bool)
    x0, y0 = max(0, int(centre[0]) - radius - 1), max(0, int(centre[1]) - radius - 1)
    x1, y1 = min(width, int(centre[0]) + radius + 2), min(height, int(centre[1]) + radius + 2)
    if x1 <= x0 or y1 <= y0:
        return result
    window = (slice(y0, y1), slice(x0, x1))  # the hand's neighbourhood is all that matters
    zone = np.zeros((y1 - y0, x1 - x0), np.uint8)
    cv2.circle(zone, (round(float(centre[0])) - x0, round(float(centre[1])) - y0), radius, 1, -1)
    zone = zone.astype(bool) & inside[window]
    own = zone & outline[window]
    if own.sum() < 20:
        result[window] = own
        return result
    size = len(body_colours)
    local_ids = ids[window]
    hand_p = (np.bincount(local_ids[own], minlength=size) + 0.5) / (own.sum() + 0.5 * size)
    body_p = (body_colours + 1.0) / (body_colours.sum() + size)
    ratio = (np.log(hand_p) - np.log(body_p))[local_ids]
    reach = disc(max(1, int(0.1 * scale)))
    near_own = cv2.dilate(own.astype(np.uint8), reach).astype(bool)
    # clearly the hand's colours, or next to it and rare on the body and in the background just
    # outside the silhouette (fingertips in shadow, not a gap of wall between hand and hip)
    ring = cv2.dilate(inside[window].astype(np.uint8), reach).astype(bool) & ~inside[window]
    wall = np.bincount(local_ids[ring], minlength=size) / max(int(ring.sum()), 1)
    rare = ((body_p < 0.5 / size) & (wall < 0.02))[local_ids]
    candidates = zone & ((ratio > 2.0) | (near_own & rare & (ratio > -0.5)))
    opening = disc(max(1, int(0.012 * scale)))
    candidates = cv2.morphologyEx(candidates.astype(np.uint8), cv2.MORPH_OPEN, opening).astype(bool)  # no thin folds
    result[window] = keep_touching(candidates | own, own)
    return result


WALL_NEAR = 12.0  # RGB distance from the wall's local colour within which a pixel is the wall's colour...
WALL_SPREADS = 3.0  # ...or within this many times the wall's own local spread, if more
WALL_NEARER = 0.4  # and at most this share of its distance to the colour it is told from
WALL_UNLIKE = 40.0  # RGB distance a colour must be from the wall's to be told from it at all


def wall_coloured(to_wall: np.ndarray, spread: np.ndarray | float, to_other: np.ndarray | None = None) -> np.ndarray:
    """Boolean: which pixels are in the wall's colour, by their distance to its local colour
    (`to_wall`) against its local `spread`, and, given their distance `to_other` (a hand's, the
    clothes'), much nearer the wall's colour than that."""
    near = to_wall < np.maximum(WALL_NEAR, WALL_SPREADS * np.asarray(spread))
    return near if to_other is None else near & (to_wall < WALL_NEARER * to_other)


def wall_by_hand(image: np.ndarray, inside: np.ndarray, joints: np.ndarray, arm: str, outline: np.ndarray) -> np.ndarray:
    """Boolean (H, W): pixels of an arm's outline near its hand that are the wall behind, seen
    through the gap between the hand and the hip or between fingers (the silhouette spans such
    gaps).  They are in the colour of the wall just outside the silhouette there, and far from
    the hand's own colour; moved with the hand, they would be a patch of wall floating on the body.
    """
    height, width = inside.shape
    scale = float(sk.torso_size(joints))
    points = joints[list(HAND_POINTS[arm])]
    centre = points.mean(0)
    radius = int(1.5 * float(np.linalg.norm(points - points[0], axis=1).max()) + 0.12 * scale)
    x0, y0 = max(0, int(centre[0]) - radius), max(0, int(centre[1]) - radius)
    x1, y1 = min(width, int(centre[0]) + radius + 1), min(height, int(centre[1]) + radius + 1)
    result = np.zeros((height, width), bool)
    if x1 - x0 < 4 or y1 - y0 < 4:
        return result
    window = (slice(y0, y1), slice(x0, x1))
    colours = cv2.GaussianBlur(image[window], (0, 0), 1.0).astype(np.float32)
    reach = disc(max(2, int(0.03 * scale)))
    local_inside = inside[window].astype(np.uint8)
    ring = cv2.dilate(local_inside, reach).astype(bool) & ~local_inside.astype(bool)
    own = cv2.erode(outline[window].astype(np.uint8), reach).astype(bool)
    if ring.sum() < 30 or own.sum() < 30:
        return result
    ys, xs = np.nonzero(ring)
    if np.hypot(xs + x0 - centre[0], ys + y0 - centre[1]).min() > 0.5 * radius:
        return result  # a hand in front of the body, away from its outline: no wall shows beside it
    wall = np.median(colours[ring], axis=0)
    spread = np.median(np.linalg.norm(colours[ring] - wall, axis=-1))
    hand = np.median(colours[own], axis=0)
    if np.linalg.norm(hand - wall) < WALL_UNLIKE:  # a hand the colour of the wall: nothing to tell apart
        return result
    to_wall = np.linalg.norm(colours - wall, axis=-1)
    to_hand = np.linalg.norm(colours - hand, axis=-1)
    wallish = wall_coloured(to_wall, float(spread), to_hand)
    candidates = outline[window] & wallish
    # the silhouette spans the gap whichever part it gives it to: beside the hand, the body's share
    # too, where the body's own colour (further from the hand) is unlike the wall's
    near_hand = cv2.dilate(outline[window].astype(np.uint8), reach).astype(bool)
    body_here = local_inside.astype(bool) & ~near_hand
    if body_here.sum() >= 30:
        body = np.median(colours[body_here], axis=0)
        if np.linalg.norm(body - wall) >= WALL_UNLIKE:
            to_body = np.linalg.norm(colours - body, axis=-1)
            candidates |= near_hand & local_inside.astype(bool) & wallish & wall_coloured(to_wall, float(spread), to_body)
    opening = cv2.getStructuringElement(cv2.MORPH_ELLIPSE, (3, 3))
    result[window] = cv2.morphologyEx(candidates.astype(np.uint8), cv2.MORPH_OPEN, opening).astype(bool)
    return result


WALL_ON_CLOTHES = 0.02  # share of the clothes beside the arms in the wall's colour above which none is taken for wall


def wall_beside_arms(image: np.ndarray, inside: np.ndarray, arms: np.ndarray, scale: float) -> np.ndarray:
    """Boolean (H, W): silhouette pixels beside an arm, outside it, that are the wall seen between
    the arm and the torso (the silhouette spans a narrow gap at the armpit and gives it to the body;
    painted over once the arm rises, it would hang there as a tab of torso).

    They are in the colour of the wall just outside the silhouette nearby (within its own local
    spread), much nearer it than the body's own colour around them, and joined to the outside;
    specks are left out.
    """
    from toolkit.imaging.masked_mean import masked_gaussian
    from toolkit.perception.body import wall_statistics

    result = np.zeros(inside.shape, bool)
    reach = max(2, int(0.03 * scale))
    round_kernel = disc(reach)
    beside = cv2.dilate(arms.astype(np.uint8), round_kernel).astype(bool) & inside & ~arms
    box = bounding_box(beside, 6 * reach)
    if box is None:
        return result
    x0, y0, x1, y1 = box
    window = (slice(y0, y1), slice(x0, x1))
    colours = cv2.GaussianBlur(image[window], (0, 0), 1.0).astype(np.float32)
    local_inside = inside[window]
    ring = cv2.dilate(local_inside.astype(np.uint8), round_kernel).astype(bool) & ~local_inside
    if ring.sum() < 30:
        return result
    wall, spread = wall_statistics(colours, ring, 4.0 * reach)
    body_own = local_inside & ~arms[window] & ~cv2.dilate(beside[window].astype(np.uint8), round_kernel).astype(bool)
    to_wall = np.linalg.norm(colours - wall, axis=-1)
    if body_own.any() and wall_coloured(to_wall[body_own], spread[body_own]).mean() > WALL_ON_CLOTHES:
        return result  # the clothes show the wall's colour themselves (white stripes by a white wall)
    body, near_body = masked_gaussian(colours, body_own, 4.0 * reach, coarse=True)
    to_body = np.linalg.norm(colours - body, axis=-1)
    unlike_body = (near_body > 1e-3) & (np.linalg.norm(body - wall, axis=-1) >= WALL_UNLIKE)
    candidates = beside[window] & unlike_body & wall_coloured(to_wall, spread, to_body)
    opening = cv2.getStructuringElement(cv2.MORPH_ELLIPSE, (3, 3))
    candidates = cv2.morphologyEx(candidates.astype(np.uint8), cv2.MORPH_OPEN, opening).astype(bool)
    # the gap opens onto the wall outside (a shadow on a white apron beside a hand does not)
    outside_edge = cv2.dilate((~local_inside).astype(np.uint8), np.ones((3, 3), np.uint8)).astype(bool)
    result[window] = keep_touching(candidates, candidates & outside_edge)
    return result


def hair_mask(ids: np.ndarray, inside: np.ndarray, joints: np.ndarray, arms: dict[str, np.ndarray],
              palette_size: int) -> np.ndarray:
    """Boolean (H, W): hair-coloured pixels joined to the hair around the head.

    Hair colours are palette colours common around the head (above the shoulders, outside the
    face) and rare along the forearms and in the middle of the face, so a white cuff is never
    hair even under a white cap, nor bare skin.
    """
    height, width = inside.shape
    scale = float(sk.torso_size(joints))
    top, bottom = sk.neck(joints), sk.pelvis(joints)
    axis = (top - bottom) / max(float(np.linalg.norm(top - bottom)), 1e-9)
    step = 4
    ys, xs = np.mgrid[0:height:step, 0:width:step]
    grid = np.stack([xs, ys], -1).astype(np.float64)
    small_ids, small_inside = ids[::step, ::step], inside[::step, ::step]
    face = joints[list(sk.HEAD_POINTS)]
    face_centre = face.mean(0)
    face_radius = max(float(np.linalg.norm(face - face_centre, axis=1).max()), 1.0)
    offset = (grid - face_centre) / face_radius - np.array([0.0, 0.3])
    in_face = (offset[..., 0] / 1.05) ** 2 + (offset[..., 1] / 1.6) ** 2 <= 1.0  # the face down to the chin
    above = (grid - top) @ axis > 0.05 * scale
    around_head = small_inside & above & ~in_face
    face_middle = small_inside & (np.linalg.norm(grid - face_centre, axis=-1) <= 0.6 * face_radius)
    arm_middle = np.zeros_like(small_inside)  # along the forearms: hair seldom reaches them
    for arm in ARMS:
        _, elbow, wrist = joints[list(sk.CHAINS[arm])]
        arm_middle |= (segment_distance(grid, elbow, wrist) <= 0.04 * scale) & arms[arm][::step, ::step]
    if around_head.sum() < 50 or arm_middle.sum() < 20:
        return np.zeros((height, width), bool)

    def share(where: np.ndarray) -> np.ndarray:
        return np.bincount(small_ids[where], minlength=palette_size) / max(int(where.sum()), 1)

    head_share = share(around_head)
    hair_colours = np.flatnonzero((head_share > 0.05) & (head_share > 4.0 * share(arm_middle))
                                  & (head_share > 2.0 * share(face_middle)))
    if len(hair_colours) == 0:
        return np.zeros((height, width), bool)
    coloured = (np.isin(ids, hair_colours) & inside).astype(np.uint8)
    coloured = cv2.morphologyEx(coloured, cv2.MORPH_CLOSE, np.ones((3, 3), np.uint8))
    seeds = np.zeros((height, width), bool)
    seeds[::step, ::step] = around_head
    return keep_touching(coloured.astype(bool), seeds & coloured.astype(bool))


def without_crumbs(mask: np.ndarray, share: float = 0.01) -> np.ndarray:
    """mask without the 8-connected pieces smaller than `share` of its largest."""
    count, components, stats, _ = cv2.connectedComponentsWithStats(mask.astype(np.uint8), connectivity=8)
    if count <= 2:
        return mask.astype(bool)
    areas = stats[:, cv2.CC_STAT_AREA].copy()
    areas[0] = 0
    keep = np.flatnonzero(areas >= share * areas.max())
    return np.isin(components, keep)


def without_knobs(mask: np.ndarray, where: np.ndarray, radius: float) -> np.ndarray:
    """mask without what an opening by a disc of `radius` px takes off it within `where`: knobs,
    strips and corners narrower than the disc."""
    size = max(1, int(round(radius)))
    round_kernel = disc(size)
    opened = cv2.morphologyEx(mask.astype(np.uint8), cv2.MORPH_OPEN, round_kernel).astype(bool)
    return mask.astype(bool) & ~(where & ~opened)


def upper_arm_in_torso(joints: np.ndarray, arm: str, shape: tuple[int, int]) -> np.ndarray:
    """Boolean (H, W): inside the shoulder-hip quadrilateral and nearer the upper arm's bone than the
    forearm and hand (the line on from the elbow through the wrist to the fingertips).  Where
    colour cannot tell a sleeve from the top beside it, an upper arm is taken to hang beside the
    torso, not in it: the shoulder landmark lies at the arm's inner edge, so an outline would
    otherwise take a slab of chest with the arm."""
    height, width = shape
    quad = convex_polygon_mask((height, width), sk.torso_quad(joints))
    ys, xs = np.nonzero(quad)
    result = np.zeros((height, width), bool)
    if len(xs) == 0:
        return result
    where = np.stack([xs, ys], -1).astype(np.float64)
    from toolkit.motion.limb_outline import arm_polyline

    line = arm_polyline(joints, arm)
    upper = segment_distance(where, line[0], line[1]) < polyline_distance(where, line[1:])
    result[ys[upper], xs[upper]] = True
    return result


def reattach_slivers(body: np.ndarray, arms: dict[str, np.ndarray], allowed: np.ndarray, scale: float) -> np.ndarray:
    """The body without thin strips between an arm and the background (a cuff's frill, a finger's
    edge), which join the arm beside them; `allowed` limits what may move (not hair)."""
    radius = max(1, int(0.025 * scale))
    round_kernel = disc(radius)
    opened = cv2.morphologyEx(body.astype(np.uint8), cv2.MORPH_OPEN, round_kernel).astype(bool)
    person = body | arms["left_arm"] | arms["right_arm"]
    edge_band = cv2.distanceTransform(person.astype(np.uint8), cv2.DIST_L2, 3) <= 2 * radius
    thin = body & ~opened & edge_band & allowed
    if not thin.any():
        return body
    grown = {arm: cv2.dilate(arms[arm].astype(np.uint8), round_kernel).astype(bool) for arm in ARMS}
    for arm, other in zip(ARMS, ARMS[::-1]):
        take = thin & grown[arm] & ~(grown[other] & ~grown[arm])
        take = keep_touching(take | arms[arm], arms[arm]) & take
        arms[arm] |= take
        body &= ~take
        thin &= ~take
    return body


def reattach_islands(body: np.ndarray, arms: dict[str, np.ndarray], scale: float) -> np.ndarray:
    """The body without thin pieces cut off from it by the arms; each joins the arm it borders most.

    A sliver of sleeve or finger between an arm's outline and the background would otherwise
    stay behind, floating where the arm was.
    """
    count, components, stats, _ = cv2.connectedComponentsWithStats(body.astype(np.uint8), connectivity=8)
    if count <= 2:
        return body
    main = 1 + int(np.argmax(stats[1:, cv2.CC_STAT_AREA]))
    kernel = np.ones((3, 3), np.uint8)
    for index in range(1, count):
        if index == main or stats[index, cv2.CC_STAT_AREA] > 0.05 * scale**2:
            continue
        x, y, w, h = stats[index, :4]
        x0, y0 = max(0, x - 2), max(0, y - 2)
        piece = components[y0:y + h + 2, x0:x + w + 2] == index
        if cv2.distanceTransform(piece.astype(np.uint8), cv2.DIST_L2, 3).max() > 0.04 * scale:
            continue  # not a sliver: a piece of clothing the arms happen to enclose
        ring = cv2.dilate(piece.astype(np.uint8), kernel).astype(bool) & ~piece
        touching = {arm: int((arms[arm][y0:y + h + 2, x0:x + w + 2] & ring).sum()) for arm in ARMS}
        arm = max(touching, key=touching.get)
        if touching[arm] == 0:
            continue
        arms[arm][y0:y + h + 2, x0:x + w + 2] |= piece
        body[y0:y + h + 2, x0:x + w + 2] &= ~piece
    return body


HAND_POINTS = {"left_arm": (sk.LEFT_WRIST, 17, 19, 21), "right_arm": (sk.RIGHT_WRIST, 18, 20, 22)}


def hand_distances(grid: np.ndarray, joints: np.ndarray) -> np.ndarray:
    """(2, ...) distance to the left and right hand's centre, inf beyond the hand's radius."""
    out = []
    for name in ("left_arm", "right_arm"):
        points = joints[list(HAND_POINTS[name])]
        centre = points.mean(0)
        radius = max(1.3 * float(np.linalg.norm(points - points[0], axis=1).max()), 0.06 * float(sk.torso_size(joints)))
        distance = np.linalg.norm(grid - centre, axis=-1)
        out.append(np.where(distance <= radius, distance, np.inf))
    return np.stack(out)


def limb_width(mask: np.ndarray, start: np.ndarray, end: np.ndarray, reach: float,
               along: tuple[float, float] = (0.5, 0.9), samples: int = 9) -> float:
    """Widest span (px) of `mask` across the bone start-end, over the stretch `along` of its length.

    Each span counts the mask's pixels on the line through a point of the bone, perpendicular to
    it, within `reach` of the bone on either side.
    """
    height, width = mask.shape
    direction = end - start
    length = float(np.linalg.norm(direction))
    if length < 1e-6:
        return 0.0
    normal = np.array([-direction[1], direction[0]]) / length
    offsets = np.arange(-reach, reach + 1.0)
    best = 0
    for share in np.linspace(along[0], along[1], samples):
        line = start + share * direction + offsets[:, None] * normal
        xs, ys = np.round(line[:, 0]).astype(int), np.round(line[:, 1]).astype(int)
        ok = (xs >= 0) & (xs < width) & (ys >= 0) & (ys < height)
        best = max(best, int(mask[ys[ok], xs[ok]].sum()))
    return float(best)


def upper_arm_under_hair(arm_mask: np.ndarray, hair: np.ndarray, inside: np.ndarray, joints: np.ndarray,
                         arm: str) -> np.ndarray:
    """Boolean (H, W): the stretch of an upper arm that hair hides, which the arm takes along.

    The arm is taken to be as wide as its sleeve where the sleeve shows whole, near the elbow
    (between 5% and 14% of the torso's size on each side of the bone).  Within that distance of
    the bone, nearer the upper arm than the forearm, hair is arm behind hair; the arm and that
    hair are closed over the gaps between strands the hair's colours missed.  Without it a
    raised arm would keep only the strip the hair left showing.
    """
    height, width = arm_mask.shape
    if not hair.any():
        return np.zeros((height, width), bool)
    scale = float(sk.torso_size(joints))
    shoulder, elbow, wrist = joints[list(sk.CHAINS[arm])]
    radius = float(np.clip(0.5 * limb_width(arm_mask, shoulder, elbow, 0.3 * scale), 0.05 * scale, 0.14 * scale))
    x0, y0 = np.maximum(np.floor(np.minimum(shoulder, elbow) - radius), 0).astype(int)
    x1, y1 = np.minimum(np.ceil(np.maximum(shoulder, elbow) + radius) + 1, (width, height)).astype(int)
    if x1 <= x0 or y1 <= y0:  # the upper arm lies wholly outside the frame
        return np.zeros((height, width), bool)
    ys, xs = np.mgrid[y0:y1, x0:x1]
    box = np.stack([xs, ys], -1).astype(np.float64)
    capsule = np.zeros((height, width), bool)
    to_upper = segment_distance(box, shoulder, elbow)
    capsule[y0:y1, x0:x1] = (to_upper <= radius) & (to_upper < segment_distance(box, elbow, wrist))
    capsule &= inside
    result = capsule & ~arm_mask & hair
    if not result.any():
        return result
    # strands the hair mask left out, and the nicks between them, would notch the arm's outline
    close = max(1, int(0.06 * scale))
    kernel = disc(close)
    closed = cv2.morphologyEx((result | (arm_mask & capsule)).astype(np.uint8), cv2.MORPH_CLOSE, kernel).astype(bool)
    result = closed & capsule & ~arm_mask
    return keep_touching(result | arm_mask, arm_mask) & result
