"""A flood of junk at the input of every transport: no device from it, a few log lines, the node works."""

import logging
from typing import Any

from homeassistant.core import HomeAssistant
import pytest
from pytest_homeassistant_custom_component.common import MockConfigEntry

from custom_components.pyiot.hub.storage import storage_key
from tests.reliability.peers.states import temperature, temperature_known
from tests.reliability.peers.transports import Peer, PeerCase
from tests.reliability.states import entry_devices
from tests.reliability.transports import ENTRY_ID, until

JUNK_MESSAGES = 3_000
MAX_WARNING_LINES = 50


@pytest.mark.allow_pyiot_warnings
async def test_junk_makes_no_device_and_few_log_lines(
    hass: HomeAssistant,
    peer_case: PeerCase,
    peer: Peer,
    peer_entry: MockConfigEntry,
    hass_storage: dict[str, Any],
    caplog: pytest.LogCaptureFixture,
) -> None:
    assert await hass.config_entries.async_setup(ENTRY_ID)
    await hass.async_block_till_done()
    caplog.clear()
    with caplog.at_level(logging.WARNING):
        await peer.junk(JUNK_MESSAGES)
        await peer.arrive()
        await until(lambda: temperature_known(hass, peer_case, peer), tick=peer.tick, timeout=90)
        peer.temperature = 19.5
        await peer.leave()
        await peer.arrive()
        await until(lambda: temperature(hass, peer_case, peer) == "19.5", tick=peer.tick, timeout=60)
        await hass.async_block_till_done()

    assert len(entry_devices(hass)) == 1, "the real node only"
    ours = [
        record.getMessage()
        for record in caplog.records
        if record.levelno >= logging.WARNING and record.name.startswith("custom_components.pyiot")
    ]
    assert len(ours) < MAX_WARNING_LINES, ours[:5]
    assert len(ours) == len(set(ours)), "each line once"
    errors = [record.getMessage() for record in caplog.records if record.levelno >= logging.ERROR]
    assert errors == []
    assert "Traceback" not in caplog.text
    await peer_case.settle(peer_entry.runtime_data.transport)
    assert await hass.config_entries.async_unload(ENTRY_ID)
    assert len(hass_storage[storage_key(ENTRY_ID)]["data"]["nodes"]) == 1, "nothing of the junk is saved"
