"""How moving parts keep clean edges: edge colours without the wall's, folds drawn under the rest
of a limb, the limb's tip on top, narrow edges that still give back the photo at rest, and
part splits that keep chest and wall out of an arm."""

from __future__ import annotations

import cv2
import numpy as np

from tests.test_skeleton import standing_pose
from toolkit.imaging.edge_matte import clean_edge, part_share
from toolkit.motion import skeleton as sk
from toolkit.motion.plan import MotionPlan
from toolkit.motion.part_split import limb_width, upper_arm_in_torso, upper_arm_under_hair, wall_by_hand
from toolkit.motion.distances import segment_distance
from toolkit.motion.skinning import SKIN_BONES, distal_last
from toolkit.warp.field import rasterize_backward_map, _torn_blocks
from toolkit.warp.layers import transparent_triangles
from toolkit.warp.renderer import WarpBackbone

DARK, WALL = np.array([30, 30, 30]), np.array([230, 230, 225])


def soft_disc(size: int = 80, radius: float = 20.0) -> tuple[np.ndarray, np.ndarray]:
    """A dark disc on a light wall with a 3 px anti-aliased edge, and its soft mask."""
    yy, xx = np.mgrid[:size, :size]
    share = np.clip(radius + 1.5 - np.hypot(xx - size / 2, yy - size / 2), 0.0, 3.0) / 3.0
    image = (share[..., None] * DARK + (1 - share[..., None]) * WALL).round().astype(np.uint8)
    return image, share.astype(np.float32)


def test_part_share_reads_a_blend_of_inside_and_outside():
    inside, outside = np.array([[0.0, 0, 0]] * 3), np.array([[200.0, 200, 200]] * 3)
    share, telling = part_share(np.array([[50.0, 50, 50], [200, 200, 200], [0, 0, 0]]), inside, outside)
    assert np.allclose(share, [0.75, 0.0, 1.0]) and telling.all()
    _, same = part_share(np.array([[10.0, 10, 10]]), np.array([[10.0, 10, 10]]), np.array([[12.0, 10, 10]]))
    assert not same.any()  # a part the colour of what is beside it: nothing to tell


def test_clean_edge_drops_wall_pixels_and_paints_the_edge_in_the_parts_colour():
    image, share = soft_disc()
    mask = (share > 0).astype(np.float32)  # a generous cut: the whole soft rim, mostly wall at its outside
    cleaned, texture = clean_edge(image, mask, band=3)
    assert cleaned.sum() < (mask > 0.5).sum() and (cleaned <= (mask > 0.5)).all()
    assert cleaned[share > 0.9].all() and not cleaned[(share > 0) & (share < 0.3)].any()
    rim = cleaned & (share < 0.95)
    assert rim.any() and np.abs(texture[rim].astype(int) - DARK).max() < 25  # no light halo left on the part
    far = cv2.distanceTransform((share == 0).astype(np.uint8), cv2.DIST_L2, 3) > 5
    assert np.array_equal(texture[far], image[far])  # the rest of the photo is untouched
    flat = np.full((80, 80, 3), 120, np.uint8)  # a part the colour of its surroundings keeps its cut and colours
    same, untouched = clean_edge(flat, mask, band=3)
    assert np.array_equal(same, mask > 0.5) and np.array_equal(untouched, flat)


def test_clean_edge_reaches_a_wall_the_mask_takes_in_deeper_than_its_band():
    # a dark bar whose mask reaches 8 px past it into a white wall: with a 5 px band, one pass
    # would leave the wall's first 3 px inside the part, where a moved part shows them as a light line
    image = np.zeros((60, 80, 3), np.uint8)
    image[:] = WALL
    image[:, :40] = DARK
    mask = np.zeros((60, 80), np.float32)
    mask[:, :48] = 1.0
    cleaned, texture = clean_edge(image, mask, band=5)
    assert cleaned[:, :38].all() and not cleaned[:, 41:].any()
    light = (texture.astype(int).sum(-1) > 3 * 120) & cleaned
    assert not light.any()  # no wall colour anywhere inside the part
    assert np.array_equal(texture[:, 60:], image[:, 60:])  # the wall further out is untouched


