"""One thermostat zone: schedule + sensors + decision algorithm + protected relays.

`ThermostatController.step` is what the Home Assistant climate entity calls on every sensor change,
relay change, mode/preset change and at the latest at `ControlOutput.next_step`. Each step:

1. the schedule gives the target, rule and sensor set; a preset (`preset` not None) replaces the
   scheduled *target* only (sensors still follow the schedule); `preset=None` follows the schedule;
   with optimum start enabled, the upcoming scheduled setpoint replaces it from its computed start
   (see `optimum_start`; never under a preset, an override, in fail-safe or in mode off);
2. the sensors are aggregated; if none is usable the fail-safe takes over (never a held last value):
   `off` switches everything off, `frost_protection` heats a fixed share of each cycle (heat and
   heat_cool modes only);
3. the algorithm turns temperature and target into a demand; every heater follows the heating demand
   and every cooler the cooling demand, each through its own `RelayGuard`. Nothing bypasses the guards,
   not even the fail-safe: equipment held on by its minimum on time stays on until that has passed.
   The algorithms never ask for heating and cooling together, and a side waits (interlock) while the
   other is still held on; only equipment switched on by hand on both sides can be held on together;
4. commands are produced only for relays whose state must change, re-sent per `RetryPolicy`;
5. the run of each side is followed and, when it ends, measured and offered to the `RateLearner`
   (see `run_tracker`), whether or not early starts are enabled.
"""

from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from enum import StrEnum
import math
from typing import Any

from .aggregation import AggregateMethod, DropReason, Reading, aggregate, read_value
from .clock import require_aware
from .decision import IDLE, DecisionAlgorithm, Demand, Side
from .decision.duty_cycle import DutyCycle
from .errors import ScheduleError
from .explanation import Explanation, ExplanationCode
from .hold import HoldPolicy
from .learning import RateEstimate, RateLearner, RunMeasurement, RunOutcome
from .modes import HvacAction, HvacMode
from .optimum_start import OptimumStart, OptimumStartConfig, Plan, Preheat
from .protection import GuardDecision, GuardReason, RelayGuard, RetryPolicy
from .run_tracker import RunTracker, SideObservation
from .schedule import ActiveTarget, Schedule
from .source import ActiveSource, active_source
from .target import Target


class Preset(StrEnum):
    """Usual preset names (same values as Home Assistant's); any other name may be configured too."""

    AWAY = "away"
    ECO = "eco"
    COMFORT = "comfort"
    SLEEP = "sleep"
    BOOST = "boost"


class FailSafeMode(StrEnum):
    """What to do when no sensor gives a usable temperature."""

    OFF = "off"
    FROST_PROTECTION = "frost_protection"


@dataclass(frozen=True, kw_only=True, slots=True)
class FailSafeConfig:
    """Fail-safe behaviour; `duty` is the heated share of each `cycle` in frost protection."""

    mode: FailSafeMode = FailSafeMode.OFF
    duty: float = 0.2
    cycle: timedelta = timedelta(minutes=20)

    def __post_init__(self) -> None:
        """Validate duty (0..1) and cycle (positive)."""
        if (
            isinstance(self.duty, bool)
            or not isinstance(self.duty, int | float)
            or not 0.0 <= self.duty <= 1.0
        ):
            raise ScheduleError("invalid_setting", {"setting": "fail_safe.duty", "value": self.duty})
        if not isinstance(self.cycle, timedelta) or self.cycle <= timedelta():
            raise ScheduleError("invalid_setting", {"setting": "fail_safe.cycle", "value": self.cycle})
        object.__setattr__(self, "mode", FailSafeMode(self.mode))


@dataclass(frozen=True, kw_only=True, slots=True)
class AggregationConfig:
    """How sensors are combined and when a reading is too old or absurd to use."""

    method: AggregateMethod = AggregateMethod.WEIGHTED_MEAN
    stale_after: timedelta = timedelta(minutes=30)
    bounds: tuple[float, float] = (-50.0, 100.0)

    def __post_init__(self) -> None:
        """Validate the staleness limit and the bounds."""
        if not isinstance(self.stale_after, timedelta) or self.stale_after <= timedelta():
            raise ScheduleError("invalid_setting", {"setting": "stale_after", "value": self.stale_after})
        low, high = self.bounds
        if not (math.isfinite(low) and math.isfinite(high) and low < high):
            raise ScheduleError("invalid_setting", {"setting": "bounds", "value": self.bounds})
        object.__setattr__(self, "method", AggregateMethod(self.method))


