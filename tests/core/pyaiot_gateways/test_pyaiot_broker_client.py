"""The Pyaiot broker client against the simulated broker over TCP: replay, broadcasts, writes, reconnect."""

import asyncio
from collections.abc import AsyncIterator
import logging
import random

import pytest

from custom_components.pyiot.core.protocols.pyaiot.broker_client import (
    CLIENT_HELLO,
    BrokerSettings,
    PyaiotBrokerClient,
    broker_url,
)
from custom_components.pyiot.core.protocols.pyaiot.errors import PyaiotWriteError, WriteProblem
from tests.core.pyaiot_gateways.conftest import LOGGER
from tests.support.recording_listener import RecordingListener
from tools.simulators.pyaiot_broker import SimulatedBroker

NODE = {"name": "Node LED", "board": "iotlab-m3", "os": "riot", "led": "0", "temperature": "23.4°C"}


@pytest.fixture
async def broker() -> AsyncIterator[SimulatedBroker]:
    broker = SimulatedBroker()
    await broker.start()
    yield broker
    await broker.stop()


@pytest.fixture
async def client(broker: SimulatedBroker, listener: RecordingListener) -> AsyncIterator[PyaiotBrokerClient]:
    client = PyaiotBrokerClient(
        listener,
        BrokerSettings(url=broker_url("127.0.0.1", broker.port), min_backoff=0.01, max_backoff=0.05),
        logger=LOGGER,
    )
    yield client
    await client.async_stop()


async def test_cache_replay_then_broadcasts(
    broker: SimulatedBroker, client: PyaiotBrokerClient, listener: RecordingListener
) -> None:
    gateway = broker.add_gateway("CoAP")
    await gateway.add_node("1234", NODE)
    await client.async_start()
    await listener.wait_for(lambda: listener.values("1234", "temperature") == [23.4])
    assert broker.received[0] == {"type": "new", "data": "client"}
    assert CLIENT_HELLO == '{"type": "new", "data": "client"}'
    seen = listener.of("node_seen")[-1]
    assert (seen.name, seen.model, seen.manufacturer) == ("Node LED", "iotlab-m3", "RIOT")
    assert listener.of("points_seen") == [("1234", ["led"]), ("1234", ["temperature"])]
    await gateway.update("1234", "temperature", "24.0°C")
    await listener.wait_for(lambda: 24.0 in listener.values("1234", "temperature"))
    assert client.diagnostics()["nodes"]["1234"]["gateway"] == {"ip": "fd00::1", "protocol": "CoAP"}


async def test_write_is_an_update_command(
    broker: SimulatedBroker, client: PyaiotBrokerClient, listener: RecordingListener
) -> None:
    gateway = broker.add_gateway()
    await gateway.add_node("1234", NODE)
    await client.async_start()
    await listener.wait_for(lambda: listener.values("1234", "led") == [False])
    await client.async_write("1234", "led", True)
    await listener.wait_for(lambda: listener.values("1234", "led") == [False, True])
    assert gateway.commands == [{"uid": "1234", "endpoint": "led", "payload": "1"}]
    for key, value, problem in [
        ("temperature", 1, WriteProblem.READ_ONLY),
        ("nothing", 1, WriteProblem.NO_RESOURCE),
        ("led", "maybe", WriteProblem.BAD_VALUE),
    ]:
        with pytest.raises(PyaiotWriteError) as caught:
            await client.async_write("1234", key, value)
        assert caught.value.problem is problem
    with pytest.raises(PyaiotWriteError) as unknown:
        await client.async_write("nope", "led", True)
    assert unknown.value.problem is WriteProblem.UNAVAILABLE


async def test_out_and_reset(
    broker: SimulatedBroker, client: PyaiotBrokerClient, listener: RecordingListener
) -> None:
    gateway = broker.add_gateway()
    await gateway.add_node("a", NODE)
    await gateway.add_node("b", NODE)
    await client.async_start()
    await listener.wait_for(lambda: listener.values("b", "temperature") != [])
    await gateway.reset_node("a")
    await listener.wait_for(lambda: len(listener.values("a", "temperature")) == 2)
    assert ("a", "led") in listener.of("point_unavailable")
    await gateway.remove_node("a")
    await listener.wait_for(lambda: listener.of("node_lost") == ["a"])
    await broker.remove_gateway(gateway)
    await listener.wait_for(lambda: listener.of("node_lost") == ["a", "b"])


