"""Config flow: a menu of entry types, Pyaiot MQTT discovery, thermostat zones, RPyMostat hosts, options."""

import json
from typing import Any, override

from homeassistant.config_entries import (
    ConfigEntry,
    ConfigFlow,
    ConfigFlowResult,
    OptionsFlowWithReload,
)
from homeassistant.const import CONF_NAME, CONF_PORT
from homeassistant.core import callback
from homeassistant.helpers.selector import NumberSelector, NumberSelectorConfig, NumberSelectorMode
from homeassistant.helpers.service_info.mqtt import MqttServiceInfo
import probatio as vol

from .adapters import rpymostat
from .const import (
    CONF_ALGORITHM,
    CONF_ALGORITHM_PARAMS,
    CONF_ENTRY_TYPE,
    CONF_NODE_TIMEOUT,
    CONF_SENSORS,
    CONF_WEIGHTS,
    DEFAULT_NODE_TIMEOUT,
    DOMAIN,
    MAX_NODE_TIMEOUT,
    MIN_NODE_TIMEOUT,
    EntryType,
)
from .flow_schemas import (
    RPYMOSTAT_DEFAULTS,
    algorithm_schema,
    entry_data,
    equipment_errors,
    equipment_schema,
    rpymostat_options,
    rpymostat_options_schema,
    rpymostat_port_schema,
    rpymostat_schema,
    settings_error,
    tuning_defaults,
    tuning_schema,
    weights_schema,
)

MQTT_DOMAIN = "mqtt"


