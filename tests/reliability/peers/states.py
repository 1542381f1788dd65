"""What the peer tests read of Home Assistant: the temperature of the peer's node."""

from homeassistant.const import STATE_UNAVAILABLE, STATE_UNKNOWN
from homeassistant.core import HomeAssistant
from homeassistant.helpers import entity_registry as er

from custom_components.pyiot.const import DOMAIN
from tests.reliability.peers.transports import Peer, PeerCase
from tests.reliability.states import state
from tests.reliability.transports import ENTRY_ID


def temperature_entity(hass: HomeAssistant, case: PeerCase, peer: Peer) -> str | None:
    """The entity id of the peer's temperature sensor, None before it exists."""
    unique_id = f"{ENTRY_ID}:{peer.node_id}:{case.temperature_key}"
    return er.async_get(hass).async_get_entity_id("sensor", DOMAIN, unique_id)


def temperature(hass: HomeAssistant, case: PeerCase, peer: Peer) -> str | None:
    """The state of the peer's temperature sensor, None before it exists."""
    return state(hass, temperature_entity(hass, case, peer))


def temperature_known(hass: HomeAssistant, case: PeerCase, peer: Peer) -> bool:
    """Whether the peer's temperature sensor exists and has a value."""
    return temperature(hass, case, peer) not in {None, STATE_UNKNOWN, STATE_UNAVAILABLE}
