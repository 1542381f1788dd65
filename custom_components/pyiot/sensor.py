"""Sensor entities: read-only point values of nodes, and the decision of a thermostat zone."""

from datetime import date, datetime
from decimal import Decimal
from typing import Any, override

from homeassistant.components.sensor import SensorDeviceClass, SensorEntity, SensorStateClass
from homeassistant.core import HomeAssistant
from homeassistant.helpers.entity_platform import AddConfigEntryEntitiesCallback

from .adapters.thermostat import ThermostatZone
from .entity import PyIoTPointEntity, ThermostatEntity, setup_point_platform
from .hub import NodeHub
from .models import PyIoTConfigEntry
from .nodes import PointKind, PointSpec
from .thermostat import ExplanationCode

PARALLEL_UPDATES = 0


async def async_setup_entry(
    hass: HomeAssistant,
    entry: PyIoTConfigEntry,
    async_add_entities: AddConfigEntryEntitiesCallback,
) -> None:
    """Set up sensors for the points of the entry's nodes, or a zone's decision sensor."""
    if isinstance(zone := entry.runtime_data, ThermostatZone):
        async_add_entities([ThermostatDecisionSensor(zone)])
        return
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


class ThermostatDecisionSensor(ThermostatEntity, SensorEntity):
    """What the zone decided and why: a translated state, with the full sentence as an attribute."""

    _attr_translation_key = "decision"
    _attr_device_class = SensorDeviceClass.ENUM

    def __init__(self, zone: ThermostatZone) -> None:
        """One per zone."""
        super().__init__(zone, "decision")
        self._attr_options = [code.value for code in ExplanationCode]

    @property
    @override
    def native_value(self) -> str | None:
        return self.zone.output.explanation.code.value if self.zone.output is not None else None

    @property
    @override
    def extra_state_attributes(self) -> dict[str, Any]:
        if (output := self.zone.output) is None:
            return {}
        return {"explanation": output.explanation.render_en(), **output.explanation.placeholders}
