import contextlib
from datetime import date, datetime, time, timedelta
import itertools
import json
from zoneinfo import ZoneInfo

from hypothesis import HealthCheck, given, settings, strategies as st
import pytest

from custom_components.pyiot.core.thermostat import (
    EDIT_OPERATIONS,
    OVERRIDE_ID,
    CronRule,
    DatedRule,
    HoldPolicy,
    HvacMode,
    Hysteresis,
    Reading,
    RecurringRule,
    RelayGuard,
    Schedule,
    ScheduleError,
    Target,
    ThermostatController,
    apply_edit,
    decision_view,
    revision,
    rule_to_api,
    schedule_response,
    schedule_view,
)
from custom_components.pyiot.core.thermostat.editing import set_away, set_override

PARIS = ZoneInfo("Europe/Paris")
NOW = datetime(2026, 1, 7, 7, tzinfo=PARIS)  # Wednesday 07:00
MORNING = RecurringRule(
    rule_id="morning",
    name="weekday morning",
    target=Target(heat=21),
    weekdays=frozenset(range(5)),
    start=time(6, 30),
    end=time(8, 30),
)
NIGHT = RecurringRule(
    rule_id="night", target=Target(heat=16), weekdays=frozenset({6}), start=time(22), end=time(6)
)
BATH = CronRule(rule_id="bath", target=Target(heat=22), cron="0 19 * * SAT", duration=timedelta(hours=1))
XMAS = DatedRule.from_iso(
    "2026-01-09/2026-01-09", rule_id="friday_off", name="day off", target=Target(heat=19)
)


def schedule(*rules):
    return Schedule(time_zone=PARIS, default=Target(heat=17), sensors={"living": 1}, rules=rules)


WEEK = schedule(MORNING, NIGHT, BATH, XMAS)


def key_of(call):
    with pytest.raises(ScheduleError) as caught:
        call()
    return caught.value.translation_key


def test_rules_use_weekday_names_and_wall_clock_times():
    assert rule_to_api(MORNING) == {
        "kind": "recurring",
        "rule_id": "morning",
        "name": "weekday morning",
        "target": {"heat": 21.0, "cool": None},
        "sensors": None,
        "weekdays": ["mon", "tue", "wed", "thu", "fri"],
        "start": "06:30",
        "end": "08:30",
    }
    assert rule_to_api(BATH)["cron"] == "0 19 * * SAT"
    # storage keeps its format
    assert MORNING.to_dict()["weekdays"] == [0, 1, 2, 3, 4]


def test_get_schedule_response_is_json_with_names():
    response = schedule_response(WEEK, NOW, 24)
    json.dumps(response)
    assert response["active"] == {
        "rule_id": "morning",
        "target": {"heat": 21.0, "cool": None},
        "sensors": {"living": 1.0},
        "next_change": "2026-01-07T07:30:00+00:00",
    }
    assert response["rules"][0]["weekdays"] == ["mon", "tue", "wed", "thu", "fri"]
    first = response["instructions"][0]
    assert (first["start"], first["rule_id"], first["kind"]) == (
        "2026-01-07T06:00:00+00:00",
        "morning",
        "recurring",
    )


def test_the_week_view_has_seven_days_of_segments_covering_each_day():
    view = schedule_view(WEEK, NOW)
    json.dumps(view)
    assert (view["week_start"], view["time_zone"], view["now"]) == (
        "2026-01-05",
        "Europe/Paris",
        "2026-01-07T06:00:00+00:00",
    )
    assert [day["weekday"] for day in view["days"]] == ["mon", "tue", "wed", "thu", "fri", "sat", "sun"]
    for day in view["days"]:
        segments = day["segments"]
        assert segments[0]["start_minute"] == 0
        assert segments[-1]["end_minute"] == 1440
        assert all(a["end_minute"] == b["start_minute"] for a, b in itertools.pairwise(segments))
    monday = view["days"][0]
    assert [
        (s["start_minute"], s["end_minute"], s["kind"], s["target"]["heat"]) for s in monday["segments"]
    ] == [
        (0, 360, "recurring", 16),  # last Sunday's night block ends at 06:00
        (360, 390, "default", 17),
        (390, 510, "recurring", 21),
        (510, 1440, "default", 17),
    ]
    friday, saturday, sunday = view["days"][4], view["days"][5], view["days"][6]
    assert [s["kind"] for s in friday["segments"]] == ["dated"]
    assert [(s["start_minute"], s["kind"]) for s in saturday["segments"]] == [
        (0, "default"),
        (1140, "cron"),
        (1200, "default"),
    ]
    assert sunday["segments"][-1] == sunday["segments"][-1] | {"start_minute": 1320, "kind": "recurring"}
    # the instructions are get_schedule's, over the whole week
    assert view["instructions"][0]["start"] == "2026-01-04T23:00:00+00:00"
    assert view["instructions"][-1]["end"] == "2026-01-11T23:00:00+00:00"
    assert view["dated"] == [
        {
            "rule_id": "friday_off",
            "name": "day off",
            "kind": "dated",
            "start": "2026-01-08T23:00:00+00:00",
            "end": "2026-01-09T23:00:00+00:00",
            "target": {"heat": 19.0, "cool": None},
        }
    ]
    assert (view["override"], view["away"]) == (None, None)
    assert view["next_change"] == {
        "at": "2026-01-07T07:30:00+00:00",
        "rule_id": None,
        "kind": "default",
        "target": {"heat": 17.0, "cool": None},
    }
    assert view["active"] == {
        "rule_id": "morning",
        "kind": "recurring",
        "target": {"heat": 21.0, "cool": None},
    }


