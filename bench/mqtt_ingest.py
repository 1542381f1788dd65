"""MQTT ingest benchmark of PyIoT's Pyaiot gateway, against HA's own MQTT sensors and a raw subscriber.

Run from the repository root:

    .venv/bin/python bench/mqtt_ingest.py [--nodes 50 --resources 4 --messages 20000 --reps 3 ...]

It starts its own mosquitto and a real Home Assistant in this process (temporary config dir, no recorder,
`bench/ha_harness.py`), and drives the broker from separate processes (`bench/mqtt_load.py`):

1. PyIoT: the `pyaiot_mqtt` entry is set up, N nodes x M numeric resources are announced (check,
   discover, resources, values), then K value messages, each changing its entity's value, are published
   at QoS 0. Rate = state writes of those entities / (last state write seen - first message published).
2. Anchor A, HA MQTT sensors: the same N x M sensors through MQTT discovery with the `value_template` a
   user needs for Pyaiot payloads, fed the same K messages on the same topics (PyIoT unloaded meanwhile).
3. Anchor B, raw subscriber: a paho-mqtt subscriber process counting the same K messages.
4. Diagnostic: the same messages to a no-op callback subscribed to `node/#` through HA's MQTT client,
   the ceiling of anything that reads the topic through HA's MQTT integration as PyIoT does.

Each repetition runs them in a rotating order in the same Home Assistant; medians are reported. The share
of the measured interval spent in Python's cyclic GC is printed too. The publisher sends pre-encoded
QoS 0 PUBLISH packets on a plain socket by default (`--publisher paho` for paho's `publish()`), so that on
a 2-core machine the load generator's CPU stays out of the measurement.

Then the restore cost: 1,000 stored nodes x 4 points written as the hub stores them, set-up time until
every entity is added (a fresh config dir, then the same dir after a restart) and memory per node
(tracemalloc; RSS for reference). These are printed figures, not assertions; nothing is timed in tests.

`PYIOT_BENCH_ROOT=<dir>` benchmarks `<dir>/custom_components/pyiot` (a scratch copy) instead of the
repository's; `--profile DIR` writes cProfile statistics of the measured runs.
"""

import argparse
import asyncio
from collections.abc import Callable, Sequence
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
import tracemalloc
from typing import Any

from bench_paths import BENCH_DIR, INTEGRATION_ROOT  # first: sets sys.path
import ha_harness
from homeassistant.components import mqtt
from homeassistant.config_entries import ConfigEntryState
from homeassistant.const import EVENT_STATE_CHANGED
from homeassistant.core import Event, EventStateChangedData, HomeAssistant, callback
from homeassistant.helpers import entity_registry as er
from homeassistant.setup import async_setup_component
import mqtt_load

from custom_components.pyiot.core.protocols.pyaiot.resources import node_info, point_for_resource
from tests.support.mosquitto import Mosquitto, start_mosquitto

LOAD_SCRIPT = BENCH_DIR / "mqtt_load.py"
RUN_KINDS = ("pyiot", "ha_mqtt", "raw", "ha_noop")
PROCESS_TIMEOUT = 60.0
PRIME_ATTEMPTS = 20
PRIME_WAIT = 2.0
TARGET_RATIO_VS_HA_MQTT = 1.5
TARGET_RATIO_VS_RAW = 0.5
TARGET_RESTORE_S = 1.0
TARGET_KB_PER_NODE = 20.0
VALUE_TEMPLATE = "{{ value_json.value | regex_replace('[^0-9.+-]', '') | float }}"
"""What a user has to write to read a Pyaiot payload (`{"value": "23.4°C"}`) with an MQTT sensor."""


@dataclass(frozen=True, kw_only=True)
class Volumes:
    """What one run sends, and how often runs are repeated."""

    nodes: int
    resources: int
    messages: int
    reps: int
    idle: float
    publisher: str
    restore_nodes: int
    kinds: tuple[str, ...] = tuple(RUN_KINDS)

    @property
    def entities(self) -> int:
        """Entities (= topics) of a run."""
        return self.nodes * self.resources

    @property
    def indices_per_run(self) -> int:
        """Value indices one run takes per topic, priming value included."""
        return mqtt_load.messages_per_topic(self.nodes, self.resources, self.messages) + 1

    def topics(self) -> list[tuple[str, str]]:
        """(node id, resource) of every topic, in publishing order."""
        return [(node, res) for node in mqtt_load.node_ids(self.nodes) for res in self.names()]

    def names(self) -> list[str]:
        """The resources of every node."""
        return mqtt_load.resources(self.resources)

    def final_values(self, first_index: int) -> list[float | None]:
        """The value each topic ends with after a run whose first message has `first_index`."""
        count = self.entities
        values: list[float | None] = []
        for number, (_node, resource) in enumerate(self.topics()):
            if number >= self.messages:
                values.append(None)
                continue
            last = (self.messages - 1 - number) // count
            values.append(mqtt_load.value_text(resource, first_index + last)[1])
        return values


