"""The interface every decision algorithm implements, and the mode logic they all share.

Modes: `off` never asks for anything (and resets the algorithm); `heat` drives the heating side towards
`target.heat`; `cool` drives the cooling side towards `target.cool`; `heat_cool` heats only below the
low setpoint (`target.heat`) and cools only above the high one (`target.cool`): inside the closed
deadband [low, high] both sides are off, so heating and cooling are never asked for together. A target
without the setpoint a mode needs leaves that side idle; heat_cool with a single setpoint behaves like
that setpoint's own mode.
"""

from abc import ABC, abstractmethod
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime
from enum import StrEnum
import math
from typing import Any, ClassVar, Self

from ..clock import require_aware
from ..errors import ScheduleError
from ..modes import HvacMode
from ..target import Target


class Side(StrEnum):
    """The two kinds of equipment."""

    HEAT = "heat"
    COOL = "cool"


@dataclass(frozen=True, kw_only=True, slots=True)
class Demand:
    """What an algorithm wants.

    Each side on or off, the duty fraction behind it (for information), and `review_at`, the instant
    the answer may change without a new reading (None: only on new input).
    """

    heat: bool = False
    cool: bool = False
    heat_duty: float = 0.0
    cool_duty: float = 0.0
    review_at: datetime | None = None

    def __post_init__(self) -> None:
        """Refuse heating and cooling at the same time."""
        if self.heat and self.cool:
            msg = "a demand cannot heat and cool at the same time"
            raise ValueError(msg)


IDLE = Demand()


@dataclass(frozen=True, kw_only=True, slots=True)
class ParameterSpec:
    """One tunable parameter, enough to generate a config form field."""

    name: str
    default: float
    minimum: float
    maximum: float
    step: float
    unit: str | None = None


class DecisionAlgorithm(ABC):
    """Turns (time, mode, temperature, target, outdoor temperature) into a `Demand`.

    Subclasses implement one side at a time (`_run`) and how to forget a side (`_rest`); this class
    applies the mode rules of the module docstring. Algorithms are stateful; `state_dict`/`load_state`
    carry that state across restarts.
    """

    name: ClassVar[str]
    parameters: ClassVar[tuple[ParameterSpec, ...]]

    @classmethod
    def from_params(cls, params: Mapping[str, float] | None = None) -> Self:
        """Build from a mapping of parameter names (see `parameters`) to values; missing = default."""
        params = dict(params or {})
        known = {spec.name for spec in cls.parameters}
        for name in params:
            if name not in known:
                raise ScheduleError("unknown_parameter", {"algorithm": cls.name, "parameter": name})
        return cls(**params)

    @classmethod
    def check(cls, name: str, value: float) -> float:
        """`value` if it is within the parameter's bounds, else `ScheduleError("parameter_out_of_range")`."""
        spec = next(spec for spec in cls.parameters if spec.name == name)
        if (
            isinstance(value, bool)
            or not isinstance(value, int | float)
            or not spec.minimum <= value <= spec.maximum
        ):
            raise ScheduleError(
                "parameter_out_of_range",
                {"parameter": name, "value": value, "minimum": spec.minimum, "maximum": spec.maximum},
            )
        return float(value)

    @abstractmethod
    def params(self) -> dict[str, float]:
        """Current parameter values, for storage (`from_params` reads them back)."""

    def decide(
        self, now: datetime, mode: HvacMode, current: float, target: Target, outdoor: float | None
    ) -> Demand:
        """The demand for this instant; `current` must be finite (outdoor may be None)."""
        require_aware(now)
        if isinstance(current, bool) or not isinstance(current, int | float) or not math.isfinite(current):
            raise ScheduleError("invalid_temperature", {"value": current})
        if outdoor is not None and not math.isfinite(outdoor):
            outdoor = None
        mode = HvacMode(mode)
        if mode is HvacMode.OFF:
            self.reset()
            return IDLE
        low = target.heat if mode in {HvacMode.HEAT, HvacMode.HEAT_COOL} else None
        high = target.cool if mode in {HvacMode.COOL, HvacMode.HEAT_COOL} else None
        side: Side | None = None
        setpoint = 0.0
        if low is not None and (high is None or current < low):
            side, setpoint = Side.HEAT, low
        elif high is not None and (low is None or current > high):
            side, setpoint = Side.COOL, high
        for other in Side:
            if other is not side:
                self._rest(other)
        if side is None:
            return IDLE
        on, duty, review_at = self._run(side, now, setpoint, float(current), outdoor)
        if side is Side.HEAT:
            return Demand(heat=on, heat_duty=duty, review_at=review_at)
        return Demand(cool=on, cool_duty=duty, review_at=review_at)

    @abstractmethod
    def _run(
        self, side: Side, now: datetime, setpoint: float, current: float, outdoor: float | None
    ) -> tuple[bool, float, datetime | None]:
        """One side's decision: (on, duty fraction, review_at)."""

    @abstractmethod
    def _rest(self, side: Side) -> None:
        """The side is not in use this step: forget what must not carry over."""

    @abstractmethod
    def reset(self) -> None:
        """Forget all state (mode off, or a new configuration)."""

    @abstractmethod
    def state_dict(self) -> dict[str, Any]:
        """JSON-ready internal state."""

    @abstractmethod
    def load_state(self, data: Any) -> None:
        """Restore `state_dict` output; raises `ScheduleError("invalid_data")` on malformed data."""


def invalid_state(name: str, data: Any) -> ScheduleError:
    """The error `load_state` raises."""
    return ScheduleError("invalid_data", {"reason": f"{name} state {data!r}"})


def sign(side: Side) -> int:
    """+1 for heating (error = setpoint - temperature), -1 for cooling."""
    return 1 if side is Side.HEAT else -1
