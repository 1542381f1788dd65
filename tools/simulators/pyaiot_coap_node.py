"""Simulated Pyaiot CoAP nodes, behaving like upstream's `utils/coap/coap-test-node.py` (pyaiot.md §3).

Each node serves `/.well-known/core`, `board`, `name`, `temperature`, `pressure`, `led`, `robot`, `js`
(and optionally `imu`); it POSTs `Alive:<uid>` (or RIOT's `alive:<uid>` / `reset:<uid>`) to the
gateway's `/alive` every 30 s and pushes `temperature:<v>°C` / `pressure:<v>hPa` to `/server` every
5 s. `PUT /led` with `0`/`1` answers 2.04 and pushes `led:<v>`; `robot` and `js` answer 2.05 as
upstream. Unlike upstream, a node sends from the socket it serves on (as RIOT's gcoap does), so many
nodes fit on one host, each on its own port; `temperature` can advertise `obs` and be observed.

    python -m tools.simulators.pyaiot_coap_node --gateway ::1 --gateway-port 5683 --nodes 10 --port 5690

Failure injections for tests: `mute` (no answer to GETs), `refuse_led` (4.00), `silent_led` (no
answer to PUTs), `links` (a raw `/.well-known/core` answer).
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

import aiocoap
from aiocoap import resource

_LOGGER = logging.getLogger("pyaiot_coap_node")
DEFAULT_UID = "1234"
COAP_PORT = 5683


@dataclass(kw_only=True)
class NodeOptions:
    """Which resources a node has and how it misbehaves."""

    led: bool = True
    temperature: bool = True
    pressure: bool = True
    robot: bool = True
    js: bool = True
    imu: bool = False
    observable_temperature: bool = False
    riot_alive: bool = False
    """`alive:<uid>` like RIOT instead of the test node's `Alive:<uid>`."""
    mute: bool = False
    refuse_led: bool = False
    silent_led: bool = False
    links: str | bytes | None = None


@dataclass
class NodeState:
    """Values a node serves."""

    name: str = "Python Test Node"
    board: str = "test_board"
    led: str = "0"
    temperature: float = 23.0
    pressure: float = 1015.03
    robot: str = "s"
    js: str = "this.blink();"
    imu: list[dict[str, Any]] = field(default_factory=lambda: [{"type": "acc", "values": [304, 488, 448]}])


class _Value(resource.ObservableResource):  # type: ignore[misc]
    """A GET-able value; PUT per `on_put`."""

    def __init__(self, node: SimulatedCoapNode, name: str, *, observable: bool = False) -> None:
        super().__init__()
        self._node = node
        self._name = name
        self._observable = observable

    def get_link_description(self) -> dict[str, Any]:
        description: dict[str, Any] = dict(super().get_link_description())
        if not self._observable:
            description.pop("obs", None)
        return description

    async def add_observation(self, request: aiocoap.Message, server_observation: Any) -> None:
        if self._observable:
            await super().add_observation(request, server_observation)

    async def render_get(self, request: aiocoap.Message) -> aiocoap.Message:
        self._node.requests.append(("GET", self._name))
        if self._node.options.mute:
            await asyncio.Event().wait()
        return aiocoap.Message(code=aiocoap.CONTENT, payload=self._node.text(self._name).encode())

    async def render_put(self, request: aiocoap.Message) -> aiocoap.Message:
        self._node.requests.append(("PUT", self._name))
        return await self._node.on_put(self._name, request.payload)


class _Links(resource.Resource):  # type: ignore[misc]
    def __init__(self, node: SimulatedCoapNode, site: resource.Site) -> None:
        super().__init__()
        self._node = node
        self._site = site

    async def render_get(self, request: aiocoap.Message) -> aiocoap.Message:
        self._node.requests.append(("GET", ".well-known/core"))
        if self._node.options.mute:
            await asyncio.Event().wait()
        links = self._node.options.links
        if links is None:
            links = str(self._site.get_resources_as_linkheader())
        payload = links.encode() if isinstance(links, str) else links
        return aiocoap.Message(code=aiocoap.CONTENT, payload=payload, content_format=40)


