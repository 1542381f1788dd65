"""The rate learner: defaults, fits, dead time, confidence, outliers, forgetting, persistence."""

from datetime import UTC, datetime, timedelta
import json
import math

from hypothesis import HealthCheck, given, settings, strategies as st
import pytest

from custom_components.pyiot.core.thermostat import (
    LearningSettings,
    RateLearner,
    RunMeasurement,
    RunOutcome,
    ScheduleError,
    Side,
)
from custom_components.pyiot.core.thermostat.learning import MAX_RUNS, MIN_RUNS

T0 = datetime(2026, 1, 5, tzinfo=UTC)
POWER, TAU, DELAY = 6.0, 7.0, timedelta(minutes=8)
FAST = settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])


def run(rate, *, load=None, dead=timedelta(minutes=10), hours=0.0, side=Side.HEAT):
    return RunMeasurement(side=side, ended=T0 + timedelta(hours=hours), rate=rate, dead_time=dead, load=load)


def physical(load, hours, side=Side.HEAT):
    """A run of a heater of POWER °C/h in a room with time constant TAU, as the tracker measures it."""
    rate = POWER - load / TAU
    dead = DELAY * (1 + (load / TAU) / rate)  # the room loses heat while the heater warms up
    return run(rate, load=load, dead=dead, hours=hours, side=side)


def trained(count=12, side=Side.HEAT):
    learner = RateLearner()
    for index in range(count):
        assert (
            learner.add_run(physical(8 + (index * 7) % 17, hours=12 * index, side=side))
            is RunOutcome.ACCEPTED
        )
    return learner


def test_defaults_until_enough_runs():
    learner = RateLearner()
    estimate = learner.estimate(Side.HEAT, indoor=19, outdoor=0)
    assert (estimate.rate, estimate.dead_time, estimate.delay) == (
        1.0,
        timedelta(minutes=10),
        timedelta(minutes=10),
    )
    assert (estimate.confidence, estimate.runs, estimate.learned) == (0.0, 0, False)
    for index in range(MIN_RUNS - 1):
        learner.add_run(run(3.0, hours=index))
    assert learner.estimate(Side.HEAT).rate == 1.0
    assert learner.runs(Side.HEAT) == MIN_RUNS - 1
    learner.add_run(run(3.0, hours=5))
    estimate = learner.estimate(Side.HEAT)
    assert estimate.learned
    assert estimate.rate == pytest.approx(3.0)
    assert 0 < estimate.confidence < 1
    assert learner.estimate(Side.COOL).learned is False  # each side learns on its own


def test_custom_defaults_and_settings_validation():
    learner = RateLearner(LearningSettings(default_rate=0.5, default_dead_time=timedelta(minutes=30)))
    assert learner.estimate(Side.COOL).rate == 0.5
    assert learner.settings.default_dead_time == timedelta(minutes=30)
    for kwargs in (
        {"default_rate": 0.0},
        {"default_rate": math.nan},
        {"default_rate": True},
        {"default_dead_time": timedelta(hours=3)},
        {"default_dead_time": 600},
        {"half_life": timedelta(minutes=5)},
        {"min_gap": 0.1},
        {"min_gap": "1"},
    ):
        with pytest.raises(ScheduleError) as err:
            LearningSettings(**kwargs)
        assert err.value.translation_key == "invalid_setting"


def test_rate_follows_the_outdoor_temperature():
    learner = trained()
    for outdoor in (-5.0, 0.0, 5.0, 10.0):
        expected = POWER - (19 - outdoor) / TAU
        assert learner.estimate(Side.HEAT, indoor=19, outdoor=outdoor).rate == pytest.approx(
            expected, rel=0.02
        )
    # Without an outdoor temperature the typical (median-like) rate is used.
    level = learner.estimate(Side.HEAT, indoor=19).rate
    assert POWER - 24 / TAU < level < POWER - 8 / TAU
    assert learner.estimate(Side.HEAT, indoor=None, outdoor=3).rate == level
    assert learner.estimate(Side.HEAT, indoor=math.nan, outdoor=3).rate == level


def test_dead_time_is_split_into_equipment_delay_and_room_losses():
    learner = trained()
    cold = learner.estimate(Side.HEAT, indoor=19, outdoor=-5)
    mild = learner.estimate(Side.HEAT, indoor=19, outdoor=10)
    assert cold.delay == mild.delay
    assert cold.delay.total_seconds() == pytest.approx(DELAY.total_seconds(), rel=0.03)
    # The colder it is, the longer the room takes to get back to where it started.
    assert cold.dead_time > mild.dead_time > cold.delay
    expected = DELAY * (1 + (24 / TAU) / (POWER - 24 / TAU))
    assert cold.dead_time.total_seconds() == pytest.approx(expected.total_seconds(), rel=0.05)


