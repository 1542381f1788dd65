"""Pyaiot CoAP gateway (pyaiot.md §3) on one long-lived aiocoap context (server and client).

Served resources, replies as upstream (2.04 `Received '<payload>'`):

- `/alive` `alive:<uid>` / `reset:<uid>`: keepalive. Discovery runs on the first alive of a uid in
  this gateway's lifetime, on `reset:` (the node rebooted: its values are forgotten first) and when the
  node's address changed; never on a plain re-announce (upstream re-discovers on every one). A failed
  discovery is retried on a later alive, with backoff. The reply never waits for the discovery.
- `/server` `<resource>:<value>`: a push, attributed by source address (refreshed by each alive).
  A plain push (POST, CON or NON, no options but its path, host, port and content format) is
  answered by the socket itself, parsed and encoded by aiocoap's `Message`: aiocoap's server path
  (a task, a deep copy of the message and several parses of its address per request) costs several
  times what the push does. Everything else (alives, replies, observations, odd pushes) goes through
  aiocoap; a retransmitted CON push is taken twice, which changes nothing (the same value).

Discovery: `GET /.well-known/core` (aiocoap's link-format parser), then GET every listed resource,
at most `requests_per_node` at once per node and `max_requests_in_flight` overall, each within
`request_timeout`. Resources advertising `obs` are observed (RFC 7641). Optionally, resources neither
pushed nor observed are re-read every `reread_interval`.

Loss: a node without alive for `node_timeout` is reported lost (one sweep per few seconds, on an
injectable clock); its next alive brings it back without a discovery.

Import this module off the event loop inside Home Assistant: it imports aiocoap.
"""

import asyncio
from collections import Counter
from collections.abc import Callable, Iterable, Mapping
import contextlib
from dataclasses import dataclass, field
import logging
import socket
import time
from typing import Any, Final, override

from aiocoap import (  # type: ignore[import-untyped]
    ACK,
    CHANGED,
    CON,
    CONTENT,
    GET,
    NON,
    POST,
    PUT,
    Context,
    Message,
    error as coap_error,
    resource as coap_resource,
)
from aiocoap.numbers.codes import BAD_REQUEST  # type: ignore[import-untyped]
from aiocoap.numbers.optionnumbers import OptionNumber  # type: ignore[import-untyped]
from aiocoap.transports.udp6 import MessageInterfaceUDP6, UDP6EndpointAddress  # type: ignore[import-untyped]

from ...nodes.admission import report_handshake
from ...nodes.bounded import TokenBucket
from ...nodes.model import NodeListener
from .coap_settings import (
    CoapBindError,
    CoapBindProblem,
    CoapSettings,
    bind_addresses,
    bind_error,
    check_coap_port,
    normalise_address,
)
from .coap_wire import CoapInputError, LinkedResource, parse_alive, parse_link_format, parse_push
from .errors import PyaiotWriteError, WriteProblem
from .reporting import Drop, NodeReporter, ReportedNode, short
from .resources import INFO_RESOURCES, ValueFormatError, format_command, point_for_resource

_LOGGER = logging.getLogger(__name__)

PROTOCOL_LOGGER_SUFFIX: Final = "aiocoap"
MAX_SWEEP_INTERVAL: Final = 5.0
MAX_BACKOFF_FACTOR: Final = 16
PUSH_PATH: Final = ("server",)
PLAIN_PUSH_OPTIONS: Final = frozenset(
    {OptionNumber.URI_HOST, OptionNumber.URI_PORT, OptionNumber.URI_PATH, OptionNumber.CONTENT_FORMAT}
)


@dataclass(slots=True)
class _Resource:
    link: LinkedResource
    pushed: bool = False
    observation: asyncio.Task[None] | None = None

    @property
    def observed(self) -> bool:
        return self.observation is not None and not self.observation.done()


@dataclass(slots=True)
class _Node:
    reported: ReportedNode
    address: str | None = None
    """Normalised host of the node (`127.0.0.1`, `fd00::1`, `fe80::1%eth0`)."""
    endpoint_key: str | None = None
    remote: Any = None
    """Where requests to the node go: an aiocoap endpoint on the socket its alive came in on."""
    last_alive: float | None = None
    discovered: bool = False
    confirmed: bool = False
    """Whether the listener admitted the node after its handshake (an alive, then its link list)."""
    discovery: asyncio.Task[None] | None = None
    failures: int = 0
    retry_at: float = 0.0
    resources: dict[str, _Resource] = field(default_factory=dict)

    @property
    def node_id(self) -> str:
        return self.reported.node_id

    def stop_observations(self) -> list[asyncio.Task[None]]:
        tasks = [res.observation for res in self.resources.values() if res.observation is not None]
        for res in self.resources.values():
            res.observation = None
        for task in tasks:
            task.cancel()
        return tasks


