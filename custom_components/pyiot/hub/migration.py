"""Config entry version 1 → 2 for node hub entries: unique ids and device identifiers scoped per entry.

Version 1 scoped them by entry type (`<type>:<node>[:<point>]`), so that a node seen by two entries of
one type (an RPyMostat host sending to two ports) gave two entities one unique id: HA refused the
second entry's entities. Version 2 uses the entry id instead.
"""

from typing import Any

from homeassistant.config_entries import ConfigEntry
from homeassistant.core import HomeAssistant
from homeassistant.helpers import device_registry as dr, entity_registry as er

from ..const import DOMAIN, LOGGER


async def async_scope_ids_to_entry(hass: HomeAssistant, entry: ConfigEntry, namespace: str) -> None:
    """Rewrite `<namespace>:...` ids of `entry` to `<entry id>:...`, keeping entities and history.

    Devices that version 1 shared between two entries were split into one per entry by Home
    Assistant's device registry (2026.8); each entry rewrites its own.
    """
    old, new = f"{namespace}:", f"{entry.entry_id}:"

    def migrate(entity: er.RegistryEntry) -> dict[str, Any] | None:
        if not entity.unique_id.startswith(old):
            return None
        return {"new_unique_id": new + entity.unique_id.removeprefix(old)}

    await er.async_migrate_entries(hass, entry.entry_id, migrate)

    devices = dr.async_get(hass)
    for device in dr.async_entries_for_config_entry(devices, entry.entry_id):
        stale = {
            (domain, value)
            for domain, value in device.identifiers
            if domain == DOMAIN and value.startswith(old)
        }
        if stale:
            scoped = {(DOMAIN, new + value.removeprefix(old)) for _, value in stale}
            devices.async_update_device(device.id, new_identifiers=(device.identifiers - stale) | scoped)
    LOGGER.debug("Scoped the ids of %s to its entry", entry.title)
