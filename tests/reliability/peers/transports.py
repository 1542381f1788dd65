"""The transports whose peer is no MQTT client: one `PeerCase` each, added as transports are.

A peer is what stands at the other end of the transport (a CoAP node, a WebSocket node, ...) on a port
the kernel chose; it can arrive, go away without a goodbye, come back, and flood the transport's input
with junk. The tests in this folder never look at which transport they run over.
"""

import asyncio
from collections.abc import Awaitable, Callable, Coroutine
import contextlib
from dataclasses import dataclass, field
import json
import random
import socket
from typing import Any, Protocol, override

import aiocoap
import aiohttp

from custom_components.pyiot.hub.networks import CONF_ALLOWED_NETWORKS, CONF_RATE_LIMIT
from custom_components.pyiot.systems.pyaiot.const import CONF_NODE_TIMEOUT
from custom_components.pyiot.systems.pyaiot.flow_schemas import COAP_DEFAULT_OPTIONS
from tests.systems.pyaiot.gateway_support import free_tcp_port, free_udp_port
from tools.simulators.pyaiot_coap_node import SimulatedCoapNode
from tools.simulators.pyaiot_ws_node import SimulatedWsNode

PEER_TIMEOUT = 3
"""Seconds of silence after which a node without a connection of its own (CoAP) is lost."""
ALIVE_PERIOD = 2.0
"""Seconds between two alives of the CoAP peer (30 s for a real node; pushes go at every tick)."""
SEND_TIMEOUT = 2.0
"""How long a peer waits for the gateway's answer to what it sends (the gateway may be down)."""


class Peer(Protocol):
    """The node at the other end of a transport, on ports of its own."""

    node_id: str
    entry_data: dict[str, Any]
    """What the entry needs to reach it or be reached (its port)."""
    entry_options: dict[str, Any]
    temperature: float
    """Its current reading, sent at its next report."""

    async def arrive(self) -> None:
        """Boot (or come back) as the real node does."""

    async def tick(self) -> None:
        """What the node sends by itself from time to time while a test waits."""

    async def leave(self) -> None:
        """Go away as a power cut does: no goodbye."""

    async def junk(self, count: int) -> None:
        """`count` messages from nobody at the transport's input, of every kind it parses."""

    async def stop(self) -> None:
        """Release everything."""


@dataclass(frozen=True, kw_only=True)
class PeerCase:
    """What the suite needs to know of one transport whose peer is no MQTT client."""

    kind: str
    make_peer: Callable[[], Peer]
    temperature_key: str = "temperature"
    lingering_timers: bool = False
    """Whether its library leaves timers behind that do nothing once the test is over."""
    settle: Callable[[Any], Awaitable[None]] = field(default=lambda _gateway: _nothing())
    """Wait until the entry's gateway has no request in flight, before the entry unloads.

    CoAP needs it: unloading cancels the gateway's pending aiocoap requests, and an answer arriving
    after that makes aiocoap raise `InvalidStateError` in the event loop (a defect of the gateway's
    `_response`, reported with the suite; the tests wait here rather than fail at random).
    """

    @override
    def __str__(self) -> str:
        return self.kind


async def _nothing() -> None:
    """Nothing to wait for."""


# --- Pyaiot over CoAP ---------------------------------------------------------------------------


class CoapPeer:
    """A simulated CoAP node (upstream's test node) on a UDP port of its own, on IPv6 loopback."""

    node_id = "reliable-coap"

    def __init__(self) -> None:
        """A node that binds once it `arrive`s; the gateway's port is chosen now."""
        self.gateway_port = free_udp_port()
        self.entry_data = {"port": self.gateway_port}
        self.entry_options = {**COAP_DEFAULT_OPTIONS, CONF_NODE_TIMEOUT: PEER_TIMEOUT}
        self.temperature = 21.0
        self._node: SimulatedCoapNode | None = None
        self._requests: set[asyncio.Task[Any]] = set()
        self._next_alive = 0.0
        self._port = 0

    async def arrive(self) -> None:
        """Bind (on the port it had, if it had one) and announce itself."""
        node = SimulatedCoapNode(
            self.node_id, gateway="::1", gateway_port=self.gateway_port, bind="::1", port=self._port
        )
        node.state.temperature = self.temperature
        await node.start(announce=False)
        self._next_alive = 0.0
        self._node, self._port = node, node.port
        await self.tick()

    async def tick(self) -> None:
        """Its alive and its temperature push, as the node sends them every few seconds.

        The gateway may be down (an HA restart): the node does not wait for an answer longer than
        `SEND_TIMEOUT`, and never cancels a request (aiocoap then fails setting its answer).
        """
        if (node := self._node) is None:
            return
        node.state.temperature = self.temperature
        now = asyncio.get_running_loop().time()
        if now >= self._next_alive:
            # Paced: an alive during the node's discovery restarts it, cancelling the gateway's aiocoap
            # requests, whose late answers then fail in the event loop (a defect, see `settle`).
            self._next_alive = now + ALIVE_PERIOD
            await asyncio.wait({self._spawn(node.send_alive())}, timeout=SEND_TIMEOUT)
        await asyncio.wait({self._spawn(node.push("temperature"))}, timeout=SEND_TIMEOUT)

    def _spawn(self, request: Coroutine[Any, Any, Any]) -> asyncio.Task[Any]:
        task = asyncio.get_running_loop().create_task(request)
        self._requests.add(task)
        task.add_done_callback(self._requests.discard)
        return task

    async def leave(self) -> None:
        """Close its socket; what it had sent fails or is answered by then."""
        node, self._node = self._node, None
        if self._requests:  # an answer arriving while aiocoap shuts down fails in the event loop
            await asyncio.wait(self._requests, timeout=SEND_TIMEOUT)
        if node is not None:
            await node.stop()
        await asyncio.gather(*self._requests, return_exceptions=True)

    async def junk(self, count: int) -> None:
        """Datagrams from another socket: not CoAP, bad alives and pushes, alives of mute nodes."""
        rng = random.Random(13)
        with socket.socket(socket.AF_INET6, socket.SOCK_DGRAM) as attacker:
            attacker.bind(("::1", 0))
            for index in range(count):
                attacker.sendto(coap_junk(index, rng), ("::1", self.gateway_port))
                if index % 100 == 0:
                    await asyncio.sleep(0)  # the gateway reads meanwhile, as it would from the network

    async def stop(self) -> None:
        """Close its socket."""
        await self.leave()


