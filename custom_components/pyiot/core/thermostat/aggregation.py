"""Combine N weighted temperature sensors into one value, dropping readings that cannot be trusted."""

from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from enum import StrEnum
import math

from .clock import require_aware
from .errors import ScheduleError
from .weights import freeze_weights

_UNAVAILABLE = frozenset({"unavailable", "unknown", "none", ""})


class AggregateMethod(StrEnum):
    """How accepted readings are combined."""

    WEIGHTED_MEAN = "weighted_mean"
    MEDIAN = "median"
    """Weighted median (the plain median when all weights are equal)."""
    MIN = "min"
    MAX = "max"


class DropReason(StrEnum):
    """Why a sensor did not contribute."""

    MISSING = "missing"
    UNAVAILABLE = "unavailable"
    NON_NUMERIC = "non_numeric"
    NOT_FINITE = "not_finite"
    OUT_OF_BOUNDS = "out_of_bounds"
    STALE = "stale"


@dataclass(frozen=True, kw_only=True, slots=True)
class Reading:
    """A sensor state as seen by Home Assistant: the raw state and when it was last reported."""

    value: float | str | None
    updated: datetime

    def __post_init__(self) -> None:
        """`updated` must be timezone-aware."""
        require_aware(self.updated, "updated")


@dataclass(frozen=True, kw_only=True, slots=True)
class Aggregate:
    """Result of `aggregate`.

    `contributions` maps every accepted sensor to its share of `value` (they sum to 1; for min, max and
    median the sensors that determine the value share it, the others get 0). `value` is None when every
    sensor was dropped. `valid_until` is when the first accepted reading will turn stale.
    """

    value: float | None
    contributions: dict[str, float] = field(default_factory=dict)
    dropped: dict[str, DropReason] = field(default_factory=dict)
    valid_until: datetime | None = None


def read_value(  # noqa: PLR0911 - one return per drop reason
    reading: Reading | None, now: datetime, stale_after: timedelta, bounds: tuple[float, float]
) -> float | DropReason:
    """The usable number in `reading`, or why there is none."""
    if reading is None:
        return DropReason.MISSING
    raw = reading.value
    if raw is None or (isinstance(raw, str) and raw.strip().lower() in _UNAVAILABLE):
        return DropReason.UNAVAILABLE
    if isinstance(raw, bool):
        return DropReason.NON_NUMERIC
    try:
        value = float(raw)
    except TypeError, ValueError:
        return DropReason.NON_NUMERIC
    if not math.isfinite(value):
        return DropReason.NOT_FINITE
    if not bounds[0] <= value <= bounds[1]:
        return DropReason.OUT_OF_BOUNDS
    if now - reading.updated > stale_after:
        return DropReason.STALE
    return value


def aggregate(
    readings: Mapping[str, Reading],
    weights: Mapping[str, float],
    method: AggregateMethod = AggregateMethod.WEIGHTED_MEAN,
    *,
    now: datetime,
    stale_after: timedelta,
    bounds: tuple[float, float] = (-50.0, 100.0),
) -> Aggregate:
    """Combine the readings of the sensors in `weights`; dropped sensors are re-weighted away."""
    require_aware(now)
    method = AggregateMethod(method)
    weights = freeze_weights(weights)
    if not (math.isfinite(bounds[0]) and math.isfinite(bounds[1]) and bounds[0] < bounds[1]):
        raise ScheduleError("invalid_setting", {"setting": "bounds", "value": bounds})
    accepted: dict[str, float] = {}
    dropped: dict[str, DropReason] = {}
    valid_until: datetime | None = None
    for sensor in weights:
        reading = readings.get(sensor)
        result = read_value(reading, now, stale_after, bounds)
        if isinstance(result, DropReason):
            dropped[sensor] = result
            continue
        accepted[sensor] = result
        expiry = readings[sensor].updated + stale_after
        valid_until = expiry if valid_until is None else min(valid_until, expiry)
    if not accepted:
        return Aggregate(value=None, dropped=dropped)
    largest = max(weights[sensor] for sensor in accepted)  # dividing first keeps huge weights finite
    scaled = {sensor: weights[sensor] / largest for sensor in accepted}
    total = math.fsum(scaled.values())
    shares = {sensor: weight / total for sensor, weight in scaled.items()}
    match method:
        case AggregateMethod.WEIGHTED_MEAN:
            value, contributions = math.fsum(shares[s] * accepted[s] for s in accepted), shares
        case AggregateMethod.MEDIAN:
            value, contributions = _weighted_median(accepted, shares)
        case _:  # min or max
            pick = min if method is AggregateMethod.MIN else max
            value = pick(accepted.values())
            winners = [sensor for sensor, reading in accepted.items() if reading == value]
            contributions = {sensor: (1 / len(winners) if sensor in winners else 0.0) for sensor in accepted}
    value = min(max(value, min(accepted.values())), max(accepted.values()))  # no rounding overshoot
    return Aggregate(value=value, contributions=contributions, dropped=dropped, valid_until=valid_until)


def _weighted_median(values: dict[str, float], shares: dict[str, float]) -> tuple[float, dict[str, float]]:
    ordered = sorted(values, key=lambda sensor: values[sensor])
    contributions = dict.fromkeys(values, 0.0)
    cumulative = 0.0
    for position, sensor in enumerate(ordered[:-1]):
        cumulative += shares[sensor]
        if math.isclose(cumulative, 0.5, abs_tol=1e-9):
            following = ordered[position + 1]
            contributions[sensor] = contributions[following] = 0.5
            return (values[sensor] + values[following]) / 2, contributions
        if cumulative > 0.5:  # noqa: PLR2004
            contributions[sensor] = 1.0
            return values[sensor], contributions
    contributions[ordered[-1]] = 1.0
    return values[ordered[-1]], contributions