def test_triangles_are_drawn_from_the_root_of_the_limb_to_its_tip():
    weights = np.zeros((6, len(SKIN_BONES)))
    upper, forearm = SKIN_BONES.index("left_upper_arm"), SKIN_BONES.index("left_forearm")
    weights[:3, forearm] = 1.0  # points 0-2 ride on the forearm, 3-5 on the upper arm
    weights[3:, upper] = 1.0
    ordered = distal_last(np.array([[0, 1, 2], [3, 4, 5], [0, 3, 4]]), weights)
    assert ordered.tolist() == [[3, 4, 5], [0, 3, 4], [0, 1, 2]]


def test_a_turned_over_triangle_is_drawn_under_the_others():
    rest = np.array([[10, 10], [40, 10], [10, 40], [40, 40], [70, 10]], float)
    triangles = np.array([[0, 1, 2], [1, 3, 4]])
    current = rest.copy()
    current[4] = (5, 25)  # the second triangle folds back over the first
    # in this order the fold is drawn last, so it would cover the first triangle where they overlap
    _, _, covered = rasterize_backward_map(rest, current, triangles, (0, 0, 80, 80))
    map_x, _, _ = rasterize_backward_map(rest, current, triangles, (0, 0, 80, 80), folds_behind=True)
    naive_x, _, _ = rasterize_backward_map(rest, current, triangles, (0, 0, 80, 80))
    x, y = 16, 22  # inside both triangles: the unturned one must win
    a = np.linalg.solve(np.c_[current[triangles[0]], np.ones(3)].T, np.array([x, y, 1.0]))
    assert covered[y, x] and abs(map_x[y, x] - a @ rest[triangles[0], 0]) < 1e-3
    assert abs(naive_x[y, x] - a @ rest[triangles[0], 0]) > 1.0  # without it, the fold shows on top


def test_a_part_with_its_own_narrow_edge_gives_back_the_photo_while_at_rest(checker_image, disc_mask):
    rest = np.stack(np.meshgrid(np.linspace(80, 176, 5), np.linspace(80, 176, 5)), -1).reshape(-1, 2)
    moves = np.concatenate([np.zeros(4), np.linspace(0, 20, 4)])
    tracks = rest[:, None, :] + np.stack([moves, np.zeros(8)], -1)[None]
    texture = np.zeros_like(checker_image)  # a texture that would show at once if it were used at rest
    plan = MotionPlan(tracks, np.zeros(len(rest), int), disc_mask[None], textures={0: texture},
                      edge_grow={0: 1}, folds_behind=True)
    frames = list(WarpBackbone().render(checker_image, plan))
    assert all(np.array_equal(frame, checker_image) for frame in frames[:4])
    assert not np.array_equal(frames[-1], checker_image)


def test_an_upper_arm_does_not_reach_into_the_torso():
    joints = standing_pose()
    inside = upper_arm_in_torso(joints, "left_arm", (500, 400))
    shoulder, elbow = joints[sk.LEFT_SHOULDER], joints[sk.LEFT_ELBOW]
    within = tuple(int(v) for v in (shoulder + elbow) / 2 + (sk.neck(joints) - shoulder) * 0.3)
    assert inside[within[1], within[0]]  # the chest beside the upper arm
    assert not inside[int(elbow[1]) + 60, int(elbow[0]) + 60]  # well outside the torso
    joints[sk.LEFT_WRIST] = (205, 250)  # a forearm folded across the belly stays the arm's
    across = upper_arm_in_torso(joints, "left_arm", (500, 400))
    assert across[within[1], within[0]] and not across[246, 215]


