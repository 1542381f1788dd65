"""Optimum start in the controller: lead time, when it applies and when not, explanations, DST."""

from datetime import UTC, datetime, time, timedelta
import json
from zoneinfo import ZoneInfo

from hypothesis import HealthCheck, given, settings, strategies as st
import pytest

from custom_components.pyiot.core.thermostat import (
    ExplanationCode,
    HvacMode,
    Hysteresis,
    OptimumStartConfig,
    RateEstimate,
    RateLearner,
    Reading,
    RecurringRule,
    RelayGuard,
    RunMeasurement,
    Schedule,
    ScheduleError,
    Side,
    Target,
    ThermostatController,
    lead_time,
)
from custom_components.pyiot.core.thermostat.rules import OverrideRule

PARIS = ZoneInfo("Europe/Paris")
MONDAY = datetime(2026, 1, 5, tzinfo=PARIS)
MIN = timedelta(minutes=1)
MORNING = RecurringRule(
    rule_id="morning",
    name="weekday morning",
    target=Target(heat=21, cool=25),
    weekdays=range(5),
    start=time(6, 30),
    end=time(8, 30),
)
SCHEDULE = Schedule(time_zone=PARIS, default=Target(heat=17, cool=26), sensors={"living": 1}, rules=[MORNING])


def at(hour, minute=0, day=MONDAY):
    return day + timedelta(hours=hour, minutes=minute)


def estimate(rate=2.0, dead=10, delay=None):
    dead_time = timedelta(minutes=dead)
    return RateEstimate(
        rate=rate,
        dead_time=dead_time,
        delay=dead_time if delay is None else timedelta(minutes=delay),
        confidence=0.5,
        runs=5,
        learned=True,
    )


def learner(rate=2.0, dead=10, sides=(Side.HEAT, Side.COOL)):
    """A learner that has seen three identical runs per side (no outdoor temperature)."""
    result = RateLearner()
    for side in sides:
        for index in range(3):
            result.add_run(
                RunMeasurement(
                    side=side,
                    ended=datetime(2026, 1, 1, tzinfo=UTC) + timedelta(hours=index),
                    rate=rate,
                    dead_time=timedelta(minutes=dead),
                    load=None,
                )
            )
    return result


def controller(schedule=SCHEDULE, **kwargs):
    settings = {
        "schedule": schedule,
        "algorithm": Hysteresis(),
        "heaters": {"heater": RelayGuard()},
        "coolers": {"cooler": RelayGuard()},
        "presets": {"eco": Target(heat=18)},
        "optimum_start": OptimumStartConfig(enabled=True),
        "learner": learner(),
    } | kwargs
    return ThermostatController(**settings)


def step(
    ctl, moment, temperature, *, mode=HvacMode.HEAT, preset=None, heater=False, cooler=False, outdoor=None
):
    return ctl.step(
        moment,
        {"living": Reading(value=temperature, updated=moment)},
        Reading(value=outdoor, updated=moment) if outdoor is not None else None,
        hvac_mode=mode,
        preset=preset,
        relays_actual={"heater": heater, "cooler": cooler},
    )


# --- the lead time ---------------------------------------------------------------------------------


def test_lead_time_is_dead_time_plus_rise_over_rate_within_the_maximum():
    three_hours = timedelta(hours=3)
    assert lead_time(4.0, estimate(), three_hours) == 130 * MIN
    assert lead_time(10.0, estimate(), three_hours) == three_hours
    assert lead_time(float("inf"), estimate(), three_hours) == three_hours
    for nothing in (0.0, -1.0, float("nan")):
        assert lead_time(nothing, estimate(), three_hours) == timedelta()
    # Equipment already running has part of its delay behind it; the dead time shrinks in proportion.
    assert lead_time(4.0, estimate(dead=20, delay=10), three_hours, 5 * MIN) == 130 * MIN
    assert lead_time(4.0, estimate(), three_hours, 25 * MIN) == 120 * MIN
    assert lead_time(4.0, estimate(dead=0, delay=0), three_hours, 5 * MIN) == 120 * MIN
    assert lead_time(4.0, estimate(), three_hours, -5 * MIN) == 130 * MIN


