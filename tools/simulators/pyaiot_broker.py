"""A simulated Pyaiot broker speaking the `/ws` web-client dialect (pyaiot.md §2), with in-process gateways.

Like upstream's broker: a client must send `new` to be registered; each gateway then replays its cache
to that client (`dst` = the client's uuid) and later broadcasts (`dst` = `all`) reach every client;
client `update` commands with exactly `uid`/`endpoint`/`payload` go to the gateways; a stopped gateway's
nodes are broadcast `out`; frames that are not JSON or of an unknown type close the socket with 1003.

A `SimulatedGateway` holds nodes and their resources as a real gateway's cache (CoAP-style: `ip` and
`protocol` pseudo-resources first) and answers LED commands with an `update`, as the CoAP gateway does
on 2.04. Tests drive it directly; the command line starts a broker with a few gateways:

    python -m tools.simulators.pyaiot_broker --port 8000 --gateways 2 --nodes 3
"""

import argparse
import asyncio
from collections.abc import Sequence
import contextlib
from dataclasses import dataclass, field
import json
import logging
import random
import signal
from typing import Any
import uuid

from aiohttp import WSCloseCode, WSMsgType, web

_LOGGER = logging.getLogger("pyaiot_broker")
DEFAULT_PORT = 8000
VALID_TYPES = {"new", "update", "out", "reset"}


def serialise(message: dict[str, Any]) -> str:
    """As upstream: raw UTF-8, default separators."""
    return json.dumps(message, ensure_ascii=False)


def check_message(raw: str) -> tuple[dict[str, Any] | None, str | None]:
    """Upstream's `Message.check_message`: the message, or the reason to refuse it."""
    try:
        message = json.loads(raw)
    except json.JSONDecodeError:
        return None, f"Invalid message received '{raw}'. Only JSON format is supported."
    if not isinstance(message, dict) or "type" not in message:
        return None, f"Invalid message '{message}'."
    if message["type"] not in VALID_TYPES:
        return None, f"Invalid message type '{message['type']}'."
    return message, None


@dataclass
class SimulatedGateway:
    """A gateway's node cache, connected to a broker."""

    broker: SimulatedBroker
    protocol: str = "CoAP"
    nodes: dict[str, dict[str, Any]] = field(default_factory=dict)
    commands: list[dict[str, Any]] = field(default_factory=list)
    led_answers: bool = True

    async def add_node(self, uid: str, resources: dict[str, Any], address: str = "fd00::1") -> None:
        """A node appears: `new`, its pseudo-resources, then its resources, broadcast."""
        cache = self.nodes[uid] = {"ip": address, "protocol": self.protocol, **resources}
        await self.broker.broadcast({"type": "new", "uid": uid, "dst": "all"})
        for endpoint, data in cache.items():
            await self.broker.broadcast(
                {"type": "update", "uid": uid, "endpoint": endpoint, "data": data, "dst": "all"}
            )

    async def update(self, uid: str, endpoint: str, data: Any) -> None:
        """A node sent a value."""
        self.nodes[uid][endpoint] = data
        await self.broker.broadcast(
            {"type": "update", "uid": uid, "endpoint": endpoint, "data": data, "dst": "all"}
        )

    async def remove_node(self, uid: str) -> None:
        """A node timed out."""
        del self.nodes[uid]
        await self.broker.broadcast({"type": "out", "uid": uid})

    async def reset_node(self, uid: str) -> None:
        """A node rebooted: `reset`, then its values again."""
        await self.broker.broadcast({"type": "reset", "uid": uid})
        for endpoint, data in self.nodes[uid].items():
            await self.broker.broadcast(
                {"type": "update", "uid": uid, "endpoint": endpoint, "data": data, "dst": "all"}
            )

    def replay(self, client: str) -> list[dict[str, Any]]:
        """The cache addressed to one client."""
        messages: list[dict[str, Any]] = []
        for uid, resources in self.nodes.items():
            messages.append({"type": "new", "uid": uid, "dst": client})
            messages += [
                {"type": "update", "uid": uid, "endpoint": endpoint, "data": data, "dst": client}
                for endpoint, data in resources.items()
            ]
        return messages

    async def command(self, data: dict[str, Any]) -> None:
        """A client's `update` command for one of this gateway's nodes."""
        self.commands.append(data)
        uid, endpoint, payload = data["uid"], data["endpoint"], data["payload"]
        if uid in self.nodes and endpoint == "led" and self.led_answers:
            await self.update(uid, endpoint, payload)


