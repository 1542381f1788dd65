"""5-field cron expressions (minute hour day-of-month month day-of-week), parsed and walked by cronsim.

cronsim walks naive wall-clock times here (it applies no time zone), and `clock.wall_to_timestamp`
turns each firing into an instant with the engine's one DST policy, the same as for weekday blocks.
Accepted is what cronsim accepts in five fields (lists, ranges, steps, names, `L`, `W`, `#`; as in
Vixie cron, both day fields restricted means either may match), plus the usual `@daily`-style macros.
"""

from collections.abc import Iterator
from dataclasses import dataclass
from datetime import datetime, timedelta

from cronsim import CronSim, CronSimError

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
_FIELDS = 5
_DAY = 2
_MONTH = 3
_SOME_DAY = datetime(2000, 1, 1)  # noqa: DTZ001 - cron walks naive wall-clock time
_ONE_SECOND = timedelta(seconds=1)


@dataclass(frozen=True, slots=True)
class CronExpression:
    """A valid cron expression; use `CronExpression.parse`."""

    expression: str

    @classmethod
    def parse(cls, expression: str) -> CronExpression:
        """Check `expression`; raise `ScheduleError("invalid_cron")` or `("cron_never_fires")`."""
        if not isinstance(expression, str):
            raise ScheduleError("invalid_cron", {"expression": expression, "reason": "not text"})
        text = " ".join(expression.split())
        fields = _MACROS.get(text.lower(), text).split(" ")
        if len(fields) != _FIELDS:
            raise ScheduleError("invalid_cron", {"expression": expression, "reason": "needs 5 fields"})
        try:
            next(CronSim(" ".join(fields), _SOME_DAY))
        except CronSimError as err:
            if _fields_valid_alone(fields):  # e.g. "0 0 30 2 *": a day no such month has
                raise ScheduleError("cron_never_fires", {"expression": expression}) from None
            raise ScheduleError("invalid_cron", {"expression": expression, "reason": str(err)}) from None
        except StopIteration:
            raise ScheduleError("cron_never_fires", {"expression": expression}) from None
        return cls(text)

    def firings(self, start: datetime, end: datetime) -> Iterator[datetime]:
        """Naive wall-clock firing times in [start, end), in order."""
        for wall in CronSim(_MACROS.get(self.expression.lower(), self.expression), start - _ONE_SECOND):
            if wall >= end:
                return
            if wall >= start:
                yield wall


def _fields_valid_alone(fields: list[str]) -> bool:
    """Whether the day-of-month and the month parse when the other one is `*`."""
    try:
        for index in (_DAY, _MONTH):
            CronSim(" ".join(field if i != index else "*" for i, field in enumerate(fields)), _SOME_DAY)
    except CronSimError:
        return False
    return True
