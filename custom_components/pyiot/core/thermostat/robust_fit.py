"""Robust weighted statistics for the rate learner: weighted median and MAD, and a Huber line fit."""

from collections.abc import Sequence
from dataclasses import dataclass
import math

MAD_TO_SIGMA = 1.4826
"""Scales a median absolute deviation to a normal standard deviation."""
_HUBER_K = 1.5
_ITERATIONS = 8


def weighted_median(values: Sequence[float], weights: Sequence[float]) -> float:
    """The value at half the total weight (the lower of two middle values splits the tie evenly)."""
    ordered = sorted(zip(values, weights, strict=True))
    half = math.fsum(weights) / 2
    cumulative = 0.0
    for position, (value, weight) in enumerate(ordered[:-1]):
        cumulative += weight
        if math.isclose(cumulative, half, rel_tol=1e-12):
            return (value + ordered[position + 1][0]) / 2
        if cumulative > half:
            return value
    return ordered[-1][0]


def weighted_scale(residuals: Sequence[float], weights: Sequence[float]) -> float:
    """Robust standard deviation: 1.4826 times the weighted median absolute deviation from 0."""
    return MAD_TO_SIGMA * weighted_median([abs(value) for value in residuals], weights)


@dataclass(frozen=True, kw_only=True, slots=True)
class Line:
    """`y = level + slope * (x - centre)`; `scale` is the robust spread of the residuals."""

    level: float
    slope: float
    centre: float
    scale: float

    def at(self, x: float) -> float:
        """The fitted value at `x`."""
        return self.level + self.slope * (x - self.centre)


def robust_line(
    xs: Sequence[float], ys: Sequence[float], weights: Sequence[float], *, ridge: float, max_slope: float
) -> Line:
    """Huber-weighted least squares of y on x, the slope shrunk by `ridge` (x units²) and capped.

    The ridge term keeps the slope near 0 until the x values spread over more than about sqrt(ridge),
    so a handful of runs at similar outdoor temperatures gives a level, not a wild slope. Points far
    from the line (beyond 1.5 robust standard deviations) get proportionally less weight.
    """
    total = math.fsum(weights)
    centre = math.fsum(w * x for w, x in zip(weights, xs, strict=True)) / total
    line = Line(level=weighted_median(ys, weights), slope=0.0, centre=centre, scale=0.0)
    for _ in range(_ITERATIONS):
        residuals = [y - line.at(x) for x, y in zip(xs, ys, strict=True)]
        scale = weighted_scale(residuals, weights)
        fitted = [
            w * (min(1.0, _HUBER_K * scale / abs(r)) if scale > 0 and r else 1.0)
            for w, r in zip(weights, residuals, strict=True)
        ]
        line = _least_squares(xs, ys, fitted, ridge=ridge, max_slope=max_slope)
    residuals = [y - line.at(x) for x, y in zip(xs, ys, strict=True)]
    return Line(
        level=line.level, slope=line.slope, centre=line.centre, scale=weighted_scale(residuals, weights)
    )


def _least_squares(
    xs: Sequence[float], ys: Sequence[float], weights: Sequence[float], *, ridge: float, max_slope: float
) -> Line:
    total = math.fsum(weights)
    centre = math.fsum(w * x for w, x in zip(weights, xs, strict=True)) / total
    mean = math.fsum(w * y for w, y in zip(weights, ys, strict=True)) / total
    sxx = math.fsum(w * (x - centre) ** 2 for w, x in zip(weights, xs, strict=True))
    sxy = math.fsum(w * (x - centre) * (y - mean) for w, x, y in zip(weights, xs, ys, strict=True))
    slope = min(sxy / (sxx + ridge * total), max_slope)
    return Line(level=mean, slope=slope, centre=centre, scale=0.0)


def slope(times: Sequence[float], values: Sequence[float]) -> float:
    """Ordinary least-squares slope of values over times (at least two distinct times)."""
    count = len(times)
    mean_t = math.fsum(times) / count
    mean_v = math.fsum(values) / count
    stt = math.fsum((t - mean_t) ** 2 for t in times)
    stv = math.fsum((t - mean_t) * (v - mean_v) for t, v in zip(times, values, strict=True))
    return stv / stt
