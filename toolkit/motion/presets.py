"""Preset body motions for pose mode: each turns the source pose into a loopable sequence.

A preset is a pure function (source (33, 2), timeline) -> (T, 33, 2) target joints built with
`skeleton.compose_pose`: it eases the animated limbs from the source's own angles towards
the preset's and back, so the first frame is the source and the clip loops.
"""

from __future__ import annotations

from typing import Callable

import numpy as np

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


def raise_one_arm(source: np.ndarray, side: str, frames: int, size: tuple[int, int]) -> np.ndarray:
    """(T, 33, 2): the arm on `side` straightens and swings out and up overhead, then back down.

    Overhead is both bones pointing up and 20 degrees outward.  The forearm leads (the elbow
    bends on the way up, as people raise an arm), and where the photo has no room the swing
    stops before the hand would come within 4% of an edge.
    """
    outward = 0.0 if (side == "left") == (source[sk.LEFT_SHOULDER, 0] >= source[sk.RIGHT_SHOULDER, 0]) else np.pi
    overhead = float(sk.wrap_angle(-np.pi / 2 + np.deg2rad(20) * (1 if outward == 0.0 else -1)))
    rest = sk.limb_angles(source)[f"{side}_arm"]
    turns = []
    for angle in rest:
        turn = float(sk.wrap_angle(overhead - angle))
        if abs(float(sk.wrap_angle(angle + turn / 2 - outward))) > np.pi / 2:  # up through the side
            turn -= np.sign(turn) * 2 * np.pi
        turns.append(turn)
    others = sk.limb_angles(source)

    def pose(amount: float) -> np.ndarray:
        angles = dict(others)
        angles[f"{side}_arm"] = (rest[0] + amount * turns[0], rest[1] + min(1.0, 1.6 * amount) * turns[1])
        identity = np.array([[1.0, 0.0, 0.0], [0.0, 1.0, 0.0]])
        return sk.compose_pose(source, identity, 0.0, angles)

    width, height = size
    wrist = sk.CHAINS[f"{side}_arm"][2]

    def inside(reach: float) -> bool:
        path = np.stack([pose(a)[wrist] for a in np.linspace(0, reach, 25)])
        return bool((path[:, 1] >= 0.04 * height).all() and (path[:, 0] >= 0.04 * width).all()
                    and (path[:, 0] <= 0.96 * width).all())

    reach = 1.0
    while reach > 0.3 and not inside(reach):
        reach -= 0.02
    return np.stack([pose(reach * np.sin(np.pi * t / (frames - 1)) ** 2) for t in range(frames)])


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
