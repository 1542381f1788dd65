"""Pyaiot MQTT gateway (pyaiot.md §4), implemented from its intent: the upstream gateway cannot run.

One wildcard subscription `node/#` carries everything nodes publish; the topic is dispatched here:

- `node/check` `{"id": "<id>"}`: keepalive. The first one from a node in this gateway's lifetime starts
  discovery (`gateway/<id>/discover` `resources`); every one re-arms the node's loss timer.
- `node/<id>/resources` `["name", "temperature", ...]`: the node's resources; answered with `values`.
- `node/<id>/<resource>` `{"value": ...}`: a value, or device information for `name`, `board`, ...

Liveness: a node becomes available when anything valid is heard from it while it is unavailable (so
values of a RIOT node, which publishes its resource list only at boot, are accepted after a Home
Assistant restart), and stays available while `node/check` keeps arriving within `node_timeout`.
Values do not extend liveness, as upstream intended.
"""

import asyncio
from collections import Counter
from collections.abc import Iterable
from dataclasses import dataclass, field
from enum import StrEnum
import json
import logging
import time
from typing import Any, Final

from ...nodes.bad_input import OncePerSourceLogger
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

SUBSCRIPTION: Final = "node/#"
CHECK_REQUEST_TOPIC: Final = "gateway/check"
QOS: Final = 1
MAX_PAYLOAD_BYTES: Final = 64 * 1024
MAX_NAME_LENGTH: Final = 128
"""Longest node id or resource name accepted."""
MAX_NODES: Final = 10_000
MAX_POINTS_PER_NODE: Final = 256
"""Bounds on what the network can make us (and Home Assistant) create."""


