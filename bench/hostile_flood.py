"""Hostile flood benchmark: 50,000 junk messages against PyIoT's Pyaiot MQTT entry while 5 real nodes publish.

Run from the repository root:

    .venv/bin/python bench/hostile_flood.py [--messages 50000 --real-nodes 5 --period 0.25]

A real Home Assistant runs in this process (`bench/ha_harness.py`: temporary config dir, no recorder) with
its MQTT integration on a mosquitto of its own and PyIoT's Pyaiot MQTT entry. Separate processes
(`bench/hostile_load.py`) play 5 well-behaved nodes (a new temperature and pressure reading every
`--period` s each, QoS 1) and send the junk mix of issue 13 (`hostile_load.JUNK_MIX`: fake `node/check`
ids, values from new ids, garbage payloads, long and deep topics, new resources on the real nodes, 40 kB
resource lists, oversized payloads) as fast as a plain socket takes them, at QoS 0.

Figures (printed, not asserted; targets of issue 13):

- event-loop lag p99 / max from the first junk message until HA is done with the flood (a 10 ms sleep's
  delay; target p99 < 50 ms),
- memory kept: RSS after the flood and a full GC minus before (target < 20 MB),
- devices (and entities) created by junk (target 0), `node/<id>` records PyIoT stored,
- legitimate updates delivered: readings of the real nodes published during the flood that became a state
  write (target 100 %), and their delivery delay p50 / p99,
- warning lines PyIoT logged (target < 50),
- discovery requests PyIoT published while flooded,
- a genuine new node after the flood: seconds until its entities show values.

Anchor: the same run with the landed code (`PYIOT_BENCH_ROOT=<checkout of the landed commit>`).
"""

import argparse
import asyncio
from collections.abc import Sequence
import cProfile
import dataclasses
from dataclasses import dataclass, field
import gc
import json
import os
from pathlib import Path
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from typing import Any

from bench_paths import INTEGRATION_ROOT  # first: sets sys.path
import ha_harness
from homeassistant.components import mqtt
from homeassistant.core import HomeAssistant, callback
import hostile_load
import pyiot_layout
from reliability_support import (
    LagMonitor,
    LoadProcess,
    LogCounter,
    StateRecorder,
    mark,
    percentile,
    pyiot_devices,
    pyiot_entities,
    pyiot_entry_config,
    rss_bytes,
    stored_nodes,
    wait_for_entities,
)

from tests.support.mosquitto import start_mosquitto

TARGET_LAG_P99_S = 0.050
TARGET_MEMORY_MB = 20.0
TARGET_WARNINGS = 50
SETTLE_QUIET_S = 3.0
LATE_NODE_WITHIN_S = 90.0
NODE_POINTS = ("temperature", "pressure")


@dataclass
class FloodResult:
    """Everything one flood measured."""

    sent: int = 0
    bytes_sent: int = 0
    send_seconds: float = 0.0
    marker_after: float | None = None
    settled_after: float = 0.0
    lags: list[float] = field(default_factory=list)
    rss_before: int = 0
    rss_after: int = 0
    devices_before: int = 0
    junk_devices: int = 0
    junk_entities: int = 0
    junk_entities_on_real: int = 0
    published: int = 0
    delivered: int = 0
    delays: list[float] = field(default_factory=list)
    warnings: int = 0
    warning_samples: list[str] = field(default_factory=list)
    discover_requests: int = 0
    late_node_seconds: float | None = None
    stored_records: int = 0
    stored_bytes: int = 0
    kinds: dict[str, int] = field(default_factory=dict)


class DiscoverCounter:
    """Counts `gateway/+/discover` publications PyIoT makes, through HA's own MQTT client."""

    def __init__(self) -> None:
        """Not subscribed yet."""
        self.count = 0
        self._unsub: Any = None

    async def start(self, hass: HomeAssistant) -> None:
        """Subscribe."""

        @callback
        def on_message(_message: mqtt.ReceiveMessage) -> None:
            self.count += 1

        self._unsub = await mqtt.async_subscribe(hass, "gateway/+/discover", on_message, 0)

    def stop(self) -> None:
        """Unsubscribe."""
        if self._unsub is not None:
            self._unsub()