@dataclass
class RunResult:
    """One measured run."""

    rate: float
    seen: int
    sent: int
    elapsed: float
    other_writes: int = 0
    final_ok: int | None = None
    final_total: int | None = None
    gc_seconds: float | None = None


@dataclass
class Series:
    """Repeated runs of one kind."""

    runs: list[RunResult] = field(default_factory=list)

    def rates(self) -> list[float]:
        """Rates of the runs."""
        return [run.rate for run in self.runs]

    def median(self) -> float:
        """Median rate."""
        return statistics.median(self.rates()) if self.runs else float("nan")


# --- load processes ------------------------------------------------------------------------------


class LoadProcess:
    """One `bench/mqtt_load.py` process, talking over stdin/stdout lines."""

    def __init__(self, process: asyncio.subprocess.Process, role: str) -> None:
        """Wrap a started process."""
        self.process = process
        self.role = role

    @classmethod
    async def start(cls, role: str, port: int, *args: str) -> LoadProcess:
        """Start a load process and wait until it says `ready`."""
        process = await asyncio.create_subprocess_exec(
            sys.executable,
            str(LOAD_SCRIPT),
            role,
            "--port",
            str(port),
            *args,
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
        )
        load = cls(process, role)
        try:
            line = await load.readline()
        except BaseException:
            await load.close()
            raise
        if line != mqtt_load.READY:
            await load.close()
            raise RuntimeError(f"{role} process did not start: {line!r}")
        return load

    async def readline(self) -> str:
        """The next line the process printed (waits at most PROCESS_TIMEOUT)."""
        if self.process.stdout is None:
            raise RuntimeError("no stdout pipe")
        async with asyncio.timeout(PROCESS_TIMEOUT):
            return (await self.process.stdout.readline()).decode().strip()

    async def send(self, line: str) -> None:
        """Send one line to the process."""
        if self.process.stdin is None:
            raise RuntimeError("no stdin pipe")
        self.process.stdin.write(f"{line}\n".encode())
        await self.process.stdin.drain()

    async def result(self) -> dict[str, Any]:
        """The JSON line the process prints when done."""
        line = await self.readline()
        if not line:
            raise RuntimeError(f"{self.role} process ended without a result")
        result: dict[str, Any] = json.loads(line)
        return result

    async def close(self) -> None:
        """Close stdin (ends an announcer), then wait for the process or kill it."""
        if self.process.returncode is not None:
            return
        if self.process.stdin is not None and not self.process.stdin.is_closing():
            self.process.stdin.close()
        try:
            async with asyncio.timeout(10):
                await self.process.wait()
        except TimeoutError:
            self.process.kill()
            await self.process.wait()


def publish_args(vol: Volumes, first_index: int, *, batch: str = "values") -> list[str]:
    """Arguments of a `publish` process."""
    return [
        "--nodes",
        str(vol.nodes),
        "--resources",
        str(vol.resources),
        "--messages",
        str(vol.messages),
        "--first-index",
        str(first_index),
        "--batch",
        batch,
        "--client",
        vol.publisher,
    ]


async def publish_once(port: int, vol: Volumes, first_index: int, batch: str) -> dict[str, Any]:
    """Publish one batch and return the publisher's result."""
    publisher = await LoadProcess.start("publish", port, *publish_args(vol, first_index, batch=batch))
    try:
        await publisher.send(mqtt_load.GO)
        return await publisher.result()
    finally:
        await publisher.close()


# --- measuring state writes in Home Assistant ----------------------------------------------------


async def wait_for_values(
    hass: HomeAssistant,
    platform: str,
    unique_ids: list[str],
    expected: Sequence[float | None],
    *,
    what: str,
    within: float = PROCESS_TIMEOUT,
) -> list[str]:
    """Wait until every entity exists and shows its expected value (None: just exists); its entity ids."""
    deadline = time.monotonic() + within
    while True:
        entity_ids = ha_harness.entity_ids_for(hass, platform, unique_ids)
        missing = sum(
            1
            for entity_id, value in zip(entity_ids, expected, strict=True)
            if entity_id is None
            or (state := hass.states.get(entity_id)) is None
            or (value is not None and not _shows(state.state, value))
        )
        if not missing:
            return [entity_id for entity_id in entity_ids if entity_id is not None]
        if time.monotonic() > deadline:
            raise RuntimeError(f"{what}: {missing} of {len(unique_ids)} entities not ready in {within:.0f} s")
        await asyncio.sleep(0.05)


def _shows(state: str, value: float) -> bool:
    try:
        return float(state) == value
    except ValueError:
        return False


