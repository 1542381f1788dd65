"""Config flow steps of the Pyaiot system: MQTT (with discovery), CoAP, WebSocket and broker entries.

Also their options and reconfiguration (the port of a gateway, the URL of a broker).
"""

import json
from typing import Any

from homeassistant.config_entries import ConfigFlow, ConfigFlowResult, OptionsFlowWithReload
from homeassistant.const import CONF_PORT, CONF_URL
from homeassistant.helpers.selector import NumberSelector, NumberSelectorConfig, NumberSelectorMode
from homeassistant.helpers.service_info.mqtt import MqttServiceInfo
import probatio as vol

from ...const import CONF_ENTRY_TYPE
from ...core.nodes import AdmissionLimits
from ...core.protocols.pyaiot.coap_settings import CoapBindError, CoapBindProblem
from ...hub.limits import CONF_LIMITS, limits_from_options, limits_option, limits_section
from ...hub.ports import async_port_available
from . import broker, coap, ws
from .const import (
    CONF_NODE_TIMEOUT,
    DEFAULT_NODE_TIMEOUT,
    MAX_NODE_TIMEOUT,
    MIN_NODE_TIMEOUT,
    PYAIOT_BROKER,
    PYAIOT_COAP,
    PYAIOT_MQTT,
    PYAIOT_WS,
)
from .flow_schemas import (
    COAP_DEFAULT_OPTIONS,
    DEFAULT_BROKER_URL,
    broker_options,
    broker_options_schema,
    broker_schema,
    coap_defaults,
    coap_options,
    coap_options_schema,
    normalised_broker_url,
    port_schema,
    ws_defaults,
    ws_entry_schema,
    ws_options,
    ws_options_schema,
)

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

    def _ports_of(self, kind: str) -> set[int]:
        """The ports of the entries of `kind` (the form does not suggest them)."""
        return {
            int(entry.data[CONF_PORT])
            for entry in self._async_current_entries(include_ignore=False)
            if entry.data.get(CONF_ENTRY_TYPE) == kind
        }

    # --- CoAP --------------------------------------------------------------------------------------

    async def async_step_pyaiot_coap(self, user_input: dict[str, Any] | None = None) -> ConfigFlowResult:
        """PyIoT is the CoAP gateway of Pyaiot nodes on a UDP port of this host; one entry per port."""
        errors: dict[str, str] = {}
        if user_input is not None:
            port = int(user_input[CONF_PORT])
            await self.async_set_unique_id(coap.unique_id(port))
            self._abort_if_unique_id_configured()
            if (error := await _coap_port_error(self, port)) is None:
                return self.async_create_entry(
                    title=coap.title(port),
                    data={CONF_ENTRY_TYPE: PYAIOT_COAP, CONF_PORT: port},
                    options=dict(COAP_DEFAULT_OPTIONS),
                )
            errors[CONF_PORT] = error
        suggested = user_input or coap_defaults(
            await coap.async_suggested_port(self.hass, self._ports_of(PYAIOT_COAP))
        )
        return self.async_show_form(
            step_id=PYAIOT_COAP,
            data_schema=self.add_suggested_values_to_schema(port_schema(), suggested),
            errors=errors,
        )

    async def async_step_reconfigure_pyaiot_coap(
        self, user_input: dict[str, Any] | None = None
    ) -> ConfigFlowResult:
        """Move the CoAP gateway to another UDP port (the nodes must send their alives there)."""
        entry = self._get_reconfigure_entry()
        errors: dict[str, str] = {}
        if user_input is not None:
            port = int(user_input[CONF_PORT])
            if port == entry.data[CONF_PORT]:
                return self.async_abort(reason="pyaiot_port_unchanged")
            await self.async_set_unique_id(coap.unique_id(port))
            self._abort_if_unique_id_configured()
            if (error := await _coap_port_error(self, port)) is None:
                return self.async_update_reload_and_abort(
                    entry,
                    unique_id=coap.unique_id(port),
                    title=coap.title(port),
                    data_updates={CONF_PORT: port},
                    reason="pyaiot_reconfigured",
                )
            errors[CONF_PORT] = error
        return self.async_show_form(
            step_id="reconfigure_pyaiot_coap",
            data_schema=self.add_suggested_values_to_schema(port_schema(), user_input or dict(entry.data)),
            errors=errors,
        )

    # --- WebSocket ---------------------------------------------------------------------------------

    async def async_step_pyaiot_ws(self, user_input: dict[str, Any] | None = None) -> ConfigFlowResult:
        """PyIoT is the WebSocket gateway Pyaiot nodes connect to, on a TCP port; one entry per port."""
        errors: dict[str, str] = {}
        if user_input is not None:
            port = int(user_input[CONF_PORT])
            await self.async_set_unique_id(ws.unique_id(port))
            self._abort_if_unique_id_configured()
            options, errors = ws_options(user_input)
            if not errors and not await async_port_available(self.hass, port):
                errors[CONF_PORT] = "port_unavailable"
            if not errors:
                return self.async_create_entry(
                    title=ws.title(port), data={CONF_ENTRY_TYPE: PYAIOT_WS, CONF_PORT: port}, options=options
                )
        suggested = user_input or ws_defaults(
            await ws.async_suggested_port(self.hass, self._ports_of(PYAIOT_WS))
        )
        return self.async_show_form(
            step_id=PYAIOT_WS,
            data_schema=self.add_suggested_values_to_schema(ws_entry_schema(), suggested),
            errors=errors,
        )

    async def async_step_reconfigure_pyaiot_ws(
        self, user_input: dict[str, Any] | None = None
    ) -> ConfigFlowResult:
        """Move the WebSocket gateway to another TCP port (the nodes must connect there)."""
        entry = self._get_reconfigure_entry()
        errors: dict[str, str] = {}
        if user_input is not None:
            port = int(user_input[CONF_PORT])
            if port == entry.data[CONF_PORT]:
                return self.async_abort(reason="pyaiot_port_unchanged")
            await self.async_set_unique_id(ws.unique_id(port))
            self._abort_if_unique_id_configured()
            if await async_port_available(self.hass, port):
                return self.async_update_reload_and_abort(
                    entry,
                    unique_id=ws.unique_id(port),
                    title=ws.title(port),
                    data_updates={CONF_PORT: port},
                    reason="pyaiot_reconfigured",
                )
            errors[CONF_PORT] = "port_unavailable"
        return self.async_show_form(
            step_id="reconfigure_pyaiot_ws",
            data_schema=self.add_suggested_values_to_schema(port_schema(), user_input or dict(entry.data)),
            errors=errors,
        )

    # --- an existing deployment's broker -------------------------------------------------------------

    async def async_step_pyaiot_broker(self, user_input: dict[str, Any] | None = None) -> ConfigFlowResult:
        """PyIoT is a web client of a running Pyaiot broker; one entry per broker URL."""
        errors: dict[str, str] = {}
        if user_input is not None:
            url, error = await _broker_url_error(self, str(user_input[CONF_URL]))
            if url is not None:
                await self.async_set_unique_id(broker.unique_id(url))
                self._abort_if_unique_id_configured()
            if error is None and url is not None:
                return self.async_create_entry(
                    title=broker.title(url), data={CONF_ENTRY_TYPE: PYAIOT_BROKER, CONF_URL: url}
                )
            errors[CONF_URL] = error or "invalid_url"
        return self.async_show_form(
            step_id=PYAIOT_BROKER,
            data_schema=self.add_suggested_values_to_schema(
                broker_schema(), user_input or {CONF_URL: DEFAULT_BROKER_URL}
            ),
            errors=errors,
        )

    async def async_step_reconfigure_pyaiot_broker(
        self, user_input: dict[str, Any] | None = None
    ) -> ConfigFlowResult:
        """Another URL for the broker (it moved, or got TLS)."""
        entry = self._get_reconfigure_entry()
        errors: dict[str, str] = {}
        if user_input is not None:
            url, error = await _broker_url_error(self, str(user_input[CONF_URL]))
            if url == entry.data[CONF_URL]:
                return self.async_abort(reason="pyaiot_url_unchanged")
            if url is not None:
                await self.async_set_unique_id(broker.unique_id(url))
                self._abort_if_unique_id_configured()
            if error is None and url is not None:
                return self.async_update_reload_and_abort(
                    entry,
                    unique_id=broker.unique_id(url),
                    title=broker.title(url),
                    data_updates={CONF_URL: url},
                    reason="pyaiot_reconfigured",
                )
            errors[CONF_URL] = error or "invalid_url"
        return self.async_show_form(
            step_id="reconfigure_pyaiot_broker",
            data_schema=self.add_suggested_values_to_schema(broker_schema(), user_input or dict(entry.data)),
            errors=errors,
        )