async def marker_waiter(hass: HomeAssistant) -> tuple[asyncio.Future[float], Any]:
    """A future set (to the monotonic time) when the junk process's end marker reaches HA."""
    done: asyncio.Future[float] = hass.loop.create_future()

    @callback
    def on_marker(_message: mqtt.ReceiveMessage) -> None:
        if not done.done():
            done.set_result(time.monotonic())

    unsubscribe = await mqtt.async_subscribe(hass, hostile_load.MARKER_TOPIC, on_marker, 0)
    return done, unsubscribe


def count_delivered(
    published: dict[str, list[list[float]]], recorder: StateRecorder, topics: dict[str, str], since: float
) -> tuple[int, int, list[float]]:
    """(published, delivered, delays) of the readings published after `since`."""
    total = delivered = 0
    delays: list[float] = []
    for topic, readings in published.items():
        entity_id = topics.get(topic)
        if entity_id is None:
            continue
        writes: dict[float, float] = {}
        for moment, state in recorder.writes[entity_id]:
            try:
                writes.setdefault(round(float(state), 3), moment)
            except ValueError:
                continue
        for value, published_at in readings:
            if published_at < since:
                continue
            total += 1
            if (seen := writes.get(round(value, 3))) is not None and seen >= published_at - 0.001:
                delivered += 1
                delays.append(seen - published_at)
    return total, delivered, delays


async def start_real_nodes(
    hass: HomeAssistant, port: int, args: argparse.Namespace
) -> tuple[LoadProcess, dict[str, str]]:
    """The well-behaved nodes, once their entities show values; with topic -> entity id."""
    period = str(args.period)
    nodes = await LoadProcess.start(
        "nodes",
        port,
        "--nodes",
        str(args.real_nodes),
        "--prefix",
        "real",
        "--temperature-period",
        period,
        "--pressure-period",
        period,
    )
    real = hostile_load.node_ids(args.real_nodes, "real")
    points = [("sensor", node, key) for node in real for key in NODE_POINTS]
    entity_ids = await wait_for_entities(hass, points, within=60)
    if entity_ids is None:
        await nodes.close()
        raise RuntimeError("the real nodes' entities did not appear")
    topics = {
        f"node/{node}/{key}": entity_id for (_d, node, key), entity_id in zip(points, entity_ids, strict=True)
    }
    return nodes, topics


async def flood(hass: HomeAssistant, port: int, args: argparse.Namespace, result: FloodResult) -> float:
    """Send the junk and wait until HA is done with it; the moment the flood began."""
    real = hostile_load.node_ids(args.real_nodes, "real")
    discover = DiscoverCounter()
    await discover.start(hass)
    marker, stop_marker = await marker_waiter(hass)
    junk = await LoadProcess.start(
        "junk", port, "--messages", str(args.messages), "--real-nodes", ",".join(real)
    )
    monitor = LagMonitor()
    await hass.async_block_till_done()
    await asyncio.sleep(1.0)
    gc.collect()
    result.rss_before = rss_bytes()
    monitor.start()
    await asyncio.sleep(0.5)
    profiler = cProfile.Profile() if args.profile else None
    if profiler is not None:
        profiler.enable()
    start = time.monotonic()
    await junk.send(hostile_load.GO)
    sent = await junk.result(limit=600)
    await junk.close()
    result.sent, result.bytes_sent, result.kinds = sent["sent"], sent["bytes"], sent["kinds"]
    result.send_seconds = sent["t_last"] - sent["t_first"]
    try:
        async with asyncio.timeout(600):
            result.marker_after = await marker - start
    except TimeoutError:
        print("warning: the end marker never reached Home Assistant")
    await hass.async_block_till_done()
    quiet_from = await monitor.wait_quiet(SETTLE_QUIET_S)
    if profiler is not None:
        profiler.disable()
        profiler.dump_stats(f"{args.profile}.{args.child}")
    end = max(quiet_from, start + (result.marker_after or 0.0))
    result.settled_after = end - start
    result.lags = monitor.lags(start, end)
    await monitor.stop()
    stop_marker()
    discover.stop()
    result.discover_requests = discover.count
    return start


