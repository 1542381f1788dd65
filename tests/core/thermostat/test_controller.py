# ruff: noqa: DTZ001 - naive datetimes here are deliberate wall-clock times
from datetime import UTC, datetime, time, timedelta
from zoneinfo import ZoneInfo

import pytest

from custom_components.pyiot.core.thermostat import (
    OVERRIDE_ID,
    AggregateMethod,
    AggregationConfig,
    DropReason,
    ExplanationCode,
    FailSafeConfig,
    FailSafeMode,
    GuardReason,
    HvacAction,
    HvacMode,
    Hysteresis,
    Pid,
    Preset,
    Reading,
    RecurringRule,
    RelayGuard,
    RetryPolicy,
    Schedule,
    ScheduleError,
    Target,
    TargetLimits,
    ThermostatController,
    Tpi,
)

PARIS = ZoneInfo("Europe/Paris")
T0 = datetime(2026, 1, 5, 7, tzinfo=PARIS)  # Monday 07:00, inside "weekday morning"
MIN = timedelta(minutes=1)
SCHEDULE = Schedule(
    time_zone=PARIS,
    default=Target(heat=17, cool=26),
    sensors={"living": 2, "hall": 1},
    rules=[
        RecurringRule(
            rule_id="morning",
            name="weekday morning",
            target=Target(heat=20.5, cool=25),
            weekdays=range(5),
            start=time(6, 30),
            end=time(8, 30),
        )
    ],
)


def at(minutes):
    return T0 + minutes * MIN


def readings(value, moment=T0, **others):
    result = {"living": Reading(value=value, updated=moment), "hall": Reading(value=value, updated=moment)}
    return result | {key: Reading(value=val, updated=moment) for key, val in others.items()}


def controller(algorithm=None, **kwargs):
    settings = {
        "schedule": SCHEDULE,
        "algorithm": algorithm or Hysteresis(),
        "heaters": {"heater": RelayGuard(min_on=5 * MIN, min_off=5 * MIN)},
        "coolers": {"cooler": RelayGuard(min_on=5 * MIN, min_off=5 * MIN)},
        "presets": {Preset.ECO: Target(heat=18), Preset.AWAY: Target(heat=12, cool=30)},
    } | kwargs
    return ThermostatController(**settings)


def step(ctl, minutes, value, *, mode=HvacMode.HEAT, preset=None, relays=None, outdoor=None):
    moment = at(minutes)
    data = readings(value, moment) if not isinstance(value, dict) else value
    outside = Reading(value=outdoor, updated=moment) if outdoor is not None else None
    return ctl.step(
        moment,
        data,
        outside,
        hvac_mode=mode,
        preset=preset,
        relays_actual=relays if relays is not None else {"heater": False, "cooler": False},
    )


def test_heating_step_reports_everything_the_entity_needs():
    ctl = controller()
    out = step(ctl, 0, 19.2, outdoor=3.0)
    assert out.commands == {"heater": True}
    assert out.hvac_action is HvacAction.HEATING
    assert out.current_temperature == pytest.approx(19.2)
    assert out.outdoor_temperature == 3.0
    assert out.target == Target(heat=20.5, cool=25)
    assert (out.rule_id, out.rule_name) == ("morning", "weekday morning")
    assert out.next_change == datetime(2026, 1, 5, 8, 30, tzinfo=PARIS)
    assert out.sensors == pytest.approx({"living": 2 / 3, "hall": 1 / 3})
    assert out.dropped == {}
    assert out.demand.heat
    assert not out.fail_safe_active
    assert out.explanation.code is ExplanationCode.HEATING
    assert out.explanation.render_en() == "heating: 19.2 °C below 20.5 °C target from rule 'weekday morning'"
    assert out.next_step == at(0) + timedelta(seconds=10)  # check that the relay followed the command
    assert step(ctl, 0.5, 19.2, relays={"heater": True, "cooler": False}).next_step == at(0.5) + timedelta(
        minutes=30
    )
    # Commands only for relays that must change.
    assert step(ctl, 1, 19.2, relays={"heater": True, "cooler": False}).commands == {}


def test_idle_and_default_target_explanations():
    ctl = controller()
    out = step(ctl, 120, 20.0)  # 09:00: default target 17
    assert out.commands == {}
    assert out.hvac_action is HvacAction.IDLE
    assert out.explanation.render_en() == "idle: 20.0 °C, target 17.0 °C from the default target"
    heat_cool = step(ctl, 121, 20.0, mode=HvacMode.HEAT_COOL)
    assert heat_cool.explanation.render_en() == "idle: 20.0 °C, target 17.0-26.0 °C from the default target"


