"""Optimum (predictive) start: switch to the next scheduled target early enough to reach it on time.

For each scheduled rise of a heating setpoint (fall of a cooling one) within `max_lead`, the lead is

    lead = dead time + (setpoint - temperature now) / rate(indoor, outdoor)

from the zone's `RateLearner`, clamped to `max_lead`. From `change - lead` until the change, the
controller uses the upcoming setpoint. Once started, a preheat is kept (latched) until its change even
though the remaining lead shrinks as the room warms up.

A rise is a setpoint higher than the segment's before it (and above the current temperature);
overrides (a user's explicit choice) are never anticipated, nor preheated across. The caller skips
planning under a preset, in fail-safe and in mode off. Every instant is the schedule's UTC
`next_change`, so daylight saving changes cannot shift a start.

Equipment already running (e.g. a cycle holding the current setpoint) has part of its dead time behind
it, so its start is later than a cold one. If the algorithm wants to stop it between the cold and the
warm start, stopping means paying the dead time again (late by the time past the cold start) and going
on means arriving early (by the time left to the warm start): `Plan.bridge` is the preheat for which
going on is the smaller error, and the controller then starts it at once (`OptimumStart.start`). The
worst case either way is half the dead time.
"""

from collections.abc import Collection, Mapping
from dataclasses import dataclass, replace
from datetime import datetime, timedelta
import math

from .decision import Side
from .errors import ScheduleError
from .learning import RateEstimate, RateLearner
from .modes import HvacMode
from .rules import OverrideRule
from .schedule import ActiveTarget, Schedule
from .target import Target

MAX_LEAD_LIMIT = timedelta(hours=12)
_MODES = {Side.HEAT: {HvacMode.HEAT, HvacMode.HEAT_COOL}, Side.COOL: {HvacMode.COOL, HvacMode.HEAT_COOL}}


@dataclass(frozen=True, kw_only=True, slots=True)
class OptimumStartConfig:
    """`enabled`: start early (off by default); `max_lead`: never earlier than this before a change.

    `learn`: feed the learner from observed runs (on by default, even while early starts are disabled,
    so that enabling them later starts from knowledge).
    """

    enabled: bool = False
    max_lead: timedelta = timedelta(hours=3)
    learn: bool = True

    def __post_init__(self) -> None:
        """Validate the flags and the maximum lead (0 < max_lead <= 12 h)."""
        for name in ("enabled", "learn"):
            if not isinstance(getattr(self, name), bool):
                raise ScheduleError("invalid_setting", {"setting": name, "value": getattr(self, name)})
        if not isinstance(self.max_lead, timedelta) or not timedelta() < self.max_lead <= MAX_LEAD_LIMIT:
            raise ScheduleError("invalid_setting", {"setting": "max_lead", "value": self.max_lead})


@dataclass(frozen=True, kw_only=True, slots=True)
class Preheat:
    """An early start towards the next scheduled setpoint of one side (a precool for cooling).

    `active`: the controller uses `target` (the upcoming setpoint) now; otherwise this is the next
    planned start, re-estimated at every step. `change_at` is the scheduled change (UTC), `starts_at`
    the actual (active) or planned start; `rate` and `dead_time` are the estimate behind the lead and
    `rule_id`/`rule_name` the upcoming rule (None: the default target).
    """

    side: Side
    setpoint: float
    target: Target
    change_at: datetime
    starts_at: datetime
    rate: float
    dead_time: timedelta
    confidence: float
    rule_id: str | None
    rule_name: str | None
    active: bool

    @property
    def lead(self) -> timedelta:
        """How long before the change the start is."""
        return self.change_at - self.starts_at


@dataclass(frozen=True, kw_only=True, slots=True)
class Plan:
    """The target to use now, the preheat to report, and when the plan may next change by itself.

    `bridge`: a planned preheat to start now rather than let running equipment stop (module docstring).
    """

    target: Target
    preheat: Preheat | None
    wake_at: datetime | None
    active: ActiveTarget
    bridge: Preheat | None = None
    due: tuple[Preheat, ...] = ()
    planned: tuple[Preheat, ...] = ()


@dataclass(frozen=True, kw_only=True, slots=True)
class _Rise:
    side: Side
    change_at: datetime
    setpoint: float
    upcoming: ActiveTarget


def lead_time(
    delta: float, estimate: RateEstimate, max_lead: timedelta, running_for: timedelta = timedelta()
) -> timedelta:
    """Dead time (the part still ahead after `running_for`) + delta / rate, within [0, max_lead].

    `delta` is how far (°C) the temperature must move; nothing to move (or not a number) means 0.
    Equipment that has run for `running_for` has that much less of its `delay` ahead, and the dead
    time shrinks in proportion.
    """
    if not delta > 0:
        return timedelta()
    left = 1.0
    if running_for > timedelta():
        left = max(1 - running_for / estimate.delay, 0.0) if estimate.delay > timedelta() else 0.0
    hours = left * estimate.dead_time.total_seconds() / 3600 + delta / estimate.rate
    limit = max_lead.total_seconds() / 3600
    return timedelta(hours=min(hours, limit)) if math.isfinite(hours) else max_lead