class GcTimer:
    """Time spent in Python's cyclic garbage collector (`gc.callbacks`) while a run is measured."""

    def __init__(self) -> None:
        """Not started yet."""
        self.intervals: list[tuple[float, float]] = []
        self._began = 0.0

    def _callback(self, phase: str, _info: dict[str, int]) -> None:
        if phase == "start":
            self._began = time.monotonic()
        else:
            self.intervals.append((self._began, time.monotonic()))

    def start(self) -> None:
        """Start timing collections."""
        gc.callbacks.append(self._callback)

    def stop(self) -> None:
        """Stop timing collections."""
        if self._callback in gc.callbacks:
            gc.callbacks.remove(self._callback)

    def seconds_between(self, start: float, end: float) -> float:
        """Seconds spent collecting between `start` and `end`."""
        return sum(max(0.0, min(stop, end) - max(began, start)) for began, stop in self.intervals)


async def measure_writes(
    hass: HomeAssistant,
    port: int,
    vol: Volumes,
    *,
    entity_ids: list[str],
    first_index: int,
    profile: Path | None,
) -> RunResult:
    """Publish the K value messages and count the state writes they cause (cProfile it into `profile`)."""
    await hass.async_block_till_done()
    gc.collect()
    counter = ha_harness.StateWriteCounter(hass, entity_ids, vol.messages)
    publisher = await LoadProcess.start("publish", port, *publish_args(vol, first_index))
    profiler = cProfile.Profile() if profile is not None else None
    gc_timer = GcTimer()
    try:
        gc_timer.start()
        if profiler is not None:
            profiler.enable()
        await publisher.send(mqtt_load.GO)
        sent = asyncio.create_task(publisher.result())
        await counter.wait(sent.done, vol.idle)
        result = await sent
    finally:
        if profiler is not None:
            profiler.disable()
        gc_timer.stop()
        counter.stop()
        await publisher.close()
    if profiler is not None and profile is not None:
        profiler.dump_stats(profile)
    elapsed = max(counter.t_last - result["t_first"], 1e-9)
    finals = vol.final_values(first_index)
    final_ok = sum(
        1
        for entity_id, value in zip(entity_ids, finals, strict=True)
        if value is None or ((state := hass.states.get(entity_id)) is not None and _shows(state.state, value))
    )
    return RunResult(
        rate=counter.count / elapsed,
        seen=counter.count,
        sent=result["sent"],
        elapsed=elapsed,
        other_writes=counter.not_numeric,
        final_ok=final_ok,
        final_total=len(entity_ids),
        gc_seconds=gc_timer.seconds_between(result["t_first"], counter.t_last),
    )


# --- the three kinds of run ----------------------------------------------------------------------


@dataclass
class IngestContext:
    """State kept across the runs in one Home Assistant."""

    hass: HomeAssistant
    broker: Mosquitto
    vol: Volumes
    profile_dir: Path | None = None
    pyiot_entry_added: bool = False
    results: dict[str, Series] = field(default_factory=lambda: {kind: Series() for kind in RUN_KINDS})

    def profile_path(self, kind: str, first_index: int) -> Path | None:
        """Where to write the cProfile statistics of a run, if profiling."""
        if self.profile_dir is None:
            return None
        rep = (first_index - 1) // self.vol.indices_per_run + 1
        return self.profile_dir / f"{kind}-rep{rep}.pstats"


async def run_pyiot(ctx: IngestContext, first_index: int) -> RunResult:
    """Set up PyIoT, let the announcer play the nodes, measure, unload PyIoT."""
    hass, vol = ctx.hass, ctx.vol
    if ctx.pyiot_entry_added:
        await hass.config_entries.async_setup(ha_harness.PYIOT_ENTRY_ID)
    else:
        await hass.config_entries.async_add(ha_harness.pyiot_entry())
        ctx.pyiot_entry_added = True
    entry = hass.config_entries.async_get_known_entry(ha_harness.PYIOT_ENTRY_ID)
    if entry.state is not ConfigEntryState.LOADED:
        raise RuntimeError(f"PyIoT entry not loaded: {entry.state}")
    prime = first_index - 1
    announcer = await LoadProcess.start(
        "announce",
        ctx.broker.port,
        "--nodes",
        str(vol.nodes),
        "--resources",
        str(vol.resources),
        "--first-index",
        str(prime),
    )
    try:
        unique_ids = [f"{ha_harness.PYIOT_ENTRY_ID}:{node}:{res}" for node, res in vol.topics()]
        primes = [mqtt_load.value_text(res, prime)[1] for _node, res in vol.topics()]
        entity_ids = await wait_for_values(hass, "pyiot", unique_ids, primes, what="PyIoT announce")
    finally:
        await announcer.close()
    result = await measure_writes(
        hass,
        ctx.broker.port,
        vol,
        entity_ids=entity_ids,
        first_index=first_index,
        profile=ctx.profile_path("pyiot", first_index),
    )
    if result.elapsed > 0.8 * 120:
        print(f"warning: a PyIoT run took {result.elapsed:.0f} s; nodes time out after 120 s without check")
    await hass.config_entries.async_unload(ha_harness.PYIOT_ENTRY_ID)
    await hass.async_block_till_done()
    return result


