"""Preset body motions for pose mode: each turns the source pose into a loopable sequence.

A preset is a pure function (source (33, 2), timeline) -> (T, 33, 2) target joints built with
`skeleton.compose_pose`: it eases the animated limbs from the source's own angles towards
the preset's and back, so the first frame is the source and the clip loops.
"""

from __future__ import annotations

from collections.abc import Callable

import numpy as np

from toolkit.imaging.masks import inside_polygon
from toolkit.motion import skeleton as sk
from toolkit.motion.timing import Timeline

Preset = Callable[[np.ndarray, Timeline], np.ndarray]

UP, DOWN = -np.pi / 2, np.pi / 2


def facing_sign(source: np.ndarray) -> float:
    """+1 when the person faces the camera (their left shoulder on the image's right), else -1."""
    return 1.0 if source[sk.LEFT_SHOULDER, 0] >= source[sk.RIGHT_SHOULDER, 0] else -1.0


def outward(side: str, source: np.ndarray) -> float:
    """Image angle pointing away from the body on the person's `side` ('left' or 'right')."""
    left_is_right = facing_sign(source) > 0
    return 0.0 if (side == "left") == left_is_right else np.pi


def lerp_angle(a: float, b: float | np.ndarray, w: np.ndarray) -> np.ndarray:
    """Angle from a towards b by weight w, the short way round."""
    return a + w * sk.wrap_angle(np.asarray(b) - a)


def envelope(timeline: Timeline) -> np.ndarray:
    """0 at the first frame, 1 in the middle, back to 0: the preset's loop."""
    k = np.arange(timeline.n_frames, dtype=np.float64)
    return np.sin(np.pi * k / timeline.n_frames) ** 2 if timeline.n_frames > 1 else np.zeros(1)


def hold_envelope(timeline: Timeline, rise: float = 0.25) -> np.ndarray:
    """Eases to 1 over the first `rise` of the clip, holds, and eases back over the last `rise`."""
    u = np.arange(timeline.n_frames, dtype=np.float64) / max(timeline.n_frames, 1)
    up = np.clip(u / rise, 0, 1)
    down = np.clip((1.0 - u) / rise, 0, 1)
    ramp = np.minimum(up, down)
    return 0.5 - 0.5 * np.cos(np.pi * ramp)


def turn_towards(rest: float, target: np.ndarray, via: float) -> np.ndarray:
    """(T,) turns from rest to per-frame targets, continuous in time and going round by `via`.

    Half a turn is ambiguous (an arm can be raised overhead through the side or across the
    chest): the way whose midpoint is nearer `via` is taken.
    """
    turns = np.unwrap(sk.wrap_angle(np.asarray(target, np.float64) - rest))
    middle = float(np.mean(turns))
    other = middle - np.sign(middle) * 2.0 * np.pi
    if abs(float(sk.wrap_angle(rest + middle / 2 - via))) > abs(float(sk.wrap_angle(rest + other / 2 - via))):
        turns = turns - np.sign(middle) * 2.0 * np.pi
    return turns


def animate(source: np.ndarray, timeline: Timeline, limb_targets: dict[str, tuple[np.ndarray, np.ndarray]],
            weight: np.ndarray, torso_turn: np.ndarray | None = None, torso_shift: np.ndarray | None = None,
            head_turn: np.ndarray | None = None) -> np.ndarray:
    """Compose one pose per frame: limbs move from their rest angles to per-frame targets by weight."""
    rest_angles = sk.limb_angles(source)
    turns = {}
    for name, (b0, b1) in limb_targets.items():
        via = outward(name.split("_")[0], source)
        a0, a1 = rest_angles[name]
        turns[name] = (turn_towards(a0, np.broadcast_to(b0, (timeline.n_frames,)), via),
                       turn_towards(a1, np.broadcast_to(b1, (timeline.n_frames,)), via))
    frames = np.empty((timeline.n_frames,) + source.shape)
    zeros = np.zeros(timeline.n_frames)
    torso_turn = zeros if torso_turn is None else torso_turn
    head_turn = zeros if head_turn is None else head_turn
    torso_shift = np.zeros((timeline.n_frames, 2)) if torso_shift is None else torso_shift
    for t in range(timeline.n_frames):
        angles = {}
        for name, (a0, a1) in rest_angles.items():
            if name in turns:
                angles[name] = (a0 + weight[t] * float(turns[name][0][t]), a1 + weight[t] * float(turns[name][1][t]))
            else:
                angles[name] = (a0 + float(torso_turn[t]), a1 + float(torso_turn[t]))
        pivot = sk.pelvis(source)
        torso = sk.rotation_about(pivot, float(torso_turn[t]), pivot + torso_shift[t])
        frames[t] = sk.compose_pose(source, torso, float(head_turn[t]), angles)
    frames[0] = source
    return frames.astype(np.float32)