class OptimumStart:
    """Plans early starts step by step and remembers the ones under way; see the module docstring."""

    __slots__ = ("_config", "_latched")

    def __init__(self, config: OptimumStartConfig | None = None) -> None:
        """Nothing latched yet."""
        self._config = config or OptimumStartConfig()
        self._latched: dict[tuple[Side, datetime, float], datetime] = {}

    @property
    def config(self) -> OptimumStartConfig:
        """The settings."""
        return self._config

    def clear(self) -> None:
        """Forget the early starts under way (a preset, an override, fail-safe, mode off)."""
        self._latched = {}

    def plan(
        self,
        now: datetime,
        schedule: Schedule,
        active: ActiveTarget,
        *,
        mode: HvacMode,
        sides: Collection[Side],
        temperature: float,
        outdoor: float | None,
        learner: RateLearner,
        running: Mapping[Side, timedelta],
    ) -> Plan:
        """The target for `now` given the schedule's answer `active` and the room's temperature."""
        if isinstance(active.rule, OverrideRule):
            self.clear()
            return Plan(target=active.target, preheat=None, wake_at=None, active=active)
        rises, wake = self._rises(now, schedule, active, [side for side in sides if mode in _MODES[side]])
        latched: dict[tuple[Side, datetime, float], datetime] = {}
        due: list[Preheat] = []
        planned: list[Preheat] = []
        bridge: Preheat | None = None
        max_lead = self._config.max_lead
        for rise in rises:
            key = (rise.side, rise.change_at, rise.setpoint)
            direction = 1.0 if rise.side is Side.HEAT else -1.0
            delta = direction * (rise.setpoint - temperature)
            estimate = learner.estimate(rise.side, indoor=(temperature + rise.setpoint) / 2, outdoor=outdoor)
            started = self._latched.get(key)
            if started is None:
                if delta <= 0:
                    continue
                warm = rise.change_at - lead_time(
                    delta, estimate, max_lead, running.get(rise.side, timedelta())
                )
                if now < warm:
                    planned.append(_preheat(rise, estimate, warm, active=False))
                    cold = rise.change_at - lead_time(delta, estimate, max_lead)
                    if bridge is None and now >= cold + (warm - cold) / 2:
                        bridge = planned[-1]
                    continue
                started = now
            latched[key] = started
            due.append(_preheat(rise, estimate, started, active=True))
        self._latched = latched
        moments = [item.starts_at for item in planned] + ([wake] if wake is not None else [])
        return self._choose(active, due, planned, min(moments, default=None), bridge)

    def start(self, plan: Plan, preheat: Preheat, now: datetime) -> Plan:
        """`plan` with the planned `preheat` started now (see `Plan.bridge`)."""
        self._latched[preheat.side, preheat.change_at, preheat.setpoint] = now
        started = replace(preheat, starts_at=now, active=True)
        planned = [item for item in plan.planned if item is not preheat]
        moments = [item.starts_at for item in planned]
        return self._choose(plan.active, [*plan.due, started], planned, min(moments, default=None), None)

    def _rises(
        self, now: datetime, schedule: Schedule, active: ActiveTarget, sides: list[Side]
    ) -> tuple[list[_Rise], datetime | None]:
        """Rises within the lead window, and when the next change beyond it enters the window."""
        rises: list[_Rise] = []
        horizon = now + self._config.max_lead
        moment, previous = active.next_change, active.target
        while moment is not None:
            if moment > horizon:
                return rises, moment - self._config.max_lead
            upcoming = schedule.evaluate(moment)
            if isinstance(upcoming.rule, OverrideRule):
                break
            for side in sides:
                setpoint, before = _setpoint(upcoming.target, side), _setpoint(previous, side)
                direction = 1.0 if side is Side.HEAT else -1.0
                if setpoint is not None and (before is None or direction * (setpoint - before) > 0):
                    rises.append(_Rise(side=side, change_at=moment, setpoint=setpoint, upcoming=upcoming))
            previous, moment = upcoming.target, upcoming.next_change
        return rises, None

    @staticmethod
    def _choose(
        active: ActiveTarget,
        due: list[Preheat],
        planned: list[Preheat],
        wake: datetime | None,
        bridge: Preheat | None,
    ) -> Plan:
        current = active.target
        heat, cool = current.heat, current.cool
        effective: list[Preheat] = []
        for preheat in sorted(due, key=lambda item: item.change_at):
            if preheat.side is Side.HEAT and (heat is None or preheat.setpoint > heat):
                heat = preheat.setpoint
                effective.append(preheat)
            elif preheat.side is Side.COOL and (cool is None or preheat.setpoint < cool):
                cool = preheat.setpoint
                effective.append(preheat)
        if not effective:
            target, shown = current, min(planned, key=lambda item: item.starts_at, default=None)
        else:
            shown = effective[-1]
            conflict = heat is not None and cool is not None and heat > cool
            target = shown.target if conflict else Target(heat=heat, cool=cool)
        return Plan(
            target=target,
            preheat=shown,
            wake_at=wake,
            active=active,
            bridge=bridge,
            due=tuple(due),
            planned=tuple(planned),
        )


def _preheat(rise: _Rise, estimate: RateEstimate, starts_at: datetime, *, active: bool) -> Preheat:
    return Preheat(
        side=rise.side,
        setpoint=rise.setpoint,
        target=rise.upcoming.target,
        change_at=rise.change_at,
        starts_at=starts_at,
        rate=estimate.rate,
        dead_time=estimate.dead_time,
        confidence=estimate.confidence,
        rule_id=rise.upcoming.rule_id,
        rule_name=rise.upcoming.rule_name,
        active=active,
    )


def _setpoint(target: Target, side: Side) -> float | None:
    return target.heat if side is Side.HEAT else target.cool