class DropReason(StrEnum):
    """Why a message was dropped; the keys of the `dropped` counts in the diagnostics."""

    PAYLOAD_TOO_LARGE = "payload_too_large"
    NOT_UTF8 = "not_utf8"
    NOT_JSON = "not_json"
    UNKNOWN_TOPIC = "unknown_topic"
    BAD_NODE_ID = "bad_node_id"
    BAD_CHECK = "bad_check"
    BAD_RESOURCE_LIST = "bad_resource_list"
    BAD_RESOURCE_NAME = "bad_resource_name"
    BAD_VALUE_MESSAGE = "bad_value_message"
    BAD_VALUE = "bad_value"
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
    last_check: float | None = None
    loss_timer: asyncio.TimerHandle | None = None

    def cancel_timer(self) -> None:
        if self.loss_timer is not None:
            self.loss_timer.cancel()
            self.loss_timer = None


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
        logger: logging.Logger | None = None,
    ) -> None:
        """Prepare the gateway; nothing happens on the network before `async_start`."""
        self._link = link
        self._listener = listener
        self._node_timeout = node_timeout
        self._check_interval = check_interval
        self._logger = logger or _LOGGER
        self._bad_input = OncePerSourceLogger(self._logger)
        self._nodes: dict[str, _Node] = {}
        self._dropped: Counter[str] = Counter()
        self._running = False
        self._unsubscribe: Unsubscribe | None = None
        self._check_task: asyncio.Task[None] | None = None
        self._publish_tasks: set[asyncio.Task[None]] = set()
        self._publish_failing = False

    @property
    def running(self) -> bool:
        """Whether the gateway is started (messages are handled from the moment it subscribes)."""
        return self._running

    async def async_start(self) -> None:
        """Subscribe to `node/#` and request a `node/check` from every node now and periodically."""
        if self._running:
            return
        # Running before the subscription is confirmed: a link may deliver messages while it waits.
        self._running = True
        try:
            self._unsubscribe = await self._link.async_subscribe(SUBSCRIPTION, self._on_message, QOS)
        except BaseException:
            self._running = False
            raise
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
            "node_timeout": self._node_timeout,
            "check_interval": self._check_interval,
            "nodes": {
                node.node_id: {
                    "available": node.available,
                    "discovery_requested": node.discovery_requested,
                    "info": dict(node.info),
                    "resources": sorted(node.points),
                    "last_check_age": None if node.last_check is None else round(now - node.last_check, 1),
                }
                for node in self._nodes.values()
            },
            "dropped": dict(sorted(self._dropped.items())),
        }

    # Incoming messages.

    def _on_message(self, topic: str, payload: bytes) -> None:
        """Handle one message; nothing raised by bad input or by the listener escapes to the link."""
        if not self._running:
            return
        try:
            self._dispatch(topic, payload)
        except Exception:
            self._logger.exception("Error while handling a Pyaiot message on %s", _short(topic))

    def _dispatch(self, topic: str, payload: bytes) -> None:
        levels = topic.split("/")
        source = levels[1] if len(levels) > 1 else topic
        if len(payload) > MAX_PAYLOAD_BYTES:
            self._drop(source, DropReason.PAYLOAD_TOO_LARGE, f"{len(payload)} bytes on {_short(topic)}")
            return
        match levels:
            case ["node", "check"]:
                self._on_check(payload)
            case ["node", node_id, resource] if (
                node := self._nodes.get(node_id)
            ) and resource in node.points:
                # Names of a known node and resource were validated when first seen.
                self._on_value(node_id, resource, payload)
            case ["node", node_id, resource]:
                if not valid_name(node_id):
                    self._drop(source, DropReason.BAD_NODE_ID, f"node id {_short(node_id)!r} in topic")
                elif not valid_name(resource):
                    self._drop(node_id, DropReason.BAD_RESOURCE_NAME, f"topic {_short(topic)!r}")
                elif resource == "resources":
                    self._on_resources(node_id, payload)
                else:
                    self._on_value(node_id, resource, payload)
            case _:
                self._drop(source, DropReason.UNKNOWN_TOPIC, f"topic {_short(topic)!r}")

    def _on_check(self, payload: bytes) -> None:
        message = self._decode("node/check", payload)
        if message is _INVALID:
            return
        node_id = message.get("id") if isinstance(message, dict) else None
        if not isinstance(node_id, str):
            self._drop(
                "node/check", DropReason.BAD_CHECK, f"expected {{'id': <text>}}, got {_short(message)}"
            )
            return
        if not valid_name(node_id):
            self._drop("node/check", DropReason.BAD_NODE_ID, f"node id {_short(node_id)!r}")
            return
        if (node := self._node(node_id)) is None:
            return
        node.last_check = time.monotonic()
        node.available = True
        self._arm_loss_timer(node)
        self._listener.node_seen(node_info(node_id, node.info))
        if not node.discovery_requested:
            node.discovery_requested = True
            self._publish_soon(f"gateway/{node_id}/discover", "resources")

    def _on_resources(self, node_id: str, payload: bytes) -> None:
        names = self._decode(node_id, payload)
        if names is _INVALID:
            return
        if not isinstance(names, list) or not all(isinstance(name, str) for name in names):
            self._drop(node_id, DropReason.BAD_RESOURCE_LIST, f"expected a list of text, got {_short(names)}")
            return
        valid: list[str] = []
        for name in dict.fromkeys(names):
            if valid_name(name):
                valid.append(name)
            else:
                self._drop(node_id, DropReason.BAD_RESOURCE_NAME, f"resource {_short(name)!r} in list")
        if (names and not valid) or (node := self._node(node_id)) is None:
            return
        self._make_available(node)
        self._add_points(node, valid)
        # A node that sends its list unprompted (RIOT at boot) need not be asked for it again.
        node.discovery_requested = True
        self._publish_soon(f"gateway/{node_id}/discover", "values")

    def _on_value(self, node_id: str, resource: str, payload: bytes) -> None:
        message = self._decode(node_id, payload)
        if message is _INVALID:
            return
        if not isinstance(message, dict) or "value" not in message:
            self._drop(
                node_id, DropReason.BAD_VALUE_MESSAGE, f"expected {{'value': ...}}, got {_short(message)}"
            )
            return
        if resource in IGNORED_RESOURCES:
            return
        try:
            value = parse_value(resource, message["value"])
        except ValueFormatError as err:
            self._drop(node_id, DropReason.BAD_VALUE, f"{resource}: {err}")
            return
        if (node := self._node(node_id)) is None:
            return
        if resource in INFO_RESOURCES:
            changed = node.info.get(resource) != value
            node.info[resource] = str(value)
            if not self._make_available(node) and changed:
                self._listener.node_seen(node_info(node_id, node.info))
            return
        self._make_available(node)
        if resource in node.points or self._add_points(node, [resource]):
            self._listener.value_received(node_id, resource, value)

    # Node state.

    def _node(self, node_id: str) -> _Node | None:
        node = self._nodes.get(node_id)
        if node is None:
            if len(self._nodes) >= MAX_NODES:
                self._drop(node_id, DropReason.TOO_MANY_NODES, f"already {MAX_NODES} nodes")
                return None
            node = self._nodes[node_id] = _Node(node_id)
        return node

    def _make_available(self, node: _Node) -> bool:
        """Announce a node heard from while unavailable; return whether it was."""
        if node.available:
            return False
        node.available = True
        self._arm_loss_timer(node)
        self._listener.node_seen(node_info(node.node_id, node.info))
        return True

    def _add_points(self, node: _Node, names: Iterable[str]) -> bool:
        """Report the points among `names` not reported yet; return whether any was new."""
        specs = []
        for name in names:
            if name in node.points or (spec := point_for_resource(name)) is None:
                continue
            if len(node.points) >= MAX_POINTS_PER_NODE:
                self._drop(node.node_id, DropReason.TOO_MANY_POINTS, f"resource {name!r} beyond the limit")
                break
            node.points.add(name)
            specs.append(spec)
        if specs:
            self._listener.points_seen(node.node_id, specs)
        return bool(specs)

    def _arm_loss_timer(self, node: _Node) -> None:
        node.cancel_timer()
        loop = asyncio.get_running_loop()
        node.loss_timer = loop.call_later(self._node_timeout, self._on_loss_timeout, node)

    def _on_loss_timeout(self, node: _Node) -> None:
        node.loss_timer = None
        node.available = False
        self._logger.debug("Pyaiot node %s sent no check for %s s", node.node_id, self._node_timeout)
        try:
            self._listener.node_lost(node.node_id)
        except Exception:
            self._logger.exception("Error while reporting the loss of Pyaiot node %s", node.node_id)

    # Helpers.

    def _decode(self, source: str, payload: bytes) -> object:
        try:
            text = payload.decode()
        except UnicodeDecodeError as err:
            self._drop(source, DropReason.NOT_UTF8, str(err))
            return _INVALID
        try:
            return _JSON.decode(text)
        except (ValueError, RecursionError) as err:
            self._drop(
                source, DropReason.NOT_JSON, f"{type(err).__name__}: {_short(err)} in {_short(text)!r}"
            )
            return _INVALID

    def _drop(self, source: str, reason: DropReason, detail: str) -> None:
        self._dropped[reason] += 1
        self._bad_input.warn(source[:MAX_NAME_LENGTH], reason, detail)

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
            await self._publish(CHECK_REQUEST_TOPIC, "")
            await asyncio.sleep(self._check_interval)


def _reject_constant(name: str) -> None:
    raise ValueError(f"{name} is not a number")


_JSON = json.JSONDecoder(parse_constant=_reject_constant)
"""One decoder for every message (json.loads with arguments builds a new one each call)."""


def _short(value: object, limit: int = 80) -> str:
    text = value if isinstance(value, str) else repr(value)
    return text if len(text) <= limit else f"{text[:limit]}…"
