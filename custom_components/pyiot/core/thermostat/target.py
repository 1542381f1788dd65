"""Setpoints: what a rule, a preset or the default asks the room to be."""

from dataclasses import dataclass
import math
from typing import Any

from .errors import ScheduleError


def _check_finite(value: float) -> float:
    if isinstance(value, bool) or not isinstance(value, int | float) or not math.isfinite(value):
        raise ScheduleError("invalid_temperature", {"value": value})
    return float(value)


@dataclass(frozen=True, kw_only=True, slots=True)
class Target:
    """A heating setpoint, a cooling setpoint, or both (the range used in heat_cool mode).

    In heat mode only `heat` is used, in cool mode only `cool`; a missing setpoint leaves that side idle.
    In heat_cool mode `heat` is the low and `cool` the high end of the range; with a single setpoint
    heat_cool behaves like the mode of that setpoint.
    """

    heat: float | None = None
    cool: float | None = None

    def __post_init__(self) -> None:
        """Validate: at least one finite setpoint, and heat <= cool when both are set."""
        if self.heat is None and self.cool is None:
            raise ScheduleError("target_empty")
        if self.heat is not None:
            object.__setattr__(self, "heat", _check_finite(self.heat))
        if self.cool is not None:
            object.__setattr__(self, "cool", _check_finite(self.cool))
        if self.heat is not None and self.cool is not None and self.heat > self.cool:
            raise ScheduleError("heat_above_cool", {"heat": self.heat, "cool": self.cool})

    def setpoints(self) -> tuple[float, ...]:
        """The setpoints that are set, heat first."""
        return tuple(value for value in (self.heat, self.cool) if value is not None)

    def to_dict(self) -> dict[str, Any]:
        """JSON-ready form."""
        return {"heat": self.heat, "cool": self.cool}

    @classmethod
    def from_dict(cls, data: Any) -> Target:
        """Inverse of `to_dict`; raises `ScheduleError` on anything else."""
        if not isinstance(data, dict) or set(data) - {"heat", "cool"}:
            raise ScheduleError("invalid_data", {"reason": f"target {data!r}"})
        return cls(heat=data.get("heat"), cool=data.get("cool"))


@dataclass(frozen=True, kw_only=True, slots=True)
class TargetLimits:
    """Bounds every setpoint must respect (defaults 5..35 °C)."""

    minimum: float = 5.0
    maximum: float = 35.0

    def __post_init__(self) -> None:
        """Validate an increasing finite range."""
        values = (self.minimum, self.maximum)
        if any(
            isinstance(v, bool) or not isinstance(v, int | float) or not math.isfinite(v) for v in values
        ) or (self.minimum >= self.maximum):
            raise ScheduleError("invalid_limits", {"minimum": self.minimum, "maximum": self.maximum})

    def check(self, target: Target) -> Target:
        """Return `target` if all its setpoints are within bounds, else raise `target_out_of_range`."""
        for value in target.setpoints():
            if not self.minimum <= value <= self.maximum:
                raise ScheduleError(
                    "target_out_of_range", {"value": value, "minimum": self.minimum, "maximum": self.maximum}
                )
        return target
