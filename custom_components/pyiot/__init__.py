"""PyIoT: DIY IoT systems in Home Assistant.

Every entry is of one kind declared by a system under `systems/`; this module only dispatches.
"""

from typing import Any

from homeassistant.config_entries import ConfigEntry
from homeassistant.core import HomeAssistant
from homeassistant.helpers import config_validation as cv, device_registry as dr
from homeassistant.helpers.storage import Store
from homeassistant.helpers.typing import ConfigType

from .const import DOMAIN, ENTRY_VERSION, LOGGER
from .kinds import PyIoTConfigEntry
from .systems import UnknownEntryKindError, async_setup_services, entry_kind
from .systems.thermostat.card import async_register_card

CONFIG_SCHEMA = cv.config_entry_only_config_schema(DOMAIN)


async def async_setup(hass: HomeAssistant, config: ConfigType) -> bool:
    """Register the actions of every system."""
    async_setup_services(hass)
    await async_register_card(hass)
    return True


async def async_setup_entry(hass: HomeAssistant, entry: PyIoTConfigEntry) -> bool:
    """Run the entry's system: its runtime, then its entities, then start it."""
    kind = entry_kind(entry)
    entry.runtime_data = await kind.async_setup(hass, entry)
    await hass.config_entries.async_forward_entry_setups(entry, list(kind.platforms))
    entry.runtime_data.start()
    return True


async def async_unload_entry(hass: HomeAssistant, entry: PyIoTConfigEntry) -> bool:
    """Remove the entities, then stop the runtime and save what it knows."""
    unloaded = await hass.config_entries.async_unload_platforms(entry, list(entry_kind(entry).platforms))
    await entry.runtime_data.async_unload()
    return unloaded


async def async_remove_entry(hass: HomeAssistant, entry: ConfigEntry) -> None:
    """Delete what the entry stored (by key: nothing is built from its data or options)."""
    try:
        keys = entry_kind(entry).storage_keys(entry.entry_id)
    except UnknownEntryKindError:
        return
    for key in keys:
        await Store[dict[str, Any]](hass, 1, key).async_remove()


async def async_migrate_entry(hass: HomeAssistant, entry: ConfigEntry) -> bool:
    """Version 2 scopes unique ids and device identifiers per entry; older entries are rewritten."""
    if entry.version > ENTRY_VERSION:
        return False  # written by a newer PyIoT: leave it alone
    try:
        kind = entry_kind(entry)
    except UnknownEntryKindError:
        LOGGER.error("%s is of an unknown kind and cannot be set up", entry.title)
        return False
    if entry.version == 1:
        if kind.migrate_to_v2 is not None:
            await kind.migrate_to_v2(hass, entry)
        hass.config_entries.async_update_entry(entry, version=2)
    return True


async def async_remove_config_entry_device(
    hass: HomeAssistant, entry: PyIoTConfigEntry, device: dr.DeviceEntry
) -> bool:
    """Whether the user may delete `device`: the entry's system decides."""
    return entry.runtime_data.async_remove_device(device)
