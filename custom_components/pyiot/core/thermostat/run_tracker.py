"""Cuts the controller's steps into heating (or cooling) runs and measures each one.

A run starts when the side's equipment is seen switching on (or the setpoint jumps while it runs)
with the temperature at least `min_gap` from the setpoint. It ends when the setpoint is reached, when
the algorithm stops asking for that side (duty-cycle pauses belong to the run), or after
`MAX_DURATION`. It is abandoned on a mode change, a relay unavailable or not following, the equipment
kept off while wanted, a missing temperature or a change in the set of sensors behind it (a sensor
dropout shifts the average).

Measuring: the dead time ends at the first of two consecutive samples `RISE_THRESHOLD` past the start
temperature; the rate is the least-squares slope from there to the end. The reported dead time is
where that line crosses the start temperature, so `dead time + rise / rate` predicts the run's
duration. A run whose slope halves collapse or surge against each other (a window opened or closed
midway), that never rises, or that is too short to measure is rejected.
"""

from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import datetime, timedelta
import math

from .decision import Side
from .learning import MAX_DEAD_TIME, RunMeasurement, RunOutcome
from .modes import HvacMode
from .robust_fit import slope

RISE_THRESHOLD = 0.1
"""°C the temperature must move before the dead time is over."""
MAX_DURATION = timedelta(hours=6)
MAX_STARVED = timedelta(minutes=3)
"""How long the equipment may stay off while wanted on (a command on its way) before the run is void."""
_SAMPLE_SPACING = 30.0
"""Seconds between kept samples."""
_MIN_SAMPLES = 5
_MIN_FIT_HOURS = 10 / 60
_MIN_FIT_RISE = 0.3
_STEADINESS = 1 / 3
"""The two halves of a run must have slopes within a factor of 3 of each other..."""
_MIN_HALF_SAMPLES = 3
_MIN_HALF_HOURS = 5 / 60
"""...when each half is long enough to have a slope."""
_MODES = {Side.HEAT: {HvacMode.HEAT, HvacMode.HEAT_COOL}, Side.COOL: {HvacMode.COOL, HvacMode.HEAT_COOL}}


@dataclass(frozen=True, kw_only=True, slots=True)
class SideObservation:
    """What one control step saw of one side.

    `relays` are the actual states of the side's relays (None: unavailable); `wanted` is whether the
    algorithm asks for the side to be on now, `active` whether it is working that side at all (on, or
    in the off part of a duty cycle); `sensors` are the sensors behind `temperature`.
    """

    now: datetime
    mode: HvacMode
    temperature: float | None
    outdoor: float | None
    setpoint: float | None
    sensors: frozenset[str]
    relays: Sequence[bool | None]
    wanted: bool
    active: bool
    failed: bool


@dataclass(kw_only=True, slots=True)
class _OpenRun:
    start: datetime
    mode: HvacMode
    sensors: frozenset[str]
    warm: bool
    start_temperature: float
    times: list[float] = field(default_factory=list)
    """Hours since the start."""
    progress: list[float] = field(default_factory=list)
    """°C moved the right way since the start."""
    outdoor: list[float | None] = field(default_factory=list)
    starved_since: datetime | None = None


