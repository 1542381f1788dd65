# ruff: noqa: DTZ001 - naive datetimes here are deliberate wall-clock times
from datetime import UTC, date, datetime, time, timedelta
import itertools
from zoneinfo import ZoneInfo

import pytest

from custom_components.pyiot.core.thermostat import (
    OVERRIDE_ID,
    CronRule,
    DatedRule,
    OverrideRule,
    RecurringRule,
    Schedule,
    ScheduleError,
    Target,
    TargetLimits,
)

PARIS = ZoneInfo("Europe/Paris")
WEEKDAYS = frozenset(range(5))
ALL_DAYS = frozenset(range(7))
MONDAY = datetime(2026, 12, 14, tzinfo=PARIS)  # a Monday


def at(day, hour, minute=0):
    return datetime(2026, 12, day, hour, minute, tzinfo=PARIS)


def block(rule_id, start, end, heat, days=ALL_DAYS, **kwargs):
    return RecurringRule(
        rule_id=rule_id, target=Target(heat=heat), weekdays=days, start=start, end=end, **kwargs
    )


def plan(*rules, **kwargs):
    return Schedule(
        time_zone="Europe/Paris", default=Target(heat=17), sensors={"living": 1}, rules=rules, **kwargs
    )


HOME = plan(
    block("morning", time(6, 30), time(8, 30), 20.5, WEEKDAYS, name="weekday morning"),
    block("day", time(6), time(23), 19),
    block("night", time(22), time(6), 16, sensors={"bedroom": 1}),
    CronRule(rule_id="bath", target=Target(heat=22), cron="0 19 * * SAT,SUN", duration=timedelta(hours=1)),
    DatedRule.from_iso("2026-12-21/2026-12-28", rule_id="away", target=Target(heat=12)),
)


def test_default_applies_when_no_rule_is_active():
    active = plan().evaluate(MONDAY)
    assert (active.rule, active.rule_id, active.rule_name, active.target) == (
        None,
        None,
        None,
        Target(heat=17),
    )
    assert dict(active.sensors) == {"living": 1.0}
    assert active.next_change is None


def test_narrower_window_wins_within_a_tier():
    active = HOME.evaluate(at(14, 7))
    assert (active.rule_id, active.rule_name, active.target.heat) == ("morning", "weekday morning", 20.5)
    assert active.next_change == at(14, 8, 30)
    assert HOME.evaluate(at(14, 8, 30)).rule_id == "day"
    # 22:00-23:00: "night" (8 h) is narrower than "day" (17 h).
    assert HOME.evaluate(at(14, 22, 30)).rule_id == "night"


def test_rule_sensor_set_replaces_the_default_one():
    assert dict(HOME.evaluate(at(15, 3)).sensors) == {"bedroom": 1.0}
    assert dict(HOME.evaluate(at(15, 12)).sensors) == {"living": 1.0}


def test_cron_and_recurring_share_a_tier():
    assert HOME.evaluate(at(19, 19, 30)).rule_id == "bath"  # Saturday: 1 h beats the 17 h day block
    assert HOME.evaluate(at(18, 19, 30)).rule_id == "day"  # Friday: no bath


def test_dated_range_beats_recurring_and_ends_after_its_last_day():
    for moment in (at(21, 0), at(24, 7), at(28, 23, 59)):
        assert HOME.evaluate(moment).rule_id == "away"
    assert HOME.evaluate(at(24, 7)).next_change == at(29, 0)
    assert HOME.evaluate(at(29, 0)).rule_id == "night"


def test_override_beats_everything():
    schedule = HOME.with_override(at(22, 10), Target(heat=21), duration=timedelta(hours=2))
    assert schedule.evaluate(at(22, 11)).rule_id == OVERRIDE_ID
    assert schedule.evaluate(at(22, 11)).next_change == at(22, 12)
    assert schedule.evaluate(at(22, 12)).rule_id == "away"


