"""Ingest benchmark of PyIoT's RPyMostat engine: sensor updates per second and their cost in HA's loop.

Run from the repository root:

    .venv/bin/python bench/rpymostat_ingest.py [--hosts 200 --sensors 8 --seconds 10 --reps 3 ...]

A real Home Assistant runs in this process (temporary config dir, no recorder, `bench/ha_harness.py`) with
the `rpymostat` entry (rate limit off, DNS-SD off, the engine bound to 127.0.0.1). A client in a separate
process (this file, `client` role) plays N sensor hosts x M OWFS-like sensors and PUTs
`/v1/sensors/update` over loopback, each round of a host carrying a new value for each of its sensors:

1. paced: the target rate (1,000 sensor updates/s = 125 PUTs/s for 8 sensors), spread evenly over the
   window. HA's CPU time (`time.process_time()` of this process: the event loop and its executor threads)
   over the window, divided by the window, is the share of one core the ingest costs at the target.
2. max: as fast as the client's concurrent requests are answered. Sustained rate = accepted sensor
   updates / window; CPU per update = HA's CPU time / accepted updates.

By default each PUT opens a new connection, as upstream hosts do (`requests.put` without a session);
`--keepalive` reuses connections. Every run also counts HA state writes of the hosts' entities (one per
sensor update; the hosts' `last_update` timestamps are written too but not counted, as HA shows them to
the second) to prove the updates reached HA.
Figures are printed, not asserted; each is the median of `--reps` runs.
"""

import argparse
import asyncio
from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass, field
import functools
import json
import os
from pathlib import Path
import resource
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from typing import Any

import aiohttp
from bench_paths import BENCH_DIR, INTEGRATION_ROOT, REPO_ROOT  # first: sets sys.path

TARGET_UPDATES_PER_S = 1000.0
TARGET_CPU_SHARE = 0.25
"""The target: 1,000 sensor updates/s with less than 25 % of one core (250 µs of CPU per update)."""
PROCESS_TIMEOUT = 120.0
READY = "ready"
GO = "go"


# --- the client process --------------------------------------------------------------------------


def host_id(index: int) -> str:
    """Host ids in upstream's two formats (rpymostat.md §4), alternating."""
    if index % 2:
        return f"uuid.getnode_b827eb{index:06x}"
    return f"RaspberryPi/3 Model B 1.2 1024MB (Q1 2016 Sony)/{0x2F1A0000 + index:08x}"


def sensor_id(host: int, sensor: int) -> str:
    """An OWFS address-like id (16 hex digits)."""
    return f"28{host:06X}{sensor:02X}{0x00000801:06X}"


def body(host: int, sensors: int, round_number: int) -> bytes:
    """One PUT of a host: every sensor gets a value it did not have the round before."""
    value = 15.0 + (round_number % 160) * 0.0625
    document = {
        "host_id": host_id(host),
        "sensors": {
            sensor_id(host, sensor): {"type": "DS18S20", "value": value + sensor * 0.001}
            for sensor in range(sensors)
        },
    }
    return json.dumps(document).encode()


async def client_run(args: argparse.Namespace) -> dict[str, Any]:
    """PUT rounds for `args.seconds` (paced at `args.rate` updates/s, or as fast as possible)."""
    url = f"http://127.0.0.1:{args.port}/v1/sensors/update"
    connector = aiohttp.TCPConnector(force_close=not args.keepalive, limit=args.concurrency)
    statuses: Counter[int] = Counter()
    errors: Counter[str] = Counter()
    rounds = [args.first_round] * args.hosts
    put_rate = args.rate / args.sensors if args.rate > 0 else 0.0
    semaphore = asyncio.Semaphore(args.concurrency)
    headers = {"Content-Type": "application/json"}
    loop = asyncio.get_running_loop()

    async with aiohttp.ClientSession(connector=connector) as session:

        async def send(host: int) -> None:
            data = body(host, args.sensors, rounds[host])
            rounds[host] += 1
            try:
                async with session.put(url, data=data, headers=headers) as response:
                    await response.read()
                    statuses[response.status] += 1
            except (aiohttp.ClientError, OSError) as err:
                errors[type(err).__name__] += 1
            finally:
                semaphore.release()

        cpu_start = resource.getrusage(resource.RUSAGE_SELF)
        start = loop.time()
        deadline = start + args.seconds
        tasks: set[asyncio.Task[None]] = set()
        sent = 0
        if args.warmup:
            for host in range(args.hosts):
                await semaphore.acquire()
                task = asyncio.create_task(send(host))
                tasks.add(task)
                task.add_done_callback(tasks.discard)
                sent += 1
        else:
            while (now := loop.time()) < deadline:
                if put_rate:
                    due = start + sent / put_rate
                    if due > now:
                        await asyncio.sleep(due - now)
                        continue
                await semaphore.acquire()
                task = asyncio.create_task(send(sent % args.hosts))
                tasks.add(task)
                task.add_done_callback(tasks.discard)
                sent += 1
        if tasks:
            await asyncio.gather(*tasks)
        elapsed = loop.time() - start
        cpu_end = resource.getrusage(resource.RUSAGE_SELF)
    return {
        "sent": sent,
        "statuses": {str(status): count for status, count in statuses.items()},
        "errors": dict(errors),
        "elapsed": elapsed,
        "client_cpu": (cpu_end.ru_utime + cpu_end.ru_stime) - (cpu_start.ru_utime + cpu_start.ru_stime),
        "last_round": max(rounds) - 1,
    }


