"""A tolerant reader of stored schedules next to the strict `Schedule.from_dict`: a bad rule costs one rule.

`Schedule.from_dict` refuses the whole schedule when any part is wrong, which is right for what a user
sends. For what was stored, `load_schedule` keeps every rule that is valid on its own and returns the
others (with their raw data and the error) so that the HA side can keep them aside and name them in a
repair issue. Only a schedule whose frame (version, time zone, default, sensors, limits, look-ahead, the
rules list itself) is unreadable still raises `ScheduleError`.
"""

from dataclasses import dataclass
from typing import Any
from zoneinfo import ZoneInfo

from ..corrupt_records import SkippedRecord
from .errors import ScheduleError
from .rules import Rule, rule_from_dict
from .schedule import Schedule

MAX_STORED_RULES = 10_000
"""Rules read at most (each is checked against the frame on its own)."""


@dataclass(frozen=True, slots=True)
class DroppedRule:
    """A stored rule that could not be kept."""

    index: int
    """Its position in the stored list."""
    rule_id: str | None
    """Its id when the record has a text one (to name it in a repair issue)."""
    error: ScheduleError
    data: Any
    """The rule as it was stored."""

    def as_skipped(self, path: str = "schedule.rules") -> SkippedRecord:
        """The generic form, for the copy kept aside."""
        return SkippedRecord(f"{path}[{self.index}]", str(self.error), self.data)


@dataclass(frozen=True, slots=True)
class LoadedSchedule:
    """The schedule with every readable rule, and the rules that were dropped."""

    schedule: Schedule
    dropped: tuple[DroppedRule, ...]


def load_schedule(data: Any, *, time_zone: ZoneInfo | str | None = None) -> LoadedSchedule:
    """Read a stored schedule like `Schedule.from_dict`, dropping only the rules that do not fit.

    A rule is dropped when it cannot be read, repeats an earlier rule's id, or is refused by the schedule
    (setpoints outside the limits, a dated range that ends before it starts). Raises `ScheduleError` only
    when the rest of the schedule is unreadable.
    """
    try:
        return LoadedSchedule(Schedule.from_dict(data, time_zone=time_zone), ())
    except ScheduleError:
        pass
    if not isinstance(data, dict) or not isinstance(rules := data.get("rules"), list):
        raise ScheduleError("invalid_data", {"reason": "layout"})
    frame = Schedule.from_dict({**data, "rules": []}, time_zone=time_zone)
    kept: list[Rule] = []
    seen: set[str] = set()
    dropped: list[DroppedRule] = []
    for index, raw in enumerate(rules):
        rule_id = raw.get("id") if isinstance(raw, dict) and isinstance(raw.get("id"), str) else None
        try:
            rule = _read_rule(index, raw, frame, seen)
        except ScheduleError as err:
            dropped.append(DroppedRule(index=index, rule_id=rule_id, error=err, data=raw))
            continue
        seen.add(rule.rule_id)
        kept.append(rule)
    schedule = Schedule(
        time_zone=frame.time_zone,
        default=frame.default,
        sensors=frame.sensors,
        limits=frame.limits,
        lookahead=frame.lookahead,
        rules=kept,
    )
    return LoadedSchedule(schedule, tuple(dropped))


def _read_rule(index: int, raw: Any, frame: Schedule, seen: set[str]) -> Rule:
    if index >= MAX_STORED_RULES:
        raise ScheduleError("invalid_data", {"reason": f"more than {MAX_STORED_RULES} rules"})
    rule = rule_from_dict(raw)
    if rule.rule_id in seen:
        raise ScheduleError("duplicate_rule_id", {"rule_id": rule.rule_id})
    frame.with_rule(rule)  # the schedule's own checks, for this rule alone
    return rule
