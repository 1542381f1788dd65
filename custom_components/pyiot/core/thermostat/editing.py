"""Schedule edits of the schedule card: weekday blocks, days, overrides, away and dated ranges.

Each edit is a pure function returning a new `Schedule` (validated like any other) or raising a
`ScheduleError` with a translation key. A *block* is one weekday of a `RecurringRule`: editing one day
of a rule that covers several days splits that day off into a rule of its own (`scope="day"`), or
changes the whole rule (`scope="rule"`). Edits never let the blocks they create or change overlap
another block (other overlaps, made through the actions, are left as they are).
"""

from collections.abc import Iterable, Iterator
from dataclasses import dataclass, replace
from datetime import datetime, time, timedelta
from typing import Literal

from .errors import ScheduleError
from .hold import HoldPolicy
from .isotime import Moment
from .rules import DatedRule, RecurringRule, Rule
from .schedule import OVERRIDE_ID, Schedule
from .source import AWAY_RULE_ID
from .target import Target
from .weekdays import weekday_name

type Scope = Literal["day", "rule"]

_DAY = 86400
_WEEK = 7 * _DAY


@dataclass(frozen=True, kw_only=True, slots=True)
class Block:
    """One weekday of a recurring rule; `end` before `start` crosses midnight (ends the next day)."""

    rule: RecurringRule
    weekday: int

    @property
    def rule_id(self) -> str:
        """Id of the rule the block belongs to."""
        return self.rule.rule_id

    def span(self) -> tuple[int, int]:
        """Seconds from Monday 00:00 (wall clock) of its start and end; the end may pass Sunday."""
        start = self.weekday * _DAY + _seconds(self.rule.start)
        length = (_seconds(self.rule.end) - _seconds(self.rule.start)) % _DAY
        return start, start + length


def blocks(schedule: Schedule) -> list[Block]:
    """Every block of the schedule, by weekday and start time."""
    found = [
        Block(rule=rule, weekday=day)
        for rule in schedule.rules
        if isinstance(rule, RecurringRule)
        for day in rule.weekdays
    ]
    return sorted(found, key=lambda block: (block.span(), block.rule_id))


def find_block(schedule: Schedule, rule_id: str, weekday: int) -> Block:
    """The block of `rule_id` on `weekday`: `unknown_rule`, `not_a_block` or `unknown_block` if none."""
    rule = schedule.rule(rule_id)
    if not isinstance(rule, RecurringRule):
        raise ScheduleError("not_a_block", {"rule_id": rule_id})
    if weekday not in rule.weekdays:
        raise ScheduleError("unknown_block", {"rule_id": rule_id, "weekday": weekday_name(weekday)})
    return Block(rule=rule, weekday=weekday)


def add_block(
    schedule: Schedule,
    *,
    weekdays: Iterable[int],
    start: time,
    end: time,
    target: Target,
    name: str = "",
) -> Schedule:
    """A new block on each of `weekdays` (one rule), with a fresh rule id."""
    rule = RecurringRule(
        rule_id=fresh_rule_id(schedule, "block"),
        name=name,
        target=target,
        weekdays=frozenset(weekdays),
        start=start,
        end=end,
    )
    return _checked(schedule.with_rule(rule), {rule.rule_id: rule.weekdays})


def move_block(
    schedule: Schedule,
    rule_id: str,
    weekday: int,
    *,
    start: time,
    to_weekday: int | None = None,
    scope: Scope = "day",
) -> Schedule:
    """Move a block to a new start (and weekday), keeping its length."""
    block = find_block(schedule, rule_id, weekday)
    length = block.span()[1] - block.span()[0]
    end = _time((_seconds(start) + length) % _DAY)
    shift = (to_weekday - weekday) % 7 if to_weekday is not None else 0
    return _change(schedule, block, scope, shift=shift, start=start, end=end)


def resize_block(
    schedule: Schedule, rule_id: str, weekday: int, *, start: time, end: time, scope: Scope = "day"
) -> Schedule:
    """Give a block new start and end times (`end` before `start`: it crosses midnight)."""
    return _change(schedule, find_block(schedule, rule_id, weekday), scope, start=start, end=end)


def set_block_target(
    schedule: Schedule, rule_id: str, weekday: int, target: Target, *, scope: Scope = "day"
) -> Schedule:
    """Give a block a new target."""
    return _change(schedule, find_block(schedule, rule_id, weekday), scope, target=target)


def delete_block(schedule: Schedule, rule_id: str, weekday: int, *, scope: Scope = "day") -> Schedule:
    """Remove a block (`scope="rule"`: the whole rule); a rule left with no weekday goes too."""
    block = find_block(schedule, rule_id, weekday)
    days = block.rule.weekdays - {weekday}
    if scope == "rule" or not days:
        return schedule.without_rule(rule_id)
    return schedule.with_rule(replace(block.rule, weekdays=days))


def copy_day(schedule: Schedule, source: int, targets: Iterable[int]) -> Schedule:
    """Make each of `targets` a copy of `source`: its blocks are replaced by the source day's blocks."""
    days = frozenset(targets) - {source}
    if not days:
        return schedule
    rules: list[Rule] = []
    changed: dict[str, frozenset[int]] = {}
    for rule in schedule.rules:
        if not isinstance(rule, RecurringRule):
            rules.append(rule)
            continue
        weekdays = rule.weekdays - days
        if source in rule.weekdays:
            weekdays |= days
            changed[rule.rule_id] = days
        if weekdays:
            rules.append(replace(rule, weekdays=weekdays) if weekdays != rule.weekdays else rule)
    return _checked(_with_rules(schedule, rules), changed)


