"""Test doubles for the RPyMostat engine tests: a recording listener and a controllable clock."""

import asyncio
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
import math
from typing import Any

from custom_components.pyiot.nodes.model import NodeInfo, PointSpec
from custom_components.pyiot.protocols.rpymostat.api import LAST_UPDATE_KEY


@dataclass
class Recorder:
    """Records every listener call and checks the order the hub relies on (points before values)."""

    calls: list[tuple[str, Any]] = field(default_factory=list)
    points: dict[str, dict[str, PointSpec]] = field(default_factory=dict)
    errors: list[str] = field(default_factory=list)
    changed: asyncio.Event = field(default_factory=asyncio.Event)

    def node_seen(self, node: NodeInfo) -> None:
        self._record("node_seen", node)

    def points_seen(self, node_id: str, points: Sequence[PointSpec]) -> None:
        self.points.setdefault(node_id, {}).update({point.key: point for point in points})
        self._record("points_seen", (node_id, [point.key for point in points]))

    def value_received(self, node_id: str, key: str, value: Any) -> None:
        if key not in self.points.get(node_id, {}):
            self.errors.append(f"value for unreported point {node_id}/{key}")
        if key != LAST_UPDATE_KEY and not (isinstance(value, float) and math.isfinite(value)):
            self.errors.append(f"{node_id}/{key}: {value!r}")
        self._record("value_received", (node_id, key, value))

    def node_lost(self, node_id: str) -> None:
        self._record("node_lost", node_id)

    def point_unavailable(self, node_id: str, key: str) -> None:
        if key not in self.points.get(node_id, {}):
            self.errors.append(f"unavailable for unreported point {node_id}/{key}")
        self._record("point_unavailable", (node_id, key))

    def _record(self, name: str, args: Any) -> None:
        self.calls.append((name, args))
        self.changed.set()

    def of(self, name: str) -> list[Any]:
        """Arguments of every call of `name`, in order."""
        return [args for call, args in self.calls if call == name]

    def values(self, node_id: str, key: str) -> list[Any]:
        return [value for node, name, value in self.of("value_received") if (node, name) == (node_id, key)]

    async def wait_for(self, condition: Callable[[], bool], limit: float = 5.0) -> None:
        async with asyncio.timeout(limit):
            while not condition():
                self.changed.clear()
                await self.changed.wait()


@dataclass
class FakeClock:
    """A monotonic clock the test moves."""

    now: float = 1000.0

    def __call__(self) -> float:
        return self.now

    def advance(self, seconds: float) -> None:
        self.now += seconds
