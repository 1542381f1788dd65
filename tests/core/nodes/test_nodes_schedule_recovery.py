"""The tolerant schedule loader: one bad stored rule drops that rule only, and says which."""

from datetime import time, timedelta
import json
from typing import Any

from hypothesis import given, settings, strategies as st
import pytest

from custom_components.pyiot.core.thermostat import (
    CronRule,
    DatedRule,
    RecurringRule,
    Schedule,
    ScheduleError,
    Target,
)
from custom_components.pyiot.core.thermostat.schedule_recovery import MAX_STORED_RULES, load_schedule

HOME = Schedule(
    time_zone="Europe/Paris",
    default=Target(heat=17),
    sensors={"sensor.living": 1},
    rules=(
        RecurringRule(
            rule_id="morning",
            target=Target(heat=20.5),
            weekdays=frozenset(range(5)),
            start=time(6, 30),
            end=time(8, 30),
        ),
        CronRule(
            rule_id="bath", target=Target(heat=22), cron="0 19 * * SAT,SUN", duration=timedelta(hours=1)
        ),
        DatedRule.from_iso("2026-12-21/2026-12-28", rule_id="away", target=Target(heat=12)),
    ),
)


def stored(mutate: Any = None) -> dict[str, Any]:
    data: dict[str, Any] = json.loads(json.dumps(HOME.to_dict()))
    if mutate is not None:
        mutate(data)
    return data


def test_a_good_schedule_loads_whole() -> None:
    loaded = load_schedule(stored())
    assert loaded.schedule == HOME
    assert loaded.dropped == ()
    assert load_schedule(stored(), time_zone="UTC").schedule.time_zone.key == "UTC"


@pytest.mark.parametrize(
    ("mutate", "key"),
    [
        (lambda d: d["rules"][1].update(kind="weekly"), "invalid_data"),
        (lambda d: d["rules"].__setitem__(1, "bath at 19:00"), "invalid_data"),
        (lambda d: d["rules"][1].update(cron="61 * * * *"), "invalid_cron"),
        (lambda d: d["rules"][1].update(duration="1h"), "invalid_data"),
        (lambda d: d["rules"][1].update(target={"heat": 99}), "target_out_of_range"),
        (lambda d: d["rules"][1].update(target={"heat": "hot"}), "invalid_temperature"),
        (lambda d: d["rules"][1].update(id=""), "invalid_rule_id"),
        (lambda d: d["rules"][1].update(id="morning"), "duplicate_rule_id"),
        (lambda d: d["rules"][1].update(sensors={"sensor.x": -1}), "invalid_weight"),
    ],
)
def test_one_bad_rule_drops_only_that_rule(mutate: Any, key: str) -> None:
    data = stored(mutate)
    with pytest.raises(ScheduleError):
        Schedule.from_dict(data)  # the strict loader refuses it all
    loaded = load_schedule(data)
    assert [rule.rule_id for rule in loaded.schedule.rules] == ["morning", "away"]
    assert loaded.schedule.default == HOME.default
    [dropped] = loaded.dropped
    assert dropped.index == 1
    assert dropped.error.translation_key == key
    assert dropped.data == data["rules"][1]
    assert dropped.rule_id == (data["rules"][1].get("id") if isinstance(data["rules"][1], dict) else None)
    skipped = dropped.as_skipped()
    assert skipped.path == "schedule.rules[1]"
    assert skipped.data == data["rules"][1]


def test_a_dated_rule_ending_before_it_starts_is_dropped() -> None:
    loaded = load_schedule(stored(lambda d: d["rules"][2].update(start="2026-12-28", end="2026-12-21")))
    assert [rule.rule_id for rule in loaded.schedule.rules] == ["morning", "bath"]
    assert loaded.dropped[0].rule_id == "away"
    assert loaded.dropped[0].error.translation_key == "end_before_start"


def test_several_bad_rules() -> None:
    def mutate(data: dict[str, Any]) -> None:
        data["rules"] = [None, *data["rules"], data["rules"][0], {"id": 5, "kind": "cron"}]

    loaded = load_schedule(stored(mutate))
    assert [rule.rule_id for rule in loaded.schedule.rules] == ["morning", "bath", "away"]
    assert [(d.index, d.rule_id) for d in loaded.dropped] == [(0, None), (4, "morning"), (5, None)]


@pytest.mark.parametrize(
    "mutate",
    [
        lambda d: d.update(version=2),
        lambda d: d.pop("rules"),
        lambda d: d.update(rules={"a": 1}),
        lambda d: d.update(limits=[5, 35]),
        lambda d: d.update(lookahead="long"),
        lambda d: d.update(time_zone=None),
        lambda d: d.update(sensors=None),
        lambda d: d.update(default={"heat": "hot"}),
    ],
)
def test_an_unreadable_frame_still_raises(mutate: Any) -> None:
    with pytest.raises(ScheduleError):
        load_schedule(stored(mutate))


@pytest.mark.parametrize("data", [None, [], "schedule"])
def test_not_a_schedule(data: Any) -> None:
    with pytest.raises(ScheduleError):
        load_schedule(data)


def test_rules_beyond_the_bound_are_dropped(monkeypatch: pytest.MonkeyPatch) -> None:
    from custom_components.pyiot.core.thermostat import schedule_recovery  # noqa: PLC0415

    monkeypatch.setattr(schedule_recovery, "MAX_STORED_RULES", 2)
    loaded = load_schedule(stored(lambda d: d["rules"].append("junk")))
    assert [rule.rule_id for rule in loaded.schedule.rules] == ["morning", "bath"]
    assert [d.index for d in loaded.dropped] == [2, 3]
    assert MAX_STORED_RULES == 10_000


JSON = st.recursive(
    st.none() | st.booleans() | st.integers(-5, 40) | st.floats() | st.text(max_size=8),
    lambda children: (
        st.lists(children, max_size=3) | st.dictionaries(st.text(max_size=6), children, max_size=3)
    ),
    max_leaves=10,
)
FIELD = st.sampled_from(["kind", "id", "target", "start", "end", "cron", "duration", "weekdays", "sensors"])


@settings(max_examples=300, deadline=None, database=None)
@given(edits=st.lists(st.tuples(st.integers(0, 2), FIELD, JSON), max_size=4))
def test_damaged_rules_never_cost_the_others(edits: list[tuple[int, str, Any]]) -> None:
    data = stored()
    for index, name, value in edits:
        data["rules"][index][name] = value
    loaded = load_schedule(data)
    damaged = {index for index, _, _ in edits}
    kept = {rule.rule_id for rule in loaded.schedule.rules}
    assert {"morning", "bath", "away"}.difference(["morning", "bath", "away"][i] for i in damaged) <= kept
    assert len(loaded.schedule.rules) + len(loaded.dropped) == 3
    # Whatever was kept is a valid schedule that the strict loader reads back as is.
    assert Schedule.from_dict(loaded.schedule.to_dict()) == loaded.schedule
