"""Honest availability and fast recovery: the broker goes away and comes back (in memory and for real)."""

import asyncio
from collections.abc import AsyncIterator
import contextlib
import json
from pathlib import Path

import aiomqtt
import pytest

from custom_components.pyiot.core.protocols.pyaiot.mqtt import PyaiotMqttGateway
from tests.core.pyaiot.fakes import FakeLink, RecordingListener
from tests.support.mosquitto import start_mosquitto
from tests.support.reconnecting_link import ReconnectingLink
from tools.simulators.pyaiot_mqtt_node import Periods, SimulatedNode, make_nodes, run_nodes

QUIET = Periods(temperature=600, pressure=600, check=600)
"""Nothing periodic: whatever arrives after a reconnect was asked for."""


@pytest.fixture
def pyaiot_listener() -> RecordingListener:
    return RecordingListener()


async def settle() -> None:
    for _ in range(3):
        await asyncio.sleep(0)


async def test_link_lost_makes_every_node_unavailable_at_once(
    fake_link: FakeLink, pyaiot_listener: RecordingListener
) -> None:
    gateway = PyaiotMqttGateway(fake_link, pyaiot_listener)
    await gateway.async_start()
    for node_id in ("a", "b"):
        fake_link.deliver("node/check", json.dumps({"id": node_id}))
        fake_link.deliver(f"node/{node_id}/resources", '["led"]')
    gateway.restore_nodes({"c": ["led"]})  # known, never heard from: nothing to report
    await settle()
    gateway.link_lost()
    assert pyaiot_listener.of("node_lost") == ["a", "b"]
    assert all(node.loss_timer is None for node in gateway._nodes.values())
    assert gateway.diagnostics()["link_up"] is False
    published = len(fake_link.published)
    fake_link.deliver("node/check", json.dumps({"id": "new"}))  # in flight when the link broke
    await settle()
    assert len(fake_link.published) == published  # nothing is asked while the link is down
    fake_link.deliver("node/a/led", '{"value": 1}')  # a late message: available, no loss timer yet
    assert gateway._nodes["a"].available
    assert gateway._nodes["a"].loss_timer is None
    gateway.link_restored()
    await settle()
    asked = fake_link.published[published:]
    assert ("gateway/check", "", 1, False) in asked
    assert {topic for topic, payload, _, _ in asked if payload == "values"} == {
        "gateway/a/discover",
        "gateway/b/discover",
        "gateway/c/discover",
    }
    published = len(fake_link.published)
    fake_link.deliver("node/check", json.dumps({"id": "a"}))  # a sent a value since: fresh
    fake_link.deliver("node/check", json.dumps({"id": "b"}))  # no value since the outage: asked again
    await settle()
    assert fake_link.published[published:] == [("gateway/b/discover", "values", 1, False)]
    fake_link.deliver("node/b/led", '{"value": 0}')
    fake_link.deliver("node/check", json.dumps({"id": "b"}))  # fresh again: a check asks nothing
    await settle()
    assert len(fake_link.published) == published + 1
    assert gateway._nodes["a"].loss_timer is not None
    await gateway.async_stop()
    published = len(fake_link.published)
    gateway.link_restored()  # stopped: nothing is asked
    await settle()
    assert len(fake_link.published) == published


@pytest.mark.allow_pyiot_warnings  # the forgotten node's value is dropped as unknown
async def test_setup_and_discovery_ask_at_once(
    fake_link: FakeLink, pyaiot_listener: RecordingListener
) -> None:
    gateway = PyaiotMqttGateway(fake_link, pyaiot_listener)
    gateway.restore_nodes({"known": ["temperature"], "bad/id": ["led"]})
    gateway.probe_node("discovered")  # not running yet: asked once it runs, at its check
    await gateway.async_start()
    await settle()
    assert fake_link.topics("gateway/") == [("gateway/check", ""), ("gateway/known/discover", "values")]
    gateway.probe_node("discovered")  # the entry was created from HA's discovery of this node
    gateway.probe_node("known")
    gateway.probe_node("a/b")  # not a node id: ignored
    gateway.restore_nodes({"later": []})
    await settle()
    assert fake_link.topics("gateway/")[2:] == [
        ("gateway/discovered/discover", "resources"),
        ("gateway/known/discover", "values"),
        ("gateway/later/discover", "values"),
    ]
    fake_link.deliver("node/discovered/resources", '["led"]')  # the probe counted as its check
    assert [node.node_id for node in pyaiot_listener.of("node_seen")] == ["discovered"]
    gateway.probe_node("later")  # known without points: asked for its resources
    await settle()
    assert fake_link.topics("gateway/")[-1] == ("gateway/later/discover", "resources")
    gateway.forget_node("discovered")  # deleted by the user: must do its handshake again
    fake_link.deliver("node/discovered/led", '{"value": 1}')
    assert pyaiot_listener.values("discovered", "led") == []
    fake_link.deliver("node/pending/resources", '["led"]')
    gateway.probe_node("pending")  # a list came first: the probe completes the handshake
    assert pyaiot_listener.of("node_seen")[-1].node_id == "pending"
    await gateway.async_stop()


