"""The time server FmPyIOT devices ask for (fmpyiot.md §4): upstream ships none.

Every device publishes `_` on `/FmPyIOT/datetime_` every 10 s until its clock was set, then hourly; the
answer on `/FmPyIOT/datetime` is a JSON array in MicroPython's `RTC.datetime()` order, local time:
`[year, month, day, weekday (0 = Monday), hour, minute, second, subsecond]`. The topics are shared by
all devices, so one answer sets every device that asked; requests arriving within `min_interval` of an
answer get no second one. Answers are never retained (a device would be set to a stale time).
"""

from collections.abc import Callable
from datetime import datetime
from typing import Final

from .clock import Clock

DEFAULT_MIN_INTERVAL: Final = 1.0


def rtc_datetime(now: datetime) -> list[int]:
    """`now` (time-zone aware) in MicroPython's RTC order; ValueError for a naive time."""
    if now.tzinfo is None or now.utcoffset() is None:
        raise ValueError("the time service needs a time-zone aware clock")
    return [now.year, now.month, now.day, now.weekday(), now.hour, now.minute, now.second, 0]


class TimeService:
    """Decides when a request is answered and with what; the gateway publishes."""

    def __init__(
        self, now: Callable[[], datetime], clock: Clock, *, min_interval: float = DEFAULT_MIN_INTERVAL
    ) -> None:
        """`now` gives the local time with its time zone (Home Assistant's)."""
        self._now = now
        self._clock = clock
        self._min_interval = min_interval
        self._last_answer: float | None = None
        self.requests = 0
        self.answers = 0

    def answer(self) -> list[int] | None:
        """The time to publish for one request, or None when one was sent just before."""
        self.requests += 1
        moment = self._clock.time()
        if self._last_answer is not None and moment - self._last_answer < self._min_interval:
            return None
        self._last_answer = moment
        self.answers += 1
        return rtc_datetime(self._now())