class SimulatedBroker:
    """The broker's `/ws` endpoint on aiohttp."""

    def __init__(self) -> None:
        """No gateways, no clients."""
        self.gateways: list[SimulatedGateway] = []
        self.clients: dict[str, web.WebSocketResponse] = {}
        self.connections: list[web.WebSocketResponse] = []
        self.received: list[Any] = []
        self._runner: web.AppRunner | None = None
        self._site: web.TCPSite | None = None

    @property
    def port(self) -> int:
        """The bound port."""
        return self._site.port if self._site is not None else 0

    def add_gateway(self, protocol: str = "CoAP") -> SimulatedGateway:
        """A gateway connected to this broker."""
        gateway = SimulatedGateway(self, protocol)
        self.gateways.append(gateway)
        return gateway

    async def remove_gateway(self, gateway: SimulatedGateway) -> None:
        """The gateway's socket closed: its nodes are `out`."""
        self.gateways.remove(gateway)
        for uid in list(gateway.nodes):
            await self.broadcast({"type": "out", "uid": uid})

    async def broadcast(self, message: dict[str, Any]) -> None:
        """To every registered client."""
        text = serialise(message)
        for socket in list(self.clients.values()):
            with contextlib.suppress(ConnectionError, RuntimeError):
                await socket.send_str(text)

    async def start(self, port: int = 0, host: str = "127.0.0.1") -> None:
        """Listen on `/ws`."""
        app = web.Application()
        app.router.add_get("/ws", self._client)
        self._runner = web.AppRunner(app, handle_signals=False, access_log=None, shutdown_timeout=1.0)
        await self._runner.setup()
        self._site = web.TCPSite(self._runner, host, port, reuse_address=True)
        await self._site.start()

    async def stop(self) -> None:
        """Close every client and stop listening (a broker restart, for the client's reconnect)."""
        for socket in list(self.connections):
            await socket.close(code=WSCloseCode.GOING_AWAY)
        self.clients.clear()
        if self._runner is not None:
            await self._runner.cleanup()
        self._runner = self._site = None

    async def drop_clients(self) -> None:
        """Close every client socket, keep listening."""
        for socket in list(self.connections):
            await socket.close(code=WSCloseCode.GOING_AWAY)
        self.clients.clear()

    async def send_raw(self, text: str) -> None:
        """Any text to every connected client (tests)."""
        for socket in list(self.connections):
            await socket.send_str(text)

    async def _client(self, request: web.Request) -> web.WebSocketResponse:
        socket = web.WebSocketResponse()
        await socket.prepare(request)
        uid = str(uuid.uuid4())
        self.connections.append(socket)
        try:
            async for raw in socket:
                if raw.type is not WSMsgType.TEXT:
                    continue
                message, reason = check_message(raw.data)
                if message is None:
                    await socket.close(code=WSCloseCode.UNSUPPORTED_DATA, message=str(reason)[:120].encode())
                    break
                self.received.append(message)
                await self._on_client_message(uid, socket, message)
        finally:
            self.clients.pop(uid, None)
            self.connections.remove(socket)
        return socket

    async def _on_client_message(
        self, uid: str, socket: web.WebSocketResponse, message: dict[str, Any]
    ) -> None:
        if message["type"] == "new":
            self.clients[uid] = socket
            for gateway in self.gateways:
                for reply in gateway.replay(uid):
                    await socket.send_str(serialise(reply))
        elif message["type"] == "update":
            data = message.get("data")
            if isinstance(data, dict) and set(data) == {"uid", "endpoint", "payload"}:
                for gateway in self.gateways:
                    await gateway.command(data)


async def _demo(host: str, port: int, gateways: int, nodes: int, stop: asyncio.Event) -> None:
    broker = SimulatedBroker()
    await broker.start(port, host=host)
    rng = random.Random()
    for g in range(gateways):
        gateway = broker.add_gateway("CoAP")
        for n in range(nodes):
            uid = f"gw{g + 1}-node{n + 1}"
            await gateway.add_node(uid, {"name": f"Node {uid}", "led": "0", "temperature": "21.0°C"})
    _LOGGER.info("Pyaiot broker on port %d with %d gateway(s)", broker.port, gateways)
    while not stop.is_set():
        with contextlib.suppress(TimeoutError):
            await asyncio.wait_for(stop.wait(), 5.0)
        for gateway in broker.gateways:
            for uid in list(gateway.nodes):
                await gateway.update(uid, "temperature", f"{rng.uniform(19, 24):.1f}°C")
    await broker.stop()


def main(argv: Sequence[str] | None = None) -> int:
    """Command line entry point."""
    parser = argparse.ArgumentParser(description="Simulated Pyaiot broker (/ws) with simulated gateways.")
    parser.add_argument("--host", default="127.0.0.1", help="address to listen on (default: %(default)s)")
    parser.add_argument("--port", type=int, default=DEFAULT_PORT)
    parser.add_argument("--gateways", type=int, default=1)
    parser.add_argument("--nodes", type=int, default=2)
    parser.add_argument("--duration", type=float)
    args = parser.parse_args(argv)
    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(message)s")

    async def run() -> None:
        stop = asyncio.Event()
        loop = asyncio.get_running_loop()
        for signum in (signal.SIGINT, signal.SIGTERM):
            with contextlib.suppress(NotImplementedError):
                loop.add_signal_handler(signum, stop.set)
        if args.duration is not None:
            loop.call_later(args.duration, stop.set)
        await _demo(args.host, args.port, args.gateways, args.nodes, stop)

    asyncio.run(run())
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
