# ruff: noqa: DTZ001 - naive datetimes here are deliberate wall-clock times
from datetime import UTC, datetime, timedelta
import math

import pytest

from custom_components.pyiot.core.thermostat import (
    ALGORITHMS,
    Demand,
    HvacMode,
    Hysteresis,
    ParameterSpec,
    Pid,
    ScheduleError,
    Target,
    Tpi,
    create_algorithm,
)

T0 = datetime(2026, 1, 5, 8, tzinfo=UTC)
HEAT = Target(heat=20)
COOL = Target(cool=24)
RANGE = Target(heat=20, cool=24)


def minutes(value):
    return T0 + timedelta(minutes=value)


# --- shared mode rules ------------------------------------------------------------------------------


@pytest.mark.parametrize("name", sorted(ALGORITHMS))
def test_off_never_asks_for_anything(name):
    algorithm = create_algorithm(name)
    assert algorithm.decide(T0, HvacMode.HEAT, 10.0, HEAT, 0.0).heat
    assert algorithm.decide(T0, HvacMode.OFF, 10.0, HEAT, 0.0) == Demand()


@pytest.mark.parametrize("name", sorted(ALGORITHMS))
def test_heat_cool_heats_below_cools_above_and_rests_in_the_deadband(name):
    algorithm = create_algorithm(name)
    low = algorithm.decide(T0, HvacMode.HEAT_COOL, 18.0, RANGE, 5.0)
    assert (low.heat, low.cool) == (True, False)
    band = algorithm.decide(minutes(1), HvacMode.HEAT_COOL, 20.0, RANGE, 5.0)
    assert band == Demand()
    high = algorithm.decide(minutes(2), HvacMode.HEAT_COOL, 26.0, RANGE, 35.0)
    assert (high.heat, high.cool) == (False, True)
    assert algorithm.decide(minutes(3), HvacMode.HEAT_COOL, 24.0, RANGE, 35.0) == Demand()


@pytest.mark.parametrize("name", sorted(ALGORITHMS))
def test_a_missing_setpoint_leaves_that_side_idle(name):
    algorithm = create_algorithm(name)
    assert algorithm.decide(T0, HvacMode.HEAT, 10.0, COOL, 0.0) == Demand()
    assert algorithm.decide(T0, HvacMode.COOL, 40.0, HEAT, 0.0) == Demand()
    # heat_cool with a single setpoint behaves like that setpoint's mode
    assert algorithm.decide(T0, HvacMode.HEAT_COOL, 10.0, HEAT, 0.0).heat
    assert algorithm.decide(minutes(1), HvacMode.HEAT_COOL, 40.0, COOL, 40.0).cool


@pytest.mark.parametrize("name", sorted(ALGORITHMS))
def test_invalid_inputs(name):
    algorithm = create_algorithm(name)
    for current in (math.nan, math.inf, True, "20"):
        with pytest.raises(ScheduleError):
            algorithm.decide(T0, HvacMode.HEAT, current, HEAT, None)
    with pytest.raises(ScheduleError):
        algorithm.decide(datetime(2026, 1, 1), HvacMode.HEAT, 19.0, HEAT, None)
    with pytest.raises(ValueError, match="dry"):
        algorithm.decide(T0, "dry", 19.0, HEAT, None)
    # A non-finite outdoor temperature is ignored rather than poisoning the output.
    assert algorithm.decide(T0, HvacMode.HEAT, 15.0, HEAT, math.nan).heat


def test_demand_cannot_heat_and_cool():
    with pytest.raises(ValueError, match="same time"):
        Demand(heat=True, cool=True)


# --- hysteresis --------------------------------------------------------------------------------------


def test_hysteresis_band_is_stateful():
    algorithm = Hysteresis(cold_tolerance=0.5, hot_tolerance=0.2)
    sequence = [
        (19.6, False),
        (19.5, True),
        (19.9, True),
        (20.19, True),
        (20.2, False),
        (19.7, False),
        (19.5, True),
    ]
    for index, (temperature, expected) in enumerate(sequence):
        demand = algorithm.decide(minutes(index), HvacMode.HEAT, temperature, HEAT, None)
        assert demand.heat is expected, temperature
        assert demand.heat_duty == (1.0 if expected else 0.0)
        assert demand.review_at is None