def client_main(args: argparse.Namespace) -> None:
    """Say ready, wait for `go` on stdin, run, print the result as one JSON line."""
    print(READY, flush=True)
    if sys.stdin.readline().strip() != GO:
        return
    print(json.dumps(asyncio.run(client_run(args))), flush=True)


# --- the Home Assistant side ---------------------------------------------------------------------


@dataclass
class Run:
    """One measured window."""

    kind: str
    updates: int
    sent_puts: int
    ok_puts: int
    wall: float
    cpu: float
    state_writes: int
    client_cpu: float
    statuses: dict[str, int]
    errors: dict[str, int]

    @property
    def rate(self) -> float:
        """Accepted sensor updates per second."""
        return self.updates / self.wall

    @property
    def cpu_share(self) -> float:
        """HA's CPU time over the window, as a share of one core."""
        return self.cpu / self.wall

    @property
    def cpu_per_update_us(self) -> float:
        """HA's CPU time per accepted sensor update."""
        return self.cpu / max(self.updates, 1) * 1e6


@dataclass
class Results:
    """Every run, by kind."""

    runs: dict[str, list[Run]] = field(default_factory=lambda: {"paced": [], "max": []})


async def run_client(
    port: int, vol: argparse.Namespace, *, rate: float, first_round: int, warmup: bool
) -> Any:
    """Start a client process, let it run, and return (its result, HA CPU seconds, HA wall seconds)."""
    command = [
        sys.executable,
        str(BENCH_DIR / "rpymostat_ingest.py"),
        "client",
        "--port",
        str(port),
        "--hosts",
        str(vol.hosts),
        "--sensors",
        str(vol.sensors),
        "--seconds",
        str(vol.seconds),
        "--rate",
        str(rate),
        "--concurrency",
        str(vol.concurrency),
        "--first-round",
        str(first_round),
    ]
    if vol.keepalive:
        command.append("--keepalive")
    if warmup:
        command.append("--warmup")
    process = await asyncio.create_subprocess_exec(
        *command, stdin=subprocess.PIPE, stdout=subprocess.PIPE, cwd=str(REPO_ROOT)
    )
    if process.stdin is None or process.stdout is None:
        raise RuntimeError("client process has no pipes")
    try:
        async with asyncio.timeout(PROCESS_TIMEOUT):
            if (await process.stdout.readline()).decode().strip() != READY:
                raise RuntimeError("client process did not start")
            cpu_start, wall_start = time.process_time(), time.monotonic()
            process.stdin.write(f"{GO}\n".encode())
            await process.stdin.drain()
            line = await process.stdout.readline()
            cpu_end, wall_end = time.process_time(), time.monotonic()
            await process.wait()
    finally:
        if process.returncode is None:
            process.kill()
            await process.wait()
    if not line:
        raise RuntimeError("client process ended without a result")
    return json.loads(line), cpu_end - cpu_start, wall_end - wall_start


class WriteCounter:
    """Counts state writes of the hosts' temperature entities."""

    def __init__(self, hass: Any, entity_ids: set[str]) -> None:
        """Start counting."""
        from homeassistant.const import EVENT_STATE_CHANGED  # noqa: PLC0415
        from homeassistant.core import callback  # noqa: PLC0415

        self.count = 0
        self.entity_ids = entity_ids

        @callback
        def _filter(data: Any) -> bool:
            return data["entity_id"] in self.entity_ids

        @callback
        def _count(_event: Any) -> None:
            self.count += 1

        self._unsub = hass.bus.async_listen(EVENT_STATE_CHANGED, _count, _filter)

    def stop(self) -> None:
        """Stop counting."""
        self._unsub()


