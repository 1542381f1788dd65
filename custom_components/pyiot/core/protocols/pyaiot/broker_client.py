"""A web client of a running Pyaiot broker (pyaiot.md §2.1), for deployments that keep their gateways.

Connects to the broker's `/ws`, sends `{"type": "new", "data": "client"}` (the dashboard's exact
frame); every gateway then replays its cache to this client, and broadcasts follow:

- `new` (`uid`): a node; `update` (`uid`, `endpoint`, `data`): a resource value (the pseudo-resources
  `ip`, `protocol` and `id` describe the node, they are no points); `out`: the node is lost; `reset`:
  the node rebooted, its values are forgotten until its gateway sends them again.
- Writes: `{"type": "update", "data": {"uid": ..., "endpoint": ..., "payload": ...}}`; nothing
  acknowledges them, the new value comes back as a normal `update`.

The node id is the gateway's uid: stable for CoAP nodes (their own uid), a fresh uuid4 at every
restart of upstream's MQTT and WebSocket gateways (their nodes then appear as new devices).

When the connection drops, every node is reported lost; the client reconnects with exponential
backoff and jitter and asks for the caches again after every reconnect. Unknown message types are
logged once per type.
"""

import asyncio
from collections import Counter
from collections.abc import Awaitable, Callable, Iterable, Mapping
from dataclasses import dataclass
import json
import logging
import random
from typing import Any, Final

import aiohttp

from ...nodes.model import NodeListener
from .errors import PyaiotWriteError, WriteProblem
from .frames import VALID_TYPES, serialise
from .mqtt import valid_name
from .reporting import Drop, NodeReporter, ReportedNode, short
from .resources import ValueFormatError, format_command, point_for_resource

_LOGGER = logging.getLogger(__name__)

DEFAULT_BROKER_PORT: Final = 8000
CLIENT_HELLO: Final = serialise({"type": "new", "data": "client"})
DESCRIPTIVE_RESOURCES: Final = frozenset({"ip", "protocol", "id"})
GATEWAY_KEEPALIVE_UID: Final = "alive"


@dataclass(frozen=True, kw_only=True, slots=True)
class BrokerSettings:
    """Where the broker is and how the client reconnects."""

    url: str = f"ws://localhost:{DEFAULT_BROKER_PORT}/ws"
    min_backoff: float = 1.0
    max_backoff: float = 60.0
    jitter: float = 0.5
    """Each wait is lengthened by a random share of itself, up to this fraction."""
    stable_after: float = 30.0
    """A connection that lasted this long starts the backoff afresh."""
    connect_timeout: float = 10.0
    heartbeat: float | None = 30.0
    max_frame_bytes: int = 1024 * 1024
    max_nodes: int = 10_000
    max_points_per_node: int = 64


def broker_url(host: str, port: int = DEFAULT_BROKER_PORT, *, secure: bool = False) -> str:
    """The `/ws` URL of a broker (IPv6 literals bracketed)."""
    shown = f"[{host}]" if ":" in host and not host.startswith("[") else host
    return f"{'wss' if secure else 'ws'}://{shown}:{port}/ws"


