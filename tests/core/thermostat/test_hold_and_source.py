from datetime import UTC, datetime, time, timedelta
from zoneinfo import ZoneInfo

import pytest

from custom_components.pyiot.core.thermostat import (
    OVERRIDE_ID,
    ActiveSource,
    HoldPolicy,
    HvacMode,
    Hysteresis,
    Reading,
    RecurringRule,
    RelayGuard,
    Schedule,
    ScheduleError,
    SourceKind,
    Target,
    ThermostatController,
)
from custom_components.pyiot.core.thermostat.editing import set_away
from custom_components.pyiot.core.thermostat.source import format_until

PARIS = ZoneInfo("Europe/Paris")
MONDAY_7 = datetime(2026, 1, 5, 7, tzinfo=PARIS)
MORNING = RecurringRule(
    rule_id="morning",
    name="weekday morning",
    target=Target(heat=20.5),
    weekdays=frozenset(range(5)),
    start=time(6, 30),
    end=time(8, 30),
)


def schedule(*rules):
    return Schedule(time_zone=PARIS, default=Target(heat=17), sensors={"living": 1}, rules=rules)


def controller(sched, **kwargs):
    return ThermostatController(
        schedule=sched,
        algorithm=Hysteresis(),
        heaters={"heater": RelayGuard()},
        presets={"eco": Target(heat=18), "away": Target(heat=12)},
        **kwargs,
    )


def step(ctl, now, preset=None):
    return ctl.step(
        now,
        {"living": Reading(value=19.0, updated=now)},
        None,
        hvac_mode=HvacMode.HEAT,
        preset=preset,
        relays_actual={"heater": False},
    )


def test_policy_holds_until_the_next_change_within_the_horizon_else_the_default_hold():
    policy = HoldPolicy()
    now = MONDAY_7
    assert policy.end(now, now + timedelta(hours=5)) == now + timedelta(hours=5)
    assert policy.end(now, now + timedelta(days=1)) == now + timedelta(days=1)
    assert policy.end(now, now + timedelta(days=3)) == now + timedelta(hours=2)
    assert policy.end(now, None) == now + timedelta(hours=2)
    assert HoldPolicy(default_hold=timedelta(minutes=45)).end(now, None) == now + timedelta(minutes=45)


@pytest.mark.parametrize("field", ["default_hold", "horizon"])
@pytest.mark.parametrize("value", [timedelta(0), timedelta(minutes=-1), 3600])
def test_policy_rejects_durations_that_are_not_positive(field, value):
    with pytest.raises(ScheduleError) as caught:
        HoldPolicy(**{field: value})
    assert caught.value.translation_key == "invalid_setting"


def test_card_setpoint_with_no_schedule_holds_for_the_default_hold_not_a_month():
    ctl = controller(schedule())
    ctl.set_manual_target(MONDAY_7, Target(heat=22))
    out = step(ctl, MONDAY_7)
    assert out.next_change == MONDAY_7 + timedelta(hours=2)
    assert step(ctl, MONDAY_7 + timedelta(hours=2)).target == Target(heat=17)


def test_card_setpoint_holds_until_the_next_scheduled_change():
    ctl = controller(schedule(MORNING), hold=HoldPolicy(default_hold=timedelta(hours=3)))
    ctl.set_manual_target(MONDAY_7, Target(heat=22))
    assert step(ctl, MONDAY_7).next_change == datetime(2026, 1, 5, 8, 30, tzinfo=PARIS)
    # Friday 09:00: the next change is Monday 06:30, more than a day away: the configured hold.
    friday = datetime(2026, 1, 9, 9, tzinfo=PARIS)
    ctl.set_manual_target(friday, Target(heat=22))
    assert step(ctl, friday).next_change == friday + timedelta(hours=3)
    assert ctl.hold.default_hold == timedelta(hours=3)


def test_resume_schedule_clears_the_override():
    ctl = controller(schedule(MORNING))
    ctl.set_manual_target(MONDAY_7, Target(heat=23))
    assert step(ctl, MONDAY_7).source.kind is SourceKind.OVERRIDE
    resumed = ctl.resume_schedule()
    assert ctl.schedule is resumed
    assert OVERRIDE_ID not in [rule.rule_id for rule in resumed.rules]
    out = step(ctl, MONDAY_7)
    assert (out.source.kind, out.target) == (SourceKind.SCHEDULE, Target(heat=20.5))


def test_the_source_is_named_in_plain_words():
    ctl = controller(schedule(MORNING))
    out = step(ctl, MONDAY_7)
    assert out.source == ActiveSource(
        kind=SourceKind.SCHEDULE,
        rule_id="morning",
        placeholders={"name": "weekday morning", "until": "08:30", "until_iso": "2026-01-05T07:30:00+00:00"},
    )
    assert out.source.render_en() == "schedule 'weekday morning'"
    assert out.explanation.placeholders["source_type"] == "schedule"

    assert step(ctl, MONDAY_7 + timedelta(hours=3)).source.render_en() == "default temperature"

    ctl.set_manual_target(MONDAY_7, Target(heat=23))
    out = step(ctl, MONDAY_7)
    assert out.source.render_en() == "manual setting until 08:30"
    assert out.explanation.render_en() == (
        "heating: 19.0 °C below 23.0 °C target from your manual setting until 08:30"
    )
    assert out.source.to_dict() == {
        "kind": "override",
        "rule_id": "override",
        "placeholders": {"name": "override", "until": "08:30", "until_iso": "2026-01-05T07:30:00+00:00"},
        "text": "manual setting until 08:30",
    }

    # A preset wins over the override, and says so (the override is not shown as active).
    out = step(ctl, MONDAY_7, preset="eco")
    assert (out.source.kind, out.source.rule_id, out.source.render_en()) == (
        SourceKind.PRESET,
        None,
        "preset 'eco'",
    )
    assert out.explanation.render_en() == "idle: 19.0 °C, target 18.0 °C from preset 'eco'"


def test_away_period_is_named_away_with_its_end():
    start = datetime(2026, 1, 5, 6, tzinfo=PARIS)
    ctl = controller(set_away(schedule(MORNING), start, start + timedelta(days=3), Target(heat=12)))
    out = step(ctl, MONDAY_7)
    assert out.source.kind is SourceKind.AWAY
    assert out.source.render_en() == "away until 2026-01-08 06:00"
    assert out.explanation.to_dict() == {
        "key": "idle",
        "placeholders": {
            "current": "19.0",
            "source_type": "away",
            "source": "away",
            "until": "2026-01-08 06:00",
            "target": "12.0",
        },
        "text": "idle: 19.0 °C, target 12.0 °C from the away period until 2026-01-08 06:00",
    }


def test_format_until():
    now = datetime(2026, 1, 5, 23, tzinfo=UTC)
    assert format_until(None, now, PARIS) == ""
    assert format_until(now + timedelta(hours=2), now, PARIS) == "02:00"
    assert format_until(now + timedelta(days=1), now, PARIS) == "2026-01-07 00:00"