@dataclass(frozen=True, kw_only=True, slots=True)
class ControlOutput:
    """Everything one step decided, for the climate entity's state and attributes.

    `commands` holds only relays to switch now. `relays` has each available relay's guarded decision.
    `target` is the effective target (preset, schedule, or the upcoming scheduled setpoint during an
    early start); `schedule` is the schedule's own answer. `next_step` is the latest instant at which
    `step` should be called again (None: on events only).

    `preheat` is the early start in force (`active`) or the next one planned within the maximum lead;
    `rates` the learned (or default) rate of each side that has equipment, at the current indoor and
    outdoor temperatures; `finished_runs` what became of the runs that ended at this step.
    """

    commands: dict[str, bool]
    hvac_action: HvacAction
    current_temperature: float | None
    outdoor_temperature: float | None
    target: Target
    preset: str | None
    schedule: ActiveTarget
    sensors: dict[str, float]
    dropped: dict[str, DropReason]
    demand: Demand
    relays: dict[str, GuardDecision]
    failed_relays: tuple[str, ...]
    unavailable_relays: tuple[str, ...]
    fail_safe_active: bool
    explanation: Explanation
    source: ActiveSource
    next_step: datetime | None
    preheat: Preheat | None = None
    rates: dict[Side, RateEstimate] = field(default_factory=dict)
    finished_runs: dict[Side, RunOutcome] = field(default_factory=dict)

    @property
    def preheat_starts_at(self) -> datetime | None:
        """When the early start began or is planned to begin (None: none within the maximum lead)."""
        return self.preheat.starts_at if self.preheat is not None else None

    @property
    def rule_id(self) -> str | None:
        """Id of the schedule rule in force (None: default target)."""
        return self.schedule.rule_id

    @property
    def rule_name(self) -> str | None:
        """Name of the schedule rule in force (None: default target)."""
        return self.schedule.rule_name

    @property
    def next_change(self) -> datetime | None:
        """When the schedule next changes (None: not within its look-ahead)."""
        return self.schedule.next_change


@dataclass(kw_only=True, slots=True)
class _Relay:
    side: Side
    guard: RelayGuard
    retry: RetryPolicy


@dataclass(frozen=True, kw_only=True, slots=True)
class _Step:
    """What `_explain` needs to know about one step."""

    now: datetime
    mode: HvacMode
    fail_safe: bool
    demand: Demand
    decisions: Mapping[str, GuardDecision]
    current: float | None
    target: Target
    preset: str | None
    active: ActiveTarget
    source: ActiveSource
    preheat: Preheat | None


