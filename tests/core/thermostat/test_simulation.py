"""Closed-loop simulation: a thermal room model driven by the controller for several days."""

from dataclasses import dataclass, field
from datetime import datetime, time, timedelta
import math
import random
from zoneinfo import ZoneInfo

import pytest
from relay_limits import violations
from thermal_model import Room

from custom_components.pyiot.core.thermostat import (
    HvacMode,
    Reading,
    RecurringRule,
    RelayGuard,
    Schedule,
    Target,
    ThermostatController,
    create_algorithm,
)

PARIS = ZoneInfo("Europe/Paris")
START = datetime(2026, 1, 9, tzinfo=PARIS)  # a Friday: covers weekday and weekend blocks
DAYS = 4
STEP = timedelta(seconds=30)
RELAY_REPORT = timedelta(seconds=2)  # Home Assistant sees the relay's new state shortly after a command
TOLERANCE = 0.6
WARM_UP = timedelta(hours=2)
COOL_DOWN = timedelta(hours=4)
LIMITS = {
    "min_on": timedelta(minutes=2),
    "min_off": timedelta(minutes=2),
    "max_starts_per_hour": 10,
    "max_run": timedelta(minutes=90),
}

# Tuned for the simulated room (TPI: c_ext matched to its losses; a 10-minute cycle keeps the starts
# per hour within the limit). Hysteresis and PID use their defaults.
PARAMETERS = {"hysteresis": {}, "tpi": {"c_int": 0.6, "c_ext": 0.02, "cycle_minutes": 10}, "pid": {}}

WEEKLY = Schedule(
    time_zone=PARIS,
    default=Target(heat=17),
    sensors={"living": 2, "hall": 1},
    rules=[
        RecurringRule(
            rule_id="morning", target=Target(heat=21), weekdays=range(5), start=time(6), end=time(9)
        ),
        RecurringRule(
            rule_id="evening", target=Target(heat=20.5), weekdays=range(7), start=time(17), end=time(23)
        ),
        RecurringRule(
            rule_id="weekend", target=Target(heat=20), weekdays={5, 6}, start=time(8), end=time(17)
        ),
        RecurringRule(
            rule_id="night", target=Target(heat=16), weekdays=range(7), start=time(23), end=time(5, 30)
        ),
    ],
)


def outdoor_at(moment: datetime) -> float:
    hours = (moment - START).total_seconds() / 3600
    return 5.0 + 4.0 * math.sin(2 * math.pi * (hours - 9) / 24)


@dataclass
class Run:
    samples: list[tuple[datetime, float, float]] = field(default_factory=list)  # (time, room, target)
    changes: dict[str, list[tuple[datetime, bool]]] = field(default_factory=dict)
    steps: int = 0


def simulate(algorithm_name: str) -> Run:
    controller = ThermostatController(
        schedule=WEEKLY,
        algorithm=create_algorithm(algorithm_name, PARAMETERS[algorithm_name]),
        heaters={"radiator": RelayGuard(**LIMITS), "floor": RelayGuard(**LIMITS)},
    )
    noise = random.Random(42)
    room = Room(temperature=16.0, outdoor=outdoor_at(START), heat_rate=4.0)  # per heater
    relays = {"radiator": False, "floor": False}
    run = Run(changes={relay: [(START, False)] for relay in relays})
    now, end = START, START + timedelta(days=DAYS)
    while now < end:
        readings = {
            sensor: Reading(value=round(room.temperature + noise.gauss(0, 0.05), 2), updated=now)
            for sensor in ("living", "hall")
        }
        out = controller.step(
            now,
            readings,
            Reading(value=outdoor_at(now), updated=now),
            hvac_mode=HvacMode.HEAT,
            preset=None,
            relays_actual=relays,
        )
        run.steps += 1
        for relay, state in out.commands.items():
            relays[relay] = state
            run.changes[relay].append((now, state))
        run.samples.append((now, room.temperature, out.target.heat))
        wake = now + (RELAY_REPORT if out.commands else STEP)
        if out.next_step is not None and out.next_step < wake:
            wake = out.next_step
        room.outdoor = outdoor_at(now)
        room.advance((wake - now).total_seconds(), heaters=sum(relays.values()))
        now = wake
    return run


def off_target(run: Run) -> list[str]:
    problems = []
    last_rise = last_fall = START - timedelta(days=1)
    previous = None
    for moment, temperature, target in run.samples:
        if previous is not None and target > previous:
            last_rise = moment
        if previous is not None and target < previous:
            last_fall = moment
        previous = target
        if moment - last_rise >= WARM_UP and temperature < target - TOLERANCE:
            problems.append(f"{moment:%a %H:%M} {temperature:.2f} °C below {target} °C")
        if moment - last_fall >= COOL_DOWN and temperature > target + TOLERANCE:
            problems.append(f"{moment:%a %H:%M} {temperature:.2f} °C above {target} °C")
    return problems


@pytest.mark.parametrize("algorithm_name", ["hysteresis", "tpi", "pid"])
def test_room_follows_the_weekly_schedule_within_protection_limits(algorithm_name):
    run = simulate(algorithm_name)
    assert off_target(run) == []
    for relay, changes in run.changes.items():
        assert violations(changes, end=START + timedelta(days=DAYS), **LIMITS) == [], relay
        assert len(changes) > 10, "the heater should have cycled"
    assert run.steps < 3 * DAYS * 2880
