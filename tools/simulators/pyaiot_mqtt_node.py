"""Simulated Pyaiot MQTT nodes, behaving like upstream's `utils/mqtt/mqtt-test-node.py` (pyaiot.md §4).

Each node has the resources name, os, board, led, temperature and pressure; it publishes `node/check`
at start, every 30 s and in answer to `gateway/check`; it answers `gateway/<id>/discover` with its
resource list (`resources`) or all its values (`values`); it accepts `0`/`1` on `gateway/<id>/led/set`
and echoes the new state on `node/<id>/led`; temperature (every 5 s) and pressure (every 10 s) follow
a random walk. Unlike upstream, periodic values are published from the start (as RIOT nodes do), not
only after a discovery, and a repeated discovery does not start more publishers.

One MQTT connection serves every simulated node, so thousands fit in one process:

    python -m tools.simulators.pyaiot_mqtt_node --port 1883 --nodes 1000

`SimulatedNode` holds one node's state and replies without any I/O; `run_nodes` connects them to a
broker.
"""

import argparse
import asyncio
from collections.abc import Callable, Iterable, Sequence
import contextlib
from dataclasses import dataclass
import json
import logging
import random
import signal
import uuid

import aiomqtt

DEFAULT_NODE_ID = "mqtt_test_node"
RESOURCES = ("name", "os", "board", "led", "temperature", "pressure")
SUBSCRIPTIONS = ("gateway/check", "gateway/+/discover", "gateway/+/led/set")
MAX_IN_FLIGHT = 1000
"""Publications awaiting the broker's acknowledgement at once."""

_LOGGER = logging.getLogger("pyaiot_mqtt_node")


@dataclass(frozen=True, slots=True)
class Message:
    """One MQTT message a node publishes."""

    topic: str
    payload: bytes


@dataclass(frozen=True, kw_only=True, slots=True)
class Periods:
    """Seconds between periodic publications of every node."""

    temperature: float = 5.0
    pressure: float = 10.0
    check: float = 30.0


class SimulatedNode:
    """State and replies of one node, without I/O."""

    def __init__(self, node_id: str = DEFAULT_NODE_ID, *, rng: random.Random | None = None) -> None:
        """Create a node with the LED off and plausible first readings."""
        self.node_id = node_id
        # Upstream's single test node is "MQTT test node"; several are numbered as a user would name them.
        number = node_id.rpartition("-")[2]
        self.name = "MQTT test node" if node_id == DEFAULT_NODE_ID else f"Test node {number}"
        self.os = "riot"
        self.board = "native"
        self.led = False
        self._rng = rng or random.Random()
        self.temperature = self._rng.uniform(20.0, 25.0)
        self.pressure = self._rng.uniform(1008.0, 1018.0)

    def check(self) -> Message:
        """The keepalive `node/check`."""
        return Message("node/check", json.dumps({"id": self.node_id}).encode())

    def resources(self) -> Message:
        """The answer to `discover` `resources`."""
        return Message(f"node/{self.node_id}/resources", json.dumps(list(RESOURCES)).encode())

    def value(self, resource: str, *, ascii_only: bool = False) -> Message:
        r"""The current value of `resource`.

        Upstream's discovery answers escape `°` as `\u00b0` while its periodic publications send raw
        UTF-8; `ascii_only` chooses the former.
        """
        text = {
            "name": self.name,
            "os": self.os,
            "board": self.board,
            "led": "1" if self.led else "0",
            "temperature": f"{self.temperature:.1f}°C",
            "pressure": f"{self.pressure:.1f}hPa",
        }[resource]
        payload = json.dumps({"value": text}, ensure_ascii=ascii_only)
        return Message(f"node/{self.node_id}/{resource}", payload.encode())

    def values(self) -> list[Message]:
        """The answer to `discover` `values`: every resource once."""
        return [self.value(resource, ascii_only=True) for resource in RESOURCES]

    def next_temperature(self) -> Message:
        """Move the temperature a little (20 to 25 °C) and publish it."""
        self.temperature = min(25.0, max(20.0, self.temperature + self._rng.gauss(0.0, 0.2)))
        return self.value("temperature")

    def next_pressure(self) -> Message:
        """Move the pressure a little (1000 to 1025 hPa) and publish it."""
        self.pressure = min(1025.0, max(1000.0, self.pressure + self._rng.gauss(0.0, 0.3)))
        return self.value("pressure")

    def handle(self, topic: str, payload: bytes) -> list[Message]:
        """Replies to one message from the gateway (`topic` is the full topic)."""
        text = payload.decode(errors="replace").strip()
        if topic == "gateway/check":
            return [self.check()]
        if topic == f"gateway/{self.node_id}/discover":
            if text == "resources":
                return [self.resources()]
            if text == "values":
                return self.values()
        elif topic == f"gateway/{self.node_id}/led/set" and text in {"0", "1"}:
            self.led = text == "1"
            return [self.value("led")]
        _LOGGER.debug("%s ignores %s %r", self.node_id, topic, text[:40])
        return []


