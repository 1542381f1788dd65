"""The Pyaiot WebSocket entry in Home Assistant: PyIoT's gateway on a free TCP port, simulated nodes
(`tools/simulators/pyaiot_ws_node.py`) connecting over real websockets on loopback."""

import asyncio
from collections.abc import AsyncIterator
import json
import logging
import socket
from typing import Any

import aiohttp
from homeassistant.config_entries import ConfigEntryState
from homeassistant.const import STATE_OFF, STATE_ON, STATE_UNAVAILABLE, Platform
from homeassistant.core import HomeAssistant
from homeassistant.helpers import device_registry as dr, entity_registry as er
import pytest
from pytest_homeassistant_custom_component.common import MockConfigEntry, snapshot_platform
from pytest_homeassistant_custom_component.components.diagnostics import get_diagnostics_for_config_entry
from pytest_homeassistant_custom_component.typing import ClientSessionGenerator
from syrupy.assertion import SnapshotAssertion

from custom_components.pyiot.const import DOMAIN
from custom_components.pyiot.core.protocols.pyaiot.ws import PyaiotWsGateway
from custom_components.pyiot.systems.pyaiot import ws
from tests.support.entries import entry_loaded
from tests.support.platforms import only_platform
from tests.systems.pyaiot.gateway_support import (
    allow_loopback,
    entity_id,
    free_tcp_port,
    make_entry,
    state,
    until,
)
from tools.simulators.pyaiot_ws_node import SimulatedWsNode

ENTRY_ID = "01PYAIOTWSENTRY"
NODE = "fd00:aaaa:bbbb::1"
OPTIONS: dict[str, Any] = {"allowed_networks": "", "rate_limit": 1.0}
TOKEN = "s3cret"  # noqa: S105 - a test token
REDACTED = "**REDACTED**"
SERVER_CLOSES = pytest.mark.parametrize("expected_lingering_timers", [True])
"""aiohttp re-arms a server socket's heartbeat when the client's close frame arrives after the server
closed it (1003, 1009); that timer outlives the test by up to 30 s and does nothing then."""


@pytest.fixture
def ws_port(socket_enabled: None) -> int:
    allow_loopback()
    return free_tcp_port()


@pytest.fixture
def ws_options() -> dict[str, Any]:
    return OPTIONS


@pytest.fixture
def ws_entry(hass: HomeAssistant, ws_port: int, ws_options: dict[str, Any]) -> MockConfigEntry:
    return make_entry(
        hass,
        kind="pyaiot_ws",
        entry_id=ENTRY_ID,
        title=ws.title(ws_port),
        unique_id=ws.unique_id(ws_port),
        data={"port": ws_port},
        options=ws_options,
    )


@pytest.fixture
async def loaded(hass: HomeAssistant, ws_entry: MockConfigEntry) -> AsyncIterator[MockConfigEntry]:
    async for entry in entry_loaded(hass, ws_entry):
        yield entry


@pytest.fixture
async def session() -> AsyncIterator[aiohttp.ClientSession]:
    async with aiohttp.ClientSession() as session:
        yield session


class Nodes:
    """Simulated nodes connected to the entry's gateway, each served by a task of its own."""

    def __init__(self, session: aiohttp.ClientSession, port: int) -> None:
        self.session = session
        self.url = f"ws://127.0.0.1:{port}/node"
        self.tasks: list[asyncio.Task[None]] = []

    def connect(self, node: SimulatedWsNode, query: str = "") -> SimulatedWsNode:
        self.tasks.append(asyncio.create_task(node.run(self.session, self.url + query)))
        return node

    async def close(self) -> None:
        for task in self.tasks:
            task.cancel()
        await asyncio.gather(*self.tasks, return_exceptions=True)


@pytest.fixture
async def nodes(session: aiohttp.ClientSession, ws_port: int) -> AsyncIterator[Nodes]:
    connected = Nodes(session, ws_port)
    yield connected
    await connected.close()


def gateway_of(entry: MockConfigEntry) -> PyaiotWsGateway:
    gateway = entry.runtime_data.transport
    assert isinstance(gateway, PyaiotWsGateway)
    return gateway


async def connected(hass: HomeAssistant, entry: MockConfigEntry, nodes: Nodes, node: SimulatedWsNode) -> None:
    """`node` connects; return once its temperature is shown."""
    nodes.connect(node)
    await until(hass, lambda: state(hass, entry, "sensor", node.node, "temperature") == f"{node.temperature}")