@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(
    st.floats(allow_nan=True, allow_infinity=True),
    st.floats(min_value=0.1, max_value=20),
    st.integers(0, 120),
    st.integers(0, 120),
    st.integers(-600, 100_000),
    st.integers(1, 12 * 60),
)
def test_lead_time_is_always_within_zero_and_the_maximum(delta, rate, dead, delay, running, maximum):
    max_lead = timedelta(minutes=maximum)
    lead = lead_time(delta, estimate(rate, dead, delay), max_lead, timedelta(seconds=running))
    assert timedelta() <= lead <= max_lead


def test_configuration_is_validated():
    assert OptimumStartConfig() == OptimumStartConfig(enabled=False, max_lead=timedelta(hours=3), learn=True)
    for kwargs in (
        {"enabled": 1},
        {"learn": "yes"},
        {"max_lead": timedelta()},
        {"max_lead": timedelta(hours=13)},
        {"max_lead": 3},
    ):
        with pytest.raises(ScheduleError) as err:
            OptimumStartConfig(**kwargs)
        assert err.value.translation_key == "invalid_setting"


# --- planning and starting -------------------------------------------------------------------------


def test_a_rise_is_planned_then_started_early_and_kept_until_the_change():
    ctl = controller()
    quiet = step(ctl, at(0), 17.0)
    assert quiet.preheat is None
    assert quiet.next_step == at(0, 30)  # the sensor turns stale first
    out = step(ctl, at(3, 25), 17.0)
    assert out.next_step == at(3, 30)  # the rise enters the 3-hour window
    out = step(ctl, at(4, 10), 17.0)
    assert out.preheat is not None
    assert not out.preheat.active
    assert out.preheat_starts_at == at(4, 20)  # 06:30 - (10 min + 4 °C / 2 °C/h)
    assert out.preheat.lead == 130 * MIN
    assert out.target == Target(heat=17, cool=26)
    assert out.next_step == at(4, 20)
    out = step(ctl, at(4, 20), 17.0)
    assert out.preheat.active
    assert out.target == Target(heat=21, cool=26)
    assert out.schedule.target == Target(heat=17, cool=26)
    assert out.commands == {"heater": True}
    assert out.explanation.code is ExplanationCode.PREHEATING
    assert out.explanation.render_en() == (
        "preheating: 17.0 °C, reaching 21.0 °C by 06:30 from rule 'weekday morning' "
        "(starting 130 min early at 2.0 °C/h)"
    )
    assert (out.preheat.rule_id, out.preheat.rule_name, out.preheat.setpoint) == (
        "morning",
        "weekday morning",
        21,
    )
    assert out.preheat.change_at == at(6, 30)
    # Latched: warmer now, the remaining lead is shorter than the time left, but the start holds.
    later = step(ctl, at(5, 30), 19.5, heater=True)
    assert later.preheat.active
    assert later.preheat_starts_at == at(4, 20)
    assert later.target.heat == 21
    arrived = step(ctl, at(6, 30), 20.9, heater=True)
    assert arrived.preheat is None
    assert arrived.explanation.code is ExplanationCode.HEATING


def test_a_room_already_warm_enough_needs_no_early_start():
    ctl = controller()
    assert step(ctl, at(5), 21.5).preheat is None


def test_early_start_is_idle_when_the_room_is_already_there():
    ctl = controller()
    step(ctl, at(4, 20), 17.0)
    out = step(ctl, at(6), 21.5, heater=True)  # the heater stops, the upcoming target holds
    assert out.preheat.active
    assert out.commands == {"heater": False}
    assert out.explanation.render_en().startswith("preheating: 21.5 °C, reaching 21.0 °C by 06:30")


def test_no_early_start_under_a_preset_an_override_in_fail_safe_or_mode_off():
    ctl = controller()
    assert step(ctl, at(4, 30), 17.0, preset="eco").preheat is None
    assert step(ctl, at(4, 30), 17.0, mode=HvacMode.OFF).preheat is None
    stale = ctl.step(
        at(4, 30),
        {"living": Reading(value=17.0, updated=at(3))},
        None,
        hvac_mode=HvacMode.HEAT,
        preset=None,
        relays_actual={"heater": False, "cooler": False},
    )
    assert stale.fail_safe_active
    assert stale.preheat is None
    assert step(ctl, at(4, 30), 17.0).preheat.active
    ctl.set_manual_target(at(4, 31), Target(heat=18))
    out = step(ctl, at(4, 32), 17.0)
    assert out.preheat is None
    assert out.target == Target(heat=18)


