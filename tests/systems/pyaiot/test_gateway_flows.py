"""Flows of the Pyaiot CoAP, WebSocket and broker entries: user, options, reconfigure and their errors.

Ports are probed for real on loopback (a port is taken by holding a socket on it); the broker URL is
checked against a real simulated broker, a plain HTTP server and a closed port.
"""

from collections.abc import AsyncIterator, Iterator
import socket
from typing import Any
from unittest.mock import patch

from aiohttp import web
from homeassistant.config_entries import SOURCE_USER
from homeassistant.core import HomeAssistant
from homeassistant.data_entry_flow import FlowResult, FlowResultType
import pytest
from pytest_homeassistant_custom_component.common import MockConfigEntry

from custom_components.pyiot.const import CONF_ENTRY_TYPE, DOMAIN
from custom_components.pyiot.core.nodes import AdmissionLimits
from custom_components.pyiot.core.protocols.pyaiot.coap_settings import DEFAULT_COAP_PORT
from custom_components.pyiot.core.protocols.pyaiot.ws import DEFAULT_WS_PORT
from custom_components.pyiot.hub.limits import limits_from_options
from custom_components.pyiot.systems.pyaiot import broker, coap, ws
from custom_components.pyiot.systems.pyaiot.flow_schemas import (
    COAP_DEFAULT_OPTIONS,
    normalised_broker_url,
)
from tests.systems.pyaiot.gateway_support import (
    allow_loopback,
    free_tcp_port,
    free_udp_port,
    make_entry,
)
from tools.simulators.pyaiot_broker import SimulatedBroker

pytestmark = pytest.mark.usefixtures("mock_setup_entry", "loopback", "suggested_ports")

LIMITS = {"max_nodes": 20, "max_points_per_node": 8, "new_nodes_per_minute": 5}


@pytest.fixture
def loopback(socket_enabled: None) -> None:
    allow_loopback()


def hold_udp(port: int) -> socket.socket:
    """Take a UDP port on every address, as Shelly's CoIoT does with 5683."""
    holder = socket.socket(socket.AF_INET6, socket.SOCK_DGRAM)
    holder.setsockopt(socket.IPPROTO_IPV6, socket.IPV6_V6ONLY, 0)
    holder.bind(("::", port))
    return holder


def hold_tcp(port: int) -> socket.socket:
    """Listen on a TCP port of every interface (another program)."""
    holder = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    holder.bind(("", port))
    holder.listen()
    return holder


@pytest.fixture
def suggested_ports() -> Iterator[None]:
    """The forms suggest ports from a free one on, instead of from upstream's 5683 and 8001."""
    udp, tcp = free_udp_port(), free_tcp_port()
    with (
        patch.object(coap, "SUGGESTED_PORTS", range(udp, min(udp + 16, 65536))),
        patch.object(ws, "SUGGESTED_PORTS", range(tcp, min(tcp + 16, 65536))),
    ):
        yield


@pytest.fixture
def held() -> Iterator[list[socket.socket]]:
    sockets: list[socket.socket] = []
    yield sockets
    for holder in sockets:
        holder.close()


async def start_kind(hass: HomeAssistant, kind: str) -> FlowResult:
    """The user flow, through the menu, at the first form of `kind`."""
    result = await hass.config_entries.flow.async_init(DOMAIN, context={"source": SOURCE_USER})
    result = await hass.config_entries.flow.async_configure(result["flow_id"], {"next_step_id": kind})
    assert result["type"] is FlowResultType.FORM
    assert result["step_id"] == kind
    return result


def suggested(result: FlowResult, key: str) -> Any:
    schema = result["data_schema"]
    assert schema is not None
    marker = next(marker for marker in schema.schema if marker == key)
    return (marker.description or {}).get("suggested_value")


def coap_entry(hass: HomeAssistant, port: int, entry_id: str = "01COAPFLOW") -> MockConfigEntry:
    return make_entry(
        hass,
        kind="pyaiot_coap",
        entry_id=entry_id,
        title=coap.title(port),
        unique_id=coap.unique_id(port),
        data={"port": port},
        options=COAP_DEFAULT_OPTIONS,
    )


