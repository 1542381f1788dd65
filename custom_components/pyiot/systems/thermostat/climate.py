"""A thermostat zone as a climate entity, for HA's thermostat card."""

from typing import Any, override

from homeassistant.components.climate import ClimateEntity
from homeassistant.components.climate.const import (
    ATTR_TARGET_TEMP_HIGH,
    ATTR_TARGET_TEMP_LOW,
    PRESET_NONE,
    ClimateEntityFeature,
    HVACAction,
    HVACMode,
)
from homeassistant.const import ATTR_TEMPERATURE, UnitOfTemperature
from homeassistant.helpers.entity_platform import AddConfigEntryEntitiesCallback
from homeassistant.helpers.restore_state import RestoreEntity

from ...core.thermostat import HvacMode, SourceKind, Target
from .const import PRESET_MANUAL
from .entity import ThermostatEntity
from .zone import ThermostatZone


def add_zone_climate(zone: ThermostatZone, async_add_entities: AddConfigEntryEntitiesCallback) -> None:
    """The climate platform of a zone entry."""
    async_add_entities([PyIoTClimate(zone)])


class PyIoTClimate(ThermostatEntity, ClimateEntity, RestoreEntity):
    """Scheduled multi-sensor thermostat."""

    _attr_name = None
    _attr_translation_key = "thermostat"
    _attr_temperature_unit = UnitOfTemperature.CELSIUS

    def __init__(self, zone: ThermostatZone) -> None:
        """Modes follow the equipment: heaters give heat, coolers give cool, both give heat_cool."""
        super().__init__(zone, "climate")
        self._attr_target_temperature_step = zone.settings.target_step
        modes = [HVACMode.OFF]
        if zone.controller.heaters:
            modes.append(HVACMode.HEAT)
        if zone.controller.coolers:
            modes.append(HVACMode.COOL)
        if zone.controller.heaters and zone.controller.coolers:
            modes.append(HVACMode.HEAT_COOL)
        self._attr_hvac_modes = modes
        self._attr_preset_modes = [PRESET_NONE, *zone.controller.presets]
        features = (
            ClimateEntityFeature.TURN_OFF | ClimateEntityFeature.TURN_ON | ClimateEntityFeature.PRESET_MODE
        )
        features |= ClimateEntityFeature.TARGET_TEMPERATURE
        if HVACMode.HEAT_COOL in modes:
            features |= ClimateEntityFeature.TARGET_TEMPERATURE_RANGE
        self._attr_supported_features = features
        limits = zone.controller.schedule.limits
        self._attr_min_temp, self._attr_max_temp = limits.minimum, limits.maximum

    @override
    async def async_added_to_hass(self) -> None:
        await super().async_added_to_hass()
        if (last := await self.async_get_last_state()) is not None:
            if last.state in self._attr_hvac_modes:
                self.zone.hvac_mode = HvacMode(last.state)
            preset = last.attributes.get("preset_mode")
            self.zone.preset = preset if preset in self.zone.controller.presets else None
            self.zone.async_update()

    @property
    def _target(self) -> Target | None:
        return self.zone.output.target if self.zone.output is not None else None

    @property
    @override
    def hvac_mode(self) -> HVACMode:
        return HVACMode(self.zone.hvac_mode.value)

    @property
    @override
    def hvac_action(self) -> HVACAction | None:
        return HVACAction(self.zone.output.hvac_action.value) if self.zone.output is not None else None

    @property
    @override
    def current_temperature(self) -> float | None:
        return self.zone.output.current_temperature if self.zone.output is not None else None

    @property
    @override
    def target_temperature(self) -> float | None:
        if (target := self._target) is None or self.zone.hvac_mode is HvacMode.HEAT_COOL:
            return None
        if self.zone.hvac_mode is HvacMode.COOL:
            return target.cool
        return target.heat if target.heat is not None else target.cool

    @property
    @override
    def target_temperature_low(self) -> float | None:
        return (
            self._target.heat
            if self._target is not None and self.zone.hvac_mode is HvacMode.HEAT_COOL
            else None
        )

    @property
    @override
    def target_temperature_high(self) -> float | None:
        return (
            self._target.cool
            if self._target is not None and self.zone.hvac_mode is HvacMode.HEAT_COOL
            else None
        )

    @property
    @override
    def preset_mode(self) -> str:
        if self.zone.preset is not None:
            return self.zone.preset
        # Not one of preset_modes: under a manual setting "Schedule" is not selected, and choosing it resumes.
        output = self.zone.output
        return (
            PRESET_MANUAL if output is not None and output.source.kind is SourceKind.OVERRIDE else PRESET_NONE
        )

    @property
    @override
    def extra_state_attributes(self) -> dict[str, Any]:
        output = self.zone.output
        if output is None:
            return {}
        source = output.source
        # The source named once: its kind (translated states), plus the rule's id for a schedule rule.
        return {
            "source": source.kind.value,
            "active_rule": source.rule_id if source.kind is SourceKind.SCHEDULE else None,
            "next_change": output.next_change.isoformat() if output.next_change else None,
            "sensors": {sensor: round(weight, 3) for sensor, weight in output.sensors.items()},
            "dropped_sensors": {sensor: reason.value for sensor, reason in output.dropped.items()},
            "outdoor_temperature": output.outdoor_temperature,
            "fail_safe": output.fail_safe_active,
        }

    @override
    async def async_set_hvac_mode(self, hvac_mode: HVACMode) -> None:
        self.zone.async_set_hvac_mode(HvacMode(hvac_mode.value))

    @override
    async def async_set_preset_mode(self, preset_mode: str) -> None:
        self.zone.async_set_preset(None if preset_mode == PRESET_NONE else preset_mode)

    @override
    async def async_set_temperature(self, **kwargs: Any) -> None:
        if (mode := kwargs.get("hvac_mode")) is not None:
            self.zone.hvac_mode = HvacMode(HVACMode(mode).value)
        current = self._target
        # HA's action schema gives either a temperature or both ends of a range.
        low, high = kwargs.get(ATTR_TARGET_TEMP_LOW), kwargs.get(ATTR_TARGET_TEMP_HIGH)
        if (temperature := kwargs.get(ATTR_TEMPERATURE)) is not None:
            if self.zone.hvac_mode is HvacMode.COOL or not self.zone.controller.heaters:
                low, high = (current.heat if current else None), temperature
            else:
                low, high = temperature, (current.cool if current else None)
            if low is not None and high is not None and low > high:
                # One setpoint moved past the other: the other follows.
                low, high = (temperature, temperature)
        self.zone.async_set_manual_target(Target(heat=low, cool=high))
