"""Test doubles for the Pyaiot protocol tests: a recording listener and an in-memory MQTT link."""

import asyncio
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
import math
from typing import Any

from custom_components.pyiot.nodes.model import NodeInfo, PointSpec
from custom_components.pyiot.protocols.mqtt_link import MessageCallback, Unsubscribe
from custom_components.pyiot.protocols.pyaiot.mqtt import valid_name
from custom_components.pyiot.protocols.pyaiot.resources import MAX_TEXT_LENGTH

NUMERIC = {"temperature", "pressure", "humidity", "eco2", "tvoc", "illuminance"}


@dataclass
class RecordingListener:
    """Records every call and checks that nothing malformed is ever reported.

    The gateway catches exceptions from the listener, so violations are also kept in `errors`, which
    the `listener` fixture checks at the end of each test.
    """

    calls: list[tuple[str, Any]] = field(default_factory=list)
    points: dict[str, dict[str, PointSpec]] = field(default_factory=dict)
    errors: list[str] = field(default_factory=list)
    changed: asyncio.Event = field(default_factory=asyncio.Event)

    def node_seen(self, node: NodeInfo) -> None:
        self._check(isinstance(node, NodeInfo) and valid_name(node.node_id), f"bad node {node!r}")
        self._record("node_seen", node)

    def points_seen(self, node_id: str, points: Sequence[PointSpec]) -> None:
        self._check(valid_name(node_id) and bool(points), f"bad points_seen({node_id!r}, {points!r})")
        known = self.points.setdefault(node_id, {})
        for point in points:
            self._check(valid_name(point.key), f"bad point key {point.key!r}")
            self._check(point.key not in known, f"{point.key} reported twice")
            known[point.key] = point
        self._record("points_seen", (node_id, [point.key for point in points]))

    def value_received(self, node_id: str, key: str, value: Any) -> None:
        self._check(key in self.points.get(node_id, {}), f"value for unreported point {node_id}/{key}")
        if key in NUMERIC:
            self._check(isinstance(value, float) and math.isfinite(value), f"{key}: {value!r}")
        elif key == "led":
            self._check(isinstance(value, bool), f"{key}: {value!r}")
        else:
            self._check(isinstance(value, str) and len(value) <= MAX_TEXT_LENGTH, f"{key}: {value!r}")
        self._record("value_received", (node_id, key, value))

    def node_lost(self, node_id: str) -> None:
        self._check(valid_name(node_id), f"bad node id {node_id!r}")
        self._record("node_lost", node_id)

    def _check(self, condition: bool, message: str) -> None:
        if not condition:
            self.errors.append(message)
            raise AssertionError(message)

    def _record(self, name: str, args: Any) -> None:
        self.calls.append((name, args))
        self.changed.set()

    def of(self, name: str) -> list[Any]:
        """Arguments of every call of `name`, in order."""
        return [args for call, args in self.calls if call == name]

    def values(self, node_id: str, key: str) -> list[Any]:
        return [value for node, name, value in self.of("value_received") if (node, name) == (node_id, key)]

    async def wait_for(self, condition: Callable[[], bool], limit: float = 10.0) -> None:
        """Wait until `condition()` holds, re-checking after every call."""
        async with asyncio.timeout(limit):
            while not condition():
                self.changed.clear()
                await self.changed.wait()


@dataclass
class FakeLink:
    """An `MqttLink` in memory: records subscriptions and publications, delivers messages on demand."""

    subscriptions: list[tuple[str, MessageCallback, int]] = field(default_factory=list)
    published: list[tuple[str, str | bytes, int, bool]] = field(default_factory=list)
    unsubscribed: int = 0
    fail_subscribe: bool = False
    fail_publish: bool = False

    async def async_subscribe(self, topic: str, callback: MessageCallback, qos: int = 1) -> Unsubscribe:
        if self.fail_subscribe:
            raise ConnectionError("no broker")
        self.subscriptions.append((topic, callback, qos))

        def unsubscribe() -> None:
            self.unsubscribed += 1

        return unsubscribe

    async def async_publish(
        self, topic: str, payload: str | bytes, qos: int = 1, retain: bool = False
    ) -> None:
        if self.fail_publish:
            raise ConnectionError("broker gone")
        self.published.append((topic, payload, qos, retain))

    def deliver(self, topic: str, payload: str | bytes) -> None:
        """Hand one message to every subscriber, as the broker would."""
        data = payload.encode() if isinstance(payload, str) else payload
        for _, callback, _ in self.subscriptions:
            callback(topic, data)

    def topics(self, prefix: str = "") -> list[tuple[str, str | bytes]]:
        return [(topic, payload) for topic, payload, _, _ in self.published if topic.startswith(prefix)]


async def eventually(condition: Callable[[], bool], limit: float = 10.0) -> None:
    """Poll `condition` until it holds, for state nothing signals."""
    async with asyncio.timeout(limit):
        while not condition():
            await asyncio.sleep(0.01)
