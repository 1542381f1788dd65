# ruff: noqa: DTZ001 - naive datetimes here are deliberate wall-clock times
"""Daylight saving transitions: 2026 in Europe/Paris (29 March, 25 October) and America/New_York
(8 March, 1 November)."""

from datetime import UTC, datetime, time, timedelta
from zoneinfo import ZoneInfo

import pytest

from custom_components.pyiot.core.thermostat import (
    CronRule,
    DatedRule,
    RecurringRule,
    Schedule,
    Target,
    wall_to_timestamp,
)

PARIS = ZoneInfo("Europe/Paris")
NEW_YORK = ZoneInfo("America/New_York")
ALL_DAYS = frozenset(range(7))
DEFAULT = Target(heat=16)


def schedule(zone, *rules):
    return Schedule(time_zone=zone, default=DEFAULT, sensors={"t": 1}, rules=rules)


def utc(*args):
    return datetime(*args, tzinfo=UTC)


def block(start, end, days=ALL_DAYS, rule_id="block"):
    return RecurringRule(rule_id=rule_id, target=Target(heat=21), weekdays=days, start=start, end=end)


def test_plain_wall_time():
    assert wall_to_timestamp(datetime(2026, 1, 10, 8), PARIS) == utc(2026, 1, 10, 7).timestamp()


@pytest.mark.parametrize(
    ("zone", "wall", "expected"),
    [
        (PARIS, datetime(2026, 3, 29, 2, 30), utc(2026, 3, 29, 1)),  # skipped: the transition, 03:00 CEST
        (PARIS, datetime(2026, 3, 29, 2, 0), utc(2026, 3, 29, 1)),
        (PARIS, datetime(2026, 3, 29, 3, 0), utc(2026, 3, 29, 1)),
        (PARIS, datetime(2026, 10, 25, 2, 30), utc(2026, 10, 25, 0, 30)),  # repeated: first (CEST)
        (NEW_YORK, datetime(2026, 3, 8, 2, 59, 59), utc(2026, 3, 8, 7)),
        (NEW_YORK, datetime(2026, 11, 1, 1, 30), utc(2026, 11, 1, 5, 30)),  # first, EDT
        (NEW_YORK, datetime(2026, 11, 1, 2, 0), utc(2026, 11, 1, 7)),
    ],
)
def test_wall_to_timestamp_at_transitions(zone, wall, expected):
    assert wall_to_timestamp(wall, zone) == expected.timestamp()


def test_half_hour_dst_shift():
    lord_howe = ZoneInfo("Australia/Lord_Howe")
    stamp = wall_to_timestamp(datetime(2026, 10, 4, 2, 15), lord_howe)
    local = datetime.fromtimestamp(stamp, lord_howe)
    assert (local.hour, local.minute, local.utcoffset()) == (2, 30, timedelta(hours=11))


def test_block_starting_in_the_skipped_hour_starts_at_the_transition():
    plan = schedule(PARIS, block(time(2, 30), time(6)))
    assert plan.evaluate(utc(2026, 3, 29, 0, 59)).rule_id is None
    active = plan.evaluate(utc(2026, 3, 29, 1, 0))
    assert active.rule_id == "block"
    assert active.next_change == datetime(2026, 3, 29, 6, tzinfo=PARIS)
    # An ordinary day for comparison: 02:30 CET.
    assert plan.evaluate(datetime(2026, 3, 28, 2, 29, tzinfo=PARIS)).rule_id is None
    assert plan.evaluate(datetime(2026, 3, 28, 2, 30, tzinfo=PARIS)).rule_id == "block"


def test_block_inside_the_skipped_hour_does_not_happen_that_day():
    plan = schedule(PARIS, block(time(2, 10), time(2, 40)))
    day = plan.instructions(datetime(2026, 3, 29, tzinfo=PARIS), 24)
    assert [item.rule_id for item in day] == [None]
    assert plan.evaluate(datetime(2026, 3, 30, 2, 20, tzinfo=PARIS)).rule_id == "block"


def test_block_ending_in_the_skipped_hour_ends_at_the_transition():
    plan = schedule(PARIS, block(time(1), time(2, 30)))
    assert plan.evaluate(utc(2026, 3, 29, 0, 30)).next_change == datetime(2026, 3, 29, 3, tzinfo=PARIS)