class PyaiotCoapGateway:
    """The CoAP side of a Pyaiot gateway, reporting nodes to a `NodeListener`."""

    def __init__(
        self,
        listener: NodeListener,
        settings: CoapSettings | None = None,
        *,
        logger: logging.Logger | None = None,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        """Prepare the gateway; nothing is bound before `async_start`."""
        self.settings = settings or CoapSettings()
        self._logger = logger or _LOGGER
        self._clock = clock
        self._reporter = NodeReporter(listener, self._logger, max_points=self.settings.max_points_per_node)
        self._nodes: dict[str, _Node] = {}
        self._by_endpoint: dict[str, str] = {}
        self._context: Context | None = None
        self._tasks: set[asyncio.Task[Any]] = set()
        self._slots = asyncio.Semaphore(self.settings.max_requests_in_flight)
        per_minute = self.settings.discoveries_per_minute
        self._new_uids = TokenBucket(per_minute, max(1, per_minute // 5), clock=clock)
        self._requests: Counter[str] = Counter()
        self._replies: Counter[str] = Counter()
        self._protocol_log = _ProtocolLogFilter(self._reporter)
        self._bound: list[tuple[str, int]] = []

    # --- Transport -----------------------------------------------------------------------------

    @property
    def running(self) -> bool:
        """Whether the context is up."""
        return self._context is not None

    @property
    def port(self) -> int:
        """The UDP port listened on (the bound one when settings asked for port 0)."""
        return self._bound[0][1] if self._bound else self.settings.port

    @property
    def receive_buffer_sizes(self) -> list[int]:
        """SO_RCVBUF of each bound socket, as the kernel reports it (twice what it grants)."""
        if self._context is None:
            return []
        return [
            _socket(interface).getsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF)
            for interface in _udp6_interfaces(self._context)
        ]

    async def async_start(self) -> None:
        """Bind every address; `CoapBindError` when one cannot be bound (nothing stays bound then)."""
        if self._context is not None:
            return
        check_coap_port(self.settings)
        site = coap_resource.Site()
        site.add_resource(("alive",), _AliveResource(self))
        site.add_resource(("server",), _ServerResource(self))
        loggername = f"{self._logger.name}.{PROTOCOL_LOGGER_SUFFIX}"
        context = await _open_context(site, self.settings, loggername)
        context.log.addFilter(self._protocol_log)
        self._context = context
        interfaces = _udp6_interfaces(context)
        self._bound = [_local_address(interface) for interface in interfaces]
        for interface in interfaces:
            _raise_receive_buffer(interface, self.settings.receive_buffer)
            if isinstance(interface, _BoundUDP6):
                interface.push_reply = self.push_reply
        self._spawn(self._sweep_loop(), "pyaiot coap sweep")
        if self.settings.reread_interval:
            self._spawn(self._reread_loop(self.settings.reread_interval), "pyaiot coap re-read")
        self._logger.debug("Pyaiot CoAP gateway listening on %s", self._bound)

    async def async_stop(self) -> None:
        """Cancel every task and observation, close the sockets; nodes are kept, unavailable, silently."""
        context, self._context = self._context, None
        tasks = list(self._tasks)
        for node in self._nodes.values():
            tasks += node.stop_observations()
            node.discovery = None
            node.reported.available = False
        for task in tasks:
            task.cancel()
        await asyncio.gather(*tasks, return_exceptions=True)
        self._tasks.clear()
        self._bound = []
        if context is not None:
            await context.shutdown()
            context.log.removeFilter(self._protocol_log)

    async def async_write(self, node_id: str, key: str, value: Any) -> None:
        """`PUT` the value; 2.04 confirms it (reported as the new value), anything else raises."""
        node = self._nodes.get(node_id)
        if self._context is None:
            raise PyaiotWriteError(WriteProblem.NOT_RUNNING, node_id, key)
        if node is None or not node.reported.available or node.remote is None:
            raise PyaiotWriteError(WriteProblem.UNAVAILABLE, node_id, key)
        resource = node.resources.get(key)
        spec = point_for_resource(key)
        if resource is None or spec is None:
            raise PyaiotWriteError(WriteProblem.NO_RESOURCE, node_id, key)
        if not spec.writable:
            raise PyaiotWriteError(WriteProblem.READ_ONLY, node_id, key)
        try:
            payload = format_command(key, value)
        except ValueFormatError as err:
            raise PyaiotWriteError(WriteProblem.BAD_VALUE, node_id, key, str(err)) from err
        message = Message(code=PUT, uri_path=resource.link.path, payload=payload.encode())
        try:
            response = await self._request(node, message, "put")
        except TimeoutError as err:
            raise PyaiotWriteError(WriteProblem.TIMEOUT, node_id, key) from err
        except coap_error.Error as err:
            raise PyaiotWriteError(WriteProblem.FAILED, node_id, key, short(err)) from err
        if response.code != CHANGED:
            raise PyaiotWriteError(WriteProblem.REJECTED, node_id, key, str(response.code))
        self._reporter.resource(node.reported, key, payload)

    # --- restore and inspection ----------------------------------------------------------------

    def restore_nodes(self, records: Iterable[Mapping[str, Any]]) -> int:
        """Know nodes of a previous run (from `known_nodes()` or hub records); return how many.

        A restored node is unavailable; a push from its last address is accepted (and makes it
        available) before its first alive, which then discovers it once.
        """
        count = 0
        for record in records:
            reported = self._reporter.restore(record)
            if (
                reported is None
                or reported.node_id in self._nodes
                or len(self._nodes) >= self.settings.max_nodes
            ):
                continue
            node = self._nodes[reported.node_id] = _Node(reported=reported)
            for key in reported.points:
                path = tuple(key.split("/"))
                node.resources[key] = _Resource(LinkedResource(key=key, path=path, observable=False))
            address = record.get("address")
            if isinstance(address, str) and self.settings.node_port is not None:
                with contextlib.suppress(ValueError):
                    self._set_endpoint(node, normalise_address(address), None)
            count += 1
        return count

    def forget_node(self, node_id: str) -> None:
        """The listener forgot the node (deleted, or evicted): its next alive starts afresh."""
        node = self._nodes.pop(node_id, None)
        if node is None:
            return
        node.stop_observations()
        if node.discovery is not None:
            node.discovery.cancel()
        if node.endpoint_key is not None and self._by_endpoint.get(node.endpoint_key) == node_id:
            del self._by_endpoint[node.endpoint_key]
        self._reporter.forget_source(node_id)

    def known_nodes(self) -> list[dict[str, Any]]:
        """Plain records of every node, for `restore_nodes` after a restart."""
        return [
            {**node.reported.as_record(), "address": node.address}
            for node in sorted(self._nodes.values(), key=lambda node: node.node_id)
        ]

    def diagnostics(self) -> dict[str, Any]:
        """Settings, bound sockets, nodes, requests sent, replies given and drops by reason."""
        now = self._clock()
        settings = self.settings
        return {
            "running": self.running,
            "bound": [f"[{host}]:{port}" for host, port in self._bound],
            "settings": {
                "port": settings.port,
                "addresses": list(settings.addresses),
                "node_port": settings.node_port,
                "node_timeout": settings.node_timeout,
                "request_timeout": settings.request_timeout,
                "observe": settings.observe,
                "reread_interval": settings.reread_interval,
            },
            "nodes": {
                node.node_id: {
                    "available": node.reported.available,
                    "address": node.address,
                    "discovered": node.discovered,
                    "confirmed": node.confirmed,
                    "discovering": node.discovery is not None and not node.discovery.done(),
                    "info": dict(node.reported.info),
                    "resources": {
                        key: {
                            "observed": res.observed,
                            "pushed": res.pushed,
                            "observable": res.link.observable,
                        }
                        for key, res in sorted(node.resources.items())
                    },
                    "last_alive_age": None if node.last_alive is None else round(now - node.last_alive, 1),
                }
                for node in sorted(self._nodes.values(), key=lambda node: node.node_id)
            },
            "requests": dict(sorted(self._requests.items())),
            "replies": dict(sorted(self._replies.items())),
            "dropped": dict(sorted(self._reporter.dropped.items())),
        }

    @property
    def requests_sent(self) -> Counter[str]:
        """Requests sent to nodes by kind (`discover`, `get`, `observe`, `put`)."""
        return self._requests

    async def async_idle(self) -> None:
        """Wait until no discovery runs (tests and benchmarks)."""
        while pending := [
            n.discovery for n in self._nodes.values() if n.discovery and not n.discovery.done()
        ]:
            await asyncio.wait(pending)

    def expire_silent_nodes(self) -> list[str]:
        """Report lost every available node whose last alive is older than `node_timeout`."""
        deadline = self._clock() - self.settings.node_timeout
        lost = []
        for node in self._nodes.values():
            if node.reported.available and (node.last_alive is None or node.last_alive < deadline):
                self._logger.debug(
                    "Pyaiot CoAP node %s sent no alive for %s s", node.node_id, self.settings.node_timeout
                )
                self._reporter.lost(node.reported)
                lost.append(node.node_id)
        return lost

    # --- incoming ------------------------------------------------------------------------------

    def handle_alive(self, payload: bytes, remote: Any) -> Message:
        """`/alive`: announce, keepalive or reset."""
        source = _source_text(remote)
        try:
            alive = parse_alive(payload)
        except CoapInputError as err:
            return self._bad_request(source, err)
        node = self._nodes.get(alive.uid)
        if node is None:
            if len(self._nodes) >= self.settings.max_nodes:
                self._reporter.drop(source, Drop.TOO_MANY_NODES, f"already {self.settings.max_nodes} nodes")
                return self._reply(BAD_REQUEST, "too many nodes")
            # A new uid costs requests to its (unauthenticated) source address: bounded, so that forged
            # alives cannot make the gateway flood a victim. The node asks again at its next alive.
            if not self._new_uids.take():
                self._reporter.drop(
                    source, Drop.RATE_LIMITED, f"new uid {alive.uid!r} over the discovery rate"
                )
                return self._reply(CHANGED, f"Received '{alive.text}'", "alive")
            node = self._nodes[alive.uid] = _Node(reported=ReportedNode(node_id=alive.uid))
        host, port, scope = _remote_parts(remote)
        address = normalise_address(host, scope)
        moved = node.endpoint_key not in {None, self._endpoint_key(address, port)}
        self._set_endpoint(node, address, port)
        node.remote = self._node_remote(remote)
        node.last_alive = self._clock()
        returned = self._reporter.seen(node.reported)
        if alive.reset:
            self._logger.debug("Pyaiot CoAP node %s was reset", alive.uid)
            self._reporter.values_forgotten(node.reported)
        if alive.reset or moved or (not node.discovered and self._clock() >= node.retry_at):
            self._start_discovery(node)
        elif node.discovered and not node.confirmed:
            node.confirmed = report_handshake(self._reporter.listener, node.node_id)
        elif returned:
            self._resume_observations(node)
        return self._reply(CHANGED, f"Received '{alive.text}'", "alive")

    def handle_push(self, payload: bytes, sockaddr: Any) -> Message:
        """`/server`: a value pushed by a known node, found by its source address (a socket address)."""
        host, port, scope = _sockaddr_parts(sockaddr)
        try:
            name, value = parse_push(payload)
        except CoapInputError as err:
            return self._bad_request(_sockaddr_source_text(sockaddr), err)
        text = payload.decode()
        key = self._endpoint_key(normalise_address(host, scope), port)
        node = self._nodes.get(self._by_endpoint.get(key, ""))
        if node is None:
            self._reporter.drop(
                _sockaddr_source_text(sockaddr),
                Drop.UNKNOWN_SOURCE,
                f"push {short(text)!r} from an address without alive",
            )
            return self._reply(CHANGED, f"Received '{text}'", "server")
        if not node.reported.available:
            node.last_alive = self._clock()
            self._reporter.seen(node.reported)
        resource = node.resources.get(name)
        if resource is None:
            path = tuple(name.split("/"))
            resource = node.resources[name] = _Resource(LinkedResource(key=name, path=path, observable=False))
        resource.pushed = True
        self._reporter.resource(node.reported, name, value)
        return self._reply(CHANGED, f"Received '{text}'", "server")

    def safely(self, handler: Callable[[bytes, Any], Message], payload: bytes, source: Any) -> Message:
        """Run a resource handler; nothing raised (bad input, the listener) escapes into aiocoap."""
        try:
            return handler(payload, source)
        except Exception:
            self._logger.exception("Error while handling a Pyaiot CoAP request from %s", _source_text(source))
            return Message(code=BAD_REQUEST)

    def push_reply(self, payload: bytes, sockaddr: Any) -> Message:
        """A push taken by the socket itself (see the module's text); the reply's code and payload."""
        return self.safely(self.handle_push, payload, sockaddr)

    def _bad_request(self, source: str, err: CoapInputError) -> Message:
        self._reporter.drop(source, err.reason, str(err))
        return self._reply(BAD_REQUEST, err.reason.value)

    def _reply(self, code: Any, text: str, kind: str = "bad_request") -> Message:
        self._replies[kind] += 1
        return Message(code=code, payload=text.encode())

    # --- discovery -----------------------------------------------------------------------------

    def _start_discovery(self, node: _Node) -> None:
        if node.discovery is not None:
            node.discovery.cancel()
        node.stop_observations()
        node.discovered = False
        node.discovery = self._spawn(self._discover(node), f"pyaiot coap discover {node.node_id}")

    async def _discover(self, node: _Node) -> None:
        try:
            response = await self._request(
                node, Message(code=GET, uri_path=(".well-known", "core")), "discover"
            )
            links, refused = _links_of(response)
        except (TimeoutError, coap_error.Error, CoapInputError) as err:
            reason = err.reason if isinstance(err, CoapInputError) else Drop.DISCOVERY_FAILED
            self._reporter.drop(node.node_id, reason, f"discovery: {_describe(err)}")
            node.failures += 1
            factor = min(2 ** (node.failures - 1), MAX_BACKOFF_FACTOR)
            node.retry_at = self._clock() + self.settings.rediscovery_backoff * factor
            return
        if refused:
            self._reporter.drop(node.node_id, Drop.BAD_LINK, f"links refused: {', '.join(refused[:5])}")
        node.failures = 0
        listed = {link.key for link in links}
        previous = node.resources
        node.resources = {
            link.key: _Resource(link, pushed=previous[link.key].pushed if link.key in previous else False)
            for link in links
        }
        self._reporter.declare(node.reported, [link.key for link in links])
        per_node = asyncio.Semaphore(self.settings.requests_per_node)

        async def fetch(resource: _Resource) -> None:
            async with per_node:
                if self.settings.observe and resource.link.observable:
                    await self._observe(node, resource)
                else:
                    await self._read(node, resource)

        # Name and board first: the device is then made with its name (and its entity ids follow it).
        info = [res for res in node.resources.values() if res.link.key in INFO_RESOURCES]
        await asyncio.gather(*(fetch(resource) for resource in info))
        if not node.confirmed:
            node.confirmed = report_handshake(self._reporter.listener, node.node_id)
        for key in sorted(set(previous) - listed):
            self._reporter.point_unavailable(node.reported, key)
        others = [res for res in node.resources.values() if res.link.key not in INFO_RESOURCES]
        await asyncio.gather(*(fetch(resource) for resource in others))
        node.discovered = True

    async def _read(self, node: _Node, resource: _Resource) -> None:
        try:
            response = await self._request(node, Message(code=GET, uri_path=resource.link.path), "get")
        except (TimeoutError, coap_error.Error) as err:
            self._unreadable(node, resource, Drop.RESOURCE_TIMEOUT, _describe(err))
            return
        self._use_response(node, resource, response)

    def _use_response(self, node: _Node, resource: _Resource, response: Message) -> None:
        if response.code != CONTENT:
            self._unreadable(node, resource, Drop.RESOURCE_ERROR, f"answered {response.code}")
            return
        try:
            text = response.payload.decode()
        except UnicodeDecodeError as err:
            self._unreadable(node, resource, Drop.NOT_UTF8, str(err))
            return
        if not self._reporter.resource(node.reported, resource.link.key, text):
            self._reporter.point_unavailable(node.reported, resource.link.key)

    def _unreadable(self, node: _Node, resource: _Resource, reason: Drop, detail: str) -> None:
        self._reporter.drop(node.node_id, reason, f"/{resource.link.key}: {detail}")
        self._reporter.point_unavailable(node.reported, resource.link.key)

    async def _observe(self, node: _Node, resource: _Resource) -> None:
        """Register the observation; its first answer is the value, then one task follows updates."""
        request = await self._start_request(
            node, Message(code=GET, uri_path=resource.link.path, observe=0), "observe"
        )
        try:
            response = await self._response(request)
        except (TimeoutError, coap_error.Error) as err:
            if request.response.done():  # else aiocoap still runs the request: `_abandon` ends it
                _end_observation(request)
            self._unreadable(node, resource, Drop.RESOURCE_TIMEOUT, _describe(err))
            return
        self._use_response(node, resource, response)
        if response.opt.observe is None:
            _end_observation(request)
            return
        resource.observation = self._spawn(
            self._follow(node, resource, request), f"pyaiot coap observe {resource.link.key}"
        )

    async def _follow(self, node: _Node, resource: _Resource, request: Any) -> None:
        try:
            async for response in request.observation:
                self._use_response(node, resource, response)
        except coap_error.Error as err:
            self._reporter.drop(
                node.node_id, Drop.OBSERVATION_ENDED, f"/{resource.link.key}: {_describe(err)}"
            )
        finally:
            _end_observation(request)

    def _resume_observations(self, node: _Node) -> None:
        """A node back after a loss: observe again what it advertised, without a discovery."""
        if not self.settings.observe:
            return
        for resource in node.resources.values():
            if resource.link.observable and not resource.observed:
                self._spawn(self._observe(node, resource), f"pyaiot coap re-observe {resource.link.key}")

    async def _reread_loop(self, interval: float) -> None:
        while True:
            await asyncio.sleep(interval)
            reads = [
                self._read(node, resource)
                for node in list(self._nodes.values())
                if node.reported.available and node.discovered and node.remote is not None
                for resource in node.resources.values()
                if not resource.pushed and not resource.observed and resource.link.key not in INFO_RESOURCES
            ]
            await asyncio.gather(*reads)

    # --- requests ------------------------------------------------------------------------------

    async def _start_request(self, node: _Node, message: Message, kind: str) -> Any:
        if self._context is None:
            raise coap_error.LibraryShutdown
        message.remote = node.remote
        self._requests[kind] += 1
        return self._context.request(message)

    async def _response(self, request: Any) -> Message:
        """The response within `request_timeout`, aiocoap's response future never cancelled.

        aiocoap resolves that future from its datagram callbacks and only stops doing so one or two
        loop iterations after a cancellation: an answer or ICMP error arriving in between would meet a
        cancelled future (`InvalidStateError` in the event loop). So neither the timeout nor a
        cancellation of the waiting task touches it; a request given up on is left to aiocoap, which
        ends it (retransmission limit, late answer, context shutdown).
        """
        response = request.response
        try:
            await asyncio.wait((response,), timeout=self.settings.request_timeout)
        finally:
            if not response.done():
                _abandon(request)
        if not response.done():
            raise TimeoutError
        result: Message = response.result()
        return result

    async def _request(self, node: _Node, message: Message, kind: str) -> Message:
        async with self._slots:
            request = await self._start_request(node, message, kind)
            return await self._response(request)

    # --- helpers -------------------------------------------------------------------------------

    def _endpoint_key(self, address: str, port: int | None) -> str:
        return address if self.settings.node_port is not None or port is None else f"[{address}]:{port}"

    def _set_endpoint(self, node: _Node, address: str, port: int | None) -> None:
        key = self._endpoint_key(address, port)
        if node.endpoint_key is not None and self._by_endpoint.get(node.endpoint_key) == node.node_id:
            del self._by_endpoint[node.endpoint_key]
        node.address, node.endpoint_key = address, key
        self._by_endpoint[key] = node.node_id

    def _node_remote(self, remote: Any) -> Any:
        """The endpoint of the node's resources: its alive's source, on the node port if one is set."""
        port = self.settings.node_port
        if port is None or not isinstance(remote, UDP6EndpointAddress):
            return remote
        host, _, flowinfo, scope_id = remote.sockaddr
        return UDP6EndpointAddress((host, port, flowinfo, scope_id), remote.interface, pktinfo=remote.pktinfo)

    def _spawn(self, coroutine: Any, name: str) -> asyncio.Task[Any]:
        task = asyncio.get_running_loop().create_task(self._guarded(coroutine, name), name=name)
        self._tasks.add(task)
        task.add_done_callback(self._tasks.discard)
        # A task cancelled before it ran (a stop right after the start) never awaited its coroutine.
        task.add_done_callback(lambda _: coroutine.close())
        return task

    async def _guarded(self, coroutine: Any, name: str) -> None:
        try:
            await coroutine
        except asyncio.CancelledError:
            raise
        except Exception:
            self._logger.exception("Error in %s", name)

    async def _sweep_loop(self) -> None:
        interval = min(self.settings.node_timeout / 4, MAX_SWEEP_INTERVAL)
        while True:
            await asyncio.sleep(interval)
            self.expire_silent_nodes()


class _AliveResource(coap_resource.Resource):  # type: ignore[misc]
    def __init__(self, gateway: PyaiotCoapGateway) -> None:
        super().__init__()
        self._gateway = gateway

    async def render_post(self, request: Message) -> Message:
        return self._gateway.safely(self._gateway.handle_alive, request.payload, request.remote)


class _ServerResource(coap_resource.Resource):  # type: ignore[misc]
    def __init__(self, gateway: PyaiotCoapGateway) -> None:
        super().__init__()
        self._gateway = gateway

    async def render_post(self, request: Message) -> Message:
        return self._gateway.safely(self._gateway.handle_push, request.payload, request.remote.sockaddr)


class _ProtocolLogFilter(logging.Filter):
    """aiocoap's own log: warnings about network input once per problem (counted), info at debug level."""

    def __init__(self, reporter: NodeReporter) -> None:
        super().__init__()
        self._reporter = reporter

    @override
    def filter(self, record: logging.LogRecord) -> bool:
        if record.levelno >= logging.WARNING:
            if str(record.msg).startswith("Ignoring unparsable message"):
                source = (
                    _sockaddr_text(record.args[0]) if isinstance(record.args, tuple) and record.args else "?"
                )
                self._reporter.drop(source, Drop.NOT_COAP, "a datagram that is not CoAP")
            else:
                self._reporter.drop("aiocoap", Drop.COAP_PROTOCOL, short(record.getMessage(), 200))
            return False
        if record.levelno == logging.INFO:
            record.levelno, record.levelname = logging.DEBUG, "DEBUG"
        return True


async def _open_context(site: Any, settings: CoapSettings, loggername: str) -> Context:
    """One context with one udp6 socket per address; `CoapBindError` when one cannot be bound."""
    context = Context(loop=asyncio.get_running_loop(), serversite=site, loggername=loggername)
    address = ""
    try:
        for address in bind_addresses(settings):
            await _add_udp6_transport(context, (address, settings.port))
    except (OSError, coap_error.ResolutionError) as err:
        await context.shutdown()
        if isinstance(err, OSError):
            raise bind_error(err, address, settings.port) from err
        raise CoapBindError(CoapBindProblem.INVALID_ADDRESS, address, settings.port, str(err)) from err
    return context


class _BoundUDP6(MessageInterfaceUDP6):  # type: ignore[misc]
    """A udp6 socket that leaves requests to a node reached through another socket to that socket.

    aiocoap asks each transport in turn; the plain one would take any request, so with several bound
    addresses every request would leave through the first socket (unreachable for the other family).
    """

    async def determine_remote(self, request: Message) -> Any:
        remote = request.remote
        if isinstance(remote, UDP6EndpointAddress) and remote.interface is not self:
            return None
        return await super().determine_remote(request)

    push_reply: Callable[[bytes, Any], Message] | None = None
    """Answers a plain push (set by the gateway); without it every message goes through aiocoap."""

    def datagram_msg_received(self, data: bytes, ancdata: Any, flags: int, address: Any) -> None:
        # aiocoap catches only its own parse error; a string option that is not UTF-8 (or a value its
        # option types refuse) would raise in the event loop. Anyone may send that: drop it, counted.
        try:
            if not self._took_push(data, address):
                super().datagram_msg_received(data, ancdata, flags, address)
        except UnicodeDecodeError, ValueError:
            self.log.warning("Ignoring unparsable message from %s", address)

    def _took_push(self, data: bytes, address: Any) -> bool:
        if self.push_reply is None:
            return False
        try:
            request = Message.decode(data)
        except coap_error.UnparsableMessage:
            return False  # aiocoap's own path logs it
        if (
            request.code != POST
            or request.mtype not in {CON, NON}
            or request.opt.uri_path != PUSH_PATH
            or any(option.number not in PLAIN_PUSH_OPTIONS for option in request.opt.option_list())
        ):
            return False
        reply = self.push_reply(request.payload, address)
        reply.token = request.token
        if request.mtype is CON:
            reply.mtype, reply.mid = ACK, request.mid
        else:
            reply.mtype, reply.mid = NON, self._ctx._next_message_id()  # noqa: SLF001 - aiocoap's counter: no clash
        self.transport.sendmsg(reply.encode(), [], 0, address)
        return True


def _udp6_interfaces(context: Context) -> list[MessageInterfaceUDP6]:
    # One token and message manager per transport; the message interface is the socket.
    return [
        manager.token_interface.message_interface
        for manager in context.request_interfaces
        if isinstance(
            getattr(getattr(manager, "token_interface", None), "message_interface", None),
            MessageInterfaceUDP6,
        )
    ]


def _socket(interface: MessageInterfaceUDP6) -> Any:
    return interface.transport.get_extra_info("socket")


def _local_address(interface: MessageInterfaceUDP6) -> tuple[str, int]:
    host, port, *_ = _socket(interface).getsockname()
    return normalise_address(host), port


def _raise_receive_buffer(interface: MessageInterfaceUDP6, size: int) -> None:
    # asyncio reads one datagram per loop iteration: while the loop (or the process) is busy, every
    # datagram waits in this buffer, and the kernel drops what does not fit.
    sock = _socket(interface)
    try:
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, size)
    except OSError as err:
        _LOGGER.debug("Pyaiot CoAP: receive buffer of %s bytes refused: %s", size, err)


async def _add_udp6_transport(context: Context, bind: tuple[str, int]) -> None:
    """One bound socket in the context (aiocoap 0.4.17 has no public call for several binds)."""
    loop = asyncio.get_running_loop()
    await context._append_tokenmanaged_messagemanaged_transport(  # noqa: SLF001
        lambda manager: _BoundUDP6.create_server_transport_endpoint(
            manager, log=context.log, loop=loop, bind=bind, multicast=[]
        )
    )


def _links_of(response: Message) -> tuple[list[LinkedResource], list[str]]:
    if response.code != CONTENT:
        raise CoapInputError(Drop.DISCOVERY_FAILED, f"/.well-known/core answered {response.code}")
    return parse_link_format(response.payload)


def _remote_parts(remote: Any) -> tuple[str, int | None, str | None]:
    return _sockaddr_parts(getattr(remote, "sockaddr", None))


def _sockaddr_parts(sockaddr: Any) -> tuple[str, int | None, str | None]:
    if not isinstance(sockaddr, tuple) or len(sockaddr) < 2:  # noqa: PLR2004
        return ("::", None, None)
    scope = None
    if len(sockaddr) >= 4 and sockaddr[3]:  # noqa: PLR2004
        try:
            scope = socket.if_indextoname(sockaddr[3])
        except OSError:
            scope = str(sockaddr[3])
    return (str(sockaddr[0]), int(sockaddr[1]), scope)


def _source_text(source: Any) -> str:
    """A remote's or a socket address' text."""
    return _sockaddr_source_text(source if isinstance(source, tuple) else getattr(source, "sockaddr", None))


def _sockaddr_source_text(sockaddr: Any) -> str:
    host, port, scope = _sockaddr_parts(sockaddr)
    try:
        address = normalise_address(host, scope)
    except ValueError:
        address = host
    return f"[{address}]:{port}" if ":" in address else f"{address}:{port}"


def _sockaddr_text(sockaddr: Any) -> str:
    if isinstance(sockaddr, tuple) and len(sockaddr) >= 2:  # noqa: PLR2004
        with contextlib.suppress(ValueError):
            return normalise_address(str(sockaddr[0]))
    return "?"


def _abandon(request: Any) -> None:
    """Nobody waits for the request any more: once aiocoap ends it, retrieve its outcome, stop observing."""

    def ended(response: asyncio.Future[Message]) -> None:
        if not response.cancelled():
            response.exception()
        _end_observation(request)

    request.response.add_done_callback(ended)


def _end_observation(request: Any) -> None:
    """Cancel the request's observation unless aiocoap ended it already (it refuses a second cancel)."""
    observation = request.observation
    if observation is not None and not observation.cancelled:
        observation.cancel()


def _describe(err: BaseException) -> str:
    if isinstance(err, TimeoutError):
        return "no answer in time"
    return f"{type(err).__name__}: {short(err)}"
