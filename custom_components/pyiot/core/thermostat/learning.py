"""How fast a zone heats or cools, learned from its own runs, as a function of the outdoor temperature.

Model, per side: `rate = level + slope * (load - centre)` in °C/h, where the *load* is how hard the
outside pulls against the equipment: indoor minus outdoor temperature when heating, outdoor minus
indoor when cooling. Physically the equipment adds a fixed power and the losses grow with the load, so
the slope is never positive. Without outdoor readings only the level is used.

Dead time: a run's measured dead time is where its rising line crosses its start temperature. While
the equipment warms up the room keeps losing heat at `-slope * load` °C/h, so that crossing comes later
on cold days. The learner turns each measured dead time back into the equipment's own delay (with the
fitted slope) and predicts the dead time at given conditions as `delay * (1 + loss / rate)`; without
the outdoor dependence it is simply the weighted median of the measured ones.

Fitting is robust (Huber-weighted, ridge-shrunk slope) and forgets: a run's weight halves every
`half_life` of age relative to the newest run, so the estimate follows the seasons. Until `MIN_RUNS`
runs were accepted the conservative defaults apply (1 °C/h, 10 min). Once `GATE_RUNS` runs exist, a
new run far from the current estimate is an outlier (a window left open, a heater half broken): it is
kept aside, and only `REGIME_RUNS` consecutive outliers that agree with each other replace the
estimate (new equipment, a renovated house).
"""

from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from enum import StrEnum
import itertools
import math
from typing import Any

from .clock import require_aware
from .decision import Side
from .errors import ScheduleError
from .robust_fit import Line, robust_line, weighted_median

STORAGE_VERSION = 1
MIN_RATE = 0.1
"""°C/h: slower runs are not measurements of working equipment."""
MAX_RATE = 20.0
"""°C/h: faster runs are sensor artefacts (a sensor next to the heater, a sensor swap)."""
MAX_DEAD_TIME = timedelta(hours=2)
MAX_RUNS = 60
"""Accepted runs kept per side (the oldest go first)."""
MIN_RUNS = 3
SLOPE_RUNS = 6
"""Runs with an outdoor temperature needed before the rate depends on it."""
GATE_RUNS = 5
REGIME_RUNS = 3
_GATE_SIGMAS = 4.0
_GATE_RELATIVE = 0.35
"""A run within 35 % of the estimate is never an outlier, however tight the past runs are."""
_RIDGE = 0.5
"""°C²: the slope stays near 0 until the runs' loads spread over a degree or two."""
_EXTRAPOLATION = 5.0
"""°C beyond the loads seen, the rate is no longer extrapolated."""
_FORGOTTEN = 1e-3
"""Runs whose weight fell below this are dropped."""
_LOAD_BOUND = 100.0
MIN_GAP_RANGE = (0.2, 10.0)
"""°C: allowed `LearningSettings.min_gap`."""


class RunOutcome(StrEnum):
    """What became of a run: learned, or why it was not."""

    ACCEPTED = "accepted"
    OUTLIER = "outlier"
    """Too far from the estimate; kept aside in case more such runs follow."""
    OUT_OF_BOUNDS = "out_of_bounds"
    """Rate or dead time outside sane bounds."""
    TOO_SHORT = "too_short"
    NO_RISE = "no_rise"
    """The temperature did not move the right way (window open, equipment not working)."""
    UNSTEADY = "unsteady"
    """The rate changed too much within the run (a window opened or closed during it)."""
    INTERRUPTED = "interrupted"
    """Mode change, relay unavailable, off or not following midway."""
    DROPOUT = "dropout"
    """A temperature sensor dropped out or came back during the run."""


@dataclass(frozen=True, kw_only=True, slots=True)
class RunMeasurement:
    """One completed run: rate after the dead time, dead time, and the mean load during it.

    `dead_time` is None when the equipment was already running when the run began (warm start);
    `load` is None without outdoor temperature.
    """

    side: Side
    ended: datetime
    rate: float
    dead_time: timedelta | None
    load: float | None


@dataclass(frozen=True, kw_only=True, slots=True)
class RateEstimate:
    """The learned (or default) behaviour of one side at given conditions.

    `rate` (°C/h, always positive and finite) is how fast the temperature moves the right way once the
    dead time has passed; `dead_time` is how long after switching on the temperature is back where it
    started, so `dead_time + delta / rate` is how long a change of `delta` takes. `delay` is the
    equipment's own part of the dead time (the rest is the room's loss while it warms up), used to
    tell how much dead time is left once the equipment has run for a while. `confidence` (0..1) grows
    with the number of accepted runs and falls with their dispersion; 0 while the defaults apply
    (`learned` False). `runs` is how many are kept.
    """

    rate: float
    dead_time: timedelta
    delay: timedelta
    confidence: float
    runs: int
    learned: bool


