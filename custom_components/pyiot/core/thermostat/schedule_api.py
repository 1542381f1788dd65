"""The JSON face of a zone's schedule, for the schedule card's websocket commands and `get_schedule`.

Everything here takes and returns plain JSON values (weekdays always `mon` ... `sun`, instants ISO 8601
in UTC, wall-clock times `HH:MM`, targets `{"heat": x, "cool": y}`):

- `schedule_view(schedule, now)`: the week of `now` (Monday to Sunday, the schedule's zone) as the card
  draws it, plus `revision`, which changes with every change of the schedule;
- `apply_edit(schedule, now, edit)`: one edit of the card (see `EDIT_OPERATIONS`), validated by the
  engine (`editing`); raises `ScheduleError` only;
- `schedule_response(schedule, now, hours)`: what the `get_schedule` action returns;
- `decision_view(output)`: the zone's current decision, explanation and source;
- `schedule_state(...)`: the answer of every websocket command of the card (view + decision + hold).
"""

from collections.abc import Callable, Mapping
from datetime import UTC, date, datetime, time, timedelta, tzinfo
import hashlib
import json
import math
from typing import Any

from . import editing
from .clock import wall_to_timestamp
from .controller import ControlOutput
from .errors import ScheduleError
from .hold import HoldPolicy
from .isotime import Moment, parse_moment
from .rules import DatedRule, OverrideRule, RecurringRule, Rule
from .schedule import Instruction, Schedule
from .source import AWAY_RULE_ID
from .target import Target
from .weekdays import WEEKDAYS, parse_weekdays, weekday_index, weekday_name, weekday_names

MAX_TEXT = 200
"""Longest text field an edit may carry."""


# --- reading ---------------------------------------------------------------------------------------


def revision(schedule: Schedule) -> str:
    """A short fingerprint of the schedule's content: an edit may insist on it (`schedule_changed`)."""
    text = json.dumps(schedule.to_dict(), sort_keys=True, default=str)
    return hashlib.sha256(text.encode()).hexdigest()[:16]


def rule_to_api(rule: Rule) -> dict[str, Any]:
    """A rule as the API shows it: the storage form with weekday names and a `rule_id` key."""
    data = rule.to_dict()
    data["rule_id"] = data.pop("id")
    if isinstance(rule, RecurringRule):
        data["weekdays"] = weekday_names(rule.weekdays)
        data["start"], data["end"] = _hhmm(rule.start), _hhmm(rule.end)
    return data


def rule_kind(rule: Rule | None) -> str:
    """How the card colours a rule: recurring, cron, dated, away, override or default."""
    if rule is None:
        return "default"
    if isinstance(rule, DatedRule) and rule.rule_id == AWAY_RULE_ID:
        return "away"
    return rule.kind


def instruction_to_api(instruction: Instruction, schedule: Schedule) -> dict[str, Any]:
    """One instruction as `get_schedule` shows it, plus the kind of its rule."""
    rule = schedule.rule(instruction.rule_id) if instruction.rule_id is not None else None
    return {
        "start": _iso(instruction.start),
        "end": _iso(instruction.end),
        "rule_id": instruction.rule_id,
        "kind": rule_kind(rule),
        "target": instruction.target.to_dict(),
        "sensors": dict(instruction.sensors),
    }


def schedule_response(schedule: Schedule, now: datetime, hours: float) -> dict[str, Any]:
    """The `get_schedule` action's response: what applies now, the next `hours`, the rules, conflicts."""
    active = schedule.evaluate(now)
    return {
        "active": {
            "rule_id": active.rule_id,
            "target": active.target.to_dict(),
            "sensors": dict(active.sensors),
            "next_change": _iso(active.next_change),
        },
        "instructions": [instruction_to_api(item, schedule) for item in schedule.instructions(now, hours)],
        "rules": [rule_to_api(rule) for rule in schedule.rules],
        "conflicts": [list(pair) for pair in schedule.conflicts(now, days=31)],
    }


def week_start(moment: datetime, schedule: Schedule) -> date:
    """The Monday (local date) of the week containing `moment`."""
    local = moment.astimezone(schedule.time_zone).date()
    return local - timedelta(days=local.weekday())


