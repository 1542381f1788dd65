"""Decision algorithms behind one interface, and a registry by name for the config UI."""

from collections.abc import Mapping

from ..errors import ScheduleError
from .base import IDLE, DecisionAlgorithm, Demand, ParameterSpec, Side
from .hysteresis import Hysteresis
from .pid import Pid
from .tpi import Tpi

ALGORITHMS: dict[str, type[DecisionAlgorithm]] = {cls.name: cls for cls in (Hysteresis, Tpi, Pid)}
"""Algorithm classes by name; each has `parameters` (a `ParameterSpec` tuple) for the config form."""


def create_algorithm(name: str, params: Mapping[str, float] | None = None) -> DecisionAlgorithm:
    """Instantiate a registered algorithm; `ScheduleError` for an unknown name or a bad parameter."""
    if name not in ALGORITHMS:
        raise ScheduleError("unknown_algorithm", {"algorithm": name})
    return ALGORITHMS[name].from_params(params)


__all__ = [
    "ALGORITHMS",
    "IDLE",
    "DecisionAlgorithm",
    "Demand",
    "Hysteresis",
    "ParameterSpec",
    "Pid",
    "Side",
    "Tpi",
    "create_algorithm",
]