@dataclass(frozen=True, kw_only=True, slots=True)
class LearningSettings:
    """Defaults until enough runs are seen, how fast old runs are forgotten, which runs count.

    `min_gap` (°C): a run counts only if it starts at least this far from its setpoint, so the short
    cycles that hold a temperature (within the algorithm's deadband) are not mistaken for runs.
    """

    default_rate: float = 1.0
    default_dead_time: timedelta = timedelta(minutes=10)
    half_life: timedelta = timedelta(days=30)
    min_gap: float = 1.0

    def __post_init__(self) -> None:
        """Validate each setting."""
        checks = {
            "default_rate": _number(self.default_rate) and MIN_RATE <= self.default_rate <= MAX_RATE,
            "default_dead_time": isinstance(self.default_dead_time, timedelta)
            and timedelta() <= self.default_dead_time <= MAX_DEAD_TIME,
            "half_life": isinstance(self.half_life, timedelta) and self.half_life >= timedelta(hours=1),
            "min_gap": _number(self.min_gap) and MIN_GAP_RANGE[0] <= self.min_gap <= MIN_GAP_RANGE[1],
        }
        for name, valid in checks.items():
            if not valid:
                raise ScheduleError("invalid_setting", {"setting": name, "value": getattr(self, name)})


@dataclass(frozen=True, kw_only=True, slots=True)
class _Run:
    ended: float
    rate: float
    dead_hours: float | None
    load: float | None


@dataclass(frozen=True, kw_only=True, slots=True)
class _Fit:
    level: Line
    line: Line | None
    """Rate against load, when enough runs had an outdoor temperature."""
    loads: tuple[float, float]
    delay_hours: float
    """The equipment's own delay, before the room's losses during it."""
    confidence: float


@dataclass(kw_only=True, slots=True)
class _SideModel:
    runs: list[_Run] = field(default_factory=list)
    quarantine: list[_Run] = field(default_factory=list)
    fit: _Fit | None = None
    last_outcome: RunOutcome | None = None


