"""Sensor sets: sensor id -> relative weight."""

from collections.abc import Mapping
import math
from types import MappingProxyType

from .errors import ScheduleError

type SensorWeights = Mapping[str, float]


def freeze_weights(weights: Mapping[str, float]) -> SensorWeights:
    """Validated read-only copy: at least one sensor, text ids, positive finite weights."""
    if not isinstance(weights, Mapping) or not weights:
        raise ScheduleError("empty_sensors")
    frozen: dict[str, float] = {}
    for sensor, weight in weights.items():
        if (
            not isinstance(sensor, str)
            or not sensor
            or isinstance(weight, bool)
            or not isinstance(weight, int | float)
            or not math.isfinite(weight)
            or weight <= 0
        ):
            raise ScheduleError("invalid_weight", {"sensor": sensor, "weight": weight})
        frozen[sensor] = float(weight)
    return MappingProxyType(frozen)
