"""ISO 8601 text for dated ranges: dates, date-times, durations and intervals.

A *moment* is a `date` (a whole local day) or a `datetime` (naive = wall-clock time of the schedule's
zone, aware = that exact instant). An interval is `start/end`, `start/duration` or `duration/end`;
a date as end is inclusive (the range runs to the end of that day). Durations (`P1Y2M3W4DT5H6M7.5S`)
are added in wall-clock time, so `P7D` is seven calendar days even across a DST change.
"""

from dataclasses import dataclass
from datetime import date, datetime, timedelta
import re

from .errors import ScheduleError

type Moment = date | datetime

_DURATION = re.compile(
    r"P(?:(?P<years>\d+)Y)?(?:(?P<months>\d+)M)?(?:(?P<weeks>\d+)W)?(?:(?P<days>\d+)D)?"
    r"(?:T(?=\d)(?:(?P<hours>\d+)H)?(?:(?P<minutes>\d+)M)?(?:(?P<seconds>\d+(?:[.,]\d+)?)S)?)?",
    re.ASCII,
)


@dataclass(frozen=True, kw_only=True, slots=True)
class IsoDuration:
    """A nominal ISO 8601 duration: calendar months plus a wall-clock time span."""

    months: int = 0
    span: timedelta = timedelta()

    def add(self, moment: datetime, sign: int = 1) -> datetime:
        """`moment` moved by this duration forward (`sign=1`) or backward (`sign=-1`)."""
        total = moment.year * 12 + moment.month - 1 + sign * self.months
        year, month = divmod(total, 12)
        month += 1
        day = min(moment.day, _month_length(year, month))
        return moment.replace(year=year, month=month, day=day) + sign * self.span


def _month_length(year: int, month: int) -> int:
    if month == 12:  # noqa: PLR2004 - December
        return 31
    return (date(year, month + 1, 1) - date(year, month, 1)).days


def _invalid(text: object) -> ScheduleError:
    return ScheduleError("invalid_iso", {"text": text})


def parse_moment(text: str) -> Moment:
    """A date (`2026-12-21`) or date-time (`2026-12-21T08:00`, optionally with an offset)."""
    if not isinstance(text, str) or not text.isascii():
        raise _invalid(text)
    try:
        return date.fromisoformat(text)
    except ValueError:
        pass
    try:
        return datetime.fromisoformat(text)
    except ValueError:
        raise _invalid(text) from None


def parse_duration(text: str) -> IsoDuration:
    """An ISO 8601 duration such as `P7D` or `PT2H30M`; must be positive."""
    match = _DURATION.fullmatch(text) if isinstance(text, str) else None
    if match is None or text in {"P", "PT"}:
        raise _invalid(text)
    parts = {key: float(value.replace(",", ".")) for key, value in match.groupdict().items() if value}
    try:
        duration = IsoDuration(
            months=int(parts.get("years", 0) * 12 + parts.get("months", 0)),
            span=timedelta(
                weeks=parts.get("weeks", 0),
                days=parts.get("days", 0),
                hours=parts.get("hours", 0),
                minutes=parts.get("minutes", 0),
                seconds=parts.get("seconds", 0),
            ),
        )
    except OverflowError:
        raise _invalid(text) from None
    if duration.months == 0 and duration.span <= timedelta():
        raise ScheduleError("invalid_duration", {"duration": text})
    return duration


def parse_interval(text: str) -> tuple[Moment, Moment]:
    """`start/end`, `start/duration`, `duration/end`, or a single date meaning that whole day."""
    if not isinstance(text, str):
        raise _invalid(text)
    first, slash, second = text.partition("/")
    if not slash:
        day = parse_moment(text)
        if isinstance(day, datetime):
            raise _invalid(text)
        return day, day
    try:
        if first.startswith("P") and not second.startswith("P"):
            end = parse_moment(second)
            end_wall = (
                end
                if isinstance(end, datetime)
                else datetime.combine(end + timedelta(days=1), datetime.min.time())
            )
            return parse_duration(first).add(end_wall, -1), end
        start = parse_moment(first)
        if second.startswith("P"):
            start_wall = (
                start if isinstance(start, datetime) else datetime.combine(start, datetime.min.time())
            )
            return start, parse_duration(second).add(start_wall)
        return start, parse_moment(second)
    except (OverflowError, ValueError) as err:
        if isinstance(err, ScheduleError):
            raise
        raise _invalid(text) from None
