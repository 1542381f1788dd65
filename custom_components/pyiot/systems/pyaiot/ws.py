"""Pyaiot nodes over WebSocket: the core's WebSocket gateway on a TCP port of HA's host → the node hub."""

from typing import Final

from homeassistant.const import CONF_PORT, CONF_TOKEN
from homeassistant.core import HomeAssistant
from homeassistant.exceptions import ConfigEntryNotReady

from ...const import DOMAIN, LOGGER
from ...core.protocols.http_guard import GuardSettings
from ...core.protocols.pyaiot.ws import DEFAULT_WS_PORT, PyaiotWsGateway, WsSettings
from ...hub import NodeHub
from ...hub.networks import CONF_RATE_LIMIT, async_allowed_networks
from ...hub.ports import async_port_available
from .const import DEFAULT_RATE_LIMIT

RATE_BURST: Final = 10.0
SUGGESTED_PORTS: Final = range(DEFAULT_WS_PORT, DEFAULT_WS_PORT + 16)
"""The form suggests upstream's 8001, else the first of the next ports that is free."""


def unique_id(port: int) -> str:
    """One entry per TCP port."""
    return f"pyaiot_ws:{port}"


def title(port: int) -> str:
    """The entry's title."""
    return f"Pyaiot WebSocket nodes (port {port})"


async def async_ws_settings(hass: HomeAssistant, hub: NodeHub) -> WsSettings:
    """The gateway's settings; the allowed networks default to the local ones."""
    entry = hub.entry
    options = entry.options
    networks = await async_allowed_networks(hass, options, "pyaiot_invalid_networks")
    guard = GuardSettings(
        networks=networks,
        token=options.get(CONF_TOKEN) or None,
        rate=float(options.get(CONF_RATE_LIMIT, DEFAULT_RATE_LIMIT)),
        burst=RATE_BURST,
        realm="pyaiot",
    )
    return WsSettings(
        port=int(entry.data[CONF_PORT]), guard=guard, max_points_per_node=hub.gate.limits.max_points_per_node
    )


async def async_create_gateway(hass: HomeAssistant, hub: NodeHub) -> PyaiotWsGateway:
    """A WebSocket gateway reporting to `hub`, already listening (a busy port fails the setup)."""
    settings = await async_ws_settings(hass, hub)
    gateway = PyaiotWsGateway(hub, settings, logger=LOGGER.getChild("pyaiot.ws"))
    gateway.restore_nodes(
        {"node_id": node_id, "resources": sorted(state.points)} for node_id, state in hub.nodes.items()
    )
    try:
        await gateway.async_start()
    except OSError as err:
        raise ConfigEntryNotReady(
            translation_domain=DOMAIN,
            translation_key="ws_port_unavailable",
            translation_placeholders={"port": str(settings.port), "error": str(err)},
        ) from err
    return gateway


async def async_suggested_port(hass: HomeAssistant, taken: set[int]) -> int:
    """The port the form suggests: 8001 when it is free, else the next free one; other entries' skipped."""
    for port in SUGGESTED_PORTS:
        if port not in taken and await async_port_available(hass, port):
            return port
    return DEFAULT_WS_PORT
