"""Helpers of the FmPyIOT core tests: a checking listener, gateway and device contexts, waiting."""

import asyncio
from collections.abc import AsyncIterator, Callable, Sequence
import contextlib
from dataclasses import dataclass, field
import itertools
from pathlib import Path
import socket
import subprocess
import time
from typing import Any, override

from custom_components.pyiot.core.nodes.model import NodeInfo, PointSpec
from custom_components.pyiot.core.protocols.fmpyiot import FmPyIotGateway, GatewaySettings
from custom_components.pyiot.core.protocols.fmpyiot.values import MAX_STATE_LENGTH, StateWithAttributes
from custom_components.pyiot.core.protocols.mqtt_link import MqttLink
from tests.support.mosquitto import Mosquitto, find_mosquitto
from tests.support.recording_listener import RecordingListener
from tools.simulators.fmpyiot_device import SimulatedDevice, make_device
from tools.simulators.fmpyiot_node import DeviceRunner

_BASES = itertools.count()


class FmPyIotListener(RecordingListener):
    """Also checks that the gateway never reports anything malformed."""

    @override
    def check_node(self, node: NodeInfo) -> None:
        self.check(isinstance(node, NodeInfo) and bool(node.node_id), f"bad node {node!r}")

    @override
    def check_points(self, node_id: str, points: Sequence[PointSpec], known: dict[str, PointSpec]) -> None:
        self.check(bool(points), f"empty points_seen({node_id!r})")
        for point in points:
            self.check(bool(point.key) and len(point.key) <= 300, f"bad point key {point.key!r}")

    @override
    def check_value(self, node_id: str, key: str, value: Any) -> None:
        state = value.state if isinstance(value, StateWithAttributes) else value
        if isinstance(state, str):
            self.check(len(state) <= MAX_STATE_LENGTH, f"{key}: state too long")
        self.check(
            state is None or isinstance(state, str | int | float | bool), f"{key}: unexpected state {state!r}"
        )

    def nodes(self) -> dict[str, NodeInfo]:
        """The last info of every node."""
        return {node.node_id: node for node in self.of("node_seen")}

    def last(self, node_id: str, key: str) -> Any:
        values = self.values(node_id, key)
        return values[-1] if values else None

    def lost(self, node_id: str) -> int:
        return self.of("node_lost").count(node_id)

    def seen(self, node_id: str) -> int:
        return sum(1 for node in self.of("node_seen") if node.node_id == node_id)


def unique_prefix(name: str = "T") -> str:
    """A base topic prefix no other test uses on the shared broker."""
    return f"{name}{next(_BASES)}-{id(object()) % 100000}/SIM"


@contextlib.asynccontextmanager
async def gateway_on(
    link: MqttLink, listener: FmPyIotListener, *, settings: GatewaySettings | None = None, **options: Any
) -> AsyncIterator[FmPyIotGateway]:
    options.setdefault("request_spacing", 0.0)
    gateway = FmPyIotGateway(link, listener, settings=settings, **options)
    await gateway.async_start()
    try:
        yield gateway
    finally:
        await gateway.async_stop()


@contextlib.asynccontextmanager
async def device_on(
    broker: Mosquitto, device: SimulatedDevice | None = None, *, web: bool = False, **options: Any
) -> AsyncIterator[DeviceRunner]:
    options.setdefault("reconnect_delay", 0.1)
    runner = DeviceRunner(
        device or make_device(0, prefix=unique_prefix()), broker.host, broker.port, **options
    )
    await runner.start(web=web)
    try:
        yield runner
    finally:
        await runner.stop()


async def wait_until(condition: Callable[[], object], limit: float = 10.0) -> None:
    """Poll `condition` until it is truthy (for state that only a round trip changes)."""
    async with asyncio.timeout(limit):
        while not condition():
            await asyncio.sleep(0.01)


