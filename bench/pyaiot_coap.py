"""Pyaiot CoAP benchmark: ingest of 1,000 pushing nodes, and the request cost of re-announcing nodes.

Run from the repository root:

    .venv/bin/python bench/pyaiot_coap.py [--nodes 1000 --rate 1 --seconds 10 --alive-nodes 1000]

1. Ingest. A separate process (this script with `--load`) plays N nodes, each on its own loopback
   address (127.0.x.y), each POSTing `temperature:<v>°C` to `/server` (NON, fresh message ids) R
   times a second. The same datagrams go, one after the other in this run, to:
   - `core`: PyIoT's `PyaiotCoapGateway` (nodes restored with their addresses; a counting listener);
   - `bare`: a bare aiocoap server whose `/server` resource only counts (the anchor: the limit of
     aiocoap on this machine).
   Printed: values/s received and the CPU share of one core of this process while receiving, and
   the ratios core/bare. `ha` (in `--sides`, by default) is the PyIoT CoAP entry inside a real Home
   Assistant in this process (`bench/ha_harness.py`, no recorder): the nodes are known from a previous
   run (HA's storage, and the gateway knows their addresses as after their alives), each push becomes
   a state write of its temperature entity; printed: values/s, state writes/s and HA's CPU share.
   For each side also: datagrams the kernel dropped because the socket's receive buffer was full
   (`/proc/net/udp*`), its SO_RCVBUF, and the generator's late sends (bursts after it was
   descheduled). `--stall S` blocks the receiving loop S s every second (a busy Home Assistant loop);
   `--core-receive-buffer 106496` gives `core` the kernel's default buffer (PyIoT before issue 9),
   `--bare-receive-buffer 4194304` the bare server PyIoT's (aiocoap keeps the kernel's default).
2. Alive handling. N simulated nodes (aiocoap servers on ::1) announce themselves 3 times; requests
   sent to the nodes are counted for PyIoT's gateway (discovery once) and for the same gateway with
   upstream's policy (rediscover on every alive), and given per minute at the nodes' 30 s beacon.

Figures are printed, nothing is asserted.
"""

import argparse
import asyncio
from collections.abc import Callable
import contextlib
from dataclasses import dataclass
import json
import logging
import os
from pathlib import Path
import shutil
import socket
import struct
import subprocess
import sys
import tempfile
import time
from typing import Any, Protocol, override

import aiocoap
from aiocoap import resource
import bench_paths  # noqa: F401 - first: sets sys.path

from custom_components.pyiot.core.protocols.pyaiot.coap import PyaiotCoapGateway
from custom_components.pyiot.core.protocols.pyaiot.coap_settings import DEFAULT_RECEIVE_BUFFER, CoapSettings
from tools.simulators.pyaiot_coap_node import NodeOptions, SimulatedCoapNode

BEACON_PERIOD = 30.0
LATE = 0.05
"""A datagram sent this long after its time is counted late (the load generator was descheduled and
sends a burst to catch up)."""
LOGGER = logging.getLogger("custom_components.pyiot.bench")


def node_address(index: int) -> str:
    return f"127.0.{1 + index // 250}.{1 + index % 250}"


# --- load generator (separate process) ---------------------------------------------------------


def run_load(port: int, nodes: int, rate: float, seconds: float) -> None:
    """Send every node's pushes, spread evenly, for `seconds`; print how many were sent."""
    sockets = []
    for index in range(nodes):
        sock = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
        sock.bind((node_address(index), 0))
        sock.setblocking(False)  # noqa: FBT003
        sockets.append(sock)
    header = b"\xb6server\xff"
    interval = 1.0 / (nodes * rate)
    sent = 0
    late = 0
    mid = 0
    print("start", flush=True)
    start = time.perf_counter()
    deadline = start
    end = start + seconds
    rounds = 0
    while deadline < end:
        # Each node's value differs from its previous one: PyIoT's hub writes no unchanged value.
        rounds += 1
        payload = f"temperature:{20 + rounds % 50 / 10:.1f}°C".encode()
        for sock in sockets:
            mid = (mid + 1) & 0xFFFF
            try:
                sock.sendto(struct.pack("!BBH", 0x50, 0x02, mid) + header + payload, ("127.0.0.1", port))
                sent += 1
            except BlockingIOError:
                pass
            deadline += interval
            delay = deadline - time.perf_counter()
            if delay > 0:
                time.sleep(delay)
            elif delay < -LATE:
                late += 1
    print(sent, late, flush=True)