def discovery_config(node: str, resource: str) -> tuple[str, dict[str, Any]]:
    """Topic and payload of the MQTT discovery of one sensor, as a user would write it for Pyaiot."""
    _, _, _, _, _, unit, device_class = mqtt_load.RESOURCE_FORMATS[resource]
    config: dict[str, Any] = {
        "name": None,
        "state_topic": f"node/{node}/{resource}",
        "value_template": VALUE_TEMPLATE,
        "unit_of_measurement": unit,
        "device_class": device_class,
        "state_class": "measurement",
        "unique_id": f"bench-mqtt-{node}-{resource}",
        "device": {"identifiers": [f"bench-mqtt-{node}"], "name": f"{node} MQTT", "manufacturer": "Pyaiot"},
    }
    if resource == "temperature":
        config["suggested_display_precision"] = 1
    return f"homeassistant/sensor/{node}_{resource}/config", config


async def run_ha_mqtt(ctx: IngestContext, first_index: int) -> RunResult:
    """Create the sensors by MQTT discovery, prime them, measure, remove them."""
    hass, vol = ctx.hass, ctx.vol
    configs = [discovery_config(node, res) for node, res in vol.topics()]
    unique_ids = [config["unique_id"] for _topic, config in configs]
    for topic, config in configs:
        await mqtt.async_publish(hass, topic, json.dumps(config), qos=1)
    await wait_for_values(hass, "mqtt", unique_ids, [None] * len(configs), what="MQTT discovery")
    prime = first_index - 1
    primes = [mqtt_load.value_text(res, prime)[1] for _node, res in vol.topics()]
    # HA's MQTT client sends the sensors' subscriptions in batches a little after the discovery: publish
    # the priming values again until every sensor shows its value, which proves it is subscribed.
    for attempt in range(PRIME_ATTEMPTS):
        await publish_once(ctx.broker.port, vol, prime, "prime")
        try:
            entity_ids = await wait_for_values(
                hass, "mqtt", unique_ids, primes, what="MQTT sensors priming", within=PRIME_WAIT
            )
            break
        except RuntimeError:
            if attempt == PRIME_ATTEMPTS - 1:
                raise
    result = await measure_writes(
        hass,
        ctx.broker.port,
        vol,
        entity_ids=entity_ids,
        first_index=first_index,
        profile=ctx.profile_path("ha_mqtt", first_index),
    )
    for topic, _config in configs:
        await mqtt.async_publish(hass, topic, "", qos=1)
    deadline = time.monotonic() + PROCESS_TIMEOUT
    while any(ha_harness.entity_ids_for(hass, "mqtt", unique_ids)):
        if time.monotonic() > deadline:
            raise RuntimeError("MQTT sensors were not removed")
        await asyncio.sleep(0.05)
    await hass.async_block_till_done()
    return result


async def run_raw(ctx: IngestContext, first_index: int) -> RunResult:
    """Count the same messages with a plain subscriber process."""
    vol = ctx.vol
    subscriber = await LoadProcess.start(
        "subscribe",
        ctx.broker.port,
        "--topic",
        "node/#",
        "--messages",
        str(vol.messages),
        "--idle",
        str(vol.idle),
        "--protocol",
        "3",
    )
    try:
        sent = await publish_once(ctx.broker.port, vol, first_index, "values")
        received = await subscriber.result()
    finally:
        await subscriber.close()
    elapsed = max(received["t_last"] - sent["t_first"], 1e-9)
    return RunResult(
        rate=received["count"] / elapsed, seen=received["count"], sent=sent["sent"], elapsed=elapsed
    )


async def run_ha_noop(ctx: IngestContext, first_index: int) -> RunResult:
    """Diagnostic: the same messages to a do-nothing callback on HA's MQTT client (no state writes).

    The ceiling of any integration that reads `node/#` through HA's MQTT integration, as PyIoT does.
    """
    hass, vol = ctx.hass, ctx.vol
    state = {"count": 0, "t_last": 0.0}
    complete = asyncio.Event()

    @callback
    def on_message(_message: mqtt.ReceiveMessage) -> None:
        state["count"] += 1
        state["t_last"] = time.monotonic()
        if state["count"] >= vol.messages:
            complete.set()

    unsubscribe = await mqtt.async_subscribe(hass, "node/#", on_message, 0, encoding=None)
    # Subscriptions go out in batches: wait for the broker's confirmation, as PyIoT's link does.
    subscribed = asyncio.Event()
    stop_waiting = mqtt.async_on_subscribe_done(hass, "node/#", 0, subscribed.set)
    try:
        async with asyncio.timeout(PROCESS_TIMEOUT):
            await subscribed.wait()
    finally:
        stop_waiting()
    await hass.async_block_till_done()
    gc.collect()
    try:
        publisher = await LoadProcess.start("publish", ctx.broker.port, *publish_args(vol, first_index))
        try:
            await publisher.send(mqtt_load.GO)
            sent_task = asyncio.create_task(publisher.result())
            while not complete.is_set():
                seen = state["count"]
                try:
                    async with asyncio.timeout(vol.idle):
                        await complete.wait()
                except TimeoutError:
                    if sent_task.done() and state["count"] == seen:
                        break
            sent = await sent_task
        finally:
            await publisher.close()
    finally:
        unsubscribe()
    await hass.async_block_till_done()
    elapsed = max(state["t_last"] - sent["t_first"], 1e-9)
    return RunResult(rate=state["count"] / elapsed, seen=state["count"], sent=sent["sent"], elapsed=elapsed)


