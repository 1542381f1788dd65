"""Schedule rules and the time windows ("occurrences") in which each one is active.

Every rule has an id, a name, a `Target` and optionally its own weighted sensor set. Occurrences are
half-open POSIX-timestamp windows `[start, end)`; wall-clock times are resolved with `clock`'s DST rule.
"""

from collections.abc import Iterator, Mapping
from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta, tzinfo
from enum import IntEnum
from typing import Any, ClassVar, override

from .clock import require_aware, wall_to_timestamp
from .cron import CronExpression
from .errors import ScheduleError
from .isotime import Moment, parse_interval, parse_moment
from .target import Target
from .weights import SensorWeights, freeze_weights

MAX_CRON_DURATION = timedelta(days=7)
"""Longest active window after a cron firing (keeps the look-back of the timeline bounded)."""

type Occurrence = tuple[float, float]


class Tier(IntEnum):
    """Precedence of rule kinds; higher wins. Recurring and cron rules share a tier."""

    DEFAULT = 0
    PERIODIC = 1
    DATED = 2
    OVERRIDE = 3


@dataclass(frozen=True, kw_only=True, slots=True)
class _RuleBase:
    """Fields shared by every rule kind."""

    kind: ClassVar[str]
    tier: ClassVar[Tier]

    rule_id: str
    name: str = ""
    target: Target
    sensors: SensorWeights | None = None

    def __post_init__(self) -> None:
        """Validate the id and freeze the sensor set."""
        if not isinstance(self.rule_id, str) or not self.rule_id:
            raise ScheduleError("invalid_rule_id")
        if not isinstance(self.name, str) or not isinstance(self.target, Target):
            raise ScheduleError("invalid_data", {"reason": f"rule {self.rule_id}"})
        if self.sensors is not None:
            object.__setattr__(self, "sensors", freeze_weights(self.sensors))

    def occurrences(self, start: float, end: float, zone: tzinfo) -> Iterator[Occurrence]:
        """The rule's active windows that intersect [start, end), in order of their start."""
        raise NotImplementedError

    def to_dict(self) -> dict[str, Any]:
        """JSON-ready form; `rule_from_dict` reads it back."""
        return {
            "kind": self.kind,
            "id": self.rule_id,
            "name": self.name,
            "target": self.target.to_dict(),
            "sensors": dict(self.sensors) if self.sensors is not None else None,
        }


@dataclass(frozen=True, kw_only=True, slots=True)
class RecurringRule(_RuleBase):
    """Every listed weekday (0 = Monday .. 6 = Sunday), from `start` to `end` local wall-clock time.

    A block with `end < start` crosses midnight and belongs to the weekday it starts on. A block that
    lies entirely in a skipped DST hour does not happen that day.
    """

    kind: ClassVar[str] = "recurring"
    tier: ClassVar[Tier] = Tier.PERIODIC

    weekdays: frozenset[int]
    start: time
    end: time

    @override
    def __post_init__(self) -> None:
        _RuleBase.__post_init__(self)
        try:
            days = frozenset(self.weekdays)
        except TypeError:
            raise ScheduleError("invalid_data", {"reason": f"weekdays of rule {self.rule_id}"}) from None
        if not days:
            raise ScheduleError("no_weekdays")
        for day in days:
            if isinstance(day, bool) or not isinstance(day, int) or not 0 <= day <= 6:  # noqa: PLR2004
                raise ScheduleError("unknown_weekday", {"weekday": day})
        if not isinstance(self.start, time) or not isinstance(self.end, time):
            raise ScheduleError("invalid_data", {"reason": f"times of rule {self.rule_id}"})
        object.__setattr__(self, "weekdays", days)
        object.__setattr__(self, "start", self.start.replace(tzinfo=None))
        object.__setattr__(self, "end", self.end.replace(tzinfo=None))
        if self.start == self.end:
            raise ScheduleError("empty_block", {"start": self.start.isoformat()})

    @override
    def occurrences(self, start: float, end: float, zone: tzinfo) -> Iterator[Occurrence]:
        day = datetime.fromtimestamp(start, zone).date() - timedelta(days=1)
        last = datetime.fromtimestamp(end, zone).date()
        overnight = self.end < self.start
        while day <= last:
            if day.weekday() in self.weekdays:
                begin = wall_to_timestamp(datetime.combine(day, self.start), zone)
                finish_day = day + timedelta(days=1) if overnight else day
                finish = wall_to_timestamp(datetime.combine(finish_day, self.end), zone)
                if begin < finish and finish > start and begin < end:
                    yield begin, finish
            day += timedelta(days=1)

    @override
    def to_dict(self) -> dict[str, Any]:
        return _RuleBase.to_dict(self) | {
            "weekdays": sorted(self.weekdays),
            "start": self.start.isoformat(),
            "end": self.end.isoformat(),
        }