def ws_entry(hass: HomeAssistant, port: int, entry_id: str = "01WSFLOW") -> MockConfigEntry:
    return make_entry(
        hass,
        kind="pyaiot_ws",
        entry_id=entry_id,
        title=ws.title(port),
        unique_id=ws.unique_id(port),
        data={"port": port},
        options={"allowed_networks": "", "rate_limit": 1.0},
    )


def broker_entry(hass: HomeAssistant, url: str, entry_id: str = "01BROKERFLOW") -> MockConfigEntry:
    return make_entry(
        hass,
        kind="pyaiot_broker",
        entry_id=entry_id,
        title=broker.title(url),
        unique_id=broker.unique_id(url),
        data={"url": url},
    )


# --- CoAP ----------------------------------------------------------------------------------------


async def test_coap_user_creates_an_entry_on_a_free_port(hass: HomeAssistant) -> None:
    port = free_udp_port()
    result = await start_kind(hass, "pyaiot_coap")
    result = await hass.config_entries.flow.async_configure(result["flow_id"], {"port": port})
    assert result["type"] is FlowResultType.CREATE_ENTRY
    assert result["title"] == f"Pyaiot CoAP nodes (UDP {port})"
    assert result["data"] == {CONF_ENTRY_TYPE: "pyaiot_coap", "port": port}
    assert result["options"] == {"node_timeout": 120, "node_port": 0, "reread_interval": 0}
    assert result["result"].unique_id == f"pyaiot_coap:{port}"


async def test_coap_form_suggests_the_next_port_when_5683_is_taken(
    hass: HomeAssistant, held: list[socket.socket]
) -> None:
    """The ports suggested start at a free port here (not 5683 itself: other programs use it)."""
    result = await start_kind(hass, "pyaiot_coap")
    first = suggested(result, "port")
    assert first in coap.SUGGESTED_PORTS
    held.append(hold_udp(first))  # Shelly's CoIoT, say
    result = await start_kind(hass, "pyaiot_coap")
    second = suggested(result, "port")
    assert second in coap.SUGGESTED_PORTS
    assert second != first
    coap_entry(hass, second)  # nor is a port of another entry suggested
    result = await start_kind(hass, "pyaiot_coap")
    assert suggested(result, "port") not in {first, second}


async def test_coap_form_suggests_5683_when_no_port_is_free(hass: HomeAssistant) -> None:
    with patch.object(coap, "SUGGESTED_PORTS", range(0)):
        result = await start_kind(hass, "pyaiot_coap")
    assert suggested(result, "port") == DEFAULT_COAP_PORT


async def test_coap_user_port_in_use_then_another(hass: HomeAssistant, held: list[socket.socket]) -> None:
    taken = free_udp_port()
    held.append(hold_udp(taken))
    result = await start_kind(hass, "pyaiot_coap")
    result = await hass.config_entries.flow.async_configure(result["flow_id"], {"port": taken})
    assert result["type"] is FlowResultType.FORM
    assert result["errors"] == {"port": "coap_port_in_use"}
    assert suggested(result, "port") == taken
    result = await hass.config_entries.flow.async_configure(result["flow_id"], {"port": free_udp_port()})
    assert result["type"] is FlowResultType.CREATE_ENTRY


async def test_coap_user_no_usable_address(hass: HomeAssistant) -> None:
    """Every address of HA's network settings is gone from the host (192.0.2.1 is TEST-NET-1)."""
    result = await start_kind(hass, "pyaiot_coap")
    with patch.object(coap, "async_local_addresses", return_value=("192.0.2.1",)):
        result = await hass.config_entries.flow.async_configure(result["flow_id"], {"port": free_udp_port()})
    assert result["type"] is FlowResultType.FORM
    assert result["errors"] == {"port": "port_unavailable"}


async def test_coap_user_already_configured(hass: HomeAssistant) -> None:
    port = free_udp_port()
    coap_entry(hass, port)
    result = await start_kind(hass, "pyaiot_coap")
    result = await hass.config_entries.flow.async_configure(result["flow_id"], {"port": port})
    assert result["type"] is FlowResultType.ABORT
    assert result["reason"] == "already_configured"