async def test_connected_node_becomes_a_device_with_live_values(
    hass: HomeAssistant, loaded: MockConfigEntry, nodes: Nodes, device_registry: dr.DeviceRegistry
) -> None:
    node = SimulatedWsNode(NODE)
    await connected(hass, loaded, nodes, node)
    assert node.received[0] == {"request": "discover"}, "the gateway asks for the resources on connect"
    assert state(hass, loaded, "switch", NODE, "led") == STATE_OFF
    device = device_registry.async_get_device_by_identifier((DOMAIN, f"{ENTRY_ID}:{NODE}"), ENTRY_ID)
    assert device is not None
    assert (device.name, device.manufacturer) == ("websocket", "RIOT")
    node.temperature = 23.4
    await node.send({"temperature": "23.4°C"})
    await until(hass, lambda: state(hass, loaded, "sensor", NODE, "temperature") == "23.4")


async def test_led_switch_writes_and_the_node_confirms(
    hass: HomeAssistant, loaded: MockConfigEntry, nodes: Nodes
) -> None:
    node = SimulatedWsNode(NODE)
    await connected(hass, loaded, nodes, node)
    led = entity_id(hass, loaded, "switch", NODE, "led")
    await hass.services.async_call("switch", "turn_on", {"entity_id": led}, blocking=True)
    await until(hass, lambda: state(hass, loaded, "switch", NODE, "led") == STATE_ON)
    assert {"endpoint": "led", "payload": "1"} in node.received
    assert node.led == "1"
    await hass.services.async_call("switch", "turn_off", {"entity_id": led}, blocking=True)
    await until(hass, lambda: state(hass, loaded, "switch", NODE, "led") == STATE_OFF)
    assert node.received[-1] == {"endpoint": "led", "payload": "0"}


async def test_node_is_lost_when_its_socket_closes_and_keeps_its_identity(
    hass: HomeAssistant,
    loaded: MockConfigEntry,
    nodes: Nodes,
    device_registry: dr.DeviceRegistry,
    entity_registry: er.EntityRegistry,
) -> None:
    node = SimulatedWsNode(NODE)
    await connected(hass, loaded, nodes, node)
    entities = {entry.unique_id for entry in er.async_entries_for_config_entry(entity_registry, ENTRY_ID)}
    await node.close()
    await until(hass, lambda: state(hass, loaded, "sensor", NODE, "temperature") == STATE_UNAVAILABLE)
    assert state(hass, loaded, "switch", NODE, "led") == STATE_UNAVAILABLE

    again = SimulatedWsNode(NODE)  # upstream would give it a new uid: PyIoT knows it by its `node`
    again.temperature = 20.5
    await connected(hass, loaded, nodes, again)
    assert len(dr.async_entries_for_config_entry(device_registry, ENTRY_ID)) == 1
    assert {
        entry.unique_id for entry in er.async_entries_for_config_entry(entity_registry, ENTRY_ID)
    } == entities


async def test_identity_without_a_node_resource_is_the_name(
    hass: HomeAssistant, loaded: MockConfigEntry, session: aiohttp.ClientSession, ws_port: int
) -> None:
    async with session.ws_connect(f"ws://127.0.0.1:{ws_port}/node") as socket:
        await socket.send_str(json.dumps({"type": "update", "data": {"name": "kitchen", "led": "1"}}))
        await until(hass, lambda: state(hass, loaded, "switch", "kitchen", "led") == STATE_ON)
    await until(hass, lambda: state(hass, loaded, "switch", "kitchen", "led") == STATE_UNAVAILABLE)


async def test_restart_restores_entities(hass: HomeAssistant, loaded: MockConfigEntry, nodes: Nodes) -> None:
    await connected(hass, loaded, nodes, SimulatedWsNode(NODE))
    assert await hass.config_entries.async_reload(loaded.entry_id)
    await hass.async_block_till_done()
    assert state(hass, loaded, "sensor", NODE, "temperature") == STATE_UNAVAILABLE
    back = SimulatedWsNode(NODE)
    back.temperature = 19.5
    await connected(hass, loaded, nodes, back)


