"""An existing Pyaiot deployment: PyIoT is a web client of its broker → the node hub."""

import asyncio
from typing import Final

import aiohttp
from homeassistant.const import CONF_URL
from homeassistant.core import HomeAssistant
from homeassistant.helpers.aiohttp_client import async_get_clientsession

from ...const import LOGGER
from ...core.protocols.pyaiot.broker_client import CLIENT_HELLO, BrokerSettings, PyaiotBrokerClient
from ...hub import NodeHub

VALIDATE_TIMEOUT: Final = 10.0


def unique_id(url: str) -> str:
    """One entry per broker URL."""
    return f"pyaiot_broker:{url}"


def title(url: str) -> str:
    """The entry's title."""
    return f"Pyaiot broker {url}"


async def async_check_broker(hass: HomeAssistant, url: str) -> str | None:
    """None when `url` answers as a websocket and takes the web client's hello, else the error key."""
    session = async_get_clientsession(hass)
    try:
        async with asyncio.timeout(VALIDATE_TIMEOUT), session.ws_connect(url, autoping=True) as socket:
            await socket.send_str(CLIENT_HELLO)
    except aiohttp.WSServerHandshakeError:
        return "not_a_broker"
    except (aiohttp.ClientError, OSError, TimeoutError) as err:
        LOGGER.debug("Pyaiot broker %s: %r", url, err)
        return "cannot_connect"
    return None


async def async_create_client(hass: HomeAssistant, hub: NodeHub) -> PyaiotBrokerClient:
    """A client of the entry's broker on HA's HTTP session; the hub starts it (it reconnects by itself)."""
    settings = BrokerSettings(
        url=str(hub.entry.data[CONF_URL]), max_points_per_node=hub.gate.limits.max_points_per_node
    )
    client = PyaiotBrokerClient(
        hub, settings, session=async_get_clientsession(hass), logger=LOGGER.getChild("pyaiot.broker")
    )
    client.restore_nodes(
        {"node_id": node_id, "resources": sorted(state.points)} for node_id, state in hub.nodes.items()
    )
    return client