async def test_coap_reconfigure(hass: HomeAssistant, held: list[socket.socket]) -> None:
    port, other, taken, new = free_udp_port(), free_udp_port(), free_udp_port(), free_udp_port()
    entry = coap_entry(hass, port)
    coap_entry(hass, other, entry_id="01OTHERCOAP")

    result = await entry.start_reconfigure_flow(hass)
    assert result["type"] is FlowResultType.FORM
    assert result["step_id"] == "reconfigure_pyaiot_coap"
    assert suggested(result, "port") == port
    result = await hass.config_entries.flow.async_configure(result["flow_id"], {"port": port})
    assert result["type"] is FlowResultType.ABORT
    assert result["reason"] == "pyaiot_port_unchanged"

    result = await entry.start_reconfigure_flow(hass)
    result = await hass.config_entries.flow.async_configure(result["flow_id"], {"port": other})
    assert result["type"] is FlowResultType.ABORT
    assert result["reason"] == "already_configured"

    held.append(hold_udp(taken))
    result = await entry.start_reconfigure_flow(hass)
    result = await hass.config_entries.flow.async_configure(result["flow_id"], {"port": taken})
    assert result["type"] is FlowResultType.FORM
    assert result["errors"] == {"port": "coap_port_in_use"}
    result = await hass.config_entries.flow.async_configure(result["flow_id"], {"port": new})
    assert result["type"] is FlowResultType.ABORT
    assert result["reason"] == "pyaiot_reconfigured"
    assert entry.data == {CONF_ENTRY_TYPE: "pyaiot_coap", "port": new}
    assert (entry.unique_id, entry.title) == (coap.unique_id(new), coap.title(new))


async def test_coap_options(hass: HomeAssistant) -> None:
    entry = coap_entry(hass, free_udp_port())
    result = await hass.config_entries.options.async_init(entry.entry_id)
    assert result["type"] is FlowResultType.FORM
    assert result["step_id"] == "pyaiot_coap"
    assert suggested(result, "node_timeout") == 120
    result = await hass.config_entries.options.async_configure(
        result["flow_id"],
        {
            "node_timeout": 300.0,
            "node_port": 5683.0,
            "reread_interval": 600.0,
            "limits": {**LIMITS, "discovery_per_minute": 10},
        },
    )
    assert result["type"] is FlowResultType.CREATE_ENTRY
    assert entry.options == {
        "node_timeout": 300,
        "node_port": 5683,
        "reread_interval": 600,
        "limits": {**LIMITS, "discovery_per_minute": 10},
    }


# --- WebSocket -----------------------------------------------------------------------------------


async def test_ws_user_creates_an_entry(hass: HomeAssistant) -> None:
    port = free_tcp_port()
    result = await start_kind(hass, "pyaiot_ws")
    assert suggested(result, "rate_limit") == 1.0
    result = await hass.config_entries.flow.async_configure(
        result["flow_id"],
        {"port": port, "token": " s3cret ", "allowed_networks": "192.168.1.7/24, fd00::/64", "rate_limit": 2},
    )
    assert result["type"] is FlowResultType.CREATE_ENTRY
    assert result["title"] == f"Pyaiot WebSocket nodes (port {port})"
    assert result["data"] == {CONF_ENTRY_TYPE: "pyaiot_ws", "port": port}
    assert result["options"] == {
        "allowed_networks": "192.168.1.0/24, fd00::/64",
        "rate_limit": 2.0,
        "token": "s3cret",
    }
    assert result["result"].unique_id == f"pyaiot_ws:{port}"


async def test_ws_form_suggests_a_free_port(hass: HomeAssistant, held: list[socket.socket]) -> None:
    result = await start_kind(hass, "pyaiot_ws")
    first = suggested(result, "port")
    assert first in ws.SUGGESTED_PORTS
    held.append(hold_tcp(first))
    result = await start_kind(hass, "pyaiot_ws")
    assert suggested(result, "port") not in {first, None}
    with patch.object(ws, "SUGGESTED_PORTS", range(0)):
        result = await start_kind(hass, "pyaiot_ws")
    assert suggested(result, "port") == DEFAULT_WS_PORT


