"""Time Proportional & Integral (TPI) control, as in many European room thermostats."""

from datetime import datetime, timedelta
from typing import Any, ClassVar, override

from .base import DecisionAlgorithm, ParameterSpec, Side, invalid_state, sign
from .duty_cycle import DutyCycle


class Tpi(DecisionAlgorithm):
    """`on% = clamp(c_int·(Tset-Troom) + c_ext·(Tset-Tout), 0, 1)` (signs mirrored for cooling).

    The relay is on for the first `on% · cycle` of each cycle; on% is computed at each cycle start
    (and when the setpoint changes), not on every sensor change. Without an outdoor temperature the
    c_ext term is 0.
    """

    name: ClassVar[str] = "tpi"
    parameters: ClassVar[tuple[ParameterSpec, ...]] = (
        ParameterSpec(name="c_int", default=0.6, minimum=0.0, maximum=5.0, step=0.01, unit="1/°C"),
        ParameterSpec(name="c_ext", default=0.01, minimum=0.0, maximum=1.0, step=0.001, unit="1/°C"),
        ParameterSpec(name="cycle_minutes", default=5.0, minimum=1.0, maximum=60.0, step=1.0, unit="min"),
    )

    def __init__(self, *, c_int: float = 0.6, c_ext: float = 0.01, cycle_minutes: float = 5.0) -> None:
        """Validate the coefficients and the cycle length."""
        self.c_int = self.check("c_int", c_int)
        self.c_ext = self.check("c_ext", c_ext)
        self.cycle_minutes = self.check("cycle_minutes", cycle_minutes)
        cycle = timedelta(minutes=self.cycle_minutes)
        self._cycles = {side: DutyCycle(cycle) for side in Side}

    @override
    def params(self) -> dict[str, float]:
        return {"c_int": self.c_int, "c_ext": self.c_ext, "cycle_minutes": self.cycle_minutes}

    @override
    def _run(
        self, side: Side, now: datetime, setpoint: float, current: float, outdoor: float | None
    ) -> tuple[bool, float, datetime | None]:
        direction = sign(side)

        def fraction() -> float:
            outdoor_term = 0.0 if outdoor is None else self.c_ext * direction * (setpoint - outdoor)
            return self.c_int * direction * (setpoint - current) + outdoor_term

        return self._cycles[side].update(now, setpoint, fraction)

    @override
    def _rest(self, side: Side) -> None:
        self._cycles[side].restart()

    @override
    def reset(self) -> None:
        for cycle in self._cycles.values():
            cycle.restart()

    @override
    def state_dict(self) -> dict[str, Any]:
        return {side.value: cycle.state_dict() for side, cycle in self._cycles.items()}

    @override
    def load_state(self, data: Any) -> None:
        try:
            for side, cycle in self._cycles.items():
                cycle.load_state(data[side.value])
        except KeyError, TypeError, ValueError:
            self.reset()
            raise invalid_state(self.name, data) from None
