"""Select entities for writable points with a fixed set of options."""

from typing import override

from homeassistant.components.select import SelectEntity
from homeassistant.core import HomeAssistant
from homeassistant.helpers.entity_platform import AddConfigEntryEntitiesCallback

from .core.nodes import PointKind, PointSpec
from .entity import PyIoTPointEntity, setup_point_platform
from .hub import NodeHub
from .models import PyIoTConfigEntry

PARALLEL_UPDATES = 1


async def async_setup_entry(
    hass: HomeAssistant,
    entry: PyIoTConfigEntry,
    async_add_entities: AddConfigEntryEntitiesCallback,
) -> None:
    """Set up selects for the points of the entry's nodes."""
    setup_point_platform(entry.runtime_data, PointKind.SELECT, PyIoTSelect, async_add_entities)


class PyIoTSelect(PyIoTPointEntity, SelectEntity):
    """One of a fixed set of options."""

    def __init__(self, hub: NodeHub, node_id: str, point: PointSpec) -> None:
        """Take the options from the point."""
        super().__init__(hub, node_id, point)
        self._attr_options = list(point.options)

    @property
    @override
    def current_option(self) -> str | None:
        return None if self.point_value is None else str(self.point_value)

    @override
    async def async_select_option(self, option: str) -> None:
        await self.async_write_value(option)