def test_blocks_of_the_view_are_the_editable_weekday_blocks():
    view = schedule_view(WEEK, NOW)
    monday_blocks = view["days"][0]["blocks"]
    assert monday_blocks == [
        {
            "rule_id": "morning",
            "name": "weekday morning",
            "weekday": "mon",
            "weekdays": ["mon", "tue", "wed", "thu", "fri"],
            "start": "06:30",
            "end": "08:30",
            "start_minute": 390,
            "end_minute": 510,
            "overnight": False,
            "target": {"heat": 21.0, "cool": None},
            "sensors": None,
        }
    ]
    sunday = view["days"][6]["blocks"]
    assert [(b["rule_id"], b["start_minute"], b["end_minute"], b["overnight"]) for b in sunday] == [
        ("night", 1320, 1440, True)
    ]
    assert view["days"][5]["blocks"] == []  # cron rules are not blocks


def test_view_of_another_week_and_of_a_dst_week():
    view = schedule_view(WEEK, NOW, day=date(2026, 3, 31))
    assert view["week_start"] == "2026-03-30"
    spring = schedule_view(schedule(MORNING), NOW, day=date(2026, 3, 29))  # Sunday of the spring change
    sunday = spring["days"][6]
    assert (sunday["start"], sunday["end"]) == ("2026-03-28T23:00:00+00:00", "2026-03-29T22:00:00+00:00")
    assert sunday["segments"][-1]["end_minute"] == 1440


def test_override_and_away_periods_show_in_the_view():
    edited = set_away(
        set_override(WEEK, NOW, Target(heat=23)),
        NOW + timedelta(days=1),
        NOW + timedelta(days=2),
        Target(heat=12),
    )
    view = schedule_view(edited, NOW)
    assert view["override"] == {
        "rule_id": OVERRIDE_ID,
        "name": "",
        "kind": "override",
        "start": "2026-01-07T06:00:00+00:00",
        "end": "2026-01-07T07:30:00+00:00",
        "target": {"heat": 23.0, "cool": None},
    }
    assert view["away"]["start"] == "2026-01-08T06:00:00+00:00"
    assert view["active"]["kind"] == "override"
    # an override of another week does not show
    assert schedule_view(edited, NOW, day=date(2026, 2, 2))["override"] is None


def test_revision_changes_with_the_content_only():
    assert revision(WEEK) == revision(schedule(MORNING, NIGHT, BATH, XMAS))
    assert revision(WEEK) != revision(schedule(MORNING, NIGHT, BATH))
    assert len(revision(WEEK)) == 16


