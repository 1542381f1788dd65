"""Sensor entities: read-only point values of nodes, and the decision of a thermostat zone."""

from collections.abc import Callable
from dataclasses import dataclass
from datetime import date, datetime
from decimal import Decimal
from typing import Any, override

from homeassistant.components.sensor import (
    SensorDeviceClass,
    SensorEntity,
    SensorEntityDescription,
    SensorStateClass,
)
from homeassistant.const import EntityCategory
from homeassistant.core import HomeAssistant
from homeassistant.helpers.entity_platform import AddConfigEntryEntitiesCallback
from homeassistant.helpers.typing import StateType

from .adapters.thermostat import ThermostatZone
from .core.nodes import PointKind, PointSpec
from .core.thermostat import ControlOutput, ExplanationCode, RateEstimate, Side
from .entity import PyIoTPointEntity, ThermostatEntity, setup_point_platform
from .hub import NodeHub
from .models import PyIoTConfigEntry

PARALLEL_UPDATES = 0


async def async_setup_entry(
    hass: HomeAssistant,
    entry: PyIoTConfigEntry,
    async_add_entities: AddConfigEntryEntitiesCallback,
) -> None:
    """Set up sensors for the points of the entry's nodes, or a zone's decision sensor."""
    if isinstance(zone := entry.runtime_data, ThermostatZone):
        async_add_entities(ThermostatSensor(zone, description) for description in thermostat_sensors(zone))
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


@dataclass(frozen=True, kw_only=True)
class ThermostatSensorEntityDescription(SensorEntityDescription):
    """A value of a zone's last control step."""

    value_fn: Callable[[ControlOutput], StateType | datetime]
    attributes_fn: Callable[[ControlOutput], dict[str, Any]] = lambda _: {}


def _rate_sensor(side: Side) -> ThermostatSensorEntityDescription:
    def estimate(output: ControlOutput) -> RateEstimate | None:
        return output.rates.get(side)

    def attributes(output: ControlOutput) -> dict[str, Any]:
        if (rate := estimate(output)) is None:
            return {}
        return {
            "confidence": round(rate.confidence, 2),
            "dead_time_minutes": round(rate.dead_time.total_seconds() / 60, 1),
            "runs": rate.runs,
            "learned": rate.learned,
        }

    return ThermostatSensorEntityDescription(
        key=f"{side.value}_rate",
        translation_key=f"{side.value}_rate",
        native_unit_of_measurement="°C/h",
        state_class=SensorStateClass.MEASUREMENT,
        suggested_display_precision=2,
        entity_category=EntityCategory.DIAGNOSTIC,
        value_fn=lambda output: rate.rate if (rate := estimate(output)) is not None else None,
        attributes_fn=attributes,
    )


def _preheat_attributes(output: ControlOutput) -> dict[str, Any]:
    if (preheat := output.preheat) is None:
        return {}
    return {
        "active": preheat.active,
        "change_at": preheat.change_at.isoformat(),
        "lead_minutes": round(preheat.lead.total_seconds() / 60),
        "setpoint": preheat.setpoint,
        "rule": preheat.rule_name,
    }


DECISION = ThermostatSensorEntityDescription(
    key="decision",
    translation_key="decision",
    device_class=SensorDeviceClass.ENUM,
    options=[code.value for code in ExplanationCode],
    value_fn=lambda output: output.explanation.code.value,
    attributes_fn=lambda output: {
        "explanation": output.explanation.render_en(),
        **output.explanation.placeholders,
    },
)
PREHEAT_STARTS_AT = ThermostatSensorEntityDescription(
    key="preheat_starts_at",
    translation_key="preheat_starts_at",
    device_class=SensorDeviceClass.TIMESTAMP,
    value_fn=lambda output: output.preheat_starts_at,
    attributes_fn=_preheat_attributes,
)


def thermostat_sensors(zone: ThermostatZone) -> list[ThermostatSensorEntityDescription]:
    """The decision, the planned early start and the learned rate of each side the zone has."""
    sides = [Side.HEAT] * bool(zone.controller.heaters) + [Side.COOL] * bool(zone.controller.coolers)
    return [DECISION, PREHEAT_STARTS_AT, *(_rate_sensor(side) for side in sides)]


class ThermostatSensor(ThermostatEntity, SensorEntity):
    """One value of the zone's last control step."""

    entity_description: ThermostatSensorEntityDescription

    def __init__(self, zone: ThermostatZone, description: ThermostatSensorEntityDescription) -> None:
        """One per zone and description."""
        super().__init__(zone, description.key)
        self.entity_description = description

    @property
    @override
    def native_value(self) -> StateType | datetime:
        output = self.zone.output
        return self.entity_description.value_fn(output) if output is not None else None

    @property
    @override
    def extra_state_attributes(self) -> dict[str, Any]:
        output = self.zone.output
        return self.entity_description.attributes_fn(output) if output is not None else {}
