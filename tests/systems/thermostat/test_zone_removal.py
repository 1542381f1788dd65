"""Removing a zone deletes what it stored, by key, even when its options no longer build a zone."""

from typing import Any

from homeassistant.core import HomeAssistant
from pytest_homeassistant_custom_component.common import MockConfigEntry

from custom_components.pyiot.const import DOMAIN, ENTRY_VERSION


async def test_remove_with_options_that_do_not_build_a_zone(
    hass: HomeAssistant, hass_storage: dict[str, Any]
) -> None:
    entry = MockConfigEntry(
        domain=DOMAIN,
        title="Broken",
        data={"entry_type": "thermostat", "name": "Broken", "heaters": [], "sensors": []},
        options={"algorithm": "no_such_algorithm", "presets": "not a mapping"},
        version=ENTRY_VERSION,
    )
    entry.add_to_hass(hass)
    key = f"pyiot.thermostat.{entry.entry_id}"
    hass_storage[key] = {"version": 1, "minor_version": 1, "key": key, "data": {"schedule": "garbage"}}

    assert await hass.config_entries.async_remove(entry.entry_id) == {"require_restart": False}
    await hass.async_block_till_done()
    assert key not in hass_storage
