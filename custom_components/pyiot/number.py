"""Number entities for writable numeric points."""

from typing import override

from homeassistant.components.number import NumberEntity, NumberMode
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
    """Set up numbers for the points of the entry's nodes."""
    setup_point_platform(entry.runtime_data, PointKind.NUMBER, PyIoTNumber, async_add_entities)


class PyIoTNumber(PyIoTPointEntity, NumberEntity):
    """A numeric setting of a node."""

    _attr_mode = NumberMode.BOX

    def __init__(self, hub: NodeHub, node_id: str, point: PointSpec) -> None:
        """Take range, step and unit from the point."""
        super().__init__(hub, node_id, point)
        self._attr_native_unit_of_measurement = point.unit
        if point.minimum is not None:
            self._attr_native_min_value = point.minimum
        if point.maximum is not None:
            self._attr_native_max_value = point.maximum
        if point.step is not None:
            self._attr_native_step = point.step

    @property
    @override
    def native_value(self) -> float | None:
        return None if self.point_value is None else float(self.point_value)

    @override
    async def async_set_native_value(self, value: float) -> None:
        await self.async_write_value(value)
