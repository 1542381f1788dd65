"""The Pyaiot WebSocket gateway over real websockets on loopback: protocol, identity, security, limits."""

import asyncio
from collections.abc import AsyncIterator
import json
from typing import Any

import aiohttp
import pytest

from custom_components.pyiot.core.protocols.http_guard import GuardSettings, parse_networks
from custom_components.pyiot.core.protocols.pyaiot.errors import PyaiotWriteError, WriteProblem
from custom_components.pyiot.core.protocols.pyaiot.ws import PyaiotWsGateway, WsSettings
from tests.core.pyaiot_gateways.conftest import LOGGER
from tests.support.recording_listener import RecordingListener
from tools.simulators.pyaiot_ws_node import SimulatedWsNode


async def start(listener: RecordingListener, **kwargs: Any) -> PyaiotWsGateway:
    settings = WsSettings(port=0, host="127.0.0.1", **kwargs)
    gateway = PyaiotWsGateway(listener, settings, logger=LOGGER)
    await gateway.async_start()
    return gateway


@pytest.fixture
async def gateway(listener: RecordingListener) -> AsyncIterator[PyaiotWsGateway]:
    gateway = await start(listener)
    yield gateway
    await gateway.async_stop()


@pytest.fixture
async def session() -> AsyncIterator[aiohttp.ClientSession]:
    async with aiohttp.ClientSession() as session:
        yield session


def url(gateway: PyaiotWsGateway, query: str = "") -> str:
    return f"ws://127.0.0.1:{gateway.port}/node{query}"


async def connect(
    gateway: PyaiotWsGateway, session: aiohttp.ClientSession, node: SimulatedWsNode, **kwargs: Any
) -> asyncio.Task[None]:
    return asyncio.create_task(node.run(session, url(gateway), **kwargs))


async def test_node_is_discovered_and_reports_resources(
    gateway: PyaiotWsGateway, session: aiohttp.ClientSession, listener: RecordingListener
) -> None:
    node = SimulatedWsNode()
    task = await connect(gateway, session, node)
    await listener.wait_for(lambda: listener.values("fd00:aaaa:bbbb::1", "temperature") != [])
    assert node.received[0] == {"request": "discover"}
    seen = listener.of("node_seen")[0]
    assert (seen.node_id, seen.name, seen.manufacturer) == ("fd00:aaaa:bbbb::1", "websocket", "RIOT")
    assert set(listener.values("fd00:aaaa:bbbb::1", "led")) == {False}
    assert listener.values("fd00:aaaa:bbbb::1", "temperature")[0] == 21.5
    await gateway.async_write("fd00:aaaa:bbbb::1", "led", True)
    await listener.wait_for(lambda: True in listener.values("fd00:aaaa:bbbb::1", "led"))
    assert {"endpoint": "led", "payload": "1"} in node.received
    await node.close()
    await task
    await listener.wait_for(lambda: listener.of("node_lost") == ["fd00:aaaa:bbbb::1"])
    with pytest.raises(PyaiotWriteError) as caught:
        await gateway.async_write("fd00:aaaa:bbbb::1", "led", True)
    assert caught.value.problem is WriteProblem.UNAVAILABLE
    assert gateway.known_nodes()[0]["node_id"] == "fd00:aaaa:bbbb::1"


async def test_identity_from_name_then_address(
    gateway: PyaiotWsGateway, session: aiohttp.ClientSession, listener: RecordingListener
) -> None:
    async with session.ws_connect(url(gateway)) as socket:
        await socket.send_str(json.dumps({"type": "update", "data": {"name": "kitchen", "led": "1"}}))
        await listener.wait_for(lambda: listener.values("kitchen", "led") == [True])
    async with session.ws_connect(url(gateway)) as socket:
        await socket.send_str(json.dumps({"type": "update", "data": {"temperature": "20°C"}}))
        await listener.wait_for(lambda: listener.values("127.0.0.1", "temperature") == [20.0])


