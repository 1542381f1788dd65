"""Config flow steps of the thermostat: a new zone, its tuning (options), its equipment (reconfigure)."""

from typing import Any

from homeassistant.config_entries import ConfigFlow, ConfigFlowResult, OptionsFlowWithReload
from homeassistant.const import CONF_NAME

from ...const import CONF_ENTRY_TYPE
from .const import (
    CONF_ALGORITHM,
    CONF_ALGORITHM_PARAMS,
    CONF_MAX_LEAD_MINUTES,
    CONF_OPTIMUM_START,
    CONF_SENSORS,
    CONF_WEIGHTS,
    THERMOSTAT,
)
from .flow_schemas import (
    algorithm_schema,
    entry_data,
    equipment_errors,
    equipment_schema,
    optimum_start_schema,
    sensor_labels,
    settings_error,
    tuning_defaults,
    tuning_schema,
    weights_from_form,
    weights_schema,
)


class ThermostatConfigSteps(ConfigFlow):
    """Steps of the thermostat entry kind, part of PyIoT's one config flow."""

    _zone_equipment: dict[str, Any]
    _zone_data: dict[str, Any]
    _zone_options: dict[str, Any]

    async def async_step_thermostat(self, user_input: dict[str, Any] | None = None) -> ConfigFlowResult:
        """Name, relays and temperature sensors of a new zone."""
        errors: dict[str, str] = {}
        if user_input is not None:
            self._async_abort_entries_match({CONF_NAME: user_input[CONF_NAME]})
            if not (errors := equipment_errors(user_input)):
                self._zone_equipment = user_input
                return await self.async_step_thermostat_weights()
        return self.async_show_form(
            step_id=THERMOSTAT,
            data_schema=self.add_suggested_values_to_schema(equipment_schema(), user_input or {}),
            errors=errors,
        )

    async def async_step_thermostat_weights(
        self, user_input: dict[str, Any] | None = None
    ) -> ConfigFlowResult:
        """How much each sensor counts."""
        if user_input is not None:
            sensors = self._zone_equipment[CONF_SENSORS]
            self._zone_data = entry_data(self._zone_equipment, weights_from_form(sensors, user_input))
            return await self.async_step_thermostat_tuning()
        sensors = self._zone_equipment[CONF_SENSORS]
        return self.async_show_form(
            step_id="thermostat_weights",
            data_schema=weights_schema(sensors, {}),
            description_placeholders=sensor_labels(self.hass, sensors),
        )

    async def async_step_thermostat_tuning(
        self, user_input: dict[str, Any] | None = None
    ) -> ConfigFlowResult:
        """Algorithm, fail-safe, protection limits and presets."""
        errors: dict[str, str] = {}
        if user_input is not None:
            if (error := settings_error(self._zone_data, user_input)) is None:
                self._zone_options = user_input
                if user_input[CONF_OPTIMUM_START]:
                    return await self.async_step_thermostat_optimum_start()
                return await self.async_step_thermostat_algorithm()
            errors["base"] = error
        return self.async_show_form(
            step_id="thermostat_tuning",
            data_schema=self.add_suggested_values_to_schema(
                tuning_schema(), user_input or tuning_defaults({})
            ),
            errors=errors,
        )

    async def async_step_thermostat_optimum_start(
        self, user_input: dict[str, Any] | None = None
    ) -> ConfigFlowResult:
        """How early the zone may start before a scheduled rise."""
        if user_input is not None:
            self._zone_options = {**self._zone_options, **user_input}
            return await self.async_step_thermostat_algorithm()
        return self.async_show_form(
            step_id="thermostat_optimum_start",
            data_schema=self.add_suggested_values_to_schema(optimum_start_schema(), tuning_defaults({})),
        )

    async def async_step_thermostat_algorithm(
        self, user_input: dict[str, Any] | None = None
    ) -> ConfigFlowResult:
        """Parameters of the chosen decision algorithm."""
        if user_input is None:
            return self.async_show_form(
                step_id="thermostat_algorithm",
                data_schema=algorithm_schema(self._zone_options[CONF_ALGORITHM]),
                description_placeholders={"algorithm": self._zone_options[CONF_ALGORITHM]},
            )
        return self.async_create_entry(
            title=self._zone_data[CONF_NAME],
            data={CONF_ENTRY_TYPE: THERMOSTAT, **self._zone_data},
            options={**self._zone_options, CONF_ALGORITHM_PARAMS: user_input},
        )

    async def async_step_reconfigure_thermostat(
        self, user_input: dict[str, Any] | None = None
    ) -> ConfigFlowResult:
        """Change a zone's name, relays and sensors."""
        entry = self._get_reconfigure_entry()
        errors: dict[str, str] = {}
        if user_input is not None and not (errors := equipment_errors(user_input)):
            self._zone_equipment = user_input
            return await self.async_step_reconfigure_thermostat_weights()
        return self.async_show_form(
            step_id="reconfigure_thermostat",
            data_schema=self.add_suggested_values_to_schema(
                equipment_schema(), user_input or dict(entry.data)
            ),
            errors=errors,
        )

    async def async_step_reconfigure_thermostat_weights(
        self, user_input: dict[str, Any] | None = None
    ) -> ConfigFlowResult:
        """Weights of the zone's sensors, keeping the known ones."""
        entry = self._get_reconfigure_entry()
        if user_input is not None:
            weights = weights_from_form(self._zone_equipment[CONF_SENSORS], user_input)
            data = {CONF_ENTRY_TYPE: THERMOSTAT, **entry_data(self._zone_equipment, weights)}
            return self.async_update_reload_and_abort(entry, title=data[CONF_NAME], data=data)
        sensors = self._zone_equipment[CONF_SENSORS]
        return self.async_show_form(
            step_id="reconfigure_thermostat_weights",
            data_schema=weights_schema(sensors, entry.data.get(CONF_WEIGHTS, {})),
            description_placeholders=sensor_labels(self.hass, sensors),
        )


