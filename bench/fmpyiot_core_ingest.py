"""Ingest benchmark of the HA-free FmPyIOT gateway, against a bare aiomqtt subscriber in the same run.

Run from the repository root:

    .venv/bin/python bench/fmpyiot_core_ingest.py [--devices 100 --topics 5 --messages 20000 --reps 3]

It starts its own mosquitto and drives it from a separate process (tools/simulators/fmpyiot_load.py,
pre-encoded QoS 0 packets on a plain socket), with 10,000 unrelated retained topics on the broker:

1. Gateway: `FmPyIotGateway` over a link that dispatches like Home Assistant's MQTT client (one
   connection, matching subscriptions cached per topic). 100 devices x 5 numeric topics are announced
   (SYSINFO, one value each), then K value messages are published. Rate = values reported to the
   listener / (last report - first message published); CPU per message from `time.process_time()`.
2. Anchor: a bare aiomqtt client with the same subscriptions counting the same K messages.
3. Unrelated traffic: 10,000 unrelated updates published while each one listens: how many reach it,
   and this process's CPU per unrelated message (the gateway's subscriptions let the broker filter);
   the anchor for that is the bare client subscribed to `#`, which receives them all.
4. Dispatch micro-costs: one call of the gateway's message handlers for a known point, a request echo,
   a topic beyond the per-device cap and a FEED (µs per call, the floor of the per-message cost).

Printed figures, not assertions.
"""

import argparse
import asyncio
from collections.abc import Callable, Sequence
import contextlib
from dataclasses import dataclass, field
from functools import lru_cache
import gc
import json
from pathlib import Path
import statistics
import subprocess
import sys
import tempfile
import time
import timeit
from typing import Any, Self
import uuid

import aiomqtt
from bench_paths import REPO_ROOT  # first: sets sys.path

from custom_components.pyiot.core.nodes.model import NodeInfo, PointSpec
from custom_components.pyiot.core.protocols.fmpyiot import FmPyIotGateway
from custom_components.pyiot.core.protocols.fmpyiot.topics import TIME_REQUEST_TOPIC, discovery_filters
from custom_components.pyiot.core.protocols.mqtt_link import MessageCallback, Unsubscribe
from tests.support.mosquitto import start_mosquitto
from tools.simulators import fmpyiot_load

PROCESS_TIMEOUT = 120.0
gateway_filters = discovery_filters()


class CachedLink:
    """`MqttLink` on one aiomqtt client; matching subscriptions cached per topic, as HA's client does."""

    def __init__(self, host: str, port: int) -> None:
        self._client = aiomqtt.Client(
            host, port, identifier=f"pyiot-bench-{uuid.uuid4().hex[:10]}", max_inflight_messages=1000
        )
        self._client.pending_calls_threshold = 1_000_000
        self._subscriptions: list[tuple[str, MessageCallback]] = []
        self._reader: asyncio.Task[None] | None = None
        self.received = 0
        self.subscribed: list[str] = []

    async def __aenter__(self) -> Self:
        await self._client.__aenter__()
        self._reader = asyncio.create_task(self._read())
        return self

    async def __aexit__(self, *exc: object) -> None:
        if self._reader is not None:
            self._reader.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await self._reader
        await self._client.__aexit__(None, None, None)

    async def async_subscribe(self, topic: str, callback: MessageCallback, qos: int = 1) -> Unsubscribe:
        entry = (topic, callback)
        self._subscriptions.append(entry)
        self._matching.cache_clear()
        await self._client.subscribe(topic, qos)
        self.subscribed.append(topic)

        def unsubscribe() -> None:
            if entry in self._subscriptions:
                self._subscriptions.remove(entry)
                self._matching.cache_clear()

        return unsubscribe

    async def async_publish(
        self, topic: str, payload: str | bytes, qos: int = 1, retain: bool = False
    ) -> None:
        await self._client.publish(topic, payload, qos=qos, retain=retain)

    @lru_cache(maxsize=8192)  # noqa: B019 - one link per run
    def _matching(self, topic: str) -> tuple[MessageCallback, ...]:
        return tuple(
            callback for pattern, callback in self._subscriptions if aiomqtt.Topic(topic).matches(pattern)
        )

    async def _read(self) -> None:
        async for message in self._client.messages:
            self.received += 1
            payload = message.payload if isinstance(message.payload, bytes) else str(message.payload).encode()
            for callback in self._matching(message.topic.value):
                callback(message.topic.value, payload)


@dataclass
class CountingListener:
    """Counts what the gateway reports; remembers when the last value came."""

    values: int = 0
    points: int = 0
    nodes: set[str] = field(default_factory=set)
    last_value_at: float = 0.0
    latest: dict[tuple[str, str], Any] = field(default_factory=dict)

    def node_seen(self, node: NodeInfo) -> None:
        self.nodes.add(node.node_id)

    def points_seen(self, node_id: str, points: Sequence[PointSpec]) -> None:
        self.points += len(points)

    def value_received(self, node_id: str, key: str, value: Any) -> None:
        self.values += 1
        self.last_value_at = time.monotonic()
        self.latest[(node_id, key)] = value

    def node_lost(self, node_id: str) -> None:
        pass

    def point_unavailable(self, node_id: str, key: str) -> None:
        pass


