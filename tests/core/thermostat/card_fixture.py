"""The engine's answer to the schedule card for one fixed zone: the fixture of the card's unit tests.

`python -m tests.core.thermostat.card_fixture` rewrites frontend/test/fixtures/state.json and
engine_keys.json;
test_card_fixture.py checks that the committed file is what the engine answers today.
"""
# ruff: noqa: DTZ001 - naive datetimes here are deliberate wall-clock times

from datetime import datetime, time, timedelta
import json
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

from custom_components.pyiot.core.thermostat import (
    CronRule,
    DatedRule,
    ExplanationCode,
    HoldPolicy,
    HvacMode,
    Hysteresis,
    Reading,
    RecurringRule,
    RelayGuard,
    Schedule,
    SourceKind,
    Target,
    ThermostatController,
    schedule_state,
)
from custom_components.pyiot.core.thermostat.editing import set_away

PARIS = ZoneInfo("Europe/Paris")
NOW = datetime(2026, 1, 7, 7, 15, tzinfo=PARIS)  # Wednesday
FIXTURE = Path(__file__).parents[3] / "frontend/test/fixtures/state.json"


def state() -> dict[str, Any]:
    schedule = Schedule(
        time_zone=PARIS,
        default=Target(heat=17),
        sensors={"sensor.living": 1},
        rules=[
            RecurringRule(
                rule_id="morning",
                name="weekday morning",
                target=Target(heat=21),
                weekdays=frozenset(range(5)),
                start=time(6, 30),
                end=time(8, 30),
            ),
            RecurringRule(
                rule_id="night", target=Target(heat=16), weekdays=frozenset({6}), start=time(22), end=time(6)
            ),
            CronRule(
                rule_id="bath", target=Target(heat=22), cron="0 19 * * SAT", duration=timedelta(hours=1)
            ),
            DatedRule.from_iso(
                "2026-01-09/2026-01-09", rule_id="day_off", name="day off", target=Target(heat=19)
            ),
        ],
    )
    schedule = set_away(schedule, datetime(2026, 1, 10, 9), datetime(2026, 1, 10, 18), Target(heat=12))
    controller = ThermostatController(
        schedule=schedule, algorithm=Hysteresis(), heaters={"switch.heater": RelayGuard()}
    )
    controller.set_manual_target(NOW, Target(heat=22))
    output = controller.step(
        NOW,
        {"sensor.living": Reading(value=19.5, updated=NOW)},
        None,
        hvac_mode=HvacMode.HEAT,
        preset=None,
        relays_actual={"switch.heater": False},
    )
    return schedule_state("climate.living_room", controller.schedule, NOW, output, hold=HoldPolicy())


def text() -> str:
    return json.dumps(state(), indent=2, sort_keys=True) + "\n"


ENGINE_KEYS = FIXTURE.parent / "engine_keys.json"


def engine_keys() -> str:
    """Every explanation code and source kind: the card must have words for each."""
    keys = {
        "explanations": [code.value for code in ExplanationCode],
        "sources": [kind.value for kind in SourceKind],
    }
    return json.dumps(keys, indent=2) + "\n"


if __name__ == "__main__":
    FIXTURE.write_text(text(), encoding="utf-8")
    ENGINE_KEYS.write_text(engine_keys(), encoding="utf-8")