def test_off_mode():
    ctl = controller()
    out = step(ctl, 0, 10.0, mode=HvacMode.OFF)
    assert (out.commands, out.hvac_action, out.explanation.render_en()) == ({}, HvacAction.OFF, "off")
    assert not out.fail_safe_active
    assert not step(ctl, 1, {}, mode=HvacMode.OFF).fail_safe_active


def test_several_heaters_follow_the_demand_each_through_its_own_guard():
    ctl = controller(
        heaters={"a": RelayGuard(min_off=10 * MIN), "b": RelayGuard()},
        coolers={},
    )
    ctl.guard("a").record(at(-20), is_on=True)
    ctl.guard("a").record(at(-2), is_on=False)  # "a" stopped 2 minutes ago
    out = step(ctl, 0, 18.0, relays={"a": False, "b": False})
    assert out.commands == {"b": True}
    assert out.relays["a"].reason is GuardReason.MIN_OFF
    assert out.hvac_action is HvacAction.HEATING
    assert ctl.heaters == ("a", "b")
    assert ctl.coolers == ()


def test_waiting_for_minimum_off_time_is_explained():
    ctl = controller()
    ctl.guard("heater").record(at(-10), is_on=True)
    ctl.guard("heater").record(at(-3), is_on=False)
    out = step(ctl, 0, 19.0)
    assert out.commands == {}
    assert out.hvac_action is HvacAction.IDLE
    assert out.explanation.code is ExplanationCode.WAITING_MIN_OFF
    assert out.explanation.render_en() == "waiting: minimum off time, 2 min left"
    assert out.next_step == at(2)


def test_holding_on_for_minimum_on_time_is_explained():
    ctl = controller()
    step(ctl, 0, 19.0)
    out = step(ctl, 1, 21.0, relays={"heater": True, "cooler": False})
    assert out.commands == {}
    assert out.hvac_action is HvacAction.HEATING
    assert out.explanation.render_en() == "holding on: minimum on time, 5 min left"
    assert step(ctl, 6, 21.0, relays={"heater": True, "cooler": False}).commands == {"heater": False}


def test_heating_above_the_setpoint_is_explained_as_holding():
    ctl = controller(algorithm=Tpi(c_int=0.6, c_ext=0.05, cycle_minutes=10))
    out = step(ctl, 0, 20.6, outdoor=0.0)
    assert out.demand.heat
    assert (
        out.explanation.render_en()
        == "heating: 20.6 °C, holding the 20.5 °C target from rule 'weekday morning'"
    )
    assert out.next_step < at(10)


def test_cooling_and_interlock_between_sides():
    ctl = controller()
    out = step(ctl, 0, 27.0, mode=HvacMode.COOL)
    assert out.commands == {"cooler": True}
    assert out.hvac_action is HvacAction.COOLING
    assert out.explanation.render_en() == "cooling: 27.0 °C above 25.0 °C target from rule 'weekday morning'"
    hold = step(ctl, 1, 24.0, mode=HvacMode.COOL, relays={"heater": False, "cooler": True})
    assert hold.explanation.code is ExplanationCode.HOLDING_MIN_ON
    # Switching to heat while the cooler is held on by its minimum on time: the heater waits.
    out = step(ctl, 2, 18.0, mode=HvacMode.HEAT, relays={"heater": False, "cooler": True})
    assert out.commands == {}
    assert out.relays["cooler"].on
    assert out.relays["heater"].reason is GuardReason.INTERLOCK
    assert out.relays["heater"].wait_until == at(6)
    assert out.explanation.code is ExplanationCode.HOLDING_MIN_ON
    ctl.guard("cooler").record(at(6), is_on=False)
    assert step(ctl, 6, 18.0, relays={"heater": False, "cooler": False}).commands == {"heater": True}


def test_interlock_is_explained_when_nothing_else_holds():
    ctl = controller(coolers={"cooler": RelayGuard()})
    # The cooler is on by hand, wanted off: no guard holds it, so it is switched off, and the heater
    # (wanted on) waits for the other side in the same step.
    out = step(ctl, 0, 18.0, relays={"heater": False, "cooler": True})
    assert out.commands == {"heater": True, "cooler": False}
    ctl2 = controller(coolers={"cooler": RelayGuard(min_on=3 * MIN)})
    ctl2.guard("cooler").record(at(-10), is_on=False)
    ctl2.guard("cooler").record(at(-1), is_on=True)
    out = step(ctl2, 0, 18.0, relays={"heater": False, "cooler": True})
    assert out.relays["heater"].reason is GuardReason.INTERLOCK