def test_the_wall_seen_between_a_hand_and_the_hip_is_not_part_of_the_arm():
    joints = standing_pose()
    height, width = 500, 400
    image = np.full((height, width, 3), WALL, np.uint8)
    inside = np.zeros((height, width), bool)
    inside[40:480, 140:260] = True  # the body
    hand = joints[list((sk.LEFT_WRIST, 17, 19, 21))].mean(0).astype(int)
    arm = np.zeros((height, width), bool)
    arm[hand[1] - 30:hand[1] + 30, 255:275] = True  # a hand hanging just beside the body's edge
    inside |= arm
    image[inside] = (200, 160, 140)
    gap = np.zeros((height, width), bool)
    gap[hand[1] - 10:hand[1] + 10, 255:265] = True  # wall between fingers and hip, inside the silhouette
    image[gap] = WALL
    joints[[sk.LEFT_WRIST, 17, 19, 21]] = (265, hand[1] - 20), (262, hand[1] + 20), (268, hand[1] + 22), (265, hand[1] + 10)
    walls = wall_by_hand(image, inside, joints, "left_arm", arm)
    middle_of_gap = cv2.erode(gap.astype(np.uint8), np.ones((5, 5), np.uint8)).astype(bool)  # blurred edges aside
    assert walls[middle_of_gap].all() and not walls[arm & ~gap].any()
    middle = joints.copy()  # the same hand in front of the body, far from its outline: nothing is wall
    middle[[sk.LEFT_WRIST, 17, 19, 21]] -= (60, 0)
    assert not wall_by_hand(image, inside, middle, "left_arm", arm).any()


def test_the_wall_seen_between_a_hand_and_the_hip_is_found_whichever_part_the_silhouette_gave_it_to():
    joints = standing_pose() * 2.0  # a torso 280 px tall
    height, width = 1000, 800
    image = np.full((height, width, 3), WALL, np.uint8)
    inside = np.zeros((height, width), bool)
    inside[80:960, 280:524] = True  # the body, its silhouette reaching over the gap up to the hand
    hand = joints[list((sk.LEFT_WRIST, 17, 19, 21))].mean(0).astype(int)
    arm = np.zeros((height, width), bool)
    arm[hand[1] - 60:hand[1] + 60, 524:564] = True  # the hand's outline stops at the hand
    inside |= arm
    image[inside] = (200, 160, 140)
    gap = np.zeros((height, width), bool)
    gap[hand[1] - 20:hand[1] + 20, 516:524] = True  # wall between the fingers and the hip, given to the body
    image[gap] = WALL
    joints[[sk.LEFT_WRIST, 17, 19, 21]] = (544, hand[1] - 40), (538, hand[1] + 40), (550, hand[1] + 44), (544, hand[1] + 20)
    walls = wall_by_hand(image, inside, joints, "left_arm", arm)
    middle_of_gap = cv2.erode(gap.astype(np.uint8), np.ones((5, 5), np.uint8)).astype(bool)  # blurred edges aside
    assert walls[middle_of_gap].all()
    assert not walls[arm].any() and not walls[inside & ~gap].any()  # neither the hand nor the body beside it
    assert walls.sum() <= gap.sum()


def test_lace_the_segmentation_missed_joins_the_person_and_the_wall_does_not():
    from toolkit.perception.body import grow_over_unlike_wall

    height, width = 200, 200
    yy, xx = np.mgrid[:height, :width]
    image = np.dstack([180 + xx * 0.1, 170 + yy * 0.1, 160 + 0 * xx]).astype(np.uint8)  # a wall with a soft gradient
    person = (xx - 100) ** 2 + (yy - 120) ** 2 < 50 ** 2
    image[person] = (90, 60, 40)
    lace = ((xx - 100) ** 2 + (yy - 120) ** 2 >= 50 ** 2) & ((xx - 100) ** 2 + (yy - 120) ** 2 < 56 ** 2) & (yy < 90)
    image[lace] = (250, 250, 250)  # a white frill on top that the model left out
    stray = (xx - 20) ** 2 + (yy - 20) ** 2 < 4 ** 2
    image[stray] = (250, 250, 250)  # something white on the wall, away from the person
    silhouette = person.astype(np.float32)
    grown = grow_over_unlike_wall(image, silhouette, reach=10) > 0.5
    assert grown[lace].mean() > 0.8 and grown[person].all()
    assert not grown[stray].any()
    wall = ~cv2.dilate((person | lace).astype(np.uint8), np.ones((7, 7), np.uint8)).astype(bool)
    assert grown[wall].mean() < 0.001  # the wall itself, gradient and all, stays out