async def test_deferred_discoveries_are_asked_when_the_rate_allows(
    fake_link: FakeLink, pyaiot_listener: RecordingListener
) -> None:
    from custom_components.pyiot.core.nodes.admission import AdmissionLimits  # noqa: PLC0415
    from custom_components.pyiot.core.protocols.pyaiot import mqtt  # noqa: PLC0415

    gateway = PyaiotMqttGateway(fake_link, pyaiot_listener, limits=AdmissionLimits(discovery_per_minute=5))
    await gateway.async_start()
    for number in range(3):
        fake_link.deliver("node/check", json.dumps({"id": f"n{number}"}))
    await settle()
    assert [topic for topic, payload in fake_link.topics("gateway/") if payload == "resources"] == [
        "gateway/n0/discover"
    ]
    assert gateway.diagnostics()["deferred_discoveries"] == 2
    assert gateway._deferred_timer is not None
    gateway._discovery._tokens = 1.0  # a token came back
    gateway._deferred_timer.cancel()
    gateway._ask_deferred()
    await settle()
    assert [topic for topic, payload in fake_link.topics("gateway/") if payload == "resources"][1:] == [
        "gateway/n2/discover"  # newest first: a node that checks after a flood goes before its backlog
    ]
    assert gateway._deferred_timer is not None  # n1 still waits
    gateway.link_lost()
    gateway._deferred_timer.cancel()
    gateway._ask_deferred()  # the link is down: nothing is asked
    assert gateway._deferred_timer is None
    await gateway.async_stop()
    assert gateway._deferred_timer is None
    assert mqtt.DEFERRED_ASK_INTERVAL == 1.0


@contextlib.asynccontextmanager
async def reconnecting_nodes(port: int, nodes: dict[str, SimulatedNode]) -> AsyncIterator[None]:
    """The simulated nodes, connecting again whenever the broker comes back."""
    stop = asyncio.Event()

    async def run() -> None:
        while not stop.is_set():
            with contextlib.suppress(aiomqtt.MqttError):
                await run_nodes("127.0.0.1", port, stop=stop, nodes=nodes, periods=QUIET)
            await asyncio.sleep(0.2)

    runner = asyncio.create_task(run())
    try:
        yield
    finally:
        stop.set()
        await runner


@pytest.mark.allow_pyiot_warnings  # the periodic gateway/check may fail once while the broker is away
async def test_broker_kill_and_restart(
    tmp_path: Path, socket_enabled: None, pyaiot_listener: RecordingListener
) -> None:
    """A real mosquitto is killed and restarted: nodes go unavailable at once and are asked back at once."""
    (tmp_path / "first").mkdir()
    broker = start_mosquitto(tmp_path / "first")
    gateway: PyaiotMqttGateway | None = None

    def on_connection(up: bool) -> None:
        if gateway is not None:
            (gateway.link_restored if up else gateway.link_lost)()

    nodes = make_nodes([f"sim-{number}" for number in range(3)], seed=3)
    try:
        async with ReconnectingLink(broker.host, broker.port, on_connection=on_connection) as link:
            gateway = PyaiotMqttGateway(link, pyaiot_listener)
            await gateway.async_start()
            async with contextlib.AsyncExitStack() as stack:
                stack.push_async_callback(gateway.async_stop)
                await stack.enter_async_context(reconnecting_nodes(broker.port, nodes))
                await pyaiot_listener.wait_for(
                    lambda: all(pyaiot_listener.values(node, "temperature") for node in nodes)
                )
                broker.kill()
                await pyaiot_listener.wait_for(lambda: set(pyaiot_listener.of("node_lost")) == set(nodes))
                assert not any(node.available for node in gateway._nodes.values())
                before = {node: len(pyaiot_listener.values(node, "temperature")) for node in nodes}
                (tmp_path / "second").mkdir()
                broker = start_mosquitto(tmp_path / "second", broker.port)
                # Values come back at once: the gateway asks (the nodes publish nothing for 10 minutes).
                await pyaiot_listener.wait_for(
                    lambda: all(
                        len(pyaiot_listener.values(node, "temperature")) > before[node] for node in nodes
                    ),
                    limit=20,
                )
                assert all(node.available for node in gateway._nodes.values())
                assert link.connects == 2
    finally:
        broker.stop()