class LoadProcess:
    """One run of tools/simulators/fmpyiot_load.py."""

    def __init__(self, port: int, role: str, *options: str) -> None:
        self.process = subprocess.Popen(
            [sys.executable, "-m", "tools.simulators.fmpyiot_load", role, "--port", str(port), *options],
            cwd=REPO_ROOT,
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            text=True,
        )
        if (line := self._stdout.readline().strip()) != fmpyiot_load.READY:
            raise SystemExit(f"load process said {line!r}")

    @property
    def _stdout(self) -> Any:
        return self.process.stdout

    def go(self) -> None:
        stdin: Any = self.process.stdin
        stdin.write(fmpyiot_load.GO + "\n")
        stdin.flush()

    async def result(self) -> dict[str, float]:
        line = await asyncio.wait_for(asyncio.to_thread(self._stdout.readline), PROCESS_TIMEOUT)
        self.process.wait(timeout=PROCESS_TIMEOUT)
        return json.loads(line)


async def wait_for(condition: Callable[[], bool], limit: float = 60.0, idle: float = 0.002) -> None:
    deadline = time.monotonic() + limit
    while not condition():
        if time.monotonic() > deadline:
            raise SystemExit("benchmark: timed out waiting")
        await asyncio.sleep(idle)


async def settled(received: Callable[[], int], quiet: float = 0.3, limit: float = 30.0) -> None:
    """Wait until nothing more arrives for `quiet` seconds."""
    last, deadline = -1, time.monotonic() + limit
    while received() != last and time.monotonic() < deadline:
        last = received()
        await asyncio.sleep(quiet)


@dataclass(frozen=True)
class Run:
    rate: float
    cpu_us: float


