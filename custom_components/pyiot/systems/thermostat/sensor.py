"""Sensors of a thermostat zone: its decision, the planned early start and the learned rates."""

from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime
from typing import Any, override

from homeassistant.components.sensor import (
    SensorDeviceClass,
    SensorEntity,
    SensorEntityDescription,
    SensorStateClass,
)
from homeassistant.const import EntityCategory
from homeassistant.helpers.entity_platform import AddConfigEntryEntitiesCallback
from homeassistant.helpers.typing import StateType

from ...core.thermostat import ControlOutput, ExplanationCode, RateEstimate, Side
from .entity import ThermostatEntity
from .explain import ExplanationTexts, decision_attributes
from .zone import ThermostatZone


def add_zone_sensors(zone: ThermostatZone, async_add_entities: AddConfigEntryEntitiesCallback) -> None:
    """The sensor platform of a zone entry."""
    async_add_entities(ThermostatSensor(zone, description) for description in thermostat_sensors(zone))


@dataclass(frozen=True, kw_only=True)
class ThermostatSensorEntityDescription(SensorEntityDescription):
    """A value of a zone's last control step."""

    value_fn: Callable[[ControlOutput], StateType | datetime]
    attributes_fn: Callable[[ControlOutput, ExplanationTexts], dict[str, Any]] = lambda _output, _texts: {}


def _rate_sensor(side: Side) -> ThermostatSensorEntityDescription:
    def estimate(output: ControlOutput) -> RateEstimate | None:
        return output.rates.get(side)

    def attributes(output: ControlOutput, _texts: ExplanationTexts) -> dict[str, Any]:
        if (rate := estimate(output)) is None:
            return {}
        described = {
            "confidence": round(rate.confidence, 2),
            "dead_time_minutes": round(rate.dead_time.total_seconds() / 60, 1),
            "runs": rate.runs,
            "learned": rate.learned,
        }
        # Until enough runs were seen the state is unknown; the cautious default it uses meanwhile is here.
        return described if rate.learned else {**described, "assumed_rate": round(rate.rate, 2)}

    return ThermostatSensorEntityDescription(
        key=f"{side.value}_rate",
        translation_key=f"{side.value}_rate",
        native_unit_of_measurement="°C/h",
        state_class=SensorStateClass.MEASUREMENT,
        suggested_display_precision=2,
        entity_category=EntityCategory.DIAGNOSTIC,
        value_fn=lambda output: (
            rate.rate if (rate := estimate(output)) is not None and rate.learned else None
        ),
        attributes_fn=attributes,
    )


def _preheat_attributes(output: ControlOutput, _texts: ExplanationTexts) -> dict[str, Any]:
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
    attributes_fn=lambda output, texts: decision_attributes(output.explanation, texts),
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
        if output is None:
            return {}
        return self.entity_description.attributes_fn(output, self.zone.explanations)