async def test_reconnecting_node_replaces_its_old_connection(
    gateway: PyaiotWsGateway, session: aiohttp.ClientSession, listener: RecordingListener
) -> None:
    first, second = SimulatedWsNode(), SimulatedWsNode()
    first_task = await connect(gateway, session, first)
    await listener.wait_for(lambda: len(listener.of("node_seen")) >= 1)
    second_task = await connect(gateway, session, second)
    await first.closed.wait()
    assert first.close_code == 4000
    await gateway.async_write("fd00:aaaa:bbbb::1", "led", True)
    await listener.wait_for(lambda: second.led == "1")
    assert listener.of("node_lost") == []
    await second.close()
    await asyncio.gather(first_task, second_task)


async def test_write_errors(
    gateway: PyaiotWsGateway, session: aiohttp.ClientSession, listener: RecordingListener
) -> None:
    node = SimulatedWsNode()
    task = await connect(gateway, session, node)
    await listener.wait_for(lambda: listener.values("fd00:aaaa:bbbb::1", "temperature") != [])
    for key, value, problem in [
        ("temperature", 1, WriteProblem.READ_ONLY),
        ("nothing", 1, WriteProblem.NO_RESOURCE),
        ("led", "maybe", WriteProblem.BAD_VALUE),
    ]:
        with pytest.raises(PyaiotWriteError) as caught:
            await gateway.async_write("fd00:aaaa:bbbb::1", key, value)
        assert caught.value.problem is problem
    await node.close()
    await task


@pytest.mark.allow_pyiot_warnings
@pytest.mark.parametrize(
    ("frame", "reason"),
    [
        ("not json", "Invalid message received 'not json'. Only JSON format is supported."),
        ('{"type": "bogus"}', "Invalid message type 'bogus'."),
        ("[1, 2]", "Invalid message '[1, 2]'."),
        ('{"data": {}}', "Invalid message '{'data': {}}'."),
    ],
)
async def test_bad_frames_close_with_1003(
    gateway: PyaiotWsGateway, session: aiohttp.ClientSession, frame: str, reason: str
) -> None:
    async with session.ws_connect(url(gateway)) as socket:
        await socket.receive()  # discover
        await socket.send_str(frame)
        closing = await socket.receive()
        assert closing.type is aiohttp.WSMsgType.CLOSE
        assert socket.close_code == 1003
        assert closing.extra == reason


@pytest.mark.allow_pyiot_warnings
async def test_bad_data_is_dropped_not_fatal(
    gateway: PyaiotWsGateway, session: aiohttp.ClientSession, listener: RecordingListener
) -> None:
    async with session.ws_connect(url(gateway)) as socket:
        await socket.send_str(json.dumps({"type": "update", "data": "nope"}))
        await socket.send_str(
            json.dumps({"type": "update", "data": {"node": "n1", "a/b": 1, "temperature": "hot", "led": "1"}})
        )
        await socket.send_str(json.dumps({"type": "new", "data": "x"}))
        await listener.wait_for(lambda: listener.values("n1", "led") == [True])
    assert gateway.diagnostics()["dropped"] == {"bad_message": 1, "bad_resource_name": 1, "bad_value": 1}


@pytest.mark.allow_pyiot_warnings
async def test_oversized_frame_closes_the_socket(
    listener: RecordingListener, session: aiohttp.ClientSession
) -> None:
    gateway = await start(listener, max_frame_bytes=1024)
    try:
        async with session.ws_connect(url(gateway)) as socket:
            await socket.receive()
            await socket.send_str(json.dumps({"type": "update", "data": {"name": "x" * 5000}}))
            closing = await socket.receive()
            assert closing.type is aiohttp.WSMsgType.CLOSE
            assert socket.close_code == 1009
        assert gateway.diagnostics()["dropped"] == {"frame_too_large": 1}
        assert listener.calls == []
    finally:
        await gateway.async_stop()


@pytest.mark.allow_pyiot_warnings
async def test_silent_connection_is_closed(
    listener: RecordingListener, session: aiohttp.ClientSession
) -> None:
    gateway = await start(listener, identify_timeout=0.1)
    try:
        async with session.ws_connect(url(gateway)) as socket:
            await socket.receive()
            closing = await socket.receive()
            assert closing.type is aiohttp.WSMsgType.CLOSE
            assert socket.close_code == 1008
        assert gateway.diagnostics()["dropped"] == {"identify_timeout": 1}
    finally:
        await gateway.async_stop()