def test_a_small_thing_touching_the_silhouette_from_its_left_or_top_joins_it_too():
    from toolkit.perception.body import grow_over_unlike_wall

    image = np.full((120, 120, 3), 200, np.uint8)
    person = np.zeros((120, 120), bool)
    person[40:100, 50:90] = True
    image[person] = (60, 60, 120)
    image[60:64, 46:50] = (20, 20, 20)  # a 4 px button against the left edge
    image[36:40, 70:74] = (20, 20, 20)  # and one on top
    grown = grow_over_unlike_wall(image, person.astype(np.float32), reach=4) > 0.5
    assert grown[60:64, 46:50].all() and grown[36:40, 70:74].all()


def test_a_hoop_earrings_wire_joins_the_person_only_when_thin_lines_may():
    from toolkit.perception.body import grow_over_unlike_wall

    height, width = 200, 200
    yy, xx = np.mgrid[:height, :width]
    image = np.full((height, width, 3), 225, np.uint8)  # a plain light wall
    person = (xx < 100) & (yy > 20)  # the side of a head and neck
    image[person] = (200, 160, 140)
    radius = np.hypot(xx - 113, yy - 100)
    wire = (np.abs(radius - 14) < 0.7) & (xx >= 100)  # a one-pixel silver ring hanging from the ear
    image[wire] = (120, 120, 125)
    silhouette = person.astype(np.float32)
    with_thin = grow_over_unlike_wall(image, silhouette, reach=32, thin=True) > 0.5
    without = grow_over_unlike_wall(image, silhouette, reach=32) > 0.5
    assert with_thin[wire].mean() > 0.9 and without[wire].mean() < 0.2
    inside_ring = (radius < 12) & (xx > 101)
    assert not with_thin[inside_ring].any()  # the wall seen through the hoop stays wall


def test_a_transparent_margin_triangle_never_hides_the_part_beneath_it():
    rest = np.array([[10, 10], [40, 10], [10, 40], [40, 40], [70, 10]], float)
    triangles = np.array([[0, 1, 2], [1, 3, 4]])
    alpha = np.zeros((80, 80), np.float32)
    cv2.fillConvexPoly(alpha, rest[triangles[0]].astype(np.int32), 1.0)  # only the first triangle shows
    empty = transparent_triangles(alpha, rest, triangles)
    assert empty.tolist() == [False, True]
    current = rest.copy()
    current[3], current[4] = (5, 35), (45, 15)  # the margin triangle swings over the first one, not turned over
    x, y = 24, 23
    a = np.linalg.solve(np.c_[current[triangles[0]], np.ones(3)].T, np.array([x, y, 1.0]))
    map_x, _, _ = rasterize_backward_map(rest, current, triangles, (0, 0, 80, 80), empty=empty)
    naive_x, _, _ = rasterize_backward_map(rest, current, triangles, (0, 0, 80, 80))
    assert abs(map_x[y, x] - a @ rest[triangles[0], 0]) < 1e-3  # the part's own pixel
    assert abs(naive_x[y, x] - a @ rest[triangles[0], 0]) > 1.0  # drawn last, the margin would cover it