def test_an_override_is_not_preheated_across():
    override = OverrideRule(rule_id="manual", target=Target(heat=15), start=at(5), end=at(6))
    ctl = controller(schedule=SCHEDULE.with_rule(override))
    assert step(ctl, at(4, 30), 17.0).preheat is None
    ctl = controller(
        schedule=SCHEDULE.with_rule(
            OverrideRule(rule_id="manual", target=Target(heat=22), start=at(6, 30), end=at(7))
        )
    )
    assert step(ctl, at(4, 30), 17.0).preheat is None  # nor anticipated


def test_no_early_start_for_a_fall_in_heat_mode():
    ctl = controller()
    out = step(ctl, at(7, 30), 21.0)  # the 08:30 change lowers the heat setpoint
    assert out.preheat is None


def test_precooling_for_a_fall_in_cool_mode():
    ctl = controller()
    out = step(ctl, at(5, 20), 27.0, mode=HvacMode.COOL)  # 06:30 - (10 min + 2 °C / 2 °C/h)
    assert out.preheat.side is Side.COOL
    assert out.preheat.active
    assert out.target == Target(heat=17, cool=25)
    assert out.commands == {"cooler": True}
    assert out.explanation.code is ExplanationCode.PRECOOLING
    assert out.explanation.render_en() == (
        "precooling: 27.0 °C, reaching 25.0 °C by 06:30 from rule 'weekday morning' "
        "(starting 70 min early at 2.0 °C/h)"
    )
    assert step(ctl, at(5, 20), 27.0).preheat is None  # heat mode: the heat rise only, and it is warm


def test_chained_changes_are_looked_through():
    night = RecurringRule(
        rule_id="night", target=Target(heat=16), weekdays=range(7), start=time(22), end=time(5, 30)
    )
    early = RecurringRule(
        rule_id="early", name="early", target=Target(heat=21), weekdays=range(7), start=time(6), end=time(7)
    )
    schedule = Schedule(time_zone=PARIS, default=Target(heat=17), sensors={"living": 1}, rules=[night, early])
    ctl = controller(schedule=schedule, coolers={})
    out = step(ctl, at(4), 16.0)  # 21 at 06:00 needs 10 min + 5 °C / 2 °C/h: from 03:20, so at once
    assert out.rule_id == "night"
    assert out.preheat.active
    assert (out.preheat.change_at, out.target) == (at(6), Target(heat=21))
    assert out.explanation.render_en().endswith("from rule 'early' (starting 120 min early at 2.0 °C/h)")
    assert set(out.rates) == {Side.HEAT}


def test_a_rise_to_the_default_target_is_explained_as_such():
    night = RecurringRule(
        rule_id="night", target=Target(heat=15), weekdays=range(7), start=time(22), end=time(6)
    )
    schedule = Schedule(time_zone=PARIS, default=Target(heat=17), sensors={"living": 1}, rules=[night])
    ctl = controller(schedule=schedule, coolers={})
    out = step(ctl, at(5), 15.0)
    assert out.preheat.rule_id is None
    assert out.explanation.render_en() == (
        "preheating: 15.0 °C, reaching 17.0 °C by 06:00 from the default target "
        "(starting 60 min early at 2.0 °C/h)"
    )