@pytest.mark.allow_pyiot_warnings
async def test_reconnect_requests_the_cache_again(
    broker: SimulatedBroker, client: PyaiotBrokerClient, listener: RecordingListener
) -> None:
    gateway = broker.add_gateway()
    await gateway.add_node("1234", NODE)
    await client.async_start()
    await listener.wait_for(lambda: listener.values("1234", "temperature") == [23.4])
    port = broker.port
    await broker.stop()
    await listener.wait_for(lambda: listener.of("node_lost") == ["1234"])
    await asyncio.sleep(0.1)  # a few refused attempts
    await broker.start(port)
    await listener.wait_for(lambda: listener.values("1234", "temperature") == [23.4, 23.4])
    assert [m for m in broker.received if m["type"] == "new"] == [{"type": "new", "data": "client"}] * 2
    assert client.diagnostics()["counts"]["connections"] == 2
    assert client.diagnostics()["counts"]["connection_attempts"] >= 3
    assert client.connected
    await broker.drop_clients()
    await listener.wait_for(lambda: len(listener.of("node_lost")) == 2)
    await listener.wait_for(lambda: len(listener.values("1234", "temperature")) == 3)


def test_backoff_doubles_with_jitter(listener: RecordingListener) -> None:
    client = PyaiotBrokerClient(
        listener,
        BrokerSettings(min_backoff=1, max_backoff=8, jitter=0.5),
        rng=random.Random(1),
        logger=LOGGER,
    )
    delays = [client.next_delay() for _ in range(6)]
    bases = [1, 2, 4, 8, 8, 8]
    assert all(base <= delay <= base * 1.5 for base, delay in zip(bases, delays, strict=True))
    assert len(set(delays)) == 6
    assert broker_url("::1", 8000) == "ws://[::1]:8000/ws"
    assert broker_url("example.org", 443, secure=True) == "wss://example.org:443/ws"


@pytest.mark.allow_pyiot_warnings
async def test_bad_messages_are_logged_once(
    broker: SimulatedBroker,
    client: PyaiotBrokerClient,
    listener: RecordingListener,
    caplog: pytest.LogCaptureFixture,
) -> None:
    gateway = broker.add_gateway()
    await gateway.add_node("1234", NODE)
    await client.async_start()
    await listener.wait_for(lambda: listener.values("1234", "temperature") != [])
    for text in [
        "not json",
        "[1]",
        '{"type": "weird", "uid": "1234"}',
        '{"type": "weird", "uid": "1234"}',
        '{"type": "update", "uid": "alive"}',
        '{"type": "update", "uid": 5, "endpoint": "led", "data": "1"}',
        '{"type": "update", "uid": "1234", "data": "1"}',
        '{"type": "update", "uid": "1234", "endpoint": "temperature", "data": "hot"}',
        '{"type": "out", "uid": "unknown"}',
    ]:
        await broker.send_raw(text)
    await broker.send_raw('{"type": "update", "uid": "1234", "endpoint": "temperature", "data": "25°C"}')
    await listener.wait_for(lambda: 25.0 in listener.values("1234", "temperature"))
    assert client.diagnostics()["dropped"] == {
        "not_json": 1,
        "bad_message": 2,
        "unknown_type": 2,
        "bad_node_id": 1,
        "bad_value": 1,
    }
    ours = [r for r in caplog.records if r.name == LOGGER.name and r.levelno == logging.WARNING]
    assert len([r for r in ours if "unknown_type" in r.getMessage()]) == 1
    assert listener.of("node_lost") == []


@pytest.mark.allow_pyiot_warnings
async def test_write_when_not_connected(listener: RecordingListener) -> None:
    client = PyaiotBrokerClient(listener, logger=LOGGER)
    assert client.restore_nodes([{"node_id": "1234", "resources": ["led"]}, {"bad": 1}]) == 1
    with pytest.raises(PyaiotWriteError) as caught:
        await client.async_write("1234", "led", True)
    assert caught.value.problem is WriteProblem.NOT_RUNNING
    assert client.known_nodes() == [{"node_id": "1234", "info": {}, "resources": ["led"]}]