def test_limb_width_is_the_widest_span_across_the_bone():
    mask = np.zeros((200, 200), bool)
    mask[20:180, 90:110] = True  # 20 px wide
    mask[140:170, 80:120] = True  # a 40 px puff near the far end
    start, end = np.array([100.0, 20.0]), np.array([100.0, 180.0])
    assert limb_width(mask, start, end, 60.0) == 40.0
    assert limb_width(mask, start, end, 60.0, along=(0.1, 0.5)) == 20.0


def test_hair_over_an_upper_arm_becomes_arm_the_torso_and_distant_hair_do_not():
    joints = standing_pose()
    height, width = 500, 400
    shoulder, elbow = joints[sk.LEFT_SHOULDER], joints[sk.LEFT_ELBOW]
    inside = np.zeros((height, width), bool)
    inside[40:480, 140:290] = True
    arm = np.zeros((height, width), np.uint8)
    cv2.line(arm, tuple(int(v) for v in shoulder + (14, 0)), tuple(int(v) for v in elbow + (10, 0)), 1, 12)
    cv2.line(arm, tuple(int(v) for v in elbow), tuple(int(v) for v in joints[sk.LEFT_WRIST]), 1, 26)
    arm = arm.astype(bool)  # the outer half of the upper arm shows; the forearm shows whole
    hair = np.zeros((height, width), bool)
    hair[100:260, 200:250] = True  # a lock falling from the shoulder over the upper arm's inner half
    hair[300:400, 150:180] = True  # hair far from the arm
    hidden = upper_arm_under_hair(arm, hair, inside, joints, "left_arm")
    middle = ((shoulder + elbow) / 2).astype(int)
    assert hidden[middle[1], middle[0]]  # on the bone, under the lock
    assert not hidden[arm].any() and not hidden[~inside].any()
    assert not hidden[300:400, 150:180].any()  # the distant hair stays
    chest = (sk.neck(joints) + joints[sk.RIGHT_HIP]).astype(int) // 2
    assert not hidden[chest[1], chest[0]]  # the torso is not arm
    ys, xs = np.nonzero(hidden)
    reach = segment_distance(np.stack([xs, ys], -1).astype(float), shoulder, elbow).max()
    assert reach <= 0.14 * float(sk.torso_size(joints)) + 1.0  # no wider than an arm


def test_where_the_triangle_on_top_is_clear_the_one_beneath_shows_if_it_is_opaque_there():
    # two edge triangles of a limb, each opaque only in part; a fold swings the second over the first
    rest = np.array([[10, 10], [40, 10], [10, 40], [50, 10], [80, 10], [50, 40]], float)
    triangles = np.array([[0, 1, 2], [3, 4, 5]])
    alpha = np.zeros((90, 90), np.float32)
    alpha[10:41, 10:26] = 1.0  # the first triangle's left part
    alpha[10:41, 50:56] = 1.0  # a sliver of the second's
    current = rest.copy()
    current[3:] -= (38, 0)  # the second triangle now lies over the first, drawn after it
    kept_x, _, _ = rasterize_backward_map(rest, current, triangles, (0, 0, 90, 90), step=2, see_through=alpha)
    hole_x, _, _ = rasterize_backward_map(rest, current, triangles, (0, 0, 90, 90), step=2)
    x, y = 20, 14  # inside both; the second is clear here, the first opaque
    a = np.linalg.solve(np.c_[current[triangles[0]], np.ones(3)].T, np.array([x, y, 1.0]))
    assert abs(kept_x[y, x] - a @ rest[triangles[0], 0]) < 0.5  # the first triangle's own pixel
    assert alpha[y, int(round(hole_x[y, x]))] == 0.0  # without it: a clear pixel, a hole in the limb
    x, y = 30, 14  # inside both, clear in both: the top one keeps it (the limb's edge, not a hole)
    b = np.linalg.solve(np.c_[current[triangles[1]], np.ones(3)].T, np.array([x, y, 1.0]))
    assert abs(kept_x[y, x] - b @ rest[triangles[1], 0]) < 0.5
    x, y = 14, 12  # opaque in the top one: it stays on top
    assert abs(kept_x[y, x] - x - 38) < 0.5