def test_hysteresis_cooling_mirrors_heating():
    algorithm = Hysteresis()
    assert not algorithm.decide(minutes(0), HvacMode.COOL, 24.2, COOL, None).cool
    assert algorithm.decide(minutes(1), HvacMode.COOL, 24.3, COOL, None).cool
    assert algorithm.decide(minutes(2), HvacMode.COOL, 23.8, COOL, None).cool
    assert not algorithm.decide(minutes(3), HvacMode.COOL, 23.7, COOL, None).cool


def test_hysteresis_zero_tolerance_is_off_at_the_setpoint():
    algorithm = Hysteresis(cold_tolerance=0, hot_tolerance=0)
    assert not algorithm.decide(T0, HvacMode.HEAT, 20.0, HEAT, None).heat
    assert algorithm.decide(T0, HvacMode.HEAT, 19.99, HEAT, None).heat
    assert not algorithm.decide(T0, HvacMode.COOL, 24.0, COOL, None).cool


def test_hysteresis_state_round_trip():
    algorithm = Hysteresis()
    algorithm.decide(T0, HvacMode.HEAT, 19.0, HEAT, None)
    restored = Hysteresis()
    restored.load_state(algorithm.state_dict())
    assert restored.decide(minutes(1), HvacMode.HEAT, 20.0, HEAT, None).heat  # still inside the band
    for junk in (None, {"heat_on": 1, "cool_on": False}, {"heat_on": True}):
        with pytest.raises(ScheduleError):
            restored.load_state(junk)


# --- TPI ---------------------------------------------------------------------------------------------


def test_tpi_fraction_formula_and_time_proportioning():
    algorithm = Tpi(c_int=0.6, c_ext=0.01, cycle_minutes=10)
    # 0.6 * (20 - 19.5) + 0.01 * (20 - 0) = 0.5 -> on for the first 5 minutes of the 10-minute cycle
    first = algorithm.decide(T0, HvacMode.HEAT, 19.5, HEAT, 0.0)
    assert (first.heat, first.heat_duty, first.review_at) == (True, pytest.approx(0.5), minutes(5))
    # A sensor change within the cycle does not change the latched fraction.
    assert algorithm.decide(minutes(4), HvacMode.HEAT, 15.0, HEAT, 0.0).heat_duty == pytest.approx(0.5)
    later = algorithm.decide(minutes(5), HvacMode.HEAT, 15.0, HEAT, 0.0)
    assert (later.heat, later.review_at) == (False, minutes(10))
    # Next cycle: recomputed and clamped to 1.
    full = algorithm.decide(minutes(10), HvacMode.HEAT, 15.0, HEAT, 0.0)
    assert (full.heat, full.heat_duty, full.review_at) == (True, 1.0, minutes(20))


def test_tpi_without_outdoor_sensor_and_clamping_at_zero():
    algorithm = Tpi(c_int=0.5, c_ext=0.05, cycle_minutes=5)
    assert algorithm.decide(T0, HvacMode.HEAT, 19.0, HEAT, None).heat_duty == pytest.approx(0.5)
    algorithm.reset()
    idle = algorithm.decide(T0, HvacMode.HEAT, 22.0, HEAT, None)
    assert (idle.heat, idle.heat_duty, idle.review_at) == (False, 0.0, minutes(5))


def test_tpi_setpoint_change_restarts_the_cycle():
    algorithm = Tpi(c_int=0.5, c_ext=0, cycle_minutes=10)
    assert algorithm.decide(T0, HvacMode.HEAT, 19.0, HEAT, None).heat_duty == pytest.approx(0.5)
    demand = algorithm.decide(minutes(3), HvacMode.HEAT, 19.0, Target(heat=19.5), None)
    assert (demand.heat_duty, demand.review_at) == (pytest.approx(0.25), minutes(5.5))