def test_extrapolation_is_bounded():
    learner = trained()
    far = learner.estimate(Side.HEAT, indoor=21, outdoor=-60)
    edge = learner.estimate(Side.HEAT, indoor=21, outdoor=21 - 29.9)  # 5 °C beyond the loads seen
    assert far.rate == pytest.approx(edge.rate, rel=0.01)
    assert far.rate > 0
    assert far.dead_time <= timedelta(hours=2)


def test_slope_is_never_positive_and_needs_spread():
    learner = RateLearner()
    for index in range(8):  # faster when colder: not physical, so the rate does not depend on the load
        learner.add_run(run(2.0 + index * 0.1, load=10 + index, hours=index))
    assert learner.estimate(Side.HEAT, indoor=20, outdoor=0).rate == learner.estimate(Side.HEAT).rate
    same_load = RateLearner()
    for index in range(8):
        same_load.add_run(run(3.0 + 0.1 * (index % 2), load=15.0, hours=index))
    estimate = same_load.estimate(Side.HEAT, indoor=45, outdoor=0)  # no spread: no slope to speak of
    assert estimate.rate == pytest.approx(3.05, abs=0.06)


def test_cooling_load_is_outdoor_minus_indoor():
    learner = trained(side=Side.COOL)
    hot = learner.estimate(Side.COOL, indoor=25, outdoor=45)
    mild = learner.estimate(Side.COOL, indoor=25, outdoor=30)
    assert hot.rate < mild.rate
    assert mild.rate == pytest.approx(POWER - 5 / TAU, rel=0.05)


def test_confidence_grows_with_runs_and_falls_with_dispersion():
    few, many = trained(4), trained(20)
    assert 0 < few.estimate(Side.HEAT).confidence < many.estimate(Side.HEAT).confidence <= 1
    noisy = RateLearner()
    for index in range(20):
        noisy.add_run(run(3.0 * (1 + 0.25 * (-1) ** index), hours=index))
    steady = RateLearner()
    for index in range(20):
        steady.add_run(run(3.0, hours=index))
    assert noisy.estimate(Side.HEAT).confidence < 0.5 < steady.estimate(Side.HEAT).confidence


def test_outliers_are_rejected_and_do_not_move_the_estimate():
    learner = trained()
    before = learner.estimate(Side.HEAT, indoor=19, outdoor=0)
    window_open = physical(19, hours=500)
    slow = run(window_open.rate * 0.4, load=19, hours=500)
    assert learner.add_run(slow) is RunOutcome.OUTLIER
    assert learner.last_outcome(Side.HEAT) is RunOutcome.OUTLIER
    assert learner.estimate(Side.HEAT, indoor=19, outdoor=0) == before
    assert learner.add_run(run(window_open.rate * 1.2, load=19, hours=501)) is RunOutcome.ACCEPTED
    assert learner.runs(Side.HEAT) == 13


def test_consistent_outliers_mean_the_equipment_changed():
    learner = trained()
    bigger = [
        run((2 * POWER - 19 / TAU) * factor, load=19, hours=600 + i)
        for i, factor in enumerate((1, 1.02, 0.98))
    ]
    assert [learner.add_run(item) for item in bigger] == [
        RunOutcome.OUTLIER,
        RunOutcome.OUTLIER,
        RunOutcome.ACCEPTED,
    ]
    assert learner.runs(Side.HEAT) == 3  # relearning from the new equipment
    assert learner.estimate(Side.HEAT, indoor=19, outdoor=0).rate == pytest.approx(
        2 * POWER - 19 / TAU, rel=0.03
    )


