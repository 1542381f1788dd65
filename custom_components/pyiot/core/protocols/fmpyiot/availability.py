"""Availability of one device (fmpyiot.md §6): BYE, the watchdog feed, and sleeping devices.

- Any message from the device makes it available.
- `<base>BYE` (its last will) makes it unavailable at once, except for a sleeping device, which says
  `BYE` after every cycle: that one stays available until it missed `sleep_periods` sleep periods.
- The device publishes `FEED` on `<base>WATCHDOG` every `watchdog // 5` seconds; its period is learnt
  from the intervals (the largest of the last few, so one lost `FEED` does not count twice) unless the
  user set it. Three periods without a `FEED` make it unavailable. Before a period is known only `BYE`
  does, since the device's `watchdog` setting is not on the wire.

One timer per device at most, re-armed lazily: a message that moves the deadline later costs no timer
operation; the timer, when it fires early, sleeps again for the rest.
"""

from collections import deque
from collections.abc import Callable
from enum import StrEnum
from typing import Final

from .clock import Clock, Timer

WATCHDOG_PERIODS: Final = 3
FEED_HISTORY: Final = 4
MIN_FEED_INTERVAL: Final = 0.5
"""Shorter intervals are the same FEED twice (or someone else feeding), not the device's period."""
MAX_WATCHDOG_PERIOD: Final = 3600.0


class LostReason(StrEnum):
    """Why a device became unavailable."""

    BYE = "bye"
    WATCHDOG = "watchdog"
    SLEEP = "sleep"


type AvailabilityCallback = Callable[[LostReason | None], None]
"""Called with None when the device became available, with the reason when it became unavailable."""


class Liveness:
    """Tracks whether one device is available and calls `on_change` on every change."""

    def __init__(
        self,
        clock: Clock,
        on_change: AvailabilityCallback,
        *,
        sleeping: bool = False,
        sleep_period: float = 600.0,
        sleep_periods: int = 3,
        watchdog_period: float | None = None,
        learned_period: float | None = None,
    ) -> None:
        """Start unavailable; `learned_period` is a period learnt in an earlier run."""
        self._clock = clock
        self._on_change = on_change
        self._sleeping = sleeping
        self._sleep_timeout = sleep_period * sleep_periods
        self._fixed_period = watchdog_period
        self._intervals: deque[float] = deque(maxlen=FEED_HISTORY)
        if learned_period is not None and MIN_FEED_INTERVAL <= learned_period <= MAX_WATCHDOG_PERIOD:
            self._intervals.append(learned_period)
        self.available = False
        self.last_message: float | None = None
        self.last_feed: float | None = None
        self._deadline: float | None = None
        self._timer: Timer | None = None
        self._timer_at = 0.0

    def configure(
        self,
        *,
        sleeping: bool,
        sleep_period: float,
        sleep_periods: int,
        watchdog_period: float | None,
    ) -> None:
        """Apply the device's settings (known once the device is identified); keeps what was learnt."""
        self._sleeping = sleeping
        self._sleep_timeout = sleep_period * sleep_periods
        self._fixed_period = watchdog_period
        if not self.available:
            return
        if sleeping and self.last_message is not None:
            self._set_deadline(self.last_message + self._sleep_timeout)
        elif not sleeping and self.last_feed is not None and (period := self.watchdog_period) is not None:
            self._set_deadline(self.last_feed + WATCHDOG_PERIODS * period)
        else:
            self._cancel()
            self._deadline = None

    @property
    def sleeping(self) -> bool:
        """Whether the device is handled as a sleeping (battery) device."""
        return self._sleeping

    @property
    def watchdog_period(self) -> float | None:
        """Seconds between two FEEDs: the user's, else learnt, else None."""
        if self._fixed_period is not None:
            return self._fixed_period
        return max(self._intervals) if self._intervals else None

    @property
    def deadline(self) -> float | None:
        """When the device becomes unavailable without further news (clock time)."""
        return self._deadline if self.available else None

    def message(self) -> None:
        """The device published something."""
        now = self._clock.time()
        self.last_message = now
        if self._sleeping:
            self._set_deadline(now + self._sleep_timeout)
        if not self.available:
            self.available = True
            self._on_change(None)

    def feed(self) -> None:
        """The device published on `<base>WATCHDOG`."""
        now = self._clock.time()
        if self.last_feed is not None and MIN_FEED_INTERVAL <= now - self.last_feed <= MAX_WATCHDOG_PERIOD:
            self._intervals.append(now - self.last_feed)
        self.last_feed = now
        if not self._sleeping and (period := self.watchdog_period) is not None:
            self._set_deadline(now + WATCHDOG_PERIODS * period)
        self.message()

    def bye(self) -> None:
        """The device's last will arrived."""
        if self._sleeping:
            self.message()
            return
        self._lose(LostReason.BYE)

    def stop(self) -> None:
        """Forget availability without reporting it (the gateway stops)."""
        self._cancel()
        self._deadline = None
        self.available = False
        self.last_feed = None

    def _set_deadline(self, deadline: float) -> None:
        self._deadline = deadline
        if self._timer is not None and self._timer_at <= deadline:
            return  # fires early and sleeps again for the rest
        self._arm(deadline)

    def _arm(self, deadline: float) -> None:
        self._cancel()
        self._timer_at = deadline
        self._timer = self._clock.call_later(max(0.0, deadline - self._clock.time()), self._expired)

    def _cancel(self) -> None:
        if self._timer is not None:
            self._timer.cancel()
            self._timer = None

    def _expired(self) -> None:
        self._timer = None
        if self._deadline is None or not self.available:
            return
        if self._clock.time() < self._deadline:
            self._arm(self._deadline)
            return
        self._lose(LostReason.SLEEP if self._sleeping else LostReason.WATCHDOG)

    def _lose(self, reason: LostReason) -> None:
        self._cancel()
        self._deadline = None
        self.last_feed = None
        if self.available:
            self.available = False
            self._on_change(reason)
