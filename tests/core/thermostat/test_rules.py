# ruff: noqa: DTZ001 - naive datetimes here are deliberate wall-clock times
from datetime import UTC, date, datetime, time, timedelta
import math

import pytest

from custom_components.pyiot.core.thermostat import (
    MAX_CRON_DURATION,
    CronRule,
    DatedRule,
    OverrideRule,
    RecurringRule,
    ScheduleError,
    Target,
    rule_from_dict,
)

WARM = Target(heat=21)
NOW = datetime(2026, 1, 5, 8, tzinfo=UTC)


def key_of(callable_, **kwargs):
    with pytest.raises(ScheduleError) as err:
        callable_(**kwargs)
    return err.value.translation_key


def recurring(**changes):
    kwargs = {"rule_id": "r", "target": WARM, "weekdays": {0}, "start": time(6), "end": time(8)} | changes
    return RecurringRule(**kwargs)


@pytest.mark.parametrize(
    ("changes", "key"),
    [
        ({"rule_id": ""}, "invalid_rule_id"),
        ({"rule_id": 5}, "invalid_rule_id"),
        ({"name": None}, "invalid_data"),
        ({"target": {"heat": 20}}, "invalid_data"),
        ({"weekdays": set()}, "no_weekdays"),
        ({"weekdays": {7}}, "unknown_weekday"),
        ({"weekdays": {-1}}, "unknown_weekday"),
        ({"weekdays": {True}}, "unknown_weekday"),
        ({"weekdays": "mon"}, "unknown_weekday"),
        ({"weekdays": 3}, "invalid_data"),
        ({"start": "06:00"}, "invalid_data"),
        ({"end": time(6)}, "empty_block"),
        ({"sensors": {}}, "empty_sensors"),
        ({"sensors": {"a": 0}}, "invalid_weight"),
        ({"sensors": {"a": -1}}, "invalid_weight"),
        ({"sensors": {"a": math.nan}}, "invalid_weight"),
        ({"sensors": {"a": True}}, "invalid_weight"),
        ({"sensors": {"": 1}}, "invalid_weight"),
        ({"sensors": [("a", 1)]}, "empty_sensors"),
    ],
)
def test_recurring_validation(changes, key):
    assert key_of(recurring, **changes) == key


def test_recurring_normalises_fields():
    rule = recurring(weekdays=[0, 0, 2], start=time(6, tzinfo=UTC), sensors={"a": 2})
    assert rule.weekdays == frozenset({0, 2})
    assert rule.start.tzinfo is None
    assert dict(rule.sensors) == {"a": 2.0}
    with pytest.raises(TypeError):
        rule.sensors["b"] = 1  # type: ignore[index]


def test_cron_rule_validation():
    rule = CronRule(rule_id="c", target=WARM, cron="0  7 * * mon", duration=timedelta(hours=1))
    assert rule.cron == "0 7 * * mon"
    assert rule.expression.expression == "0 7 * * mon"
    with pytest.raises(ScheduleError, match="needs 5 fields"):
        CronRule(rule_id="c", target=WARM, cron="0 7", duration=timedelta(hours=1))
    for duration, key in (
        (timedelta(0), "invalid_duration"),
        (3600, "invalid_duration"),
        (MAX_CRON_DURATION + timedelta(seconds=1), "duration_too_long"),
    ):
        assert key_of(CronRule, rule_id="c", target=WARM, cron="0 7 * * *", duration=duration) == key


def test_dated_rule_validation():
    assert key_of(DatedRule, rule_id="d", target=WARM, start=date(2026, 1, 2), end=date(2026, 1, 1)) == (
        "end_before_start"
    )
    assert (
        key_of(DatedRule, rule_id="d", target=WARM, start="2026-01-01", end=date(2026, 1, 1))
        == "invalid_data"
    )
    start = datetime(2026, 1, 1, 12)
    assert (
        key_of(DatedRule, rule_id="d", target=WARM, start=start, end=date(2025, 12, 31)) == "end_before_start"
    )
    DatedRule(rule_id="d", target=WARM, start=start, end=date(2026, 1, 1))  # until the end of that day
    DatedRule(rule_id="d", target=WARM, start=date(2026, 1, 1), end=date(2026, 1, 1))


