import numpy as np
import pytest

from toolkit.errors import InputError
from toolkit.motion.plan import MotionPlan
from toolkit.motion.primitives import MOTIONS, RegionGeometry, describe_motions
from toolkit.motion.prompt import DEFAULT_MOTION, parse_prompt
from toolkit.motion.timing import Timeline, ease_in_out

REQUIRED = ["sway", "wave", "flutter", "flow", "ripple", "swirl", "rise", "fall", "drift left", "drift right",
            "rotate", "spin", "zoom", "pulse", "bounce", "shake", "nod", "float"]


@pytest.fixture
def geometry(disc_mask):
    return RegionGeometry.from_mask(disc_mask)


@pytest.fixture
def points():
    g = np.linspace(70, 186, 9)
    return np.stack(np.meshgrid(g, g), -1).reshape(-1, 2)


def test_vocabulary_has_every_documented_motion_with_a_description():
    assert set(REQUIRED) <= set(MOTIONS)
    assert all(describe_motions()[name] for name in REQUIRED)


@pytest.mark.parametrize("name", REQUIRED)
def test_every_primitive_starts_at_rest_moves_and_is_deterministic(name, points, geometry):
    timeline = Timeline(40, 25.0)
    moves = MOTIONS[name](points, timeline, geometry, 1.0, np.random.default_rng(3))
    again = MOTIONS[name](points, timeline, geometry, 1.0, np.random.default_rng(3))
    assert moves.shape == (len(points), 40, 2)
    assert np.all(np.isfinite(moves))
    assert np.abs(moves[:, 0]).max() < 1e-9
    assert np.abs(moves).max() > 1.0
    assert np.array_equal(moves, again)


@pytest.mark.parametrize("name", REQUIRED)
def test_looped_primitives_lead_back_to_the_first_frame(name, points, geometry):
    timeline = Timeline(50, 25.0, loop=True)
    moves = MOTIONS[name](points, timeline, geometry, 1.0, np.random.default_rng(0))
    step = np.abs(np.diff(moves, axis=1)).max()
    wrap = np.abs(moves[:, -1] - moves[:, 0]).max()
    assert wrap <= 1.5 * step + 1e-6


@pytest.mark.parametrize("name", ["sway", "rise", "zoom", "ripple"])
def test_amount_scales_the_amplitude(name, points, geometry):
    timeline = Timeline(30, 25.0)
    small = MOTIONS[name](points, timeline, geometry, 0.5, np.random.default_rng(0))
    large = MOTIONS[name](points, timeline, geometry, 1.0, np.random.default_rng(0))
    assert np.abs(large).max() > 1.6 * np.abs(small).max()


def test_directional_motions_go_the_right_way(points, geometry):
    timeline = Timeline(20, 25.0)
    rng = np.random.default_rng(0)
    assert MOTIONS["rise"](points, timeline, geometry, 1, rng)[:, -1, 1].max() < -5
    assert MOTIONS["fall"](points, timeline, geometry, 1, rng)[:, -1, 1].min() > 5
    assert MOTIONS["drift left"](points, timeline, geometry, 1, rng)[:, -1, 0].max() < -5
    assert MOTIONS["drift right"](points, timeline, geometry, 1, rng)[:, -1, 0].min() > 5


def test_sway_keeps_the_base_still_and_moves_the_top(points, geometry):
    moves = MOTIONS["sway"](points, Timeline(50, 25.0), geometry, 1.0, np.random.default_rng(0))
    amplitude = np.abs(moves).max(axis=1).max(axis=1)
    base = points[:, 1] >= geometry.box[3]
    top = points[:, 1] <= geometry.box[1]
    assert amplitude[base].max() < 1e-6 and amplitude[top].min() > 2.0


def test_timeline_progress_and_whole_cycles():
    assert ease_in_out(np.array([0.0, 0.5, 1.0])).tolist() == pytest.approx([0, 0.5, 1])
    timeline = Timeline(48, 24.0)
    assert timeline.cycles(0.5) == 1 and timeline.cycles(3.0) == 6
    assert timeline.progress()[0] == 0 and timeline.progress()[-1] == pytest.approx(1)
    looped = Timeline(48, 24.0, loop=True).progress()
    assert looped[0] == 0 and looped.max() == pytest.approx(1) and looped[-1] < 0.01


@pytest.mark.parametrize("prompt, names", [
    (None, [DEFAULT_MOTION]),
    ("", [DEFAULT_MOTION]),
    ("sway", ["sway"]),
    ("Swaying gently", ["sway"]),
    ("rise and spin", ["rise", "spin"]),
    ("drift left", ["drift left"]),
    ("drifting", ["drift right"]),
    ("move right slowly", ["drift right"]),
    ("float up", ["float", "rise"]),
])
def test_parse_prompt_names(prompt, names):
    assert [r.name for r in parse_prompt(prompt)] == names


def test_parse_prompt_modifiers_scale_amount_and_speed():
    (request,) = parse_prompt("sway gently and slowly")
    assert request.amount == pytest.approx(0.5) and request.speed == pytest.approx(0.5)


def test_unknown_motion_word_lists_the_known_ones():
    with pytest.raises(InputError, match="unknown motion word 'wobble'.*sway"):
        parse_prompt("wobble")


def test_motion_plan_validates_shapes():
    regions = np.zeros((1, 8, 8), np.float32)
    plan = MotionPlan(np.zeros((3, 5, 2)), np.zeros(3, int), regions)
    assert plan.n_frames == 5 and plan.size == (8, 8)
    assert plan.displacements(4).shape == (3, 2)
    with pytest.raises(ValueError):
        MotionPlan(np.zeros((3, 5)), np.zeros(3, int), regions)
    with pytest.raises(ValueError):
        MotionPlan(np.zeros((3, 5, 2)), np.array([0, 0, 1]), regions)