def node_ids(count: int, prefix: str = DEFAULT_NODE_ID) -> list[str]:
    """`[prefix]` for one node, else `prefix-1` to `prefix-<count>`."""
    if count == 1:
        return [prefix]
    return [f"{prefix}-{index}" for index in range(1, count + 1)]


def make_nodes(ids: Iterable[str], seed: int | None = None) -> dict[str, SimulatedNode]:
    """Nodes by id; with a seed each node's readings are reproducible whatever the other nodes are."""
    return {
        node_id: SimulatedNode(node_id, rng=random.Random(None if seed is None else f"{seed}/{node_id}"))
        for node_id in ids
    }


def route(nodes: dict[str, SimulatedNode], topic: str, payload: bytes) -> list[Message]:
    """Replies of the addressed nodes (every node for `gateway/check`) to one gateway message."""
    if topic == "gateway/check":
        return [node.check() for node in nodes.values()]
    levels = topic.split("/")
    node = nodes.get(levels[1]) if len(levels) > 2 and levels[0] == "gateway" else None
    return node.handle(topic, payload) if node else []


class _Connection:
    """The simulated nodes on one MQTT client: routing, periodic publications, pipelined publishing."""

    def __init__(self, client: aiomqtt.Client, nodes: dict[str, SimulatedNode], qos: int) -> None:
        self._client = client
        self._nodes = nodes
        self._qos = qos
        self._outbox: asyncio.Queue[Message] = asyncio.Queue()
        self._in_flight = asyncio.Semaphore(MAX_IN_FLIGHT)
        self._publishing: set[asyncio.Task[None]] = set()
        self._tasks: list[asyncio.Task[None]] = []

    def start(self, periods: Periods) -> list[asyncio.Task[None]]:
        """Queue every node's first check and start the tasks that do the rest."""
        self.send(node.check() for node in self._nodes.values())
        self._tasks = [
            asyncio.create_task(self._send()),
            asyncio.create_task(self._receive()),
            asyncio.create_task(self._periodic(periods.temperature, SimulatedNode.next_temperature)),
            asyncio.create_task(self._periodic(periods.pressure, SimulatedNode.next_pressure)),
            asyncio.create_task(self._periodic(periods.check, SimulatedNode.check)),
        ]
        return self._tasks

    async def close(self) -> list[BaseException | None]:
        """Cancel everything; return what each task ended with."""
        tasks = [*self._tasks, *self._publishing]
        for task in tasks:
            task.cancel()
        results = await asyncio.gather(*tasks, return_exceptions=True)
        return [None if isinstance(result, asyncio.CancelledError) else result for result in results]

    def send(self, messages: Iterable[Message]) -> None:
        """Queue messages for publication, in order."""
        for message in messages:
            self._outbox.put_nowait(message)

    async def _send(self) -> None:
        # Each publication waits for its acknowledgement in its own task, so many are in flight; tasks
        # start in creation order, so messages reach the wire in the order they were queued.
        while True:
            message = await self._outbox.get()
            await self._in_flight.acquire()
            task = asyncio.create_task(self._client.publish(message.topic, message.payload, qos=self._qos))
            self._publishing.add(task)
            task.add_done_callback(self._published)

    def _published(self, task: asyncio.Task[None]) -> None:
        self._publishing.discard(task)
        self._in_flight.release()
        if not task.cancelled() and (error := task.exception()) is not None:
            _LOGGER.debug("Publication failed: %s", error)  # a lost connection also ends _receive

    async def _receive(self) -> None:
        async for message in self._client.messages:
            payload = message.payload if isinstance(message.payload, bytes) else b""
            _LOGGER.debug("Received %s %r", message.topic.value, payload[:80])
            self.send(route(self._nodes, message.topic.value, payload))

    async def _periodic(self, period: float, step: Callable[[SimulatedNode], Message]) -> None:
        """Publish `step` of every node once per `period`, spread evenly over the period."""
        loop = asyncio.get_running_loop()
        spacing = period / max(1, len(self._nodes))
        deadline = loop.time()
        while True:
            for node in list(self._nodes.values()):
                deadline += spacing
                await asyncio.sleep(max(0.0, deadline - loop.time()))
                self.send([step(node)])