RUNNERS: dict[str, Callable[[IngestContext, int], Any]] = {
    "pyiot": run_pyiot,
    "ha_mqtt": run_ha_mqtt,
    "raw": run_raw,
    "ha_noop": run_ha_noop,
}


async def ingest_main(
    broker: Mosquitto, vol: Volumes, config_dir: Path, profile_dir: Path | None
) -> dict[str, Series]:
    """Every ingest run, in one Home Assistant."""
    hass = await ha_harness.start_hass(config_dir)
    try:
        await ha_harness.add_mqtt_entry(hass, broker.host, broker.port)
        ctx = IngestContext(hass, broker, vol, profile_dir)
        kinds = [kind for kind in RUNNERS if kind in vol.kinds]
        for rep in range(vol.reps):
            first_index = 1 + rep * vol.indices_per_run
            order = kinds[rep % len(kinds) :] + kinds[: rep % len(kinds)]
            for kind in order:
                result = await RUNNERS[kind](ctx, first_index)
                ctx.results[kind].runs.append(result)
                print(
                    f"  rep {rep + 1}/{vol.reps} {kind:8s}: {result.rate:10.1f}/s "
                    f"({result.seen}/{result.sent} in {result.elapsed:.2f} s)",
                    flush=True,
                )
        return ctx.results
    finally:
        await ha_harness.stop_hass(hass)


# --- restore cost --------------------------------------------------------------------------------


def write_pyiot_storage(config_dir: Path, nodes: int, resource_count: int) -> None:
    """A `.storage/pyiot.<entry_id>` as the hub writes it (`NodeHub._data_to_save`)."""
    names = mqtt_load.resources(resource_count)
    records = {}
    for node in (f"restore-{index:05d}" for index in range(nodes)):
        info = node_info(
            node, {"name": f"Node {node}", "board": "samr21-xpro", "os": "riot", "version": "1.0"}
        )
        points = [spec.as_dict() for name in names if (spec := point_for_resource(name)) is not None]
        records[node] = {"info": info.as_dict(), "points": points}
    key = f"pyiot.{ha_harness.PYIOT_ENTRY_ID}"
    document = {"version": 1, "minor_version": 1, "key": key, "data": {"nodes": records}}
    (config_dir / ".storage" / key).write_text(json.dumps(document, ensure_ascii=False), encoding="utf-8")


@dataclass
class RestoreResult:
    """One set-up of the PyIoT entry from storage."""

    seconds: float
    entities_at: float
    setup_returned_at: float
    entities: int
    traced_bytes: int | None = None
    rss_bytes: int | None = None


def _rss() -> int:
    with Path("/proc/self/statm").open(encoding="ascii") as statm:
        return int(statm.read().split()[1]) * os.sysconf("SC_PAGE_SIZE")


async def restore_instance(
    config_dir: Path, broker: tuple[str, int], expected: int, *, first: bool, trace: bool
) -> RestoreResult:
    """Start HA on `config_dir`, set up the PyIoT entry and time it until every entity is added.

    `first`: the config dir has only the storage file (registries empty; MQTT and PyIoT entries are added
    now). Otherwise it is a restart of a dir a previous instance used: both entries and the registries
    come from `.storage`, and HA writes restored `unavailable` states before PyIoT loads.
    """
    hass = await ha_harness.start_hass(config_dir)
    try:
        if first:
            await ha_harness.add_mqtt_entry(hass, *broker)
        else:
            await async_setup_component(hass, "mqtt", {})
            await ha_harness.wait_mqtt_connected(hass)
        await hass.async_block_till_done()
        registry = er.async_get(hass)
        added: set[str] = set()
        all_added = asyncio.Event()
        times = {"entities": 0.0}

        @callback
        def on_state(event: Event[EventStateChangedData]) -> None:
            new_state = event.data["new_state"]
            if new_state is None or new_state.attributes.get("restored"):
                return
            entity_id = event.data["entity_id"]
            if entity_id in added:
                return
            entry = registry.async_get(entity_id)
            if entry is not None and entry.platform == "pyiot":
                added.add(entity_id)
                if len(added) == expected:
                    times["entities"] = time.monotonic()
                    all_added.set()

        unsubscribe = hass.bus.async_listen(EVENT_STATE_CHANGED, on_state)
        gc.collect()
        if trace:
            tracemalloc.start()
        traced_before = tracemalloc.get_traced_memory()[0] if trace else 0
        rss_before = _rss()
        start = time.monotonic()
        if first:
            await hass.config_entries.async_add(ha_harness.pyiot_entry())
        else:
            await hass.config_entries.async_setup(ha_harness.PYIOT_ENTRY_ID)
        setup_returned = time.monotonic()
        async with asyncio.timeout(PROCESS_TIMEOUT):
            await all_added.wait()
        end = max(setup_returned, times["entities"])
        unsubscribe()
        await hass.async_block_till_done()
        gc.collect()
        traced = tracemalloc.get_traced_memory()[0] - traced_before if trace else None
        if trace:
            tracemalloc.stop()
        rss = _rss() - rss_before
        return RestoreResult(
            seconds=end - start,
            entities_at=times["entities"] - start,
            setup_returned_at=setup_returned - start,
            entities=len(added),
            traced_bytes=traced,
            rss_bytes=rss,
        )
    finally:
        await ha_harness.stop_hass(hass)


