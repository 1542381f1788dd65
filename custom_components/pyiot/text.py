"""Text entities for writable free-text points."""

from typing import override

from homeassistant.components.text import TextEntity
from homeassistant.core import HomeAssistant
from homeassistant.helpers.entity_platform import AddConfigEntryEntitiesCallback

from .core.nodes import PointKind
from .entity import PyIoTPointEntity, setup_point_platform
from .models import PyIoTConfigEntry

PARALLEL_UPDATES = 1


async def async_setup_entry(
    hass: HomeAssistant,
    entry: PyIoTConfigEntry,
    async_add_entities: AddConfigEntryEntitiesCallback,
) -> None:
    """Set up text entities for the points of the entry's nodes."""
    setup_point_platform(entry.runtime_data, PointKind.TEXT, PyIoTText, async_add_entities)


class PyIoTText(PyIoTPointEntity, TextEntity):
    """Free text the node accepts."""

    @property
    @override
    def native_value(self) -> str | None:
        return None if self.point_value is None else str(self.point_value)

    @override
    async def async_set_value(self, value: str) -> None:
        await self.async_write_value(value)