class SimulatedCoapNode:
    """One node: its aiocoap context serves its resources and sends its alives and pushes."""

    def __init__(
        self,
        uid: str = DEFAULT_UID,
        *,
        gateway: str = "::1",
        gateway_port: int = COAP_PORT,
        bind: str = "::1",
        port: int = 0,
        options: NodeOptions | None = None,
        rng: random.Random | None = None,
    ) -> None:
        """Prepare the node; `port` 0 takes a free one."""
        self.uid = uid
        self.gateway = gateway
        self.gateway_port = gateway_port
        self.bind = bind
        self.requested_port = port
        self.options = options or NodeOptions()
        self.state = NodeState(name="Python Test Node" if uid == DEFAULT_UID else f"Python Test Node {uid}")
        self.requests: list[tuple[str, str]] = []
        """(method, resource) of every request served, for tests."""
        self._rng = rng or random.Random()
        self._context: aiocoap.Context | None = None
        self._values: dict[str, _Value] = {}

    @property
    def port(self) -> int:
        """The port the node serves (and sends) on."""
        if self._context is None:
            return self.requested_port
        for manager in self._context.request_interfaces:
            interface = getattr(getattr(manager, "token_interface", None), "message_interface", None)
            if interface is not None:
                return int(interface.transport.get_extra_info("socket").getsockname()[1])
        return self.requested_port

    def text(self, name: str) -> str:
        """The payload of resource `name`."""
        state = self.state
        match name:
            case "temperature":
                return f"{state.temperature:g}°C"
            case "pressure":
                return f"{state.pressure:g}hPa"
            case "imu":
                return json.dumps(state.imu)
            case _:
                return str(getattr(state, name))

    def _site(self) -> resource.Site:
        site = resource.Site()
        names = ["board", "name"] + [
            name
            for name in ("led", "temperature", "pressure", "robot", "js", "imu")
            if getattr(self.options, name)
        ]
        for name in names:
            observable = name == "temperature" and self.options.observable_temperature
            self._values[name] = _Value(self, name, observable=observable)
            site.add_resource((name,), self._values[name])
        site.add_resource((".well-known", "core"), _Links(self, site))
        return site

    async def start(self, *, announce: bool = True, reset: bool = False) -> None:
        """Bind and (by default) send the first alive."""
        self._context = await aiocoap.Context.create_server_context(
            self._site(),
            bind=(self.bind, self.requested_port),
            transports=["udp6"],
            loggername="pyaiot_coap_node",
        )
        if announce:
            await self.send_alive(reset=reset)

    async def stop(self) -> None:
        """Close the socket."""
        context, self._context = self._context, None
        if context is not None:
            await context.shutdown()

    async def post(self, path: str, payload: str | bytes) -> aiocoap.Message:
        """POST to the gateway from the node's own socket; return the answer."""
        if self._context is None:
            raise RuntimeError("node not started")
        host = f"[{self.gateway}]" if ":" in self.gateway else self.gateway
        data = payload.encode() if isinstance(payload, str) else payload
        message = aiocoap.Message(
            code=aiocoap.POST, payload=data, uri=f"coap://{host}:{self.gateway_port}/{path}"
        )
        return await self._context.request(message).response

    async def send_alive(self, *, reset: bool = False) -> aiocoap.Message:
        """`reset:<uid>`, or `alive:<uid>` (RIOT) / `Alive:<uid>` (test node)."""
        prefix = "reset" if reset else "alive" if self.options.riot_alive else "Alive"
        return await self.post("alive", f"{prefix}:{self.uid}")

    async def push(self, name: str) -> aiocoap.Message:
        """`<name>:<value>` to `/server`."""
        return await self.post("server", f"{name}:{self.text(name)}")

    def step(self) -> None:
        """Move temperature and pressure a little; observers of `temperature` are notified."""
        self.state.temperature = round(
            min(30.0, max(18.0, self.state.temperature + self._rng.gauss(0, 0.2))), 1
        )
        self.state.pressure = round(min(1030.0, max(990.0, self.state.pressure + self._rng.gauss(0, 0.3))), 2)
        self.notify("temperature")

    def notify(self, name: str) -> None:
        """Tell observers of `name` that it changed."""
        if (value := self._values.get(name)) is not None:
            value.updated_state()

    async def on_put(self, name: str, payload: bytes) -> aiocoap.Message:
        """`led` takes `0`/`1` (2.04, then a push), `robot`/`js` any text (2.05 as upstream)."""
        text = payload.decode(errors="replace")
        if name == "led":
            if self.options.silent_led:
                await asyncio.Event().wait()
            if self.options.refuse_led or text not in {"0", "1"}:
                return aiocoap.Message(code=aiocoap.BAD_REQUEST)
            self.state.led = text
            _background(self.push("led"))
            return aiocoap.Message(code=aiocoap.CHANGED, payload=b"Updated")
        if name in {"robot", "js"}:
            setattr(self.state, name, text)
            return aiocoap.Message(code=aiocoap.CONTENT, payload=b"Updated")
        return aiocoap.Message(code=aiocoap.METHOD_NOT_ALLOWED)