def test_dated_rule_from_iso():
    rule = DatedRule.from_iso("2026-12-21/2026-12-28", rule_id="away", name="Away", target=Target(heat=12))
    assert (rule.start, rule.end, rule.name) == (date(2026, 12, 21), date(2026, 12, 28), "Away")
    assert (
        key_of(DatedRule.from_iso, text="2026-12-28/2026-12-21", rule_id="x", target=WARM)
        == "end_before_start"
    )
    assert key_of(DatedRule.from_iso, text="next week", rule_id="x", target=WARM) == "invalid_iso"


def test_override_validation():
    assert (
        key_of(OverrideRule, rule_id="o", target=WARM, start=datetime(2026, 1, 1), end=NOW)
        == "naive_datetime"
    )
    assert key_of(OverrideRule, rule_id="o", target=WARM, start=NOW, end=NOW) == "end_before_start"
    assert key_of(OverrideRule, rule_id="o", target=WARM, start=date(2026, 1, 1), end=NOW) == "invalid_data"


ALL_KINDS = [
    recurring(name="Morning", sensors={"a": 1, "b": 0.5}),
    recurring(start=time(22), end=time(6, 30, 15), weekdays=range(7)),
    CronRule(rule_id="c", target=Target(heat=20, cool=24), cron="@daily", duration=timedelta(minutes=90)),
    DatedRule(rule_id="d1", target=Target(cool=26), start=date(2026, 7, 1), end=date(2026, 7, 15)),
    DatedRule(
        rule_id="d2", target=WARM, start=datetime(2026, 7, 1, 8), end=datetime(2026, 7, 1, 9, tzinfo=UTC)
    ),
    OverrideRule(rule_id="o", target=WARM, start=NOW, end=NOW + timedelta(hours=2)),
]


@pytest.mark.parametrize("rule", ALL_KINDS, ids=lambda rule: rule.kind)
def test_round_trip(rule):
    assert rule_from_dict(rule.to_dict()) == rule


@pytest.mark.parametrize(
    "junk",
    [
        None,
        [],
        {"kind": "weekly"},
        {
            "kind": "recurring",
            "id": "r",
            "target": {"heat": 20},
            "weekdays": "0",
            "start": "06:00",
            "end": "07:00",
        },
        {"kind": "recurring", "id": "r", "target": {"heat": 20}, "weekdays": [0], "start": 6, "end": "07:00"},
        {
            "kind": "recurring",
            "id": "r",
            "target": {"heat": 20},
            "weekdays": [0],
            "start": "6h",
            "end": "07:00",
        },
        {
            "kind": "recurring",
            "id": "r",
            "target": {"heat": 20},
            "weekdays": [[0]],
            "start": "06:00",
            "end": "07:00",
        },
        {"kind": "cron", "id": "c", "target": {"heat": 20}, "cron": "@daily", "duration": "1h"},
        {"kind": "cron", "id": "c", "target": {"heat": 20}, "cron": "@daily", "duration": True},
        {"kind": "cron", "id": "c", "target": {"heat": 20}, "cron": "@daily", "duration": 1e300},
        {"kind": "cron", "id": "c", "target": {"heat": 20}, "cron": "@daily", "duration": math.nan},
        {"kind": "dated", "id": "d", "target": {"heat": 20}, "start": "2026-01-01", "end": None},
        {"kind": "override", "id": "o", "target": {"heat": 20}, "start": "2026-01-01T00:00", "end": "x"},
        {"kind": "override", "id": "o", "target": None, "start": "2026-01-01T00:00", "end": "x"},
    ],
)
def test_from_dict_raises_schedule_error_only(junk):
    with pytest.raises(ScheduleError):
        rule_from_dict(junk)
