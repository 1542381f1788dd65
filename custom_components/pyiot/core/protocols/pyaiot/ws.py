"""Pyaiot WebSocket gateway for nodes (pyaiot.md §5), implemented from its intent (upstream's cannot run).

Nodes open `ws://<gateway>:8001/node`. On connect the gateway sends `{"request": "discover"}`; the
node answers with `update` frames whose `data` object holds its resources
(`{"type": "update", "data": {"node": "fd00::1", "name": "websocket", "led": "0"}}`); writes go to
the node as `{"endpoint": "led", "payload": "1"}` and the node's next `update` confirms them. The node
is lost when its socket closes. Frames are validated as upstream: a frame that is not JSON, not an
object or of an unknown type closes the socket with 1003 and upstream's reason.

Identity (upstream gives a random uid per connection): fixed by the first `update` of a connection,
the `node` resource if it is a usable id, else `name`, else the connection's source address. A new
connection with the identity of a connected node replaces the old connection (a node that reconnects
before its old socket timed out). Two nodes with the same `name` and no `node` share one identity:
give them distinct names.

Safe by default like the RPyMostat engine (`http_guard`): an allow-list of networks (loopback always),
a per-source rate limit of connection attempts, an optional token (`Authorization: Bearer` or
`?token=`), frames of at most `max_frame_bytes` (bigger: closed with 1009), a first `update` within
`identify_timeout`, heartbeats that close dead sockets, at most `max_connections` sockets.
"""

import asyncio
from collections import Counter
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
import json
import logging
from typing import Any, Final

from aiohttp import WSCloseCode, WSMsgType, web

from ...nodes.bad_input import OncePerSourceLogger
from ...nodes.model import NodeListener
from ..http_guard import BadHttpLogger, GuardSettings, HttpGuard, source_address
from .errors import PyaiotWriteError, WriteProblem
from .frames import DISCOVER, FrameError, close_reason, parse_frame
from .mqtt import valid_name
from .reporting import Drop, NodeReporter, ReportedNode, short
from .resources import ValueFormatError, format_command, point_for_resource

_LOGGER = logging.getLogger(__name__)

DEFAULT_WS_PORT: Final = 8001
NODE_PATH: Final = "/node"
IDENTITY_RESOURCES: Final = ("node", "name")
REPLACED_CODE: Final = 4000
"""Close code of a connection replaced by a newer one of the same node."""


@dataclass(frozen=True, kw_only=True, slots=True)
class WsSettings:
    """Where the gateway listens and what it accepts."""

    port: int = DEFAULT_WS_PORT
    host: str | None = None
    """Address to bind; None: every interface, as upstream."""
    path: str = NODE_PATH
    guard: GuardSettings = field(default_factory=lambda: GuardSettings(realm="pyaiot"))
    max_frame_bytes: int = 64 * 1024
    identify_timeout: float = 10.0
    heartbeat: float | None = 30.0
    max_connections: int = 256
    max_nodes: int = 10_000
    max_points_per_node: int = 64


@dataclass(eq=False, slots=True)
class _Connection:
    socket: web.WebSocketResponse
    source: str
    address: str
    node: ReportedNode | None = None


