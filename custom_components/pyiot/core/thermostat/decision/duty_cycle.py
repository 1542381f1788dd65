"""Time-proportioning: a fraction latched at the start of each cycle, on for the first part of it."""

from collections.abc import Callable
from datetime import datetime, timedelta
import math
from typing import Any

from ..clock import require_aware


class DutyCycle:
    """On for the first `fraction * cycle` of each cycle; the fraction is asked for at each cycle start.

    A new cycle also starts when the setpoint changes (a user action), when the clock goes backwards,
    and after `restart()`; sensor changes within a cycle do not change it.
    """

    __slots__ = ("cycle", "fraction", "setpoint", "start")

    def __init__(self, cycle: timedelta) -> None:
        """A cycle of the given length, not started."""
        self.cycle = cycle
        self.start: datetime | None = None
        self.fraction = 0.0
        self.setpoint: float | None = None

    def restart(self) -> None:
        """Start a new cycle at the next `update`."""
        self.start = None

    def update(
        self, now: datetime, setpoint: float, fraction: Callable[[], float]
    ) -> tuple[bool, float, datetime]:
        """(on, latched fraction, when the output next switches or the cycle ends)."""
        if (
            self.start is None
            or now < self.start
            or now >= self.start + self.cycle
            or setpoint != self.setpoint
        ):
            value = fraction()
            self.start, self.setpoint = now, setpoint
            self.fraction = min(max(value, 0.0), 1.0) if math.isfinite(value) else 0.0
        on_until = self.start + self.fraction * self.cycle
        if now < on_until:
            return True, self.fraction, on_until
        return False, self.fraction, self.start + self.cycle

    def state_dict(self) -> dict[str, Any]:
        """JSON-ready state."""
        return {
            "start": self.start.isoformat() if self.start is not None else None,
            "fraction": self.fraction,
            "setpoint": self.setpoint,
        }

    def load_state(self, data: dict[str, Any]) -> None:
        """Restore `state_dict` output (raises ValueError/TypeError/KeyError on malformed data)."""
        start = data["start"]
        fraction = float(data["fraction"])
        setpoint = data["setpoint"]
        if not 0.0 <= fraction <= 1.0 or not (setpoint is None or isinstance(setpoint, int | float)):
            msg = "bad cycle state"
            raise ValueError(msg)
        self.start = require_aware(datetime.fromisoformat(start), "start") if start is not None else None
        self.fraction = fraction
        self.setpoint = None if setpoint is None else float(setpoint)