def test_tie_goes_to_the_later_start_then_to_the_smaller_id():
    later = plan(block("a", time(8), time(10), 20), block("b", time(9), time(11), 21))
    assert later.evaluate(at(14, 9, 30)).rule_id == "b"
    assert later.evaluate(at(14, 8, 30)).rule_id == "a"
    assert later.evaluate(at(14, 10, 30)).rule_id == "b"
    same = plan(block("zeta", time(8), time(10), 20), block("alpha", time(8), time(10), 21))
    assert same.evaluate(at(14, 9)).rule_id == "alpha"


def test_specificity_uses_the_whole_occurrence_not_what_is_left():
    # "short" (2 h) started earlier and ends sooner, "long" (3 h) started later: the narrower one wins
    # even though less of the long one is left at 9:30.
    schedule = plan(block("short", time(8), time(10), 20), block("long", time(9), time(12), 21))
    assert schedule.evaluate(at(14, 9, 30)).rule_id == "short"


def test_conflicts_list_overlapping_rules_with_identical_specificity():
    schedule = plan(
        block("a", time(8), time(10), 20),
        block("b", time(9), time(11), 21),
        block("c", time(9), time(12), 21),
        block("d", time(18), time(20), 21),
        CronRule(rule_id="e", target=Target(heat=20), cron="30 9 * * *", duration=timedelta(hours=2)),
        DatedRule.from_iso("2026-12-21/P1D", rule_id="f", target=Target(heat=12)),
        DatedRule.from_iso("2026-12-21/2026-12-21", rule_id="g", target=Target(heat=12)),
    )
    assert schedule.conflicts(MONDAY, days=14) == [("a", "b"), ("a", "e"), ("b", "e"), ("f", "g")]
    assert HOME.conflicts(MONDAY) == []
    with pytest.raises(ScheduleError):
        HOME.conflicts(MONDAY, days=0)


def test_instructions_cover_the_window_and_are_cached():
    items = HOME.instructions(at(14, 6), 24)
    assert items[0].start == at(14, 6)
    assert items[-1].end == at(15, 6)
    assert [(item.rule_id, item.target.heat) for item in items] == [
        ("day", 19),
        ("morning", 20.5),
        ("day", 19),
        ("night", 16),
    ]
    for first, second in itertools.pairwise(items):
        assert first.end == second.start
    assert HOME.instructions(at(14, 6), 24) == items
    assert HOME.instructions(at(14, 6), 24) is not items  # callers get their own list
    assert HOME._instructions[at(14, 6).timestamp(), 24.0]
    for _ in range(40):
        HOME.instructions(at(1, 0), 1 + _)
    assert len(HOME._instructions) <= 32


@pytest.mark.parametrize("hours", [0, -1, True, "24", 1e9])
def test_instructions_reject_bad_windows(hours):
    with pytest.raises(ScheduleError) as err:
        HOME.instructions(MONDAY, hours)
    assert err.value.translation_key == "invalid_duration"


def test_naive_datetimes_are_refused():
    for call in (
        lambda: HOME.evaluate(datetime(2026, 1, 1)),
        lambda: HOME.instructions(datetime(2026, 1, 1), 1),
        lambda: HOME.with_override(datetime(2026, 1, 1), Target(heat=20)),
        lambda: HOME.prune(datetime(2026, 1, 1)),
    ):
        with pytest.raises(ScheduleError) as err:
            call()
        assert err.value.translation_key == "naive_datetime"


def test_override_until_the_next_scheduled_change():
    schedule = HOME.with_override(at(14, 7), Target(heat=22.5), name="Manual")
    override = schedule.rule(OVERRIDE_ID)
    assert isinstance(override, OverrideRule)
    assert (override.start, override.end, override.name) == (at(14, 7), at(14, 8, 30), "Manual")
    # Setting again replaces it, and its end ignores the existing override.
    again = schedule.with_override(at(14, 7, 30), Target(heat=23))
    assert [rule.rule_id for rule in again.rules].count(OVERRIDE_ID) == 1
    assert again.rule(OVERRIDE_ID).end == at(14, 8, 30)  # type: ignore[union-attr]
    assert again.evaluate(at(14, 8)).target == Target(heat=23)


def test_override_without_any_scheduled_change_holds_for_the_default_hold():
    schedule = plan(lookahead=timedelta(days=2)).with_override(MONDAY, Target(heat=20))
    assert schedule.rule(OVERRIDE_ID).end == MONDAY + timedelta(hours=2)  # type: ignore[union-attr]


