"""On/off control with a tolerance band, like Home Assistant's generic thermostat."""

from datetime import datetime
from typing import Any, ClassVar, override

from .base import DecisionAlgorithm, ParameterSpec, Side, invalid_state


class Hysteresis(DecisionAlgorithm):
    """On/off around the setpoint with a tolerance band.

    Heating turns on at `setpoint - cold_tolerance` and off at `setpoint + hot_tolerance` (cooling
    mirrors it); in between the previous decision is kept.
    """

    name: ClassVar[str] = "hysteresis"
    parameters: ClassVar[tuple[ParameterSpec, ...]] = (
        ParameterSpec(name="cold_tolerance", default=0.3, minimum=0.0, maximum=5.0, step=0.1, unit="°C"),
        ParameterSpec(name="hot_tolerance", default=0.3, minimum=0.0, maximum=5.0, step=0.1, unit="°C"),
    )

    def __init__(self, *, cold_tolerance: float = 0.3, hot_tolerance: float = 0.3) -> None:
        """Validate the tolerances (°C)."""
        self.cold_tolerance = self.check("cold_tolerance", cold_tolerance)
        self.hot_tolerance = self.check("hot_tolerance", hot_tolerance)
        self._on = dict.fromkeys(Side, False)

    @override
    def params(self) -> dict[str, float]:
        return {"cold_tolerance": self.cold_tolerance, "hot_tolerance": self.hot_tolerance}

    @override
    def _run(
        self, side: Side, now: datetime, setpoint: float, current: float, outdoor: float | None
    ) -> tuple[bool, float, datetime | None]:
        too_cold = current <= setpoint - self.cold_tolerance
        too_hot = current >= setpoint + self.hot_tolerance
        if side is Side.HEAT:
            if too_hot:
                self._on[side] = False
            elif too_cold:
                self._on[side] = True
        elif too_cold:
            self._on[side] = False
        elif too_hot:
            self._on[side] = True
        on = self._on[side]
        return on, 1.0 if on else 0.0, None

    @override
    def _rest(self, side: Side) -> None:
        self._on[side] = False

    @override
    def reset(self) -> None:
        self._on = dict.fromkeys(Side, False)

    @override
    def state_dict(self) -> dict[str, Any]:
        return {"heat_on": self._on[Side.HEAT], "cool_on": self._on[Side.COOL]}

    @override
    def load_state(self, data: Any) -> None:
        if not isinstance(data, dict) or not all(
            isinstance(data.get(key), bool) for key in ("heat_on", "cool_on")
        ):
            raise invalid_state(self.name, data)
        self._on = {Side.HEAT: data["heat_on"], Side.COOL: data["cool_on"]}
