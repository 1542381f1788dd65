"""Config flow steps of the Pyaiot system: the MQTT entry, its discovery on `node/check`, its options."""

import json
from typing import Any

from homeassistant.config_entries import ConfigFlow, ConfigFlowResult, OptionsFlowWithReload
from homeassistant.helpers.selector import NumberSelector, NumberSelectorConfig, NumberSelectorMode
from homeassistant.helpers.service_info.mqtt import MqttServiceInfo
import probatio as vol

from ...const import CONF_ENTRY_TYPE
from ...core.nodes import AdmissionLimits
from ...hub.limits import CONF_LIMITS, limits_from_options, limits_option, limits_section
from .const import CONF_NODE_TIMEOUT, DEFAULT_NODE_TIMEOUT, MAX_NODE_TIMEOUT, MIN_NODE_TIMEOUT, PYAIOT_MQTT

MQTT_DOMAIN = "mqtt"


class PyaiotConfigSteps(ConfigFlow):
    """Steps of the Pyaiot entry kinds, part of PyIoT's one config flow."""

    async def async_step_pyaiot_mqtt(self, user_input: dict[str, Any] | None = None) -> ConfigFlowResult:
        """One entry serves every Pyaiot node on HA's MQTT broker."""
        if not self.hass.config_entries.async_entries(MQTT_DOMAIN, include_disabled=False):
            return self.async_abort(reason="mqtt_not_configured")
        await self.async_set_unique_id(PYAIOT_MQTT)
        self._abort_if_unique_id_configured()
        if user_input is None:
            return self.async_show_form(step_id=PYAIOT_MQTT)
        return self._create_pyaiot_mqtt_entry()

    async def async_step_pyaiot_mqtt_discovery(self, discovery_info: MqttServiceInfo) -> ConfigFlowResult:
        """A Pyaiot node announced itself on `node/check`."""
        node_id = _node_id(discovery_info.payload)
        if node_id is None:
            return self.async_abort(reason="invalid_discovery_info")
        await self.async_set_unique_id(PYAIOT_MQTT)
        self._abort_if_unique_id_configured()
        self.context["title_placeholders"] = {"node": node_id}
        return await self.async_step_pyaiot_mqtt_confirm()

    async def async_step_pyaiot_mqtt_confirm(
        self, user_input: dict[str, Any] | None = None
    ) -> ConfigFlowResult:
        """Ask before adding the discovered nodes."""
        if user_input is None:
            return self.async_show_form(
                step_id="pyaiot_mqtt_confirm",
                description_placeholders=self.context["title_placeholders"],
            )
        return self._create_pyaiot_mqtt_entry()

    def _create_pyaiot_mqtt_entry(self) -> ConfigFlowResult:
        return self.async_create_entry(
            title="Pyaiot MQTT nodes",
            data={CONF_ENTRY_TYPE: PYAIOT_MQTT},
            options={CONF_NODE_TIMEOUT: DEFAULT_NODE_TIMEOUT},
        )


class PyaiotMqttOptionsFlow(OptionsFlowWithReload):
    """The node timeout of the Pyaiot MQTT entry; the entry reloads with it."""

    async def async_step_init(self, user_input: dict[str, Any] | None = None) -> ConfigFlowResult:
        """The only step."""
        return await self.async_step_pyaiot_mqtt(user_input)

    async def async_step_pyaiot_mqtt(self, user_input: dict[str, Any] | None = None) -> ConfigFlowResult:
        """How long a silent node stays available."""
        if user_input is not None:
            return self.async_create_entry(
                data={
                    CONF_NODE_TIMEOUT: int(user_input[CONF_NODE_TIMEOUT]),
                    CONF_LIMITS: limits_option(user_input),
                }
            )
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
                **limits_section(
                    limits_from_options(self.config_entry.options, AdmissionLimits()), discovery=True
                ),
            }
        )
        return self.async_show_form(
            step_id=PYAIOT_MQTT,
            data_schema=self.add_suggested_values_to_schema(schema, self.config_entry.options),
        )


def _node_id(payload: str | bytes | bytearray) -> str | None:
    """The node id of a `node/check` payload, or None when it is not one."""
    try:
        data = json.loads(payload)
    except ValueError:
        return None
    node_id = data.get("id") if isinstance(data, dict) else None
    return node_id if isinstance(node_id, str) and node_id else None