# --- gateway sides -----------------------------------------------------------------------------


class Side(Protocol):
    """A receiver of the pushes: starts on a free port, counts the values it took in."""

    name: str

    async def start(self, nodes: int) -> int: ...
    def received(self) -> int: ...
    async def stop(self) -> None: ...


class _CountingListener:
    def __init__(self) -> None:
        self.values = 0

    def node_seen(self, node: Any) -> None: ...
    def points_seen(self, node_id: str, points: Any) -> None: ...
    def node_lost(self, node_id: str) -> None: ...
    def point_unavailable(self, node_id: str, key: str) -> None: ...

    def value_received(self, node_id: str, key: str, value: Any) -> None:
        self.values += 1


class CoreSide:
    """PyIoT's gateway with every node restored at its address."""

    name = "core"

    def __init__(self) -> None:
        self._listener = _CountingListener()
        self._gateway: PyaiotCoapGateway | None = None

    async def start(self, nodes: int) -> int:
        self._gateway = PyaiotCoapGateway(
            self._listener,
            CoapSettings(port=0, addresses=("127.0.0.1",), receive_buffer=CORE_RECEIVE_BUFFER[0]),
            logger=LOGGER,
        )
        self._gateway.restore_nodes(
            {"node_id": f"node-{index}", "address": node_address(index), "resources": ["temperature"]}
            for index in range(nodes)
        )
        await self._gateway.async_start()
        return self._gateway.port

    def received(self) -> int:
        return self._listener.values

    def notes(self) -> str:
        diagnostics = self._gateway.diagnostics() if self._gateway is not None else {}
        buffers = self._gateway.receive_buffer_sizes if self._gateway is not None else []
        return (
            f"SO_RCVBUF {buffers}, replies {diagnostics.get('replies')}, dropped {diagnostics.get('dropped')}"
        )

    async def stop(self) -> None:
        if self._gateway is not None:
            await self._gateway.async_stop()


class _Counter(resource.Resource):  # type: ignore[misc]
    def __init__(self) -> None:
        super().__init__()
        self.count = 0

    async def render_post(self, request: aiocoap.Message) -> aiocoap.Message:
        self.count += 1
        return aiocoap.Message(code=aiocoap.CHANGED)


class BareSide:
    """A bare aiocoap server: the anchor."""

    name = "bare"

    def __init__(self) -> None:
        self._counter = _Counter()
        self._context: aiocoap.Context | None = None
        self._socket: Any = None

    async def start(self, nodes: int) -> int:
        site = resource.Site()
        site.add_resource(("server",), self._counter)
        self._context = await aiocoap.Context.create_server_context(
            site, bind=("127.0.0.1", 0), transports=["udp6"], loggername="bench.bare"
        )
        interface = self._context.request_interfaces[0].token_interface.message_interface
        self._socket = interface.transport.get_extra_info("socket")
        if BARE_RECEIVE_BUFFER[0]:
            self._socket.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, BARE_RECEIVE_BUFFER[0])
        return int(self._socket.getsockname()[1])

    def received(self) -> int:
        return self._counter.count

    def notes(self) -> str:
        return f"SO_RCVBUF {self._socket.getsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF)}"

    async def stop(self) -> None:
        if self._context is not None:
            await self._context.shutdown()