class RateLearner:
    """Heating and cooling rates of one zone; see the module docstring.

    `ThermostatController` feeds it (`add_run`) from the runs it observes. Persist it with
    `to_dict`/`from_dict`.
    """

    __slots__ = ("_settings", "_sides")

    def __init__(self, settings: LearningSettings | None = None) -> None:
        """An empty learner: the defaults apply."""
        self._settings = settings or LearningSettings()
        self._sides = {side: _SideModel() for side in Side}

    @property
    def settings(self) -> LearningSettings:
        """Defaults and forgetting."""
        return self._settings

    def runs(self, side: Side) -> int:
        """Accepted runs kept for `side`."""
        return len(self._sides[side].runs)

    def last_outcome(self, side: Side) -> RunOutcome | None:
        """What became of the last run of `side` seen since start-up (for diagnostics)."""
        return self._sides[side].last_outcome

    def note(self, side: Side, outcome: RunOutcome) -> None:
        """Record why an observed run was not even offered (too short, interrupted, ...)."""
        self._sides[side].last_outcome = outcome

    def reset(self, side: Side | None = None) -> None:
        """Forget what was learned (e.g. after replacing the equipment), for one side or both."""
        for which in (side,) if side is not None else tuple(Side):
            self._sides[which] = _SideModel()

    def estimate(
        self, side: Side, *, indoor: float | None = None, outdoor: float | None = None
    ) -> RateEstimate:
        """Rate and dead time of `side` with these indoor and outdoor temperatures (either may be None)."""
        model = self._sides[side]
        fit = model.fit
        if fit is None:
            return RateEstimate(
                rate=self._settings.default_rate,
                dead_time=self._settings.default_dead_time,
                delay=self._settings.default_dead_time,
                confidence=0.0,
                runs=len(model.runs),
                learned=False,
            )
        load = _load(side, indoor, outdoor)
        rate, _ = _expected(fit, load)
        rate = min(max(rate, MIN_RATE), MAX_RATE)
        dead_hours = fit.delay_hours
        if fit.line is not None and load is not None:
            dead_hours *= 1 + -fit.line.slope * _clamped(fit, load) / rate
        max_hours = MAX_DEAD_TIME.total_seconds() / 3600
        return RateEstimate(
            rate=rate,
            dead_time=timedelta(hours=min(max(dead_hours, 0.0), max_hours)),
            delay=timedelta(hours=min(fit.delay_hours, max_hours)),
            confidence=fit.confidence,
            runs=len(model.runs),
            learned=True,
        )

    def add_run(self, run: RunMeasurement) -> RunOutcome:
        """Learn from one measured run, unless it is out of bounds or an outlier; returns the outcome."""
        outcome = self._add(run)
        self._sides[run.side].last_outcome = outcome
        return outcome

    def _add(self, measurement: RunMeasurement) -> RunOutcome:
        run = _checked_run(measurement)
        if run is None:
            return RunOutcome.OUT_OF_BOUNDS
        model = self._sides[measurement.side]
        if model.runs and run.ended < model.runs[-1].ended:
            return RunOutcome.OUT_OF_BOUNDS  # the clock went backwards: keep the history consistent
        fit = model.fit
        if len(model.runs) >= GATE_RUNS and fit is not None and _is_outlier(fit, run):
            model.quarantine = [*model.quarantine, run][-REGIME_RUNS:]
            if not _regime_change(fit, model.quarantine):
                return RunOutcome.OUTLIER
            # Consecutive runs agree with each other and not with the past: the equipment or the house
            # changed. Relearn from them.
            model.runs = list(model.quarantine)
        else:
            model.runs.append(run)
        model.quarantine.clear()
        self._refit(model)
        return RunOutcome.ACCEPTED

    def _refit(self, model: _SideModel) -> None:
        newest = model.runs[-1].ended
        half_life = self._settings.half_life.total_seconds()
        model.runs = [run for run in model.runs if 0.5 ** ((newest - run.ended) / half_life) >= _FORGOTTEN][
            -MAX_RUNS:
        ]
        model.fit = _fit(model.runs, newest, half_life, self._settings.default_dead_time)

    # --- storage -----------------------------------------------------------------------------------

    def to_dict(self) -> dict[str, Any]:
        """JSON-ready form of what was learned (settings are configuration, not stored)."""
        return {
            "version": STORAGE_VERSION,
            **{
                side.value: {
                    "runs": [_run_to_dict(run) for run in model.runs],
                    "quarantine": [_run_to_dict(run) for run in model.quarantine],
                }
                for side, model in self._sides.items()
            },
        }

    @classmethod
    def from_dict(cls, data: Any, settings: LearningSettings | None = None) -> RateLearner:
        """Inverse of `to_dict`; anything malformed raises `ScheduleError` (nothing else)."""
        try:
            return cls._from_dict(data, settings)
        except ScheduleError:
            raise
        except (ValueError, TypeError, KeyError, AttributeError, OverflowError) as err:
            raise ScheduleError("invalid_data", {"reason": f"learned rates: {err!r}"}) from None

    @classmethod
    def _from_dict(cls, data: Any, settings: LearningSettings | None) -> RateLearner:
        if not isinstance(data, dict) or data.get("version") != STORAGE_VERSION:
            raise ScheduleError("invalid_data", {"reason": "learned rates: unknown format"})
        learner = cls(settings)
        for side in Side:
            part = data[side.value]
            model = _SideModel(
                runs=_runs_from(part["runs"], side), quarantine=_runs_from(part["quarantine"], side)
            )
            if model.runs:
                learner._refit(model)
            learner._sides[side] = model
        return learner


def _fit(runs: list[_Run], newest: float, half_life: float, default_dead_time: timedelta) -> _Fit | None:
    if len(runs) < MIN_RUNS:
        return None
    weights = [0.5 ** ((newest - run.ended) / half_life) for run in runs]
    rates = [run.rate for run in runs]
    level = robust_line([0.0] * len(runs), rates, weights, ridge=1.0, max_slope=0.0)
    with_load = [(run.load, run.rate, weight) for run, weight in zip(runs, weights, strict=True)]
    loaded = [(load, rate, weight) for load, rate, weight in with_load if load is not None]
    line = None
    loads = (0.0, 0.0)
    if len(loaded) >= SLOPE_RUNS:
        xs, ys, ws = ([item[index] for item in loaded] for index in range(3))
        line = robust_line(xs, ys, ws, ridge=_RIDGE, max_slope=0.0)
        loads = (min(xs), max(xs))
    delays = [(_delay(run, line), weight) for run, weight in zip(runs, weights, strict=True)]
    measured = [(hours, weight) for hours, weight in delays if hours is not None]
    delay_hours = default_dead_time.total_seconds() / 3600
    if len(measured) >= MIN_RUNS:
        delay_hours = weighted_median([hours for hours, _ in measured], [weight for _, weight in measured])
    spread = (line or level).scale / max(level.level, MIN_RATE)
    effective = math.fsum(weights)
    confidence = effective / (effective + 3.0) / (1.0 + (spread / 0.2) ** 2)
    return _Fit(level=level, line=line, loads=loads, delay_hours=delay_hours, confidence=confidence)


