"""Admission control: which nodes a transport reports may become devices, for every transport alike.

`AdmissionGate` sits between a transport and the hub: the transport reports to the gate (it is a
`NodeListener`), the gate forwards to the hub what belongs to admitted nodes and holds or drops the rest.

- A node is admitted after its protocol's handshake. A transport with a handshake (`AdmitWhen.HANDSHAKE`,
  e.g. Pyaiot MQTT: a `node/check` and its resource list) calls `report_handshake(listener, node_id)` when
  it completed; what it reported before is held in a small in-memory pending set (bounded, with a time to
  live, never persisted) and replayed on admission. A transport whose every report is already vouched for
  (`AdmitWhen.FIRST_REPORT`: an allow-listed RPyMostat host, a BLE device the user chose) is admitted on
  its first `node_seen`.
- Admission is bounded: at most `max_nodes` nodes and `max_points_per_node` points per node, at most
  `new_nodes_per_minute` new nodes a minute. At the cap, never-confirmed nodes (restored from storage but
  without a handshake since, least recently heard from first) make room; a confirmed node is never pushed
  out, and junk never gets further than the pending set, so it cannot lock a real node out.
- `report()` says whether a cap was reached and by what; `on_report` is called when that changes.
"""

from collections import OrderedDict, deque
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from enum import StrEnum
import logging
import time
from typing import Any, Final, Protocol, runtime_checkable

from .bad_input import OncePerSourceLogger
from .bounded import PendingTable, TokenBucket
from .model import NodeInfo, NodeListener, PointSpec

_LOGGER = logging.getLogger(__name__)

DEFAULT_MAX_NODES: Final = 500
DEFAULT_MAX_POINTS_PER_NODE: Final = 64
DEFAULT_NEW_NODES_PER_MINUTE: Final = 30
DEFAULT_DISCOVERY_PER_MINUTE: Final = 300
DEFAULT_PENDING_NODES: Final = 256
DEFAULT_PENDING_TTL: Final = 120.0
MAX_NODES_RANGE: Final = (1, 10_000)
MAX_POINTS_RANGE: Final = (1, 256)
PER_MINUTE_RANGE: Final = (0, 6_000)
"""Bounds of the settings (the options flow shows them); rates of 0 mean no limit."""
NEWEST_SHOWN: Final = 5
POINT_CAP_NODES_SHOWN: Final = 16


class AdmitWhen(StrEnum):
    """When a transport's node becomes a device; each transport states its own."""

    HANDSHAKE = "handshake"
    """When the transport calls `report_handshake` (its protocol's handshake completed)."""
    FIRST_REPORT = "first_report"
    """At its first `node_seen`: the transport only reports nodes it has already vouched for."""


class Refusal(StrEnum):
    """Why the gate refused something; the problem keys of its log lines."""

    NODE_CAP = "node_cap"
    NEW_NODE_RATE = "new_node_rate"
    POINT_CAP = "point_cap"


