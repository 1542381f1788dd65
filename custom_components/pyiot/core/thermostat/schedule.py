"""The schedule: rules in precedence order, resolved into "what target, from which rule, until when".

Precedence, highest first:

1. override rules (instant adjustments, `Schedule.with_override`);
2. dated ranges (`DatedRule`, e.g. away 21-28 December);
3. recurring blocks and cron rules, which form one tier;
4. the schedule's default target.

Among active rules of the same tier the *most specific* wins: the one whose active window (the whole
occurrence containing the instant, not what is left of it) is shortest. Ties go to the occurrence that
started later, then to the lexicographically smallest rule id. Such ties are legal; `conflicts()` lists
them so a user interface can warn.

Recurring and cron rules use the wall-clock time of the schedule's zone; see `clock` for DST handling.
A `Schedule` is an immutable value: the `with_*`/`without_*`/`prune` methods return a new one (validated,
with fresh caches).
"""

from bisect import bisect_right
from collections import defaultdict
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
import math
from typing import Any, override
from zoneinfo import ZoneInfo

from .clock import require_aware
from .errors import ScheduleError
from .hold import HoldPolicy
from .rules import CronRule, DatedRule, OverrideRule, RecurringRule, Rule, Tier, rule_from_dict
from .target import Target, TargetLimits
from .timeline import CHUNK, DEFAULT, Timeline
from .weights import SensorWeights, freeze_weights

STORAGE_VERSION = 1
OVERRIDE_ID = "override"
"""Rule id used by `with_override` unless told otherwise: a new manual override replaces the last one."""

_RULE_TYPES = (RecurringRule, CronRule, DatedRule, OverrideRule)


@dataclass(frozen=True, kw_only=True, slots=True)
class ActiveTarget:
    """What the schedule asks for at an instant.

    `rule` is None when the default target applies. `next_change` (UTC) is when the winning rule or
    target next changes, None if nothing changes within the schedule's look-ahead.
    """

    target: Target
    rule: Rule | None
    sensors: SensorWeights
    next_change: datetime | None

    @property
    def rule_id(self) -> str | None:
        """Id of the winning rule, None for the default."""
        return self.rule.rule_id if self.rule is not None else None

    @property
    def rule_name(self) -> str | None:
        """Display name of the winning rule (its id when unnamed), None for the default."""
        return (self.rule.name or self.rule.rule_id) if self.rule is not None else None


@dataclass(frozen=True, kw_only=True, slots=True)
class Instruction:
    """One segment of the expanded schedule: target and sensors are constant from `start` to `end` (UTC)."""

    start: datetime
    end: datetime
    target: Target
    rule_id: str | None
    sensors: SensorWeights