async def bench_main(vol: argparse.Namespace, config_dir: Path) -> Results:
    """Set the entry up, create every host by a warm-up round, then the measured runs."""
    import ha_harness  # noqa: PLC0415
    from homeassistant.config_entries import ConfigEntryState  # noqa: PLC0415
    from homeassistant.helpers import entity_registry as er  # noqa: PLC0415

    from custom_components.pyiot.core.protocols.rpymostat.engine import EngineSettings  # noqa: PLC0415
    from custom_components.pyiot.systems.rpymostat import engine as adapter  # noqa: PLC0415
    from tests.support.mosquitto import free_port  # noqa: PLC0415

    hass = await ha_harness.start_hass(config_dir)
    results = Results()
    try:
        port = free_port()
        entry = ha_harness.new_entry(
            "pyiot",
            {"entry_type": "rpymostat", "port": port},
            title=adapter.title(port),
            options={"allowed_networks": "", "rate_limit": 0.0, "advertise": False},
            unique_id=adapter.unique_id(port),
        )
        # Loopback only: the benchmark's traffic never needs another interface.
        adapter.EngineSettings = functools.partial(EngineSettings, host="127.0.0.1")  # type: ignore[misc]
        await hass.config_entries.async_add(entry)
        await hass.async_block_till_done()
        if entry.state is not ConfigEntryState.LOADED:
            raise RuntimeError(f"the rpymostat entry did not load: {entry.state} {entry.reason}")

        round_number = 1
        warm, _, _ = await run_client(port, vol, rate=0, first_round=round_number, warmup=True)
        round_number += 2
        await hass.async_block_till_done()
        registry = er.async_get(hass)
        temperatures = [
            registry.async_get_entity_id(
                "sensor", "pyiot", f"{entry.entry_id}:{host_id(host)}:{sensor_id(host, sensor)}"
            )
            for host in range(vol.hosts)
            for sensor in range(vol.sensors)
        ]
        timestamps = [
            registry.async_get_entity_id("sensor", "pyiot", f"rpymostat:{host_id(host)}:last_update")
            for host in range(vol.hosts)
        ]
        if None in temperatures or None in timestamps or warm["statuses"] != {"201": vol.hosts}:
            raise RuntimeError(f"warm-up did not create every entity: {warm}")
        entity_ids = {entity_id for entity_id in temperatures if entity_id is not None}
        print(
            f"  warm-up: {vol.hosts} hosts, {len(temperatures)} temperature + {len(timestamps)} timestamp "
            "entities",
            flush=True,
        )

        for rep in range(vol.reps):
            for kind, rate in (("paced", vol.target), ("max", 0.0)):
                counter = WriteCounter(hass, entity_ids)
                result, cpu, wall = await run_client(
                    port, vol, rate=rate, first_round=round_number, warmup=False
                )
                await hass.async_block_till_done()
                counter.stop()
                round_number = result["last_round"] + 2
                ok = result["statuses"].get("201", 0)
                run = Run(
                    kind=kind,
                    updates=ok * vol.sensors,
                    sent_puts=result["sent"],
                    ok_puts=ok,
                    wall=wall,
                    cpu=cpu,
                    state_writes=counter.count,
                    client_cpu=result["client_cpu"],
                    statuses=result["statuses"],
                    errors=result["errors"],
                )
                results.runs[kind].append(run)
                print(
                    f"  rep {rep + 1}/{vol.reps} {kind:5s}: {run.rate:8.1f} updates/s, HA CPU "
                    f"{run.cpu_share * 100:5.1f} % of a core, {run.cpu_per_update_us:6.1f} µs/update, "
                    f"{run.state_writes} state writes, statuses {run.statuses}"
                    + (f", errors {run.errors}" if run.errors else ""),
                    flush=True,
                )
        return results
    finally:
        await ha_harness.stop_hass(hass)


def _median(runs: list[Run], attribute: str) -> float:
    return statistics.median(getattr(run, attribute) for run in runs)


def _spread(runs: list[Run], attribute: str, scale: float = 1.0) -> str:
    values = [getattr(run, attribute) * scale for run in runs]
    return f"median of {len(values)}; min {min(values):.1f}, max {max(values):.1f}"