class PyaiotWsGateway:
    """Accepts Pyaiot WebSocket nodes and reports them to a `NodeListener`."""

    def __init__(
        self,
        listener: NodeListener,
        settings: WsSettings | None = None,
        *,
        logger: logging.Logger | None = None,
    ) -> None:
        """Prepare the gateway; nothing listens before `async_start`."""
        self.settings = settings or WsSettings()
        self._logger = logger or _LOGGER
        self._reporter = NodeReporter(
            listener, self._logger, max_points=self.settings.max_points_per_node, ignored=frozenset({"node"})
        )
        self._guard = HttpGuard(self.settings.guard, clock=self._clock)
        self._nodes: dict[str, ReportedNode] = {}
        self._connected: dict[str, _Connection] = {}
        self._connections: set[_Connection] = set()
        self._runner: web.AppRunner | None = None
        self._site: web.TCPSite | None = None
        self._statuses: Counter[int] = Counter()
        self._closes: Counter[int] = Counter()

    @staticmethod
    def _clock() -> float:
        return asyncio.get_running_loop().time()

    # --- Transport -----------------------------------------------------------------------------

    @property
    def running(self) -> bool:
        """Whether the server is listening."""
        return self._site is not None

    @property
    def port(self) -> int:
        """The TCP port listened on (the bound one when settings asked for port 0)."""
        return self._site.port if self._site is not None else self.settings.port

    async def async_start(self) -> None:
        """Listen; `OSError` when the port cannot be bound."""
        if self._site is not None:
            return
        app = web.Application()
        app.router.add_get(self.settings.path, self._handle)
        runner = web.AppRunner(
            app,
            handle_signals=False,
            access_log=None,
            shutdown_timeout=2.0,
            logger=BadHttpLogger(self._logger, OncePerSourceLogger(self._logger)),
        )
        await runner.setup()
        site = web.TCPSite(runner, self.settings.host, self.settings.port, reuse_address=True)
        try:
            await site.start()
        except BaseException:
            await runner.cleanup()
            raise
        self._runner, self._site = runner, site
        self._logger.debug("Pyaiot WebSocket gateway listening on port %s", site.port)

    async def async_stop(self) -> None:
        """Close every node socket (1001) and stop listening; nodes are kept, unavailable, silently."""
        runner, self._runner, self._site = self._runner, None, None
        for node in self._nodes.values():
            node.available = False
        connections = list(self._connections)
        self._connected.clear()
        for connection in connections:
            connection.node = None
        await asyncio.gather(
            *(c.socket.close(code=WSCloseCode.GOING_AWAY) for c in connections), return_exceptions=True
        )
        if runner is not None:
            await runner.cleanup()

    async def async_write(self, node_id: str, key: str, value: Any) -> None:
        """Send `{"endpoint": key, "payload": value}`; the node's next `update` confirms the value."""
        if self._site is None:
            raise PyaiotWriteError(WriteProblem.NOT_RUNNING, node_id, key)
        connection = self._connected.get(node_id)
        node = self._nodes.get(node_id)
        if connection is None or node is None:
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
        try:
            await connection.socket.send_str(json.dumps({"endpoint": key, "payload": payload}))
        except (ConnectionError, RuntimeError) as err:
            raise PyaiotWriteError(WriteProblem.FAILED, node_id, key, short(err)) from err

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
        connection = self._connected.pop(node_id, None)
        if connection is not None:
            connection.node = None
        self._reporter.forget_source(node_id)

    def known_nodes(self) -> list[dict[str, Any]]:
        """Plain records of every node, for `restore_nodes` after a restart."""
        return [self._nodes[node_id].as_record() for node_id in sorted(self._nodes)]

    def diagnostics(self) -> dict[str, Any]:
        """Settings (without the token), connections, nodes, replies and drops."""
        settings = self.settings
        return {
            "listening": self.running,
            "port": self.port,
            "path": settings.path,
            "networks": [str(network) for network in self._guard.networks],
            "token_required": bool(settings.guard.token),
            "rate_limit": {"rate": settings.guard.rate, "burst": settings.guard.burst},
            "max_frame_bytes": settings.max_frame_bytes,
            "connections": len(self._connections),
            "nodes": {
                node_id: {
                    "available": node.available,
                    "connected_from": c.address if (c := self._connected.get(node_id)) else None,
                    "info": dict(node.info),
                    "resources": sorted(node.points),
                }
                for node_id, node in sorted(self._nodes.items())
            },
            "refused": {str(status): count for status, count in sorted(self._statuses.items())},
            "closed": {str(code): count for code, count in sorted(self._closes.items())},
            "dropped": dict(sorted(self._reporter.dropped.items())),
        }

    # --- connections ---------------------------------------------------------------------------

    async def _handle(self, request: web.Request) -> web.StreamResponse:
        source = request.remote or "?"
        rejection = self._guard.check(
            request.remote, request.headers.get("Authorization"), request.query.get("token")
        )
        if rejection is not None:
            self._statuses[rejection.status] += 1
            self._reporter.drop(source, Drop(rejection.problem.value), rejection.detail)
            return web.Response(status=rejection.status, text=rejection.detail, headers=rejection.headers)
        if len(self._connections) >= self.settings.max_connections:
            self._statuses[503] += 1
            self._reporter.drop(source, Drop.TOO_MANY_CONNECTIONS, f"{len(self._connections)} open")
            return web.Response(status=503, text="too many connections")
        socket = web.WebSocketResponse(
            max_msg_size=self.settings.max_frame_bytes, heartbeat=self.settings.heartbeat, autoping=True
        )
        if not socket.can_prepare(request).ok:
            self._statuses[400] += 1
            return web.Response(status=400, text="a websocket is expected here")
        await socket.prepare(request)
        address = source_address(request.remote)
        connection = _Connection(socket, source, str(address) if address is not None else source)
        self._connections.add(connection)
        timer = asyncio.get_running_loop().call_later(
            self.settings.identify_timeout, self._identify_late, connection
        )
        try:
            await socket.send_str(DISCOVER)
            await self._receive(connection)
        except (ConnectionError, RuntimeError) as err:
            self._logger.debug("Pyaiot WebSocket node %s: %r", source, err)
        finally:
            timer.cancel()
            self._connections.discard(connection)
            self._closes[socket.close_code or 0] += 1
            self._disconnected(connection)
        return socket

    async def _receive(self, connection: _Connection) -> None:
        socket = connection.socket
        async for message in socket:
            if message.type in {WSMsgType.TEXT, WSMsgType.BINARY}:
                try:
                    frame = parse_frame(message.data)
                except FrameError as err:
                    self._reporter.drop(connection.source, err.reason, short(err.close_reason, 120))
                    await socket.close(
                        code=WSCloseCode.UNSUPPORTED_DATA, message=close_reason(err.close_reason).encode()
                    )
                    return
                try:
                    self._on_frame(connection, frame)
                except Exception:
                    self._logger.exception(
                        "Error while handling a frame of Pyaiot WebSocket node %s", connection.source
                    )
            elif message.type is WSMsgType.ERROR:
                self._reporter.drop(connection.source, Drop.FRAME_TOO_LARGE, short(socket.exception()))
                return

    def _identify_late(self, connection: _Connection) -> None:
        if connection.node is None:
            self._reporter.drop(
                connection.source,
                Drop.IDENTIFY_TIMEOUT,
                f"no update within {self.settings.identify_timeout:g} s of connecting",
            )
            asyncio.get_running_loop().create_task(connection.socket.close(code=WSCloseCode.POLICY_VIOLATION))

    def _disconnected(self, connection: _Connection) -> None:
        node = connection.node
        if node is not None and self._connected.get(node.node_id) is connection:
            del self._connected[node.node_id]
            self._reporter.lost(node)

    # --- frames --------------------------------------------------------------------------------

    def _on_frame(self, connection: _Connection, frame: dict[str, Any]) -> None:
        if frame["type"] != "update":
            self._logger.debug("Pyaiot WebSocket node %s sent a %s frame", connection.source, frame["type"])
            return
        data = frame.get("data")
        if not isinstance(data, dict):
            self._reporter.drop(
                connection.source, Drop.BAD_MESSAGE, f"update without a data object: {short(frame)}"
            )
            return
        node = connection.node or self._identify(connection, data)
        if node is None:
            return
        for name, value in data.items():
            if not valid_name(name):
                self._reporter.drop(node.node_id, Drop.BAD_RESOURCE_NAME, f"resource {short(name)!r}")
                continue
            self._reporter.resource(node, name, value)

    def _identify(self, connection: _Connection, data: dict[str, Any]) -> ReportedNode | None:
        identity = next(
            (
                value
                for key in IDENTITY_RESOURCES
                if isinstance(value := data.get(key), str) and valid_name(value)
            ),
            connection.address,
        )
        node = self._nodes.get(identity)
        if node is None:
            if len(self._nodes) >= self.settings.max_nodes:
                self._reporter.drop(
                    connection.source, Drop.TOO_MANY_NODES, f"already {self.settings.max_nodes}"
                )
                return None
            node = self._nodes[identity] = ReportedNode(node_id=identity)
        previous = self._connected.get(identity)
        if previous is not None and previous is not connection:
            previous.node = None
            asyncio.get_running_loop().create_task(
                previous.socket.close(code=REPLACED_CODE, message=b"replaced")
            )
        connection.node = node
        self._connected[identity] = connection
        # Info first, so that the device is announced with its name.
        for key in ("name", "board", "mcu", "os", "version"):
            if key in data:
                self._reporter.resource(node, key, data[key])
        self._reporter.seen(node)
        return node
