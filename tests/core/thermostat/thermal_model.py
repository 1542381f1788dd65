"""A one-node thermal model of a room, for simulation tests."""

from dataclasses import dataclass
import math


@dataclass(kw_only=True, slots=True)
class Room:
    """A room that loses heat towards `outdoor` with time constant `tau_hours`.

    Each running heater adds `heat_rate` °C/h and each cooler removes `cool_rate` °C/h, so the heating
    rate falls as the room-outdoor difference grows (fixed power, losses proportional to it). Heaters
    deliver nothing during their first `delay_hours` of running (a radiator warming up); an open window
    adds a second loss path with time constant `window_tau_hours`. The model is integrated exactly.
    """

    temperature: float
    outdoor: float
    tau_hours: float = 6.0
    heat_rate: float = 8.0
    cool_rate: float = 8.0
    delay_hours: float = 0.0
    window_tau_hours: float | None = None
    running_hours: float = 0.0

    def advance(self, seconds: float, heaters: int = 0, coolers: int = 0) -> float:
        hours = seconds / 3600.0
        if not heaters:
            self.running_hours = 0.0
            self._integrate(hours, 0, coolers)
            return self.temperature
        cold = min(max(self.delay_hours - self.running_hours, 0.0), hours)
        self._integrate(cold, 0, coolers)
        self._integrate(hours - cold, heaters, coolers)
        self.running_hours += hours
        return self.temperature

    def rate(self, indoor: float, heaters: int = 1) -> float:
        """The true heating rate (°C/h) at `indoor` with the window closed, once the delay is over."""
        return self.heat_rate * heaters - (indoor - self.outdoor) / self.tau_hours

    def _integrate(self, hours: float, heaters: int, coolers: int) -> None:
        tau = self.tau_hours
        if self.window_tau_hours is not None:
            tau = 1 / (1 / tau + 1 / self.window_tau_hours)
        drive = self.heat_rate * heaters - self.cool_rate * coolers
        equilibrium = self.outdoor + tau * drive
        decay = math.exp(-hours / tau)
        self.temperature = equilibrium + (self.temperature - equilibrium) * decay
