"""Run detection and measurement: what counts as a run, what voids it, what it measures."""

from dataclasses import replace
from datetime import UTC, datetime, timedelta
import math

from hypothesis import HealthCheck, given, settings, strategies as st
import pytest

from custom_components.pyiot.core.thermostat import HvacMode, RunMeasurement, RunOutcome, Side
from custom_components.pyiot.core.thermostat.run_tracker import RunTracker, SideObservation

T0 = datetime(2026, 1, 5, 5, tzinfo=UTC)
SENSORS = frozenset({"living"})


def seen(minutes, temperature, *, on=True, setpoint=21.0, **changes):
    base = SideObservation(
        now=T0 + timedelta(minutes=minutes),
        mode=HvacMode.HEAT,
        temperature=temperature,
        outdoor=1.0,
        setpoint=setpoint,
        sensors=SENSORS,
        relays=(on,),
        wanted=on,
        active=on,
        failed=False,
    )
    return replace(base, **changes)


def trajectory(minute, *, start=17.0, dead=10, rate=3.0, loss=1.5):
    """Falls at `loss` °C/h during the dead time, then rises at `rate` °C/h."""
    if minute <= dead:
        return start - loss * minute / 60
    return start - loss * dead / 60 + rate * (minute - dead) / 60


def feed(tracker, observations):
    results = [tracker.update(item) for item in observations]
    finished = [result for result in results if result is not None]
    assert len(finished) <= 1
    return finished[0] if finished else None


def heating_run(minutes=90, **kwargs):
    steps = [seen(-1, 17.0, on=False)]
    steps += [seen(minute, trajectory(minute, **kwargs)) for minute in range(minutes + 1)]
    return steps


def test_a_cold_run_measures_rate_dead_time_and_load():
    tracker = RunTracker(Side.HEAT, min_gap=1.0)
    result = feed(tracker, heating_run(minutes=95))  # 16.75 + 3 °C/h * 85 min reaches 21 at 95
    assert isinstance(result, RunMeasurement)
    assert result.side is Side.HEAT
    assert result.ended == T0 + timedelta(minutes=95)
    assert result.rate == pytest.approx(3.0, rel=1e-6)
    # The line crosses 17.0 once the 0.25 °C lost during the dead time is made up: 10 + 5 minutes.
    assert result.dead_time.total_seconds() == pytest.approx(15 * 60, abs=1)
    assert result.load == pytest.approx((17.0 + (21.0 - 17.0) / 2 + 0.1) - 1.0, abs=0.3)
    assert not tracker.running


def test_a_cooling_run_is_mirrored():
    tracker = RunTracker(Side.COOL, min_gap=1.0)
    steps = [seen(-1, 27.0, on=False, setpoint=24.0, mode=HvacMode.COOL)]
    steps += [seen(m, 27.0 - 2.0 * max(m - 6, 0) / 60, setpoint=24.0, mode=HvacMode.COOL) for m in range(100)]
    result = feed(tracker, steps)
    assert isinstance(result, RunMeasurement)
    assert result.rate == pytest.approx(2.0)
    assert result.dead_time.total_seconds() == pytest.approx(6 * 60, abs=1)
    assert result.load == pytest.approx(1.0 - 25.5, abs=0.3)


def test_runs_need_a_switch_on_or_a_new_setpoint_far_enough_from_the_temperature():
    tracker = RunTracker(Side.HEAT, min_gap=1.0)
    # A maintenance cycle starting in the deadband is no run, even when it sags 1 °C during its dead time.
    tracker.update(seen(0, 20.7, on=False))
    tracker.update(seen(1, 20.6))
    assert not tracker.running
    tracker.update(seen(10, 19.9))
    assert not tracker.running
    # A setpoint jump while running starts a warm run: no dead time to measure.
    tracker.update(seen(11, 19.9, setpoint=23.0))
    assert tracker.running
    result = feed(tracker, [seen(11 + m, 19.9 + 3.0 * m / 60, setpoint=23.0) for m in range(1, 70)])
    assert isinstance(result, RunMeasurement)
    assert result.dead_time is None
    # Equipment found running at start-up has an unknown history: warm too.
    fresh = RunTracker(Side.HEAT, min_gap=1.0)
    result = feed(fresh, [seen(m, 17.0 + 3.0 * m / 60) for m in range(90)])
    assert isinstance(result, RunMeasurement)
    assert result.dead_time is None


