"""What the Pyaiot CoAP, WebSocket and broker transports share: per-node bookkeeping and bad-input counts.

A `NodeReporter` turns Pyaiot resources (`name`, `temperature`, `led`, ...) into what a `NodeListener`
hears, through the same resource mapping as the MQTT gateway (`resources.py`): info resources refresh
the device, every other resource becomes a point the first time it is seen, then values. It never lets
an exception of the listener escape, bounds the points per node, and logs bad input once per source
and problem while counting every drop by reason.
"""

from collections import Counter
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from enum import StrEnum
import logging
from typing import Any, Final

from ...nodes.bad_input import OncePerSourceLogger
from ...nodes.model import NodeListener
from .mqtt import valid_name
from .resources import (
    IGNORED_RESOURCES,
    INFO_RESOURCES,
    ValueFormatError,
    node_info,
    parse_value,
    point_for_resource,
)

MAX_POINTS_PER_NODE: Final = 64
MAX_SOURCE_LENGTH: Final = 128


class Drop(StrEnum):
    """Why input was dropped; the keys of the `dropped` counts in the diagnostics."""

    NOT_COAP = "not_coap"
    COAP_PROTOCOL = "coap_protocol"
    NOT_UTF8 = "not_utf8"
    PAYLOAD_TOO_LARGE = "payload_too_large"
    BAD_ALIVE = "bad_alive"
    BAD_NODE_ID = "bad_node_id"
    BAD_PUSH = "bad_push"
    UNKNOWN_SOURCE = "unknown_source"
    BAD_LINK_FORMAT = "bad_link_format"
    BAD_LINK = "bad_link"
    DISCOVERY_FAILED = "discovery_failed"
    RESOURCE_TIMEOUT = "resource_timeout"
    RESOURCE_ERROR = "resource_error"
    OBSERVATION_ENDED = "observation_ended"
    BAD_RESOURCE_NAME = "bad_resource_name"
    BAD_VALUE = "bad_value"
    TOO_MANY_NODES = "too_many_nodes"
    TOO_MANY_POINTS = "too_many_points"
    NOT_JSON = "not_json"
    BAD_FRAME = "bad_frame"
    FRAME_TOO_LARGE = "frame_too_large"
    UNKNOWN_TYPE = "unknown_type"
    BAD_MESSAGE = "bad_message"
    UNKNOWN_NODE = "unknown_node"
    IDENTIFY_TIMEOUT = "identify_timeout"
    TOO_MANY_CONNECTIONS = "too_many_connections"
    FORBIDDEN = "forbidden"
    RATE_LIMITED = "rate_limited"
    UNAUTHORIZED = "unauthorized"
    BAD_RECORD = "bad_record"


@dataclass(slots=True)
class ReportedNode:
    """What the listener was told about one node."""

    node_id: str
    info: dict[str, str] = field(default_factory=dict)
    points: set[str] = field(default_factory=set)
    available: bool = False
    announced: bool = False
    """Whether its points were reported in this run (restored ones are re-reported when it speaks)."""

    def as_record(self) -> dict[str, Any]:
        """The plain record `NodeReporter.restore` reads back."""
        return {"node_id": self.node_id, "info": dict(self.info), "resources": sorted(self.points)}