def test_a_fold_maps_each_pixel_through_one_triangle_not_between_two():
    # two triangles from far-apart places folded onto the same spot: interpolating their maps
    # between samples would read texture from neither
    rest = np.array([[0, 0], [30, 0], [0, 30], [200, 0], [230, 0], [200, 30]], float)
    triangles = np.array([[0, 1, 2], [3, 4, 5]])
    current = rest.copy()
    current[3:] = current[3:] - (190, 0)  # the second overlaps the first, shifted 10 px right
    map_x, _, covered = rasterize_backward_map(rest, current, triangles, (0, 0, 60, 40), step=2)
    union = np.zeros((40, 60), np.uint8)
    for corners in current[triangles]:
        cv2.fillConvexPoly(union, corners.astype(np.int32), 1)
    inside = cv2.erode(union, np.ones((5, 5), np.uint8)).astype(bool)  # clear of the outline's soft edge
    assert covered[inside].min() > 0.99
    near_first = np.abs(map_x - np.arange(60)[None, :]) < 1.0
    near_second = np.abs(map_x - (np.arange(60)[None, :] + 190)) < 1.0
    assert (near_first | near_second)[inside].all()


def test_a_block_of_samples_is_torn_when_any_two_of_its_mapped_corners_lie_far_apart_diagonals_too():
    xs, ys = np.meshgrid(np.arange(3, dtype=np.float32) * 2, np.arange(3, dtype=np.float32) * 2)
    map_x, map_y = xs.copy(), ys.copy()
    map_x[0, 0] += 100.0  # one sample across a fold from the rest: only its diagonal neighbour in block (0, 0) is
    mapped = np.ones((3, 3), bool)
    torn = _torn_blocks(map_x, map_y, mapped, 8.0)
    assert torn.tolist() == [[True, False], [False, False]]
    mapped[0, 0] = False  # an unmapped sample (outside the mesh) tears nothing
    assert not _torn_blocks(map_x, map_y, mapped, 8.0).any()


def test_an_upper_arm_wholly_outside_the_frame_has_no_stretch_under_hair():
    joints = standing_pose()
    joints[[sk.LEFT_SHOULDER, sk.LEFT_ELBOW, sk.LEFT_WRIST]] += (0, 600)  # below a 500 px tall frame
    arm = np.zeros((500, 400), bool)
    hair = np.zeros((500, 400), bool)
    hair[100:300, 180:260] = True
    hidden = upper_arm_under_hair(arm, hair, np.ones((500, 400), bool), joints, "left_arm")
    assert hidden.shape == (500, 400) and not hidden.any()


def test_a_light_garment_beside_a_hand_on_a_light_wall_stays_with_the_person():
    joints = standing_pose() * 2.0
    height, width = 1000, 800
    image = np.full((height, width, 3), WALL, np.uint8)
    inside = np.zeros((height, width), bool)
    inside[80:960, 280:524] = True
    image[inside] = (236, 236, 230)  # a white shirt, a shade off the white wall
    hand = joints[list((sk.LEFT_WRIST, 17, 19, 21))].mean(0).astype(int)
    arm = np.zeros((height, width), bool)
    arm[hand[1] - 60:hand[1] + 60, 524:564] = True  # the hand right against the shirt, no gap
    inside |= arm
    image[arm] = (200, 160, 140)
    joints[[sk.LEFT_WRIST, 17, 19, 21]] = (544, hand[1] - 40), (538, hand[1] + 40), (550, hand[1] + 44), (544, hand[1] + 20)
    assert not wall_by_hand(image, inside, joints, "left_arm", arm)[inside & ~arm].any()


