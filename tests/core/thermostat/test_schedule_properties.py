"""Property tests: the engine against a brute-force reference, over random rule sets and instants."""

from datetime import UTC, date, datetime, time, timedelta
import itertools
import json
from zoneinfo import ZoneInfo

from hypothesis import HealthCheck, assume, given, settings, strategies as st
from schedule_reference import reference_winner

from custom_components.pyiot.core.thermostat import (
    CronRule,
    DatedRule,
    OverrideRule,
    RecurringRule,
    Schedule,
    ScheduleError,
    Target,
)

ZONES = [
    ZoneInfo("Europe/Paris"),
    ZoneInfo("America/New_York"),
    ZoneInfo("Australia/Lord_Howe"),
    ZoneInfo("UTC"),
]
# Windows around the 2026 transitions of those zones (spring and autumn, both hemispheres).
WINDOWS = [
    datetime(2026, 3, 4, tzinfo=UTC),
    datetime(2026, 3, 26, tzinfo=UTC),
    datetime(2026, 10, 1, tzinfo=UTC),
    datetime(2026, 10, 22, tzinfo=UTC),
    datetime(2026, 3, 30, tzinfo=UTC),
]
SPAN_DAYS = 10
FAST = settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])

setpoints = st.integers(10, 30).map(lambda value: Target(heat=float(value)))
sensor_sets = st.none() | st.dictionaries(st.sampled_from(["a", "b", "c"]), st.integers(1, 3), min_size=1)
times = st.builds(time, st.integers(0, 23), st.sampled_from([0, 10, 15, 30, 45, 59]))


@st.composite
def recurring(draw, rule_id):
    start, end = draw(times), draw(times)
    assume(start != end)
    days = draw(st.frozensets(st.integers(0, 6), min_size=1))
    return RecurringRule(
        rule_id=rule_id,
        target=draw(setpoints),
        sensors=draw(sensor_sets),
        weekdays=days,
        start=start,
        end=end,
    )


def cron_field(draw, low, high, max_size, star_probability=True):
    if star_probability and draw(st.booleans()):
        return "*"
    values = draw(st.lists(st.integers(low, high), min_size=1, max_size=max_size, unique=True))
    return ",".join(str(value) for value in sorted(values))


@st.composite
def cron(draw, rule_id):
    text = " ".join(
        (
            cron_field(draw, 0, 59, 3, star_probability=False),
            cron_field(draw, 0, 23, 3, star_probability=False),
            cron_field(draw, 1, 31, 3),
            cron_field(draw, 1, 12, 6),
            cron_field(draw, 0, 6, 3),
        )
    )
    duration = timedelta(minutes=draw(st.integers(1, 12 * 60)))
    try:
        return CronRule(
            rule_id=rule_id, target=draw(setpoints), sensors=draw(sensor_sets), cron=text, duration=duration
        )
    except ScheduleError:
        assume(False)
        raise


@st.composite
def dated(draw, rule_id, origin):
    first = origin.date() + timedelta(days=draw(st.integers(-2, SPAN_DAYS)))
    kind = draw(st.sampled_from(["dates", "naive", "aware"]))
    if kind == "dates":
        start, end = first, first + timedelta(days=draw(st.integers(0, 4)))
    else:
        start = datetime.combine(first, draw(times))
        end = start + timedelta(minutes=draw(st.integers(1, 4 * 24 * 60)))
        if kind == "aware":
            start, end = start.replace(tzinfo=UTC), end.replace(tzinfo=UTC)
    return DatedRule(rule_id=rule_id, target=draw(setpoints), sensors=draw(sensor_sets), start=start, end=end)


@st.composite
def override(draw, rule_id, origin):
    start = origin + timedelta(minutes=draw(st.integers(-60 * 24, SPAN_DAYS * 24 * 60)))
    end = start + timedelta(minutes=draw(st.integers(1, 2 * 24 * 60)))
    return OverrideRule(rule_id=rule_id, target=draw(setpoints), start=start, end=end)


@st.composite
def schedules(draw):
    origin = draw(st.sampled_from(WINDOWS))
    ids = draw(st.lists(st.text("abcxyz", min_size=1, max_size=3), min_size=0, max_size=7, unique=True))
    rules = []
    for rule_id in ids:
        kind = draw(st.sampled_from(["recurring", "recurring", "cron", "dated", "override"]))
        match kind:
            case "recurring":
                rules.append(draw(recurring(rule_id)))
            case "cron":
                rules.append(draw(cron(rule_id)))
            case "dated":
                rules.append(draw(dated(rule_id, origin)))
            case _:
                rules.append(draw(override(rule_id, origin)))
    schedule = Schedule(
        time_zone=draw(st.sampled_from(ZONES)), default=Target(heat=17), sensors={"t": 1}, rules=rules
    )
    return schedule, origin


