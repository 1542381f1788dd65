"""The gateway and the simulated nodes on a real mosquitto broker."""

import asyncio
from collections.abc import AsyncIterator
import contextlib
from dataclasses import dataclass, field

import pytest

from custom_components.pyiot.core.nodes import AdmissionLimits
from custom_components.pyiot.core.nodes.model import NodeInfo
from custom_components.pyiot.core.protocols.pyaiot.mqtt import PyaiotMqttGateway
from custom_components.pyiot.core.protocols.pyaiot.resources import point_for_resource
from tests.core.pyaiot.fakes import RecordingListener
from tests.support.aiomqtt_link import AiomqttLink
from tests.support.mosquitto import Mosquitto
from tools.simulators.pyaiot_mqtt_node import DEFAULT_NODE_ID, Periods, SimulatedNode, make_nodes, run_nodes

QUIET = Periods(temperature=60, pressure=60, check=60)
"""Nothing periodic during a test unless asked for."""


@dataclass
class Observer:
    """Everything the gateway publishes."""

    messages: list[tuple[str, bytes]] = field(default_factory=list)

    def on_message(self, topic: str, payload: bytes) -> None:
        self.messages.append((topic, payload))

    def payloads(self, topic: str) -> list[bytes]:
        return [payload for received, payload in self.messages if received == topic]


@pytest.fixture
async def link(broker: Mosquitto) -> AsyncIterator[AiomqttLink]:
    async with AiomqttLink(broker.host, broker.port) as link:
        yield link


@pytest.fixture
async def observer(link: AiomqttLink) -> Observer:
    observer = Observer()
    await link.async_subscribe("gateway/#", observer.on_message)
    return observer


@contextlib.asynccontextmanager
async def gateway_on(
    link: AiomqttLink,
    listener: RecordingListener,
    *,
    node_timeout: float = 120.0,
    check_interval: float = 30.0,
    limits: AdmissionLimits | None = None,
) -> AsyncIterator[PyaiotMqttGateway]:
    gateway = PyaiotMqttGateway(
        link, listener, node_timeout=node_timeout, check_interval=check_interval, limits=limits
    )
    await gateway.async_start()
    try:
        yield gateway
    finally:
        await gateway.async_stop()


@contextlib.asynccontextmanager
async def simulator(
    broker: Mosquitto, nodes: dict[str, SimulatedNode], periods: Periods = QUIET
) -> AsyncIterator[dict[str, SimulatedNode]]:
    stop, ready = asyncio.Event(), asyncio.Event()
    runner = asyncio.create_task(
        run_nodes(broker.host, broker.port, stop=stop, ready=ready, nodes=nodes, periods=periods)
    )
    async with asyncio.timeout(10):
        await ready.wait()
    try:
        yield nodes
    finally:
        stop.set()
        await runner


async def test_discovery_and_values(
    broker: Mosquitto, link: AiomqttLink, observer: Observer, listener: RecordingListener
) -> None:
    node_id = DEFAULT_NODE_ID
    async with gateway_on(link, listener), simulator(broker, make_nodes([node_id], seed=1)) as nodes:
        await listener.wait_for(
            lambda: (
                all(listener.values(node_id, key) for key in ("led", "temperature", "pressure"))
                and listener.of("node_seen")[-1].model == "native"
            )
        )
        node = nodes[node_id]
    assert listener.of("points_seen") == [(node_id, ["led", "temperature", "pressure"])]
    assert listener.values(node_id, "led") == [False]
    assert listener.values(node_id, "temperature") == [round(node.temperature, 1)]
    assert listener.values(node_id, "pressure") == [round(node.pressure, 1)]
    assert listener.of("node_seen")[-1] == NodeInfo(
        node_id=node_id, name="MQTT test node", model="native", manufacturer="RIOT", extra={"os": "riot"}
    )
    assert observer.payloads("gateway/check") == [b""]
    assert observer.payloads(f"gateway/{node_id}/discover") == [b"resources", b"values"]


async def test_periodic_values(broker: Mosquitto, link: AiomqttLink, listener: RecordingListener) -> None:
    periods = Periods(temperature=0.05, pressure=0.1, check=60)
    async with gateway_on(link, listener), simulator(broker, make_nodes(["fast"]), periods):
        await listener.wait_for(lambda: len(listener.values("fast", "temperature")) >= 5)
        await listener.wait_for(lambda: len(listener.values("fast", "pressure")) >= 3)
    assert all(20 <= value <= 25 for value in listener.values("fast", "temperature"))


