"""Home Assistant restarts under every transport: entities from storage at once, values fresh after."""

from typing import Any

from homeassistant.const import STATE_UNAVAILABLE
from homeassistant.core import HomeAssistant
import pytest
from pytest_homeassistant_custom_component.common import MockConfigEntry

from custom_components.pyiot.hub.storage import storage_key
from tests.reliability.peers.states import temperature, temperature_entity, temperature_known
from tests.reliability.peers.transports import Peer, PeerCase
from tests.reliability.states import entry_devices
from tests.reliability.transports import ENTRY_ID, until


# A CoAP node's push before its first alive after the restart is dropped, with one line: its address is
# not stored (it is only restored with a fixed node port).
@pytest.mark.allow_pyiot_warnings
async def test_a_restart_restores_the_node_and_its_values_return(
    hass: HomeAssistant,
    peer_case: PeerCase,
    peer: Peer,
    peer_entry: MockConfigEntry,
    hass_storage: dict[str, Any],
) -> None:
    assert await hass.config_entries.async_setup(ENTRY_ID)
    await hass.async_block_till_done()
    await peer.arrive()
    await until(lambda: temperature_known(hass, peer_case, peer), tick=peer.tick, timeout=60)
    entity_id = temperature_entity(hass, peer_case, peer)

    # Home Assistant stops (the entry unloads and saves), then starts again; the node stays where it is.
    await peer_case.settle(peer_entry.runtime_data.transport)
    assert await hass.config_entries.async_unload(ENTRY_ID)
    await hass.async_block_till_done()
    assert len(hass_storage[storage_key(ENTRY_ID)]["data"]["nodes"]) == 1, "the node is in HA storage"
    peer.temperature = 18.5
    assert await hass.config_entries.async_setup(ENTRY_ID)
    await hass.async_block_till_done()

    assert len(entry_devices(hass)) == 1
    assert temperature_entity(hass, peer_case, peer) == entity_id, "the same entity, before the node speaks"
    assert temperature(hass, peer_case, peer) in {STATE_UNAVAILABLE, "18.5"}, "no stale value shown as live"
    await until(lambda: temperature(hass, peer_case, peer) == "18.5", tick=peer.tick, timeout=60)
    await peer_case.settle(peer_entry.runtime_data.transport)
    assert await hass.config_entries.async_unload(ENTRY_ID)