def count_junk(hass: HomeAssistant, real: list[str], known_entities: set[str], result: FloodResult) -> None:
    """Devices and entities that junk created."""
    result.junk_devices = len([node for node in pyiot_devices(hass) if node not in real])
    new_entities = [entry for entry in pyiot_entities(hass) if entry.entity_id not in known_entities]
    real_prefixes = tuple(pyiot_layout.unique_id(node, "") for node in real)
    result.junk_entities = len(new_entities)
    result.junk_entities_on_real = len([e for e in new_entities if e.unique_id.startswith(real_prefixes)])


async def late_node(hass: HomeAssistant, port: int) -> float | None:
    """Seconds until a genuine node that starts after the flood shows values, None if it does not."""
    late_start = time.monotonic()
    late = await LoadProcess.start("nodes", port, "--nodes", "1", "--prefix", "late")
    try:
        late_points = [("sensor", "late-00", key) for key in NODE_POINTS]
        if await wait_for_entities(hass, late_points, within=LATE_NODE_WITHIN_S) is None:
            return None
        return time.monotonic() - late_start
    finally:
        await late.send(hostile_load.STOP)
        await late.close()


async def anchor_main(config_dir: Path, port: int, args: argparse.Namespace) -> FloodResult:
    """The anchor: the same flood into HA with PyIoT installed, its entry unloaded, and a no-op `node/#`.

    What Home Assistant and its MQTT client cost by themselves for the flood (HA's MQTT discovery of
    `node/check` included, which starts a config flow of PyIoT for every new payload).
    """
    result = FloodResult()
    hass = await ha_harness.start_hass(config_dir)
    try:
        await ha_harness.add_mqtt_entry(hass, "127.0.0.1", port)
        await hass.config_entries.async_add(pyiot_entry_config())
        await hass.async_block_till_done()
        await hass.config_entries.async_unload(pyiot_layout.PYAIOT_MQTT_ENTRY_ID)

        @callback
        def ignore(_message: mqtt.ReceiveMessage) -> None:
            return

        unsubscribe = await mqtt.async_subscribe(hass, "node/#", ignore, 1, encoding=None)
        await flood(hass, port, args, result)
        unsubscribe()
        await hass.async_block_till_done()
        for _ in range(3):
            gc.collect()
        await asyncio.sleep(1.0)
        gc.collect()
        result.rss_after = rss_bytes()
    finally:
        await ha_harness.stop_hass(hass)
    return result


async def flood_main(config_dir: Path, port: int, args: argparse.Namespace) -> FloodResult:
    """One Home Assistant: set up, flood, measure."""
    result = FloodResult()
    hass = await ha_harness.start_hass(config_dir)
    nodes: LoadProcess | None = None
    try:
        await ha_harness.add_mqtt_entry(hass, "127.0.0.1", port)
        await hass.config_entries.async_add(pyiot_entry_config())
        await hass.async_block_till_done()
        nodes, topics = await start_real_nodes(hass, port, args)
        real = hostile_load.node_ids(args.real_nodes, "real")
        known_entities = {entry.entity_id for entry in pyiot_entities(hass)}
        result.devices_before = len(pyiot_devices(hass))
        recorder = StateRecorder(hass, topics.values())
        logs = LogCounter()
        logs.attach()
        start = await flood(hass, port, args, result)
        await nodes.send(hostile_load.STOP)
        published = await nodes.result()
        await nodes.close()
        nodes = None
        recorder.stop()
        result.published, result.delivered, result.delays = count_delivered(
            published["published"], recorder, topics, start
        )
        count_junk(hass, real, known_entities, result)
        result.late_node_seconds = await late_node(hass, port)
        await hass.async_block_till_done()
        for _ in range(3):
            gc.collect()
        await asyncio.sleep(1.0)
        gc.collect()
        result.rss_after = rss_bytes()
        logs.detach()
        result.warnings, result.warning_samples = logs.count, logs.samples
        await hass.config_entries.async_unload(pyiot_layout.PYAIOT_MQTT_ENTRY_ID)
        await hass.async_block_till_done()
    finally:
        if nodes is not None:
            await nodes.close()
        await ha_harness.stop_hass(hass)
    result.stored_records, result.stored_bytes = stored_nodes(config_dir)
    return result


