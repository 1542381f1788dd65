"""Config flow: a menu of entry types, MQTT discovery of Pyaiot nodes, and the options flow."""

import json
from typing import Any, override

from homeassistant.config_entries import (
    ConfigEntry,
    ConfigFlow,
    ConfigFlowResult,
    OptionsFlowWithReload,
)
from homeassistant.core import callback
from homeassistant.helpers.selector import (
    NumberSelector,
    NumberSelectorConfig,
    NumberSelectorMode,
)
from homeassistant.helpers.service_info.mqtt import MqttServiceInfo
import probatio as vol

from .const import (
    CONF_ENTRY_TYPE,
    CONF_NODE_TIMEOUT,
    DEFAULT_NODE_TIMEOUT,
    DOMAIN,
    MAX_NODE_TIMEOUT,
    MIN_NODE_TIMEOUT,
    EntryType,
)

MQTT_DOMAIN = "mqtt"


class PyIoTConfigFlow(ConfigFlow, domain=DOMAIN):
    """Add a PyIoT entry: the user picks the kind of system, or MQTT discovery offers one."""

    VERSION = 1

    @staticmethod
    @callback
    @override
    def async_get_options_flow(config_entry: ConfigEntry) -> PyIoTOptionsFlow:
        return PyIoTOptionsFlow()

    @override
    async def async_step_user(self, user_input: dict[str, Any] | None = None) -> ConfigFlowResult:
        return self.async_show_menu(step_id="user", menu_options=[EntryType.PYAIOT_MQTT.value])

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


class PyIoTOptionsFlow(OptionsFlowWithReload):
    """Tune an entry; the entry reloads with the new options."""

    async def async_step_init(self, user_input: dict[str, Any] | None = None) -> ConfigFlowResult:
        """Show and store the options."""
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


def _pyaiot_node_id(payload: str | bytes | bytearray) -> str | None:
    """The node id of a `node/check` payload, or None when it is not one."""
    try:
        data = json.loads(payload)
    except ValueError:
        return None
    node_id = data.get("id") if isinstance(data, dict) else None
    return node_id if isinstance(node_id, str) and node_id else None