def test_tpi_cooling_mirrors_the_signs():
    algorithm = Tpi(c_int=0.6, c_ext=0.01, cycle_minutes=10)
    demand = algorithm.decide(T0, HvacMode.COOL, 25.0, COOL, 34.0)
    assert demand.cool
    assert demand.cool_duty == pytest.approx(0.6 * 1 + 0.01 * 10)


def test_tpi_clock_going_backwards_starts_a_new_cycle():
    algorithm = Tpi(cycle_minutes=10)
    algorithm.decide(minutes(10), HvacMode.HEAT, 19.5, HEAT, None)
    assert algorithm.decide(minutes(0), HvacMode.HEAT, 19.5, HEAT, None).review_at == minutes(3)


def test_tpi_state_round_trip_and_junk():
    algorithm = Tpi(cycle_minutes=10)
    algorithm.decide(T0, HvacMode.HEAT, 19.5, HEAT, None)
    restored = Tpi(cycle_minutes=10)
    restored.load_state(algorithm.state_dict())
    assert restored.decide(minutes(1), HvacMode.HEAT, 10.0, HEAT, None).review_at == minutes(3)
    junk_states = [
        None,
        {"heat": {}},
        {"heat": {"start": None, "fraction": 2, "setpoint": None}, "cool": {}},
        {"heat": {"start": "2026-01-01T00:00", "fraction": 0.5, "setpoint": 20}, "cool": {}},
        {"heat": {"start": None, "fraction": 0.5, "setpoint": "20"}, "cool": {}},
    ]
    for junk in junk_states:
        with pytest.raises(ScheduleError):
            restored.load_state(junk)


# --- PID ---------------------------------------------------------------------------------------------


def test_pid_proportional_and_integral_terms():
    algorithm = Pid(kp=0.2, ki=0.4, kd=0, cycle_minutes=10)
    first = algorithm.decide(T0, HvacMode.HEAT, 19.0, HEAT, None)
    assert first.heat_duty == pytest.approx(0.2)  # no elapsed time yet: P only
    algorithm.decide(minutes(30), HvacMode.HEAT, 19.0, HEAT, None)
    assert algorithm.state_dict()["heat"]["integral"] == pytest.approx(0.25 * 0.4 * 1.0)  # capped 15-min step
    # The integral keeps integrating, but the latched fraction only changes at the next cycle start.
    assert algorithm.decide(minutes(31), HvacMode.HEAT, 19.0, HEAT, None).heat_duty == pytest.approx(0.3)
    assert algorithm.state_dict()["heat"]["integral"] == pytest.approx(0.1 + 0.4 / 60)
    assert algorithm.decide(minutes(40), HvacMode.HEAT, 19.0, HEAT, None).heat_duty == pytest.approx(
        0.2 + 0.1 + 0.4 / 6
    )


def test_pid_derivative_acts_on_the_measurement():
    algorithm = Pid(kp=0, ki=0, kd=1, cycle_minutes=1)
    algorithm.decide(T0, HvacMode.HEAT, 19.0, HEAT, None)
    falling = algorithm.decide(minutes(6), HvacMode.HEAT, 18.9, HEAT, None)  # -1 °C/h
    assert falling.heat_duty == pytest.approx(1.0)
    rising = algorithm.decide(minutes(12), HvacMode.HEAT, 19.0, HEAT, None)
    assert rising.heat_duty == 0.0


def test_pid_anti_windup_keeps_the_integral_bounded():
    algorithm = Pid(kp=1, ki=5, kd=0, cycle_minutes=5)
    for step in range(100):  # far below the setpoint for hours: saturated, integral must not wind up
        algorithm.decide(minutes(5 * step), HvacMode.HEAT, 10.0, HEAT, None)
    assert algorithm.state_dict()["heat"]["integral"] == 0.0
    for step in range(100, 140):  # near the setpoint the integral may build, but never above 1
        algorithm.decide(minutes(5 * step), HvacMode.HEAT, 19.9, HEAT, None)
    integral = algorithm.state_dict()["heat"]["integral"]
    assert 0 < integral <= 1.0
    # Once above the setpoint the error is negative and the integral falls again.
    for step in range(140, 400):
        algorithm.decide(minutes(5 * step), HvacMode.HEAT, 21.0, HEAT, None)
    assert algorithm.state_dict()["heat"]["integral"] == 0.0