class RunTracker:
    """One side's run detection and measurement; see the module docstring."""

    __slots__ = ("_direction", "_min_gap", "_on_since", "_previous_on", "_previous_setpoint", "_run", "side")

    def __init__(self, side: Side, *, min_gap: float) -> None:
        """Track runs of `side` that start at least `min_gap` °C from their setpoint."""
        self.side = side
        self._direction = 1.0 if side is Side.HEAT else -1.0
        self._min_gap = min_gap
        self._run: _OpenRun | None = None
        self._on_since: datetime | None = None
        self._previous_on: bool | None = None
        """None until the first step: equipment found running then may have run for a while."""
        self._previous_setpoint: float | None = None

    @property
    def on_since(self) -> datetime | None:
        """Since when all of the side's relays have been seen on (None: not running)."""
        return self._on_since

    @property
    def running(self) -> bool:
        """A run is being measured."""
        return self._run is not None

    def update(self, seen: SideObservation) -> RunMeasurement | RunOutcome | None:
        """Feed one step; returns the measurement, or why it was rejected, when a run ends."""
        available = [state for state in seen.relays if state is not None]
        on = bool(available) and all(available) and len(available) == len(seen.relays)
        warm = self._previous_on is not False
        # A new run needs a switch-on or a new setpoint: a maintenance cycle sagging past min_gap
        # during its dead time is not one.
        fresh = not self._previous_on or seen.setpoint != self._previous_setpoint
        self._previous_on, self._previous_setpoint = on, seen.setpoint
        if not on:
            self._on_since = None
        elif self._on_since is None:
            self._on_since = seen.now
        run = self._run
        if run is None:
            temperature = seen.temperature
            if on and fresh and temperature is not None and self._can_start(seen, temperature):
                self._run = self._start(seen, temperature, warm=warm)
            return None
        result = self._follow(run, seen, on=on)
        if result is not None:
            self._run = None
        return result

    def _can_start(self, seen: SideObservation, temperature: float) -> bool:
        return (
            seen.mode in _MODES[self.side]
            and not seen.failed
            and seen.setpoint is not None
            and self._direction * (seen.setpoint - temperature) >= self._min_gap
        )

    def _start(self, seen: SideObservation, temperature: float, *, warm: bool) -> _OpenRun:
        run = _OpenRun(
            start=seen.now, mode=seen.mode, sensors=seen.sensors, warm=warm, start_temperature=temperature
        )
        self._sample(run, seen, temperature)
        return run

    def _follow(
        self, run: _OpenRun, seen: SideObservation, *, on: bool
    ) -> RunMeasurement | RunOutcome | None:
        if seen.mode is not run.mode or seen.failed or None in seen.relays or seen.setpoint is None:
            return RunOutcome.INTERRUPTED
        if seen.temperature is None or seen.sensors != run.sensors:
            return RunOutcome.DROPOUT
        if seen.wanted and not on:
            run.starved_since = run.starved_since or seen.now
            if seen.now - run.starved_since > MAX_STARVED:
                return RunOutcome.INTERRUPTED
        else:
            run.starved_since = None
        self._sample(run, seen, seen.temperature)
        reached = self._direction * (seen.temperature - seen.setpoint) >= 0
        if reached or (not on and not seen.active) or seen.now - run.start >= MAX_DURATION:
            return self._measure(run, seen.now)
        return None

    def _sample(self, run: _OpenRun, seen: SideObservation, temperature: float) -> None:
        hours = (seen.now - run.start).total_seconds() / 3600
        if run.times and (hours - run.times[-1]) * 3600 < _SAMPLE_SPACING:
            return
        run.times.append(hours)
        run.progress.append(self._direction * (temperature - run.start_temperature))
        run.outdoor.append(seen.outdoor)

    def _measure(self, run: _OpenRun, ended: datetime) -> RunMeasurement | RunOutcome:
        times, progress = run.times, run.progress
        first = next(
            (
                index
                for index in range(1, len(progress))
                if min(progress[index : index + 2]) >= RISE_THRESHOLD
            ),
            None,
        )
        if first is None or times[first] > MAX_DEAD_TIME.total_seconds() / 3600:
            return RunOutcome.NO_RISE
        fit_times, fit_progress = times[first:], progress[first:]
        if len(fit_times) < _MIN_SAMPLES or fit_times[-1] - fit_times[0] < _MIN_FIT_HOURS:
            return RunOutcome.TOO_SHORT
        rate = slope(fit_times, fit_progress)
        if rate <= 0:
            return RunOutcome.NO_RISE
        if rate * (fit_times[-1] - fit_times[0]) < _MIN_FIT_RISE:
            return RunOutcome.TOO_SHORT
        if not _steady(fit_times, fit_progress):
            return RunOutcome.UNSTEADY
        mean_time = math.fsum(fit_times) / len(fit_times)
        mean_progress = math.fsum(fit_progress) / len(fit_progress)
        crossing = min(max(mean_time - mean_progress / rate, 0.0), times[first])
        return RunMeasurement(
            side=self.side,
            ended=ended,
            rate=rate,
            dead_time=None if run.warm else timedelta(hours=crossing),
            load=self._load(run, first, mean_progress),
        )

    def _load(self, run: _OpenRun, first: int, mean_progress: float) -> float | None:
        """Mean indoor-outdoor difference (heating; reversed for cooling) over the measured part."""
        outdoor = [value for value in run.outdoor[first:] if value is not None]
        if 2 * len(outdoor) < len(run.outdoor) - first:
            return None
        indoor = run.start_temperature + self._direction * mean_progress
        return self._direction * (indoor - math.fsum(outdoor) / len(outdoor))


def _steady(times: list[float], progress: list[float]) -> bool:
    middle = (times[0] + times[-1]) / 2
    split = next(index for index, moment in enumerate(times) if moment > middle)
    halves = (slice(None, split), slice(split, None))
    parts = [(times[half], progress[half]) for half in halves]
    if any(
        len(part_times) < _MIN_HALF_SAMPLES or part_times[-1] - part_times[0] < _MIN_HALF_HOURS
        for part_times, _ in parts
    ):
        return True
    first, second = (slope(part_times, part_progress) for part_times, part_progress in parts)
    return first > 0 and second > 0 and _STEADINESS <= second / first <= 1 / _STEADINESS