class ThermostatController:
    """A zone's control loop; see the module docstring."""

    def __init__(
        self,
        *,
        schedule: Schedule,
        algorithm: DecisionAlgorithm,
        heaters: Mapping[str, RelayGuard] | None = None,
        coolers: Mapping[str, RelayGuard] | None = None,
        aggregation: AggregationConfig | None = None,
        fail_safe: FailSafeConfig | None = None,
        presets: Mapping[str, Target] | None = None,
        retry_policy: Callable[[], RetryPolicy] = RetryPolicy,
        optimum_start: OptimumStartConfig | None = None,
        learner: RateLearner | None = None,
        hold: HoldPolicy | None = None,
    ) -> None:
        """Relay ids must be unique across heaters and coolers; presets must respect the schedule limits.

        `optimum_start` defaults to early starts disabled (learning on); `learner` to an empty one;
        `hold` (how long a manual setpoint lasts) to `HoldPolicy()`.
        """
        heaters, coolers = dict(heaters or {}), dict(coolers or {})
        if shared := set(heaters) & set(coolers):
            raise ScheduleError("invalid_setting", {"setting": "relays", "value": sorted(shared)})
        self._relays = {
            relay_id: _Relay(side=Side.HEAT, guard=guard, retry=retry_policy())
            for relay_id, guard in heaters.items()
        }
        self._relays |= {
            relay_id: _Relay(side=Side.COOL, guard=guard, retry=retry_policy())
            for relay_id, guard in coolers.items()
        }
        self._algorithm = algorithm
        self._aggregation = aggregation or AggregationConfig()
        self._fail_safe = fail_safe or FailSafeConfig()
        self._frost = DutyCycle(self._fail_safe.cycle)
        self._schedule = schedule
        self._presets = self._checked_presets(presets or {}, schedule)
        self._optimum = OptimumStart(optimum_start)
        self._learner = learner or RateLearner()
        self._trackers = self._new_trackers()
        self.hold = hold or HoldPolicy()

    def _new_trackers(self) -> dict[Side, RunTracker]:
        sides = {relay.side for relay in self._relays.values()}
        min_gap = self._learner.settings.min_gap
        return {side: RunTracker(side, min_gap=min_gap) for side in Side if side in sides}

    @staticmethod
    def _checked_presets(presets: Mapping[str, Target], schedule: Schedule) -> dict[str, Target]:
        for target in presets.values():
            schedule.limits.check(target)
        return dict(presets)

    @property
    def schedule(self) -> Schedule:
        """The schedule in force; assign a new one to change it (presets are re-checked)."""
        return self._schedule

    @schedule.setter
    def schedule(self, schedule: Schedule) -> None:
        self._checked_presets(self._presets, schedule)
        self._schedule = schedule

    @property
    def algorithm(self) -> DecisionAlgorithm:
        """The decision algorithm."""
        return self._algorithm

    @property
    def learner(self) -> RateLearner:
        """What was learned about the zone's rates; assign a restored one (runs under way are dropped)."""
        return self._learner

    @learner.setter
    def learner(self, learner: RateLearner) -> None:
        self._learner = learner
        self._trackers = self._new_trackers()

    @property
    def optimum_start(self) -> OptimumStartConfig:
        """The optimum start settings."""
        return self._optimum.config

    @property
    def presets(self) -> dict[str, Target]:
        """Configured presets by name."""
        return dict(self._presets)

    @property
    def heaters(self) -> tuple[str, ...]:
        """Heater relay ids."""
        return tuple(relay_id for relay_id, relay in self._relays.items() if relay.side is Side.HEAT)

    @property
    def coolers(self) -> tuple[str, ...]:
        """Cooler relay ids."""
        return tuple(relay_id for relay_id, relay in self._relays.items() if relay.side is Side.COOL)

    def guard(self, relay_id: str) -> RelayGuard:
        """The guard of one relay (KeyError if unknown)."""
        return self._relays[relay_id].guard

    def set_manual_target(self, now: datetime, target: Target, duration: timedelta | None = None) -> Schedule:
        """Apply a manual setting (the UI's set_temperature) as the schedule's override.

        Returns the new schedule, for storage. Without `duration` it lasts as `hold` says: until the next
        scheduled change within a day, else for the default hold.
        """
        self.schedule = self._schedule.with_override(now, target, duration=duration, hold=self.hold)
        return self._schedule

    def resume_schedule(self) -> Schedule:
        """Drop every override (the "Schedule" preset); returns the new schedule, for storage.

        The caller also stops applying a preset (`step(preset=None)`).
        """
        self.schedule = self._schedule.without_overrides()
        return self._schedule

    # --- the control step --------------------------------------------------------------------------

    def step(
        self,
        now: datetime,
        readings: Mapping[str, Reading],
        outdoor: Reading | None,
        *,
        hvac_mode: HvacMode,
        preset: str | None,
        relays_actual: Mapping[str, bool | None],
    ) -> ControlOutput:
        """Run one control step; see the module docstring.

        A relay missing from `relays_actual` (or None) is unavailable: it gets no command and its guard is
        left untouched.
        """
        require_aware(now)
        mode = HvacMode(hvac_mode)
        active = self._schedule.evaluate(now)
        if preset is not None and preset not in self._presets:
            raise ScheduleError("unknown_preset", {"preset": preset})
        target = self._presets[preset] if preset is not None else active.target
        settings = self._aggregation
        measured = aggregate(
            readings,
            active.sensors,
            settings.method,
            now=now,
            stale_after=settings.stale_after,
            bounds=settings.bounds,
        )
        outdoor_value = read_value(outdoor, now, settings.stale_after, settings.bounds)
        outdoor_temperature = outdoor_value if isinstance(outdoor_value, float) else None
        plan = self._plan(now, mode, preset, active, temperature=measured.value, outdoor=outdoor_temperature)
        if plan is not None:
            target = plan.target

        actual = {relay_id: relays_actual.get(relay_id) for relay_id in self._relays}
        for relay_id, state in actual.items():
            if state is not None:
                self._relays[relay_id].guard.record(now, state)

        fail_safe = mode is not HvacMode.OFF and measured.value is None
        if mode is HvacMode.OFF:
            self._algorithm.reset()
            self._frost.restart()
            demand = IDLE
        elif measured.value is None:
            demand = self._fail_safe_demand(now, mode)  # the algorithm keeps its state for the recovery
        else:
            self._frost.restart()
            demand = self._algorithm.decide(now, mode, measured.value, target, outdoor_temperature)
            if plan is not None and plan.bridge is not None and not _wants(demand, plan.bridge.side):
                # Running equipment would stop just before its early start: start it now instead.
                plan = self._optimum.start(plan, plan.bridge, now)
                target = plan.target
                demand = self._algorithm.decide(now, mode, measured.value, target, outdoor_temperature)

        decisions = self._guarded(now, demand, actual)
        commands = {
            relay_id: decision.on
            for relay_id, decision in decisions.items()
            if self._relays[relay_id].retry.should_send(now, decision.on, bool(actual[relay_id]))
        }
        action = self._action(mode, decisions)
        preheat = plan.preheat if plan is not None else None
        finished = self._observe(
            now,
            mode,
            temperature=measured.value,
            sensors=frozenset(measured.contributions),
            outdoor=outdoor_temperature,
            target=target,
            demand=demand,
            actual=actual,
        )
        source = active_source(preset, active, now, self._schedule.time_zone)
        explanation = self._explain(
            _Step(
                now=now,
                mode=mode,
                fail_safe=fail_safe,
                demand=demand,
                decisions=decisions,
                current=measured.value,
                target=target,
                preset=preset,
                active=active,
                source=source,
                preheat=preheat,
            )
        )
        pending = [relay.retry.next_attempt for relay in self._relays.values()]
        candidates = [
            active.next_change,
            demand.review_at,
            measured.valid_until,
            *(decision.wait_until for decision in decisions.values()),
            *pending,
            plan.wake_at if plan is not None else None,
        ]
        upcoming = [moment for moment in candidates if moment is not None and moment > now]
        return ControlOutput(
            commands=commands,
            hvac_action=action,
            current_temperature=measured.value,
            outdoor_temperature=outdoor_temperature,
            target=target,
            preset=preset,
            schedule=active,
            sensors=measured.contributions,
            dropped=measured.dropped,
            demand=demand,
            relays=decisions,
            failed_relays=tuple(relay_id for relay_id, relay in self._relays.items() if relay.retry.failed),
            unavailable_relays=tuple(relay_id for relay_id, state in actual.items() if state is None),
            fail_safe_active=fail_safe,
            explanation=explanation,
            source=source,
            next_step=min(upcoming, default=None),
            preheat=preheat,
            rates={
                side: self._learner.estimate(side, indoor=measured.value, outdoor=outdoor_temperature)
                for side in self._trackers
            },
            finished_runs=finished,
        )

    def _plan(
        self,
        now: datetime,
        mode: HvacMode,
        preset: str | None,
        active: ActiveTarget,
        *,
        temperature: float | None,
        outdoor: float | None,
    ) -> Plan | None:
        """Optimum start's target, or None when early starts are disabled or not allowed now."""
        if (
            not self._optimum.config.enabled
            or preset is not None
            or mode is HvacMode.OFF
            or temperature is None
        ):
            self._optimum.clear()
            return None
        running = {
            side: now - tracker.on_since
            for side, tracker in self._trackers.items()
            if tracker.on_since is not None
        }
        return self._optimum.plan(
            now,
            self._schedule,
            active,
            mode=mode,
            sides=tuple(self._trackers),
            temperature=temperature,
            outdoor=outdoor,
            learner=self._learner,
            running=running,
        )

    def _observe(
        self,
        now: datetime,
        mode: HvacMode,
        *,
        temperature: float | None,
        sensors: frozenset[str],
        outdoor: float | None,
        target: Target,
        demand: Demand,
        actual: Mapping[str, bool | None],
    ) -> dict[Side, RunOutcome]:
        """Follow each side's run; a run that ends is measured and, if learning, offered to the learner."""
        finished: dict[Side, RunOutcome] = {}
        for side, tracker in self._trackers.items():
            relays = [relay_id for relay_id, relay in self._relays.items() if relay.side is side]
            heat = side is Side.HEAT
            wanted = demand.heat if heat else demand.cool
            result = tracker.update(
                SideObservation(
                    now=now,
                    mode=mode,
                    temperature=temperature,
                    outdoor=outdoor,
                    setpoint=target.heat if heat else target.cool,
                    sensors=sensors,
                    relays=[actual[relay_id] for relay_id in relays],
                    wanted=wanted,
                    active=wanted or (demand.heat_duty if heat else demand.cool_duty) > 0,
                    failed=any(self._relays[relay_id].retry.failed for relay_id in relays),
                )
            )
            if result is None or not self._optimum.config.learn:
                continue
            if isinstance(result, RunMeasurement):
                finished[side] = self._learner.add_run(result)
            else:
                self._learner.note(side, result)
                finished[side] = result
        return finished

    def _fail_safe_demand(self, now: datetime, mode: HvacMode) -> Demand:
        settings = self._fail_safe
        if settings.mode is FailSafeMode.OFF or mode not in {HvacMode.HEAT, HvacMode.HEAT_COOL}:
            self._frost.restart()
            return IDLE
        on, duty, review_at = self._frost.update(now, 0.0, lambda: settings.duty)
        return Demand(heat=on, heat_duty=duty, review_at=review_at)

    def _guarded(
        self, now: datetime, demand: Demand, actual: Mapping[str, bool | None]
    ) -> dict[str, GuardDecision]:
        wanted = {Side.HEAT: demand.heat, Side.COOL: demand.cool}
        available = {
            relay_id: relay for relay_id, relay in self._relays.items() if actual[relay_id] is not None
        }
        decisions = {
            relay_id: relay.guard.decide(now, wanted[relay.side]) for relay_id, relay in available.items()
        }
        for side in Side:
            other_on = [
                decision.wait_until
                for relay_id, decision in decisions.items()
                if decision.on and available[relay_id].side is not side
            ]
            if not wanted[side] or not other_on:
                continue
            # The other side is held on against the demand (minimum on time): this side waits.
            held_until = max((moment for moment in other_on if moment is not None), default=None)
            for relay_id, relay in available.items():
                if relay.side is side:
                    decision = relay.guard.decide(now, wanted_on=False)
                    if not decision.on:
                        decision = GuardDecision(
                            on=False, reason=GuardReason.INTERLOCK, wait_until=held_until
                        )
                    decisions[relay_id] = decision
        return decisions

    def _action(self, mode: HvacMode, decisions: Mapping[str, GuardDecision]) -> HvacAction:
        sides_on = self._sides_on(decisions)
        if Side.HEAT in sides_on:
            return HvacAction.HEATING
        if Side.COOL in sides_on:
            return HvacAction.COOLING
        return HvacAction.OFF if mode is HvacMode.OFF else HvacAction.IDLE

    def _explain(self, step: _Step) -> Explanation:
        if step.fail_safe:
            if self._fail_safe.mode is FailSafeMode.FROST_PROTECTION and step.mode is not HvacMode.COOL:
                duty = f"{self._fail_safe.duty * 100:.0f}"
                return Explanation(code=ExplanationCode.FAIL_SAFE_FROST, placeholders={"duty": duty})
            return Explanation(code=ExplanationCode.FAIL_SAFE_OFF)
        if (waiting := self._explain_guards(step)) is not None:
            return waiting
        if step.mode is HvacMode.OFF or step.current is None:
            return Explanation(code=ExplanationCode.OFF)
        return self._explain_control(step, step.current)

    def _explain_guards(self, step: _Step) -> Explanation | None:
        """A relay held on by its minimum on time, or a wanted side that a guard keeps off."""
        ordered = sorted(step.decisions.items())
        for relay_id, decision in ordered:
            if decision.reason is GuardReason.MIN_ON:
                return _waiting(decision.reason, decision.wait_until, self._relays[relay_id].side, step.now)
        sides_on = self._sides_on(step.decisions)
        for side, wanted in ((Side.HEAT, step.demand.heat), (Side.COOL, step.demand.cool)):
            if wanted and side not in sides_on:
                for relay_id, decision in ordered:
                    if decision.reason is not None and self._relays[relay_id].side is side:
                        return _waiting(decision.reason, decision.wait_until, side, step.now)
        return None

    def _explain_control(self, step: _Step, current: float) -> Explanation:
        target = step.target
        placeholders = {"current": f"{current:.1f}"} | _source_placeholders(step.source)
        sides_on = self._sides_on(step.decisions)
        preheat = step.preheat
        if preheat is not None and preheat.active and sides_on <= {preheat.side}:
            return self._explain_preheat(preheat, current)
        if Side.HEAT in sides_on and target.heat is not None:
            code = ExplanationCode.HEATING if current < target.heat else ExplanationCode.HEATING_HOLD
            return Explanation(code=code, placeholders=placeholders | {"target": f"{target.heat:.1f}"})
        if Side.COOL in sides_on and target.cool is not None:
            code = ExplanationCode.COOLING if current > target.cool else ExplanationCode.COOLING_HOLD
            return Explanation(code=code, placeholders=placeholders | {"target": f"{target.cool:.1f}"})
        if step.mode is HvacMode.HEAT_COOL:
            shown = "-".join(f"{value:.1f}" for value in target.setpoints())
        else:
            setpoint = target.heat if step.mode is HvacMode.HEAT else target.cool
            if setpoint is None:
                side = {"side": step.mode.value}
                return Explanation(code=ExplanationCode.NO_SETPOINT, placeholders=placeholders | side)
            shown = f"{setpoint:.1f}"
        return Explanation(code=ExplanationCode.IDLE, placeholders=placeholders | {"target": shown})

    def _explain_preheat(self, preheat: Preheat, current: float) -> Explanation:
        code = ExplanationCode.PREHEATING if preheat.side is Side.HEAT else ExplanationCode.PRECOOLING
        change = preheat.change_at.astimezone(self._schedule.time_zone)
        source = (
            {"source_type": "schedule", "source": preheat.rule_name}
            if preheat.rule_name is not None
            else {"source_type": "default", "source": ""}
        )
        return Explanation(
            code=code,
            placeholders={
                "current": f"{current:.1f}",
                "target": f"{preheat.setpoint:.1f}",
                "time": f"{change:%H:%M}",
                "minutes": str(round(preheat.lead.total_seconds() / 60)),
                "rate": f"{preheat.rate:.1f}",
            }
            | source,
        )

    def _sides_on(self, decisions: Mapping[str, GuardDecision]) -> set[Side]:
        return {self._relays[relay_id].side for relay_id, decision in decisions.items() if decision.on}

    # --- persistence -------------------------------------------------------------------------------

    def state_dict(self) -> dict[str, Any]:
        """Algorithm, relay-guard history and learned rates, JSON-ready, so they survive restarts."""
        return {
            "algorithm": {"name": self._algorithm.name, "state": self._algorithm.state_dict()},
            "guards": {relay_id: relay.guard.state_dict() for relay_id, relay in self._relays.items()},
            "learning": self._learner.to_dict(),
        }

    def load_state(self, data: Any) -> None:
        """Restore `state_dict` output; malformed data raises `ScheduleError("invalid_data")`.

        Guards of unknown relays and the state of a different algorithm are ignored; so is missing
        "learning" (data saved before optimum start existed).
        """
        if not isinstance(data, dict) or not isinstance(data.get("guards"), dict):
            raise ScheduleError("invalid_data", {"reason": "controller state"})
        algorithm = data.get("algorithm")
        if not isinstance(algorithm, dict):
            raise ScheduleError("invalid_data", {"reason": "algorithm state"})
        learning = (
            RateLearner.from_dict(data["learning"], self._learner.settings) if "learning" in data else None
        )
        for relay_id, state in data["guards"].items():
            if relay_id in self._relays:
                self._relays[relay_id].guard.load_state(state)
        if algorithm.get("name") == self._algorithm.name:
            self._algorithm.load_state(algorithm.get("state"))
        if learning is not None:
            self.learner = learning


def _wants(demand: Demand, side: Side) -> bool:
    return demand.heat if side is Side.HEAT else demand.cool


def _source_placeholders(source: ActiveSource) -> dict[str, str]:
    return {
        "source_type": source.kind.value,
        "source": source.placeholders.get("name", ""),
        "until": source.placeholders.get("until", ""),
    }


_WAITING_CODES = {
    GuardReason.MIN_OFF: ExplanationCode.WAITING_MIN_OFF,
    GuardReason.MAX_STARTS: ExplanationCode.WAITING_MAX_STARTS,
    GuardReason.INTERLOCK: ExplanationCode.WAITING_INTERLOCK,
    GuardReason.MAX_RUN: ExplanationCode.RESTING_MAX_RUN,
    GuardReason.MIN_ON: ExplanationCode.HOLDING_MIN_ON,
}


def _waiting(reason: GuardReason, until: datetime | None, side: Side, now: datetime) -> Explanation:
    left = (until - now).total_seconds() if until is not None else 0.0
    other = "cooling" if side is Side.HEAT else "heating"
    return Explanation(
        code=_WAITING_CODES[reason],
        placeholders={"minutes": str(max(1, math.ceil(left / 60))), "other": other, "side": side.value},
    )
