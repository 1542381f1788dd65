"""Connection policies, reconnect backoff with jitter, and the notification flood guard.

- PERSISTENT: connect at start and stay connected; after every drop, reconnect with backoff and
  re-subscribe every notification.
- POLL (default; frees proxy slots): connect every `poll_interval`, read every readable point, and
  disconnect after `idle_timeout` without an operation.
- ON_DEMAND: connect only for an action, disconnect `hold_after_action` after it.
"""

import asyncio
from collections.abc import Callable
from dataclasses import dataclass, field
from enum import StrEnum
import random
import time
from typing import Any, Final

MAX_NOTIFY_RATE: Final = 100.0
"""Notifications per second and characteristic delivered; faster ones are coalesced (latest wins)."""


class ConnectionMode(StrEnum):
    """How long a device's link is held."""

    PERSISTENT = "persistent"
    POLL = "poll"
    ON_DEMAND = "on_demand"


@dataclass(frozen=True, kw_only=True, slots=True)
class ConnectionPolicy:
    """A device's connection policy; times in seconds."""

    mode: ConnectionMode = ConnectionMode.POLL
    poll_interval: float = 300.0
    idle_timeout: float = 10.0
    hold_after_action: float = 0.0
    backoff_initial: float = 2.0
    backoff_max: float = 300.0
    jitter: float = 0.25
    operation_timeout: float = 30.0
    max_notify_rate: float = MAX_NOTIFY_RATE

    def __post_init__(self) -> None:
        """Reject values that would hold slots forever or spin."""
        if self.poll_interval < 1 or self.idle_timeout < 0 or self.hold_after_action < 0:
            raise ValueError("poll_interval must be >= 1 s, idle_timeout and hold_after_action >= 0")
        if not 0 < self.backoff_initial <= self.backoff_max or not 0 <= self.jitter < 1:
            raise ValueError("0 < backoff_initial <= backoff_max and 0 <= jitter < 1 are required")
        if self.operation_timeout <= 0 or self.max_notify_rate <= 0:
            raise ValueError("operation_timeout and max_notify_rate must be positive")

    @property
    def hold_time(self) -> float | None:
        """How long an idle link is kept: None = for ever (persistent)."""
        match self.mode:
            case ConnectionMode.PERSISTENT:
                return None
            case ConnectionMode.POLL:
                return self.idle_timeout
            case _:
                return self.hold_after_action

    def as_dict(self) -> dict[str, Any]:
        """Serialise for the entry's options."""
        return {
            "mode": self.mode.value,
            "poll_interval": self.poll_interval,
            "idle_timeout": self.idle_timeout,
            "hold_after_action": self.hold_after_action,
        }

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> ConnectionPolicy:
        """Inverse of `as_dict`; ValueError/KeyError/TypeError on a malformed record."""
        defaults = cls()
        return cls(
            mode=ConnectionMode(data.get("mode", defaults.mode)),
            poll_interval=float(data.get("poll_interval", defaults.poll_interval)),
            idle_timeout=float(data.get("idle_timeout", defaults.idle_timeout)),
            hold_after_action=float(data.get("hold_after_action", defaults.hold_after_action)),
        )


class Backoff:
    """Exponential backoff with ± `jitter` (a fraction), so that many devices do not retry in step."""

    def __init__(
        self, initial: float, maximum: float, jitter: float, rng: random.Random | None = None
    ) -> None:
        """Delays start at `initial` and double up to `maximum`."""
        self._initial = initial
        self._maximum = maximum
        self._jitter = jitter
        self._rng = rng or random.Random()  # noqa: S311 - jitter, not cryptography
        self.attempts = 0

    def next_delay(self) -> float:
        """The delay before the next attempt."""
        base = min(self._maximum, self._initial * 2 ** min(self.attempts, 32))
        self.attempts += 1
        return float(base * (1 + self._rng.uniform(-self._jitter, self._jitter)))

    def reset(self) -> None:
        """After a success: start again from `initial`."""
        self.attempts = 0


@dataclass(slots=True)
class _KeyState:
    last: float = -1e9
    pending: bytes | None = None
    timer: asyncio.TimerHandle | None = None
    coalesced: int = 0


@dataclass
class NotificationCoalescer:
    """Delivers at most `max_rate` notifications per second and key; the latest value always arrives.

    A notification within `1 / max_rate` of the previous delivery is held; a later one replaces it
    (the held one is counted as coalesced), and it is delivered when the interval has passed.
    """

    max_rate: float
    deliver: Callable[[str, bytes], None]
    on_flood: Callable[[str], None]
    monotonic: Callable[[], float] = time.monotonic
    _keys: dict[str, _KeyState] = field(default_factory=dict)

    def push(self, key: str, data: bytes) -> None:
        """A notification arrived."""
        state = self._keys.setdefault(key, _KeyState())
        interval = 1 / self.max_rate
        now = self.monotonic()
        if state.timer is None and now - state.last >= interval:
            state.last = now
            self.deliver(key, data)
            return
        if state.pending is not None:
            if state.coalesced == 0:
                self.on_flood(key)
            state.coalesced += 1
        state.pending = data
        if state.timer is None:
            loop = asyncio.get_running_loop()
            state.timer = loop.call_later(max(0.0, state.last + interval - now), self._flush, key)

    def _flush(self, key: str) -> None:
        state = self._keys[key]
        state.timer = None
        if state.pending is not None:
            data, state.pending = state.pending, None
            state.last = self.monotonic()
            self.deliver(key, data)

    def coalesced(self) -> dict[str, int]:
        """Notifications dropped for a later one, per key."""
        return {key: state.coalesced for key, state in self._keys.items() if state.coalesced}

    def cancel(self) -> None:
        """Drop held notifications (the link went away)."""
        for state in self._keys.values():
            if state.timer is not None:
                state.timer.cancel()
                state.timer = None
            state.pending = None
