"""Home Assistant restarts under every MQTT transport: devices and entities at once, values asked at once."""

from typing import Any

from homeassistant.core import HomeAssistant
from pytest_homeassistant_custom_component.common import MockConfigEntry

from custom_components.pyiot.hub.storage import storage_key
from tests.reliability.states import entry_devices, state, temperature_known
from tests.reliability.transports import ENTRY_ID, SimNode, TransportCase, temperature_entity, until


async def test_a_restart_restores_the_node_and_asks_it_at_once(
    hass: HomeAssistant,
    case: TransportCase,
    mqtt_entry: MockConfigEntry,
    pyiot_entry: MockConfigEntry,
    node: SimNode,
    hass_storage: dict[str, Any],
) -> None:
    assert await hass.config_entries.async_setup(ENTRY_ID)
    await hass.async_block_till_done()
    await node.appear()
    await until(
        lambda: temperature_known(hass, case),
        tick=node.tick,
    )
    entity_id = temperature_entity(hass, case)

    # Home Assistant stops (the entry unloads and saves), then starts again.
    assert await hass.config_entries.async_unload(ENTRY_ID)
    await hass.async_block_till_done()
    stored = hass_storage[storage_key(ENTRY_ID)]["data"]["nodes"]
    assert len(stored) == 1, "the node is in HA storage"
    asked_before = node.mark()
    assert await hass.config_entries.async_setup(ENTRY_ID)
    await hass.async_block_till_done()

    assert len(entry_devices(hass)) == 1
    assert temperature_entity(hass, case) == entity_id, "the same entity, at once, before the node speaks"
    # The node is asked at setup: no waiting for its next periodic send (no `tick` here).
    await until(lambda: node.asked_since(asked_before))
    await node.answer(18.5)
    await until(lambda: state(hass, entity_id) == "18.5")
    assert await hass.config_entries.async_unload(ENTRY_ID)