_BACKGROUND: set[asyncio.Task[Any]] = set()


def _background(coroutine: Any) -> None:
    task = asyncio.get_running_loop().create_task(coroutine)
    _BACKGROUND.add(task)
    task.add_done_callback(_settled)


def _settled(task: asyncio.Task[Any]) -> None:
    """A push or alive the gateway did not answer (it stopped, or the node did) is no error of the node."""
    _BACKGROUND.discard(task)
    if not task.cancelled() and (error := task.exception()) is not None:
        _LOGGER.debug("Background request failed: %r", error)


async def run_nodes(  # noqa: C901 - three small inner loops read best together
    nodes: Sequence[SimulatedCoapNode],
    *,
    stop: asyncio.Event,
    alive_period: float = 30.0,
    push_period: float = 5.0,
) -> None:
    """Start the nodes, then alive and push periodically (spread evenly) until `stop` is set."""
    for node in nodes:
        await node.start(announce=False)
    loop = asyncio.get_running_loop()

    async def periodic(period: float, action: Any) -> None:
        spacing = period / max(1, len(nodes))
        deadline = loop.time()
        while True:
            for node in nodes:
                with contextlib.suppress(Exception):
                    await action(node)
                deadline += spacing
                await asyncio.sleep(max(0.0, deadline - loop.time()))

    async def alive(node: SimulatedCoapNode) -> None:
        _background(node.send_alive())

    async def push(node: SimulatedCoapNode) -> None:
        node.step()
        for name in ("temperature", "pressure"):
            if getattr(node.options, name):
                _background(node.push(name))

    tasks = [
        asyncio.create_task(periodic(alive_period, alive)),
        asyncio.create_task(periodic(push_period, push)),
    ]
    try:
        await stop.wait()
    finally:
        for task in tasks:
            task.cancel()
        await asyncio.gather(*tasks, return_exceptions=True)
        for node in nodes:
            await node.stop()


def make_nodes(args: argparse.Namespace) -> list[SimulatedCoapNode]:
    """Nodes from the command line: uids `<prefix>` or `<prefix>-<n>`, ports from `--port` up (0: free)."""
    options = NodeOptions(observable_temperature=args.observe, riot_alive=args.riot, imu=args.imu)
    nodes = []
    for index in range(args.nodes):
        uid = args.uid if args.nodes == 1 else f"{args.uid}-{index + 1}"
        port = args.port + index if args.port else 0
        nodes.append(
            SimulatedCoapNode(
                uid,
                gateway=args.gateway,
                gateway_port=args.gateway_port,
                bind=args.bind,
                port=port,
                options=options,
            )
        )
    return nodes


def main(argv: Sequence[str] | None = None) -> int:
    """Command line entry point."""
    parser = argparse.ArgumentParser(
        description="Simulated Pyaiot CoAP nodes (like upstream's coap-test-node.py)."
    )
    parser.add_argument("--gateway", default="::1", help="gateway address (default: %(default)s)")
    parser.add_argument(
        "--gateway-port", type=int, default=COAP_PORT, help="gateway UDP port (default: %(default)s)"
    )
    parser.add_argument("--bind", default="::1", help="address the nodes serve on (default: %(default)s)")
    parser.add_argument(
        "--port",
        type=int,
        default=COAP_PORT,
        help="UDP port of the first node, the next ones follow; 0: free ports",
    )
    parser.add_argument("--nodes", type=int, default=1)
    parser.add_argument("--uid", default=DEFAULT_UID, help="uid, or uid prefix for several nodes")
    parser.add_argument("--observe", action="store_true", help="temperature advertises obs")
    parser.add_argument("--riot", action="store_true", help="send alive:<uid> like RIOT")
    parser.add_argument("--imu", action="store_true")
    parser.add_argument("--alive-period", type=float, default=30.0)
    parser.add_argument("--push-period", type=float, default=5.0)
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
        nodes = make_nodes(args)
        _LOGGER.info("%d simulated CoAP node(s) for [%s]:%d", len(nodes), args.gateway, args.gateway_port)
        await run_nodes(nodes, stop=stop, alive_period=args.alive_period, push_period=args.push_period)

    asyncio.run(run())
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
