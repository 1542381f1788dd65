"""Corrupt storage under every MQTT transport: setup never fails, bad records kept aside, nodes still work."""

from typing import Any

from homeassistant.config_entries import ConfigEntryState
from homeassistant.core import HomeAssistant
import pytest
from pytest_homeassistant_custom_component.common import MockConfigEntry

from custom_components.pyiot.hub.storage import storage_key
from tests.reliability.states import entry_devices, temperature_known
from tests.reliability.transports import ENTRY_ID, SimNode, TransportCase, until

CORRUPT_DOCUMENTS: list[Any] = [
    ["a list", "not a mapping"],
    {"n1": "a string record"},
    {"n1": {"info": {"node_id": "n1"}, "points": ["a string point"]}},
]


def stored(key: str, data: Any, version: int = 1) -> dict[str, Any]:
    return {"version": version, "minor_version": 2, "key": key, "data": data}


@pytest.mark.allow_pyiot_warnings
@pytest.mark.parametrize("nodes", CORRUPT_DOCUMENTS, ids=["list", "string-record", "string-point"])
async def test_setup_survives_corrupt_storage_and_keeps_it_aside(
    hass: HomeAssistant,
    case: TransportCase,
    mqtt_entry: MockConfigEntry,
    pyiot_entry: MockConfigEntry,
    node: SimNode,
    hass_storage: dict[str, Any],
    nodes: Any,
    caplog: pytest.LogCaptureFixture,
) -> None:
    hass_storage[storage_key(ENTRY_ID)] = stored(storage_key(ENTRY_ID), {"nodes": nodes})
    for key in case.storage_keys:  # the transport's own records, corrupt too
        hass_storage[key] = stored(key, {"version": 1, "devices": ["not a record", {"node_id": 5}]})

    assert await hass.config_entries.async_setup(ENTRY_ID)
    await hass.async_block_till_done()
    assert pyiot_entry.state is ConfigEntryState.LOADED
    for key in (storage_key(ENTRY_ID), *case.storage_keys):
        aside = [found for found in hass_storage if found.startswith(f"{key}.corrupt.")]
        assert len(aside) == 1, f"what {key} held is kept aside, under a key with the time"
        assert aside[0] in caplog.text, "the log line says where"
    assert "Traceback" not in caplog.text

    await node.appear()
    await until(lambda: temperature_known(hass, case), tick=node.tick)
    assert len(entry_devices(hass)) == 1
    assert await hass.config_entries.async_unload(ENTRY_ID)