def constant(value: float, timeline: Timeline) -> np.ndarray:
    return np.full(timeline.n_frames, float(value))


def wave(source: np.ndarray, timeline: Timeline) -> np.ndarray:
    """Raise the right hand and wave it side to side."""
    out = outward("right", source)
    upper = constant(lerp_angle(UP, out, np.array(0.35)), timeline)
    forearm = UP + np.deg2rad(25.0) * np.sin(timeline.phase(1.5))
    return animate(source, timeline, {"right_arm": (upper, forearm)}, hold_envelope(timeline))


def raise_arms(source: np.ndarray, timeline: Timeline) -> np.ndarray:
    """Lift both arms overhead and lower them again."""
    targets = {}
    for side in ("left", "right"):
        up_and_out = float(lerp_angle(UP, outward(side, source), np.array(0.15)))
        targets[f"{side}_arm"] = (constant(up_and_out, timeline), constant(up_and_out, timeline))
    return animate(source, timeline, targets, envelope(timeline))


def clap(source: np.ndarray, timeline: Timeline) -> np.ndarray:
    """Bring the hands together in front of the chest and clap."""
    beat = 0.5 - 0.5 * np.cos(timeline.phase(2.0))  # 0 apart .. 1 together
    targets = {}
    for side in ("left", "right"):
        inward = outward(side, source) + np.pi
        upper = constant(lerp_angle(DOWN, outward(side, source), np.array(0.25)), timeline)
        forearm = lerp_angle(float(lerp_angle(UP, outward(side, source), np.array(0.6))), inward, beat * 0.9)
        targets[f"{side}_arm"] = (upper, np.asarray(forearm))
    return animate(source, timeline, targets, hold_envelope(timeline))


def walk_in_place(source: np.ndarray, timeline: Timeline) -> np.ndarray:
    """March on the spot: knees lift in turn and the arms swing."""
    swing = np.sin(timeline.phase(1.0))
    lift_left, lift_right = np.clip(swing, 0, None), np.clip(-swing, 0, None)
    rest = sk.limb_angles(source)
    sign = facing_sign(source)
    targets = {
        "left_leg": (rest["left_leg"][0] - sign * np.deg2rad(35) * lift_left, rest["left_leg"][1] + sign * np.deg2rad(5) * lift_left),
        "right_leg": (rest["right_leg"][0] + sign * np.deg2rad(35) * lift_right, rest["right_leg"][1] - sign * np.deg2rad(5) * lift_right),
        "left_arm": (rest["left_arm"][0] + np.deg2rad(15) * swing, rest["left_arm"][1] + np.deg2rad(20) * swing),
        "right_arm": (rest["right_arm"][0] + np.deg2rad(15) * swing, rest["right_arm"][1] + np.deg2rad(20) * swing),
    }
    bob = np.stack([np.zeros(timeline.n_frames), -0.03 * float(sk.torso_size(source)) * np.abs(swing)], -1)
    return animate(source, timeline, targets, np.ones(timeline.n_frames), torso_shift=bob)


def sway(source: np.ndarray, timeline: Timeline) -> np.ndarray:
    """Lean gently from side to side about the hips."""
    turn = np.deg2rad(5.0) * np.sin(timeline.phase(0.5))
    return animate(source, timeline, {}, np.ones(timeline.n_frames), torso_turn=turn)


def nod(source: np.ndarray, timeline: Timeline) -> np.ndarray:
    """Nod the head."""
    tilt = np.deg2rad(8.0) * np.sin(timeline.phase(1.0)) ** 2 * facing_sign(source)
    return animate(source, timeline, {}, np.ones(timeline.n_frames), head_turn=tilt)