async def test_ws_user_errors(hass: HomeAssistant, held: list[socket.socket]) -> None:
    taken = free_tcp_port()
    held.append(hold_tcp(taken))
    result = await start_kind(hass, "pyaiot_ws")
    result = await hass.config_entries.flow.async_configure(
        result["flow_id"], {"port": free_tcp_port(), "allowed_networks": "kitchen", "rate_limit": 1}
    )
    assert result["type"] is FlowResultType.FORM
    assert result["errors"] == {"allowed_networks": "invalid_networks"}
    result = await hass.config_entries.flow.async_configure(
        result["flow_id"], {"port": taken, "allowed_networks": "", "rate_limit": 1}
    )
    assert result["errors"] == {"port": "port_unavailable"}
    result = await hass.config_entries.flow.async_configure(
        result["flow_id"], {"port": free_tcp_port(), "rate_limit": 0}
    )
    assert result["type"] is FlowResultType.CREATE_ENTRY
    assert result["options"] == {"allowed_networks": "", "rate_limit": 0.0}


async def test_ws_reconfigure(hass: HomeAssistant, held: list[socket.socket]) -> None:
    port, taken, new = free_tcp_port(), free_tcp_port(), free_tcp_port()
    entry = ws_entry(hass, port)
    result = await entry.start_reconfigure_flow(hass)
    assert result["step_id"] == "reconfigure_pyaiot_ws"
    result = await hass.config_entries.flow.async_configure(result["flow_id"], {"port": port})
    assert result["type"] is FlowResultType.ABORT
    assert result["reason"] == "pyaiot_port_unchanged"

    held.append(hold_tcp(taken))
    result = await entry.start_reconfigure_flow(hass)
    result = await hass.config_entries.flow.async_configure(result["flow_id"], {"port": taken})
    assert result["type"] is FlowResultType.FORM
    assert result["errors"] == {"port": "port_unavailable"}
    result = await hass.config_entries.flow.async_configure(result["flow_id"], {"port": new})
    assert result["type"] is FlowResultType.ABORT
    assert result["reason"] == "pyaiot_reconfigured"
    assert entry.data["port"] == new
    assert entry.unique_id == ws.unique_id(new)


async def test_ws_options(hass: HomeAssistant) -> None:
    entry = ws_entry(hass, free_tcp_port())
    result = await hass.config_entries.options.async_init(entry.entry_id)
    assert result["type"] is FlowResultType.FORM
    assert result["step_id"] == "pyaiot_ws"
    result = await hass.config_entries.options.async_configure(
        result["flow_id"], {"allowed_networks": "10.0.0.0/33", "rate_limit": 1, "limits": LIMITS}
    )
    assert result["type"] is FlowResultType.FORM
    assert result["errors"] == {"allowed_networks": "invalid_networks"}
    result = await hass.config_entries.options.async_configure(
        result["flow_id"],
        {"allowed_networks": "10.0.0.0/8", "token": "abc", "rate_limit": 5, "limits": LIMITS},
    )
    assert result["type"] is FlowResultType.CREATE_ENTRY
    assert entry.options == {
        "allowed_networks": "10.0.0.0/8",
        "token": "abc",
        "rate_limit": 5.0,
        "limits": LIMITS,
    }


# --- broker --------------------------------------------------------------------------------------


@pytest.fixture
async def running_broker() -> AsyncIterator[SimulatedBroker]:
    simulated = SimulatedBroker()
    await simulated.start()
    yield simulated
    await simulated.stop()


@pytest.fixture
async def plain_http() -> AsyncIterator[int]:
    """An HTTP server that is no websocket: `/ws` is a 404."""
    runner = web.AppRunner(web.Application(), handle_signals=False)
    await runner.setup()
    site = web.TCPSite(runner, "127.0.0.1", 0)
    await site.start()
    yield site.port
    await runner.cleanup()


