"""A clock that moves only when a test says so: `clock()`/`clock.time()`, and timers (`call_later`)."""

from collections.abc import Callable
from dataclasses import dataclass, field
import heapq
import itertools


@dataclass
class ManualTimer:
    """A call scheduled on a `ManualClock`."""

    when: float
    callback: Callable[[], None]
    cancelled: bool = False

    def cancel(self) -> None:
        self.cancelled = True


@dataclass
class ManualClock:
    """`time()` and `call_later()` like the event loop's, moved by `advance()`."""

    now: float = 1000.0
    _queue: list[tuple[float, int, ManualTimer]] = field(default_factory=list)
    _order: itertools.count[int] = field(default_factory=itertools.count)

    def time(self) -> float:
        return self.now

    def __call__(self) -> float:
        """The current time, for code that takes a `clock` function (like `time.monotonic`)."""
        return self.now

    def call_later(self, delay: float, callback: Callable[[], None]) -> ManualTimer:
        timer = ManualTimer(self.now + max(0.0, delay), callback)
        heapq.heappush(self._queue, (timer.when, next(self._order), timer))
        return timer

    def advance(self, seconds: float) -> None:
        """Move time on, running every timer due on the way, in order, at its own time."""
        end = self.now + seconds
        while self._queue and self._queue[0][0] <= end:
            when, _, timer = heapq.heappop(self._queue)
            if timer.cancelled:
                continue
            self.now = max(self.now, when)
            timer.callback()
        self.now = end

    @property
    def pending(self) -> int:
        """Timers not run nor cancelled."""
        return sum(1 for _, _, timer in self._queue if not timer.cancelled)
