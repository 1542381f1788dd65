"""A one-node thermal model of a room, for simulation tests."""

from dataclasses import dataclass
import math


@dataclass(kw_only=True, slots=True)
class Room:
    """Loses heat towards `outdoor` with time constant `tau_hours`; heating adds `heat_rate` °C/h and
    cooling removes `cool_rate` °C/h while on (integrated exactly over each step).
    """

    temperature: float
    outdoor: float
    tau_hours: float = 6.0
    heat_rate: float = 8.0
    cool_rate: float = 8.0

    def advance(self, seconds: float, heating: bool, cooling: bool) -> float:
        drive = (self.heat_rate if heating else 0.0) - (self.cool_rate if cooling else 0.0)
        equilibrium = self.outdoor + self.tau_hours * drive
        decay = math.exp(-seconds / 3600.0 / self.tau_hours)
        self.temperature = equilibrium + (self.temperature - equilibrium) * decay
        return self.temperature