def set_override(
    schedule: Schedule,
    now: datetime,
    target: Target,
    *,
    duration: timedelta | None = None,
    until: datetime | None = None,
    hold: HoldPolicy | None = None,
) -> Schedule:
    """A manual setpoint from `now`: for `duration`, `until` a moment, or as `hold` says."""
    if duration is not None and until is not None:
        raise ScheduleError("invalid_edit", {"reason": "duration and until together"})
    if until is not None:
        duration = until - now
        if duration <= timedelta():
            raise ScheduleError("end_before_start", {"start": now.isoformat(), "end": until.isoformat()})
    return schedule.with_override(now, target, duration=duration, rule_id=OVERRIDE_ID, hold=hold)


def clear_override(schedule: Schedule) -> Schedule:
    """Back to the schedule: every override goes."""
    return schedule.without_overrides()


def set_away(schedule: Schedule, start: Moment, end: Moment, target: Target) -> Schedule:
    """Keep `target` (e.g. at least 12 °C) from `start` to `end`; replaces an earlier away period."""
    away = DatedRule(rule_id=AWAY_RULE_ID, name="away", target=target, start=start, end=end)
    return schedule.with_rule(away)


def clear_away(schedule: Schedule) -> Schedule:
    """Remove the away period, if there is one."""
    if any(rule.rule_id == AWAY_RULE_ID for rule in schedule.rules):
        return schedule.without_rule(AWAY_RULE_ID)
    return schedule


def add_range(schedule: Schedule, *, start: Moment, end: Moment, target: Target, name: str = "") -> Schedule:
    """A dated range (dates are whole days, end date included) with a fresh rule id."""
    rule = DatedRule(rule_id=fresh_rule_id(schedule, "range"), name=name, target=target, start=start, end=end)
    return schedule.with_rule(rule)


def delete_rule(schedule: Schedule, rule_id: str) -> Schedule:
    """Remove any rule by id."""
    return schedule.without_rule(rule_id)


def fresh_rule_id(schedule: Schedule, prefix: str) -> str:
    """`prefix_1`, `prefix_2`, ...: the first one no rule of `schedule` has."""
    taken = {rule.rule_id for rule in schedule.rules}
    number = 1
    while f"{prefix}_{number}" in taken:
        number += 1
    return f"{prefix}_{number}"


# --- helpers ---------------------------------------------------------------------------------------


def _change(
    schedule: Schedule,
    block: Block,
    scope: Scope,
    *,
    shift: int = 0,
    start: time | None = None,
    end: time | None = None,
    target: Target | None = None,
) -> Schedule:
    """Apply new times/target (and a weekday shift) to one block or to its whole rule."""
    rule = block.rule
    edited = replace(
        rule,
        start=rule.start if start is None else start,
        end=rule.end if end is None else end,
        target=rule.target if target is None else target,
    )
    if scope == "rule" or rule.weekdays == {block.weekday}:
        days = frozenset((day + shift) % 7 for day in rule.weekdays)
        return _checked(schedule.with_rule(replace(edited, weekdays=days)), {rule.rule_id: days})
    split = replace(
        edited,
        rule_id=fresh_rule_id(schedule, f"{rule.rule_id}_{weekday_name(block.weekday)}"),
        weekdays=frozenset({(block.weekday + shift) % 7}),
    )
    rules: list[Rule] = []
    for existing in schedule.rules:
        if existing.rule_id == rule.rule_id:
            rules += [replace(rule, weekdays=rule.weekdays - {block.weekday}), split]
        else:
            rules.append(existing)
    return _checked(_with_rules(schedule, rules), {split.rule_id: split.weekdays})


def _with_rules(schedule: Schedule, rules: list[Rule]) -> Schedule:
    return Schedule(
        time_zone=schedule.time_zone,
        default=schedule.default,
        sensors=schedule.sensors,
        rules=rules,
        limits=schedule.limits,
        lookahead=schedule.lookahead,
    )


def _checked(schedule: Schedule, changed: dict[str, frozenset[int]]) -> Schedule:
    """`schedule`, unless a changed block (rule id -> weekdays) overlaps another block."""
    every = blocks(schedule)
    for block in every:
        if block.weekday not in changed.get(block.rule_id, frozenset()):
            continue
        for other in every:
            if other is not block and _overlap(block, other):
                raise ScheduleError(
                    "blocks_overlap",
                    {
                        "rule_id": block.rule_id,
                        "weekday": weekday_name(block.weekday),
                        "other": other.rule_id,
                        "other_weekday": weekday_name(other.weekday),
                    },
                )
    return schedule


def _overlap(first: Block, second: Block) -> bool:
    (start, end), (other_start, other_end) = first.span(), second.span()
    return any(start < other_end + shift and other_start + shift < end for shift in _shifts())


def _shifts() -> Iterator[int]:
    yield from (-_WEEK, 0, _WEEK)  # a block that crosses Sunday midnight meets Monday's


def _seconds(moment: time) -> int:
    return moment.hour * 3600 + moment.minute * 60 + moment.second


def _time(seconds: int) -> time:
    return time(seconds // 3600, seconds % 3600 // 60, seconds % 60)