@dataclass
class OwnBroker:
    """A mosquitto of the test's own, that can be killed and started again on the same port."""

    broker: Mosquitto
    restarts: list[Mosquitto] = field(default_factory=list)

    @property
    def current(self) -> Mosquitto:
        return self.restarts[-1] if self.restarts else self.broker

    def kill(self) -> None:
        self.current.process.kill()
        self.current.process.wait(timeout=5)

    def start_again(self) -> Mosquitto:
        binary = find_mosquitto()
        assert binary is not None
        config = self.broker.log.parent / "mosquitto.conf"
        log = self.broker.log.parent / f"mosquitto-{len(self.restarts)}.log"
        with log.open("wb") as log_file:
            process = subprocess.Popen(  # noqa: S603
                [binary, "-c", str(config)], stdin=subprocess.DEVNULL, stdout=log_file, stderr=log_file
            )
        restarted = Mosquitto(self.broker.host, self.broker.port, process, Path(log))
        self.restarts.append(restarted)
        deadline = time.monotonic() + 10
        while time.monotonic() < deadline:
            try:
                with socket.create_connection((self.broker.host, self.broker.port), timeout=0.2):
                    return restarted
            except OSError:
                time.sleep(0.02)
        raise RuntimeError("mosquitto did not start again")

    def stop(self) -> None:
        for broker in (self.broker, *self.restarts):
            if broker.process.poll() is None:
                broker.stop()


@dataclass
class RecordingLink:
    """Wraps a link and records what the gateway publishes and subscribes."""

    inner: MqttLink
    published: list[tuple[str, str | bytes, int, bool]] = field(default_factory=list)
    subscribed: list[str] = field(default_factory=list)

    async def async_subscribe(self, topic: str, callback: Any, qos: int = 1) -> Any:
        self.subscribed.append(topic)
        return await self.inner.async_subscribe(topic, callback, qos)

    async def async_publish(
        self, topic: str, payload: str | bytes, qos: int = 1, retain: bool = False
    ) -> None:
        self.published.append((topic, payload, qos, retain))
        await self.inner.async_publish(topic, payload, qos, retain)

    def topics(self) -> list[str]:
        return [topic for topic, _, _, _ in self.published]


@dataclass
class FakeLink:
    """An `MqttLink` in memory: records subscriptions and publications, delivers messages on demand."""

    subscriptions: list[tuple[str, Any]] = field(default_factory=list)
    published: list[tuple[str, str | bytes, int, bool]] = field(default_factory=list)
    fail_publish: bool = False

    async def async_subscribe(self, topic: str, callback: Any, qos: int = 1) -> Any:
        entry = (topic, callback)
        self.subscriptions.append(entry)

        def unsubscribe() -> None:
            if entry in self.subscriptions:
                self.subscriptions.remove(entry)

        return unsubscribe

    async def async_publish(
        self, topic: str, payload: str | bytes, qos: int = 1, retain: bool = False
    ) -> None:
        if self.fail_publish:
            raise ConnectionError("broker gone")
        self.published.append((topic, payload, qos, retain))

    def deliver(self, topic: str, payload: str | bytes) -> None:
        """Hand one message to every matching subscriber, as the broker would."""
        data = payload.encode() if isinstance(payload, str) else payload
        for pattern, callback in list(self.subscriptions):
            if topic_matches(pattern, topic):
                callback(topic, data)


def topic_matches(pattern: str, topic: str) -> bool:
    """MQTT filter matching (`+` one level, `#` the rest)."""
    filter_levels, levels = pattern.split("/"), topic.split("/")
    for index, level in enumerate(filter_levels):
        if level == "#":
            return True
        if index >= len(levels) or (level not in {"+", levels[index]}):
            return False
    return len(filter_levels) == len(levels)


async def identified(listener: FmPyIotListener, runner: DeviceRunner) -> str:
    """Make the device speak and wait until the gateway reported it with its parameters; its node id."""
    device = runner.device
    node_id = device.mac or device.client_id
    await runner.feed()
    await listener.wait_for(lambda: node_id in listener.nodes())
    if device.sysinfo_period:
        await listener.wait_for(lambda: listener.last(node_id, "params#label") is not None)
    return node_id
