"""The one weekday vocabulary of the engine's API: `mon` ... `sun` (storage keeps 0 = Monday ... 6)."""

from collections.abc import Iterable
from typing import Any

from .errors import ScheduleError

WEEKDAYS: tuple[str, ...] = ("mon", "tue", "wed", "thu", "fri", "sat", "sun")
"""Weekday names in `date.weekday()` order."""


def weekday_name(index: int) -> str:
    """`mon` for 0 ... `sun` for 6."""
    return WEEKDAYS[index]


def weekday_index(name: Any) -> int:
    """0 for `mon` ... 6 for `sun`; `ScheduleError("unknown_weekday")` for anything else."""
    if not isinstance(name, str) or name not in WEEKDAYS:
        raise ScheduleError("unknown_weekday", {"weekday": name})
    return WEEKDAYS.index(name)


def weekday_names(indexes: Iterable[int]) -> list[str]:
    """Names of a set of weekdays, Monday first."""
    return [WEEKDAYS[index] for index in sorted(set(indexes))]


def parse_weekdays(names: Any) -> frozenset[int]:
    """A list of weekday names as indexes; `no_weekdays` when empty, `unknown_weekday` on a bad name."""
    if isinstance(names, str) or not isinstance(names, list | tuple | set | frozenset):
        raise ScheduleError("unknown_weekday", {"weekday": names})
    if not names:
        raise ScheduleError("no_weekdays")
    return frozenset(weekday_index(name) for name in names)