def report(result: FloodResult, anchor: FloodResult | None, args: argparse.Namespace) -> None:
    """Print the figures."""
    lags = result.lags
    p99 = percentile(lags, 0.99)
    kept_mb = (result.rss_after - result.rss_before) / 2**20
    share = result.delivered / result.published if result.published else float("nan")
    print()
    print("=== results ===")
    print(f"integration under test: {INTEGRATION_ROOT / 'custom_components' / 'pyiot'}")
    print(
        f"flood: {result.sent} junk messages, {result.bytes_sent / 2**20:.1f} MiB, "
        f"sent in {result.send_seconds:.2f} s; "
        f"{args.real_nodes} real nodes publishing every {args.period} s; cpus = {os.cpu_count()}"
    )
    print("  kinds: " + ", ".join(f"{kind} {count}" for kind, count in sorted(result.kinds.items())))
    marker = "never" if result.marker_after is None else f"{result.marker_after:.2f} s"
    print(
        f"  last junk message reached HA after {marker}; "
        f"HA done with the flood after {result.settled_after:.2f} s"
    )
    print(
        f"event_loop_lag_p99_ms = {p99 * 1000:.1f}  (max {max(lags, default=0) * 1000:.1f}, "
        f"p50 {statistics.median(lags) * 1000 if lags else float('nan'):.1f}, {len(lags)} samples; "
        f"target < {TARGET_LAG_P99_S * 1000:.0f} ms: {mark(p99 < TARGET_LAG_P99_S)})"
    )
    if anchor is not None:
        anchor_p99 = percentile(anchor.lags, 0.99)
        print(
            f"  anchor (same flood, PyIoT's gateway not running, a no-op node/# subscriber): lag p99 "
            f"{anchor_p99 * 1000:.1f} ms, max {max(anchor.lags, default=0) * 1000:.1f} ms, "
            "last message after "
            f"{anchor.marker_after or float('nan'):.2f} s; ratio {p99 / anchor_p99:.2f}x"
        )
    print(
        f"memory_kept_mb = {kept_mb:.1f}  (RSS after the flood, the late node and a full GC, minus before; "
        f"target < {TARGET_MEMORY_MB:.0f} MB: {mark(kept_mb < TARGET_MEMORY_MB)})"
    )
    if anchor is not None:
        anchor_mb = (anchor.rss_after - anchor.rss_before) / 2**20
        print(
            f"  anchor memory kept: {anchor_mb:.1f} MB (HA and its MQTT client alone); "
            f"PyIoT's share {kept_mb - anchor_mb:.1f} MB"
        )
    print(
        f"devices_created_by_junk = {result.junk_devices}  (target 0: {mark(result.junk_devices == 0)}); "
        f"entities created by junk {result.junk_entities} "
        f"({result.junk_entities_on_real} on the real nodes); "
        f"node records stored {result.stored_records} ({result.stored_bytes / 1024:.0f} KiB)"
    )
    delays = result.delays
    print(
        f"legitimate_updates_delivered = {share * 100:.1f} %  ({result.delivered}/{result.published}; "
        f"delay p50 {percentile(delays, 0.5) * 1000:.0f} ms, p99 {percentile(delays, 0.99) * 1000:.0f} ms; "
        f"target 100 %: {mark(result.published > 0 and result.delivered == result.published)})"
    )
    print(
        f"warning_lines = {result.warnings}  (PyIoT's loggers, WARNING and above; "
        f"target < {TARGET_WARNINGS}: "
        f"{mark(result.warnings < TARGET_WARNINGS)})"
    )
    for sample in result.warning_samples:
        print(f"  {sample}")
    print(
        f"discover_requests_published = {result.discover_requests}  (gateway/<id>/discover during the flood)"
    )
    late = (
        f"not within {LATE_NODE_WITHIN_S:.0f} s"
        if result.late_node_seconds is None
        else f"{result.late_node_seconds:.1f} s"
    )
    print(f"late_genuine_node_entities_after = {late}  (a new node starting after the flood)")