def test_presets_replace_the_scheduled_target_only():
    ctl = controller()
    out = step(ctl, 0, 19.0, preset=Preset.ECO)
    assert out.target == Target(heat=18)
    assert out.schedule.target == Target(heat=20.5, cool=25)
    assert out.commands == {}
    assert out.explanation.render_en() == "idle: 19.0 °C, target 18.0 °C from preset 'eco'"
    assert ctl.presets == {"eco": Target(heat=18), "away": Target(heat=12, cool=30)}
    with pytest.raises(ScheduleError) as err:
        step(ctl, 0, 19.0, preset="party")
    assert err.value.translation_key == "unknown_preset"
    eco_cool = step(ctl, 1, 27.0, mode=HvacMode.COOL, preset=Preset.ECO)
    assert eco_cool.explanation.render_en() == "idle: no cool setpoint from preset 'eco'"


def test_presets_are_checked_against_the_limits():
    with pytest.raises(ScheduleError):
        controller(presets={"boost": Target(heat=40)})
    ctl = controller()
    tight = Schedule(time_zone=PARIS, default=Target(heat=20), sensors={"t": 1}, rules=[])
    ctl.schedule = tight
    assert ctl.schedule is tight
    with pytest.raises(ScheduleError):
        ctl.schedule = Schedule(
            time_zone=PARIS,
            default=Target(heat=20),
            sensors={"t": 1},
            limits=TargetLimits(minimum=15, maximum=30),
        )


def test_relay_ids_must_be_unique():
    with pytest.raises(ScheduleError):
        controller(heaters={"x": RelayGuard()}, coolers={"x": RelayGuard()})


def test_fail_safe_off_respects_min_on_and_recovers():
    ctl = controller()
    step(ctl, 0, 19.0)
    stale = readings(19.0, at(-60))
    out = step(ctl, 1, stale, relays={"heater": True, "cooler": False})
    assert out.fail_safe_active
    assert out.current_temperature is None
    assert out.dropped == {"living": DropReason.STALE, "hall": DropReason.STALE}
    assert out.relays["heater"].on  # minimum on time still protects the equipment
    assert out.explanation.render_en() == "fail-safe: no usable temperature sensor, equipment off"
    out = step(ctl, 6, stale, relays={"heater": True, "cooler": False})  # seen on at minute 1
    assert out.commands == {"heater": False}
    recovered = step(ctl, 7, 19.0, relays={"heater": False, "cooler": False})
    assert not recovered.fail_safe_active


def test_fail_safe_frost_protection_runs_a_duty_cycle():
    ctl = controller(fail_safe=FailSafeConfig(mode=FailSafeMode.FROST_PROTECTION, duty=0.25, cycle=20 * MIN))
    unavailable = {"living": Reading(value="unavailable", updated=T0)}
    first = step(ctl, 0, unavailable)
    assert first.commands == {"heater": True}
    assert first.demand.heat_duty == 0.25
    assert first.next_step == at(0) + timedelta(seconds=10)  # retry check
    assert step(ctl, 0.5, unavailable, relays={"heater": True, "cooler": False}).next_step == at(5)
    assert first.explanation.render_en() == (
        "fail-safe: no usable temperature sensor, frost protection heating 25 % of the time"
    )
    assert step(ctl, 5.5, unavailable, relays={"heater": True, "cooler": False}).commands == {"heater": False}
    assert step(ctl, 6, unavailable).commands == {}
    assert step(ctl, 20, unavailable).commands == {"heater": True}
    # Cooling mode: frost protection does not heat.
    cool = step(ctl, 21, unavailable, mode=HvacMode.COOL, relays={"heater": True, "cooler": False})
    assert cool.fail_safe_active
    assert cool.demand.heat is False
    assert cool.explanation.code is ExplanationCode.FAIL_SAFE_OFF


def test_never_heats_on_a_held_last_value():
    ctl = controller()
    assert step(ctl, 0, 15.0).commands == {"heater": True}
    assert step(ctl, 1, 15.0, relays={"heater": True, "cooler": False}).commands == {}
    # The sensor stops reporting; 31 minutes later its value is stale even though it was cold.
    out = step(ctl, 31, readings(15.0, at(0)), relays={"heater": True, "cooler": False})
    assert out.commands == {"heater": False}


