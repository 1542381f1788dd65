"""A two-week closed-loop simulation of optimum start, shared by its tests (and handy to print figures).

The room's heating rate depends on the outdoor temperature (fixed heater power, losses proportional to
the indoor-outdoor difference); the outdoor temperature swings daily and drifts across days. Optional
incidents: a window left open for some hours, the heater unavailable for a morning.
"""

from dataclasses import dataclass, field
from datetime import datetime, time, timedelta
import itertools
import math
import random
from zoneinfo import ZoneInfo

from thermal_model import Room

from custom_components.pyiot.core.thermostat import (
    HvacMode,
    Hysteresis,
    OptimumStartConfig,
    RateLearner,
    Reading,
    RecurringRule,
    RelayGuard,
    RunOutcome,
    Schedule,
    Side,
    Target,
    ThermostatController,
)

PARIS = ZoneInfo("Europe/Paris")
START = datetime(2026, 1, 5, tzinfo=PARIS)  # a Monday
STEP = timedelta(seconds=60)
RELAY_REPORT = timedelta(seconds=2)
ARRIVAL_MARGIN = 0.2
"""A rise is reached when the room first gets within this of the new setpoint."""
HEATER_POWER = 6.0  # °C/h
TAU_HOURS = 7.0
DELAY_HOURS = 8 / 60

SCHEDULE = Schedule(
    time_zone=PARIS,
    default=Target(heat=17),
    sensors={"living": 1},
    rules=[
        RecurringRule(
            rule_id="morning",
            name="weekday morning",
            target=Target(heat=21),
            weekdays=range(5),
            start=time(6, 30),
            end=time(8, 30),
        ),
        RecurringRule(
            rule_id="weekend", target=Target(heat=20), weekdays={5, 6}, start=time(8), end=time(22)
        ),
        RecurringRule(
            rule_id="evening", target=Target(heat=21), weekdays=range(7), start=time(17, 30), end=time(22, 30)
        ),
    ],
)


def outdoor_at(moment: datetime) -> float:
    """Coldest at 03:00, warmest at 15:00; the daily mean drifts between -3 and 7 °C over 6.5 days."""
    hours = (moment - START).total_seconds() / 3600
    mean = 2.0 + 5.0 * math.sin(2 * math.pi * hours / (24 * 6.5) + 0.3)
    return mean + 4.0 * math.cos(2 * math.pi * (hours - 15) / 24)


@dataclass(frozen=True, kw_only=True)
class Incident:
    """A window open (`window_tau_hours`) or the heater unavailable, from `start` for `duration`."""

    start: datetime
    duration: timedelta
    window_tau_hours: float | None = None

    def covers(self, moment: datetime) -> bool:
        return self.start <= moment < self.start + self.duration


@dataclass
class Result:
    samples: list[tuple[datetime, float]] = field(default_factory=list)
    outcomes: list[tuple[datetime, Side, RunOutcome]] = field(default_factory=list)
    preheats: list[tuple[datetime, datetime]] = field(default_factory=list)
    """(scheduled change, actual early start) of every preheat, as first reported active."""
    controller: ThermostatController | None = None
    room: Room | None = None


def simulate(
    days: int,
    *,
    optimum_start: OptimumStartConfig,
    incidents: tuple[Incident, ...] = (),
    learner: RateLearner | None = None,
) -> Result:
    limits = {"min_on": timedelta(minutes=2), "min_off": timedelta(minutes=2), "max_starts_per_hour": 10}
    controller = ThermostatController(
        schedule=SCHEDULE,
        algorithm=Hysteresis(),
        heaters={"radiator": RelayGuard(**limits)},
        optimum_start=optimum_start,
        learner=learner,
    )
    noise = random.Random(7)
    room = Room(
        temperature=17.0,
        outdoor=outdoor_at(START),
        tau_hours=TAU_HOURS,
        heat_rate=HEATER_POWER,
        delay_hours=DELAY_HOURS,
    )
    heater_on = False
    result = Result(controller=controller, room=room)
    now, end = START, START + timedelta(days=days)
    while now < end:
        window = next((i for i in incidents if i.window_tau_hours is not None and i.covers(now)), None)
        unavailable = any(i.window_tau_hours is None and i.covers(now) for i in incidents)
        room.window_tau_hours = window.window_tau_hours if window is not None else None
        if unavailable:
            heater_on = False
        sensed = round(room.temperature + noise.gauss(0, 0.05), 1)
        out = controller.step(
            now,
            {"living": Reading(value=sensed, updated=now)},
            Reading(value=round(outdoor_at(now), 1), updated=now),
            hvac_mode=HvacMode.HEAT,
            preset=None,
            relays_actual={"radiator": None if unavailable else heater_on},
        )
        if "radiator" in out.commands:
            heater_on = out.commands["radiator"]
        result.samples.append((now, room.temperature))
        result.outcomes.extend((now, side, outcome) for side, outcome in out.finished_runs.items())
        preheat = out.preheat
        if preheat is not None and preheat.active and preheat.change_at not in dict(result.preheats):
            result.preheats.append((preheat.change_at, preheat.starts_at))
        wake = now + (RELAY_REPORT if out.commands else STEP)
        if out.next_step is not None and out.next_step < wake:
            wake = out.next_step
        room.outdoor = outdoor_at(now)
        room.advance((wake - now).total_seconds(), heaters=int(heater_on))
        now = wake
    return result


def scheduled_rises(first_day: int, last_day: int) -> list[tuple[datetime, float]]:
    """(instant, new heat setpoint) of each scheduled rise from `first_day` to `last_day` (inclusive)."""
    begin = START + timedelta(days=first_day)
    segments = SCHEDULE.instructions(begin - timedelta(hours=1), 24 * (last_day - first_day + 1) + 1)
    return [
        (after.start, after.target.heat)
        for before, after in itertools.pairwise(segments)
        if after.target.heat > before.target.heat and after.start >= begin
    ]


def arrival_errors(result: Result, rises: list[tuple[datetime, float]]) -> dict[datetime, float]:
    """Minutes between reaching each rise's setpoint (within the margin) and its scheduled instant."""
    errors = {}
    for change, setpoint in rises:
        window = [
            (moment, temperature)
            for moment, temperature in result.samples
            if change - timedelta(hours=4) <= moment <= change + timedelta(hours=4)
        ]
        reached = next(
            (moment for moment, temperature in window if temperature >= setpoint - ARRIVAL_MARGIN), None
        )
        errors[change] = (reached - change).total_seconds() / 60 if reached is not None else math.inf
    return errors


def true_rate(indoor: float, outdoor: float) -> float:
    return HEATER_POWER - (indoor - outdoor) / TAU_HOURS