def schedule_view(schedule: Schedule, now: datetime, *, day: date | None = None) -> dict[str, Any]:
    """The week containing `day` (default: today) as the schedule card draws it.

    `days` has one entry per day, Monday first: its `segments` (what applies when, from the same
    instructions as `get_schedule`, in wall-clock minutes 0..1440 of that day) and its `blocks` (the
    weekday blocks starting that day, the editable part). `dated`, `override` and `away` are the
    periods that meet the week; `next_change` is the next change from `now`.
    """
    zone = schedule.time_zone
    monday = day - timedelta(days=day.weekday()) if day is not None else week_start(now, schedule)
    starts = [_midnight(monday + timedelta(days=offset), schedule) for offset in range(8)]
    hours = (starts[-1] - starts[0]).total_seconds() / 3600
    instructions = schedule.instructions(starts[0], hours)
    active = schedule.evaluate(now)
    every_block = editing.blocks(schedule)
    days = []
    for offset in range(7):
        begin, finish = starts[offset], starts[offset + 1]
        segments = [
            _segment(item, schedule, begin, finish)
            for item in instructions
            if item.end > begin and item.start < finish
        ]
        days.append(
            {
                "date": (monday + timedelta(days=offset)).isoformat(),
                "weekday": WEEKDAYS[offset],
                "start": _iso(begin),
                "end": _iso(finish),
                "segments": segments,
                "blocks": [_block(block) for block in every_block if block.weekday == offset],
            }
        )
    periods = [
        _period(rule, schedule)
        for rule in schedule.rules
        if isinstance(rule, DatedRule | OverrideRule) and _meets(rule, schedule, starts[0], starts[-1])
    ]
    upcoming = _next_change(schedule, active.next_change)
    return {
        "revision": revision(schedule),
        "time_zone": zone.key,
        "now": _iso(now),
        "week_start": monday.isoformat(),
        "start": _iso(starts[0]),
        "end": _iso(starts[-1]),
        "default": schedule.default.to_dict(),
        "limits": {"minimum": schedule.limits.minimum, "maximum": schedule.limits.maximum},
        "active": {
            "rule_id": active.rule_id,
            "kind": rule_kind(active.rule),
            "target": active.target.to_dict(),
        },
        "next_change": upcoming,
        "days": days,
        "instructions": [instruction_to_api(item, schedule) for item in instructions],
        "dated": [period for period in periods if period["kind"] == "dated"],
        "override": next((period for period in periods if period["kind"] == "override"), None),
        "away": next((period for period in periods if period["kind"] == "away"), None),
        "rules": [rule_to_api(rule) for rule in schedule.rules],
        "conflicts": [list(pair) for pair in schedule.conflicts(now, days=31)],
    }


def decision_view(output: ControlOutput | None) -> dict[str, Any] | None:
    """The zone's last decision: action, temperatures, explanation and source (None before the first)."""
    if output is None:
        return None
    return {
        "hvac_action": output.hvac_action.value,
        "current_temperature": output.current_temperature,
        "target": output.target.to_dict(),
        "preset": output.preset,
        "explanation": output.explanation.to_dict(),
        "source": output.source.to_dict(),
        "fail_safe": output.fail_safe_active,
    }


def schedule_state(
    entity_id: str,
    schedule: Schedule,
    now: datetime,
    output: ControlOutput | None,
    *,
    hold: HoldPolicy,
    day: date | None = None,
) -> dict[str, Any]:
    """What every schedule websocket command answers (and each subscription event carries)."""
    return {
        "entity_id": entity_id,
        "schedule": schedule_view(schedule, now, day=day),
        "decision": decision_view(output),
        "hold": {"default_hold": hold.default_hold.total_seconds()},
    }


# --- editing ---------------------------------------------------------------------------------------


def apply_edit(
    schedule: Schedule,
    now: datetime,
    edit: Any,
    *,
    hold: HoldPolicy | None = None,
    expected_revision: str | None = None,
) -> Schedule:
    """Apply one edit of the card (`{"op": ..., ...}`, see `EDIT_OPERATIONS`) and return the new schedule.

    With `expected_revision`, a schedule changed meanwhile raises `schedule_changed` instead.
    """
    if expected_revision is not None and expected_revision != revision(schedule):
        raise ScheduleError("schedule_changed")
    if not isinstance(edit, Mapping) or len(edit) > 16:  # noqa: PLR2004
        raise ScheduleError("invalid_edit", {"reason": "an edit is an object with an op"})
    operation = EDIT_OPERATIONS.get(_text(edit, "op"))
    if operation is None:
        raise ScheduleError("invalid_edit", {"reason": f"unknown op {_text(edit, 'op')}"})
    return operation(_Edit(edit, now, hold), schedule)


