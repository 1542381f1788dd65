"""A small 5-field cron parser (minute hour day-of-month month day-of-week) with Vixie cron semantics.

Each field takes `*`, numbers, names (JAN-DEC, SUN-SAT, any case), lists `a,b`, ranges `a-b` and steps
`*/n`, `a-b/n`, `a/n` (from a to the end of the field). Day-of-week accepts 0-7, both 0 and 7 meaning
Sunday. The macros @yearly, @annually, @monthly, @weekly, @daily, @midnight and @hourly are accepted.

As in Vixie cron, when both day fields are restricted a day matches if *either* matches; a field counts
as unrestricted when its text starts with `*` (so `*/2` in day-of-month still AND-s with day-of-week).
"""

import calendar
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta

from .errors import ScheduleError

_MACROS = {
    "@yearly": "0 0 1 1 *",
    "@annually": "0 0 1 1 *",
    "@monthly": "0 0 1 * *",
    "@weekly": "0 0 * * 0",
    "@daily": "0 0 * * *",
    "@midnight": "0 0 * * *",
    "@hourly": "0 * * * *",
}
_MONTHS = {name.upper(): number for number, name in enumerate(calendar.month_abbr) if name}
_WEEKDAYS = {name: number for number, name in enumerate(("SUN", "MON", "TUE", "WED", "THU", "FRI", "SAT"))}
_DAYS_IN_MONTH = (31, 29, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31)


@dataclass(frozen=True, slots=True)
class _Field:
    name: str
    low: int
    high: int
    names: dict[str, int]


_FIELDS = (
    _Field("minute", 0, 59, {}),
    _Field("hour", 0, 23, {}),
    _Field("day-of-month", 1, 31, {}),
    _Field("month", 1, 12, _MONTHS),
    _Field("day-of-week", 0, 7, _WEEKDAYS),
)


@dataclass(frozen=True, kw_only=True, slots=True)
class CronExpression:
    """A parsed cron expression; use `CronExpression.parse`.

    `weekdays` use Python's numbering (0 = Monday). `times` are the (hour, minute) pairs of a firing day.
    """

    expression: str
    minutes: frozenset[int]
    hours: frozenset[int]
    days: frozenset[int]
    months: frozenset[int]
    weekdays: frozenset[int]
    either_day: bool
    times: tuple[time, ...]

    @classmethod
    def parse(cls, expression: str) -> CronExpression:
        """Parse `expression`; raise `ScheduleError("invalid_cron")` or `("cron_never_fires")`."""
        if not isinstance(expression, str):
            raise ScheduleError("invalid_cron", {"expression": expression, "reason": "not text"})
        text = " ".join(expression.split())
        parts = _MACROS.get(text.lower(), text).split(" ")
        if len(parts) != len(_FIELDS):
            raise ScheduleError("invalid_cron", {"expression": expression, "reason": "needs 5 fields"})
        try:
            minutes, hours, days, months, cron_weekdays = (
                _parse_field(part, spec) for part, spec in zip(parts, _FIELDS, strict=True)
            )
        except ValueError as err:
            raise ScheduleError("invalid_cron", {"expression": expression, "reason": str(err)}) from None
        if not any(day <= _DAYS_IN_MONTH[month - 1] for month in months for day in days) and (
            parts[2].startswith("*") or parts[4].startswith("*")
        ):
            raise ScheduleError("cron_never_fires", {"expression": expression})
        return cls(
            expression=text,
            minutes=minutes,
            hours=hours,
            days=days,
            months=months,
            weekdays=frozenset((day - 1) % 7 for day in cron_weekdays),
            either_day=not parts[2].startswith("*") and not parts[4].startswith("*"),
            times=tuple(time(hour, minute) for hour in sorted(hours) for minute in sorted(minutes)),
        )

    def matches_day(self, day: date) -> bool:
        """Whether the expression fires on `day` (month and both day fields)."""
        if day.month not in self.months:
            return False
        by_day = day.day in self.days
        by_weekday = day.weekday() in self.weekdays
        return (by_day or by_weekday) if self.either_day else (by_day and by_weekday)

    def firings(self, start: datetime, end: datetime) -> Iterator[datetime]:
        """Naive wall-clock firing times in [start, end), in order."""
        day = start.date()
        while day <= end.date():
            if self.matches_day(day):
                for moment in self.times:
                    wall = datetime.combine(day, moment)
                    if wall >= end:
                        return
                    if wall >= start:
                        yield wall
            day += timedelta(days=1)


def _parse_field(text: str, spec: _Field) -> frozenset[int]:
    values: set[int] = set()
    for item in text.split(","):
        values.update(_parse_item(item, spec))
    return frozenset(values)


def _parse_item(item: str, spec: _Field) -> range:
    span, slash, step_text = item.partition("/")
    step = 1
    if slash:
        if not _is_number(step_text) or int(step_text) == 0:
            raise ValueError(f"bad step {step_text!r} in {spec.name}")
        step = int(step_text)
    if span == "*":
        low, high = spec.low, spec.high
    else:
        first, dash, last = span.partition("-")
        low = _parse_value(first, spec)
        high = _parse_value(last, spec) if dash else (spec.high if slash else low)
        if low > high:
            raise ValueError(f"range {span!r} runs backwards in {spec.name}")
    return range(low, high + 1, step)


def _parse_value(text: str, spec: _Field) -> int:
    if text.upper() in spec.names:
        return spec.names[text.upper()]
    if not _is_number(text):
        raise ValueError(f"{text!r} is not a {spec.name}")
    value = int(text)
    if not spec.low <= value <= spec.high:
        raise ValueError(f"{value} is outside {spec.low}-{spec.high} for {spec.name}")
    return value


def _is_number(text: str) -> bool:
    return text.isascii() and text.isdigit()
