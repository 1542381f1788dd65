"""Pyaiot MQTT gateway (pyaiot.md §4), implemented from its intent: the upstream gateway cannot run.

One wildcard subscription `node/#` carries everything nodes publish; the topic is dispatched here:

- `node/check` `{"id": "<id>"}`: keepalive. The first one from a node in this gateway's lifetime starts
  discovery (`gateway/<id>/discover` `resources`); every one re-arms the node's loss timer.
- `node/<id>/resources` `["name", "temperature", ...]`: the node's resources; answered with `values`.
- `node/<id>/<resource>` `{"value": ...}`: a value, or device information for `name`, `board`, ...

Admission (`ADMIT_WHEN`): a node is reported only after its handshake, a `node/check` and a resource
list (in either order; RIOT nodes send their list unasked at boot). Until then it is pending in a small
table with a time to live, and anything else it sends is dropped (`unknown_node`); asking unknown ids
for their resources is rate-limited. Nodes the hub already has are given with `restore_nodes` and are
trusted at once (a RIOT node never repeats its list after boot). Points come only from a resource list
(or the restore): a value of an unlisted resource is dropped, so junk cannot add entities to a real node.

Liveness: a known node becomes available when anything valid is heard from it while it is unavailable,
and stays available while `node/check` keeps arriving within `node_timeout`; values do not extend
liveness, as upstream intended. `link_lost` makes every node unavailable at once (the broker is gone,
so is every node's path to us); `link_restored`, `restore_nodes` and a start ask every known node for
its values, and every node for a check, instead of waiting for their next beacon.

Cost per message is bounded whatever the sender does: the topic and payload lengths are checked before
anything is split or decoded, a topic is split into at most four parts, unknown nodes' values are never
decoded, a resource list is read up to the points allowed, and bad input is logged through a
summarising `OncePerSourceLogger` with lazily formatted details.
"""

import asyncio
from collections import Counter
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field
from enum import StrEnum
import json
import logging
import time
from typing import Any, Final

from ...nodes.admission import AdmissionLimits, AdmitWhen, report_handshake
from ...nodes.bad_input import OncePerSourceLogger
from ...nodes.bounded import PendingTable
from ...nodes.model import NodeListener, WriteError
from ..mqtt_link import MqttLink, Unsubscribe, topic_is_valid_level
from .resources import (
    IGNORED_RESOURCES,
    INFO_RESOURCES,
    ValueFormatError,
    format_command,
    node_info,
    parse_value,
    point_for_resource,
)

_LOGGER = logging.getLogger(__name__)

ADMIT_WHEN: Final = AdmitWhen.HANDSHAKE
"""This transport's handshake: a `node/check` and a resource list; see `report_handshake`."""
SUBSCRIPTION: Final = "node/#"
CHECK_REQUEST_TOPIC: Final = "gateway/check"
QOS: Final = 1
MAX_NAME_LENGTH: Final = 128
"""Longest node id or resource name accepted."""
MAX_TOPIC_LENGTH: Final = len("node/") + 2 * MAX_NAME_LENGTH + 1
MAX_CHECK_BYTES: Final = 1024
MAX_PAYLOAD_BYTES: Final = 16 * 1024
"""Largest resource list or value message (a real one is a few hundred bytes)."""
DEFERRED_ASK_INTERVAL: Final = 1.0
"""Seconds between attempts to ask unknown ids the rate limit made wait."""
MAX_NODES: Final = 10_000
"""Memory bound of the node table, whatever the admission settings (the hub's gate caps far lower)."""