def test_on_since_follows_the_relays():
    tracker = RunTracker(Side.HEAT, min_gap=1.0)
    tracker.update(seen(0, 20.0, on=False))
    assert tracker.on_since is None
    tracker.update(seen(1, 20.0))
    tracker.update(seen(2, 20.0))
    assert tracker.on_since == T0 + timedelta(minutes=1)
    tracker.update(seen(3, 20.0, relays=(True, False)))
    assert tracker.on_since is None  # not all of them


@pytest.mark.parametrize(
    ("change", "outcome"),
    [
        ({"mode": HvacMode.HEAT_COOL}, RunOutcome.INTERRUPTED),
        ({"relays": (None,)}, RunOutcome.INTERRUPTED),
        ({"failed": True}, RunOutcome.INTERRUPTED),
        ({"setpoint": None}, RunOutcome.INTERRUPTED),
        ({"temperature": None}, RunOutcome.DROPOUT),
        ({"sensors": frozenset({"living", "hall"})}, RunOutcome.DROPOUT),
    ],
)
def test_a_run_is_voided_by(change, outcome):
    tracker = RunTracker(Side.HEAT, min_gap=1.0)
    steps = heating_run(minutes=30)
    steps.append(replace(seen(31, trajectory(31)), **change))
    assert feed(tracker, steps) is outcome
    assert not tracker.running


def test_equipment_kept_off_while_wanted_voids_the_run():
    tracker = RunTracker(Side.HEAT, min_gap=1.0)
    steps = heating_run(minutes=30)
    steps += [seen(30 + m, trajectory(30), on=False, wanted=True, active=True) for m in range(1, 3)]
    steps.append(seen(33, trajectory(33)))  # a command on its way: fine
    steps += [seen(33 + m, trajectory(33), on=False, wanted=True, active=True) for m in range(1, 6)]
    assert feed(tracker, steps) is RunOutcome.INTERRUPTED


def test_duty_cycle_pauses_belong_to_the_run():
    tracker = RunTracker(Side.HEAT, min_gap=1.0)
    steps = [seen(-1, 17.0, on=False)]
    temperature = 17.0
    for minute in range(200):
        on = minute % 10 < 7
        temperature += (3.0 if on and minute >= 5 else -1.0) / 60
        steps.append(seen(minute, temperature, on=on, wanted=on, active=True))
    result = feed(tracker, steps)
    assert isinstance(result, RunMeasurement)
    assert result.rate == pytest.approx(0.7 * 3.0 - 0.3 * 1.0, rel=0.1)


def test_a_run_ends_when_the_algorithm_lets_go_or_after_six_hours():
    tracker = RunTracker(Side.HEAT, min_gap=1.0)
    steps = heating_run(minutes=40)
    steps.append(seen(41, trajectory(41), on=False, wanted=False, active=False))  # e.g. a preset
    assert isinstance(feed(tracker, steps), RunMeasurement)
    slow = RunTracker(Side.HEAT, min_gap=1.0)
    steps = [seen(-1, 10.0, on=False)] + [seen(m, 10.0 + 0.5 * m / 60) for m in range(0, 400, 5)]
    result = feed(slow, steps)
    assert isinstance(result, RunMeasurement)
    assert result.ended == T0 + timedelta(hours=6)


def test_samples_are_spaced_and_outdoor_may_be_missing():
    tracker = RunTracker(Side.HEAT, min_gap=1.0)
    steps = [seen(-1, 17.0, on=False)]
    steps += [seen(s / 6, 17.0 + 3.0 * max(s / 6 - 5, 0) / 60, outdoor=None) for s in range(6 * 90)]
    result = feed(tracker, steps)
    assert isinstance(result, RunMeasurement)
    assert result.load is None
    assert result.rate == pytest.approx(3.0, rel=0.01)


