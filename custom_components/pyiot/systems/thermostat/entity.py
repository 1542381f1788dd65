"""Base of a thermostat zone's entities: one device per zone, updated after every control step."""

from typing import override

from homeassistant.helpers.device_registry import DeviceEntryType, DeviceInfo
from homeassistant.helpers.entity import Entity

from ...const import DOMAIN
from .zone import ThermostatZone


class ThermostatEntity(Entity):
    """An entity of one zone."""

    _attr_has_entity_name = True
    _attr_should_poll = False

    def __init__(self, zone: ThermostatZone, key: str) -> None:
        """Attach to the zone's device (a service device: the zone is software, not hardware)."""
        self.zone = zone
        self._attr_unique_id = f"{zone.entry.entry_id}:{key}"
        self._attr_device_info = DeviceInfo(
            identifiers={(DOMAIN, f"thermostat:{zone.entry.entry_id}")},
            name=zone.name,
            manufacturer="PyIoT",
            model="Scheduled multi-sensor thermostat",
            entry_type=DeviceEntryType.SERVICE,
        )

    @override
    async def async_added_to_hass(self) -> None:
        self.async_on_remove(self.zone.async_add_listener(self.async_write_ha_state))