def shrug(source: np.ndarray, timeline: Timeline) -> np.ndarray:
    """Lift the shoulders and drop them, elbows out a little."""
    weight = envelope(timeline)
    lift = -0.06 * float(sk.torso_size(source)) * weight
    frames = animate(source, timeline, {}, np.ones(timeline.n_frames))
    for t in range(timeline.n_frames):
        for side in ("left_arm", "right_arm"):
            chain = sk.CHAINS[side]
            frames[t, list(chain) + list(sk.EXTREMITIES[side]), 1] += lift[t]
        frames[t, list(sk.HEAD_POINTS), 1] += 0.5 * lift[t]
    return frames


def dance(source: np.ndarray, timeline: Timeline) -> np.ndarray:
    """Sway the hips and pump the arms up and down in turn."""
    beat = np.sin(timeline.phase(1.0))
    targets = {}
    for side, sign in (("left", 1.0), ("right", -1.0)):
        out = outward(side, source)
        upper = lerp_angle(out, UP, np.asarray(0.5 + 0.4 * sign * beat))
        forearm = lerp_angle(out, UP, np.asarray(0.8 + 0.2 * sign * beat))
        targets[f"{side}_arm"] = (np.asarray(upper), np.asarray(forearm))
    turn = np.deg2rad(6.0) * beat
    bounce = np.stack([0.04 * float(sk.torso_size(source)) * beat,
                       -0.03 * float(sk.torso_size(source)) * np.abs(np.sin(timeline.phase(2.0)))], -1)
    return animate(source, timeline, targets, hold_envelope(timeline, 0.15), torso_turn=turn, torso_shift=bounce)


