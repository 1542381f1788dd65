"""How long a manual setpoint (the thermostat card's) holds before the schedule takes over again."""

from dataclasses import dataclass
from datetime import datetime, timedelta

from .errors import ScheduleError

DEFAULT_HOLD = timedelta(hours=2)
HOLD_HORIZON = timedelta(days=1)


@dataclass(frozen=True, kw_only=True, slots=True)
class HoldPolicy:
    """A manual setpoint holds until the next scheduled change if one comes within `horizon`.

    Otherwise (nothing scheduled soon, e.g. a zone with no rules) it holds for `default_hold`: a setpoint
    set on the card must not silently last for weeks.
    """

    default_hold: timedelta = DEFAULT_HOLD
    horizon: timedelta = HOLD_HORIZON

    def __post_init__(self) -> None:
        """Both durations must be positive."""
        for setting, value in (("default_hold", self.default_hold), ("hold_horizon", self.horizon)):
            if not isinstance(value, timedelta) or value <= timedelta():
                raise ScheduleError("invalid_setting", {"setting": setting, "value": value})

    def end(self, now: datetime, next_change: datetime | None) -> datetime:
        """When a manual setpoint set at `now` ends, given the schedule's next change (None: none)."""
        if next_change is not None and now < next_change <= now + self.horizon:
            return next_change
        return now + self.default_hold