@dataclass
class RestoreResults:
    """Every restore measurement."""

    first: list[RestoreResult] = field(default_factory=list)
    restart: list[RestoreResult] = field(default_factory=list)
    memory_first: RestoreResult | None = None
    memory_restart: RestoreResult | None = None


def restore_bench(broker: tuple[str, int], vol: Volumes, workdir: Path) -> RestoreResults:
    """Fresh config dirs with the storage file: first set-up and restart, timed; then traced for memory."""
    results = RestoreResults()
    expected = vol.restore_nodes * 4

    def instance(config_dir: Path, *, first: bool, trace: bool) -> RestoreResult:
        return ha_harness.run_hass(
            lambda: restore_instance(config_dir, broker, expected, first=first, trace=trace)
        )

    for rep in range(vol.reps):
        config_dir = ha_harness.make_config_dir(workdir / f"restore-{rep}")
        write_pyiot_storage(config_dir, vol.restore_nodes, 4)
        results.first.append(instance(config_dir, first=True, trace=False))
        results.restart.append(instance(config_dir, first=False, trace=False))
        print(
            f"  rep {rep + 1}/{vol.reps} restore: first set-up {results.first[-1].seconds:.3f} s, "
            f"restart {results.restart[-1].seconds:.3f} s",
            flush=True,
        )
    config_dir = ha_harness.make_config_dir(workdir / "restore-memory")
    write_pyiot_storage(config_dir, vol.restore_nodes, 4)
    results.memory_first = instance(config_dir, first=True, trace=True)
    results.memory_restart = instance(config_dir, first=False, trace=True)
    return results


def restore_in_child(broker: Mosquitto, vol: Volumes, workdir: Path) -> RestoreResults:
    """`restore_bench` in a fresh process (clean heap: meaningful RSS, no garbage of the ingest runs)."""
    out = workdir / "restore.json"
    command = [
        sys.executable,
        str(Path(__file__).resolve()),
        "--restore-child",
        str(out),
        "--broker-port",
        str(broker.port),
        "--reps",
        str(vol.reps),
        "--restore-nodes",
        str(vol.restore_nodes),
    ]
    subprocess.run(command, check=True, stdin=subprocess.DEVNULL)
    data = json.loads(out.read_text(encoding="utf-8"))

    def result(item: dict[str, Any] | None) -> RestoreResult | None:
        return None if item is None else RestoreResult(**item)

    return RestoreResults(
        first=[RestoreResult(**item) for item in data["first"]],
        restart=[RestoreResult(**item) for item in data["restart"]],
        memory_first=result(data["memory_first"]),
        memory_restart=result(data["memory_restart"]),
    )


def restore_child(args: argparse.Namespace, vol: Volumes) -> None:
    """Entry point of the restore process: measure, write the results as JSON."""
    workdir = Path(tempfile.mkdtemp(prefix="pyiot-bench-restore-"))
    try:
        results = restore_bench(("127.0.0.1", args.broker_port), vol, workdir)
        Path(args.restore_child).write_text(json.dumps(dataclasses.asdict(results)), encoding="utf-8")
    finally:
        shutil.rmtree(workdir, ignore_errors=True)


# --- report --------------------------------------------------------------------------------------


def _spread(values: Sequence[float], fmt: str = "{:.1f}") -> str:
    return f"median of {len(values)}; min {fmt.format(min(values))}, max {fmt.format(max(values))}"


def _mark(ok: bool) -> str:
    return "PASS" if ok else "FAIL"


