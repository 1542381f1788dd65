"""The peer of each transport in turn, on ports the kernel chose, and its entry."""

from collections.abc import AsyncGenerator

from homeassistant.core import HomeAssistant
import pytest
from pytest_homeassistant_custom_component.common import MockConfigEntry

from custom_components.pyiot.const import CONF_ENTRY_TYPE, DOMAIN, ENTRY_VERSION
from tests.reliability.peers.transports import PEER_TRANSPORTS, Peer, PeerCase
from tests.reliability.transports import ENTRY_ID
from tests.systems.pyaiot.gateway_support import allow_loopback


@pytest.fixture(params=PEER_TRANSPORTS, ids=str)
def peer_case(request: pytest.FixtureRequest) -> PeerCase:
    """Each transport whose peer is no MQTT client, in turn."""
    transport: PeerCase = request.param
    return transport


@pytest.fixture
def expected_lingering_timers(peer_case: PeerCase) -> bool:
    """aiocoap's deduplication timers and aiohttp's heartbeats outlive a test, doing nothing."""
    return peer_case.lingering_timers


@pytest.fixture
async def peer(peer_case: PeerCase, socket_enabled: None) -> AsyncGenerator[Peer]:
    """The transport's peer, not yet arrived; stopped after the test."""
    allow_loopback()
    made = peer_case.make_peer()
    yield made
    await made.stop()


@pytest.fixture
def peer_entry(hass: HomeAssistant, peer_case: PeerCase, peer: Peer) -> MockConfigEntry:
    """The transport's entry for the peer's ports, added but not set up."""
    entry = MockConfigEntry(
        domain=DOMAIN,
        title=f"Reliable {peer_case.kind}",
        unique_id=f"{peer_case.kind}:reliable",
        data={CONF_ENTRY_TYPE: peer_case.kind, **peer.entry_data},
        options=peer.entry_options,
        entry_id=ENTRY_ID,
        version=ENTRY_VERSION,
    )
    entry.add_to_hass(hass)
    return entry