def parse_args(argv: Sequence[str] | None) -> argparse.Namespace:
    """Command line."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--messages", type=int, default=50_000, help="junk messages (default 50000)")
    parser.add_argument("--real-nodes", type=int, default=5, help="well-behaved nodes (default 5)")
    parser.add_argument("--period", type=float, default=0.25, help="seconds between readings of a real node")
    parser.add_argument("--no-anchor", action="store_true", help="skip the anchor run")
    parser.add_argument(
        "--profile",
        type=Path,
        help="cProfile each flood into FILE.pyiot / FILE.anchor (figures then not comparable)",
    )
    parser.add_argument("--child", choices=("pyiot", "anchor"), help=argparse.SUPPRESS)
    parser.add_argument("--out", type=Path, help=argparse.SUPPRESS)
    return parser.parse_args(argv)


def child(args: argparse.Namespace) -> None:
    """One run (PyIoT or the anchor) in this fresh process, with its own broker; the result as JSON."""
    workdir = Path(tempfile.mkdtemp(prefix="pyiot-bench-flood-"))
    broker = start_mosquitto(workdir)
    try:
        config_dir = ha_harness.make_config_dir(workdir / "config")
        runner = flood_main if args.child == "pyiot" else anchor_main
        result = ha_harness.run_hass(lambda: runner(config_dir, broker.port, args))
        args.out.write_text(json.dumps(dataclasses.asdict(result)), encoding="utf-8")
    finally:
        broker.stop()
        shutil.rmtree(workdir, ignore_errors=True)


def run_child(kind: str, argv: Sequence[str], workdir: Path) -> FloodResult:
    """`child` in a fresh process (clean heap: RSS deltas that mean something)."""
    out = workdir / f"{kind}.json"
    command = [sys.executable, str(Path(__file__).resolve()), *argv, "--child", kind, "--out", str(out)]
    subprocess.run(command, check=True, stdin=subprocess.DEVNULL)
    return FloodResult(**json.loads(out.read_text(encoding="utf-8")))


def main(argv: Sequence[str] | None = None) -> None:
    """Run the benchmark and print the figures."""
    argv = list(sys.argv[1:] if argv is None else argv)
    args = parse_args(argv)
    ha_harness.quiet_logging()
    if args.child:
        child(args)
        return
    started = time.monotonic()
    workdir = Path(tempfile.mkdtemp(prefix="pyiot-bench-flood-"))
    try:
        print(
            "PyIoT hostile flood benchmark: PyIoT run, then the anchor run, each in a fresh process",
            flush=True,
        )
        result = run_child("pyiot", argv, workdir)
        anchor = None if args.no_anchor else run_child("anchor", argv, workdir)
        report(result, anchor, args)
        print(f"total_runtime_s = {time.monotonic() - started:.1f}")
    finally:
        shutil.rmtree(workdir, ignore_errors=True)


if __name__ == "__main__":
    main()