@pytest.mark.parametrize("ws_options", [{**OPTIONS, "token": TOKEN}])
@pytest.mark.allow_pyiot_warnings
async def test_token_is_required_when_set(
    hass: HomeAssistant, loaded: MockConfigEntry, nodes: Nodes, session: aiohttp.ClientSession
) -> None:
    with pytest.raises(aiohttp.WSServerHandshakeError) as refused:
        await session.ws_connect(nodes.url)
    assert refused.value.status == 401
    with pytest.raises(aiohttp.WSServerHandshakeError) as refused:
        await session.ws_connect(nodes.url + "?token=wrong")
    assert refused.value.status == 401
    await connected(hass, loaded, nodes, SimulatedWsNode(NODE, token=TOKEN))
    query = SimulatedWsNode("fd00::2", name="by query")
    nodes.connect(query, f"?token={TOKEN}")
    await until(hass, lambda: state(hass, loaded, "switch", "fd00::2", "led") == STATE_OFF)
    assert gateway_of(loaded).diagnostics()["refused"] == {"401": 2}


@pytest.mark.parametrize("ws_options", [{**OPTIONS, "rate_limit": 0.001}])
@pytest.mark.allow_pyiot_warnings
async def test_connection_rate_is_limited_per_source(
    loaded: MockConfigEntry, nodes: Nodes, session: aiohttp.ClientSession
) -> None:
    for _ in range(int(ws.RATE_BURST)):
        async with session.ws_connect(nodes.url) as socket:
            assert json.loads((await socket.receive()).data) == {"request": "discover"}
    with pytest.raises(aiohttp.WSServerHandshakeError) as refused:
        await session.ws_connect(nodes.url)
    assert refused.value.status == 429
    assert refused.value.headers is not None
    assert "Retry-After" in refused.value.headers


@pytest.mark.parametrize("ws_options", [{**OPTIONS, "allowed_networks": "192.168.7.0/24, fd00:7::/64"}])
async def test_allow_list_is_the_option_plus_loopback(
    hass: HomeAssistant, loaded: MockConfigEntry, nodes: Nodes
) -> None:
    """Sources outside the list are refused with 403 (tested in the core: here every source is loopback)."""
    assert gateway_of(loaded).diagnostics()["networks"] == [
        "192.168.7.0/24",
        "fd00:7::/64",
        "127.0.0.0/8",
        "::1/128",
    ]
    await connected(hass, loaded, nodes, SimulatedWsNode(NODE))


async def test_allow_list_defaults_to_the_local_networks(loaded: MockConfigEntry) -> None:
    """The test plugin's network adapter is eth0 with 10.10.10.10/24 (HA's network settings)."""
    assert gateway_of(loaded).diagnostics()["networks"][0] == "10.10.10.0/24"


@SERVER_CLOSES
@pytest.mark.allow_pyiot_warnings
@pytest.mark.parametrize(
    ("frame", "reason"),
    [
        ("not json", "Invalid message received 'not json'. Only JSON format is supported."),
        ('{"type": "bogus"}', "Invalid message type 'bogus'."),
    ],
)
async def test_bad_frame_closes_with_1003_and_changes_nothing(
    hass: HomeAssistant,
    loaded: MockConfigEntry,
    nodes: Nodes,
    session: aiohttp.ClientSession,
    frame: str,
    reason: str,
) -> None:
    node = SimulatedWsNode(NODE)
    await connected(hass, loaded, nodes, node)
    async with session.ws_connect(nodes.url) as socket:
        await socket.receive()  # discover
        await socket.send_str(json.dumps({"type": "update", "data": {"node": "fd00::9", "led": "1"}}))
        await until(hass, lambda: state(hass, loaded, "switch", "fd00::9", "led") == STATE_ON)
        await socket.send_str(frame)
        closing = await socket.receive()
    assert closing.type is aiohttp.WSMsgType.CLOSE
    assert (socket.close_code, closing.extra) == (1003, reason)
    await until(hass, lambda: state(hass, loaded, "switch", "fd00::9", "led") == STATE_UNAVAILABLE)
    assert state(hass, loaded, "sensor", NODE, "temperature") == "21.5", "other nodes are untouched"


@SERVER_CLOSES
@pytest.mark.allow_pyiot_warnings
async def test_oversized_frame_closes_with_1009(
    hass: HomeAssistant, loaded: MockConfigEntry, session: aiohttp.ClientSession, nodes: Nodes
) -> None:
    async with session.ws_connect(nodes.url) as socket:
        await socket.receive()
        await socket.send_str(json.dumps({"type": "update", "data": {"name": "x" * 70_000}}))
        closing = await socket.receive()
    assert closing.type is aiohttp.WSMsgType.CLOSE
    assert socket.close_code == 1009
    assert gateway_of(loaded).diagnostics()["dropped"] == {"frame_too_large": 1}
    assert er.async_entries_for_config_entry(er.async_get(hass), ENTRY_ID) == []


STALLED_HANDSHAKES = 50


