"""PID control with anti-windup, its output time-proportioned over a cycle."""

from dataclasses import dataclass
from datetime import datetime, timedelta
import math
from typing import Any, ClassVar, override

from ..clock import require_aware
from .base import DecisionAlgorithm, ParameterSpec, Side, invalid_state, sign
from .duty_cycle import DutyCycle

_MAX_STEP_HOURS = 0.25
"""Longest gap integrated at once, so a restart or a missed update does not jolt the integral."""


@dataclass(kw_only=True, slots=True)
class _Memory:
    integral: float = 0.0
    last_value: float | None = None
    last_time: datetime | None = None


class Pid(DecisionAlgorithm):
    """PID: `u = kp·e + ki·∫e dt + kd·de/dt`, clamped to 0..1.

    e = setpoint - temperature (mirrored for cooling) and time is in hours. The integral term stays
    within 0..1 and stops growing while the output is saturated at 1 (anti-windup); the derivative acts
    on the measurement. The output is recomputed on every call but applied as a duty fraction latched at
    each cycle start.
    """

    name: ClassVar[str] = "pid"
    parameters: ClassVar[tuple[ParameterSpec, ...]] = (
        ParameterSpec(name="kp", default=0.8, minimum=0.0, maximum=10.0, step=0.01, unit="1/°C"),
        ParameterSpec(name="ki", default=0.5, minimum=0.0, maximum=10.0, step=0.01, unit="1/(°C·h)"),
        ParameterSpec(name="kd", default=0.0, minimum=0.0, maximum=10.0, step=0.01, unit="h/°C"),
        ParameterSpec(name="cycle_minutes", default=10.0, minimum=1.0, maximum=60.0, step=1.0, unit="min"),
    )

    def __init__(
        self, *, kp: float = 0.8, ki: float = 0.5, kd: float = 0.0, cycle_minutes: float = 10.0
    ) -> None:
        """Validate the gains and the cycle length."""
        self.kp = self.check("kp", kp)
        self.ki = self.check("ki", ki)
        self.kd = self.check("kd", kd)
        self.cycle_minutes = self.check("cycle_minutes", cycle_minutes)
        self._cycles = {side: DutyCycle(timedelta(minutes=self.cycle_minutes)) for side in Side}
        self._memory = {side: _Memory() for side in Side}

    @override
    def params(self) -> dict[str, float]:
        return {"kp": self.kp, "ki": self.ki, "kd": self.kd, "cycle_minutes": self.cycle_minutes}

    @override
    def _run(
        self, side: Side, now: datetime, setpoint: float, current: float, outdoor: float | None
    ) -> tuple[bool, float, datetime | None]:
        memory = self._memory[side]
        direction = sign(side)
        error = direction * (setpoint - current)
        hours = 0.0
        derivative = 0.0
        if memory.last_time is not None and memory.last_value is not None and now > memory.last_time:
            hours = min((now - memory.last_time).total_seconds() / 3600.0, _MAX_STEP_HOURS)
            derivative = -direction * (current - memory.last_value) / hours
        proportional = self.kp * error
        integral = memory.integral + self.ki * error * hours
        trial = proportional + integral + self.kd * derivative
        if trial > 1.0 and error > 0:
            integral = memory.integral
        memory.integral = min(max(integral, 0.0), 1.0)
        if memory.last_time is None or now != memory.last_time:
            memory.last_time, memory.last_value = now, current
        value = min(max(proportional + memory.integral + self.kd * derivative, 0.0), 1.0)
        return self._cycles[side].update(now, setpoint, lambda: value)

    @override
    def _rest(self, side: Side) -> None:
        self._cycles[side].restart()
        memory = self._memory[side]
        memory.last_time = memory.last_value = None

    @override
    def reset(self) -> None:
        for side in Side:
            self._cycles[side].restart()
            self._memory[side] = _Memory()

    @override
    def state_dict(self) -> dict[str, Any]:
        return {
            side.value: {
                "integral": memory.integral,
                "last_value": memory.last_value,
                "last_time": memory.last_time.isoformat() if memory.last_time is not None else None,
                "cycle": self._cycles[side].state_dict(),
            }
            for side, memory in self._memory.items()
        }

    @override
    def load_state(self, data: Any) -> None:
        try:
            for side in Side:
                self._memory[side] = _memory_from(data[side.value])
                self._cycles[side].load_state(data[side.value]["cycle"])
        except KeyError, TypeError, ValueError:
            self.reset()
            raise invalid_state(self.name, data) from None


def _memory_from(part: dict[str, Any]) -> _Memory:
    """Validated memory of one side (raises ValueError/TypeError/KeyError)."""
    integral, last_value, last_time = part["integral"], part["last_value"], part["last_time"]
    if not 0.0 <= integral <= 1.0 or not (last_value is None or math.isfinite(last_value)):
        raise ValueError(part)
    return _Memory(
        integral=float(integral),
        last_value=None if last_value is None else float(last_value),
        last_time=None if last_time is None else require_aware(datetime.fromisoformat(last_time)),
    )
