"""Test doubles for the Pyaiot protocol tests: a recording listener and an in-memory MQTT link."""

import asyncio
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
import math
from typing import Any, override

from custom_components.pyiot.core.nodes.model import NodeInfo, PointSpec
from custom_components.pyiot.core.protocols.mqtt_link import MessageCallback, Unsubscribe
from custom_components.pyiot.core.protocols.pyaiot.mqtt import valid_name
from custom_components.pyiot.core.protocols.pyaiot.resources import MAX_TEXT_LENGTH
from tests.support.recording_listener import RecordingListener as BaseRecordingListener

NUMERIC = {"temperature", "pressure", "humidity", "eco2", "tvoc", "illuminance"}


class RecordingListener(BaseRecordingListener):
    """Also checks that nothing malformed is ever reported by the Pyaiot gateway."""

    @override
    def check_node(self, node: NodeInfo) -> None:
        self.check(isinstance(node, NodeInfo) and valid_name(node.node_id), f"bad node {node!r}")

    @override
    def check_points(self, node_id: str, points: Sequence[PointSpec], known: dict[str, PointSpec]) -> None:
        self.check(valid_name(node_id) and bool(points), f"bad points_seen({node_id!r}, {points!r})")
        for point in points:
            self.check(valid_name(point.key), f"bad point key {point.key!r}")
            self.check(point.key not in known, f"{point.key} reported twice")

    @override
    def check_value(self, node_id: str, key: str, value: Any) -> None:
        if key in NUMERIC:
            self.check(isinstance(value, float) and math.isfinite(value), f"{key}: {value!r}")
        elif key == "led":
            self.check(isinstance(value, bool), f"{key}: {value!r}")
        else:
            self.check(isinstance(value, str) and len(value) <= MAX_TEXT_LENGTH, f"{key}: {value!r}")

    @override
    def node_lost(self, node_id: str) -> None:
        self.check(valid_name(node_id), f"bad node id {node_id!r}")
        super().node_lost(node_id)


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