def test_apply_edit_runs_every_operation_from_json():
    edits = [
        {"op": "add_block", "weekdays": ["sat"], "start": "09:00", "end": "11:00", "target": {"heat": 20}},
        {"op": "move_block", "rule_id": "morning", "weekday": "mon", "start": "07:00"},
        {"op": "move_block", "rule_id": "morning", "weekday": "tue", "start": "07:00", "to_weekday": "sat"},
        {
            "op": "resize_block",
            "rule_id": "morning",
            "weekday": "wed",
            "start": "06:00",
            "end": "09:00",
            "scope": "rule",
        },
        {"op": "set_block_target", "rule_id": "morning", "weekday": "thu", "target": {"heat": 22.5}},
        {"op": "delete_block", "rule_id": "night", "weekday": "sun"},
        {"op": "copy_day", "from": "mon", "to": ["sun"]},
        {"op": "set_override", "target": {"heat": 23}},
        {"op": "set_override", "target": {"heat": 23}, "duration": 1800},
        {"op": "set_override", "target": {"heat": 23}, "until": "2026-01-07T12:00:00+01:00"},
        {"op": "clear_override"},
        {"op": "set_away", "start": "2026-01-08T08:00", "end": "2026-01-10", "target": {"heat": 12}},
        {"op": "clear_away"},
        {
            "op": "add_range",
            "start": "2026-02-01",
            "end": "2026-02-03",
            "target": {"heat": 18},
            "name": "ski",
        },
        {"op": "delete_rule", "rule_id": "bath"},
    ]
    assert {edit["op"] for edit in edits} == set(EDIT_OPERATIONS)
    current = WEEK
    for edit in edits:
        changed = apply_edit(current, NOW, edit, expected_revision=revision(current))
        assert changed != current, edit
        current = changed
    ids = [rule.rule_id for rule in current.rules]
    assert "bath" not in ids
    assert "range_1" in ids
    away = apply_edit(
        WEEK,
        NOW,
        {"op": "set_away", "start": "2026-01-08T08:00", "end": "2026-01-10", "target": {"heat": 12}},
    )
    assert away.rule("away").span(PARIS)[0] == datetime(2026, 1, 8, 8, tzinfo=PARIS).timestamp()  # type: ignore[union-attr]
    until = apply_edit(WEEK, NOW, {"op": "set_override", "target": {"heat": 23}, "until": "2026-01-07T12:00"})
    assert until.rule(OVERRIDE_ID).end == datetime(2026, 1, 7, 12, tzinfo=PARIS)  # type: ignore[union-attr]
    midnight = apply_edit(WEEK, NOW, {"op": "set_override", "target": {"heat": 23}, "until": "2026-01-08"})
    assert midnight.rule(OVERRIDE_ID).end == datetime(2026, 1, 8, tzinfo=PARIS)  # type: ignore[union-attr]
    held = apply_edit(
        schedule(),
        NOW,
        {"op": "set_override", "target": {"heat": 23}},
        hold=HoldPolicy(default_hold=timedelta(minutes=5)),
    )
    assert held.rule(OVERRIDE_ID).end == NOW + timedelta(minutes=5)  # type: ignore[union-attr]


@pytest.mark.parametrize(
    ("edit", "key"),
    [
        (None, "invalid_edit"),
        ([], "invalid_edit"),
        ({}, "invalid_edit"),
        ({"op": "explode"}, "invalid_edit"),
        ({"op": "x" * 300}, "invalid_edit"),
        ({"op": "add_block", **{f"k{i}": i for i in range(20)}}, "invalid_edit"),
        (
            {
                "op": "add_block",
                "weekdays": ["mon"],
                "start": "25:00",
                "end": "11:00",
                "target": {"heat": 20},
            },
            "invalid_time",
        ),
        (
            {
                "op": "add_block",
                "weekdays": ["mon"],
                "start": "09:00+01:00",
                "end": "11:00",
                "target": {"heat": 20},
            },
            "invalid_time",
        ),
        (
            {
                "op": "add_block",
                "weekdays": ["xyz"],
                "start": "09:00",
                "end": "11:00",
                "target": {"heat": 20},
            },
            "unknown_weekday",
        ),
        (
            {"op": "add_block", "weekdays": [], "start": "09:00", "end": "11:00", "target": {"heat": 20}},
            "no_weekdays",
        ),
        (
            {"op": "add_block", "weekdays": ["sat"], "start": "09:00", "end": "11:00", "target": 20},
            "invalid_edit",
        ),
        (
            {"op": "add_block", "weekdays": ["sat"], "start": "09:00", "end": "11:00", "target": {"low": 2}},
            "invalid_edit",
        ),
        (
            {"op": "add_block", "weekdays": ["sat"], "start": "09:00", "end": "11:00", "target": {}},
            "target_empty",
        ),
        (
            {
                "op": "add_block",
                "weekdays": ["sat"],
                "start": "09:00",
                "end": "11:00",
                "target": {"heat": "hot"},
            },
            "invalid_temperature",
        ),
        (
            {
                "op": "add_block",
                "weekdays": ["mon"],
                "start": "07:00",
                "end": "11:00",
                "target": {"heat": 20},
            },
            "blocks_overlap",
        ),
        (
            {"op": "move_block", "rule_id": "morning", "weekday": "mon", "start": "07:00", "scope": "all"},
            "invalid_edit",
        ),
        ({"op": "move_block", "rule_id": "morning", "weekday": "sun", "start": "07:00"}, "unknown_block"),
        ({"op": "delete_block", "rule_id": "bath", "weekday": "sat"}, "not_a_block"),
        ({"op": "set_override", "target": {"heat": 23}, "duration": 0}, "invalid_duration"),
        ({"op": "set_override", "target": {"heat": 23}, "duration": True}, "invalid_duration"),
        ({"op": "set_override", "target": {"heat": 23}, "duration": float("nan")}, "invalid_duration"),
        ({"op": "set_override", "target": {"heat": 23}, "until": "soon"}, "invalid_iso"),
        (
            {"op": "set_away", "start": "2026-01-10", "end": "2026-01-08", "target": {"heat": 12}},
            "end_before_start",
        ),
        ({"op": "delete_rule", "rule_id": 3}, "invalid_edit"),
    ],
)
def test_apply_edit_errors_carry_translation_keys(edit, key):
    assert key_of(lambda: apply_edit(WEEK, NOW, edit)) == key


