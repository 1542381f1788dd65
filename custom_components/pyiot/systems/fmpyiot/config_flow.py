"""Config flow steps of the FmPyIOT system: the MQTT entry, its discovery, its options."""

from typing import Any

from homeassistant.config_entries import ConfigFlow, ConfigFlowResult, OptionsFlowWithReload
from homeassistant.helpers.selector import (
    BooleanSelector,
    NumberSelector,
    NumberSelectorConfig,
    NumberSelectorMode,
    TextSelector,
)
from homeassistant.helpers.service_info.mqtt import MqttServiceInfo
import probatio as vol

from ...const import CONF_ENTRY_TYPE
from ...core.nodes import AdmissionLimits
from ...core.protocols.fmpyiot import BaseTopicError, GatewaySettings, normalise_base
from ...core.protocols.fmpyiot.settings import MAX_MANUAL_BASES
from ...core.protocols.fmpyiot.topics import MAX_DEPTH_LIMIT
from ...hub.limits import CONF_LIMITS, limits_from_options, limits_option, limits_section
from .const import (
    CONF_ADD_BASE,
    CONF_MANUAL_BASES,
    CONF_MAX_DEPTH,
    CONF_TIME_SERVICE,
    FMPYIOT_MQTT,
)
from .mqtt import gateway_settings

MQTT_DOMAIN = "mqtt"
DEFAULT_LIMITS = AdmissionLimits()


class FmPyIotConfigSteps(ConfigFlow):
    """Steps of the FmPyIOT entry kind, part of PyIoT's one config flow."""

    async def async_step_fmpyiot_mqtt(self, user_input: dict[str, Any] | None = None) -> ConfigFlowResult:
        """One entry serves every FmPyIOT device on HA's MQTT broker."""
        if not self.hass.config_entries.async_entries(MQTT_DOMAIN, include_disabled=False):
            return self.async_abort(reason="mqtt_not_configured")
        await self.async_set_unique_id(FMPYIOT_MQTT)
        self._abort_if_unique_id_configured()
        if user_input is None:
            return self.async_show_form(step_id=FMPYIOT_MQTT)
        return self._create_fmpyiot_mqtt_entry()

    async def async_step_fmpyiot_mqtt_discovery(self, _: MqttServiceInfo) -> ConfigFlowResult:
        """A device asked the time on `/FmPyIOT/datetime_`: there are FmPyIOT devices on the broker."""
        await self.async_set_unique_id(FMPYIOT_MQTT)
        self._abort_if_unique_id_configured()
        return await self.async_step_fmpyiot_mqtt_confirm()

    async def async_step_fmpyiot_mqtt_confirm(
        self, user_input: dict[str, Any] | None = None
    ) -> ConfigFlowResult:
        """Ask before adding the devices of the broker."""
        if user_input is None:
            return self.async_show_form(step_id="fmpyiot_mqtt_confirm")
        return self._create_fmpyiot_mqtt_entry()

    def _create_fmpyiot_mqtt_entry(self) -> ConfigFlowResult:
        return self.async_create_entry(
            title="FmPyIOT MQTT devices",
            data={CONF_ENTRY_TYPE: FMPYIOT_MQTT},
            options=GatewaySettings().as_dict(),
        )


class FmPyIotMqttOptionsFlow(OptionsFlowWithReload):
    """Depth limit, time service, base topics added by hand and admission limits; the entry reloads."""

    async def async_step_init(self, user_input: dict[str, Any] | None = None) -> ConfigFlowResult:
        """The only step."""
        return await self.async_step_fmpyiot_mqtt(user_input)

    async def async_step_fmpyiot_mqtt(self, user_input: dict[str, Any] | None = None) -> ConfigFlowResult:
        """Edit the entry's settings; per-device settings are kept as they are."""
        current = gateway_settings(self.config_entry, log=False).as_dict()
        errors: dict[str, str] = {}
        if user_input is not None:
            bases = list(current[CONF_MANUAL_BASES])
            if text := str(user_input.get(CONF_ADD_BASE, "")).strip():
                try:
                    base = normalise_base(text)
                except BaseTopicError as err:
                    errors[CONF_ADD_BASE] = err.key.value
                else:
                    if len(bases) >= MAX_MANUAL_BASES:
                        errors[CONF_ADD_BASE] = "too_many_bases"
                    elif base not in bases:
                        bases.append(base)
            if not errors:
                return self.async_create_entry(
                    data={
                        **current,
                        CONF_MAX_DEPTH: int(user_input[CONF_MAX_DEPTH]),
                        CONF_TIME_SERVICE: bool(user_input[CONF_TIME_SERVICE]),
                        CONF_MANUAL_BASES: bases,
                        CONF_LIMITS: limits_option(user_input),
                    }
                )
        schema = vol.Schema(
            {
                vol.Required(CONF_MAX_DEPTH): NumberSelector(
                    NumberSelectorConfig(min=1, max=MAX_DEPTH_LIMIT, step=1, mode=NumberSelectorMode.BOX)
                ),
                vol.Required(CONF_TIME_SERVICE): BooleanSelector(),
                vol.Optional(CONF_ADD_BASE): TextSelector(),
                **limits_section(limits_from_options(self.config_entry.options, DEFAULT_LIMITS)),
            }
        )
        return self.async_show_form(
            step_id=FMPYIOT_MQTT,
            data_schema=self.add_suggested_values_to_schema(schema, user_input or current),
            errors=errors,
            description_placeholders={"bases": ", ".join(current[CONF_MANUAL_BASES]) or "-"},
        )