class ThermostatOptionsFlow(OptionsFlowWithReload):
    """Tune a zone; the entry reloads with the new options."""

    def __init__(self) -> None:
        """Start with nothing entered."""
        self._options: dict[str, Any] = {}

    async def async_step_init(self, user_input: dict[str, Any] | None = None) -> ConfigFlowResult:
        """The first tuning step."""
        return await self.async_step_thermostat_tuning(user_input)

    async def async_step_thermostat_tuning(
        self, user_input: dict[str, Any] | None = None
    ) -> ConfigFlowResult:
        """Algorithm, fail-safe, protection limits and presets of a zone."""
        errors: dict[str, str] = {}
        if user_input is not None:
            if (error := settings_error(dict(self.config_entry.data), user_input)) is None:
                # Kept while optimum start is off, so that turning it on again finds it.
                self._options = {
                    CONF_MAX_LEAD_MINUTES: tuning_defaults(dict(self.config_entry.options))[
                        CONF_MAX_LEAD_MINUTES
                    ],
                    **user_input,
                }
                if user_input[CONF_OPTIMUM_START]:
                    return await self.async_step_thermostat_optimum_start()
                return await self.async_step_thermostat_algorithm()
            errors["base"] = error
        suggested = user_input or tuning_defaults(dict(self.config_entry.options))
        return self.async_show_form(
            step_id="thermostat_tuning",
            data_schema=self.add_suggested_values_to_schema(tuning_schema(), suggested),
            errors=errors,
        )

    async def async_step_thermostat_optimum_start(
        self, user_input: dict[str, Any] | None = None
    ) -> ConfigFlowResult:
        """How early the zone may start before a scheduled rise."""
        if user_input is not None:
            self._options = {**self._options, **user_input}
            return await self.async_step_thermostat_algorithm()
        return self.async_show_form(
            step_id="thermostat_optimum_start",
            data_schema=self.add_suggested_values_to_schema(optimum_start_schema(), self._options),
        )

    async def async_step_thermostat_algorithm(
        self, user_input: dict[str, Any] | None = None
    ) -> ConfigFlowResult:
        """Parameters of the chosen decision algorithm (current values kept when it did not change)."""
        algorithm = self._options[CONF_ALGORITHM]
        if user_input is None:
            current = self.config_entry.options
            same = current.get(CONF_ALGORITHM) == algorithm
            return self.async_show_form(
                step_id="thermostat_algorithm",
                data_schema=self.add_suggested_values_to_schema(
                    algorithm_schema(algorithm), current.get(CONF_ALGORITHM_PARAMS, {}) if same else {}
                ),
                description_placeholders={"algorithm": algorithm},
            )
        return self.async_create_entry(data={**self._options, CONF_ALGORITHM_PARAMS: user_input})
