"""Equipment protection: hard limits on every relay command, and retries for relays that don't follow.

`RelayGuard` separates what we ask (`decide`) from what the relay did (`record`):

* a relay that is on stays on until `min_on` has passed since it was seen turning on;
* a relay that is off stays off until `min_off` has passed since it was seen turning off;
* at most `max_starts_per_hour` starts in any rolling 60 minutes;
* after `max_run` of continuous running it is forced off, and then `min_off` applies.

With unknown history (a fresh guard, e.g. after a restart without restored state) the first observed
state has no known start, so min_on/min_off cannot apply to it and the first decision is allowed;
`state_dict`/`load_state` (or `to_dict`/`from_dict`) carry the history across restarts instead.
Run time for `max_run` counts from the moment we asked for the start, since the relay may have obeyed
before we saw it; min_on, min_off and start counts use the moment we saw the change (both conservative).
"""

from collections import deque
from dataclasses import dataclass
from datetime import datetime, timedelta
from enum import StrEnum
from typing import Any, Self

from .clock import require_aware
from .errors import ScheduleError

_HOUR = timedelta(hours=1)


class GuardReason(StrEnum):
    """Why a relay is not in the state that was asked for."""

    MIN_ON = "min_on"
    MIN_OFF = "min_off"
    MAX_STARTS = "max_starts"
    MAX_RUN = "max_run"
    INTERLOCK = "interlock"
    """Set by the controller: the other side's equipment is still on."""


@dataclass(frozen=True, kw_only=True, slots=True)
class GuardDecision:
    """The state to command.

    `reason` says why it differs from the request; `wait_until` is when it can change by itself (a limit
    expires, or a running relay reaches `max_run`); None if only a new request can change it.
    """

    on: bool
    reason: GuardReason | None = None
    wait_until: datetime | None = None