def test_unavailable_and_failing_relays():
    ctl = controller(
        retry_policy=lambda: RetryPolicy(first_delay=MIN, factor=1.0, max_delay=MIN, max_failures=2)
    )
    out = step(ctl, 0, 15.0, relays={"cooler": False})
    assert out.unavailable_relays == ("heater",)
    assert out.commands == {}
    assert "heater" not in out.relays
    assert step(ctl, 1, 15.0).commands == {"heater": True}
    assert step(ctl, 1.5, 15.0).commands == {}  # waiting for the relay to follow
    assert step(ctl, 2, 15.0).commands == {"heater": True}
    out = step(ctl, 3, 15.0)
    assert out.commands == {"heater": True}
    assert out.failed_relays == ("heater",)
    assert step(ctl, 4, 15.0, relays={"heater": True, "cooler": False}).failed_relays == ()


def test_manual_target_becomes_an_override():
    ctl = controller()
    schedule = ctl.set_manual_target(at(0), Target(heat=22))
    assert ctl.schedule is schedule
    out = step(ctl, 1, 21.0)
    assert (out.rule_id, out.target) == (OVERRIDE_ID, Target(heat=22))
    assert out.next_change == datetime(2026, 1, 5, 8, 30, tzinfo=PARIS)
    ctl.set_manual_target(at(2), Target(heat=19), duration=timedelta(hours=3))
    assert step(ctl, 3, 21.0).next_change == at(2) + timedelta(hours=3)


def test_state_round_trip():
    ctl = controller(algorithm=Pid())
    step(ctl, 0, 19.0)
    step(ctl, 10, 19.0, relays={"heater": True, "cooler": False})
    saved = ctl.state_dict()
    fresh = controller(algorithm=Pid())
    fresh.load_state(saved)
    assert fresh.state_dict() == saved
    other = controller(algorithm=Hysteresis())
    other.load_state(saved | {"guards": saved["guards"] | {"gone": {}}})  # other algorithm, unknown relay
    assert other.state_dict()["guards"] == saved["guards"]
    for junk in (None, {"guards": []}, {"guards": {}, "algorithm": None}):
        with pytest.raises(ScheduleError):
            fresh.load_state(junk)


def test_configuration_validation():
    for kwargs in ({"duty": 1.5}, {"duty": True}, {"cycle": timedelta(0)}, {"mode": "panic"}):
        with pytest.raises((ScheduleError, ValueError)):
            FailSafeConfig(**kwargs)
    for kwargs in ({"stale_after": timedelta(0)}, {"bounds": (50.0, -50.0)}, {"method": "mode"}):
        with pytest.raises((ScheduleError, ValueError)):
            AggregationConfig(**kwargs)
    ctl = controller(aggregation=AggregationConfig(method=AggregateMethod.MAX, stale_after=5 * MIN))
    assert step(ctl, 0, readings(18.0, T0, extra=30.0)).current_temperature == 18.0
    assert ctl.algorithm.name == "hysteresis"
    with pytest.raises(ScheduleError):
        ctl.step(datetime(2026, 1, 1), {}, None, hvac_mode=HvacMode.HEAT, preset=None, relays_actual={})


def test_outdoor_reading_is_validated_like_any_sensor():
    ctl = controller(algorithm=Tpi())
    assert step(ctl, 0, 19.0, outdoor=1e6).outdoor_temperature is None
    out = ctl.step(
        at(1),
        readings(19.0, at(1)),
        Reading(value=3.0, updated=at(1) - timedelta(hours=2)),
        hvac_mode=HvacMode.HEAT,
        preset=None,
        relays_actual={"heater": False, "cooler": False},
    )
    assert out.outdoor_temperature is None
    assert datetime(2026, 1, 1, tzinfo=UTC)


def test_equipment_limits_win_over_the_interlock():
    # Both sides were switched on by hand and are each within their minimum on time: the guards keep
    # both on rather than cut a compressor short; the engine itself never asks for both.
    ctl = controller()
    for relay in ("heater", "cooler"):
        ctl.guard(relay).record(at(-10), is_on=False)
        ctl.guard(relay).record(at(-1), is_on=True)
    out = step(ctl, 0, 18.0, relays={"heater": True, "cooler": True})
    assert out.commands == {}
    assert out.relays["heater"].on
    assert out.relays["cooler"].reason is GuardReason.MIN_ON
