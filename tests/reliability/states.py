"""What the reliability tests read of Home Assistant: states and devices of the entry under test."""

from homeassistant.const import STATE_UNAVAILABLE, STATE_UNKNOWN
from homeassistant.core import HomeAssistant
from homeassistant.helpers import device_registry as dr, entity_registry as er

from tests.reliability.transports import ENTRY_ID, TransportCase, temperature_entity


def state(hass: HomeAssistant, entity_id: str | None) -> str | None:
    """The state of `entity_id`, None while it does not exist."""
    found = hass.states.get(entity_id) if entity_id else None
    return found.state if found else None


def entry_states(hass: HomeAssistant) -> dict[str, str | None]:
    """The state of every enabled entity of the entry."""
    return {
        entity.entity_id: state(hass, entity.entity_id)
        for entity in er.async_entries_for_config_entry(er.async_get(hass), ENTRY_ID)
        if not entity.disabled
    }


def entry_devices(hass: HomeAssistant) -> list[dr.DeviceEntry]:
    """The devices of the entry."""
    return dr.async_entries_for_config_entry(dr.async_get(hass), ENTRY_ID)


def temperature_known(hass: HomeAssistant, case: TransportCase) -> bool:
    """Whether the node's temperature sensor exists and has a value."""
    return state(hass, temperature_entity(hass, case)) not in {None, STATE_UNKNOWN, STATE_UNAVAILABLE}