@pytest.mark.allow_pyiot_warnings
async def test_stalled_handshakes_and_huge_headers_leave_real_nodes_served(
    hass: HomeAssistant,
    loaded: MockConfigEntry,
    nodes: Nodes,
    ws_port: int,
    caplog: pytest.LogCaptureFixture,
) -> None:
    stalled: list[asyncio.StreamWriter] = []
    try:
        for _ in range(STALLED_HANDSHAKES):  # slowloris: handshakes that never finish
            _, writer = await asyncio.open_connection("127.0.0.1", ws_port)
            writer.write(b"GET /node HTTP/1.1\r\nHost: x\r\nUpgrade: websocket\r\n")
            await writer.drain()
            stalled.append(writer)
        reader, writer = await asyncio.open_connection("127.0.0.1", ws_port)
        writer.write(b"GET /node HTTP/1.1\r\nHost: x\r\nX-Junk: " + b"a" * 100_000 + b"\r\n\r\n")
        await writer.drain()
        answer = await asyncio.wait_for(reader.read(), 10)
        writer.close()
        assert answer.split(b"\r\n", 1)[0].endswith(b" 400 Bad Request"), answer[:80]

        node = SimulatedWsNode(NODE)
        await connected(hass, loaded, nodes, node)
    finally:
        for writer in stalled:
            writer.close()
    warnings = [record.getMessage() for record in caplog.records if record.levelno >= logging.WARNING]
    assert len(warnings) == 1, warnings
    assert "(bad_http)" in warnings[0]


SNAPSHOT_POINT = {Platform.SENSOR: "temperature", Platform.SWITCH: "led"}
"""A point each platform's snapshot waits for."""


@pytest.mark.parametrize("platform", [Platform.SENSOR, Platform.SWITCH])
async def test_platform_snapshot(
    hass: HomeAssistant,
    ws_entry: MockConfigEntry,
    nodes: Nodes,
    entity_registry: er.EntityRegistry,
    snapshot: SnapshotAssertion,
    platform: Platform,
) -> None:
    with only_platform("pyaiot_ws", platform):
        async for entry in entry_loaded(hass, ws_entry):
            nodes.connect(SimulatedWsNode(NODE))
            key = SNAPSHOT_POINT[platform]
            await until(
                hass,
                lambda entry=entry, key=key: (
                    state(hass, entry, platform, NODE, key) not in {None, STATE_UNAVAILABLE}
                ),
            )
            await snapshot_platform(hass, entity_registry, snapshot, ENTRY_ID)


@pytest.mark.parametrize("ws_options", [{**OPTIONS, "token": TOKEN}])
async def test_diagnostics_are_redacted(
    hass: HomeAssistant, loaded: MockConfigEntry, nodes: Nodes, hass_client: ClientSessionGenerator
) -> None:
    await connected(hass, loaded, nodes, SimulatedWsNode(NODE, token=TOKEN))
    diagnostics = await get_diagnostics_for_config_entry(hass, hass_client, loaded)
    assert diagnostics["entry"]["options"]["token"] == REDACTED
    transport = diagnostics["transport"]
    assert transport["token_required"] is True
    assert transport["nodes"][NODE]["connected_from"] == REDACTED
    assert transport["nodes"][NODE]["available"] is True
    assert TOKEN not in str(diagnostics)
    assert "127.0.0.1" not in str(diagnostics)


@pytest.mark.parametrize("ws_options", [{**OPTIONS, "allowed_networks": "kitchen"}])
async def test_stored_bad_networks_fail_the_setup(hass: HomeAssistant, ws_entry: MockConfigEntry) -> None:
    assert not await hass.config_entries.async_setup(ws_entry.entry_id)
    assert ws_entry.state is ConfigEntryState.SETUP_ERROR
    assert ws_entry.reason == "The allowed networks of the entry are not valid: kitchen"


@pytest.mark.allow_pyiot_warnings
async def test_busy_port_retries_the_setup(
    hass: HomeAssistant, ws_entry: MockConfigEntry, ws_port: int
) -> None:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as holder:
        holder.bind(("", ws_port))
        holder.listen()
        assert not await hass.config_entries.async_setup(ws_entry.entry_id)
        assert ws_entry.state is ConfigEntryState.SETUP_RETRY
    await hass.config_entries.async_reload(ws_entry.entry_id)
    await hass.async_block_till_done()
    assert ws_entry.state is ConfigEntryState.LOADED
    assert await hass.config_entries.async_unload(ws_entry.entry_id)