async def run_nodes(
    host: str,
    port: int,
    count: int = 1,
    *,
    stop: asyncio.Event,
    prefix: str = DEFAULT_NODE_ID,
    ids: Sequence[str] | None = None,
    periods: Periods = Periods(),
    seed: int | None = None,
    qos: int = 1,
    ready: asyncio.Event | None = None,
    nodes: dict[str, SimulatedNode] | None = None,
) -> None:
    """Run simulated nodes on the broker at `host`:`port` until `stop` is set.

    Nodes are `nodes` if given (so a caller can look at their state), else made from `ids`, or from
    `count` and `prefix` (see `node_ids`). `ready` is set once subscribed and every node's first
    `node/check` is queued. Raises `aiomqtt.MqttError` when the broker cannot be reached or the
    connection is lost.
    """
    if nodes is None:
        nodes = make_nodes(ids if ids is not None else node_ids(count, prefix), seed)
    identifier = f"pyaiot-sim-{uuid.uuid4().hex[:12]}"
    client = aiomqtt.Client(host, port, identifier=identifier, max_inflight_messages=MAX_IN_FLIGHT)
    client.pending_calls_threshold = MAX_IN_FLIGHT + len(SUBSCRIPTIONS)
    async with client:
        for topic in SUBSCRIPTIONS:
            await client.subscribe(topic, qos)
        connection = _Connection(client, nodes, qos)
        tasks = connection.start(periods)
        if ready is not None:
            ready.set()
        stopping = asyncio.create_task(stop.wait())
        try:
            await asyncio.wait([stopping, *tasks], return_when=asyncio.FIRST_COMPLETED)
        finally:
            stopping.cancel()
            await asyncio.gather(stopping, return_exceptions=True)
            results = await connection.close()
        for result in results:
            if isinstance(result, Exception):
                raise result


def _parse_args(argv: Sequence[str] | None) -> argparse.Namespace:
    defaults = Periods()
    parser = argparse.ArgumentParser(
        description="Simulated Pyaiot MQTT nodes (like upstream's mqtt-test-node.py)."
    )
    parser.add_argument("--host", default="127.0.0.1", help="MQTT broker host (default: %(default)s)")
    parser.add_argument("--port", type=int, default=1883, help="MQTT broker port (default: %(default)s)")
    parser.add_argument("--nodes", type=int, default=1, help="number of nodes (default: %(default)s)")
    parser.add_argument(
        "--prefix",
        default=DEFAULT_NODE_ID,
        help="node id for one node, id prefix (<prefix>-<n>) for several (default: %(default)s)",
    )
    parser.add_argument("--temperature-period", type=float, default=defaults.temperature, metavar="SECONDS")
    parser.add_argument("--pressure-period", type=float, default=defaults.pressure, metavar="SECONDS")
    parser.add_argument("--check-period", type=float, default=defaults.check, metavar="SECONDS")
    parser.add_argument("--qos", type=int, choices=(0, 1, 2), default=1)
    parser.add_argument("--seed", type=int, help="make the readings reproducible")
    parser.add_argument(
        "--duration", type=float, help="stop after this many seconds (default: run until Ctrl-C)"
    )
    parser.add_argument("-v", "--verbose", action="store_true", help="log every message handled")
    args = parser.parse_args(argv)
    if args.nodes < 1:
        parser.error("--nodes must be at least 1")
    if min(args.temperature_period, args.pressure_period, args.check_period) <= 0:
        parser.error("periods must be positive")
    return args


async def _main(args: argparse.Namespace) -> None:
    stop = asyncio.Event()
    loop = asyncio.get_running_loop()
    for signum in (signal.SIGINT, signal.SIGTERM):
        with contextlib.suppress(NotImplementedError):  # not on Windows
            loop.add_signal_handler(signum, stop.set)
    if args.duration is not None:
        loop.call_later(args.duration, stop.set)
    periods = Periods(
        temperature=args.temperature_period, pressure=args.pressure_period, check=args.check_period
    )
    ready = asyncio.Event()
    runner = asyncio.create_task(
        run_nodes(
            args.host,
            args.port,
            args.nodes,
            stop=stop,
            prefix=args.prefix,
            periods=periods,
            seed=args.seed,
            qos=args.qos,
            ready=ready,
        )
    )
    waiting = asyncio.create_task(ready.wait())
    await asyncio.wait([runner, waiting], return_when=asyncio.FIRST_COMPLETED)
    waiting.cancel()
    if ready.is_set():
        _LOGGER.info("%d simulated node(s) on %s:%d; Ctrl-C stops", args.nodes, args.host, args.port)
    await runner


def main(argv: Sequence[str] | None = None) -> int:
    """Command line entry point."""
    args = _parse_args(argv)
    logging.basicConfig(
        level=logging.DEBUG if args.verbose else logging.INFO, format="%(asctime)s %(message)s"
    )
    try:
        asyncio.run(_main(args))
    except aiomqtt.MqttError as err:
        _LOGGER.error("MQTT broker %s:%d: %s", args.host, args.port, err)  # noqa: TRY400 - no traceback
        return 1
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