class HaSide:
    """The Pyaiot CoAP entry of PyIoT in a real Home Assistant of this process; counts state writes."""

    name = "ha"

    def __init__(self) -> None:
        self._workdir = Path(tempfile.mkdtemp(prefix="pyiot-bench-coap-"))
        self._hass: Any = None
        self._writes = 0
        self._unsubscribe: Callable[[], None] | None = None
        self._gateway: PyaiotCoapGateway | None = None

    async def start(self, nodes: int) -> int:
        import ha_harness  # noqa: PLC0415
        from homeassistant.config_entries import ConfigEntryState  # noqa: PLC0415
        from homeassistant.const import EVENT_STATE_CHANGED, EVENT_STATE_REPORTED  # noqa: PLC0415
        from homeassistant.core import callback  # noqa: PLC0415

        from custom_components.pyiot.systems.pyaiot import coap  # noqa: PLC0415

        config_dir = ha_harness.make_config_dir(self._workdir / "ha")
        entry_id = "01BENCHPYAIOTCOAP"
        _write_known_nodes(config_dir / ".storage" / f"pyiot.{entry_id}", nodes)
        self._hass = hass = await ha_harness.start_hass(config_dir)
        port = free_udp_port()
        entry = ha_harness.new_entry(
            "pyiot",
            {"entry_type": "pyaiot_coap", "port": port},
            title=coap.title(port),
            options={
                "node_timeout": 3600,
                "node_port": 5683,
                "reread_interval": 0,
                "limits": {"max_nodes": 10_000, "new_nodes_per_minute": 0, "discovery_per_minute": 0},
            },
            unique_id=coap.unique_id(port),
            entry_id=entry_id,
        )
        await hass.config_entries.async_add(entry)
        await hass.async_block_till_done()
        if entry.state is not ConfigEntryState.LOADED:
            raise RuntimeError(f"the CoAP entry did not load: {entry.state} {entry.reason}")
        self._gateway = gateway = entry.runtime_data.transport
        # After a restart the gateway learns each node's address from its alive; the load generator
        # sends no alives, so the addresses are given as if they had come.
        for index in range(nodes):
            gateway.forget_node(f"node-{index}")
        gateway.restore_nodes(
            {"node_id": f"node-{index}", "address": node_address(index), "resources": ["temperature"]}
            for index in range(nodes)
        )

        @callback
        def count(event: Any) -> None:
            # A value written: changed, or reported unchanged; not the availability writes.
            new = event.data["new_state"]
            if new is not None and new.state not in {"unknown", "unavailable"}:
                self._writes += 1

        @callback
        def sensors_only(data: Any) -> bool:
            return bool(data["entity_id"].startswith("sensor."))

        unsubscribes = [
            hass.bus.async_listen(kind, count, sensors_only)
            for kind in (EVENT_STATE_CHANGED, EVENT_STATE_REPORTED)
        ]
        self._unsubscribe = lambda: [unsubscribe() for unsubscribe in unsubscribes] and None
        return port

    def received(self) -> int:
        return self._writes

    def notes(self) -> str:
        diagnostics = self._gateway.diagnostics() if self._gateway is not None else {}
        dropped = diagnostics.get("dropped")
        buffers = self._gateway.receive_buffer_sizes if self._gateway is not None else []
        return (
            f"SO_RCVBUF {buffers}; received = values written to entity states (changed or reported);"
            f" gateway replies {diagnostics.get('replies')}, dropped {dropped}"
        )

    async def stop(self) -> None:
        import ha_harness  # noqa: PLC0415

        if self._unsubscribe is not None:
            self._unsubscribe()
        if self._hass is not None:
            await ha_harness.stop_hass(self._hass)
        shutil.rmtree(self._workdir, ignore_errors=True)


def _write_known_nodes(path: Path, nodes: int) -> None:
    """HA's storage of the entry's hub as a previous run left it: every node with its temperature."""
    records = {
        f"node-{index}": {
            "info": {"node_id": f"node-{index}", "name": f"Node {index}", "manufacturer": "RIOT"},
            "points": [
                {
                    "key": "temperature",
                    "kind": "sensor",
                    "device_class": "temperature",
                    "unit": "°C",
                    "state_class": "measurement",
                    "suggested_precision": 1,
                }
            ],
            "confirmed": True,
        }
        for index in range(nodes)
    }
    body = {"version": 1, "minor_version": 2, "key": path.name, "data": {"nodes": records}}
    path.write_text(json.dumps(body), encoding="utf-8")


def kernel_drops(port: int) -> int:
    """Datagrams the kernel dropped for the UDP sockets on `port` (full receive buffer), from /proc."""
    drops = 0
    for table in ("/proc/net/udp", "/proc/net/udp6"):
        with contextlib.suppress(OSError):
            for line in Path(table).read_text(encoding="ascii").splitlines()[1:]:
                fields = line.split()
                if int(fields[1].rsplit(":", 1)[1], 16) == port:
                    drops += int(fields[-1])
    return drops


def free_udp_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