@pytest.mark.allow_pyiot_warnings
async def test_allow_list_refuses_other_sources(
    listener: RecordingListener, session: aiohttp.ClientSession
) -> None:
    gateway = await start(
        listener, guard=GuardSettings(networks=parse_networks("192.168.1.0/24"), allow_loopback=False)
    )
    try:
        with pytest.raises(aiohttp.WSServerHandshakeError) as caught:
            await session.ws_connect(url(gateway))
        assert caught.value.status == 403
        assert gateway.diagnostics()["refused"] == {"403": 1}
    finally:
        await gateway.async_stop()


@pytest.mark.allow_pyiot_warnings
async def test_token(listener: RecordingListener, session: aiohttp.ClientSession) -> None:
    gateway = await start(listener, guard=GuardSettings(token="s3cret"))  # noqa: S106
    try:
        with pytest.raises(aiohttp.WSServerHandshakeError) as caught:
            await session.ws_connect(url(gateway))
        assert caught.value.status == 401
        with pytest.raises(aiohttp.WSServerHandshakeError):
            await session.ws_connect(url(gateway, "?token=wrong"))
        async with session.ws_connect(url(gateway, "?token=s3cret")) as socket:
            assert json.loads((await socket.receive()).data) == {"request": "discover"}
        node = SimulatedWsNode(token="s3cret")  # noqa: S106
        task = asyncio.create_task(node.run(session, url(gateway)))
        await listener.wait_for(lambda: bool(listener.of("node_seen")))
        await node.close()
        await task
        assert gateway.diagnostics()["token_required"]
        assert "s3cret" not in json.dumps(gateway.diagnostics())
    finally:
        await gateway.async_stop()


@pytest.mark.allow_pyiot_warnings
async def test_rate_limit(listener: RecordingListener, session: aiohttp.ClientSession) -> None:
    gateway = await start(listener, guard=GuardSettings(rate=0.01, burst=2))
    try:
        for _ in range(2):
            async with session.ws_connect(url(gateway)):
                pass
        with pytest.raises(aiohttp.WSServerHandshakeError) as caught:
            await session.ws_connect(url(gateway))
        assert caught.value.status == 429
        assert caught.value.headers is not None
        assert caught.value.headers["Retry-After"] == "100"
    finally:
        await gateway.async_stop()


@pytest.mark.allow_pyiot_warnings
async def test_connection_limit_and_plain_http(
    listener: RecordingListener, session: aiohttp.ClientSession
) -> None:
    gateway = await start(listener, max_connections=1)
    try:
        async with session.get(url(gateway).replace("ws://", "http://")) as response:
            assert response.status == 400
        async with session.ws_connect(url(gateway)):
            with pytest.raises(aiohttp.WSServerHandshakeError) as caught:
                await session.ws_connect(url(gateway))
            assert caught.value.status == 503
    finally:
        await gateway.async_stop()


async def test_restore_and_stop(listener: RecordingListener, session: aiohttp.ClientSession) -> None:
    gateway = PyaiotWsGateway(listener, WsSettings(port=0, host="127.0.0.1"), logger=LOGGER)
    assert (
        gateway.restore_nodes(
            [{"node_id": "fd00:aaaa:bbbb::1", "resources": ["led"], "info": {"name": "old"}}]
        )
        == 1
    )
    with pytest.raises(PyaiotWriteError):
        await gateway.async_write("fd00:aaaa:bbbb::1", "led", True)
    await gateway.async_start()
    node = SimulatedWsNode()
    task = asyncio.create_task(node.run(session, url(gateway)))
    await listener.wait_for(lambda: listener.values("fd00:aaaa:bbbb::1", "temperature") != [])
    assert listener.of("points_seen")[0] == ("fd00:aaaa:bbbb::1", ["led"])  # restored, re-reported
    await gateway.async_stop()
    await task
    assert node.close_code == 1001
    assert not gateway.running
    assert listener.of("node_lost") == []