class PyaiotBrokerClient:
    """Reports the nodes a Pyaiot broker relays to a `NodeListener`; writes go back through it."""

    def __init__(
        self,
        listener: NodeListener,
        settings: BrokerSettings | None = None,
        *,
        session: aiohttp.ClientSession | None = None,
        logger: logging.Logger | None = None,
        rng: random.Random | None = None,
        sleep: Callable[[float], Awaitable[None]] = asyncio.sleep,
    ) -> None:
        """Prepare the client; `session` (e.g. Home Assistant's) is used, not closed."""
        self.settings = settings or BrokerSettings()
        self._logger = logger or _LOGGER
        self._reporter = NodeReporter(
            listener,
            self._logger,
            max_points=self.settings.max_points_per_node,
            ignored=DESCRIPTIVE_RESOURCES,
        )
        self._session = session
        self._own_session: aiohttp.ClientSession | None = None
        self._rng = rng or random.Random()  # noqa: S311 - jitter, not secrets
        self._sleep = sleep
        self._nodes: dict[str, ReportedNode] = {}
        self._described: dict[str, dict[str, str]] = {}
        self._socket: aiohttp.ClientWebSocketResponse | None = None
        self._task: asyncio.Task[None] | None = None
        self._attempt = 0
        self._connected = asyncio.Event()
        self._counts: Counter[str] = Counter()
        self._last_error: str | None = None

    # --- Transport -----------------------------------------------------------------------------

    @property
    def connected(self) -> bool:
        """Whether the client is connected to the broker."""
        return self._socket is not None and not self._socket.closed

    async def wait_connected(self) -> None:
        """Wait until connected (tests)."""
        await self._connected.wait()

    async def async_start(self) -> None:
        """Start connecting in the background; returns at once (the broker may be down)."""
        if self._task is None:
            self._task = asyncio.get_running_loop().create_task(self._run(), name="pyaiot broker client")

    async def async_stop(self) -> None:
        """Disconnect and stop reconnecting; nodes are kept, unavailable, silently."""
        task, self._task = self._task, None
        if task is not None:
            task.cancel()
            await asyncio.gather(task, return_exceptions=True)
        for node in self._nodes.values():
            node.available = False
        if self._own_session is not None:
            await self._own_session.close()
            self._own_session = None

    async def async_write(self, node_id: str, key: str, value: Any) -> None:
        """Send an `update` command; the gateway's next `update` broadcast confirms the value."""
        socket = self._socket
        node = self._nodes.get(node_id)
        if socket is None or socket.closed:
            raise PyaiotWriteError(WriteProblem.NOT_RUNNING, node_id, key)
        if node is None or not node.available:
            raise PyaiotWriteError(WriteProblem.UNAVAILABLE, node_id, key)
        spec = point_for_resource(key) if key in node.points else None
        if spec is None:
            raise PyaiotWriteError(WriteProblem.NO_RESOURCE, node_id, key)
        if not spec.writable:
            raise PyaiotWriteError(WriteProblem.READ_ONLY, node_id, key)
        try:
            payload = format_command(key, value)
        except ValueFormatError as err:
            raise PyaiotWriteError(WriteProblem.BAD_VALUE, node_id, key, str(err)) from err
        command = {"type": "update", "data": {"uid": node_id, "endpoint": key, "payload": payload}}
        try:
            await socket.send_str(serialise(command))
        except (ConnectionError, RuntimeError) as err:
            raise PyaiotWriteError(WriteProblem.FAILED, node_id, key, short(err)) from err
        self._counts["commands"] += 1

    def restore_nodes(self, records: Iterable[Mapping[str, Any]]) -> int:
        """Know nodes of a previous run (`known_nodes()` or hub records), unavailable; return how many."""
        count = 0
        for record in records:
            node = self._reporter.restore(record)
            if (
                node is not None
                and node.node_id not in self._nodes
                and len(self._nodes) < self.settings.max_nodes
            ):
                self._nodes[node.node_id] = node
                count += 1
        return count

    def forget_node(self, node_id: str) -> None:
        """The listener forgot the node (deleted, or evicted): it is new when it speaks again."""
        self._nodes.pop(node_id, None)
        self._described.pop(node_id, None)
        self._reporter.forget_source(node_id)

    def known_nodes(self) -> list[dict[str, Any]]:
        """Plain records of every node, for `restore_nodes` after a restart."""
        return [self._nodes[node_id].as_record() for node_id in sorted(self._nodes)]

    def diagnostics(self) -> dict[str, Any]:
        """Broker URL, connection state and counts, nodes and drops."""
        return {
            "url": self.settings.url,
            "connected": self.connected,
            "reconnect_attempt": self._attempt,
            "last_error": self._last_error,
            "counts": dict(sorted(self._counts.items())),
            "nodes": {
                node_id: {
                    "available": node.available,
                    "gateway": dict(self._described.get(node_id, {})),
                    "info": dict(node.info),
                    "resources": sorted(node.points),
                }
                for node_id, node in sorted(self._nodes.items())
            },
            "dropped": dict(sorted(self._reporter.dropped.items())),
        }

    # --- connection ----------------------------------------------------------------------------

    def next_delay(self) -> float:
        """Seconds before the next attempt: doubling from `min_backoff` to `max_backoff`, plus jitter."""
        settings = self.settings
        base = min(settings.max_backoff, settings.min_backoff * 2 ** min(self._attempt, 30))
        self._attempt += 1
        return float(base * (1 + self._rng.uniform(0, settings.jitter)))

    async def _run(self) -> None:
        while True:
            loop = asyncio.get_running_loop()
            started = loop.time()
            try:
                await self._connect_and_listen()
            except (aiohttp.ClientError, OSError, TimeoutError) as err:
                self._note_failure(err)
            finally:
                self._socket = None
                self._connected.clear()
                self._all_lost()
            if loop.time() - started >= self.settings.stable_after:
                self._attempt = 0
            await self._sleep(self.next_delay())

    def _note_failure(self, err: BaseException) -> None:
        text = f"{type(err).__name__}: {short(err)}"
        log = self._logger.debug if self._last_error is not None else self._logger.warning
        log("Pyaiot broker %s: %s; reconnecting", self.settings.url, text)
        self._last_error = text

    async def _connect_and_listen(self) -> None:
        if self._session is None:
            self._own_session = self._session = aiohttp.ClientSession()
        self._counts["connection_attempts"] += 1
        async with self._session.ws_connect(
            self.settings.url,
            timeout=aiohttp.ClientWSTimeout(ws_close=self.settings.connect_timeout),
            heartbeat=self.settings.heartbeat,
            max_msg_size=self.settings.max_frame_bytes,
            autoping=True,
        ) as socket:
            self._socket = socket
            await socket.send_str(CLIENT_HELLO)
            self._counts["connections"] += 1
            if self._last_error is not None:
                self._logger.info("Connected to the Pyaiot broker %s again", self.settings.url)
            self._last_error = None
            self._connected.set()
            async for message in socket:
                if message.type in {aiohttp.WSMsgType.TEXT, aiohttp.WSMsgType.BINARY}:
                    self._safely(message.data)
                elif message.type is aiohttp.WSMsgType.ERROR:
                    self._reporter.drop(self.settings.url, Drop.FRAME_TOO_LARGE, short(socket.exception()))
                    break
            self._note_failure(ConnectionError(f"closed with code {socket.close_code}"))

    def _all_lost(self) -> None:
        for node in self._nodes.values():
            self._reporter.lost(node)

    # --- messages ------------------------------------------------------------------------------

    def _safely(self, raw: str | bytes) -> None:
        try:
            self.handle_message(raw)
        except Exception:
            self._logger.exception("Error while handling a message of the Pyaiot broker")

    def _decode(self, raw: str | bytes) -> dict[str, Any] | None:
        try:
            message = json.loads(raw)
        except (ValueError, RecursionError) as err:
            self._reporter.drop("broker", Drop.NOT_JSON, f"{short(err)} in {short(raw)}")
            return None
        if not isinstance(message, dict):
            self._reporter.drop("broker", Drop.BAD_MESSAGE, f"not an object: {short(message)}")
            return None
        return message

    def handle_message(self, raw: str | bytes) -> None:
        """One frame from the broker."""
        source = "broker"
        if (message := self._decode(raw)) is None:
            return
        kind = message.get("type")
        if not isinstance(kind, str) or kind not in VALID_TYPES:
            self._reporter.drop(f"type {short(kind, 40)}", Drop.UNKNOWN_TYPE, f"message {short(message)}")
            return
        uid = message.get("uid")
        if uid == GATEWAY_KEEPALIVE_UID and kind == "update" and "endpoint" not in message:
            return
        if not isinstance(uid, str) or not valid_name(uid):
            self._reporter.drop(source, Drop.BAD_NODE_ID, f"uid {short(uid)} in {short(message)}")
            return
        self._counts[kind] += 1
        if kind == "update":
            self._on_update(uid, message)
        elif kind == "new":
            if (node := self._node(uid)) is not None:
                self._reporter.seen(node)
        elif (node := self._nodes.get(uid)) is not None:
            if kind == "out":
                self._reporter.lost(node)
            else:  # reset
                self._reporter.values_forgotten(node)

    def _on_update(self, uid: str, message: dict[str, Any]) -> None:
        endpoint = message.get("endpoint")
        if not isinstance(endpoint, str) or not valid_name(endpoint) or "data" not in message:
            self._reporter.drop(uid, Drop.BAD_MESSAGE, f"update without endpoint or data: {short(message)}")
            return
        node = self._node(uid)
        if node is None:
            return
        value = message["data"]
        if endpoint in DESCRIPTIVE_RESOURCES:
            self._described.setdefault(uid, {})[endpoint] = short(value, 64)
        self._reporter.seen(node)
        self._reporter.resource(node, endpoint, value)

    def _node(self, uid: str) -> ReportedNode | None:
        node = self._nodes.get(uid)
        if node is None:
            if len(self._nodes) >= self.settings.max_nodes:
                self._reporter.drop(uid, Drop.TOO_MANY_NODES, f"already {self.settings.max_nodes} nodes")
                return None
            node = self._nodes[uid] = ReportedNode(node_id=uid)
        return node
