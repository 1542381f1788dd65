# ruff: noqa: DTZ001 - naive datetimes here are deliberate wall-clock times
from datetime import UTC, datetime, timedelta
import math

from hypothesis import given, settings, strategies as st
import pytest

from custom_components.pyiot.core.thermostat import (
    Aggregate,
    AggregateMethod,
    DropReason,
    Reading,
    ScheduleError,
    aggregate,
)

NOW = datetime(2026, 1, 5, 12, tzinfo=UTC)
STALE = timedelta(minutes=30)


def fresh(value, age=timedelta(minutes=1)):
    return Reading(value=value, updated=NOW - age)


def run(readings, weights, method=AggregateMethod.WEIGHTED_MEAN, **kwargs):
    return aggregate(readings, weights, method, now=NOW, stale_after=STALE, **kwargs)


def test_weighted_mean_and_contributions():
    result = run({"a": fresh(20.0), "b": fresh("22"), "c": fresh(30)}, {"a": 1, "b": 3})
    assert result.value == pytest.approx(21.5)
    assert result.contributions == {"a": 0.25, "b": 0.75}
    assert result.dropped == {}
    assert result.valid_until == NOW - timedelta(minutes=1) + STALE


@pytest.mark.parametrize(
    ("reading", "reason"),
    [
        (None, DropReason.MISSING),
        (fresh(None), DropReason.UNAVAILABLE),
        (fresh("unavailable"), DropReason.UNAVAILABLE),
        (fresh("Unknown"), DropReason.UNAVAILABLE),
        (fresh(""), DropReason.UNAVAILABLE),
        (fresh("warm"), DropReason.NON_NUMERIC),
        (fresh(True), DropReason.NON_NUMERIC),
        (fresh([20]), DropReason.NON_NUMERIC),
        (fresh(math.nan), DropReason.NOT_FINITE),
        (fresh("inf"), DropReason.NOT_FINITE),
        (fresh(1e9), DropReason.OUT_OF_BOUNDS),
        (fresh(-60), DropReason.OUT_OF_BOUNDS),
        (fresh(20, age=STALE + timedelta(seconds=1)), DropReason.STALE),
    ],
)
def test_dropped_sensors_are_reweighted_away(reading, reason):
    readings = {"good": fresh(21.0)} | ({"bad": reading} if reading is not None else {})
    result = run(readings, {"good": 1, "bad": 5})
    assert result.value == 21.0
    assert result.contributions == {"good": 1.0}
    assert result.dropped == {"bad": reason}


def test_reading_exactly_at_the_staleness_limit_is_still_used():
    assert run({"a": fresh(20.0, age=STALE)}, {"a": 1}).value == 20.0


def test_every_sensor_dropped_gives_no_value():
    result = run({"a": fresh("unavailable")}, {"a": 1, "b": 1})
    assert result == Aggregate(value=None, dropped={"a": DropReason.UNAVAILABLE, "b": DropReason.MISSING})


def test_median_min_max():
    readings = {"a": fresh(19.0), "b": fresh(20.0), "c": fresh(24.0)}
    weights = {"a": 1, "b": 1, "c": 1}
    median = run(readings, weights, AggregateMethod.MEDIAN)
    assert (median.value, median.contributions) == (20.0, {"a": 0.0, "b": 1.0, "c": 0.0})
    even = run(readings | {"d": fresh(21.0)}, weights | {"d": 1}, AggregateMethod.MEDIAN)
    assert (even.value, even.contributions) == (20.5, {"a": 0.0, "b": 0.5, "c": 0.0, "d": 0.5})
    heavy = run(readings, {"a": 1, "b": 1, "c": 5}, AggregateMethod.MEDIAN)
    assert heavy.value == 24.0
    assert run(readings, weights, AggregateMethod.MIN).value == 19.0
    assert run(readings, weights, "min").value == 19.0
    tie = run(readings | {"d": fresh(24.0)}, weights | {"d": 1}, "max")
    assert (tie.value, tie.contributions) == (24.0, {"a": 0.0, "b": 0.0, "c": 0.5, "d": 0.5})


def test_custom_bounds_and_validation():
    assert run({"a": fresh(120.0)}, {"a": 1}, bounds=(0.0, 150.0)).value == 120.0
    with pytest.raises(ScheduleError):
        run({"a": fresh(20.0)}, {"a": 1}, bounds=(10.0, 5.0))
    with pytest.raises(ScheduleError):
        run({"a": fresh(20.0)}, {"a": 0})
    with pytest.raises(ScheduleError):
        run({"a": fresh(20.0)}, {})
    with pytest.raises(ScheduleError):
        Reading(value=20.0, updated=datetime(2026, 1, 1))  # naive
    with pytest.raises(ScheduleError):
        aggregate({}, {"a": 1}, now=datetime(2026, 1, 1), stale_after=STALE)


def test_huge_weights_stay_finite():
    result = run({"a": fresh(20.0), "b": fresh(22.0)}, {"a": 1e308, "b": 1e308})
    assert result.value == pytest.approx(21.0)


raw_values = (
    st.floats(allow_nan=True, allow_infinity=True)
    | st.floats(-60, 110)
    | st.sampled_from(["unavailable", "unknown", "x", "21.5", "nan", None])
)


@settings(max_examples=400, deadline=None)
@given(
    readings=st.dictionaries(
        st.sampled_from("abcdef"), st.tuples(raw_values, st.integers(0, 3600)), max_size=6
    ),
    weights=st.dictionaries(st.sampled_from("abcdefg"), st.floats(1e-6, 1e6), min_size=1, max_size=7),
    method=st.sampled_from(AggregateMethod),
)
def test_aggregate_is_finite_and_within_the_accepted_values(readings, weights, method):
    given_readings = {
        key: Reading(value=value, updated=NOW - timedelta(seconds=age))
        for key, (value, age) in readings.items()
    }
    result = run(given_readings, weights, method)
    assert set(result.contributions) | set(result.dropped) == set(weights)
    assert not set(result.contributions) & set(result.dropped)
    if result.value is None:
        assert not result.contributions
        return
    assert math.isfinite(result.value)
    accepted = [float(given_readings[key].value) for key in result.contributions]
    assert min(accepted) <= result.value <= max(accepted)
    assert all(-50 <= value <= 100 for value in accepted)
    assert math.fsum(result.contributions.values()) == pytest.approx(1.0)
