"""Whom a server of PyIoT (an RPyMostat engine, a Pyaiot WebSocket gateway) accepts: its allowed networks."""

from collections.abc import Mapping
from ipaddress import ip_network
from typing import Any, Final

from homeassistant.components import network
from homeassistant.const import CONF_TOKEN
from homeassistant.core import HomeAssistant
from homeassistant.exceptions import ConfigEntryError

from ..const import DOMAIN
from ..core.protocols.http_guard import IPNetwork, NetworkListError, format_networks, parse_networks

CONF_ALLOWED_NETWORKS: Final = "allowed_networks"
CONF_RATE_LIMIT: Final = "rate_limit"


async def async_local_networks(hass: HomeAssistant) -> tuple[IPNetwork, ...]:
    """The IPv4 and IPv6 networks of the adapters enabled in HA's network settings."""
    networks: list[IPNetwork] = []
    for adapter in await network.async_get_adapters(hass):
        if adapter["enabled"]:
            networks += [
                ip_network(f"{address['address']}/{address['network_prefix']}", strict=False)
                for address in (*adapter["ipv4"], *adapter["ipv6"])
            ]
    return tuple(dict.fromkeys(networks))


async def async_allowed_networks(
    hass: HomeAssistant, options: Mapping[str, Any], invalid_key: str
) -> tuple[IPNetwork, ...]:
    """The networks the options allow; none given means the local ones, decided at each start.

    A list that no longer parses (edited storage) fails the setup with the translated error `invalid_key`.
    """
    text = str(options.get(CONF_ALLOWED_NETWORKS) or "")
    try:
        return parse_networks(text) if text.strip() else await async_local_networks(hass)
    except NetworkListError as err:
        raise ConfigEntryError(
            translation_domain=DOMAIN,
            translation_key=invalid_key,
            translation_placeholders={"item": err.item},
        ) from err


def guard_options(user_input: Mapping[str, Any]) -> tuple[dict[str, Any], dict[str, str]]:
    """Allowed networks, rate limit and token of a server's options form, normalised; and the errors by field.

    An empty token means none; empty allowed networks mean the local networks, decided at each start.
    """
    errors: dict[str, str] = {}
    networks = ""
    try:
        networks = format_networks(parse_networks(str(user_input.get(CONF_ALLOWED_NETWORKS) or "")))
    except NetworkListError:
        errors[CONF_ALLOWED_NETWORKS] = "invalid_networks"
    options: dict[str, Any] = {
        CONF_ALLOWED_NETWORKS: networks,
        CONF_RATE_LIMIT: float(user_input[CONF_RATE_LIMIT]),
    }
    if token := str(user_input.get(CONF_TOKEN) or "").strip():
        options[CONF_TOKEN] = token
    return options, errors