class NodeReporter:
    """Reports Pyaiot nodes and resources to a listener; counts and logs what it drops."""

    def __init__(
        self,
        listener: NodeListener,
        logger: logging.Logger,
        *,
        max_points: int = MAX_POINTS_PER_NODE,
        ignored: frozenset[str] = frozenset(),
    ) -> None:
        """`ignored` names resources of this transport that are neither info nor points."""
        self._listener = listener
        self._logger = logger
        self._bad_input = OncePerSourceLogger(logger)
        self._max_points = max_points
        self._ignored = IGNORED_RESOURCES | ignored
        self.dropped: Counter[str] = Counter()

    @property
    def listener(self) -> NodeListener:
        """Whom the nodes are reported to."""
        return self._listener

    def drop(self, source: str, reason: Drop, detail: str) -> None:
        """Count a drop and log it once per source and reason."""
        self.dropped[reason] += 1
        self._bad_input.warn(source[:MAX_SOURCE_LENGTH], reason, detail)

    def forget_source(self, source: str) -> None:
        """Log problems of `source` again (it recovered)."""
        self._bad_input.forget(source[:MAX_SOURCE_LENGTH])

    # --- availability ------------------------------------------------------------------------

    def seen(self, node: ReportedNode) -> bool:
        """The node spoke: report it available if it was not; return whether it was not."""
        if node.available:
            return False
        node.available = True
        self._call("node_seen", node_info(node.node_id, node.info))
        if not node.announced:
            node.announced = True
            if node.points:
                specs = [
                    spec for name in sorted(node.points) if (spec := point_for_resource(name)) is not None
                ]
                self._call("points_seen", node.node_id, specs)
        return True

    def lost(self, node: ReportedNode) -> None:
        """Report the node lost if it was available."""
        if not node.available:
            return
        node.available = False
        self._call("node_lost", node.node_id)

    def values_forgotten(self, node: ReportedNode) -> None:
        """The node rebooted: every point is unavailable until its next value."""
        for key in sorted(node.points):
            self._call("point_unavailable", node.node_id, key)

    def point_unavailable(self, node: ReportedNode, key: str) -> None:
        """One point has no usable value (unreadable, no longer listed)."""
        if key in node.points:
            self._call("point_unavailable", node.node_id, key)

    # --- resources ---------------------------------------------------------------------------

    def declare(self, node: ReportedNode, names: Iterable[str]) -> None:
        """Report the points among `names` not reported yet (a discovery listed them)."""
        specs = []
        for name in names:
            if name in node.points or name in self._ignored or (spec := point_for_resource(name)) is None:
                continue
            if len(node.points) >= self._max_points:
                self.drop(node.node_id, Drop.TOO_MANY_POINTS, f"resource {name!r} beyond {self._max_points}")
                break
            node.points.add(name)
            specs.append(spec)
        if specs:
            self._call("points_seen", node.node_id, specs)

    def resource(self, node: ReportedNode, name: str, raw: object) -> bool:
        """One resource value from the node; return whether it was used (info or point value)."""
        if name in self._ignored:
            return False
        try:
            value = parse_value(name, raw)
        except ValueFormatError as err:
            self.drop(node.node_id, Drop.BAD_VALUE, f"{name}: {err}")
            return False
        if name in INFO_RESOURCES:
            text = str(value)
            if node.info.get(name) != text:
                node.info[name] = text
                if node.available:
                    self._call("node_seen", node_info(node.node_id, node.info))
            return True
        if name not in node.points:
            self.declare(node, [name])
            if name not in node.points:
                return False
        self._call("value_received", node.node_id, name, value)
        return True

    # --- restore -----------------------------------------------------------------------------

    def restore(self, record: Mapping[str, Any]) -> ReportedNode | None:
        """A node from a plain record (`ReportedNode.as_record`, or a hub record with `points`).

        The node is unavailable and its points count as reported. A malformed record is dropped.
        """
        try:
            node_id = record["node_id"]
            names = record.get("resources")
            if names is None:
                names = [point["key"] for point in record.get("points", ())]
            info = record.get("info") or {}
            if (
                not isinstance(node_id, str)
                or not valid_name(node_id)
                or not all(isinstance(name, str) for name in names)
                or not isinstance(info, Mapping)
            ):
                raise TypeError("node_id, resources or info of the wrong type")  # noqa: TRY301
        except (KeyError, TypeError, AttributeError) as err:
            self.drop("restore", Drop.BAD_RECORD, f"{short(record)}: {err!r}")
            return None
        node = ReportedNode(node_id=node_id)
        node.info = {key: str(value) for key, value in info.items() if key in INFO_RESOURCES}
        for name in names:
            if len(node.points) >= self._max_points:
                break
            if name not in self._ignored and point_for_resource(name) is not None:
                node.points.add(name)
        return node

    # --- helpers -----------------------------------------------------------------------------

    def _call(self, method: str, *args: Any) -> None:
        try:
            getattr(self._listener, method)(*args)
        except Exception:
            self._logger.exception("Error in the node listener's %s%r", method, args[:2])


def short(value: object, limit: int = 80) -> str:
    """`value` as text of at most `limit` characters, for log details."""
    text = value if isinstance(value, str) else repr(value)
    return text if len(text) <= limit else f"{text[:limit]}…"
