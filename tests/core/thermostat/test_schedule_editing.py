from datetime import date, datetime, time, timedelta
from zoneinfo import ZoneInfo

import pytest

from custom_components.pyiot.core.thermostat import (
    AWAY_RULE_ID,
    OVERRIDE_ID,
    CronRule,
    DatedRule,
    HoldPolicy,
    OverrideRule,
    RecurringRule,
    Schedule,
    ScheduleError,
    Target,
    editing,
)
from custom_components.pyiot.core.thermostat.editing import (
    add_block,
    add_range,
    blocks,
    clear_away,
    clear_override,
    copy_day,
    delete_block,
    delete_rule,
    move_block,
    resize_block,
    set_away,
    set_block_target,
    set_override,
)

PARIS = ZoneInfo("Europe/Paris")
MON, TUE, WED, THU, FRI, SAT, SUN = range(7)
NOW = datetime(2026, 1, 5, 7, tzinfo=PARIS)  # Monday


def rule(rule_id, days, start, end, heat=20.0, **kwargs):
    return RecurringRule(
        rule_id=rule_id,
        target=Target(heat=heat),
        weekdays=frozenset(days),
        start=time(*start),
        end=time(*end),
        **kwargs,
    )


def schedule(*rules):
    return Schedule(time_zone=PARIS, default=Target(heat=17), sensors={"living": 1}, rules=rules)


WEEK = schedule(
    rule("morning", range(5), (6, 30), (8, 30), 21, name="weekday morning", sensors={"office": 2}),
    rule("evening", range(7), (18, 0), (22, 0), 20),
    CronRule(rule_id="bath", target=Target(heat=22), cron="0 19 * * SAT", duration=timedelta(hours=1)),
)


def summary(sched):
    return [(b.rule_id, b.weekday, b.rule.start, b.rule.end, b.rule.target.heat) for b in blocks(sched)]


def key_of(call):
    with pytest.raises(ScheduleError) as caught:
        call()
    return caught.value.translation_key


def test_blocks_lists_every_weekday_of_every_recurring_rule_in_week_order():
    found = summary(WEEK)
    assert len(found) == 12
    assert found[:3] == [
        ("morning", MON, time(6, 30), time(8, 30), 21),
        ("evening", MON, time(18), time(22), 20),
        ("morning", TUE, time(6, 30), time(8, 30), 21),
    ]


def test_add_block_gets_a_fresh_id_and_may_touch_its_neighbours():
    added = add_block(WEEK, weekdays={MON, TUE}, start=time(8, 30), end=time(12), target=Target(heat=19))
    assert added.rule("block_1").weekdays == {MON, TUE}  # type: ignore[union-attr]
    again = add_block(added, weekdays={SUN}, start=time(0), end=time(6), target=Target(heat=18), name="n")
    assert again.rule("block_2").name == "n"
    assert WEEK.rules == WEEK.rules  # the original is untouched (immutable)
    assert len(WEEK.rules) == 3


def test_add_block_refuses_an_overlap_with_its_day_and_across_midnight_and_the_week_end():
    assert (
        key_of(lambda: add_block(WEEK, weekdays={MON}, start=time(8), end=time(9), target=Target(heat=19)))
        == "blocks_overlap"
    )
    # Sunday 23:00 to Monday 07:00 meets Monday's 06:30 morning block.
    with pytest.raises(ScheduleError) as caught:
        add_block(WEEK, weekdays={SUN}, start=time(23), end=time(7), target=Target(heat=19))
    assert caught.value.placeholders == {
        "rule_id": "block_1",
        "weekday": "sun",
        "other": "morning",
        "other_weekday": "mon",
    }
    # ending exactly at midnight is fine
    ok = add_block(WEEK, weekdays={SUN}, start=time(22), end=time(0), target=Target(heat=19))
    assert ok.rule("block_1").end == time(0)  # type: ignore[union-attr]


def test_moving_one_day_of_a_shared_rule_splits_it_off():
    moved = move_block(WEEK, "morning", WED, start=time(7))
    assert moved.rule("morning").weekdays == {MON, TUE, THU, FRI}  # type: ignore[union-attr]
    split = moved.rule("morning_wed_1")
    assert isinstance(split, RecurringRule)
    assert (split.weekdays, split.start, split.end, split.name) == (
        {WED},
        time(7),
        time(9),
        "weekday morning",
    )
    assert split.sensors == {"office": 2.0}
    # the split keeps the rule's place in the order
    assert [r.rule_id for r in moved.rules] == ["morning", "morning_wed_1", "evening", "bath"]


def test_moving_to_another_day_and_moving_a_whole_rule():
    moved = move_block(WEEK, "morning", FRI, start=time(9), to_weekday=SAT)
    assert moved.rule("morning_fri_1").weekdays == {SAT}  # type: ignore[union-attr]
    whole = move_block(WEEK, "evening", MON, start=time(17), scope="rule")
    assert whole.rule("evening") == rule("evening", range(7), (17, 0), (21, 0), 20)
    shifted = move_block(WEEK, "morning", MON, start=time(6, 30), to_weekday=TUE, scope="rule")
    assert shifted.rule("morning").weekdays == {TUE, WED, THU, FRI, SAT}  # type: ignore[union-attr]
    # a block that now crosses midnight
    late = move_block(WEEK, "evening", SUN, start=time(23), scope="day")
    assert late.rule("evening_sun_1").end == time(3)  # type: ignore[union-attr]


def test_a_single_day_rule_is_changed_in_place():
    single = schedule(rule("only", {MON}, (6, 0), (7, 0)))
    assert move_block(single, "only", MON, start=time(8)).rule("only").start == time(8)  # type: ignore[union-attr]