def print_results(vol: argparse.Namespace, results: Results) -> None:
    """The figures, each with its target as the anchor and the ratio to it."""
    paced, fastest = results.runs["paced"], results.runs["max"]
    budget_us = TARGET_CPU_SHARE / TARGET_UPDATES_PER_S * 1e6
    print("=== results ===")
    connections = "kept alive" if vol.keepalive else "new per PUT (as upstream hosts)"
    print(
        f"volumes: hosts = {vol.hosts}, sensors_per_host = {vol.sensors}, entities = "
        f"{vol.hosts * (vol.sensors + 1)}, window = {vol.seconds:g} s, reps = {vol.reps}, concurrency = "
        f"{vol.concurrency}, connections = {connections}, cpus = {os.cpu_count()}"
    )
    target = f"{TARGET_UPDATES_PER_S:,.0f} updates/s with < {TARGET_CPU_SHARE * 100:.0f} % of one core"
    print(f"target: {target} (= {budget_us:.0f} µs of HA CPU per update)")
    share = _median(paced, "cpu_share")
    paced_rate = _median(paced, "rate")
    print(f"paced_updates_per_s = {paced_rate:.1f}  (asked {vol.target:g}; {_spread(paced, 'rate')})")
    print(
        f"ha_cpu_share_at_paced_rate = {share * 100:.1f} % of one core  "
        f"(target < {TARGET_CPU_SHARE * 100:.0f} %; "
        f"ratio to the budget = {share / TARGET_CPU_SHARE:.2f}; {_spread(paced, 'cpu_share', 100)})"
    )
    per_update = _median(paced, "cpu_per_update_us")
    print(
        f"ha_cpu_per_update_us_paced = {per_update:.1f}  (budget {budget_us:.0f} µs; ratio = "
        f"{per_update / budget_us:.2f}; {_spread(paced, 'cpu_per_update_us')})"
    )
    rate = _median(fastest, "rate")
    print(
        f"max_sustained_updates_per_s = {rate:.1f}  (target >= {TARGET_UPDATES_PER_S:,.0f}; ratio = "
        f"{rate / TARGET_UPDATES_PER_S:.2f}x; {_spread(fastest, 'rate')})"
    )
    print(
        f"ha_cpu_per_update_us_max = {_median(fastest, 'cpu_per_update_us'):.1f}  (HA CPU share during the "
        f"max runs: {_median(fastest, 'cpu_share') * 100:.1f} % of one core; "
        f"{_spread(fastest, 'cpu_per_update_us')})"
    )
    for kind, runs in (("paced", paced), ("max", fastest)):
        expected = sum(run.updates for run in runs)
        writes = sum(run.state_writes for run in runs)
        rejected = sum(run.sent_puts - run.ok_puts for run in runs)
        print(
            f"{kind}_temperature_state_writes = {writes} of {expected} accepted updates; "
            f"PUTs not accepted = {rejected}; client CPU share = "
            f"{_median(runs, 'client_cpu') / _median(runs, 'wall') * 100:.1f} % of one core"
        )


def parse_args(argv: Sequence[str] | None) -> argparse.Namespace:
    """Command line (the `client` role is internal)."""
    parser = argparse.ArgumentParser(description=(__doc__ or "").splitlines()[0])
    parser.add_argument("role", nargs="?", default="bench", choices=("bench", "client"))
    parser.add_argument("--hosts", type=int, default=200, help="simulated sensor hosts (default 200)")
    parser.add_argument("--sensors", type=int, default=8, help="sensors per host (default 8)")
    parser.add_argument(
        "--seconds", type=float, default=10.0, help="length of each measured window (default 10)"
    )
    parser.add_argument("--reps", type=int, default=3, help="repetitions of each measurement (default 3)")
    parser.add_argument(
        "--target", type=float, default=TARGET_UPDATES_PER_S, help="sensor updates/s of the paced runs"
    )
    parser.add_argument("--concurrency", type=int, default=32, help="requests in flight at most (default 32)")
    parser.add_argument("--keepalive", action="store_true", help="reuse connections (upstream hosts do not)")
    # Client role only.
    parser.add_argument("--port", type=int, default=0, help=argparse.SUPPRESS)
    parser.add_argument("--rate", type=float, default=0.0, help=argparse.SUPPRESS)
    parser.add_argument("--first-round", type=int, default=1, help=argparse.SUPPRESS)
    parser.add_argument("--warmup", action="store_true", help=argparse.SUPPRESS)
    return parser.parse_args(argv)


def main(argv: Sequence[str] | None = None) -> None:
    """Run the benchmark and print the figures."""
    args = parse_args(argv)
    if args.role == "client":
        client_main(args)
        return
    import ha_harness  # noqa: PLC0415

    ha_harness.quiet_logging()
    workdir = Path(tempfile.mkdtemp(prefix="pyiot-bench-rpymostat-"))
    started = time.monotonic()
    try:
        print(
            f"PyIoT RPyMostat ingest benchmark: {args.hosts} hosts x {args.sensors} sensors, "
            f"{args.seconds:g} s windows, {args.reps} reps",
            flush=True,
        )
        print(f"integration under test: {INTEGRATION_ROOT / 'custom_components' / 'pyiot'}", flush=True)
        config_dir = ha_harness.make_config_dir(workdir / "ha")
        results = ha_harness.run_hass(lambda: bench_main(args, config_dir))
        print()
        print_results(args, results)
        print(f"total_runtime_s = {time.monotonic() - started:.1f}")
    finally:
        shutil.rmtree(workdir, ignore_errors=True)


if __name__ == "__main__":
    main()
