"""Forms of the Pyaiot CoAP, WebSocket and broker entries, and how their answers become data and options."""

from collections.abc import Mapping
from typing import Any, Final

from homeassistant.const import CONF_PORT, CONF_TOKEN, CONF_URL
from homeassistant.helpers.selector import (
    NumberSelector,
    NumberSelectorConfig,
    NumberSelectorMode,
    TextSelector,
    TextSelectorConfig,
    TextSelectorType,
)
import probatio as vol
from yarl import URL

from ...core.nodes import AdmissionLimits
from ...core.protocols.pyaiot.broker_client import broker_url
from ...core.protocols.pyaiot.coap_settings import DEFAULT_COAP_PORT
from ...core.protocols.pyaiot.ws import DEFAULT_WS_PORT
from ...hub.limits import CONF_LIMITS, limits_from_options, limits_option, limits_section
from ...hub.networks import CONF_ALLOWED_NETWORKS, CONF_RATE_LIMIT, guard_options
from .const import (
    CONF_NODE_PORT,
    CONF_NODE_TIMEOUT,
    CONF_REREAD_INTERVAL,
    DEFAULT_NODE_PORT,
    DEFAULT_NODE_TIMEOUT,
    DEFAULT_RATE_LIMIT,
    MAX_NODE_TIMEOUT,
    MAX_RATE_LIMIT,
    MAX_REREAD_INTERVAL,
    MIN_NODE_TIMEOUT,
)

DEFAULT_BROKER_URL: Final = broker_url("localhost")
COAP_DEFAULT_OPTIONS: Final[Mapping[str, Any]] = {
    CONF_NODE_TIMEOUT: DEFAULT_NODE_TIMEOUT,
    CONF_NODE_PORT: DEFAULT_NODE_PORT,
    CONF_REREAD_INTERVAL: 0,
}
WS_DEFAULT_OPTIONS: Final[Mapping[str, Any]] = {
    CONF_ALLOWED_NETWORKS: "",
    CONF_RATE_LIMIT: DEFAULT_RATE_LIMIT,
}


def _number(minimum: float, maximum: float, step: float = 1, unit: str | None = None) -> NumberSelector:
    config = NumberSelectorConfig(min=minimum, max=maximum, step=step, mode=NumberSelectorMode.BOX)
    if unit is not None:
        config["unit_of_measurement"] = unit
    return NumberSelector(config)


def port_schema() -> vol.Schema:
    """The port a gateway listens on."""
    return vol.Schema({vol.Required(CONF_PORT): _number(1, 65535)})


def coap_defaults(port: int = DEFAULT_COAP_PORT) -> dict[str, Any]:
    """What the CoAP form suggests."""
    return {CONF_PORT: port}


def ws_defaults(port: int = DEFAULT_WS_PORT) -> dict[str, Any]:
    """What the WebSocket form suggests."""
    return {CONF_PORT: port, **WS_DEFAULT_OPTIONS}


def coap_options_schema(options: Mapping[str, Any], defaults: AdmissionLimits) -> vol.Schema:
    """Node timeout, the nodes' resource port, re-reads and the admission limits."""
    return vol.Schema(
        {
            vol.Required(CONF_NODE_TIMEOUT): _number(MIN_NODE_TIMEOUT, MAX_NODE_TIMEOUT, unit="s"),
            vol.Required(CONF_NODE_PORT): _number(0, 65535),
            vol.Required(CONF_REREAD_INTERVAL): _number(0, MAX_REREAD_INTERVAL, unit="s"),
            **limits_section(limits_from_options(options, defaults), discovery=True),
        }
    )


def coap_options(user_input: Mapping[str, Any]) -> dict[str, Any]:
    """The CoAP entry's options from its options form."""
    return {
        CONF_NODE_TIMEOUT: int(user_input[CONF_NODE_TIMEOUT]),
        CONF_NODE_PORT: int(user_input[CONF_NODE_PORT]),
        CONF_REREAD_INTERVAL: int(user_input[CONF_REREAD_INTERVAL]),
        CONF_LIMITS: limits_option(user_input),
    }


def ws_guard_schema() -> vol.Schema:
    """Token, allowed networks and rate limit of the WebSocket gateway."""
    return vol.Schema(
        {
            vol.Optional(CONF_TOKEN): TextSelector(TextSelectorConfig(type=TextSelectorType.PASSWORD)),
            vol.Optional(CONF_ALLOWED_NETWORKS): TextSelector(),
            vol.Required(CONF_RATE_LIMIT): _number(0, MAX_RATE_LIMIT, 0.1, "connections/s"),
        }
    )


def ws_entry_schema() -> vol.Schema:
    """Port and security (the form that creates the WebSocket entry)."""
    return port_schema().extend(ws_guard_schema().schema)


def ws_options_schema(options: Mapping[str, Any], defaults: AdmissionLimits) -> vol.Schema:
    """Security and admission limits (the WebSocket options form)."""
    return ws_guard_schema().extend(limits_section(limits_from_options(options, defaults)))


def ws_options(user_input: Mapping[str, Any]) -> tuple[dict[str, Any], dict[str, str]]:
    """The WebSocket entry's options from a form, normalised; and the form's errors by field.

    An empty token means none; empty allowed networks mean the local networks, decided at each start.
    """
    options, errors = guard_options(user_input)
    if CONF_LIMITS in user_input:
        options[CONF_LIMITS] = limits_option(user_input)
    return options, errors


def broker_options_schema(options: Mapping[str, Any], defaults: AdmissionLimits) -> vol.Schema:
    """The admission limits (the broker options form): the broker relays whatever its gateways admit."""
    return vol.Schema(limits_section(limits_from_options(options, defaults)))


def broker_options(user_input: Mapping[str, Any]) -> dict[str, Any]:
    """The broker entry's options from a form."""
    return {CONF_LIMITS: limits_option(user_input)}


def broker_schema() -> vol.Schema:
    """The URL of the broker's `/ws` endpoint."""
    return vol.Schema({vol.Required(CONF_URL): TextSelector(TextSelectorConfig(type=TextSelectorType.URL))})


def normalised_broker_url(text: str) -> str | None:
    """`ws://host:port/path` (or `wss://`) as typed, tidied; None when it is not one."""
    try:
        url = URL(text.strip())
    except ValueError:
        return None
    if url.scheme not in {"ws", "wss"} or not url.host:
        return None
    path = url.path if url.path not in {"", "/"} else "/ws"
    return str(url.with_path(path).with_query(None).with_fragment(None))