def test_a_stale_revision_is_refused():
    assert key_of(lambda: apply_edit(WEEK, NOW, {"op": "clear_override"}, expected_revision="0" * 16)) == (
        "schedule_changed"
    )


JSON = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats() | st.text(max_size=12),
    lambda inner: st.lists(inner, max_size=4) | st.dictionaries(st.text(max_size=10), inner, max_size=5),
    max_leaves=12,
)
FIELDS = st.sampled_from(
    [
        "op",
        "rule_id",
        "weekday",
        "weekdays",
        "start",
        "end",
        "target",
        "scope",
        "from",
        "to",
        "duration",
        "until",
        "to_weekday",
        "name",
    ]
)
VALUES = (
    JSON
    | st.sampled_from(["mon", "sun", "06:30", "23:59", "2026-01-08", "morning", "night", "day", "rule"])
    | st.builds(lambda heat: {"heat": heat}, st.floats(allow_nan=True))
    | st.lists(st.sampled_from(["mon", "tue", "sat", "sun", "x"]), max_size=3)
)


@settings(max_examples=400, suppress_health_check=[HealthCheck.too_slow], deadline=None)
@given(
    op=st.sampled_from(sorted(EDIT_OPERATIONS)),
    fields=st.dictionaries(FIELDS, VALUES, max_size=8),
)
def test_any_edit_gives_a_valid_schedule_or_a_schedule_error(op, fields):
    try:
        changed = apply_edit(WEEK, NOW, {**fields, "op": op})
    except ScheduleError:
        return
    assert Schedule.from_dict(changed.to_dict()) == changed
    json.dumps(schedule_view(changed, NOW))


@settings(max_examples=100, deadline=None)
@given(st.dictionaries(st.text(max_size=8), JSON, max_size=6) | JSON)
def test_arbitrary_json_is_never_more_than_a_schedule_error(edit):
    with contextlib.suppress(ScheduleError):
        apply_edit(WEEK, NOW, edit)


def test_decision_view():
    assert decision_view(None) is None
    ctl = ThermostatController(schedule=WEEK, algorithm=Hysteresis(), heaters={"heater": RelayGuard()})
    out = ctl.step(
        NOW,
        {"living": Reading(value=19.0, updated=NOW)},
        None,
        hvac_mode=HvacMode.HEAT,
        preset=None,
        relays_actual={"heater": False},
    )
    view = decision_view(out)
    json.dumps(view)
    assert view == {
        "hvac_action": "heating",
        "current_temperature": 19.0,
        "target": {"heat": 21.0, "cool": None},
        "preset": None,
        "explanation": {
            "key": "heating",
            "placeholders": {
                "current": "19.0",
                "source_type": "schedule",
                "source": "weekday morning",
                "until": "08:30",
                "target": "21.0",
            },
            "text": "heating: 19.0 °C below 21.0 °C target from rule 'weekday morning'",
        },
        "source": {
            "kind": "schedule",
            "rule_id": "morning",
            "placeholders": {
                "name": "weekday morning",
                "until": "08:30",
                "until_iso": "2026-01-07T07:30:00+00:00",
            },
            "text": "schedule 'weekday morning'",
        },
        "fail_safe": False,
    }


def test_a_schedule_with_no_rules_has_no_next_change_and_one_segment_a_day():
    view = schedule_view(schedule(), NOW)
    assert view["next_change"] is None
    assert all(len(day["segments"]) == 1 for day in view["days"])
