"""A `NodeListener` that records what a transport reports, for protocol tests without HA."""

import asyncio
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from typing import Any

from custom_components.pyiot.core.nodes.model import NodeInfo, PointSpec


@dataclass
class RecordingListener:
    """Records every call and keeps what a transport must never do in `errors`.

    Subclasses add protocol-specific checks in `check_node`, `check_points` and `check_value`; a
    failed check raises (transports catch listener errors, so `errors` is checked at the end too).
    """

    calls: list[tuple[str, Any]] = field(default_factory=list)
    points: dict[str, dict[str, PointSpec]] = field(default_factory=dict)
    errors: list[str] = field(default_factory=list)
    changed: asyncio.Event = field(default_factory=asyncio.Event)

    def node_seen(self, node: NodeInfo) -> None:
        self.check_node(node)
        self._record("node_seen", node)

    def points_seen(self, node_id: str, points: Sequence[PointSpec]) -> None:
        known = self.points.setdefault(node_id, {})
        self.check_points(node_id, points, known)
        known.update({point.key: point for point in points})
        self._record("points_seen", (node_id, [point.key for point in points]))

    def value_received(self, node_id: str, key: str, value: Any) -> None:
        self.check(key in self.points.get(node_id, {}), f"value for unreported point {node_id}/{key}")
        self.check_value(node_id, key, value)
        self._record("value_received", (node_id, key, value))

    def node_lost(self, node_id: str) -> None:
        self._record("node_lost", node_id)

    def point_unavailable(self, node_id: str, key: str) -> None:
        self.check(key in self.points.get(node_id, {}), f"unavailable for unreported point {node_id}/{key}")
        self._record("point_unavailable", (node_id, key))

    # Protocol-specific checks.

    def check_node(self, node: NodeInfo) -> None:
        """Check a reported node."""

    def check_points(self, node_id: str, points: Sequence[PointSpec], known: dict[str, PointSpec]) -> None:
        """Check reported points before they are added to `known`."""

    def check_value(self, node_id: str, key: str, value: Any) -> None:
        """Check a reported value."""

    def check(self, condition: bool, message: str) -> None:
        if not condition:
            self.errors.append(message)
            raise AssertionError(message)

    # Reading what was recorded.

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