class DropReason(StrEnum):
    """Why a message was dropped; the keys of the `dropped` counts in the diagnostics."""

    PAYLOAD_TOO_LARGE = "payload_too_large"
    TOPIC_TOO_LONG = "topic_too_long"
    NOT_UTF8 = "not_utf8"
    NOT_JSON = "not_json"
    UNKNOWN_TOPIC = "unknown_topic"
    BAD_NODE_ID = "bad_node_id"
    BAD_CHECK = "bad_check"
    BAD_RESOURCE_LIST = "bad_resource_list"
    BAD_RESOURCE_NAME = "bad_resource_name"
    BAD_VALUE_MESSAGE = "bad_value_message"
    BAD_VALUE = "bad_value"
    UNKNOWN_NODE = "unknown_node"
    PENDING_NODE = "pending_node"
    """A value from a node in the middle of its handshake: counted, not logged (normal at boot)."""
    UNLISTED_RESOURCE = "unlisted_resource"
    TOO_MANY_NODES = "too_many_nodes"
    TOO_MANY_POINTS = "too_many_points"


class _Invalid:
    """Marks a payload that was already dropped."""


_INVALID: Final = _Invalid()


@dataclass(slots=True)
class _Node:
    node_id: str
    info: dict[str, str] = field(default_factory=dict)
    points: set[str] = field(default_factory=set)
    available: bool = False
    discovery_requested: bool = False
    checked: bool = False
    """A `node/check` came in this gateway's lifetime."""
    listed: bool = False
    """A resource list came in this gateway's lifetime."""
    confirmed: bool = False
    """The handshake was reported (and accepted)."""
    stale: bool = False
    """No value since the link came back (or since it was restored): its next check asks for them."""
    last_check: float | None = None
    loss_timer: asyncio.TimerHandle | None = None

    def cancel_timer(self) -> None:
        if self.loss_timer is not None:
            self.loss_timer.cancel()
            self.loss_timer = None


@dataclass(slots=True)
class _Pending:
    """Half a handshake."""

    checked: bool = False
    asked: bool = False
    resources: dict[str, None] | None = None
    """The listed resources (valid names, in order), once a list came."""


def valid_name(name: str) -> bool:
    """Whether `name` is acceptable as a node id or resource name (one printable topic level)."""
    return len(name) <= MAX_NAME_LENGTH and topic_is_valid_level(name) and name.isprintable()