def test_a_rise_below_the_current_setpoint_waits_for_the_block_before_it_to_end():
    evening = RecurringRule(
        rule_id="evening", target=Target(heat=21), weekdays=range(7), start=time(3), end=time(5, 30)
    )
    night = RecurringRule(
        rule_id="night", target=Target(heat=16), weekdays=range(7), start=time(5, 30), end=time(6)
    )
    schedule = Schedule(
        time_zone=PARIS, default=Target(heat=20), sensors={"living": 1}, rules=[evening, night]
    )
    ctl = controller(schedule=schedule, coolers={})
    out = step(ctl, at(4, 30), 17.0)  # 20 at 06:00 is due (from 04:20) but 21 holds until 05:30
    assert out.target == Target(heat=21)
    assert out.preheat is None
    out = step(ctl, at(5, 30), 17.5)
    assert out.rule_id == "night"
    assert out.target == Target(heat=20)
    assert out.preheat_starts_at == at(4, 30)


def test_nothing_to_plan_without_changes():
    flat = Schedule(
        time_zone=PARIS, default=Target(heat=20), sensors={"living": 1}, lookahead=timedelta(hours=1)
    )
    out = step(controller(schedule=flat), at(5), 17.0)
    assert out.preheat is None
    assert out.next_change is None


def test_heat_cool_uses_both_sides_and_never_crosses_the_setpoints():
    schedule = Schedule(
        time_zone=PARIS,
        default=Target(heat=18, cool=20),
        sensors={"living": 1},
        rules=[
            RecurringRule(
                rule_id="day",
                target=Target(heat=21, cool=24),
                weekdays=range(7),
                start=time(6, 30),
                end=time(20),
            )
        ],
    )
    ctl = controller(schedule=schedule)
    out = step(ctl, at(5, 30), 17.0, mode=HvacMode.HEAT_COOL)
    assert out.preheat.active
    assert out.target == Target(
        heat=21, cool=24
    )  # heat 21 with cool 20 would be invalid: the upcoming target
    # A latched preheat while the room overheats: cooling is explained as cooling.
    hot = step(ctl, at(5, 40), 25.0, mode=HvacMode.HEAT_COOL)
    assert hot.commands == {"cooler": True}
    assert hot.explanation.code is ExplanationCode.COOLING


def test_a_side_without_a_setpoint_now_can_still_rise():
    schedule = Schedule(
        time_zone=PARIS,
        default=Target(cool=26),
        sensors={"living": 1},
        rules=[
            RecurringRule(
                rule_id="day",
                target=Target(heat=20, cool=24),
                weekdays=range(7),
                start=time(6, 30),
                end=time(20),
            )
        ],
    )
    ctl = controller(schedule=schedule)
    assert step(ctl, at(5, 30), 18.0).preheat.active
    cool_only = Schedule(
        time_zone=PARIS,
        default=Target(heat=18),
        sensors={"living": 1},
        rules=[
            RecurringRule(
                rule_id="day", target=Target(cool=24), weekdays=range(7), start=time(6, 30), end=time(20)
            )
        ],
    )
    assert step(controller(schedule=cool_only), at(5, 40), 25.5, mode=HvacMode.COOL).preheat.active


def test_daylight_saving_changes_cannot_shift_a_start():
    sunday = RecurringRule(
        rule_id="sunday", target=Target(heat=21), weekdays={6}, start=time(3, 30), end=time(9)
    )
    schedule = Schedule(time_zone=PARIS, default=Target(heat=17), sensors={"living": 1}, rules=[sunday])
    # Spring forward (29 March 2026, 02:00 -> 03:00): 03:30 CEST is 01:30 UTC; 130 minutes before is
    # 23:20 UTC, which the wall clock shows as 00:20 CET (3 h 10 min of wall time).
    spring = datetime(2026, 3, 29, 1, 30, tzinfo=UTC)
    ctl = controller(schedule=schedule, coolers={})
    out = step(ctl, datetime(2026, 3, 28, 23, 0, tzinfo=UTC), 17.0)
    assert out.preheat.change_at == spring
    assert out.preheat_starts_at == spring - 130 * MIN
    assert out.preheat_starts_at.astimezone(PARIS).hour == 0
    assert step(ctl, spring - 130 * MIN, 17.0).preheat.active
    # Fall back (25 October 2026): 03:30 CET is 02:30 UTC, after the repeated hour.
    autumn = datetime(2026, 10, 25, 2, 30, tzinfo=UTC)
    ctl = controller(schedule=schedule, coolers={})
    out = step(ctl, autumn - 3 * 60 * MIN, 17.0)
    assert out.preheat_starts_at == autumn - 130 * MIN
    assert out.explanation.code is not ExplanationCode.PREHEATING
    assert (
        step(ctl, autumn - 130 * MIN, 17.0)
        .explanation.render_en()
        .startswith("preheating: 17.0 °C, reaching 21.0 °C by 03:30")
    )