@dataclass(frozen=True, kw_only=True, slots=True)
class CronRule(_RuleBase):
    """Active from each firing of a 5-field cron expression (local wall-clock time) for `duration`.

    The duration is elapsed time (at most `MAX_CRON_DURATION`). A firing in a skipped DST hour happens
    at the transition; a firing in a repeated hour happens once.
    """

    kind: ClassVar[str] = "cron"
    tier: ClassVar[Tier] = Tier.PERIODIC

    cron: str
    duration: timedelta
    expression: CronExpression = field(init=False, repr=False, compare=False)

    @override
    def __post_init__(self) -> None:
        _RuleBase.__post_init__(self)
        object.__setattr__(self, "expression", CronExpression.parse(self.cron))
        object.__setattr__(self, "cron", self.expression.expression)
        _check_duration(self.duration, MAX_CRON_DURATION)

    @override
    def occurrences(self, start: float, end: float, zone: tzinfo) -> Iterator[Occurrence]:
        length = self.duration.total_seconds()
        margin = timedelta(hours=3)  # wider than any DST shift
        wall_from = datetime.fromtimestamp(start - length, zone).replace(tzinfo=None) - margin
        wall_to = datetime.fromtimestamp(end, zone).replace(tzinfo=None) + margin
        previous = None
        for wall in self.expression.firings(wall_from, wall_to):
            begin = wall_to_timestamp(wall, zone)
            if begin != previous and begin + length > start and begin < end:
                yield begin, begin + length
            previous = begin

    @override
    def to_dict(self) -> dict[str, Any]:
        return _RuleBase.to_dict(self) | {"cron": self.cron, "duration": self.duration.total_seconds()}


@dataclass(frozen=True, kw_only=True, slots=True)
class DatedRule(_RuleBase):
    """Active from `start` to `end`.

    Dates are whole local days (end date inclusive), naive date-times are local wall-clock time and aware
    ones exact instants. Build one from ISO text with `DatedRule.from_iso`.
    """

    kind: ClassVar[str] = "dated"
    tier: ClassVar[Tier] = Tier.DATED

    start: Moment
    end: Moment

    @override
    def __post_init__(self) -> None:
        _RuleBase.__post_init__(self)
        if not isinstance(self.start, date) or not isinstance(self.end, date):
            raise ScheduleError("invalid_data", {"reason": f"dates of rule {self.rule_id}"})
        begin, finish = _wall(self.start, end=False), _wall(self.end, end=True)
        if (begin.tzinfo is None) == (finish.tzinfo is None) and finish <= begin:
            raise ScheduleError("end_before_start", {"start": self.start, "end": self.end})

    @classmethod
    def from_iso(
        cls,
        text: str,
        *,
        rule_id: str,
        target: Target,
        name: str = "",
        sensors: Mapping[str, float] | None = None,
    ) -> DatedRule:
        """From `2026-12-21/2026-12-28`, `2026-12-21T08:00/P7D`, `P2D/2026-12-28`, `2026-12-25`, ..."""
        start, end = parse_interval(text)
        return cls(rule_id=rule_id, name=name, target=target, sensors=sensors, start=start, end=end)

    def span(self, zone: tzinfo) -> Occurrence:
        """The single active window, resolved in `zone`."""
        return _stamp(_wall(self.start, end=False), zone), _stamp(_wall(self.end, end=True), zone)

    @override
    def occurrences(self, start: float, end: float, zone: tzinfo) -> Iterator[Occurrence]:
        begin, finish = self.span(zone)
        if begin < finish and finish > start and begin < end:
            yield begin, finish

    @override
    def to_dict(self) -> dict[str, Any]:
        return _RuleBase.to_dict(self) | {"start": self.start.isoformat(), "end": self.end.isoformat()}