class _Edit:
    """Typed access to the fields of one edit; every problem is an `invalid_edit` or a more exact key."""

    def __init__(self, data: Mapping[str, Any], now: datetime, hold: HoldPolicy | None) -> None:
        self.data, self.now, self.hold = data, now, hold

    def text(self, key: str, default: str | None = None) -> str:
        return _text(self.data, key, default)

    def weekday(self, key: str = "weekday") -> int:
        return weekday_index(self.data.get(key))

    def weekdays(self, key: str) -> frozenset[int]:
        return parse_weekdays(self.data.get(key))

    def time(self, key: str) -> time:
        value = self.text(key)
        try:
            parsed = time.fromisoformat(value)
        except ValueError:
            raise ScheduleError("invalid_time", {"text": value}) from None
        if parsed.tzinfo is not None:
            raise ScheduleError("invalid_time", {"text": value})
        return parsed

    def target(self, key: str = "target") -> Target:
        value = self.data.get(key)
        if not isinstance(value, Mapping) or set(value) - {"heat", "cool"}:
            raise ScheduleError("invalid_edit", {"reason": f"{key} is {{heat, cool}}"})
        return Target(heat=value.get("heat"), cool=value.get("cool"))

    def scope(self) -> editing.Scope:
        value = self.text("scope", "day")
        if value == "day":
            return "day"
        if value == "rule":
            return "rule"
        raise ScheduleError("invalid_edit", {"reason": f"scope {value}"})

    def moment(self, key: str) -> Moment:
        return parse_moment(self.text(key))

    def instant(self, key: str, zone: tzinfo) -> datetime:
        """An exact instant: naive text is wall-clock time of `zone` (the schedule's), a date its midnight."""
        moment = self.moment(key)
        if not isinstance(moment, datetime):
            moment = datetime.combine(moment, time())
        if moment.tzinfo is not None:
            return moment
        return datetime.fromtimestamp(wall_to_timestamp(moment, zone), UTC)

    def seconds(self, key: str) -> timedelta | None:
        value = self.data.get(key)
        if value is None:
            return None
        if isinstance(value, bool) or not isinstance(value, int | float) or not math.isfinite(value):
            raise ScheduleError("invalid_duration", {"duration": value})
        if value <= 0 or value > 366 * 86400:
            raise ScheduleError("invalid_duration", {"duration": value})
        return timedelta(seconds=value)


def _add_block(edit: _Edit, schedule: Schedule) -> Schedule:
    return editing.add_block(
        schedule,
        weekdays=edit.weekdays("weekdays"),
        start=edit.time("start"),
        end=edit.time("end"),
        target=edit.target(),
        name=edit.text("name", ""),
    )


def _move_block(edit: _Edit, schedule: Schedule) -> Schedule:
    to_weekday = edit.weekday("to_weekday") if edit.data.get("to_weekday") is not None else None
    return editing.move_block(
        schedule,
        edit.text("rule_id"),
        edit.weekday(),
        start=edit.time("start"),
        to_weekday=to_weekday,
        scope=edit.scope(),
    )


def _resize_block(edit: _Edit, schedule: Schedule) -> Schedule:
    return editing.resize_block(
        schedule,
        edit.text("rule_id"),
        edit.weekday(),
        start=edit.time("start"),
        end=edit.time("end"),
        scope=edit.scope(),
    )


def _set_block_target(edit: _Edit, schedule: Schedule) -> Schedule:
    return editing.set_block_target(
        schedule, edit.text("rule_id"), edit.weekday(), edit.target(), scope=edit.scope()
    )


def _delete_block(edit: _Edit, schedule: Schedule) -> Schedule:
    return editing.delete_block(schedule, edit.text("rule_id"), edit.weekday(), scope=edit.scope())


def _copy_day(edit: _Edit, schedule: Schedule) -> Schedule:
    return editing.copy_day(schedule, edit.weekday("from"), edit.weekdays("to"))


def _set_override(edit: _Edit, schedule: Schedule) -> Schedule:
    until = edit.instant("until", schedule.time_zone) if edit.data.get("until") is not None else None
    return editing.set_override(
        schedule, edit.now, edit.target(), duration=edit.seconds("duration"), until=until, hold=edit.hold
    )


def _set_away(edit: _Edit, schedule: Schedule) -> Schedule:
    # Naive text stays wall-clock time of the schedule's zone (a dated rule resolves it), dates whole days.
    return editing.set_away(schedule, edit.moment("start"), edit.moment("end"), edit.target())