@dataclass(frozen=True, kw_only=True, slots=True)
class AdmissionLimits:
    """The settings of one entry's gate (`max_nodes`, `max_points_per_node` and the rates are options)."""

    max_nodes: int = DEFAULT_MAX_NODES
    max_points_per_node: int = DEFAULT_MAX_POINTS_PER_NODE
    new_nodes_per_minute: int = DEFAULT_NEW_NODES_PER_MINUTE
    discovery_per_minute: int = DEFAULT_DISCOVERY_PER_MINUTE
    """For transports that ask unknown nodes to identify themselves (Pyaiot's `discover`)."""
    pending_nodes: int = DEFAULT_PENDING_NODES
    pending_ttl: float = DEFAULT_PENDING_TTL

    def __post_init__(self) -> None:
        """Refuse settings outside their ranges (ValueError)."""
        checks = (
            ("max_nodes", self.max_nodes, MAX_NODES_RANGE),
            ("max_points_per_node", self.max_points_per_node, MAX_POINTS_RANGE),
            ("new_nodes_per_minute", self.new_nodes_per_minute, PER_MINUTE_RANGE),
            ("discovery_per_minute", self.discovery_per_minute, PER_MINUTE_RANGE),
            ("pending_nodes", self.pending_nodes, (1, 4_096)),
        )
        for name, value, (low, high) in checks:
            if isinstance(value, bool) or not isinstance(value, int) or not low <= value <= high:
                raise ValueError(f"{name} must be an integer from {low} to {high}, got {value!r}")
        if not 1.0 <= self.pending_ttl <= 3_600.0:  # noqa: PLR2004 - a second to an hour
            raise ValueError(f"pending_ttl must be 1 to 3600 s, got {self.pending_ttl!r}")

    def discovery_bucket(self, clock: Callable[[], float] = time.monotonic) -> TokenBucket:
        """The rate limit of discovery requests to unknown nodes, for a transport to hold."""
        return TokenBucket(self.discovery_per_minute, max(1, self.discovery_per_minute // 5), clock=clock)


@dataclass(frozen=True, kw_only=True, slots=True)
class CapReport:
    """Whether a cap was reached and by what: the HA side raises (or clears) a repair issue from it."""

    max_nodes: int
    max_points_per_node: int
    nodes: int
    """Admitted nodes (devices)."""
    confirmed: int
    """Admitted nodes that completed a handshake (the others were restored and not heard from properly)."""
    pending: int
    node_cap_reached: bool
    """A new node was refused for want of room since there was last room."""
    refused_nodes: int
    last_refused: str | None
    newest_nodes: tuple[str, ...]
    """The last admitted nodes, newest first: what filled the cap if it filled quickly."""
    point_cap_nodes: Mapping[str, int]
    """Nodes that reported more points than allowed, and how many points were refused."""
    rate_limited: int
    """New nodes turned away (for now) by the rate limit since the gate started."""
    evicted: int
    """Never-confirmed nodes forgotten to make room since the gate started."""

    @property
    def has_issue(self) -> bool:
        """Whether the user should be told (a repair issue)."""
        return self.node_cap_reached or bool(self.point_cap_nodes)

    def as_dict(self) -> dict[str, Any]:
        """For diagnostics and repair placeholders."""
        return {
            "max_nodes": self.max_nodes,
            "max_points_per_node": self.max_points_per_node,
            "nodes": self.nodes,
            "confirmed": self.confirmed,
            "pending": self.pending,
            "node_cap_reached": self.node_cap_reached,
            "refused_nodes": self.refused_nodes,
            "last_refused": self.last_refused,
            "newest_nodes": list(self.newest_nodes),
            "point_cap_nodes": dict(self.point_cap_nodes),
            "rate_limited": self.rate_limited,
            "evicted": self.evicted,
        }


@runtime_checkable
class HandshakeListener(NodeListener, Protocol):
    """A listener that wants to hear about handshakes (an `AdmissionGate`)."""

    def node_confirmed(self, node_id: str) -> bool:
        """`node_id` completed its protocol's handshake; return whether it is admitted."""


def report_handshake(listener: NodeListener, node_id: str) -> bool:
    """For transports: `node_id` completed its protocol's handshake; whether it may be reported now.

    With a listener that does no admission control (tests, tools) every node is admitted. When this
    returns False the transport keeps the node pending and tries again at its next handshake.
    """
    if isinstance(listener, HandshakeListener):
        return listener.node_confirmed(node_id)
    return True


@dataclass(slots=True)
class _Admitted:
    confirmed: bool
    points: set[str]


@dataclass(slots=True)
class _Held:
    """What a transport reported about a node before its admission (replayed on admission)."""

    info: NodeInfo | None = None
    points: dict[str, PointSpec] = field(default_factory=dict)
    values: dict[str, Any] = field(default_factory=dict)


class AdmissionGate:
    """A `NodeListener` that forwards to `listener` only what belongs to admitted nodes."""

    def __init__(
        self,
        listener: NodeListener,
        *,
        admit_when: AdmitWhen,
        limits: AdmissionLimits | None = None,
        on_evict: Callable[[str], None] | None = None,
        on_confirmed: Callable[[str], None] | None = None,
        on_report: Callable[[CapReport], None] | None = None,
        logger: logging.Logger | None = None,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        """A gate in front of `listener` (the hub).

        `on_evict(node_id)`: a never-confirmed node is forgotten to make room (remove its device and
        record, and tell the transport). `on_confirmed(node_id)`: a restored node completed its handshake
        (save its record as confirmed). `on_report(report)`: whether a cap is reached changed.
        """
        self._listener = listener
        self.admit_when = admit_when
        self.limits = limits = limits or AdmissionLimits()
        self._on_evict = on_evict
        self._on_confirmed = on_confirmed
        self._on_report = on_report
        self._logger = logger or _LOGGER
        self._bad = OncePerSourceLogger(self._logger, clock=clock)
        self._admitted: dict[str, _Admitted] = {}
        self._unconfirmed: OrderedDict[str, None] = OrderedDict()
        """Admitted, never-confirmed nodes, least recently heard from first."""
        self._pending: PendingTable[str, _Held] = PendingTable(
            limits.pending_nodes, limits.pending_ttl, clock=clock
        )
        self._new_nodes = TokenBucket(limits.new_nodes_per_minute, clock=clock)
        self._newest: deque[str] = deque(maxlen=NEWEST_SHOWN)
        self._node_cap_reached = False
        self._refused_nodes = 0
        self._last_refused: str | None = None
        self._point_cap: dict[str, int] = {}
        self._rate_limited = 0
        self._evicted = 0

    # --- the hub's side ---------------------------------------------------------------------------

    def restore(self, node_id: str, points: Iterable[str], *, confirmed: bool) -> None:
        """Admit a node the hub restored from storage (its points too), confirmed or not."""
        self._admitted[node_id] = _Admitted(confirmed=confirmed, points=set(points))
        if not confirmed:
            self._unconfirmed[node_id] = None
            self._unconfirmed.move_to_end(node_id, last=False)  # not heard from in this run: first out

    def forget(self, node_id: str) -> None:
        """The user deleted the node (or the hub evicted it): it must be admitted again to come back."""
        self._admitted.pop(node_id, None)
        self._unconfirmed.pop(node_id, None)
        self._pending.pop(node_id)
        changed = self._point_cap.pop(node_id, None) is not None
        if self._node_cap_reached and len(self._admitted) < self.limits.max_nodes:
            self._node_cap_reached = False
            self._refused_nodes = 0
            self._last_refused = None
            changed = True
        if changed:
            self._notify()

    def is_admitted(self, node_id: str) -> bool:
        """Whether the node is a device."""
        return node_id in self._admitted

    def is_confirmed(self, node_id: str) -> bool:
        """Whether the node completed a handshake (in this run or, as stored, before)."""
        admitted = self._admitted.get(node_id)
        return admitted is not None and admitted.confirmed

    def report(self) -> CapReport:
        """Whether a cap was reached and by what."""
        confirmed = len(self._admitted) - len(self._unconfirmed)
        return CapReport(
            max_nodes=self.limits.max_nodes,
            max_points_per_node=self.limits.max_points_per_node,
            nodes=len(self._admitted),
            confirmed=confirmed,
            pending=len(self._pending),
            node_cap_reached=self._node_cap_reached,
            refused_nodes=self._refused_nodes,
            last_refused=self._last_refused,
            newest_nodes=tuple(reversed(self._newest)),
            point_cap_nodes=dict(self._point_cap),
            rate_limited=self._rate_limited,
            evicted=self._evicted,
        )

    def diagnostics(self) -> dict[str, Any]:
        """The limits and the report."""
        return {
            "admit_when": self.admit_when.value,
            "limits": {
                "max_nodes": self.limits.max_nodes,
                "max_points_per_node": self.limits.max_points_per_node,
                "new_nodes_per_minute": self.limits.new_nodes_per_minute,
                "discovery_per_minute": self.limits.discovery_per_minute,
                "pending_nodes": self.limits.pending_nodes,
                "pending_ttl": self.limits.pending_ttl,
            },
            **self.report().as_dict(),
        }

    # --- the transport's side -----------------------------------------------------------------------

    def node_confirmed(self, node_id: str) -> bool:
        """The node completed its handshake: admit it (if the caps allow) and replay what was held."""
        admitted = self._admitted.get(node_id)
        if admitted is not None:
            if not admitted.confirmed:
                admitted.confirmed = True
                self._unconfirmed.pop(node_id, None)
                if self._on_confirmed is not None:
                    self._on_confirmed(node_id)
            return True
        if not self._admit(node_id):
            return False
        if (held := self._pending.pop(node_id)) is not None:
            self._replay(node_id, held)
        return True

    # --- NodeListener -------------------------------------------------------------------------------

    def node_seen(self, node: NodeInfo) -> None:
        """Forward for an admitted node; admit (FIRST_REPORT) or hold (HANDSHAKE) a new one."""
        node_id = node.node_id
        if node_id in self._admitted:
            if node_id in self._unconfirmed:
                self._unconfirmed.move_to_end(node_id)
            self._listener.node_seen(node)
        elif self.admit_when is AdmitWhen.FIRST_REPORT:
            if self._admit(node_id):
                self._listener.node_seen(node)
        else:
            self._pending.setdefault(node_id, _Held).info = node

    def points_seen(self, node_id: str, points: Sequence[PointSpec]) -> None:
        """Forward the points an admitted node may have (at most `max_points_per_node`); hold or drop."""
        admitted = self._admitted.get(node_id)
        if admitted is None:
            held = self._pending.get(node_id)
            if held is not None:
                for point in points:
                    if point.key in held.points or len(held.points) < self.limits.max_points_per_node:
                        held.points[point.key] = point
            return
        known = admitted.points
        allowed = []
        refused = 0
        for point in points:
            if point.key in known:
                allowed.append(point)
            elif len(known) < self.limits.max_points_per_node:
                known.add(point.key)
                allowed.append(point)
            else:
                refused += 1
        if refused:
            self._refuse_points(node_id, refused)
        if allowed:
            self._listener.points_seen(node_id, allowed)

    def value_received(self, node_id: str, key: str, value: Any) -> None:
        """Forward a value of an admitted point; hold the latest of a pending one."""
        admitted = self._admitted.get(node_id)
        if admitted is not None:
            if key in admitted.points:
                self._listener.value_received(node_id, key, value)
        elif (held := self._pending.get(node_id)) is not None and key in held.points:
            held.values[key] = value

    def node_lost(self, node_id: str) -> None:
        """Forward for an admitted node; forget a pending one."""
        if node_id in self._admitted:
            self._listener.node_lost(node_id)
        else:
            self._pending.pop(node_id)

    def point_unavailable(self, node_id: str, key: str) -> None:
        """Forward for an admitted point; forget a held value."""
        admitted = self._admitted.get(node_id)
        if admitted is not None:
            if key in admitted.points:
                self._listener.point_unavailable(node_id, key)
        elif (held := self._pending.get(node_id)) is not None:
            held.values.pop(key, None)

    # --- internals ----------------------------------------------------------------------------------

    def _admit(self, node_id: str) -> bool:
        full = len(self._admitted) >= self.limits.max_nodes
        if full and not self._unconfirmed:
            self._refuse_node(node_id)
            return False
        if not self._new_nodes.take():
            self._rate_limited += 1
            self._bad.warn(
                node_id,
                Refusal.NEW_NODE_RATE,
                "more than %d new nodes a minute; admitted at its next handshake",
                self.limits.new_nodes_per_minute,
            )
            return False
        if full:
            # One out per newcomer: restored nodes beyond a lowered cap stay until they are deleted.
            self._evict(next(iter(self._unconfirmed)))
        self._admitted[node_id] = _Admitted(confirmed=True, points=set())
        self._newest.append(node_id)
        return True

    def _evict(self, node_id: str) -> None:
        del self._unconfirmed[node_id]
        del self._admitted[node_id]
        self._point_cap.pop(node_id, None)
        self._evicted += 1
        self._logger.info(
            "Forgetting node %s, restored but never confirmed, to make room for a new node (cap %d)",
            node_id,
            self.limits.max_nodes,
        )
        if self._on_evict is not None:
            self._on_evict(node_id)

    def _refuse_node(self, node_id: str) -> None:
        self._refused_nodes += 1
        self._last_refused = node_id
        self._bad.warn(
            node_id,
            Refusal.NODE_CAP,
            "the cap of %d nodes is reached by confirmed nodes; delete unused devices or raise the cap",
            self.limits.max_nodes,
        )
        if not self._node_cap_reached:
            self._node_cap_reached = True
            self._notify()

    def _refuse_points(self, node_id: str, refused: int) -> None:
        known = self._point_cap.get(node_id)
        if known is None and len(self._point_cap) >= POINT_CAP_NODES_SHOWN:
            return
        self._point_cap[node_id] = (known or 0) + refused
        limit = self.limits.max_points_per_node
        self._bad.warn(node_id, Refusal.POINT_CAP, "more than %d points; the others are ignored", limit)
        if known is None:
            self._notify()

    def _replay(self, node_id: str, held: _Held) -> None:
        self._listener.node_seen(held.info or NodeInfo(node_id=node_id))
        if held.points:
            self.points_seen(node_id, list(held.points.values()))
        for key, value in held.values.items():
            self.value_received(node_id, key, value)

    def _notify(self) -> None:
        if self._on_report is not None:
            self._on_report(self.report())