async def _coap_port_error(flow: ConfigFlow, port: int) -> str | None:
    """None when the CoAP gateway can listen on `port`, else the form's error key."""
    try:
        await coap.async_bindable_addresses(flow.hass, port)
    except CoapBindError as err:
        return "coap_port_in_use" if err.problem is CoapBindProblem.PORT_IN_USE else "port_unavailable"
    return None


async def _broker_url_error(flow: ConfigFlow, text: str) -> tuple[str | None, str | None]:
    """The tidied URL (None when it is not a websocket URL) and the error of trying it, if any."""
    url = normalised_broker_url(text)
    if url is None:
        return None, "invalid_url"
    return url, await broker.async_check_broker(flow.hass, url)


class PyaiotCoapOptionsFlow(OptionsFlowWithReload):
    """Node timeout, resource port, re-reads and limits of a CoAP entry; the entry reloads with them."""

    async def async_step_init(self, user_input: dict[str, Any] | None = None) -> ConfigFlowResult:
        """The only step."""
        return await self.async_step_pyaiot_coap(user_input)

    async def async_step_pyaiot_coap(self, user_input: dict[str, Any] | None = None) -> ConfigFlowResult:
        """How the gateway treats nodes."""
        if user_input is not None:
            return self.async_create_entry(data=coap_options(user_input))
        schema = coap_options_schema(self.config_entry.options, AdmissionLimits())
        return self.async_show_form(
            step_id=PYAIOT_COAP,
            data_schema=self.add_suggested_values_to_schema(
                schema, {**COAP_DEFAULT_OPTIONS, **self.config_entry.options}
            ),
        )