def _add_range(edit: _Edit, schedule: Schedule) -> Schedule:
    return editing.add_range(
        schedule,
        start=edit.moment("start"),
        end=edit.moment("end"),
        target=edit.target(),
        name=edit.text("name", ""),
    )


EDIT_OPERATIONS: dict[str, Callable[[_Edit, Schedule], Schedule]] = {
    "add_block": _add_block,
    "move_block": _move_block,
    "resize_block": _resize_block,
    "set_block_target": _set_block_target,
    "delete_block": _delete_block,
    "copy_day": _copy_day,
    "set_override": _set_override,
    "clear_override": lambda _edit, schedule: editing.clear_override(schedule),
    "set_away": _set_away,
    "clear_away": lambda _edit, schedule: editing.clear_away(schedule),
    "add_range": _add_range,
    "delete_rule": lambda edit, schedule: editing.delete_rule(schedule, edit.text("rule_id")),
}
"""Every edit the card can send, by its `op`; the fields of each are in the README of the card."""


# --- helpers ---------------------------------------------------------------------------------------


def _text(data: Mapping[str, Any], key: str, default: str | None = None) -> str:
    value = data.get(key, default)
    if not isinstance(value, str) or len(value) > MAX_TEXT:
        raise ScheduleError("invalid_edit", {"reason": f"{key} must be text"})
    return value


def _iso(moment: datetime | None) -> str | None:
    return moment.astimezone(UTC).isoformat() if moment is not None else None


def _hhmm(moment: time) -> str:
    return moment.isoformat(timespec="seconds" if moment.second else "minutes")


def _midnight(day: date, schedule: Schedule) -> datetime:
    """The first instant of a local day (a day starting in a DST gap starts at the transition)."""
    return datetime.fromtimestamp(wall_to_timestamp(datetime.combine(day, time()), schedule.time_zone), UTC)


def _minute(moment: datetime, begin: datetime, finish: datetime, schedule: Schedule) -> float:
    """Wall-clock minute of `moment` in the day [begin, finish): 0 at the start, 1440 at the end."""
    if moment <= begin:
        return 0.0
    if moment >= finish:
        return 1440.0
    local = moment.astimezone(schedule.time_zone)
    return local.hour * 60 + local.minute + local.second / 60


def _segment(item: Instruction, schedule: Schedule, begin: datetime, finish: datetime) -> dict[str, Any]:
    start = _minute(item.start, begin, finish, schedule)
    end = max(start, _minute(item.end, begin, finish, schedule))
    return instruction_to_api(item, schedule) | {"start_minute": start, "end_minute": end}


def _block(block: editing.Block) -> dict[str, Any]:
    rule = block.rule
    start, end = block.span()
    start_minute = (start % 86400) / 60
    return {
        "rule_id": rule.rule_id,
        "name": rule.name,
        "weekday": weekday_name(block.weekday),
        "weekdays": weekday_names(rule.weekdays),
        "start": _hhmm(rule.start),
        "end": _hhmm(rule.end),
        "start_minute": start_minute,
        "end_minute": min(1440.0, start_minute + (end - start) / 60),
        "overnight": rule.end <= rule.start,
        "target": rule.target.to_dict(),
        "sensors": dict(rule.sensors) if rule.sensors is not None else None,
    }


def _meets(rule: DatedRule | OverrideRule, schedule: Schedule, begin: datetime, finish: datetime) -> bool:
    return any(True for _ in rule.occurrences(begin.timestamp(), finish.timestamp(), schedule.time_zone))


def _period(rule: DatedRule | OverrideRule, schedule: Schedule) -> dict[str, Any]:
    if isinstance(rule, DatedRule):
        start, end = rule.span(schedule.time_zone)
    else:
        start, end = rule.start.timestamp(), rule.end.timestamp()
    return {
        "rule_id": rule.rule_id,
        "name": rule.name,
        "kind": rule_kind(rule),
        "start": _iso(datetime.fromtimestamp(start, UTC)),
        "end": _iso(datetime.fromtimestamp(end, UTC)),
        "target": rule.target.to_dict(),
    }


def _next_change(schedule: Schedule, moment: datetime | None) -> dict[str, Any] | None:
    if moment is None:
        return None
    then = schedule.evaluate(moment)
    return {
        "at": _iso(moment),
        "rule_id": then.rule_id,
        "kind": rule_kind(then.rule),
        "target": then.target.to_dict(),
    }