class PyIoTConfigFlow(ConfigFlow, domain=DOMAIN):
    """Add a PyIoT entry: the user picks the kind of system, or MQTT discovery offers one."""

    VERSION = 1

    def __init__(self) -> None:
        """Start with nothing entered."""
        self._equipment: dict[str, Any] = {}
        self._data: dict[str, Any] = {}
        self._options: dict[str, Any] = {}

    @staticmethod
    @callback
    @override
    def async_get_options_flow(config_entry: ConfigEntry) -> PyIoTOptionsFlow:
        return PyIoTOptionsFlow()

    @override
    async def async_step_user(self, user_input: dict[str, Any] | None = None) -> ConfigFlowResult:
        return self.async_show_menu(
            step_id="user", menu_options=[entry_type.value for entry_type in EntryType]
        )

    # --- Pyaiot MQTT ---------------------------------------------------------------------------

    async def async_step_pyaiot_mqtt(self, user_input: dict[str, Any] | None = None) -> ConfigFlowResult:
        """One entry serves every Pyaiot node on HA's MQTT broker."""
        if not self.hass.config_entries.async_entries(MQTT_DOMAIN, include_disabled=False):
            return self.async_abort(reason="mqtt_not_configured")
        await self.async_set_unique_id(EntryType.PYAIOT_MQTT.value)
        self._abort_if_unique_id_configured()
        if user_input is None:
            return self.async_show_form(step_id="pyaiot_mqtt")
        return self._create_pyaiot_entry()

    @override
    async def async_step_mqtt(self, discovery_info: MqttServiceInfo) -> ConfigFlowResult:
        """A Pyaiot node announced itself on `node/check`."""
        node_id = _pyaiot_node_id(discovery_info.payload)
        if node_id is None:
            return self.async_abort(reason="invalid_discovery_info")
        await self.async_set_unique_id(EntryType.PYAIOT_MQTT.value)
        self._abort_if_unique_id_configured()
        self.context["title_placeholders"] = {"node": node_id}
        return await self.async_step_discovery_confirm()

    async def async_step_discovery_confirm(
        self, user_input: dict[str, Any] | None = None
    ) -> ConfigFlowResult:
        """Ask before adding the discovered nodes."""
        if user_input is None:
            return self.async_show_form(
                step_id="discovery_confirm",
                description_placeholders=self.context["title_placeholders"],
            )
        return self._create_pyaiot_entry()

    def _create_pyaiot_entry(self) -> ConfigFlowResult:
        return self.async_create_entry(
            title="Pyaiot MQTT nodes",
            data={CONF_ENTRY_TYPE: EntryType.PYAIOT_MQTT.value},
            options={CONF_NODE_TIMEOUT: DEFAULT_NODE_TIMEOUT},
        )

    # --- Thermostat ----------------------------------------------------------------------------

    async def async_step_thermostat(self, user_input: dict[str, Any] | None = None) -> ConfigFlowResult:
        """Name, relays and temperature sensors of a new zone."""
        errors: dict[str, str] = {}
        if user_input is not None:
            self._async_abort_entries_match({CONF_NAME: user_input[CONF_NAME]})
            if not (errors := equipment_errors(user_input)):
                self._equipment = user_input
                return await self.async_step_thermostat_weights()
        return self.async_show_form(
            step_id="thermostat",
            data_schema=self.add_suggested_values_to_schema(equipment_schema(), user_input or {}),
            errors=errors,
        )

    async def async_step_thermostat_weights(
        self, user_input: dict[str, Any] | None = None
    ) -> ConfigFlowResult:
        """How much each sensor counts."""
        if user_input is not None:
            self._data = entry_data(self._equipment, user_input)
            return await self.async_step_thermostat_tuning()
        return self.async_show_form(
            step_id="thermostat_weights",
            data_schema=weights_schema(self._equipment[CONF_SENSORS], {}),
        )

    async def async_step_thermostat_tuning(
        self, user_input: dict[str, Any] | None = None
    ) -> ConfigFlowResult:
        """Algorithm, fail-safe, protection limits and presets."""
        errors: dict[str, str] = {}
        if user_input is not None:
            if (error := settings_error(self._data, user_input)) is None:
                self._options = user_input
                return await self.async_step_thermostat_algorithm()
            errors["base"] = error
        return self.async_show_form(
            step_id="thermostat_tuning",
            data_schema=self.add_suggested_values_to_schema(
                tuning_schema(), user_input or tuning_defaults({})
            ),
            errors=errors,
        )

    async def async_step_thermostat_algorithm(
        self, user_input: dict[str, Any] | None = None
    ) -> ConfigFlowResult:
        """Parameters of the chosen decision algorithm."""
        if user_input is None:
            return self.async_show_form(
                step_id="thermostat_algorithm",
                data_schema=algorithm_schema(self._options[CONF_ALGORITHM]),
                description_placeholders={"algorithm": self._options[CONF_ALGORITHM]},
            )
        return self.async_create_entry(
            title=self._data[CONF_NAME],
            data={CONF_ENTRY_TYPE: EntryType.THERMOSTAT.value, **self._data},
            options={**self._options, CONF_ALGORITHM_PARAMS: user_input},
        )

    # --- RPyMostat sensor hosts -----------------------------------------------------------------

    async def async_step_rpymostat(self, user_input: dict[str, Any] | None = None) -> ConfigFlowResult:
        """PyIoT acts as the RPyMostat Engine on a port of this host; one entry per port."""
        errors: dict[str, str] = {}
        if user_input is not None:
            port = int(user_input[CONF_PORT])
            await self.async_set_unique_id(rpymostat.unique_id(port))
            self._abort_if_unique_id_configured()
            options, errors = rpymostat_options(user_input)
            if not errors and not await rpymostat.async_port_available(self.hass, port):
                errors[CONF_PORT] = "port_unavailable"
            if not errors:
                return self.async_create_entry(
                    title=rpymostat.title(port),
                    data={CONF_ENTRY_TYPE: EntryType.RPYMOSTAT.value, CONF_PORT: port},
                    options=options,
                )
        return self.async_show_form(
            step_id="rpymostat",
            data_schema=self.add_suggested_values_to_schema(
                rpymostat_schema(), user_input or RPYMOSTAT_DEFAULTS
            ),
            errors=errors,
        )

    # --- Reconfigure ---------------------------------------------------------------------------

    async def async_step_reconfigure(self, user_input: dict[str, Any] | None = None) -> ConfigFlowResult:
        """Change a zone's name, relays and sensors, or the RPyMostat port (Pyaiot: nothing to change)."""
        entry = self._get_reconfigure_entry()
        if entry.data[CONF_ENTRY_TYPE] == EntryType.RPYMOSTAT:
            return await self.async_step_reconfigure_rpymostat()
        if entry.data[CONF_ENTRY_TYPE] != EntryType.THERMOSTAT:
            return self.async_abort(reason="nothing_to_reconfigure")
        errors: dict[str, str] = {}
        if user_input is not None and not (errors := equipment_errors(user_input)):
            self._equipment = user_input
            return await self.async_step_reconfigure_weights()
        return self.async_show_form(
            step_id="reconfigure",
            data_schema=self.add_suggested_values_to_schema(
                equipment_schema(), user_input or dict(entry.data)
            ),
            errors=errors,
        )

    async def async_step_reconfigure_weights(
        self, user_input: dict[str, Any] | None = None
    ) -> ConfigFlowResult:
        """Weights of the zone's sensors, keeping the known ones."""
        entry = self._get_reconfigure_entry()
        if user_input is not None:
            data = {CONF_ENTRY_TYPE: EntryType.THERMOSTAT.value, **entry_data(self._equipment, user_input)}
            return self.async_update_reload_and_abort(entry, title=data[CONF_NAME], data=data)
        return self.async_show_form(
            step_id="reconfigure_weights",
            data_schema=weights_schema(self._equipment[CONF_SENSORS], entry.data.get(CONF_WEIGHTS, {})),
        )

    async def async_step_reconfigure_rpymostat(
        self, user_input: dict[str, Any] | None = None
    ) -> ConfigFlowResult:
        """Move the RPyMostat engine to another port (the hosts' `-p` must follow)."""
        entry = self._get_reconfigure_entry()
        errors: dict[str, str] = {}
        if user_input is not None:
            port = int(user_input[CONF_PORT])
            if port == entry.data[CONF_PORT]:
                return self.async_abort(reason="rpymostat_port_unchanged")
            await self.async_set_unique_id(rpymostat.unique_id(port))
            self._abort_if_unique_id_configured()
            if await rpymostat.async_port_available(self.hass, port):
                return self.async_update_reload_and_abort(
                    entry,
                    unique_id=rpymostat.unique_id(port),
                    title=rpymostat.title(port),
                    data_updates={CONF_PORT: port},
                    reason="rpymostat_reconfigured",
                )
            errors[CONF_PORT] = "port_unavailable"
        return self.async_show_form(
            step_id="reconfigure_rpymostat",
            data_schema=self.add_suggested_values_to_schema(
                rpymostat_port_schema(), user_input or dict(entry.data)
            ),
            errors=errors,
        )