def test_override_validation():
    with pytest.raises(ScheduleError, match="must be positive"):
        HOME.with_override(MONDAY, Target(heat=20), duration=timedelta(0))
    with pytest.raises(ScheduleError, match="outside"):
        HOME.with_override(MONDAY, Target(heat=40))


def test_prune_drops_expired_overrides_for_good():
    schedule = HOME.with_override(at(14, 7), Target(heat=22), duration=timedelta(minutes=30))
    assert schedule.prune(at(14, 7, 29)) is schedule
    pruned = schedule.prune(at(14, 7, 30))
    assert OVERRIDE_ID not in [rule.rule_id for rule in pruned.rules]
    assert pruned.evaluate(at(14, 7, 10)).rule_id == "morning"  # even if the clock goes back
    assert [rule.rule_id for rule in pruned.rules] == [rule.rule_id for rule in HOME.rules]


def test_rule_editing_returns_new_validated_schedules():
    assert HOME.rule("night").rule_id == "night"
    with pytest.raises(ScheduleError):
        HOME.rule("nope")
    changed = HOME.with_rule(block("night", time(23), time(6), 15))
    assert [rule.rule_id for rule in changed.rules] == [rule.rule_id for rule in HOME.rules]
    assert changed.evaluate(at(14, 22, 30)).rule_id == "day"
    assert HOME.evaluate(at(14, 22, 30)).rule_id == "night"  # the original is untouched
    added = HOME.with_rule(block("extra", time(12), time(13), 21))
    assert added.evaluate(at(14, 12, 30)).rule_id == "extra"
    removed = HOME.without_rule("morning")
    assert removed.evaluate(at(14, 7)).rule_id == "day"
    with pytest.raises(ScheduleError) as err:
        HOME.without_rule("nope")
    assert err.value.translation_key == "unknown_rule"
    default = HOME.with_default(Target(heat=18), {"hall": 2})
    assert default.evaluate(at(14, 23, 30)).target == Target(heat=16)
    assert plan().with_default(Target(heat=18)).evaluate(MONDAY).target == Target(heat=18)
    assert dict(default.sensors) == {"hall": 2.0}
    assert default.without_overrides() == default


def test_construction_validation():
    cases = [
        (
            {"rules": [block("a", time(1), time(2), 20), block("a", time(3), time(4), 20)]},
            "duplicate_rule_id",
        ),
        ({"rules": ["not a rule"]}, "invalid_data"),
        ({"rules": [block("a", time(1), time(2), 36)]}, "target_out_of_range"),
        ({"default": Target(heat=4)}, "target_out_of_range"),
        ({"default": 20}, "invalid_data"),
        ({"sensors": {}}, "empty_sensors"),
        ({"time_zone": "Mars/Olympus"}, "invalid_time_zone"),
        ({"time_zone": ""}, "invalid_time_zone"),
        ({"time_zone": "../etc/passwd"}, "invalid_time_zone"),
        ({"time_zone": 5}, "invalid_time_zone"),
        ({"lookahead": timedelta(0)}, "invalid_duration"),
        (
            {
                "rules": [
                    DatedRule(
                        rule_id="x",
                        target=Target(heat=20),
                        start=datetime(2026, 1, 1, 12, tzinfo=UTC),
                        end=date(2025, 12, 1),
                    )
                ]
            },
            "end_before_start",
        ),
    ]
    for changes, key in cases:
        kwargs = {"time_zone": PARIS, "default": Target(heat=17), "sensors": {"t": 1}} | changes
        with pytest.raises(ScheduleError) as err:
            Schedule(**kwargs)
        assert err.value.translation_key == key, changes


def test_custom_limits():
    schedule = Schedule(
        time_zone=PARIS, default=Target(heat=3), sensors={"t": 1}, limits=TargetLimits(minimum=0, maximum=10)
    )
    assert schedule.limits.maximum == 10
    with pytest.raises(ScheduleError):
        schedule.with_rule(block("a", time(1), time(2), 11))


