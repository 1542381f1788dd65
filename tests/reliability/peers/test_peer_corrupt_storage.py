"""Corrupt storage under every transport: setup never fails, what was stored kept aside, the node works."""

from typing import Any

from homeassistant.config_entries import ConfigEntryState
from homeassistant.core import HomeAssistant
import pytest
from pytest_homeassistant_custom_component.common import MockConfigEntry

from custom_components.pyiot.hub.storage import storage_key
from tests.reliability.peers.states import temperature_known
from tests.reliability.peers.transports import Peer, PeerCase
from tests.reliability.states import entry_devices
from tests.reliability.test_corrupt_storage import CORRUPT_DOCUMENTS, stored
from tests.reliability.transports import ENTRY_ID, until


@pytest.mark.allow_pyiot_warnings
@pytest.mark.parametrize("nodes", CORRUPT_DOCUMENTS, ids=["list", "string-record", "string-point"])
async def test_setup_survives_corrupt_storage_and_keeps_it_aside(
    hass: HomeAssistant,
    peer_case: PeerCase,
    peer: Peer,
    peer_entry: MockConfigEntry,
    hass_storage: dict[str, Any],
    nodes: Any,
    caplog: pytest.LogCaptureFixture,
) -> None:
    key = storage_key(ENTRY_ID)
    hass_storage[key] = stored(key, {"nodes": nodes})

    assert await hass.config_entries.async_setup(ENTRY_ID)
    await hass.async_block_till_done()
    assert peer_entry.state is ConfigEntryState.LOADED
    aside = [found for found in hass_storage if found.startswith(f"{key}.corrupt.")]
    assert len(aside) == 1, "what was stored is kept aside, under a key with the time"
    assert aside[0] in caplog.text, "the log line says where"
    assert "Traceback" not in caplog.text

    await peer.arrive()
    await until(lambda: temperature_known(hass, peer_case, peer), tick=peer.tick, timeout=60)
    assert len(entry_devices(hass)) == 1
    await peer_case.settle(peer_entry.runtime_data.transport)
    assert await hass.config_entries.async_unload(ENTRY_ID)