class RelayGuard:
    """Hard limits for one relay; see the module docstring."""

    __slots__ = (
        "_asked_on_at",
        "_is_on",
        "_off_since",
        "_on_since",
        "_run_start",
        "_starts",
        "max_run",
        "max_starts_per_hour",
        "min_off",
        "min_on",
    )

    def __init__(
        self,
        *,
        min_on: timedelta = timedelta(),
        min_off: timedelta = timedelta(),
        max_starts_per_hour: int | None = None,
        max_run: timedelta | None = None,
    ) -> None:
        """Validate the limits; `None` disables max_starts_per_hour / max_run."""
        if (
            not isinstance(min_on, timedelta)
            or not isinstance(min_off, timedelta)
            or min(min_on, min_off) < timedelta()
        ):
            raise ScheduleError("invalid_guard", {"reason": "minimum times must be zero or more"})
        if max_starts_per_hour is not None and (
            isinstance(max_starts_per_hour, bool)
            or not isinstance(max_starts_per_hour, int)
            or max_starts_per_hour < 1
        ):
            raise ScheduleError("invalid_guard", {"reason": "max starts per hour must be at least 1"})
        if max_run is not None and (
            not isinstance(max_run, timedelta) or max_run <= max(min_on, timedelta())
        ):
            raise ScheduleError("invalid_guard", {"reason": "max run must be longer than min on"})
        self.min_on = min_on
        self.min_off = min_off
        self.max_starts_per_hour = max_starts_per_hour
        self.max_run = max_run
        self._is_on: bool | None = None
        self._on_since: datetime | None = None
        self._run_start: datetime | None = None
        self._off_since: datetime | None = None
        self._asked_on_at: datetime | None = None
        self._starts: deque[datetime] = deque()

    @property
    def is_on(self) -> bool | None:
        """The relay's last recorded state (None: never recorded)."""
        return self._is_on

    def decide(self, now: datetime, wanted_on: bool) -> GuardDecision:
        """The state to command when `wanted_on` is asked for at `now`."""
        require_aware(now)
        self._forget_old_starts(now)
        if self._is_on is None:
            decision = GuardDecision(on=wanted_on)
        elif self._is_on:
            decision = self._decide_running(now, wanted_on)
        else:
            decision = self._decide_stopped(now, wanted_on)
        if decision.on and not self._is_on:
            self._asked_on_at = self._asked_on_at or now
        else:
            self._asked_on_at = None
        return decision

    def _decide_running(self, now: datetime, wanted_on: bool) -> GuardDecision:
        deadline = self._run_start + self.max_run if self.max_run and self._run_start else None
        if deadline is not None and now >= deadline:
            return GuardDecision(on=False, reason=GuardReason.MAX_RUN, wait_until=now + self.min_off)
        if not wanted_on and self._on_since is not None and now < self._on_since + self.min_on:
            return GuardDecision(on=True, reason=GuardReason.MIN_ON, wait_until=self._on_since + self.min_on)
        return GuardDecision(on=wanted_on, wait_until=deadline if wanted_on else None)

    def _decide_stopped(self, now: datetime, wanted_on: bool) -> GuardDecision:
        if not wanted_on:
            return GuardDecision(on=False)
        if self._off_since is not None and now < self._off_since + self.min_off:
            return GuardDecision(
                on=False, reason=GuardReason.MIN_OFF, wait_until=self._off_since + self.min_off
            )
        limit = self.max_starts_per_hour
        if limit is not None and len(self._starts) >= limit:
            return GuardDecision(
                on=False, reason=GuardReason.MAX_STARTS, wait_until=self._starts[-limit] + _HOUR
            )
        return GuardDecision(on=True, wait_until=now + self.max_run if self.max_run else None)

    def record(self, now: datetime, is_on: bool) -> None:
        """What the relay actually is at `now` (call on every observation, changed or not)."""
        require_aware(now)
        if self._is_on is None:
            # Unknown history: no known transition time, so min_on/min_off don't apply to this state.
            self._run_start = (self._asked_on_at or now) if is_on else None
        elif is_on and not self._is_on:
            self._on_since = now
            self._run_start = min(self._asked_on_at or now, now)
            self._starts.append(now)
        elif not is_on and self._is_on:
            self._off_since = now
            self._on_since = self._run_start = None
        if is_on:
            self._asked_on_at = None
        self._is_on = is_on

    def _forget_old_starts(self, now: datetime) -> None:
        while self._starts and self._starts[0] <= now - _HOUR:
            self._starts.popleft()

    # --- persistence -------------------------------------------------------------------------------

    def state_dict(self) -> dict[str, Any]:
        """The history (not the limits), JSON-ready."""
        return {
            "is_on": self._is_on,
            "on_since": _iso(self._on_since),
            "run_start": _iso(self._run_start),
            "off_since": _iso(self._off_since),
            "asked_on_at": _iso(self._asked_on_at),
            "starts": [start.isoformat() for start in self._starts],
        }

    def load_state(self, data: Any) -> None:
        """Restore `state_dict` output; `ScheduleError("invalid_data")` on malformed data."""
        try:
            is_on = _optional_bool(data["is_on"])
            on_since, run_start = _instant(data["on_since"]), _instant(data["run_start"])
            off_since, asked = _instant(data["off_since"]), _instant(data["asked_on_at"])
            starts = deque(sorted(_required(_instant(start)) for start in data["starts"]))
        except (KeyError, TypeError, ValueError) as err:
            raise ScheduleError("invalid_data", {"reason": f"relay guard state: {err!r}"}) from None
        self._is_on, self._on_since, self._run_start = is_on, on_since, run_start
        self._off_since, self._asked_on_at, self._starts = off_since, asked, starts

    def to_dict(self) -> dict[str, Any]:
        """Limits and history, JSON-ready."""
        return {
            "min_on": self.min_on.total_seconds(),
            "min_off": self.min_off.total_seconds(),
            "max_starts_per_hour": self.max_starts_per_hour,
            "max_run": self.max_run.total_seconds() if self.max_run is not None else None,
            "state": self.state_dict(),
        }

    @classmethod
    def from_dict(cls, data: Any) -> Self:
        """Inverse of `to_dict`; raises `ScheduleError` only."""
        try:
            max_run, state = data["max_run"], data["state"]
            guard = cls(
                min_on=timedelta(seconds=_seconds(data["min_on"])),
                min_off=timedelta(seconds=_seconds(data["min_off"])),
                max_starts_per_hour=data["max_starts_per_hour"],
                max_run=None if max_run is None else timedelta(seconds=_seconds(max_run)),
            )
        except (KeyError, TypeError, ValueError, OverflowError) as err:
            if isinstance(err, ScheduleError):
                raise
            raise ScheduleError("invalid_data", {"reason": f"relay guard: {err!r}"}) from None
        guard.load_state(state)
        return guard