def print_ingest(vol: Volumes, results: dict[str, Series]) -> None:
    """The ingest figures."""
    pyiot, ha_mqtt, raw, noop = (results[kind] for kind in RUN_KINDS)
    names = (
        ("pyiot_state_writes_per_s", pyiot, ""),
        ("ha_mqtt_sensor_state_writes_per_s", ha_mqtt, ""),
        ("raw_subscriber_msgs_per_s", raw, "; paho, MQTT 3.1.1, own process"),
        (
            "ha_mqtt_client_noop_msgs_per_s",
            noop,
            "; diagnostic: HA's MQTT client, node/# to a no-op callback",
        ),
    )
    for name, series, note in names:
        if series.runs:
            print(f"{name} = {series.median():.1f}  ({_spread(series.rates())}{note})")
    if pyiot.runs and ha_mqtt.runs:
        ratio_ha = pyiot.median() / ha_mqtt.median()
        print(
            f"ratio_vs_ha_mqtt = {ratio_ha:.2f}x "
            f"(target >= {TARGET_RATIO_VS_HA_MQTT}x: {_mark(ratio_ha >= TARGET_RATIO_VS_HA_MQTT)})"
        )
    if pyiot.runs and raw.runs:
        ratio_raw = pyiot.median() / raw.median()
        print(
            f"ratio_vs_raw = {ratio_raw * 100:.1f} % "
            f"(target >= {TARGET_RATIO_VS_RAW * 100:.0f} %: {_mark(ratio_raw >= TARGET_RATIO_VS_RAW)})"
        )
    _print_diagnostics(pyiot, ha_mqtt, noop)
    _print_losses(vol, results)


def _print_diagnostics(pyiot: Series, ha_mqtt: Series, noop: Series) -> None:
    """Where the time per message goes: HA's MQTT client floor and the cyclic GC."""
    measured = [
        (name, series) for name, series in (("pyiot", pyiot), ("ha_mqtt_sensor", ha_mqtt)) if series.runs
    ]
    if noop.runs:
        floor = 1e6 / noop.median()
        parts = [f"ha_mqtt_client_floor = {floor:.1f}"]
        for name, series in measured:
            total = 1e6 / series.median()
            parts.append(f"{name} = {total:.1f} (+{total - floor:.1f} above the floor)")
        print("per_message_us: " + ", ".join(parts))
    for name, series in measured:
        shares = [run.gc_seconds / run.elapsed for run in series.runs if run.gc_seconds is not None]
        if shares:
            print(
                f"{name}_gc_share = {statistics.median(shares) * 100:.0f} % of the measured interval "
                "(Python's cyclic GC, median)"
            )


def _print_losses(vol: Volumes, results: dict[str, Series]) -> None:
    """Messages that did not become state writes (or were not received), and the final-state check."""
    labels = {
        "pyiot": "pyiot",
        "ha_mqtt": "ha_mqtt_sensor",
        "raw": "raw_subscriber",
        "ha_noop": "ha_mqtt_client_noop",
    }
    for kind in RUN_KINDS:
        series = results[kind]
        if not series.runs:
            continue
        seen = sum(run.seen for run in series.runs)
        sent = sum(run.sent for run in series.runs)
        line = f"{labels[kind]}_loss = {sent - seen} of {sent} messages"
        if series.runs[0].final_total is not None:
            ok = sum(run.final_ok or 0 for run in series.runs)
            total = sum(run.final_total or 0 for run in series.runs)
            other = sum(run.other_writes for run in series.runs)
            line += (
                f"; final states correct {ok}/{total} ({vol.entities} per run); non-numeric writes {other}"
            )
        print(line)


