"""A one-node thermal model of a room, for simulation tests."""

from dataclasses import dataclass
import math


@dataclass(kw_only=True, slots=True)
class Room:
    """A room that loses heat towards `outdoor` with time constant `tau_hours`.

    Each running heater adds `heat_rate` °C/h and each cooler removes `cool_rate` °C/h; the model is
    integrated exactly over each step.
    """

    temperature: float
    outdoor: float
    tau_hours: float = 6.0
    heat_rate: float = 8.0
    cool_rate: float = 8.0

    def advance(self, seconds: float, heaters: int = 0, coolers: int = 0) -> float:
        drive = self.heat_rate * heaters - self.cool_rate * coolers
        equilibrium = self.outdoor + self.tau_hours * drive
        decay = math.exp(-seconds / 3600.0 / self.tau_hours)
        self.temperature = equilibrium + (self.temperature - equilibrium) * decay
        return self.temperature