def _optional_bool(value: Any) -> bool | None:
    if value is not None and not isinstance(value, bool):
        raise TypeError(value)
    return value


def _iso(value: datetime | None) -> str | None:
    return value.isoformat() if value is not None else None


def _instant(value: Any) -> datetime | None:
    if value is None:
        return None
    if not isinstance(value, str):
        raise TypeError(value)
    return require_aware(datetime.fromisoformat(value), "instant")


def _required(value: datetime | None) -> datetime:
    if value is None:
        raise TypeError(value)
    return value


def _seconds(value: Any) -> float:
    if isinstance(value, bool) or not isinstance(value, int | float):
        raise TypeError(value)
    return float(value)


class RetryPolicy:
    """Re-sends a command the relay did not follow, with exponential backoff.

    After a command is sent we wait `first_delay`, then `first_delay·factor`, ... (capped at
    `max_delay`) for the relay to follow, re-sending each time it has not; after `max_failures`
    consecutive misses `failed` turns true (Home Assistant raises a repair) while retries go on at the
    capped delay. Call `should_send` on every step.
    """

    __slots__ = (
        "_failures",
        "_next_attempt",
        "_pending",
        "factor",
        "first_delay",
        "max_delay",
        "max_failures",
    )

    def __init__(
        self,
        *,
        first_delay: timedelta = timedelta(seconds=10),
        factor: float = 2.0,
        max_delay: timedelta = timedelta(minutes=5),
        max_failures: int = 5,
    ) -> None:
        """Validate the backoff settings."""
        if (
            not isinstance(first_delay, timedelta)
            or not isinstance(max_delay, timedelta)
            or first_delay <= timedelta()
            or max_delay < first_delay
            or isinstance(factor, bool)
            or not isinstance(factor, int | float)
            or not 1.0 <= factor <= 10.0  # noqa: PLR2004
            or isinstance(max_failures, bool)
            or not isinstance(max_failures, int)
            or max_failures < 1
        ):
            raise ScheduleError(
                "invalid_setting", {"setting": "retry", "value": (first_delay, factor, max_delay)}
            )
        self.first_delay = first_delay
        self.factor = float(factor)
        self.max_delay = max_delay
        self.max_failures = max_failures
        self._failures = 0
        self._pending: bool | None = None
        self._next_attempt: datetime | None = None

    @property
    def failures(self) -> int:
        """Consecutive commands the relay did not follow."""
        return self._failures

    @property
    def failed(self) -> bool:
        """Whether the relay is considered broken (at least `max_failures` consecutive misses)."""
        return self._failures >= self.max_failures

    @property
    def next_attempt(self) -> datetime | None:
        """When the pending command will be checked and re-sent if still not followed."""
        return self._next_attempt

    def delay(self, failures: int) -> timedelta:
        """How long to wait for the relay after the command that follows `failures` misses."""
        seconds = self.first_delay.total_seconds() * self.factor ** min(failures, 64)
        return timedelta(seconds=min(seconds, self.max_delay.total_seconds()))

    def should_send(self, now: datetime, wanted: bool, actual: bool) -> bool:
        """Whether to (re)send `wanted` now, given the relay's `actual` state; keeps the books."""
        require_aware(now)
        if wanted == actual:
            self._pending = self._next_attempt = None
            self._failures = 0
            return False
        if self._pending is wanted:
            if self._next_attempt is not None and now < self._next_attempt:
                return False
            self._failures += 1
        else:
            self._pending = wanted
        self._next_attempt = now + self.delay(self._failures)
        return True