def print_restore(vol: Volumes, results: RestoreResults) -> None:
    """The restore figures."""
    first = [result.seconds for result in results.first]
    restart = [result.seconds for result in results.restart]
    print(f"restore_nodes = {vol.restore_nodes}, restore_points = {vol.restore_nodes * 4}")
    median_first = statistics.median(first)
    print(
        f"restore_setup_s = {median_first:.3f}  (fresh config dir, registries empty; "
        f"{_spread(first, '{:.3f}')}; target < {TARGET_RESTORE_S} s: "
        f"{_mark(median_first < TARGET_RESTORE_S)})"
    )
    detail = sorted(results.first, key=lambda result: result.seconds)[len(results.first) // 2]
    print(
        f"  entities all added at {detail.entities_at:.3f} s, async_setup returned at "
        f"{detail.setup_returned_at:.3f} s ({detail.entities} entities)"
    )
    detail = sorted(results.restart, key=lambda result: result.seconds)[len(results.restart) // 2]
    restart_detail = (
        f"  entities all added at {detail.entities_at:.3f} s, async_setup returned at "
        f"{detail.setup_returned_at:.3f} s ({detail.entities} entities)"
    )
    median_restart = statistics.median(restart)
    print(
        f"restore_restart_setup_s = {median_restart:.3f}  (same dir after an HA restart, registries loaded; "
        f"{_spread(restart, '{:.3f}')}; target < {TARGET_RESTORE_S} s: "
        f"{_mark(median_restart < TARGET_RESTORE_S)})"
    )
    print(restart_detail)
    nodes = vol.restore_nodes
    if results.memory_first is not None and results.memory_first.traced_bytes is not None:
        per_node = results.memory_first.traced_bytes / nodes / 1024
        print(
            f"memory_per_node_kb = {per_node:.1f}  (tracemalloc: Python heap retained by the first set-up, "
            f"incl. device/entity registry entries, / {nodes}; target < {TARGET_KB_PER_NODE:.0f} KB: "
            f"{_mark(per_node < TARGET_KB_PER_NODE)})"
        )
    if results.memory_restart is not None and results.memory_restart.traced_bytes is not None:
        per_node = results.memory_restart.traced_bytes / nodes / 1024
        print(
            f"memory_per_node_restart_kb = {per_node:.1f}  (tracemalloc, restart: registries were loaded "
            "before the set-up, so not counted)"
        )
    rss = results.first[0].rss_bytes
    if rss is not None:
        print(
            f"memory_per_node_rss_kb = {rss / nodes / 1024:.1f}  (RSS delta of the first set-up, first HA "
            "instance of a fresh process; coarse: allocator arenas)"
        )


def parse_args(argv: Sequence[str] | None) -> tuple[Volumes, argparse.Namespace]:
    """Command line."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--nodes", type=int, default=50, help="simulated nodes (default 50)")
    parser.add_argument(
        "--resources", type=int, default=4, help="numeric resources per node, 1-6 (default 4)"
    )
    parser.add_argument("--messages", type=int, default=20_000, help="value messages per run (default 20000)")
    parser.add_argument("--reps", type=int, default=3, help="repetitions of every measurement (default 3)")
    parser.add_argument("--idle", type=float, default=5.0, help="seconds without progress that end a run")
    parser.add_argument(
        "--publisher",
        choices=("raw", "paho"),
        default="raw",
        help="raw: pre-encoded QoS 0 PUBLISH packets on a plain socket (default; keeps the load "
        "generator's CPU out of the measurement); paho: paho-mqtt client.publish() per message",
    )
    parser.add_argument("--restore-nodes", type=int, default=1000, help="stored nodes (x4 points)")
    parser.add_argument(
        "--profile",
        type=Path,
        metavar="DIR",
        help="cProfile the HA event loop during every measured PyIoT / HA MQTT run into "
        "DIR/<kind>-rep<N>.pstats (the rates are then not comparable to unprofiled ones)",
    )
    parser.add_argument(
        "--kinds",
        default=",".join(RUN_KINDS),
        help="ingest runs to do, comma-separated among pyiot,ha_mqtt,raw,ha_noop (default: all)",
    )
    parser.add_argument("--restore-child", help=argparse.SUPPRESS)
    parser.add_argument("--broker-port", type=int, help=argparse.SUPPRESS)
    parser.add_argument("--skip-ingest", action="store_true")
    parser.add_argument("--skip-restore", action="store_true")
    args = parser.parse_args(argv)
    mqtt_load.resources(args.resources)  # validates
    if args.profile is not None:
        args.profile.mkdir(parents=True, exist_ok=True)
    vol = Volumes(
        nodes=args.nodes,
        resources=args.resources,
        messages=args.messages,
        reps=args.reps,
        idle=args.idle,
        publisher=args.publisher,
        restore_nodes=args.restore_nodes,
        kinds=tuple(kind for kind in args.kinds.split(",") if kind in RUN_KINDS),
    )
    return vol, args


def main(argv: Sequence[str] | None = None) -> None:
    """Run the benchmark and print the figures."""
    vol, args = parse_args(argv)
    ha_harness.quiet_logging()
    if args.restore_child:
        restore_child(args, vol)
        return
    workdir = Path(tempfile.mkdtemp(prefix="pyiot-bench-"))
    broker = start_mosquitto(workdir)
    started = time.monotonic()
    try:
        print(
            f"PyIoT MQTT ingest benchmark: {vol.nodes} nodes x {vol.resources} resources = {vol.entities} "
            f"entities, {vol.messages} messages per run ({vol.indices_per_run - 1} per entity, every one a "
            f"new value), QoS 0, {vol.reps} reps, publisher={vol.publisher}, mosquitto on port {broker.port}",
            flush=True,
        )
        print(f"integration under test: {INTEGRATION_ROOT / 'custom_components' / 'pyiot'}", flush=True)
        ingest = None
        if not args.skip_ingest:
            print(
                "ingest (one HA instance; PyIoT unloaded and MQTT sensors removed between runs):", flush=True
            )
            config_dir = ha_harness.make_config_dir(workdir / "ingest")
            ingest = ha_harness.run_hass(lambda: ingest_main(broker, vol, config_dir, args.profile))
        restore = None
        if not args.skip_restore:
            print("restore cost (in a fresh process; one HA instance per set-up):", flush=True)
            restore = restore_in_child(broker, vol, workdir)
        print()
        print("=== results ===")
        print(
            f"volumes: nodes = {vol.nodes}, resources_per_node = {vol.resources}, entities = {vol.entities}, "
            f"messages_per_run = {vol.messages}, reps = {vol.reps}, qos = 0, publisher = {vol.publisher}, "
            f"cpus = {os.cpu_count()}"
        )
        if ingest is not None:
            print_ingest(vol, ingest)
        if restore is not None:
            print_restore(vol, restore)
        print(f"total_runtime_s = {time.monotonic() - started:.1f}")
    finally:
        broker.stop()
        shutil.rmtree(workdir, ignore_errors=True)


if __name__ == "__main__":
    main()