CORE_RECEIVE_BUFFER = [DEFAULT_RECEIVE_BUFFER]
"""SO_RCVBUF asked for by the `core` side (`--core-receive-buffer`)."""

BARE_RECEIVE_BUFFER = [0]
"""SO_RCVBUF set on the `bare` side's socket (`--bare-receive-buffer`); 0: aiocoap's (kernel default)."""

SIDES: dict[str, Callable[[], Side]] = {"core": CoreSide, "bare": BareSide, "ha": HaSide}


@dataclass
class IngestResult:
    side: str
    sent: int
    received: int
    seconds: float
    cpu_seconds: float

    @property
    def rate(self) -> float:
        return self.received / self.seconds

    @property
    def cpu_share(self) -> float:
        return self.cpu_seconds / self.seconds


async def _stall_loop(stall: float) -> None:
    """Block the receiving event loop for `stall` s every second, as a busy Home Assistant loop does."""
    while True:
        await asyncio.sleep(1.0 - stall)
        time.sleep(stall)  # noqa: ASYNC251 - the point: nothing is read meanwhile


async def ingest(side: Side, nodes: int, rate: float, seconds: float, stall: float = 0.0) -> IngestResult:
    port = await side.start(nodes)
    staller = asyncio.create_task(_stall_loop(stall)) if stall > 0 else None
    try:
        command = [sys.executable, __file__, "--load", str(port), str(nodes), str(rate), str(seconds)]
        before = side.received()  # before the load starts: its first datagram may beat the "start" line
        process = await asyncio.create_subprocess_exec(*command, stdout=subprocess.PIPE)
        if process.stdout is None:
            raise RuntimeError("no pipe")
        await process.stdout.readline()  # "start": the sockets are bound, sending begins
        cpu, wall = time.process_time(), time.perf_counter()
        drops = kernel_drops(port)
        output = await process.stdout.read()
        await process.wait()
        if staller is not None:
            staller.cancel()
        # The datagrams still queued in the socket: until nothing more comes (a fixed wait cut off
        # the backlog of a stalled loop).
        count = -1
        while count != side.received():
            count = side.received()
            await asyncio.sleep(0.3)
        cpu, wall = time.process_time() - cpu, time.perf_counter() - wall
        sent, late = (int(number) for number in output.decode().split())
        notes = getattr(side, "notes", lambda: "")()
        print(
            f"  ({side.name}: dropped by the kernel (receive buffer full) {kernel_drops(port) - drops},"
            f" sent late by the load generator {late}; {notes})"
        )
        return IngestResult(side.name, sent, side.received() - before, wall, cpu)
    finally:
        if staller is not None:
            staller.cancel()
        await side.stop()


# --- alive handling ----------------------------------------------------------------------------


class UpstreamPolicyGateway(PyaiotCoapGateway):
    """The same gateway with upstream's policy: every alive is a new node, rediscovered."""

    @override
    def handle_alive(self, payload: bytes, remote: Any) -> aiocoap.Message:
        reply = super().handle_alive(payload, remote)
        for node in self._nodes.values():
            node.discovered = False
        return reply


async def alive_cost(gateway_class: type[PyaiotCoapGateway], nodes: int, rounds: int) -> list[int]:
    """Requests sent to the nodes in each round of alives."""
    gateway = gateway_class(
        _CountingListener(), CoapSettings(port=0, node_port=None, request_timeout=5.0), logger=LOGGER
    )  # type: ignore[arg-type]
    await gateway.async_start()
    options = NodeOptions(robot=False, js=False)
    simulated = [
        SimulatedCoapNode(f"n{i}", gateway="::1", gateway_port=gateway.port, options=options)
        for i in range(nodes)
    ]
    per_round = []
    try:
        for node in simulated:
            await node.start(announce=False)
        for _ in range(rounds):
            before = sum(gateway.requests_sent.values())
            for chunk in range(0, nodes, 50):
                results = await asyncio.gather(
                    *(node.send_alive() for node in simulated[chunk : chunk + 50]), return_exceptions=True
                )
                failed = [r for r in results if isinstance(r, BaseException)]
                if failed:
                    print(f"  ({len(failed)} alives unanswered: {failed[0]!r})")
            await gateway.async_idle()
            per_round.append(sum(gateway.requests_sent.values()) - before)
    finally:
        for node in simulated:
            await node.stop()
        await gateway.async_stop()
    return per_round