def coap_junk(index: int, rng: random.Random) -> bytes:
    """One datagram of the `index % 6`-th kind."""
    payload: bytes
    match index % 6:
        case 0:
            # Not CoAP (version 0). Random bytes are not used: aiocoap fails in the event loop on a
            # string option that is not UTF-8 (`test_coap_wire.py` holds that defect).
            return bytes([rng.randrange(0x40)]) + rng.randbytes(index % 40)
        case 1:
            path, payload = "alive", b"\xff\xfe" * (index % 16 + 1)  # not UTF-8
        case 2:
            path, payload = "alive", f"Alive:bad/{index}".encode()
        case 3:
            path, payload = "server", f"temperature:{index}°C".encode()  # from an address without alive
        case 4:
            path, payload = "alive", b"Alive:" + b"x" * 900
        case _:
            path, payload = "alive", f"Alive:ghost-{index}".encode()  # it never answers a discovery
    message = aiocoap.Message(code=aiocoap.POST, uri_path=(path,), payload=payload)
    message.mtype = aiocoap.NON  # encoded by hand: no message layer to choose it
    message.mid = index & 0xFFFF
    message.token = index.to_bytes(4, "big")
    return bytes(message.encode())


async def coap_settled(gateway: Any) -> None:
    """Until no discovery (and its reads) of the CoAP gateway runs."""
    await gateway.async_idle()


COAP = PeerCase(kind="pyaiot_coap", make_peer=CoapPeer, lingering_timers=True, settle=coap_settled)


# --- Pyaiot over WebSocket ----------------------------------------------------------------------


class WsPeer:
    """A simulated WebSocket node that connects again whenever its socket closes, as a real node does."""

    node_id = "fd00:aaaa:bbbb::13"
    RECONNECT_DELAY = 0.2

    def __init__(self) -> None:
        """A node that connects once it `arrive`s; the gateway's port is chosen now."""
        self.gateway_port = free_tcp_port()
        self.entry_data = {"port": self.gateway_port}
        # Every peer here connects from loopback: a rate limit fit for one node per address would refuse
        # the real node its reconnects after the attacker's connections.
        self.entry_options = {CONF_ALLOWED_NETWORKS: "", CONF_RATE_LIMIT: 100.0}
        self.temperature = 21.0
        self._url = f"ws://127.0.0.1:{self.gateway_port}/node"
        self._session: aiohttp.ClientSession | None = None
        self._task: asyncio.Task[None] | None = None

    async def arrive(self) -> None:
        """Connect, and keep connecting until it `leave`s."""
        if self._session is None:
            self._session = aiohttp.ClientSession()
        self._task = asyncio.create_task(self._keep_connected(self._session))

    async def _keep_connected(self, session: aiohttp.ClientSession) -> None:
        while True:
            node = SimulatedWsNode(self.node_id, name="reliable websocket")
            node.temperature = self.temperature
            with contextlib.suppress(aiohttp.ClientError, OSError):
                await node.run(session, self._url)
            await asyncio.sleep(self.RECONNECT_DELAY)

    async def tick(self) -> None:
        """It sends its resources when it connects and when asked: nothing periodic within a test."""

    async def leave(self) -> None:
        """Drop the connection (the task ends with it)."""
        task, self._task = self._task, None
        if task is not None:
            task.cancel()
            await asyncio.gather(task, return_exceptions=True)

    async def junk(self, count: int) -> None:
        """Frames of nobody: without identity, of unknown types, bad names; then unparsable ones."""
        if self._session is None:
            self._session = aiohttp.ClientSession()
        # None of these closes the socket. An update with a data object is a node by the protocol (known
        # by its `node`, `name` or address): whoever may connect (network, token) is trusted that far.
        frames = [
            json.dumps({"type": "update", "data": [1, 2, 3]}),
            json.dumps({"type": "update", "data": "x" * 300}),
            json.dumps({"type": "update"}),
        ]
        async with self._session.ws_connect(self._url) as attacker:
            for index in range(count):
                await attacker.send_str(frames[index % len(frames)])
        # Each of these makes the gateway close the socket: a few connections, not thousands.
        for closing in ("not json", "[1, 2]", '{"type": "mystery"}', "{" * 70_000):
            with contextlib.suppress(aiohttp.ClientError):
                async with self._session.ws_connect(self._url) as attacker:
                    await attacker.send_str(closing)
                    await attacker.receive()
        with contextlib.suppress(aiohttp.ClientError):
            async with self._session.ws_connect(self._url) as attacker:
                await attacker.send_bytes(b"\xff\xfe\x00" * 100)
                await attacker.receive()

    async def stop(self) -> None:
        """Disconnect and close the session."""
        await self.leave()
        if self._session is not None:
            await self._session.close()


WS = PeerCase(kind="pyaiot_ws", make_peer=WsPeer, lingering_timers=True)

PEER_TRANSPORTS = [COAP, WS]