@dataclass(frozen=True, kw_only=True, slots=True)
class OverrideRule(_RuleBase):
    """An instant adjustment ("21 °C now") between two exact instants; see `Schedule.with_override`."""

    kind: ClassVar[str] = "override"
    tier: ClassVar[Tier] = Tier.OVERRIDE

    start: datetime
    end: datetime

    @override
    def __post_init__(self) -> None:
        _RuleBase.__post_init__(self)
        if not isinstance(self.start, datetime) or not isinstance(self.end, datetime):
            raise ScheduleError("invalid_data", {"reason": f"instants of rule {self.rule_id}"})
        require_aware(self.start, "start")
        require_aware(self.end, "end")
        if self.end <= self.start:
            raise ScheduleError("end_before_start", {"start": self.start, "end": self.end})

    @override
    def occurrences(self, start: float, end: float, zone: tzinfo) -> Iterator[Occurrence]:
        begin, finish = self.start.timestamp(), self.end.timestamp()
        if finish > start and begin < end:
            yield begin, finish

    @override
    def to_dict(self) -> dict[str, Any]:
        return _RuleBase.to_dict(self) | {"start": self.start.isoformat(), "end": self.end.isoformat()}


type Rule = RecurringRule | CronRule | DatedRule | OverrideRule


def _check_duration(duration: timedelta, maximum: timedelta) -> None:
    if not isinstance(duration, timedelta) or duration <= timedelta():
        raise ScheduleError("invalid_duration", {"duration": duration})
    if duration > maximum:
        raise ScheduleError("duration_too_long", {"duration": duration, "maximum": maximum})


def _wall(moment: Moment, *, end: bool) -> datetime:
    """A moment as a date-time: a date is its midnight, or the next midnight when it ends a range."""
    if isinstance(moment, datetime):
        return moment
    return datetime.combine(moment + timedelta(days=1) if end else moment, time())


def _stamp(moment: datetime, zone: tzinfo) -> float:
    return moment.timestamp() if moment.tzinfo is not None else wall_to_timestamp(moment, zone)


def rule_from_dict(data: Any) -> Rule:
    """Inverse of each rule's `to_dict`; raises `ScheduleError` (only) on malformed data."""
    try:
        return _rule_from_dict(data)
    except ScheduleError:
        raise
    except (ValueError, TypeError, OverflowError) as err:
        raise ScheduleError("invalid_data", {"reason": str(err)}) from None


def _rule_from_dict(data: Any) -> Rule:
    if not isinstance(data, dict):
        raise ScheduleError("invalid_data", {"reason": f"rule {data!r}"})
    kind = data.get("kind")
    if kind not in {"recurring", "cron", "dated", "override"}:
        raise ScheduleError("invalid_data", {"reason": f"rule kind {kind!r}"})
    common: dict[str, Any] = {
        "rule_id": data.get("id"),
        "name": data.get("name", ""),
        "target": Target.from_dict(data.get("target")),
        "sensors": data.get("sensors"),
    }
    match kind:
        case "recurring":
            return RecurringRule(
                **common,
                weekdays=frozenset(_list(data.get("weekdays"))),
                start=time.fromisoformat(_text(data.get("start"))),
                end=time.fromisoformat(_text(data.get("end"))),
            )
        case "cron":
            return CronRule(**common, cron=_text(data.get("cron")), duration=timedelta(seconds=_number(data)))
        case "dated":
            return DatedRule(
                **common,
                start=parse_moment(_text(data.get("start"))),
                end=parse_moment(_text(data.get("end"))),
            )
        case _:
            return OverrideRule(
                **common,
                start=datetime.fromisoformat(_text(data.get("start"))),
                end=datetime.fromisoformat(_text(data.get("end"))),
            )


def _text(value: Any) -> str:
    if not isinstance(value, str):
        raise ScheduleError("invalid_data", {"reason": f"expected text, got {value!r}"})
    return value


def _list(value: Any) -> list[Any]:
    if not isinstance(value, list):
        raise ScheduleError("invalid_data", {"reason": f"expected a list, got {value!r}"})
    return value


def _number(data: dict[str, Any]) -> float:
    value = data.get("duration")
    if isinstance(value, bool) or not isinstance(value, int | float):
        raise ScheduleError("invalid_data", {"reason": f"expected seconds, got {value!r}"})
    return value