def test_storage_round_trip_and_time_zone_replacement():
    data = HOME.with_override(at(14, 7), Target(heat=22)).to_dict()
    restored = Schedule.from_dict(data)
    assert restored == HOME.with_override(at(14, 7), Target(heat=22))
    assert restored.evaluate(at(14, 7, 30)).rule_id == OVERRIDE_ID
    moved = Schedule.from_dict(data, time_zone="America/New_York")
    assert moved.time_zone.key == "America/New_York"
    assert moved != restored
    assert restored != "schedule"
    assert "Europe/Paris" in repr(restored)


@pytest.mark.parametrize(
    "mutate",
    [
        lambda d: d.update(version=2),
        lambda d: d.pop("rules"),
        lambda d: d.update(rules={"a": 1}),
        lambda d: d.update(limits=[5, 35]),
        lambda d: d.update(lookahead=True),
        lambda d: d.update(lookahead="long"),
        lambda d: d.update(time_zone=None),
        lambda d: d.update(sensors=None),
        lambda d: d["rules"].append(d["rules"][0]),
        lambda d: d["rules"][0].update(weekdays=[9]),
        lambda d: d.update(default={"heat": "hot"}),
    ],
)
def test_corrupted_storage_raises_schedule_error(mutate):
    data = HOME.to_dict()
    mutate(data)
    with pytest.raises(ScheduleError):
        Schedule.from_dict(data)
    with pytest.raises(ScheduleError):
        Schedule.from_dict("not a dict")


def test_evaluation_far_from_the_cached_range_rebuilds_the_cache():
    first = HOME.evaluate(at(14, 7))
    assert HOME.evaluate(datetime(2031, 6, 2, 7, tzinfo=PARIS)).rule_id == "morning"
    assert HOME._timeline.start > at(14, 7).timestamp()
    assert HOME.evaluate(at(14, 7)) == first
    assert HOME.evaluate(datetime(2020, 6, 1, 7, tzinfo=PARIS)).rule_id == "morning"


def test_cache_grows_backwards_and_forwards_seamlessly():
    schedule = plan(*HOME.rules)
    reference = [schedule.evaluate(at(14, 7) + timedelta(hours=h)) for h in range(0, 24 * 40, 5)]
    fresh = plan(*HOME.rules)
    backwards = [fresh.evaluate(at(14, 7) + timedelta(hours=h)) for h in reversed(range(0, 24 * 40, 5))]
    assert [(a.rule_id, a.next_change) for a in reference] == [
        (a.rule_id, a.next_change) for a in reversed(backwards)
    ]


def test_next_change_beyond_the_look_ahead_is_none():
    schedule = plan(
        DatedRule.from_iso("2027-03-01/2027-03-02", rule_id="far", target=Target(heat=12)),
        lookahead=timedelta(days=30),
    )
    assert schedule.evaluate(MONDAY).next_change is None
    assert schedule.evaluate(datetime(2027, 2, 20, tzinfo=PARIS)).next_change == datetime(
        2027, 3, 1, tzinfo=PARIS
    )
    # The open segment is answered again from the cache, and keeps moving with the look-ahead.
    assert schedule.evaluate(MONDAY + timedelta(days=1)).next_change is None


def test_lookahead_property():
    assert HOME.lookahead == timedelta(days=31)


def test_chunk_boundaries_with_a_change_exactly_there():
    # Cache chunks start on Thursdays 00:00 UTC (01:00 in Paris in winter): a block starting exactly
    # there must not be merged into the previous segment, whichever way the cache grows.
    thursday = datetime(2026, 1, 8, 0, tzinfo=UTC)
    assert thursday.timestamp() % (7 * 86400) == 0
    rule = block("thu", time(1), time(2), 21, days={3})
    for order in (1, -1):
        schedule = plan(rule)
        moments = [thursday + timedelta(hours=h) for h in range(-24 * 8, 24 * 8, 3)][::order]
        for moment in moments:
            schedule.evaluate(moment)
        assert schedule.evaluate(thursday - timedelta(seconds=1)).rule_id is None
        assert schedule.evaluate(thursday).rule_id == "thu"
        assert schedule.evaluate(thursday - timedelta(seconds=1)).next_change == thursday