class PyIoTOptionsFlow(OptionsFlowWithReload):
    """Tune an entry; the entry reloads with the new options."""

    def __init__(self) -> None:
        """Start with nothing entered."""
        self._options: dict[str, Any] = {}

    async def async_step_init(self, user_input: dict[str, Any] | None = None) -> ConfigFlowResult:
        """The Pyaiot node timeout, the first tuning step of a zone, or the RPyMostat security settings."""
        if self.config_entry.data[CONF_ENTRY_TYPE] == EntryType.THERMOSTAT:
            return await self.async_step_thermostat_tuning()
        if self.config_entry.data[CONF_ENTRY_TYPE] == EntryType.RPYMOSTAT:
            return await self.async_step_rpymostat()
        if user_input is not None:
            return self.async_create_entry(data={CONF_NODE_TIMEOUT: int(user_input[CONF_NODE_TIMEOUT])})
        schema = vol.Schema(
            {
                vol.Required(CONF_NODE_TIMEOUT): NumberSelector(
                    NumberSelectorConfig(
                        min=MIN_NODE_TIMEOUT,
                        max=MAX_NODE_TIMEOUT,
                        step=1,
                        mode=NumberSelectorMode.BOX,
                        unit_of_measurement="s",
                    )
                ),
            }
        )
        return self.async_show_form(
            step_id="init",
            data_schema=self.add_suggested_values_to_schema(schema, self.config_entry.options),
        )

    async def async_step_thermostat_tuning(
        self, user_input: dict[str, Any] | None = None
    ) -> ConfigFlowResult:
        """Algorithm, fail-safe, protection limits and presets of a zone."""
        errors: dict[str, str] = {}
        if user_input is not None:
            if (error := settings_error(dict(self.config_entry.data), user_input)) is None:
                self._options = user_input
                return await self.async_step_thermostat_algorithm()
            errors["base"] = error
        suggested = user_input or tuning_defaults(dict(self.config_entry.options))
        return self.async_show_form(
            step_id="thermostat_tuning",
            data_schema=self.add_suggested_values_to_schema(tuning_schema(), suggested),
            errors=errors,
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

    async def async_step_rpymostat(self, user_input: dict[str, Any] | None = None) -> ConfigFlowResult:
        """Token, allowed networks, rate limit and DNS-SD advertisement of the RPyMostat engine."""
        errors: dict[str, str] = {}
        if user_input is not None:
            options, errors = rpymostat_options(user_input)
            if not errors:
                return self.async_create_entry(data=options)
        suggested = user_input or {**RPYMOSTAT_DEFAULTS, **self.config_entry.options}
        return self.async_show_form(
            step_id="rpymostat",
            data_schema=self.add_suggested_values_to_schema(rpymostat_options_schema(), suggested),
            errors=errors,
        )


def _pyaiot_node_id(payload: str | bytes | bytearray) -> str | None:
    """The node id of a `node/check` payload, or None when it is not one."""
    try:
        data = json.loads(payload)
    except ValueError:
        return None
    node_id = data.get("id") if isinstance(data, dict) else None
    return node_id if isinstance(node_id, str) and node_id else None
