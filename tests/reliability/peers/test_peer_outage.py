"""The peer of every transport goes away and comes back: unavailable while gone, fresh soon after."""

from homeassistant.const import STATE_UNAVAILABLE
from homeassistant.core import HomeAssistant
from pytest_homeassistant_custom_component.common import MockConfigEntry

from tests.reliability.peers.states import temperature, temperature_known
from tests.reliability.peers.transports import Peer, PeerCase
from tests.reliability.states import entry_devices, entry_states
from tests.reliability.transports import ENTRY_ID, until


async def test_unavailable_while_the_peer_is_away_and_fresh_when_it_is_back(
    hass: HomeAssistant, peer_case: PeerCase, peer: Peer, peer_entry: MockConfigEntry
) -> None:
    assert await hass.config_entries.async_setup(ENTRY_ID)
    await hass.async_block_till_done()
    await peer.arrive()
    await until(lambda: temperature_known(hass, peer_case, peer), tick=peer.tick, timeout=60)

    await peer.leave()
    await until(lambda: set(entry_states(hass).values()) == {STATE_UNAVAILABLE}, timeout=60)

    peer.temperature = 17.5
    await peer.arrive()  # no restart of Home Assistant, no reload of the entry
    await until(lambda: temperature(hass, peer_case, peer) == "17.5", tick=peer.tick, timeout=60)
    assert len(entry_devices(hass)) == 1, "the same device"
    await peer_case.settle(peer_entry.runtime_data.transport)
    assert await hass.config_entries.async_unload(ENTRY_ID)