def test_block_in_the_repeated_hour_is_applied_once():
    plan = schedule(PARIS, block(time(2, 30), time(2, 45)))
    items = [item for item in plan.instructions(datetime(2026, 10, 25, tzinfo=PARIS), 24) if item.rule_id]
    assert len(items) == 1
    assert (items[0].start, items[0].end) == (utc(2026, 10, 25, 0, 30), utc(2026, 10, 25, 0, 45))
    assert plan.evaluate(utc(2026, 10, 25, 0, 40)).rule_id == "block"
    assert plan.evaluate(utc(2026, 10, 25, 1, 40)).rule_id is None  # 02:40 CET, the second time round


def test_new_york_fall_back_block_runs_through_the_repeated_hour_once():
    plan = schedule(NEW_YORK, block(time(1, 30), time(3)))
    items = [item for item in plan.instructions(datetime(2026, 11, 1, tzinfo=NEW_YORK), 24) if item.rule_id]
    assert [(item.start, item.end) for item in items] == [(utc(2026, 11, 1, 5, 30), utc(2026, 11, 1, 8))]


def test_overnight_block_is_an_hour_shorter_on_spring_forward_night():
    plan = schedule(NEW_YORK, block(time(22), time(7)))
    items = [
        item for item in plan.instructions(datetime(2026, 3, 7, 12, tzinfo=NEW_YORK), 24) if item.rule_id
    ]
    assert items[0].end - items[0].start == timedelta(hours=8)
    items = [
        item for item in plan.instructions(datetime(2026, 10, 31, 12, tzinfo=NEW_YORK), 24) if item.rule_id
    ]
    assert items[0].end - items[0].start == timedelta(hours=10)


def test_cron_firing_in_the_skipped_hour_fires_at_the_transition():
    rule = CronRule(rule_id="cron", target=Target(heat=21), cron="30 2 * * *", duration=timedelta(hours=1))
    plan = schedule(PARIS, rule)
    items = [item for item in plan.instructions(datetime(2026, 3, 29, tzinfo=PARIS), 24) if item.rule_id]
    assert [(item.start, item.end) for item in items] == [(utc(2026, 3, 29, 1), utc(2026, 3, 29, 2))]


def test_cron_in_the_repeated_hour_fires_once():
    rule = CronRule(
        rule_id="cron", target=Target(heat=21), cron="*/20 1 * * *", duration=timedelta(minutes=5)
    )
    plan = schedule(NEW_YORK, rule)
    items = [item for item in plan.instructions(datetime(2026, 11, 1, tzinfo=NEW_YORK), 24) if item.rule_id]
    assert [item.start for item in items] == [
        utc(2026, 11, 1, 5),
        utc(2026, 11, 1, 5, 20),
        utc(2026, 11, 1, 5, 40),
    ]


def test_cron_firings_inside_a_gap_collapse_into_one():
    rule = CronRule(
        rule_id="cron", target=Target(heat=21), cron="*/15 2 * * *", duration=timedelta(minutes=10)
    )
    plan = schedule(PARIS, rule)
    items = [item for item in plan.instructions(datetime(2026, 3, 29, tzinfo=PARIS), 24) if item.rule_id]
    assert [(item.start, item.end) for item in items] == [(utc(2026, 3, 29, 1), utc(2026, 3, 29, 1, 10))]


def test_whole_days_across_a_transition():
    rule = DatedRule.from_iso("2026-03-28/2026-03-29", rule_id="away", target=Target(heat=12))
    assert rule.span(PARIS) == (utc(2026, 3, 27, 23).timestamp(), utc(2026, 3, 29, 22).timestamp())
    plan = schedule(PARIS, rule)
    assert plan.evaluate(utc(2026, 3, 29, 21, 59)).rule_id == "away"
    assert plan.evaluate(utc(2026, 3, 29, 22)).rule_id is None


@pytest.mark.parametrize("zone", [PARIS, NEW_YORK])
def test_every_minute_of_transition_days_evaluates(zone):
    plan = schedule(zone, block(time(1, 30), time(2, 30)), block(time(2, 15), time(1, 45), rule_id="b"))
    for day in (
        datetime(2026, 3, 8, tzinfo=zone),
        datetime(2026, 3, 29, tzinfo=zone),
        datetime(2026, 11, 1, tzinfo=zone),
    ):
        start = day.timestamp()
        for minute in range(0, 26 * 60, 7):
            now = datetime.fromtimestamp(start + minute * 60, UTC)
            active = plan.evaluate(now)
            assert active.next_change is None or active.next_change > now