async def main(args: argparse.Namespace) -> None:
    logging.basicConfig(level=logging.ERROR)
    print(
        f"Pyaiot CoAP ingest: {args.nodes} nodes x {args.rate:g} value/s for {args.seconds:g} s, load from a separate process"  # noqa: E501
        + (f"; the receiving loop blocked {args.stall:g} s every second" if args.stall else "")
    )
    # Home Assistant last: a stopped HA leaves timers in its loop (http's config check, ...).
    sides = sorted(args.sides.split(","), key=lambda name: name == "ha")
    results = {}
    for name in sides:
        result = await ingest(SIDES[name](), args.nodes, args.rate, args.seconds, args.stall)
        results[name] = result
        print(
            f"  {name:5s}: sent {result.sent}, received {result.received}"
            f" ({result.received / max(1, result.sent):.1%}), {result.rate:,.0f} values/s,"
            f" CPU {result.cpu_share:.1%} of one core"
        )
    for name in ("core", "ha"):
        if name in results and "bare" in results:
            side, bare = results[name], results["bare"]
            per_value = side.cpu_seconds / max(side.received, 1)
            bare_per_value = bare.cpu_seconds / max(bare.received, 1)
            print(
                f"  ratio {name}/bare: values/s {side.rate / bare.rate:.2f},"
                f" CPU {side.cpu_share / max(bare.cpu_share, 1e-9):.2f},"
                f" CPU per value {per_value / bare_per_value:.2f}"
            )


async def alive_main(args: argparse.Namespace) -> None:
    print(
        f"\nAlive handling: {args.alive_nodes} nodes re-announcing, {args.rounds} rounds of alives (beacon {BEACON_PERIOD:g} s)"  # noqa: E501
    )
    if args.alive_nodes <= 0:
        return
    ours = await alive_cost(PyaiotCoapGateway, args.alive_nodes, args.rounds)
    theirs = await alive_cost(UpstreamPolicyGateway, args.alive_nodes, args.rounds)
    per_minute = 60 / BEACON_PERIOD
    print(
        f"  PyIoT (discover once):          requests per round {ours}; steady state {ours[-1] * per_minute:,.0f} requests/min"  # noqa: E501
    )
    print(
        f"  upstream policy (every alive):  requests per round {theirs}; steady state {theirs[-1] * per_minute:,.0f} requests/min"  # noqa: E501
    )
    saved = theirs[-1] * per_minute - ours[-1] * per_minute
    print(f"  saved: {saved:,.0f} requests/min to the nodes")


if __name__ == "__main__":
    if len(sys.argv) > 1 and sys.argv[1] == "--load":
        run_load(int(sys.argv[2]), int(sys.argv[3]), float(sys.argv[4]), float(sys.argv[5]))
        raise SystemExit(0)
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--nodes", type=int, default=1000)
    parser.add_argument("--rate", type=float, default=1.0, help="values per second per node")
    parser.add_argument("--seconds", type=float, default=10.0)
    parser.add_argument("--sides", default="core,bare,ha", help=f"comma-separated of {sorted(SIDES)}")
    parser.add_argument("--alive-nodes", type=int, default=1000)
    parser.add_argument(
        "--core-receive-buffer",
        type=int,
        default=DEFAULT_RECEIVE_BUFFER,
        help="SO_RCVBUF the core side asks for (106496: the kernel's default 212992, as before issue 9)",
    )
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument(
        "--bare-receive-buffer", type=int, default=0, help="SO_RCVBUF of the bare side; 0: aiocoap's"
    )
    parser.add_argument(
        "--stall", type=float, default=0.0, help="seconds the receiving loop is blocked every second (< 1)"
    )
    os.chdir(Path(__file__).resolve().parent.parent)
    import ha_harness

    ha_harness.quiet_logging()
    arguments = parser.parse_args()
    CORE_RECEIVE_BUFFER[0] = arguments.core_receive_buffer
    BARE_RECEIVE_BUFFER[0] = arguments.bare_receive_buffer
    ha_harness.run_hass(lambda: main(arguments))  # a loop of its own, as Home Assistant's
    asyncio.run(alive_main(arguments))