async def gateway_runs(
    port: int, args: argparse.Namespace, volumes: list[str]
) -> tuple[list[Run], dict[str, float]]:
    listener = CountingListener()
    async with CachedLink("127.0.0.1", port) as link:
        gateway = FmPyIotGateway(link, listener, request_spacing=0)
        await gateway.async_start()
        await asyncio.sleep(1.0)  # retained unrelated topics would arrive now
        retained_reaching = link.received
        announce = LoadProcess(port, "announce", *volumes)
        announce.go()
        await announce.result()
        await wait_for(lambda: len(listener.nodes) == args.devices)
        await wait_for(lambda: len(link.subscribed) >= len(gateway_filters) + args.devices)
        prime = LoadProcess(port, "prime", *volumes)
        prime.go()
        await prime.result()
        await wait_for(lambda: listener.points >= args.devices * args.topics)
        runs = []
        for rep in range(args.reps):
            first = 1 + rep * (args.messages // (args.devices * args.topics) + 1)
            load = LoadProcess(
                port, "values", *volumes, "--messages", str(args.messages), "--first-index", str(first)
            )
            start_values, start_cpu = listener.values, time.process_time()
            gc.collect()
            load.go()
            await wait_for(lambda start=start_values: listener.values - start >= args.messages)
            cpu = time.process_time() - start_cpu
            published = await load.result()
            runs.append(
                Run(
                    args.messages / (listener.last_value_at - published["t_first"]), cpu / args.messages * 1e6
                )
            )
            expected = fmpyiot_load.last_values(
                fmpyiot_load.load_devices(args.devices), args.topics, args.messages, first
            )
            macs = {device.base: device.mac for device in fmpyiot_load.load_devices(args.devices)}
            if any(
                listener.latest[(macs[base], f"./{name}")] != value
                for (base, name), value in expected.items()
            ):
                raise SystemExit("benchmark: a point does not hold the last value sent to it")
        unrelated = await unrelated_burst(port, args, lambda: link.received)
        micro = dispatch_costs(gateway)
        await gateway.async_stop()
    return runs, {"retained_reaching": retained_reaching, **unrelated, **micro}


async def unrelated_burst(
    port: int, args: argparse.Namespace, received: Callable[[], int]
) -> dict[str, float]:
    load = LoadProcess(port, "unrelated", "--unrelated", str(args.unrelated), "--first-index", "7")
    before, start_cpu = received(), time.process_time()
    load.go()
    published = await load.result()
    await settled(received)
    cpu = time.process_time() - start_cpu
    return {
        "unrelated_reaching": received() - before,
        "unrelated_cpu_us": cpu / args.unrelated * 1e6,
        "unrelated_wall_s": published["t_last"] - published["t_first"],
    }


async def bare_runs(
    port: int, args: argparse.Namespace, volumes: list[str], subscriptions: list[str]
) -> tuple[list[Run], dict[str, float]]:
    runs = []
    counter = {"n": 0, "last": 0.0}
    async with aiomqtt.Client(
        "127.0.0.1", port, identifier=f"pyiot-bare-{uuid.uuid4().hex[:10]}", max_inflight_messages=1000
    ) as client:
        client.pending_calls_threshold = 1_000_000
        for topic in subscriptions:
            await client.subscribe(topic, 0)

        async def count() -> None:
            async for _message in client.messages:
                counter["n"] += 1
                counter["last"] = time.monotonic()

        reader = asyncio.create_task(count())
        await asyncio.sleep(1.0)
        for rep in range(args.reps):
            first = 1000 + rep * (args.messages // (args.devices * args.topics) + 1)
            load = LoadProcess(
                port, "values", *volumes, "--messages", str(args.messages), "--first-index", str(first)
            )
            start, start_cpu = counter["n"], time.process_time()
            gc.collect()
            load.go()
            await wait_for(lambda start=start: counter["n"] - start >= args.messages)
            cpu = time.process_time() - start_cpu
            published = await load.result()
            runs.append(
                Run(args.messages / (counter["last"] - published["t_first"]), cpu / args.messages * 1e6)
            )
        await client.unsubscribe(subscriptions)
        await client.subscribe("#", 0)
        await settled(lambda: counter["n"])  # the retained unrelated topics arrive first
        unrelated = await unrelated_burst(port, args, lambda: counter["n"])
        reader.cancel()
        with contextlib.suppress(asyncio.CancelledError):
            await reader
    return runs, unrelated


def dispatch_costs(gateway: FmPyIotGateway) -> dict[str, float]:
    """µs per call of the gateway's handlers, on a device it knows (and its own timers run)."""
    device = next(iter(gateway._book.by_id.values()))  # noqa: SLF001 - measuring the internals
    base = device.base or ""
    on_device = gateway._on_device_message  # noqa: SLF001
    on_discovery = gateway._on_discovery_message  # noqa: SLF001
    number = 20_000
    cases = {
        "known_point_us": lambda: on_device(device, base, base + "temperature", b"21.5"),
        "request_echo_us": lambda: on_device(device, base, base + "temperature_", b""),
        "system_name_us": lambda: on_device(device, base, base + "WATCHDOG", b"FEED"),
        "feed_us": lambda: on_discovery(base + "WATCHDOG", b"FEED"),
    }
    return {
        name: min(timeit.repeat(call, number=number, repeat=3)) / number * 1e6 for name, call in cases.items()
    }


def median(runs: list[Run], attribute: str) -> float:
    return statistics.median(getattr(run, attribute) for run in runs)


async def main(args: argparse.Namespace) -> None:
    workdir = Path(tempfile.mkdtemp(prefix="pyiot-bench-fmpyiot-"))
    broker = start_mosquitto(workdir)
    volumes = ["--devices", str(args.devices), "--topics", str(args.topics)]
    try:
        retained = LoadProcess(broker.port, "unrelated", "--unrelated", str(args.unrelated), "--retain")
        retained.go()
        await retained.result()
        gateway, extra = await gateway_runs(broker.port, args, volumes)
        devices = fmpyiot_load.load_devices(args.devices)
        subscriptions = [*gateway_filters, TIME_REQUEST_TOPIC, *(device.base + "+" for device in devices)]
        bare, bare_unrelated = await bare_runs(broker.port, args, volumes, subscriptions)
    finally:
        broker.stop()
    ours, anchor = median(gateway, "rate"), median(bare, "rate")
    print(
        f"FmPyIOT core ingest: {args.devices} devices x {args.topics} topics, "
        f"{args.messages} messages x {args.reps} reps,"
    )
    print(f"  {args.unrelated} unrelated retained topics on the broker; medians")
    print(
        f"  gateway (core, HA-like cached dispatch): {ours:10.0f} values/s   "
        f"{median(gateway, 'cpu_us'):6.1f} µs CPU/message"
    )
    print(
        f"  bare aiomqtt subscriber, same topics:   {anchor:10.0f} messages/s "
        f"{median(bare, 'cpu_us'):6.1f} µs CPU/message"
    )
    print(f"  ratio gateway / bare:                   {ours / anchor:10.2f}")
    print(f"  retained unrelated messages reaching the gateway at start: {extra['retained_reaching']:.0f}")
    print(
        f"  unrelated burst of {args.unrelated}: {extra['unrelated_reaching']:.0f} reach the gateway, "
        f"{extra['unrelated_cpu_us']:.2f} µs CPU per unrelated message in this process"
    )
    print(
        f"  anchor, bare subscriber to '#': {bare_unrelated['unrelated_reaching']:.0f} reach it, "
        f"{bare_unrelated['unrelated_cpu_us']:.2f} µs CPU per unrelated message"
    )
    print(
        "  dispatch per call: known point {known_point_us:.2f} µs, request echo {request_echo_us:.2f} µs, "
        "system name on <base>+ {system_name_us:.2f} µs, FEED {feed_us:.2f} µs".format(**extra)
    )


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--devices", type=int, default=100)
    parser.add_argument("--topics", type=int, default=5)
    parser.add_argument("--messages", type=int, default=20_000)
    parser.add_argument("--unrelated", type=int, default=10_000)
    parser.add_argument("--reps", type=int, default=3)
    asyncio.run(main(parser.parse_args()))