class Schedule:
    """Rules plus a default target and sensor set, in one time zone; see the module docstring."""

    __slots__ = (
        "_active",
        "_closed_end",
        "_default",
        "_horizon",
        "_instructions",
        "_limits",
        "_lookahead",
        "_rules",
        "_sensors",
        "_start",
        "_timeline",
        "_zone",
    )

    def __init__(
        self,
        *,
        time_zone: ZoneInfo | str,
        default: Target,
        sensors: Mapping[str, float],
        rules: Iterable[Rule] = (),
        limits: TargetLimits | None = None,
        lookahead: timedelta = timedelta(days=31),
    ) -> None:
        """Validate everything; raise `ScheduleError` on the first problem found."""
        self._zone = _zone(time_zone)
        self._limits = limits if limits is not None else TargetLimits()
        if not isinstance(default, Target):
            raise ScheduleError("invalid_data", {"reason": "default target"})
        self._default = self._limits.check(default)
        self._sensors = freeze_weights(sensors)
        if not isinstance(lookahead, timedelta) or lookahead <= timedelta():
            raise ScheduleError("invalid_duration", {"duration": lookahead})
        self._lookahead = lookahead
        self._horizon = lookahead.total_seconds()
        self._rules = tuple(rules)
        seen: set[str] = set()
        for rule in self._rules:
            if not isinstance(rule, _RULE_TYPES):
                raise ScheduleError("invalid_data", {"reason": f"not a rule: {rule!r}"})
            if rule.rule_id in seen:
                raise ScheduleError("duplicate_rule_id", {"rule_id": rule.rule_id})
            seen.add(rule.rule_id)
            self._limits.check(rule.target)
            if isinstance(rule, DatedRule):
                start, end = rule.span(self._zone)
                if end <= start:
                    raise ScheduleError("end_before_start", {"start": rule.start, "end": rule.end})
        self._timeline = Timeline(self._rules, self._zone)
        self._active: list[ActiveTarget | None] = []
        self._start = math.inf
        self._closed_end = -math.inf
        self._instructions: dict[tuple[float, float], tuple[Instruction, ...]] = {}

    # --- read access -------------------------------------------------------------------------------

    @property
    def time_zone(self) -> ZoneInfo:
        """Zone of the wall-clock times of recurring and cron rules."""
        return self._zone

    @property
    def default(self) -> Target:
        """Target when no rule is active."""
        return self._default

    @property
    def sensors(self) -> SensorWeights:
        """Sensor set of the default and of rules without their own."""
        return self._sensors

    @property
    def rules(self) -> tuple[Rule, ...]:
        """All rules, in the order given."""
        return self._rules

    @property
    def limits(self) -> TargetLimits:
        """Bounds of every setpoint."""
        return self._limits

    @property
    def lookahead(self) -> timedelta:
        """How far `evaluate` looks for the next change before reporting None."""
        return self._lookahead

    def rule(self, rule_id: str) -> Rule:
        """The rule with this id, or `ScheduleError("unknown_rule")`."""
        for rule in self._rules:
            if rule.rule_id == rule_id:
                return rule
        raise ScheduleError("unknown_rule", {"rule_id": rule_id})

    @override
    def __eq__(self, other: object) -> bool:
        """Same zone, default, sensors, rules (in order), limits and look-ahead."""
        if not isinstance(other, Schedule):
            return NotImplemented
        return self._identity() == other._identity()

    __hash__ = None  # type: ignore[assignment]

    def _identity(self) -> tuple[object, ...]:
        return (
            self._zone.key,
            self._default,
            dict(self._sensors),
            self._rules,
            self._limits,
            self._lookahead,
        )

    def __repr__(self) -> str:
        """Short description for logs."""
        return f"Schedule({self._zone.key}, default={self._default}, {len(self._rules)} rules)"

    # --- evaluation --------------------------------------------------------------------------------

    def evaluate(self, now: datetime) -> ActiveTarget:
        """The target, winning rule, sensor set and next change at `now` (timezone-aware)."""
        if now.tzinfo is None:
            require_aware(now)
        stamp = now.timestamp()
        if self._start <= stamp < self._closed_end:
            bounds = self._timeline.bounds
            index = bisect_right(bounds, stamp) - 1
            if bounds[index + 1] - stamp <= self._horizon:
                return self._active[index] or self._activate(index)
        return self._evaluate_edge(stamp)

    def _evaluate_edge(self, stamp: float) -> ActiveTarget:
        """Slow path: extend the cache until the segment containing `stamp` has a known end."""
        timeline = self._timeline
        horizon = stamp + self._horizon
        self._ensure(stamp, stamp + CHUNK)
        index = timeline.index(stamp)
        while index == len(timeline.winners) - 1 and timeline.end < horizon:
            self._ensure(stamp, min(timeline.end + 8 * CHUNK, horizon))
            index = timeline.index(stamp)
        if index < len(timeline.winners) - 1 and timeline.bounds[index + 1] <= horizon:
            return self._active[index] or self._activate(index)
        return self._make_active(index, None)

    def _ensure(self, start: float, end: float) -> None:
        timeline = self._timeline
        if timeline.start <= start and end <= timeline.end:
            return
        previous = len(timeline.winners)
        if timeline.ensure(start, end):
            self._active = [None] * len(timeline.winners)
        else:
            # The old last segment may have grown: forget its cached answer.
            self._active[previous - 1 :] = [None] * (len(timeline.winners) - previous + 1)
        self._start = timeline.start
        self._closed_end = timeline.bounds[-2] if len(timeline.bounds) > 2 else -math.inf  # noqa: PLR2004

    def _activate(self, index: int) -> ActiveTarget:
        active = self._make_active(index, _utc(self._timeline.bounds[index + 1]))
        self._active[index] = active
        return active

    def _make_active(self, index: int, next_change: datetime | None) -> ActiveTarget:
        winner = self._timeline.winners[index]
        rule = self._rules[winner] if winner != DEFAULT else None
        return ActiveTarget(
            target=rule.target if rule is not None else self._default,
            rule=rule,
            sensors=self._sensors_of(rule),
            next_change=next_change,
        )

    def _sensors_of(self, rule: Rule | None) -> SensorWeights:
        return rule.sensors if rule is not None and rule.sensors is not None else self._sensors

    def instructions(self, start: datetime, hours: float) -> list[Instruction]:
        """Contiguous segments covering `hours` from `start`, merged where identical (cached)."""
        require_aware(start, "start")
        if isinstance(hours, bool) or not isinstance(hours, int | float) or not 0 < hours <= 24 * 3 * 365:
            raise ScheduleError("invalid_duration", {"duration": f"{hours} h"})
        begin = start.timestamp()
        key = (begin, float(hours))
        cached = self._instructions.get(key)
        if cached is None:
            cached = self._expand(begin, begin + hours * 3600.0)
            if len(self._instructions) >= 32:  # noqa: PLR2004
                self._instructions.clear()
            self._instructions[key] = cached
        return list(cached)

    def _expand(self, begin: float, finish: float) -> tuple[Instruction, ...]:
        self._ensure(begin, finish)
        timeline = self._timeline
        result: list[Instruction] = []
        index = timeline.index(begin)
        while timeline.bounds[index] < finish:
            winner = timeline.winners[index]
            rule = self._rules[winner] if winner != DEFAULT else None
            result.append(
                Instruction(
                    start=_utc(max(timeline.bounds[index], begin)),
                    end=_utc(min(timeline.bounds[index + 1], finish)),
                    target=rule.target if rule is not None else self._default,
                    rule_id=rule.rule_id if rule is not None else None,
                    sensors=self._sensors_of(rule),
                )
            )
            index += 1
        return tuple(result)

    def conflicts(self, start: datetime, days: float = 366) -> list[tuple[str, str]]:
        """Pairs of rule ids that overlap with identical specificity within `days` from `start`.

        Identical specificity means same tier and same window length; the tie rule decides between such
        rules. Each pair is sorted, and so is the list.
        """
        require_aware(start, "start")
        if isinstance(days, bool) or not isinstance(days, int | float) or not 0 < days <= 3 * 366:
            raise ScheduleError("invalid_duration", {"duration": f"{days} days"})
        begin = start.timestamp()
        finish = begin + days * 86400.0
        groups: dict[tuple[Tier, float], list[tuple[float, float, str]]] = defaultdict(list)
        for rule in self._rules:
            for occ_start, occ_end in rule.occurrences(begin, finish, self._zone):
                groups[rule.tier, occ_end - occ_start].append((occ_start, occ_end, rule.rule_id))
        pairs: set[tuple[str, str]] = set()
        for occurrences in groups.values():
            occurrences.sort()
            running: list[tuple[float, str]] = []
            for occ_start, occ_end, rule_id in occurrences:
                running = [(end, other) for end, other in running if end > occ_start]
                pairs.update(
                    (min(rule_id, other), max(rule_id, other)) for _, other in running if other != rule_id
                )
                running.append((occ_end, rule_id))
        return sorted(pairs)

    # --- changes (each returns a new schedule) ------------------------------------------------------

    def _replace(self, **changes: Any) -> Schedule:
        fields: dict[str, Any] = {
            "time_zone": self._zone,
            "default": self._default,
            "sensors": self._sensors,
            "rules": self._rules,
            "limits": self._limits,
            "lookahead": self._lookahead,
        }
        return Schedule(**(fields | changes))

    def with_rule(self, rule: Rule) -> Schedule:
        """Add `rule`, or replace the rule with the same id (keeping its position)."""
        if any(existing.rule_id == rule.rule_id for existing in self._rules):
            rules = tuple(rule if existing.rule_id == rule.rule_id else existing for existing in self._rules)
        else:
            rules = (*self._rules, rule)
        return self._replace(rules=rules)

    def without_rule(self, rule_id: str) -> Schedule:
        """Remove a rule; `ScheduleError("unknown_rule")` if there is none with that id."""
        self.rule(rule_id)
        return self._replace(rules=tuple(rule for rule in self._rules if rule.rule_id != rule_id))

    def with_default(self, target: Target, sensors: Mapping[str, float] | None = None) -> Schedule:
        """Change the default target (and optionally the default sensor set)."""
        return self._replace(default=target, sensors=sensors if sensors is not None else self._sensors)

    def with_override(
        self,
        now: datetime,
        target: Target,
        *,
        duration: timedelta | None = None,
        rule_id: str = OVERRIDE_ID,
        name: str = "",
        sensors: Mapping[str, float] | None = None,
        hold: HoldPolicy | None = None,
    ) -> Schedule:
        """Set `target` from `now` for `duration`, or as `hold` says (default: `HoldPolicy()`).

        Without `duration` the end is computed now, from the schedule without overrides: the next
        scheduled change within the policy's horizon, else now + its default hold. An existing rule with
        the same id is replaced, so repeated manual settings don't pile up.
        """
        require_aware(now)
        if duration is None:
            change = self.without_overrides().evaluate(now).next_change
            end = (hold or HoldPolicy()).end(now, change)
        elif not isinstance(duration, timedelta) or duration <= timedelta():
            raise ScheduleError("invalid_duration", {"duration": duration})
        else:
            end = now + duration
        override = OverrideRule(
            rule_id=rule_id, name=name, target=target, sensors=sensors, start=now, end=end
        )
        return self.with_rule(override)

    def without_overrides(self) -> Schedule:
        """The schedule with every override removed."""
        return self._replace(rules=tuple(rule for rule in self._rules if not isinstance(rule, OverrideRule)))

    def prune(self, now: datetime) -> Schedule:
        """Drop overrides that ended at or before `now`; returns `self` when there are none."""
        require_aware(now)
        kept = tuple(rule for rule in self._rules if not (isinstance(rule, OverrideRule) and rule.end <= now))
        return self if len(kept) == len(self._rules) else self._replace(rules=kept)

    # --- storage -----------------------------------------------------------------------------------

    def to_dict(self) -> dict[str, Any]:
        """JSON-ready form for Home Assistant's storage."""
        return {
            "version": STORAGE_VERSION,
            "time_zone": self._zone.key,
            "default": self._default.to_dict(),
            "sensors": dict(self._sensors),
            "limits": {"minimum": self._limits.minimum, "maximum": self._limits.maximum},
            "lookahead": self._lookahead.total_seconds(),
            "rules": [rule.to_dict() for rule in self._rules],
        }

    @classmethod
    def from_dict(cls, data: Any, *, time_zone: ZoneInfo | str | None = None) -> Schedule:
        """Inverse of `to_dict`; `time_zone` replaces the stored zone. Raises `ScheduleError` only."""
        try:
            return cls._from_dict(data, time_zone)
        except ScheduleError:
            raise
        except (ValueError, TypeError, OverflowError, KeyError, AttributeError) as err:
            raise ScheduleError("invalid_data", {"reason": repr(err)}) from None

    @classmethod
    def _from_dict(cls, data: Any, time_zone: ZoneInfo | str | None) -> Schedule:
        if not isinstance(data, dict) or data.get("version") != STORAGE_VERSION:
            raise ScheduleError("invalid_data", {"reason": "unknown format"})
        limits, lookahead, rules = data["limits"], data["lookahead"], data["rules"]
        if not isinstance(limits, dict) or not isinstance(rules, list) or isinstance(lookahead, bool):
            raise ScheduleError("invalid_data", {"reason": "layout"})
        return cls(
            time_zone=time_zone if time_zone is not None else data["time_zone"],
            default=Target.from_dict(data["default"]),
            sensors=data["sensors"],
            limits=TargetLimits(minimum=limits["minimum"], maximum=limits["maximum"]),
            lookahead=timedelta(seconds=lookahead),
            rules=[rule_from_dict(rule) for rule in rules],
        )


def _utc(stamp: float) -> datetime:
    return datetime.fromtimestamp(stamp, UTC)


def _zone(value: ZoneInfo | str) -> ZoneInfo:
    if isinstance(value, ZoneInfo) and value.key:
        return value
    try:
        if isinstance(value, str) and value:
            return ZoneInfo(value)
    except ValueError, KeyError, OSError:
        pass
    raise ScheduleError("invalid_time_zone", {"time_zone": value})