def test_a_one_pixel_line_along_the_images_bottom_edge_is_dropped_like_any_other():
    from toolkit.perception.body import grow_over_unlike_wall

    image = np.full((120, 120, 3), 200, np.uint8)
    person = np.zeros((120, 120), bool)
    person[40:120, 50:90] = True  # cut off by the bottom of the frame
    image[person] = (60, 60, 120)
    image[119, 90:100] = (20, 20, 20)  # a one-pixel line on the last row, touching the person
    image[70, 90:100] = (20, 20, 20)  # and the same line away from the border
    grown = grow_over_unlike_wall(image, person.astype(np.float32), reach=10) > 0.5
    assert not grown[70, 92:100].any() and not grown[119, 92:100].any()


def test_the_wall_in_the_armpit_gap_leaves_the_person_a_shadow_on_the_clothes_does_not():
    from toolkit.motion.part_split import wall_beside_arms

    height, width = 300, 300
    image = np.full((height, width, 3), WALL, np.uint8)
    inside = np.zeros((height, width), bool)
    inside[40:200, 110:220] = True  # a dark torso
    arm = np.zeros((height, width), bool)
    arm[60:260, 80:110] = True  # a dark arm hanging beside it, past the torso's bottom
    inside |= arm
    image[inside] = (30, 30, 35)
    gap = np.zeros((height, width), bool)
    gap[120:200, 110:114] = True  # wall between arm and torso, open below, inside the silhouette
    image[gap] = WALL
    shadow = np.zeros((height, width), bool)
    shadow[70:80, 110:114] = True  # a light fold on the torso beside the arm, closed in by the torso
    image[shadow] = WALL
    walls = wall_beside_arms(image, inside, arm, scale=150.0)
    assert walls[gap].mean() > 0.7  # (its blurred closed end aside)
    assert not walls[shadow].any() and not walls[arm].any()
    assert not walls[inside & ~gap].any()


def test_no_wall_is_taken_beside_an_arm_when_the_clothes_show_the_walls_colour():
    from toolkit.motion.part_split import wall_beside_arms

    height, width = 300, 300
    image = np.full((height, width, 3), WALL, np.uint8)
    inside = np.zeros((height, width), bool)
    inside[40:200, 110:220] = True
    arm = np.zeros((height, width), bool)
    arm[60:260, 80:110] = True
    inside |= arm
    image[inside] = (30, 30, 35)
    for row in range(50, 200, 16):
        image[row:row + 6, 110:220] = WALL  # a top with white stripes, beside a white wall
    walls = wall_beside_arms(image, inside, arm, scale=150.0)
    assert not walls.any()


def test_a_knob_of_an_upper_arm_bulging_into_the_chest_goes_to_the_chest_but_not_elsewhere():
    from toolkit.motion.part_split import without_knobs

    arm = np.zeros((120, 80), np.uint8)
    arm[10:110, 10:40] = 1  # an upper arm 30 px wide
    cv2.circle(arm, (47, 40), 6, 1, -1)  # a knob on its inner side, by a neck
    arm[38:43, 38:42] = 1
    arm[80:84, 40:52] = 1  # a thin strip lower down
    where = np.zeros((120, 80), bool)
    where[:70] = True  # inside the torso, by the upper arm
    out = without_knobs(arm.astype(bool), where, radius=8)
    assert not out[34:47, 42:54].any()  # the knob is gone
    assert out[80:84, 40:52].all()  # the strip outside `where` stays
    assert out[10:110, 18:32].all()  # the arm itself stays whole


def test_fingers_reaching_up_towards_their_shoulder_are_not_taken_for_the_upper_arm():
    pose = standing_pose()
    pose[sk.RIGHT_ELBOW], pose[sk.RIGHT_WRIST] = (110.0, 200.0), (150.0, 190.0)  # elbow out, hand on the chest
    pose[[18, 20, 22]] = (165.0, 160.0)  # fingers pointing up at the right shoulder (160, 140)
    region = upper_arm_in_torso(pose, "right_arm", (500, 400))
    assert not region[162:168, 160:166].any()  # the fingertips are the hand's
    assert region[150:156, 160:166].any() or region[145:150, 165:172].any()  # beside the shoulder the upper arm's
