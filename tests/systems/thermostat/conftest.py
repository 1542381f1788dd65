"""A thermostat zone on real HA entities: input_boolean relays, template temperature sensors."""

from collections.abc import AsyncGenerator
from typing import Any

from homeassistant.core import HomeAssistant
from homeassistant.setup import async_setup_component
import pytest
from pytest_homeassistant_custom_component.common import MockConfigEntry

from custom_components.pyiot.const import DOMAIN
from tests.support.entries import entry_loaded

ROOMS = ("office", "bedroom", "outdoor")

ZONE_DATA: dict[str, Any] = {
    "entry_type": "thermostat",
    "name": "Living room",
    "heaters": ["input_boolean.heater"],
    "coolers": [],
    "sensors": ["sensor.office_temperature", "sensor.bedroom_temperature"],
    "weights": {"sensor.office_temperature": 2.0, "sensor.bedroom_temperature": 1.0},
    "outdoor_sensor": "sensor.outdoor_temperature",
}
NO_PROTECTION = {"min_on_minutes": 0, "min_off_minutes": 0, "max_starts_per_hour": 0, "max_run_minutes": 0}


@pytest.fixture
async def equipment(hass: HomeAssistant) -> None:
    """Relays and temperature sensors a user already has."""
    await async_setup_component(hass, "homeassistant", {})
    assert await async_setup_component(
        hass,
        "input_number",
        {"input_number": {room: {"min": -50, "max": 100, "step": 0.1, "initial": 19} for room in ROOMS}},
    )
    assert await async_setup_component(hass, "input_boolean", {"input_boolean": {"heater": {}, "cooler": {}}})
    assert await async_setup_component(
        hass,
        "template",
        {
            "template": [
                {
                    "sensor": [
                        {
                            "name": f"{room.title()} temperature",
                            "unique_id": f"{room}_temperature",
                            "state": f"{{{{ states('input_number.{room}') }}}}",
                            "availability": f"{{{{ states('input_number.{room}') not in ['unknown'] }}}}",
                            "device_class": "temperature",
                            "unit_of_measurement": "°C",
                        }
                        for room in ROOMS
                    ],
                    # A relay whose state never follows its commands.
                    "switch": [
                        {
                            "name": "Stuck heater",
                            "state": "{{ false }}",
                            "turn_on": [{"delay": 0}],
                            "turn_off": [{"delay": 0}],
                        }
                    ],
                }
            ]
        },
    )
    await hass.async_block_till_done()


async def set_temperature(hass: HomeAssistant, room: str, value: float) -> None:
    """Move a room's sensor."""
    await hass.services.async_call(
        "input_number", "set_value", {"entity_id": f"input_number.{room}", "value": value}, blocking=True
    )
    await hass.async_block_till_done()


@pytest.fixture
def zone_options() -> dict[str, Any]:
    """Options of the zone under test (no protection delays, hysteresis)."""
    return {"protection": dict(NO_PROTECTION), "default_temperature": 20.0}


@pytest.fixture
def zone_entry(hass: HomeAssistant, zone_options: dict[str, Any]) -> MockConfigEntry:
    """The zone's entry, added but not set up."""
    entry = MockConfigEntry(
        domain=DOMAIN, title="Living room", data=dict(ZONE_DATA), options=zone_options, entry_id="01ZONE"
    )
    entry.add_to_hass(hass)
    return entry


@pytest.fixture
async def zone(
    hass: HomeAssistant, equipment: None, zone_entry: MockConfigEntry
) -> AsyncGenerator[MockConfigEntry]:
    """The zone set up on the equipment."""
    async for entry in entry_loaded(hass, zone_entry):
        yield entry