def test_outliers_that_disagree_or_are_interrupted_by_a_good_run_stay_outliers():
    learner = trained()
    typical = POWER - 19 / TAU
    mixed = [run(typical * 2, load=19, hours=600), run(typical * 0.3, load=19, hours=601)]
    mixed.append(run(typical * 2, load=19, hours=602))
    assert [learner.add_run(item) for item in mixed] == [RunOutcome.OUTLIER] * 3
    spread = [run(typical * factor, load=19, hours=610 + i) for i, factor in enumerate((2, 3, 2))]
    assert [learner.add_run(item) for item in spread] == [RunOutcome.OUTLIER] * 3
    learner.add_run(run(typical * 2, load=19, hours=620))
    learner.add_run(run(typical, load=19, hours=621))  # accepted: the outlier streak is over
    learner.add_run(run(typical * 2, load=19, hours=622))
    assert learner.add_run(run(typical * 2, load=19, hours=623)) is RunOutcome.OUTLIER
    assert learner.runs(Side.HEAT) == 13


@pytest.mark.parametrize(
    "bad",
    [
        run(math.nan),
        run(math.inf),
        run(0.05),
        run(25.0),
        run(True),
        run(3.0, dead=timedelta(hours=3)),
        run(3.0, dead=timedelta(minutes=-1)),
        run(3.0, load=math.nan),
        run(3.0, load=500.0),
        run(3.0, load=True),
    ],
)
def test_absurd_runs_are_out_of_bounds(bad):
    learner = RateLearner()
    assert learner.add_run(bad) is RunOutcome.OUT_OF_BOUNDS
    assert learner.runs(Side.HEAT) == 0


def test_a_run_from_the_past_is_refused():
    learner = RateLearner()
    learner.add_run(run(3.0, hours=10))
    assert learner.add_run(run(3.0, hours=5)) is RunOutcome.OUT_OF_BOUNDS
    naive = datetime(2026, 1, 1)  # noqa: DTZ001 - deliberately without a time zone
    with pytest.raises(ScheduleError):
        learner.add_run(RunMeasurement(side=Side.HEAT, ended=naive, rate=3.0, dead_time=None, load=None))


def test_recent_runs_weigh_more_and_old_ones_are_forgotten():
    learner = RateLearner(LearningSettings(half_life=timedelta(days=1)))
    for index in range(6):
        learner.add_run(run(3.0, hours=24 * index))
    for index in range(6):  # a season later: within the gate, so accepted, and they dominate
        learner.add_run(run(3.9, hours=24 * (20 + index)))
    assert learner.estimate(Side.HEAT).rate == pytest.approx(3.9, abs=0.01)
    assert learner.runs(Side.HEAT) == 6  # the old ones weigh less than 1/1000: dropped


def test_at_most_max_runs_are_kept():
    learner = RateLearner()
    for index in range(MAX_RUNS + 10):
        learner.add_run(run(3.0, hours=index))
    assert learner.runs(Side.HEAT) == MAX_RUNS


def test_dead_time_needs_enough_cold_starts():
    learner = RateLearner()
    for index in range(5):
        learner.add_run(run(3.0, dead=None if index else timedelta(minutes=20), hours=index))
    assert learner.estimate(Side.HEAT).dead_time == timedelta(minutes=10)  # default: only one measured
    odd = RateLearner()
    for index in range(
        8
    ):  # a rate far above the equipment's own power at zero load: keep the measured dead time
        odd.add_run(run(3.0 + index * 0.01, load=-40.0 + index * 5, dead=timedelta(minutes=12), hours=index))
    assert odd.estimate(Side.HEAT).delay > timedelta()


def test_note_reset_and_last_outcome():
    learner = trained()
    learner.note(Side.HEAT, RunOutcome.DROPOUT)
    assert learner.last_outcome(Side.HEAT) is RunOutcome.DROPOUT
    assert learner.last_outcome(Side.COOL) is None
    learner.reset(Side.COOL)
    assert learner.runs(Side.HEAT) == 12
    learner.reset()
    assert learner.runs(Side.HEAT) == 0
    assert not learner.estimate(Side.HEAT).learned


def test_round_trip_through_json():
    learner = trained()
    learner.add_run(run(1.0, load=19, dead=None, hours=500))  # an outlier, kept aside
    data = json.loads(json.dumps(learner.to_dict()))
    restored = RateLearner.from_dict(data)
    assert restored.to_dict() == learner.to_dict()
    for outdoor in (-5, 5, None):
        assert restored.estimate(Side.HEAT, indoor=19, outdoor=outdoor) == learner.estimate(
            Side.HEAT, indoor=19, outdoor=outdoor
        )
    assert RateLearner.from_dict(RateLearner().to_dict()).runs(Side.HEAT) == 0
    custom = LearningSettings(default_rate=2.0)
    assert RateLearner.from_dict(RateLearner().to_dict(), custom).estimate(Side.COOL).rate == 2.0