class PyaiotMqttGateway:
    """Talks to Pyaiot MQTT nodes through an `MqttLink` and reports them to a `NodeListener`."""

    def __init__(
        self,
        link: MqttLink,
        listener: NodeListener,
        *,
        node_timeout: float = 120.0,
        check_interval: float = 30.0,
        limits: AdmissionLimits | None = None,
        logger: logging.Logger | None = None,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        """Prepare the gateway; nothing happens on the network before `async_start`.

        `limits` gives the points allowed per node, the pending table and the rate of discovery requests
        to unknown ids (the node cap and the rate of new nodes are the listener's, see `AdmissionGate`).
        `clock` drives the pending table, the rate limit and the log summaries (tests pass their own).
        """
        self._link = link
        self._listener = listener
        self._node_timeout = node_timeout
        self._check_interval = check_interval
        self._limits = limits = limits or AdmissionLimits()
        self._logger = logger or _LOGGER
        self._bad_input = OncePerSourceLogger(self._logger, clock=clock)
        self._nodes: dict[str, _Node] = {}
        self._pending: PendingTable[str, _Pending] = PendingTable(
            limits.pending_nodes, limits.pending_ttl, clock=clock
        )
        self._discovery = limits.discovery_bucket(clock)
        self._deferred_discoveries = 0
        self._dropped: Counter[str] = Counter()
        self._running = False
        self._link_up = True
        self._unsubscribe: Unsubscribe | None = None
        self._check_task: asyncio.Task[None] | None = None
        self._publish_tasks: set[asyncio.Task[None]] = set()
        self._deferred_timer: asyncio.TimerHandle | None = None
        self._publish_failing = False

    @property
    def running(self) -> bool:
        """Whether the gateway is started (messages are handled from the moment it subscribes)."""
        return self._running

    async def async_start(self) -> None:
        """Subscribe to `node/#`, then ask every node for a check and every known node for its values."""
        if self._running:
            return
        # Running before the subscription is confirmed: a link may deliver messages while it waits.
        self._running = True
        try:
            self._unsubscribe = await self._link.async_subscribe(SUBSCRIPTION, self._on_message, QOS)
        except BaseException:
            self._running = False
            raise
        self._ask_known_nodes()
        self._check_task = asyncio.create_task(self._check_loop(), name="pyaiot gateway/check")

    async def async_stop(self) -> None:
        """Unsubscribe and cancel the periodic check, pending publishes and every node's loss timer.

        Nodes are forgotten as available (without `node_lost`): after a restart the first message from
        each makes it available again. What was learnt (resources, info, discovery) is kept.
        """
        self._running = False
        if self._unsubscribe is not None:
            self._unsubscribe()
            self._unsubscribe = None
        tasks = [*self._publish_tasks, *([self._check_task] if self._check_task else [])]
        self._check_task = None
        for task in tasks:
            task.cancel()
        await asyncio.gather(*tasks, return_exceptions=True)
        for node in self._nodes.values():
            node.cancel_timer()
            node.available = False
        if self._deferred_timer is not None:
            self._deferred_timer.cancel()
            self._deferred_timer = None
        self._bad_input.flush()

    # --- what the hub tells the gateway -----------------------------------------------------------

    def restore_nodes(self, nodes: Mapping[str, Iterable[str]]) -> None:
        """Nodes the hub already has (restored from storage), with their point keys.

        They are trusted without a new handshake and asked for their values now if the gateway runs,
        else as soon as it started.
        """
        restored = []
        for node_id, points in nodes.items():
            if not valid_name(node_id) or len(self._nodes) >= MAX_NODES:
                continue
            node = self._nodes.get(node_id)
            if node is None:
                node = self._nodes[node_id] = _Node(node_id)
                self._pending.pop(node_id)
            node.stale = True
            node.points.update(key for key in points if point_for_resource(key) is not None)
            restored.append(node_id)
        if self._running and self._link_up:
            for node_id in restored:
                self._publish_soon(f"gateway/{node_id}/discover", "values")

    def forget_node(self, node_id: str) -> None:
        """The hub forgot the node (deleted by the user, or evicted): it must do its handshake again."""
        if (node := self._nodes.pop(node_id, None)) is not None:
            node.cancel_timer()
        self._pending.pop(node_id)
        self._bad_input.forget(node_id)

    def probe_node(self, node_id: str) -> None:
        """Ask a node seen elsewhere (e.g. by HA's MQTT discovery of its `node/check`) to identify itself.

        Counts as that node's check: its resource list then completes the handshake.
        """
        if not valid_name(node_id):
            return
        if (node := self._nodes.get(node_id)) is not None:
            if self._running and self._link_up:
                self._publish_soon(f"gateway/{node_id}/discover", "values" if node.points else "resources")
            return
        pending = self._pending.setdefault(node_id, _Pending)
        pending.checked = True
        if pending.resources is not None:
            self._complete_handshake(node_id, pending)
        elif self._running and self._link_up:
            pending.asked = True
            self._publish_soon(f"gateway/{node_id}/discover", "resources")

    def link_lost(self) -> None:
        """The MQTT client lost the broker: every node is unavailable until it is heard from again."""
        self._link_up = False
        for node in list(self._nodes.values()):
            node.cancel_timer()
            node.stale = True
            if node.available:
                node.available = False
                self._report_lost(node)

    def link_restored(self) -> None:
        """The MQTT client is back (and subscribed): ask every node now instead of waiting for beacons."""
        self._link_up = True
        if self._running:
            self._ask_known_nodes()

    # --- writes and diagnostics -------------------------------------------------------------------

    async def async_write(self, node_id: str, key: str, value: Any) -> None:
        """Publish `gateway/<id>/<key>/set`; the node echoes the new value, which then updates the point."""
        if not self._running:
            raise WriteError("The Pyaiot MQTT gateway is not running")
        node = self._nodes.get(node_id)
        if node is None or not node.available:
            raise WriteError(f"Pyaiot node {node_id} is not available")
        spec = point_for_resource(key) if key in node.points else None
        if spec is None:
            raise WriteError(f"Pyaiot node {node_id} has no resource {key}")
        if not spec.writable:
            raise WriteError(f"Resource {key} of Pyaiot node {node_id} is read-only")
        try:
            payload = format_command(key, value)
        except ValueFormatError as err:
            raise WriteError(f"Cannot write {value!r} to {key}: {err}") from err
        try:
            await self._link.async_publish(f"gateway/{node_id}/{key}/set", payload, QOS, retain=False)
        except Exception as err:
            raise WriteError(f"Could not send {key} to Pyaiot node {node_id}: {err}") from err

    def diagnostics(self) -> dict[str, Any]:
        """Known nodes, their resources, the age of their last check and the dropped-message counts."""
        now = time.monotonic()
        return {
            "running": self.running,
            "link_up": self._link_up,
            "node_timeout": self._node_timeout,
            "check_interval": self._check_interval,
            "nodes": {
                node.node_id: {
                    "available": node.available,
                    "confirmed": node.confirmed,
                    "stale": node.stale,
                    "discovery_requested": node.discovery_requested,
                    "info": dict(node.info),
                    "resources": sorted(node.points),
                    "last_check_age": None if node.last_check is None else round(now - node.last_check, 1),
                }
                for node in self._nodes.values()
            },
            "pending": len(self._pending),
            "pending_evicted": self._pending.evicted,
            "deferred_discoveries": self._deferred_discoveries,
            "dropped": dict(sorted(self._dropped.items())),
        }

    # --- incoming messages ------------------------------------------------------------------------

    def _on_message(self, topic: str, payload: bytes) -> None:
        """Handle one message; nothing raised by bad input or by the listener escapes to the link."""
        if not self._running:
            return
        try:
            self._dispatch(topic, payload)
        except Exception:
            self._logger.exception("Error while handling a Pyaiot message on %s", _short(topic))

    def _dispatch(self, topic: str, payload: bytes) -> None:
        if len(topic) > MAX_TOPIC_LENGTH:
            self._drop(_source(topic), DropReason.TOPIC_TOO_LONG, "%d characters", len(topic))
            return
        match topic.split("/", 3):
            case ["node", "check"]:
                self._on_check(payload)
            case ["node", node_id, resource]:
                node = self._nodes.get(node_id)
                if node is not None and resource in node.points:
                    self._on_value(node, resource, payload)  # names were validated when first seen
                elif resource == "resources":
                    self._on_resources(node_id, node, payload)
                elif node is None:
                    self._on_unknown_node(node_id, resource)
                elif resource in INFO_RESOURCES:
                    self._on_info(node, resource, payload)
                elif resource not in IGNORED_RESOURCES:
                    self._on_unlisted(node, resource)
            case _:
                self._drop(_source(topic), DropReason.UNKNOWN_TOPIC, "topic %r", _Short(topic))

    def _on_check(self, payload: bytes) -> None:
        if len(payload) > MAX_CHECK_BYTES:
            self._drop("node/check", DropReason.PAYLOAD_TOO_LARGE, "%d bytes", len(payload))
            return
        message = self._decode("node/check", payload)
        if message is _INVALID:
            return
        node_id = message.get("id") if isinstance(message, dict) else None
        if not isinstance(node_id, str):
            self._drop("node/check", DropReason.BAD_CHECK, "expected {'id': <text>}, got %s", _Short(message))
            return
        if not valid_name(node_id):
            self._drop("node/check", DropReason.BAD_NODE_ID, "node id %r", _Short(node_id))
            return
        node = self._nodes.get(node_id)
        if node is None:
            self._pending_check(node_id)
            return
        node.last_check = time.monotonic()
        node.checked = True
        node.available = True
        self._arm_loss_timer(node)
        self._listener.node_seen(node_info(node_id, node.info))
        if not node.discovery_requested:
            node.discovery_requested = True
            self._publish_soon(f"gateway/{node_id}/discover", "resources")
        elif node.stale and self._link_up:
            # Back after an outage, maybe after our ask at the reconnect went unheard.
            self._publish_soon(f"gateway/{node_id}/discover", "values")
        self._confirm_known(node)

    def _pending_check(self, node_id: str) -> None:
        pending = self._pending.setdefault(node_id, _Pending)
        pending.checked = True
        if pending.resources is not None:
            self._complete_handshake(node_id, pending)
        elif not pending.asked and self._link_up:
            if self._discovery.take():
                pending.asked = True
                self._publish_soon(f"gateway/{node_id}/discover", "resources")
            else:
                self._deferred_discoveries += 1
                self._ask_deferred_later()

    def _ask_deferred_later(self) -> None:
        if self._deferred_timer is None:
            loop = asyncio.get_running_loop()
            self._deferred_timer = loop.call_later(DEFERRED_ASK_INTERVAL, self._ask_deferred)

    def _ask_deferred(self) -> None:
        """Ask the checked ids the rate limit made wait, newest first, as far as the rate allows now.

        Newest first and only those checked within a check interval: after a flood of fake ids, a real
        node that checks now is asked at once instead of after the flood's backlog (ids older than that
        are asked at their next check, which a real node sends).
        """
        self._deferred_timer = None
        if not self._running or not self._link_up:
            return
        for node_id, pending in self._pending.newest(self._check_interval):
            if not pending.checked or pending.asked or pending.resources is not None:
                continue
            if not self._discovery.take():
                self._ask_deferred_later()
                return
            pending.asked = True
            self._publish_soon(f"gateway/{node_id}/discover", "resources")

    def _on_resources(self, node_id: str, node: _Node | None, payload: bytes) -> None:
        if node is None and not valid_name(node_id):
            self._drop(node_id, DropReason.BAD_NODE_ID, "node id %r in topic", _Short(node_id))
            return
        if len(payload) > MAX_PAYLOAD_BYTES:
            self._drop(node_id, DropReason.PAYLOAD_TOO_LARGE, "resource list of %d bytes", len(payload))
            return
        names = self._decode(node_id, payload)
        if names is _INVALID:
            return
        if not isinstance(names, list) or not all(isinstance(name, str) for name in names):
            self._drop(
                node_id, DropReason.BAD_RESOURCE_LIST, "expected a list of text, got %s", _Short(names)
            )
            return
        listed = self._listed(node_id, names)
        if names and not listed:
            return
        if node is None:
            pending = self._pending.setdefault(node_id, _Pending)
            if pending.resources is None:
                pending.resources = {}
            room = self._limits.max_points_per_node - len(pending.resources)
            pending.resources.update(dict.fromkeys(list(listed)[: max(0, room)]))
            if pending.checked:
                self._complete_handshake(node_id, pending)
            return
        node.listed = True
        self._make_available(node)
        self._add_points(node, listed)
        # A node that sends its list unprompted (RIOT at boot) need not be asked for it again.
        node.discovery_requested = True
        self._publish_soon(f"gateway/{node_id}/discover", "values")
        self._confirm_known(node)

    def _listed(self, node_id: str, names: list[str]) -> dict[str, None]:
        """The valid, distinct names of a list (a bad name is dropped, one line for the whole list)."""
        listed: dict[str, None] = {}
        bad = 0
        for name in names:
            if name in listed:
                continue
            if valid_name(name):
                listed[name] = None
                if len(listed) > self._limits.max_points_per_node + len(INFO_RESOURCES | IGNORED_RESOURCES):
                    break  # more than a node may have: the rest is not even looked at
            else:
                bad += 1
        if bad:
            self._drop(
                node_id, DropReason.BAD_RESOURCE_NAME, "%d invalid resource names in list", bad, count=bad
            )
        return listed

    def _on_value(self, node: _Node, resource: str, payload: bytes) -> None:
        value = self._read_value(node.node_id, resource, payload)
        if value is _INVALID:
            return
        node.stale = False
        self._make_available(node)
        self._listener.value_received(node.node_id, resource, value)

    def _on_info(self, node: _Node, resource: str, payload: bytes) -> None:
        value = self._read_value(node.node_id, resource, payload)
        if value is _INVALID:
            return
        changed = node.info.get(resource) != value
        node.info[resource] = str(value)
        if not self._make_available(node) and changed:
            self._listener.node_seen(node_info(node.node_id, node.info))

    def _on_unknown_node(self, node_id: str, resource: str) -> None:
        if node_id in self._pending:
            self._dropped[DropReason.PENDING_NODE] += 1
        elif not valid_name(node_id):
            self._drop(node_id, DropReason.BAD_NODE_ID, "node id %r in topic", _Short(node_id))
        else:
            # Not bad input: a node that was running before the gateway (it answers the `gateway/check`
            # sent at start), or one the user deleted. Counted, and only logged at debug level.
            self._dropped[DropReason.UNKNOWN_NODE] += 1
            self._logger.debug(
                "Ignored %s from %s: no check and resource list yet", _Short(resource), _Short(node_id)
            )

    def _on_unlisted(self, node: _Node, resource: str) -> None:
        if not valid_name(resource):
            self._drop(node.node_id, DropReason.BAD_RESOURCE_NAME, "resource %r in topic", _Short(resource))
        else:
            self._drop(node.node_id, DropReason.UNLISTED_RESOURCE, "%s is not in its resource list", resource)

    def _read_value(self, node_id: str, resource: str, payload: bytes) -> object:
        if len(payload) > MAX_PAYLOAD_BYTES:
            self._drop(node_id, DropReason.PAYLOAD_TOO_LARGE, "%d bytes for %s", len(payload), resource)
            return _INVALID
        message = self._decode(node_id, payload)
        if message is _INVALID:
            return _INVALID
        if not isinstance(message, dict) or "value" not in message:
            self._drop(
                node_id, DropReason.BAD_VALUE_MESSAGE, "expected {'value': ...}, got %s", _Short(message)
            )
            return _INVALID
        try:
            return parse_value(resource, message["value"])
        except ValueFormatError as err:
            self._drop(node_id, DropReason.BAD_VALUE, "%s: %s", resource, err)
            return _INVALID

    # --- node state -------------------------------------------------------------------------------

    def _complete_handshake(self, node_id: str, pending: _Pending) -> None:
        if len(self._nodes) >= MAX_NODES:
            self._drop(node_id, DropReason.TOO_MANY_NODES, "already %d nodes", MAX_NODES)
            return
        if not report_handshake(self._listener, node_id):
            return  # refused for now (cap or rate): still pending, tried again at its next check
        self._pending.pop(node_id)
        node = self._nodes[node_id] = _Node(
            node_id, checked=True, listed=True, confirmed=True, discovery_requested=True
        )
        node.last_check = time.monotonic()
        node.available = True
        self._arm_loss_timer(node)
        self._listener.node_seen(node_info(node_id, node.info))
        self._add_points(node, pending.resources or ())
        self._publish_soon(f"gateway/{node_id}/discover", "values")

    def _confirm_known(self, node: _Node) -> None:
        """A restored node that did its handshake again: tell the hub it is confirmed."""
        if node.checked and node.listed and not node.confirmed:
            node.confirmed = report_handshake(self._listener, node.node_id)

    def _make_available(self, node: _Node) -> bool:
        """Announce a node heard from while unavailable; return whether it was."""
        if node.available:
            return False
        node.available = True
        self._arm_loss_timer(node)
        self._listener.node_seen(node_info(node.node_id, node.info))
        return True

    def _add_points(self, node: _Node, names: Iterable[str]) -> None:
        """Report the points among `names` not reported yet (at most `max_points_per_node` in all)."""
        specs = []
        for name in names:
            if name in node.points or (spec := point_for_resource(name)) is None:
                continue
            if len(node.points) >= self._limits.max_points_per_node:
                self._drop(
                    node.node_id,
                    DropReason.TOO_MANY_POINTS,
                    "resource %r and the next ones beyond the limit of %d",
                    name,
                    self._limits.max_points_per_node,
                )
                break
            node.points.add(name)
            specs.append(spec)
        if specs:
            self._listener.points_seen(node.node_id, specs)

    def _arm_loss_timer(self, node: _Node) -> None:
        node.cancel_timer()
        if not self._link_up:
            return  # heard while the link is said to be down: it is armed again at the next message
        loop = asyncio.get_running_loop()
        node.loss_timer = loop.call_later(self._node_timeout, self._on_loss_timeout, node)

    def _on_loss_timeout(self, node: _Node) -> None:
        node.loss_timer = None
        node.available = False
        self._logger.debug("Pyaiot node %s sent no check for %s s", node.node_id, self._node_timeout)
        self._report_lost(node)

    def _report_lost(self, node: _Node) -> None:
        try:
            self._listener.node_lost(node.node_id)
        except Exception:
            self._logger.exception("Error while reporting the loss of Pyaiot node %s", node.node_id)

    # --- helpers ----------------------------------------------------------------------------------

    def _decode(self, source: str, payload: bytes) -> object:
        try:
            text = payload.decode()
        except UnicodeDecodeError as err:
            self._drop(source, DropReason.NOT_UTF8, "%s", err)
            return _INVALID
        try:
            return _JSON.decode(text)
        except (ValueError, RecursionError) as err:
            self._drop(
                source, DropReason.NOT_JSON, "%s: %s in %r", type(err).__name__, _Short(err), _Short(text)
            )
            return _INVALID

    def _drop(self, source: str, reason: DropReason, detail: str, *args: object, count: int = 1) -> None:
        self._dropped[reason] += count
        self._bad_input.warn(source, reason, detail, *args)

    def _ask_known_nodes(self) -> None:
        """Ask every node for a check and every known node for its values (setup, reconnect)."""
        if not self._link_up:
            return
        self._publish_soon(CHECK_REQUEST_TOPIC, "")
        for node_id in list(self._nodes):
            self._publish_soon(f"gateway/{node_id}/discover", "values")

    def _publish_soon(self, topic: str, payload: str) -> None:
        task = asyncio.get_running_loop().create_task(self._publish(topic, payload), name=f"pyaiot {topic}")
        self._publish_tasks.add(task)
        task.add_done_callback(self._publish_tasks.discard)

    async def _publish(self, topic: str, payload: str) -> None:
        try:
            await self._link.async_publish(topic, payload, QOS, retain=False)
        except Exception as err:  # noqa: BLE001 - a broken link must not end the gateway
            log = self._logger.debug if self._publish_failing else self._logger.warning
            self._publish_failing = True
            log("Could not publish %s: %s", topic, err)
        else:
            if self._publish_failing:
                self._publish_failing = False
                self._logger.info("Publishing to the MQTT broker works again")

    async def _check_loop(self) -> None:
        while True:
            await asyncio.sleep(self._check_interval)
            if self._link_up:
                await self._publish(CHECK_REQUEST_TOPIC, "")
            self._bad_input.flush()


def _reject_constant(name: str) -> None:
    raise ValueError(f"{name} is not a number")


_JSON = json.JSONDecoder(parse_constant=_reject_constant)
"""One decoder for every message (json.loads with arguments builds a new one each call)."""


def _source(topic: str) -> str:
    """Who a malformed topic is from, for the log: its second level, cut short."""
    levels = topic[:MAX_TOPIC_LENGTH].split("/", 2)
    return levels[1][:MAX_NAME_LENGTH] if len(levels) > 1 and levels[1] else topic[:MAX_NAME_LENGTH]


def _short(value: object, limit: int = 80) -> str:
    text = value if isinstance(value, str) else repr(value)
    return text if len(text) <= limit else f"{text[:limit]}…"


class _Short:
    """`_short(value)`, computed only if the line is written."""

    __slots__ = ("value",)

    def __init__(self, value: object) -> None:
        self.value = value

    def __repr__(self) -> str:
        return repr(_short(self.value))

    def __str__(self) -> str:
        return _short(self.value)