def test_running_equipment_is_kept_on_rather_than_restarted_past_the_midpoint():
    ctl = controller(learner=learner(rate=2.0, dead=20))
    step(ctl, at(3, 50), 16.7)  # a cycle holding 17 °C starts before the cold start (04:01)
    step(ctl, at(3, 51), 16.7, heater=True)
    # 06:30 - 3.7 °C / 2 °C/h = 04:39 with a warm heater, 04:19 with a cold one: the midpoint is 04:29.
    out = step(ctl, at(4, 35), 17.3, heater=True)
    assert out.preheat.active
    assert out.preheat_starts_at == at(4, 35)
    assert out.commands == {}
    assert out.relays["heater"].on
    early = controller(learner=learner(rate=2.0, dead=20))
    step(early, at(3, 50), 16.7)
    step(early, at(3, 51), 16.7, heater=True)
    out = step(early, at(4, 25), 17.3, heater=True)  # before the midpoint: a restart is the smaller error
    assert not out.preheat.active
    assert out.commands == {"heater": False}


def test_disabled_by_default_but_learning():
    ctl = controller(optimum_start=None)
    assert ctl.optimum_start == OptimumStartConfig()
    out = step(ctl, at(5), 17.0)
    assert out.preheat is None
    assert out.target.heat == 17
    assert out.rates[Side.HEAT].rate == 2.0
    assert out.rates[Side.COOL].learned


def test_runs_are_fed_to_the_learner_from_the_steps():
    ctl = controller(learner=RateLearner(), optimum_start=OptimumStartConfig(learn=True))
    step(ctl, at(9), 15.0)  # default target 17: the heater is asked to start
    temperature = 15.0
    outcomes = []
    for minute in range(1, 70):
        temperature += 3.0 / 60 if minute > 5 else 0.0
        out = step(ctl, at(9, minute), round(temperature, 2), heater=True, outdoor=5.0)
        outcomes.append(out.finished_runs)
        if out.finished_runs:
            break
    assert outcomes[-1] == {Side.HEAT: "accepted"}
    assert ctl.learner.runs(Side.HEAT) == 1
    assert ctl.learner.last_outcome(Side.HEAT) == "accepted"
    not_learning = controller(learner=RateLearner(), optimum_start=OptimumStartConfig(learn=False))
    step(not_learning, at(9), 15.0)
    for minute in range(1, 70):
        assert step(not_learning, at(9, minute), 15.0 + 3.0 * minute / 60, heater=True).finished_runs == {}
    assert not_learning.learner.runs(Side.HEAT) == 0


def test_an_interrupted_run_is_reported_and_noted():
    ctl = controller(learner=RateLearner())
    step(ctl, at(9), 15.0)
    step(ctl, at(9, 1), 15.0, heater=True)
    out = step(ctl, at(9, 2), 15.1, heater=True, mode=HvacMode.HEAT_COOL)
    assert out.finished_runs == {Side.HEAT: "interrupted"}
    assert ctl.learner.last_outcome(Side.HEAT) == "interrupted"


def test_learned_rates_survive_through_the_controller_state():
    ctl = controller()
    saved = json.loads(json.dumps(ctl.state_dict()))
    assert saved["learning"] == ctl.learner.to_dict()
    fresh = controller(learner=None)
    assert not fresh.learner.estimate(Side.HEAT).learned
    fresh.load_state(saved)
    assert fresh.learner.estimate(Side.HEAT).rate == 2.0
    older = controller(learner=None)
    older.load_state({key: value for key, value in saved.items() if key != "learning"})
    assert older.learner.runs(Side.HEAT) == 0
    with pytest.raises(ScheduleError):
        older.load_state(saved | {"learning": {"version": 99}})
    replacement = RateLearner.from_dict(saved["learning"])
    older.learner = replacement
    assert older.learner is replacement