def test_resize_and_set_target():
    resized = resize_block(WEEK, "morning", MON, start=time(6), end=time(9))
    assert resized.rule("morning_mon_1").start == time(6)  # type: ignore[union-attr]
    assert key_of(lambda: resize_block(WEEK, "morning", MON, start=time(6), end=time(19))) == "blocks_overlap"
    assert key_of(lambda: resize_block(WEEK, "morning", MON, start=time(6), end=time(6))) == "empty_block"
    warmer = set_block_target(WEEK, "evening", SAT, Target(heat=21.5))
    assert warmer.rule("evening_sat_1").target == Target(heat=21.5)
    assert warmer.rule("evening").target == Target(heat=20)
    assert key_of(lambda: set_block_target(WEEK, "evening", SAT, Target(heat=99))) == "target_out_of_range"
    everywhere = set_block_target(WEEK, "evening", SAT, Target(heat=19), scope="rule")
    assert everywhere.rule("evening").target == Target(heat=19)


def test_delete_block():
    without_monday = delete_block(WEEK, "morning", MON)
    assert without_monday.rule("morning").weekdays == {TUE, WED, THU, FRI}  # type: ignore[union-attr]
    assert "morning" not in [r.rule_id for r in delete_block(WEEK, "morning", MON, scope="rule").rules]
    single = schedule(rule("only", {MON}, (6, 0), (7, 0)))
    assert delete_block(single, "only", MON).rules == ()


def test_block_lookup_errors():
    assert key_of(lambda: delete_block(WEEK, "nope", MON)) == "unknown_rule"
    assert key_of(lambda: delete_block(WEEK, "bath", SAT)) == "not_a_block"
    with pytest.raises(ScheduleError) as caught:
        delete_block(WEEK, "morning", SAT)
    assert (caught.value.translation_key, caught.value.placeholders) == (
        "unknown_block",
        {"rule_id": "morning", "weekday": "sat"},
    )


def test_copy_day_replaces_the_target_days_blocks():
    varied = add_block(WEEK, weekdays={SAT}, start=time(9), end=time(11), target=Target(heat=22))
    copied = copy_day(varied, SAT, {MON, TUE, SAT})
    by_day = {
        day: [(b.rule_id, b.rule.start) for b in blocks(copied) if b.weekday == day] for day in range(7)
    }
    assert by_day[MON] == by_day[TUE] == by_day[SAT] == [("block_1", time(9)), ("evening", time(18))]
    assert by_day[WED] == [("morning", time(6, 30)), ("evening", time(18))]
    assert copy_day(WEEK, MON, {MON}) is WEEK
    # copying an empty day empties the targets; a rule left with no day goes
    empty = copy_day(schedule(rule("only", {MON}, (6, 0), (7, 0))), SUN, {MON})
    assert empty.rules == ()


def test_copy_day_refuses_a_copy_that_would_overlap_the_next_day():
    night = schedule(rule("night", {FRI}, (22, 0), (7, 0)), rule("early", {SUN}, (6, 0), (8, 0)))
    assert key_of(lambda: copy_day(night, FRI, {SAT})) == "blocks_overlap"


def test_override_edits_follow_the_hold_policy():
    held = set_override(WEEK, NOW, Target(heat=23))
    assert held.rule(OVERRIDE_ID).end == datetime(2026, 1, 5, 8, 30, tzinfo=PARIS)  # type: ignore[union-attr]
    short = set_override(schedule(), NOW, Target(heat=23), hold=HoldPolicy(default_hold=timedelta(hours=1)))
    assert short.rule(OVERRIDE_ID).end == NOW + timedelta(hours=1)  # type: ignore[union-attr]
    timed = set_override(WEEK, NOW, Target(heat=23), duration=timedelta(minutes=20))
    assert timed.rule(OVERRIDE_ID).end == NOW + timedelta(minutes=20)  # type: ignore[union-attr]
    until = set_override(WEEK, NOW, Target(heat=23), until=NOW + timedelta(hours=5))
    assert until.rule(OVERRIDE_ID).end == NOW + timedelta(hours=5)  # type: ignore[union-attr]
    assert key_of(lambda: set_override(WEEK, NOW, Target(heat=23), until=NOW)) == "end_before_start"
    assert (
        key_of(lambda: set_override(WEEK, NOW, Target(heat=23), until=NOW, duration=timedelta(hours=1)))
        == "invalid_edit"
    )
    cleared = clear_override(held)
    assert not any(isinstance(r, OverrideRule) for r in cleared.rules)


def test_away_and_ranges():
    away = set_away(WEEK, NOW, NOW + timedelta(days=2), Target(heat=12))
    again = set_away(away, NOW, NOW + timedelta(days=4), Target(heat=13))
    assert [r.rule_id for r in again.rules].count(AWAY_RULE_ID) == 1
    assert again.evaluate(NOW + timedelta(days=3)).target == Target(heat=13)
    assert clear_away(again).rules == WEEK.rules
    assert clear_away(WEEK) is WEEK
    assert key_of(lambda: set_away(WEEK, NOW, NOW, Target(heat=12))) == "end_before_start"
    ranged = add_range(
        WEEK, start=date(2026, 12, 24), end=date(2026, 12, 26), target=Target(heat=21), name="xmas"
    )
    dated = ranged.rule("range_1")
    assert isinstance(dated, DatedRule)
    assert dated.name == "xmas"
    assert delete_rule(ranged, "range_1").rules == WEEK.rules
    assert key_of(lambda: delete_rule(WEEK, "nope")) == "unknown_rule"


def test_fresh_rule_id_skips_taken_ids():
    taken = schedule(rule("block_1", {MON}, (1, 0), (2, 0)), rule("block_2", {MON}, (3, 0), (4, 0)))
    assert editing.fresh_rule_id(taken, "block") == "block_3"