def raise_one_arm(source: np.ndarray, side: str, frames: int, size: tuple[int, int],
                  margin: float = 0.04) -> np.ndarray:
    """(T, 33, 2): the arm on `side` swings out and up through the side, then back down.

    The goal is overhead (both bones pointing up and 20 degrees outward) as far as the frame
    allows: the upper arm turns through the side only as far as the elbow stays `margin` of
    the frame inside its edges, and the forearm takes the direction nearest overhead that keeps
    the hand inside too (in a photo cropped close beside the shoulder that is a bent arm with
    the hand raised, not a straight arm overhead).  On the way the forearm turns as little as
    it can while the hand stays in the frame and off the head, and keeps clear of the torso
    where it can.
    """
    chain = sk.CHAINS[f"{side}_arm"]
    rest = sk.limb_angles(source)[f"{side}_arm"]
    out_angle = 0.0 if (side == "left") == (source[sk.LEFT_SHOULDER, 0] >= source[sk.RIGHT_SHOULDER, 0]) else np.pi
    overhead = float(sk.wrap_angle(-np.pi / 2 + np.deg2rad(20) * (1 if out_angle == 0.0 else -1)))
    upper_turn = float(sk.wrap_angle(overhead - rest[0]))
    if abs(float(sk.wrap_angle(rest[0] + upper_turn / 2 - out_angle))) > np.pi / 2:  # up through the side
        upper_turn -= np.sign(upper_turn) * 2 * np.pi
    width, height = size
    shoulder, elbow, wrist = source[list(chain)]
    upper_length, forearm_length = float(np.linalg.norm(elbow - shoulder)), float(np.linalg.norm(wrist - elbow))
    hand_length = forearm_length + 2.0 * float(np.linalg.norm(source[list(sk.EXTREMITIES[f"{side}_arm"])].mean(0) - wrist))
    head = source[list(sk.HEAD_POINTS)]
    face_radius = max(float(np.linalg.norm(head - head.mean(0), axis=1).max()), 1.0)
    head_centre = head.mean(0) - np.array([0.0, 0.4 * face_radius])  # the face and the top of the head
    head_axes = np.array([1.3, 2.0]) * face_radius

    def direction(angle: np.ndarray) -> np.ndarray:
        return np.stack([np.cos(angle), np.sin(angle)], -1)

    def clear(points: np.ndarray) -> np.ndarray:
        """Inside the frame's margins and off the head."""
        x, y = points[..., 0], points[..., 1]
        framed = (x >= margin * width) & (x <= (1 - margin) * width) & (y >= margin * height)
        return framed & (np.linalg.norm((points - head_centre) / head_axes, axis=-1) >= 1.0)

    # how far along its turn the upper arm may go with the elbow inside the frame
    steps = np.linspace(0.0, 1.0, 41)
    fits = clear(shoulder + upper_length * direction(rest[0] + steps * upper_turn))
    last = len(steps) - 1 if fits.all() else max(int(np.argmin(fits)) - 1, 1)
    # the goal: of the upper-arm turns up to there and the forearm directions that keep the
    # whole forearm and hand clear, the one that raises the hand highest (up the body's axis),
    # then the one nearest overhead
    bins = rest[1] + np.deg2rad(5.0) * np.arange(72)
    reaches = (0.5 * forearm_length, forearm_length, hand_length)  # along the forearm to the fingertips
    upper_options = rest[0] + steps[: last + 1] * upper_turn
    elbow_options = shoulder + upper_length * direction(upper_options)[:, None, :]  # (U, 1, 2)
    hands_clear = np.logical_and.reduce([clear(elbow_options + length * direction(bins)[None]) for length in reaches])
    up_axis = sk.neck(source) - sk.pelvis(source)
    up_axis = up_axis / max(float(np.linalg.norm(up_axis)), 1e-9)
    height_reached = (elbow_options + forearm_length * direction(bins)[None]) @ up_axis  # (U, B)
    away = np.abs(sk.wrap_angle(upper_options[:, None] - overhead)) + np.abs(sk.wrap_angle(bins[None] - overhead))
    score = np.where(hands_clear, height_reached - 0.05 * upper_length * away, -np.inf)
    if np.isfinite(score).any():
        goal_upper, goal_bin = np.unravel_index(int(np.argmax(score)), score.shape)
    else:  # nothing fits: as high as the elbow goes, the forearm nearest overhead
        goal_upper, goal_bin = last, int(np.argmin(np.abs(sk.wrap_angle(bins - overhead))))
    upper_goal = float(upper_options[goal_upper])
    # forearm angle per step of the upper arm: fewest unclear hand positions, then least turning
    amounts = steps
    elbows = shoulder + upper_length * direction(rest[0] + amounts[:, None] * (upper_goal - rest[0]))
    hands = np.logical_and.reduce([clear(elbows + length * direction(bins)[None]) for length in reaches])
    torso = sk.torso_quad(source)
    over_torso = sum(inside_polygon(tips, torso).reshape(tips.shape[:-1])
                     for tips in (elbows + length * direction(bins)[None] for length in reaches))
    blocked = 100.0 * (~hands).astype(float) + 5.0 * over_torso  # (steps, bins); crossing the torso is avoided too
    jumps = np.arange(-4, 5)
    cost = np.full(72, np.inf)
    cost[0] = blocked[0, 0]
    back = np.zeros((len(amounts), 72), int)
    for i in range(1, len(amounts)):
        options = np.stack([np.roll(cost, j) + abs(j) * 0.0873 for j in jumps])  # from bin b - j
        pick = np.argmin(options, axis=0)
        back[i] = (np.arange(72) - jumps[pick]) % 72
        cost = options[pick, np.arange(72)] + blocked[i]
    path = [goal_bin]
    for i in range(len(amounts) - 1, 0, -1):
        path.append(back[i, path[-1]])
    turns = np.unwrap(np.deg2rad(5.0) * np.array(path[::-1]))
    turns += amounts * float(sk.wrap_angle(bins[goal_bin] - rest[1] - turns[-1]))  # exactly onto the goal bin
    others = sk.limb_angles(source)
    identity = np.array([[1.0, 0.0, 0.0], [0.0, 1.0, 0.0]])

    def pose(amount: float) -> np.ndarray:
        angles = dict(others)
        upper = rest[0] + amount * (upper_goal - rest[0])
        angles[f"{side}_arm"] = (upper, rest[1] + float(np.interp(amount, amounts, turns)))
        return sk.compose_pose(source, identity, 0.0, angles)

    return np.stack([pose(np.sin(np.pi * t / max(frames - 1, 1)) ** 2) for t in range(frames)])


PRESETS: dict[str, Preset] = {
    "wave": wave,
    "raise-arms": raise_arms,
    "clap": clap,
    "walk-in-place": walk_in_place,
    "sway": sway,
    "nod": nod,
    "shrug": shrug,
    "dance": dance,
}