def test_pid_cooling_and_rest_keep_the_integral():
    algorithm = Pid(kp=0.1, ki=1, cycle_minutes=5)
    algorithm.decide(T0, HvacMode.COOL, 24.5, COOL, None)
    algorithm.decide(minutes(10), HvacMode.COOL, 24.5, COOL, None)
    integral = algorithm.state_dict()["cool"]["integral"]
    assert integral > 0
    algorithm.decide(minutes(11), HvacMode.HEAT, 19.0, HEAT, None)  # cooling side rests
    assert algorithm.state_dict()["cool"]["integral"] == integral
    assert algorithm.state_dict()["cool"]["last_time"] is None
    algorithm.decide(minutes(12), HvacMode.OFF, 19.0, HEAT, None)
    assert algorithm.state_dict()["cool"]["integral"] == 0.0


def test_pid_repeated_instant_and_clock_going_back():
    algorithm = Pid(kp=0, ki=1, cycle_minutes=5)
    algorithm.decide(minutes(0), HvacMode.HEAT, 19.0, HEAT, None)
    algorithm.decide(minutes(6), HvacMode.HEAT, 19.0, HEAT, None)
    integral = algorithm.state_dict()["heat"]["integral"]
    algorithm.decide(minutes(6), HvacMode.HEAT, 19.0, HEAT, None)
    algorithm.decide(minutes(1), HvacMode.HEAT, 19.0, HEAT, None)
    assert algorithm.state_dict()["heat"]["integral"] == integral


def test_pid_state_survives_a_restart():
    algorithm = Pid()
    for step in range(20):
        algorithm.decide(minutes(10 * step), HvacMode.HEAT, 19.5, HEAT, 0.0)
    restored = Pid()
    restored.load_state(algorithm.state_dict())
    assert restored.state_dict() == algorithm.state_dict()
    good = algorithm.state_dict()
    junk_states = [
        None,
        {"heat": good["heat"]},
        {"heat": good["heat"] | {"integral": 2.0}, "cool": good["cool"]},
        {"heat": good["heat"] | {"last_value": math.nan}, "cool": good["cool"]},
        {"heat": good["heat"] | {"last_time": "2026-01-01T00:00"}, "cool": good["cool"]},
        {"heat": good["heat"] | {"cycle": None}, "cool": good["cool"]},
    ]
    for junk in junk_states:
        with pytest.raises(ScheduleError):
            restored.load_state(junk)
    assert restored.state_dict()["heat"]["integral"] == 0.0  # a failed load leaves a clean state


# --- registry and parameters --------------------------------------------------------------------------


def test_registry_and_parameter_schema():
    assert set(ALGORITHMS) == {"hysteresis", "tpi", "pid"}
    for name, cls in ALGORITHMS.items():
        assert cls.name == name
        algorithm = create_algorithm(name)
        defaults = {spec.name: spec.default for spec in cls.parameters}
        assert algorithm.params() == defaults
        for spec in cls.parameters:
            assert isinstance(spec, ParameterSpec)
            assert spec.minimum <= spec.default <= spec.maximum
            assert spec.step > 0
        assert create_algorithm(name, algorithm.params()).params() == defaults


def test_parameter_errors():
    with pytest.raises(ScheduleError) as err:
        create_algorithm("bang_bang")
    assert err.value.translation_key == "unknown_algorithm"
    with pytest.raises(ScheduleError) as err:
        create_algorithm("tpi", {"c_int": 0.5, "gain": 1})
    assert err.value.translation_key == "unknown_parameter"
    for value in (-0.1, 6, math.nan, True, "1"):
        with pytest.raises(ScheduleError) as err:
            create_algorithm("tpi", {"c_int": value})
        assert err.value.translation_key == "parameter_out_of_range"
    assert Pid.from_params({"kp": 2}).kp == 2.0