def valid_data():
    return trained(5).to_dict()


def mutate(data, path, value):
    data = json.loads(json.dumps(data))
    target = data
    for key in path[:-1]:
        target = target[key]
    target[path[-1]] = value
    return data


@pytest.mark.parametrize(
    "junk",
    [
        None,
        [],
        {},
        {"version": 2, "heat": {}, "cool": {}},
        mutate(valid_data(), ["heat"], None),
        mutate(valid_data(), ["heat", "runs"], {}),
        mutate(valid_data(), ["heat", "runs", 0], "run"),
        mutate(valid_data(), ["heat", "runs", 0, "extra"], 1),
        mutate(valid_data(), ["heat", "runs", 0, "rate"], -1.0),
        mutate(valid_data(), ["heat", "runs", 0, "rate"], "3"),
        mutate(valid_data(), ["heat", "runs", 0, "dead_time"], "600"),
        mutate(valid_data(), ["heat", "runs", 0, "dead_time"], 1e300),
        mutate(valid_data(), ["heat", "runs", 0, "ended"], 1234),
        mutate(valid_data(), ["heat", "runs", 0, "ended"], "yesterday"),
        mutate(valid_data(), ["heat", "runs", 0, "ended"], "2026-01-05T00:00:00"),
        mutate(valid_data(), ["heat", "runs", 0, "ended"], "2027-01-05T00:00:00+00:00"),
        mutate(valid_data(), ["heat", "runs", 0, "load"], "12"),
        mutate(valid_data(), ["cool", "quarantine"], None),
    ],
)
def test_junk_is_refused_with_schedule_error(junk):
    with pytest.raises(ScheduleError):
        RateLearner.from_dict(junk)


json_values = st.recursive(
    st.none() | st.booleans() | st.floats(allow_nan=True) | st.integers() | st.text(max_size=12),
    lambda children: (
        st.lists(children, max_size=4) | st.dictionaries(st.text(max_size=8), children, max_size=4)
    ),
    max_leaves=12,
)
run_keys = st.sampled_from(["ended", "rate", "dead_time", "load", "other"])


@st.composite
def damaged(draw):
    data = valid_data()
    side = draw(st.sampled_from(["heat", "cool"]))
    part = draw(st.sampled_from(["runs", "quarantine"]))
    items = data[side][part]
    if items and draw(st.booleans()):
        item = items[draw(st.integers(0, len(items) - 1))]
        item[draw(run_keys)] = draw(json_values)
    else:
        data[side][part] = draw(json_values)
    return data


@FAST
@given(st.one_of(json_values, damaged()))
def test_from_dict_raises_schedule_error_only(data):
    try:
        learner = RateLearner.from_dict(data)
    except ScheduleError:
        return
    estimate = learner.estimate(Side.HEAT, indoor=19, outdoor=0)
    assert math.isfinite(estimate.rate)
    assert estimate.rate > 0


measurements = st.builds(
    lambda rate, load, dead, gap, side: (rate, load, dead, gap, side),
    st.floats(allow_nan=True, allow_infinity=True),
    st.none() | st.floats(allow_nan=True, allow_infinity=True),
    st.none() | st.floats(min_value=-1e6, max_value=1e6),
    st.floats(min_value=0, max_value=24 * 400),
    st.sampled_from(list(Side)),
)


@FAST
@given(
    st.lists(measurements, max_size=40),
    st.none() | st.floats(allow_nan=True, allow_infinity=True),
    st.none() | st.floats(allow_nan=True, allow_infinity=True),
)
def test_estimates_are_always_finite_and_positive(items, indoor, outdoor):
    learner = RateLearner()
    moment = 0.0
    for rate, load, dead, gap, side in items:
        moment += gap
        dead_time = None if dead is None else timedelta(seconds=dead)
        outcome = learner.add_run(run(rate, load=load, dead=dead_time, hours=moment, side=side))
        assert isinstance(outcome, RunOutcome)
    for side in Side:
        estimate = learner.estimate(side, indoor=indoor, outdoor=outdoor)
        assert math.isfinite(estimate.rate)
        assert 0 < estimate.rate <= 20
        assert timedelta() <= estimate.dead_time <= timedelta(hours=2)
        assert timedelta() <= estimate.delay <= timedelta(hours=2)
        assert 0 <= estimate.confidence <= 1
    assert RateLearner.from_dict(json.loads(json.dumps(learner.to_dict()))).to_dict() == learner.to_dict()