def instants(origin):
    """Any second of the window, or a whole minute (where most rule boundaries are)."""
    seconds = st.integers(0, SPAN_DAYS * 24 * 3600) | st.integers(0, SPAN_DAYS * 24 * 60).map(
        lambda m: m * 60
    )
    return seconds.map(lambda offset: origin + timedelta(seconds=offset))


@FAST
@given(data=st.data())
def test_the_most_specific_rule_wins(data):
    schedule, origin = data.draw(schedules())
    for moment in data.draw(st.lists(instants(origin), min_size=1, max_size=12)):
        active = schedule.evaluate(moment)
        expected = reference_winner(schedule, moment.timestamp())
        assert active.rule_id == expected, moment
        rule = schedule.rule(expected) if expected else None
        assert active.target == (rule.target if rule else schedule.default)
        assert active.sensors == (rule.sensors if rule and rule.sensors else schedule.sensors)
        if active.next_change is not None:
            assert active.next_change > moment
            before = active.next_change - timedelta(microseconds=1)
            assert reference_winner(schedule, before.timestamp()) == expected


@FAST
@given(data=st.data())
def test_instructions_agree_with_evaluate(data):
    schedule, origin = data.draw(schedules())
    start = data.draw(instants(origin))
    hours = data.draw(st.sampled_from([1, 6.5, 24, 72]))
    items = schedule.instructions(start, hours)
    assert items[0].start == start
    assert items[-1].end == start + timedelta(hours=hours)
    for first, second in itertools.pairwise(items):
        assert first.end == second.start
        assert (first.rule_id, first.target, first.sensors) != (second.rule_id, second.target, second.sensors)
    for item in items:
        assert item.start < item.end
        for moment in (
            item.start,
            item.start + (item.end - item.start) / 2,
            item.end - timedelta(microseconds=1),
        ):
            active = schedule.evaluate(moment)
            assert (active.rule_id, active.target, active.sensors) == (
                item.rule_id,
                item.target,
                item.sensors,
            )
    for item in items[:-1]:
        assert schedule.evaluate(item.start).next_change == item.end


@FAST
@given(data=st.data())
def test_storage_round_trip(data):
    schedule, _ = data.draw(schedules())
    text = json.dumps(schedule.to_dict())
    restored = Schedule.from_dict(json.loads(text))
    assert restored == schedule
    assert restored.to_dict() == schedule.to_dict()


json_values = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats() | st.text(max_size=8),
    lambda children: (
        st.lists(children, max_size=4) | st.dictionaries(st.text(max_size=8), children, max_size=4)
    ),
    max_leaves=12,
)


def corrupt(draw, value):
    """Replace one random node of a JSON document with junk."""
    if isinstance(value, dict) and value and draw(st.booleans()):
        key = draw(st.sampled_from(sorted(value)))
        return value | {key: corrupt(draw, value[key])}
    if isinstance(value, list) and value and draw(st.booleans()):
        index = draw(st.integers(0, len(value) - 1))
        return [*value[:index], corrupt(draw, value[index]), *value[index + 1 :]]
    return draw(json_values)


@settings(max_examples=200, deadline=None)
@given(data=st.data())
def test_from_dict_on_junk_raises_schedule_error_only(data):
    schedule, _ = data.draw(schedules())
    junk = corrupt(data.draw, schedule.to_dict()) if data.draw(st.booleans()) else data.draw(json_values)
    try:
        restored = Schedule.from_dict(junk)
    except ScheduleError:
        return
    restored.evaluate(datetime(2026, 3, 29, tzinfo=UTC))  # whatever was accepted must also work


def test_reference_sanity_on_a_known_case():
    paris = ZoneInfo("Europe/Paris")
    rule = RecurringRule(rule_id="r", target=Target(heat=20), weekdays={6}, start=time(2, 30), end=time(4))
    schedule = Schedule(time_zone=paris, default=Target(heat=17), sensors={"t": 1}, rules=[rule])
    transition = datetime(2026, 3, 29, 1, tzinfo=UTC).timestamp()
    assert reference_winner(schedule, transition - 1) is None
    assert reference_winner(schedule, transition) == "r"
    assert date(2026, 3, 29).weekday() == 6