async def test_broker_user_checks_the_url(
    hass: HomeAssistant, running_broker: SimulatedBroker, plain_http: int
) -> None:
    result = await start_kind(hass, "pyaiot_broker")
    assert suggested(result, "url") == "ws://localhost:8000/ws"
    for url, error in [
        ("http://127.0.0.1:8000/ws", "invalid_url"),
        (f"ws://127.0.0.1:{free_tcp_port()}/ws", "cannot_connect"),
        (f"ws://127.0.0.1:{plain_http}/ws", "not_a_broker"),
    ]:
        result = await hass.config_entries.flow.async_configure(result["flow_id"], {"url": url})
        assert result["type"] is FlowResultType.FORM
        assert result["errors"] == {"url": error}, url
    result = await hass.config_entries.flow.async_configure(
        result["flow_id"], {"url": f" ws://127.0.0.1:{running_broker.port} "}
    )
    assert result["type"] is FlowResultType.CREATE_ENTRY
    url = f"ws://127.0.0.1:{running_broker.port}/ws"
    assert result["data"] == {CONF_ENTRY_TYPE: "pyaiot_broker", "url": url}
    assert result["title"] == f"Pyaiot broker {url}"
    assert result["result"].unique_id == f"pyaiot_broker:{url}"
    assert {"type": "new", "data": "client"} in running_broker.received


async def test_broker_user_already_configured(hass: HomeAssistant, running_broker: SimulatedBroker) -> None:
    url = f"ws://127.0.0.1:{running_broker.port}/ws"
    broker_entry(hass, url)
    result = await start_kind(hass, "pyaiot_broker")
    result = await hass.config_entries.flow.async_configure(result["flow_id"], {"url": url})
    assert result["type"] is FlowResultType.ABORT
    assert result["reason"] == "already_configured"


async def test_broker_reconfigure(hass: HomeAssistant, running_broker: SimulatedBroker) -> None:
    old = f"ws://127.0.0.1:{free_tcp_port()}/ws"
    entry = broker_entry(hass, old)
    result = await entry.start_reconfigure_flow(hass)
    assert result["step_id"] == "reconfigure_pyaiot_broker"
    assert suggested(result, "url") == old
    result = await hass.config_entries.flow.async_configure(result["flow_id"], {"url": old})
    assert result["type"] is FlowResultType.ABORT
    assert result["reason"] == "pyaiot_url_unchanged"

    other = f"ws://127.0.0.1:{free_tcp_port()}/other"
    broker_entry(hass, other, entry_id="01OTHERBROKER")
    result = await entry.start_reconfigure_flow(hass)
    result = await hass.config_entries.flow.async_configure(result["flow_id"], {"url": other})
    assert result["type"] is FlowResultType.ABORT
    assert result["reason"] == "already_configured"

    result = await entry.start_reconfigure_flow(hass)
    result = await hass.config_entries.flow.async_configure(result["flow_id"], {"url": "ws://"})
    assert result["errors"] == {"url": "invalid_url"}
    new = f"ws://127.0.0.1:{running_broker.port}/ws"
    result = await hass.config_entries.flow.async_configure(result["flow_id"], {"url": new})
    assert result["type"] is FlowResultType.ABORT
    assert result["reason"] == "pyaiot_reconfigured"
    assert entry.data["url"] == new
    assert (entry.unique_id, entry.title) == (broker.unique_id(new), broker.title(new))


def test_broker_urls_are_tidied() -> None:
    assert normalised_broker_url("wss://pyaiot.local") == "wss://pyaiot.local/ws"
    assert normalised_broker_url("ws://[::1]:8000/socket?x=1#f") == "ws://[::1]:8000/socket"
    assert normalised_broker_url("ws://[::1") is None
    assert normalised_broker_url("ws:///ws") is None


async def test_broker_options(hass: HomeAssistant) -> None:
    entry = broker_entry(hass, f"ws://127.0.0.1:{free_tcp_port()}/ws")
    result = await hass.config_entries.options.async_init(entry.entry_id)
    assert result["type"] is FlowResultType.FORM
    assert result["step_id"] == "pyaiot_broker"
    result = await hass.config_entries.options.async_configure(result["flow_id"], {"limits": LIMITS})
    assert result["type"] is FlowResultType.CREATE_ENTRY
    assert entry.options == {"limits": LIMITS}
    chosen = limits_from_options(entry.options, AdmissionLimits())
    assert (chosen.max_nodes, chosen.max_points_per_node, chosen.new_nodes_per_minute) == (20, 8, 5)
