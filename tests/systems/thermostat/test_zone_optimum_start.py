"""Optimum start in Home Assistant: early start before a scheduled rise, learned-rate sensors, storage."""

from typing import Any

from freezegun.api import FrozenDateTimeFactory
from homeassistant.const import STATE_ON
from homeassistant.core import HomeAssistant
from homeassistant.util import dt as dt_util
import pytest
from pytest_homeassistant_custom_component.common import MockConfigEntry

from custom_components.pyiot.const import DOMAIN
from tests.systems.thermostat.conftest import NO_PROTECTION

CLIMATE = "climate.living_room"


@pytest.fixture
def zone_options() -> dict[str, Any]:
    """Optimum start on, 3 h at most; the sensors stay fresh for the simulated hours."""
    return {
        "protection": dict(NO_PROTECTION),
        "default_temperature": 18.0,
        "stale_minutes": 600,
        "optimum_start": True,
        "max_lead_minutes": 180,
    }


@pytest.fixture(autouse=True)
async def evening(hass: HomeAssistant, freezer: FrozenDateTimeFactory) -> None:
    """Wednesday 2026-11-18 05:00 local time."""
    await hass.config.async_set_time_zone("Europe/Paris")
    freezer.move_to(dt_util.as_utc(dt_util.parse_datetime("2026-11-18T05:00:00+01:00")))


async def test_starts_early_before_a_scheduled_rise(hass: HomeAssistant, zone: MockConfigEntry) -> None:
    # 19 °C now, 18 °C default: idle.
    assert hass.states.get("input_boolean.heater").state == "off"
    rate = hass.states.get("sensor.living_room_learned_heating_rate")
    assert rate.state == "unknown"  # nothing learned yet; the cautious default is an attribute
    assert rate.attributes["assumed_rate"] == 1.0
    assert rate.attributes["learned"] is False
    assert rate.attributes["confidence"] == 0

    await hass.services.async_call(
        DOMAIN,
        "add_rule",
        {
            "entity_id": CLIMATE,
            "rule_id": "morning",
            "name": "morning",
            "kind": "recurring",
            "weekdays": ["wed"],
            "start": "06:30",
            "end": "08:30",
            "temperature": 20.5,
        },
        blocking=True,
    )
    await hass.async_block_till_done()
    # Default rate 1 °C/h plus 10 min dead time: 1.5 °C takes 100 min, more than the 90 min left.
    state = hass.states.get(CLIMATE)
    assert state.attributes["temperature"] == 20.5
    assert hass.states.get("input_boolean.heater").state == STATE_ON
    decision = hass.states.get("sensor.living_room_decision")
    assert decision.state == "preheating"
    assert decision.attributes["explanation"].startswith("preheating: 19.0 °C, reaching 20.5 °C by 06:30")
    early = hass.states.get("sensor.living_room_early_start")
    assert early.attributes["active"] is True
    assert early.attributes["change_at"] == "2026-11-18T05:30:00+00:00"
    assert dt_util.parse_datetime(early.state) <= dt_util.utcnow()

    assert await hass.config_entries.async_unload(zone.entry_id)
    assert hass.states.get("sensor.living_room_early_start").state == "unavailable"


async def test_learned_rates_are_stored(
    hass: HomeAssistant, zone: MockConfigEntry, hass_storage: dict[str, Any]
) -> None:
    assert await hass.config_entries.async_unload(zone.entry_id)
    stored = hass_storage["pyiot.thermostat.01ZONE"]["data"]["controller"]
    assert set(stored) >= {"algorithm", "guards", "learning"}