class PyaiotWsOptionsFlow(OptionsFlowWithReload):
    """Token, allowed networks, rate limit and limits of a WebSocket entry; the entry reloads with them."""

    async def async_step_init(self, user_input: dict[str, Any] | None = None) -> ConfigFlowResult:
        """The only step."""
        return await self.async_step_pyaiot_ws(user_input)

    async def async_step_pyaiot_ws(self, user_input: dict[str, Any] | None = None) -> ConfigFlowResult:
        """Whom the gateway accepts."""
        errors: dict[str, str] = {}
        if user_input is not None:
            options, errors = ws_options(user_input)
            if not errors:
                return self.async_create_entry(data=options)
        schema = ws_options_schema(self.config_entry.options, AdmissionLimits())
        return self.async_show_form(
            step_id=PYAIOT_WS,
            data_schema=self.add_suggested_values_to_schema(
                schema, user_input or {**ws_defaults(), **self.config_entry.options}
            ),
            errors=errors,
        )


class PyaiotBrokerOptionsFlow(OptionsFlowWithReload):
    """The limits of a broker entry on the nodes it relays; the entry reloads with them."""

    async def async_step_init(self, user_input: dict[str, Any] | None = None) -> ConfigFlowResult:
        """The only step."""
        return await self.async_step_pyaiot_broker(user_input)

    async def async_step_pyaiot_broker(self, user_input: dict[str, Any] | None = None) -> ConfigFlowResult:
        """How many nodes and entities the broker may bring."""
        if user_input is not None:
            return self.async_create_entry(data=broker_options(user_input))
        return self.async_show_form(
            step_id=PYAIOT_BROKER,
            data_schema=broker_options_schema(self.config_entry.options, AdmissionLimits()),
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
