"""Binary sensor entities for on/off point values."""

from typing import override

from homeassistant.components.binary_sensor import BinarySensorEntity
from homeassistant.core import HomeAssistant
from homeassistant.helpers.entity_platform import AddConfigEntryEntitiesCallback

from .core.nodes import PointKind
from .entity import PyIoTPointEntity, setup_point_platform
from .models import PyIoTConfigEntry

PARALLEL_UPDATES = 0


async def async_setup_entry(
    hass: HomeAssistant,
    entry: PyIoTConfigEntry,
    async_add_entities: AddConfigEntryEntitiesCallback,
) -> None:
    """Set up binary sensors for the points of the entry's nodes."""
    setup_point_platform(entry.runtime_data, PointKind.BINARY_SENSOR, PyIoTBinarySensor, async_add_entities)


class PyIoTBinarySensor(PyIoTPointEntity, BinarySensorEntity):
    """An on/off value reported by a node."""

    @property
    @override
    def is_on(self) -> bool | None:
        return None if self.point_value is None else bool(self.point_value)
