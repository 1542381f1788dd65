"""Device triggers: the kind of the device's entry lists, validates and attaches them.

Kinds without `device_triggers` offer none; this module only dispatches.
"""

from typing import Any

from homeassistant.components.device_automation import DEVICE_TRIGGER_BASE_SCHEMA
from homeassistant.components.device_automation.exceptions import InvalidDeviceAutomationConfig
from homeassistant.config_entries import ConfigEntry
from homeassistant.const import CONF_DEVICE_ID, CONF_TYPE
from homeassistant.core import CALLBACK_TYPE, HomeAssistant
from homeassistant.helpers import device_registry as dr
from homeassistant.helpers.trigger import TriggerActionType, TriggerInfo
from homeassistant.helpers.typing import ConfigType
import probatio as vol

from .const import DOMAIN
from .kinds import DeviceTriggers
from .systems import UnknownEntryKindError, entry_kind

TRIGGER_SCHEMA = DEVICE_TRIGGER_BASE_SCHEMA.extend({vol.Required(CONF_TYPE): str}, extra=vol.ALLOW_EXTRA)


def _triggers_of(
    hass: HomeAssistant, device_id: str
) -> tuple[DeviceTriggers, ConfigEntry, dr.DeviceEntry] | None:
    device, entry = dr.async_get_device_and_config_entry_for_domain(
        hass, device_id, domain=DOMAIN, include_child_devices=False
    )
    if device is None or entry is None:
        return None
    try:
        triggers = entry_kind(entry).device_triggers
    except UnknownEntryKindError:
        return None
    return None if triggers is None else (triggers, entry, device)


def _required(hass: HomeAssistant, config: ConfigType) -> tuple[DeviceTriggers, ConfigEntry]:
    found = _triggers_of(hass, config[CONF_DEVICE_ID])
    if found is None:
        raise InvalidDeviceAutomationConfig(f"Device {config[CONF_DEVICE_ID]} has no PyIoT device triggers")
    return found[0], found[1]


async def async_validate_trigger_config(hass: HomeAssistant, config: ConfigType) -> ConfigType:
    """Validate a trigger with the kind of its device's entry."""
    triggers, entry = _required(hass, TRIGGER_SCHEMA(config))
    return await triggers.async_validate(hass, entry, config)


async def async_get_triggers(hass: HomeAssistant, device_id: str) -> list[dict[str, Any]]:
    """The triggers of a PyIoT device (none for kinds that have no triggers)."""
    found = _triggers_of(hass, device_id)
    if found is None:
        return []
    triggers, entry, device = found
    return await triggers.async_get_triggers(hass, entry, device)


async def async_get_trigger_capabilities(hass: HomeAssistant, config: ConfigType) -> dict[str, Any]:
    """The extra fields of a trigger."""
    triggers, entry = _required(hass, config)
    return await triggers.async_get_capabilities(hass, entry, config)


async def async_attach_trigger(
    hass: HomeAssistant, config: ConfigType, action: TriggerActionType, trigger_info: TriggerInfo
) -> CALLBACK_TYPE:
    """Listen for a trigger of a PyIoT device."""
    triggers, entry = _required(hass, config)
    return await triggers.async_attach(hass, entry, config, action, trigger_info)
