"""CoAP datagrams that aiocoap itself cannot take must not reach the event loop as an exception."""

import asyncio
import logging
import socket

from homeassistant.core import HomeAssistant
import pytest
from pytest_homeassistant_custom_component.common import MockConfigEntry

from tests.reliability.peers.states import temperature_known
from tests.reliability.peers.transports import COAP, Peer, PeerCase
from tests.reliability.transports import ENTRY_ID, until

INVALID_UTF8_URI_PATH = bytes([0x40, 0x02, 0x00, 0x01, 0xB1, 0xEC])
"""A confirmable POST whose one Uri-Path option is the byte 0xEC: not UTF-8."""


@pytest.fixture(params=[COAP], ids=str)
def peer_case(request: pytest.FixtureRequest) -> PeerCase:
    """CoAP only."""
    transport: PeerCase = request.param
    return transport


@pytest.mark.allow_pyiot_warnings
async def test_a_string_option_that_is_not_utf8_is_dropped(
    hass: HomeAssistant,
    peer_case: PeerCase,
    peer: Peer,
    peer_entry: MockConfigEntry,
    caplog: pytest.LogCaptureFixture,
) -> None:
    assert await hass.config_entries.async_setup(ENTRY_ID)
    await hass.async_block_till_done()
    with socket.socket(socket.AF_INET6, socket.SOCK_DGRAM) as attacker:
        attacker.bind(("::1", 0))
        attacker.sendto(INVALID_UTF8_URI_PATH, ("::1", peer.entry_data["port"]))
        await peer.arrive()  # after the datagram, on the same gateway socket
        await until(lambda: temperature_known(hass, peer_case, peer), tick=peer.tick, timeout=60)
    await asyncio.sleep(0)
    errors = [record.getMessage() for record in caplog.records if record.levelno >= logging.ERROR]
    await peer_case.settle(peer_entry.runtime_data.transport)
    assert await hass.config_entries.async_unload(ENTRY_ID)
    assert errors == []