def _delay(run: _Run, line: Line | None) -> float | None:
    """The equipment's delay behind a run's measured dead time (see the module docstring)."""
    if run.dead_hours is None or line is None or run.load is None:
        return run.dead_hours
    power = run.rate - line.slope * run.load  # the rate at zero load
    return run.dead_hours * run.rate / power if power > 0 else run.dead_hours


def _expected(fit: _Fit, load: float | None) -> tuple[float, Line]:
    """The rate the fit expects at `load`, and the line it comes from (for its residual scale)."""
    if fit.line is None or load is None:
        return fit.level.level, fit.level
    return fit.line.at(_clamped(fit, load)), fit.line


def _clamped(fit: _Fit, load: float) -> float:
    """`load` within the loads seen, give or take `_EXTRAPOLATION`."""
    low, high = fit.loads
    return min(max(load, low - _EXTRAPOLATION), high + _EXTRAPOLATION)


def _relative_residual(fit: _Fit, run: _Run) -> float:
    """(run rate - expected rate) / expected rate."""
    expected, _ = _expected(fit, run.load)
    expected = max(expected, MIN_RATE)
    return (run.rate - expected) / expected


def _is_outlier(fit: _Fit, run: _Run) -> bool:
    expected, line = _expected(fit, run.load)
    expected = max(expected, MIN_RATE)
    return abs(run.rate - expected) > max(_GATE_SIGMAS * line.scale, _GATE_RELATIVE * expected)


def _regime_change(fit: _Fit, quarantine: list[_Run]) -> bool:
    """The last `REGIME_RUNS` runs were all outliers on the same side, and agree with each other."""
    if len(quarantine) < REGIME_RUNS:
        return False
    residuals = [_relative_residual(fit, run) for run in quarantine]
    same_side = all(value > 0 for value in residuals) or all(value < 0 for value in residuals)
    return same_side and max(residuals) - min(residuals) <= _GATE_RELATIVE


def _load(side: Side, indoor: float | None, outdoor: float | None) -> float | None:
    if indoor is None or outdoor is None or not (math.isfinite(indoor) and math.isfinite(outdoor)):
        return None
    return indoor - outdoor if side is Side.HEAT else outdoor - indoor


def _number(value: Any) -> bool:
    return not isinstance(value, bool) and isinstance(value, int | float) and math.isfinite(value)


def _checked_run(run: RunMeasurement) -> _Run | None:
    """The stored form of a measurement, or None if a value is absurd."""
    dead = run.dead_time
    if (
        not _number(run.rate)
        or not MIN_RATE <= run.rate <= MAX_RATE
        or (dead is not None and not timedelta() <= dead <= MAX_DEAD_TIME)
        or (run.load is not None and not (_number(run.load) and abs(run.load) <= _LOAD_BOUND))
    ):
        return None
    return _Run(
        ended=require_aware(run.ended, "ended").timestamp(),
        rate=float(run.rate),
        dead_hours=None if dead is None else dead.total_seconds() / 3600,
        load=None if run.load is None else float(run.load),
    )


def _run_to_dict(run: _Run) -> dict[str, Any]:
    return {
        "ended": datetime.fromtimestamp(run.ended, UTC).isoformat(),
        "rate": run.rate,
        "dead_time": None if run.dead_hours is None else run.dead_hours * 3600,
        "load": run.load,
    }


def _runs_from(items: Any, side: Side) -> list[_Run]:
    if not isinstance(items, list):
        raise ScheduleError("invalid_data", {"reason": "learned rates: runs"})
    runs = []
    for item in items:
        if not isinstance(item, dict) or set(item) != {"ended", "rate", "dead_time", "load"}:
            raise ScheduleError("invalid_data", {"reason": f"learned rates: run {item!r}"})
        dead = item["dead_time"]
        if (
            (dead is not None and not _number(dead))
            or not isinstance(item["ended"], str)
            or (item["load"] is not None and not _number(item["load"]))
        ):
            raise ScheduleError("invalid_data", {"reason": f"learned rates: run {item!r}"})
        measurement = RunMeasurement(
            side=side,
            ended=datetime.fromisoformat(item["ended"]),
            rate=item["rate"],
            dead_time=None if dead is None else timedelta(seconds=dead),
            load=item["load"],
        )
        run = _checked_run(measurement)
        if run is None:
            raise ScheduleError("invalid_data", {"reason": f"learned rates: run {item!r}"})
        runs.append(run)
    if any(later.ended < earlier.ended for earlier, later in itertools.pairwise(runs)):
        raise ScheduleError("invalid_data", {"reason": "learned rates: runs out of order"})
    return runs[-MAX_RUNS:]