@pytest.mark.parametrize(
    ("steps", "outcome"),
    [
        # Temperature falls while heating (window wide open).
        (
            [seen(m, 17.0 - m / 60) for m in range(60)]
            + [seen(60, 16.0, on=False, wanted=False, active=False)],
            "no_rise",
        ),
        # Rises only after more than two hours.
        (
            [seen(m, 17.0 if m < 130 else 17.0 + (m - 130) / 60) for m in range(200)]
            + [seen(200, 18.2, on=False, wanted=False, active=False)],
            "no_rise",
        ),
        # Too short to measure.
        (
            [seen(m, 17.0 + 3.0 * max(m - 2, 0) / 60) for m in range(12)]
            + [seen(12, 17.5, on=False, wanted=False, active=False)],
            "too_short",
        ),
        # Rises 0.1 °C then falls back.
        (
            [seen(m, 17.0 if m < 10 else 17.15 - 0.3 * (m - 10) / 60) for m in range(60)]
            + [seen(60, 16.9, on=False, wanted=False, active=False)],
            "no_rise",
        ),
        # Barely moves: 0.2 °C over the measured part.
        (
            [seen(m, 17.0 + 0.3 * m / 60) for m in range(40)]
            + [seen(40, 17.2, on=False, wanted=False, active=False)],
            "too_short",
        ),
        # The rate collapses halfway: a window opened.
        (
            [seen(m, trajectory(m) if m < 40 else trajectory(40) + 0.3 * (m - 40) / 60) for m in range(80)]
            + [seen(80, 18.6, on=False, wanted=False, active=False)],
            "unsteady",
        ),
        # Or surges halfway: a window closed.
        (
            [seen(m, 17.0 + 0.4 * m / 60 if m < 40 else 17.27 + 3.0 * (m - 40) / 60) for m in range(80)]
            + [seen(80, 19.3, on=False, wanted=False, active=False)],
            "unsteady",
        ),
    ],
)
def test_unusable_runs_are_rejected(steps, outcome):
    tracker = RunTracker(Side.HEAT, min_gap=1.0)
    assert feed(tracker, [seen(-1, 17.0, on=False), *steps]) == RunOutcome(outcome)


def test_short_halves_skip_the_steadiness_check():
    tracker = RunTracker(Side.HEAT, min_gap=1.0)
    steps = [seen(-1, 17.0, on=False)] + [seen(m * 3, 17.0 + 3.0 * max(m * 3 - 3, 0) / 60) for m in range(8)]
    steps.append(seen(22, 18.0, on=False, wanted=False, active=False))
    result = feed(tracker, steps)
    assert isinstance(result, RunMeasurement)


temperatures = st.none() | st.floats(min_value=-20, max_value=40)
observations = st.builds(
    lambda gap, temperature, on, wanted, setpoint, outdoor: (gap, temperature, on, wanted, setpoint, outdoor),
    st.floats(min_value=1, max_value=900),
    temperatures,
    st.sampled_from([True, False, None]),
    st.booleans(),
    st.none() | st.sampled_from([16.0, 19.0, 21.0]),
    temperatures,
)


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.lists(observations, max_size=80), st.sampled_from(list(Side)))
def test_any_sequence_gives_finite_measurements_or_reasons(items, side):
    tracker = RunTracker(side, min_gap=1.0)
    moment = T0
    for gap, temperature, on, wanted, setpoint, outdoor in items:
        moment += timedelta(seconds=gap)
        result = tracker.update(
            SideObservation(
                now=moment,
                mode=HvacMode.HEAT_COOL,
                temperature=temperature,
                outdoor=outdoor,
                setpoint=setpoint,
                sensors=SENSORS,
                relays=(on,),
                wanted=wanted,
                active=wanted,
                failed=False,
            )
        )
        if isinstance(result, RunMeasurement):
            assert math.isfinite(result.rate)
            assert result.rate > 0
            assert result.dead_time is None or timedelta() <= result.dead_time <= timedelta(hours=2)
            assert result.load is None or math.isfinite(result.load)
        else:
            assert result is None or isinstance(result, RunOutcome)
