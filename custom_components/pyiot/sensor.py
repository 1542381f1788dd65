"""Sensor entities for read-only point values."""

from datetime import date, datetime
from decimal import Decimal
from typing import override

from homeassistant.components.sensor import SensorEntity, SensorStateClass
from homeassistant.core import HomeAssistant
from homeassistant.helpers.entity_platform import AddConfigEntryEntitiesCallback

from .entity import PyIoTPointEntity, setup_point_platform
from .hub import NodeHub
from .models import PyIoTConfigEntry
from .nodes import PointKind, PointSpec

PARALLEL_UPDATES = 0


async def async_setup_entry(
    hass: HomeAssistant,
    entry: PyIoTConfigEntry,
    async_add_entities: AddConfigEntryEntitiesCallback,
) -> None:
    """Set up sensors for the points of the entry's nodes."""
    setup_point_platform(entry.runtime_data, PointKind.SENSOR, PyIoTSensor, async_add_entities)


class PyIoTSensor(PyIoTPointEntity, SensorEntity):
    """A numeric or text value reported by a node."""

    def __init__(self, hub: NodeHub, node_id: str, point: PointSpec) -> None:
        """Take unit, state class and precision from the point."""
        super().__init__(hub, node_id, point)
        self._attr_native_unit_of_measurement = point.unit
        self._attr_state_class = SensorStateClass(point.state_class) if point.state_class else None
        self._attr_suggested_display_precision = point.suggested_precision

    @property
    @override
    def native_value(self) -> str | int | float | date | datetime | Decimal | None:
        return self.point_value  # type: ignore[no-any-return]