async def test_led_write_is_echoed(
    broker: Mosquitto, link: AiomqttLink, observer: Observer, listener: RecordingListener
) -> None:
    async with gateway_on(link, listener) as gateway, simulator(broker, make_nodes(["led-node"])) as nodes:
        await listener.wait_for(lambda: bool(listener.values("led-node", "led")))
        await gateway.async_write("led-node", "led", True)
        await listener.wait_for(lambda: listener.values("led-node", "led")[-1] is True)
        assert nodes["led-node"].led is True
        await gateway.async_write("led-node", "led", False)
        await listener.wait_for(lambda: listener.values("led-node", "led")[-1] is False)
    assert listener.values("led-node", "led") == [False, True, False]
    assert observer.payloads("gateway/led-node/led/set") == [b"1", b"0"]


async def test_re_announce_does_not_rediscover(
    broker: Mosquitto, link: AiomqttLink, observer: Observer, listener: RecordingListener
) -> None:
    async with gateway_on(link, listener, check_interval=0.1), simulator(broker, make_nodes(["again"])):
        await listener.wait_for(lambda: len(listener.of("node_seen")) >= 8)
    assert len(observer.payloads("gateway/check")) >= 4
    assert observer.payloads("gateway/again/discover") == [b"resources", b"values"]


async def test_loss_and_return(
    broker: Mosquitto, link: AiomqttLink, observer: Observer, listener: RecordingListener
) -> None:
    async with gateway_on(link, listener, node_timeout=0.5) as gateway:
        async with simulator(broker, make_nodes(["lossy"])):
            await listener.wait_for(lambda: bool(listener.values("lossy", "pressure")))
        await listener.wait_for(lambda: listener.of("node_lost") == ["lossy"])
        seen = len(listener.of("node_seen"))
        async with simulator(broker, make_nodes(["lossy"])):
            await listener.wait_for(lambda: len(listener.of("node_seen")) > seen)
            assert gateway.diagnostics()["nodes"]["lossy"]["available"] is True
        await listener.wait_for(lambda: len(listener.of("node_lost")) == 2)
    assert observer.payloads("gateway/lossy/discover").count(b"resources") == 1


async def test_riot_node_after_restart(link: AiomqttLink, listener: RecordingListener) -> None:
    """A RIOT node publishes values unasked; the gateway did not see its check or resource list.

    The hub restored the node and gave it to the gateway, so its values count at once.
    """
    points = ("temperature", "humidity")
    listener.points["mqtt-2"] = {key: spec for key in points if (spec := point_for_resource(key)) is not None}
    gateway = PyaiotMqttGateway(link, listener)
    gateway.restore_nodes({"mqtt-2": points})
    await gateway.async_start()
    try:
        await link.async_publish("node/mqtt-2/temperature", '{"value":"21.5°C"}'.encode())
        await link.async_publish("node/mqtt-2/humidity", b'{"value":"45.07%"}')
        await listener.wait_for(lambda: bool(listener.values("mqtt-2", "humidity")))
    finally:
        await gateway.async_stop()
    assert listener.values("mqtt-2", "temperature") == [21.5]
    assert listener.values("mqtt-2", "humidity") == [45.07]


async def test_many_nodes(broker: Mosquitto, link: AiomqttLink, listener: RecordingListener) -> None:
    nodes = make_nodes([f"swarm-{index}" for index in range(200)], seed=7)

    def with_pressure() -> set[str]:
        return {node_id for node_id, key, _ in listener.of("value_received") if key == "pressure"}

    # 200 nodes booting at once: the discovery rate (300 a minute by default) is not what this tests.
    unlimited = AdmissionLimits(discovery_per_minute=0)
    async with gateway_on(link, listener, limits=unlimited), simulator(broker, nodes):
        await listener.wait_for(lambda: len(with_pressure()) == len(nodes), limit=30)
    assert with_pressure() == set(nodes)
    assert {node_id for node_id, _ in listener.of("points_seen")} == set(nodes)


async def test_stop_leaves_nothing_running(link: AiomqttLink, listener: RecordingListener) -> None:
    gateway = PyaiotMqttGateway(link, listener, check_interval=0.05)
    await gateway.async_start()
    await link.async_publish("node/check", b'{"id": "idle"}')
    await link.async_publish("node/idle/resources", b'["led"]')
    await listener.wait_for(lambda: bool(listener.of("node_seen")))
    await gateway.async_stop()
    assert gateway._check_task is None
    assert not gateway._publish_tasks
    assert all(node.loss_timer is None for node in gateway._nodes.values())
    await link.async_publish("node/check", b'{"id": "late"}')
    await link.async_publish("node/late/resources", b'["led"]')
    await asyncio.sleep(0.1)
    assert "late" not in gateway._nodes
    assert "late" not in gateway._pending
