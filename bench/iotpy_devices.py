"""Benchmark of PyIoT's IOTpy device-file runtime on a plain asyncio loop (the HA run comes later).

Run from the repository root:

    .venv/bin/python bench/iotpy_devices.py [--files 50 --variables 10 --poll-ms 100 --seconds 10]

Writes `--files` upstream-style device files (one device each, `--variables` variables, `poll_loop_ms`
`--poll-ms`, each `loop()` blocking `--work-ms` as a serial read would) into a temporary folder, runs
them with `IotpyRuntime` and a listener that counts values, and measures, while they run:

- values/s delivered to the listener (after coalescing) and values/s the devices set;
- event-loop lag: a probe sleeps 5 ms again and again; lag = how late it wakes (p50, p99, max);
- CPU share of this process (all threads) over the window.

Anchor, in the same run: the same device objects with `loop()` called *in* the event loop (as
pyscript runs user code), same period. An idle phase (the probe alone) shows the machine's own noise.
The three phases run interleaved `--reps` times; medians are printed, not asserted.
"""

import argparse
import asyncio
from collections.abc import Sequence
from pathlib import Path
import statistics
import sys
import tempfile
import time
from typing import Any

import bench_paths  # noqa: F401 - first: sets sys.path

from custom_components.pyiot.core.iotpy import IotpyRuntime, RuntimeSettings
from custom_components.pyiot.core.iotpy.imports import DeviceRegistry
from custom_components.pyiot.core.iotpy.loader import LoadedFile, SourceFile, load_device_file
from custom_components.pyiot.core.nodes import NodeInfo, PointSpec

TARGET_LAG_P99_MS = 5.0
PROBE_S = 0.005

DEVICE_FILE = """
import random
import time
from iotpy.Device import Device, addDevice

class Bench(Device):
    def __init__(self, name):
        Device.__init__(self, name)
        for index in range({variables}):
            self.addVariable("v%d" % index, "bench value")
        self.poll_loop_ms = {poll_ms}

    def loop(self):
        if {work_s}:
            time.sleep({work_s})
        for index in range({variables}):
            self.setVariableValue("v%d" % index, random.random())

    def write(self, name, value):
        return False

    def cleanup(self):
        pass

addDevice(Bench("bench {index}"))
"""


class CountingListener:
    """Counts what the runtime reports."""

    def __init__(self) -> None:
        self.values = 0
        self.nodes = 0

    def node_seen(self, node: NodeInfo) -> None:
        self.nodes += 1

    def points_seen(self, node_id: str, points: Sequence[PointSpec]) -> None:
        pass

    def value_received(self, node_id: str, key: str, value: Any) -> None:
        self.values += 1

    def node_lost(self, node_id: str) -> None:
        pass

    def point_unavailable(self, node_id: str, key: str) -> None:
        pass


async def probe_lag(stop: asyncio.Event, lags: list[float]) -> None:
    loop = asyncio.get_running_loop()
    while not stop.is_set():
        start = loop.time()
        await asyncio.sleep(PROBE_S)
        lags.append(max(0.0, loop.time() - start - PROBE_S) * 1000)


def summary(lags: list[float]) -> tuple[float, float, float]:
    ordered = sorted(lags) or [0.0]
    return (
        statistics.median(ordered),
        ordered[min(len(ordered) - 1, int(len(ordered) * 0.99))],
        ordered[-1],
    )


def median_of(results: list[dict[str, float]]) -> dict[str, float]:
    return {key: statistics.median(result[key] for result in results) for key in results[0]}


def lag(result: dict[str, float]) -> str:
    return f"p50 {result['lag_p50']:.2f} ms, p99 {result['lag_p99']:.2f} ms, max {result['lag_max']:.2f} ms"


def write_files(folder: Path, args: argparse.Namespace) -> None:
    for index in range(args.files):
        source = DEVICE_FILE.format(
            variables=args.variables, poll_ms=args.poll_ms, work_s=args.work_ms / 1000, index=index
        )
        (folder / f"bench_{index:03d}.py").write_text(source, encoding="utf-8")


async def run_pyiot(folder: Path, args: argparse.Namespace) -> dict[str, float]:
    listener = CountingListener()
    loop = asyncio.get_running_loop()
    runtime = IotpyRuntime(
        listener,
        RuntimeSettings(folder=folder, watch_interval=2.0, flush_interval=args.flush_ms / 1000),
        import_job=lambda job: loop.run_in_executor(None, job),
    )
    await runtime.async_start()
    await asyncio.sleep(1.0)  # warm up
    mailbox = runtime._mailbox  # noqa: SLF001 - counters for the figures
    if mailbox is None:
        raise SystemExit("the runtime did not start")
    posted0, values0, cpu0, wall0 = mailbox.posted, listener.values, time.process_time(), time.monotonic()
    lags: list[float] = []
    stop = asyncio.Event()
    probe = asyncio.create_task(probe_lag(stop, lags))
    await asyncio.sleep(args.seconds)
    stop.set()
    await probe
    wall = time.monotonic() - wall0
    result = {
        "set_per_s": (mailbox.posted - posted0) / wall,
        "values_per_s": (listener.values - values0) / wall,
        "cpu_share": (time.process_time() - cpu0) / wall,
    }
    await runtime.async_stop()
    result["lag_p50"], result["lag_p99"], result["lag_max"] = summary(lags)
    result["devices"] = listener.nodes
    return result


def load_devices(folder: Path) -> list[Any]:
    """The `Device` objects of the folder's files, loaded as PyIoT loads them (blocking)."""
    registry = DeviceRegistry()
    devices: list[Any] = []
    for path in sorted(folder.glob("*.py")):
        loaded = load_device_file(
            SourceFile(name=path.name, path=path, data=path.read_bytes(), digest=""), registry, print
        )
        if not isinstance(loaded, LoadedFile):
            raise SystemExit(f"{path.name}: {loaded}")
        devices += loaded.devices
    return devices


async def run_on_loop(folder: Path, args: argparse.Namespace) -> dict[str, float]:
    """The anchor: the same devices, `loop()` called from the event loop (pyscript's model)."""
    devices = load_devices(folder)  # setup, before the measurement
    counter = [0]

    class Counting:
        def variable_changed(self, device: object, name: str) -> None:
            counter[0] += 1

    observer = Counting()
    for device in devices:
        device._observe(observer)  # noqa: SLF001
    loop = asyncio.get_running_loop()
    period = args.poll_ms / 1000

    def poll(device: Any) -> None:
        device.loop()
        handles.append(loop.call_later(period, poll, device))

    handles: list[asyncio.TimerHandle] = []
    for index, device in enumerate(devices):
        handles.append(loop.call_later(index * period / len(devices), poll, device))
    await asyncio.sleep(1.0)
    values0, cpu0, wall0 = counter[0], time.process_time(), time.monotonic()
    lags: list[float] = []
    stop = asyncio.Event()
    probe = asyncio.create_task(probe_lag(stop, lags))
    await asyncio.sleep(args.seconds)
    stop.set()
    await probe
    wall = time.monotonic() - wall0
    for handle in handles:
        handle.cancel()
    result = {"values_per_s": (counter[0] - values0) / wall, "cpu_share": (time.process_time() - cpu0) / wall}
    result["lag_p50"], result["lag_p99"], result["lag_max"] = summary(lags)
    return result


async def run_idle(args: argparse.Namespace) -> dict[str, float]:
    """The machine's own noise: the lag probe alone."""
    lags: list[float] = []
    stop = asyncio.Event()
    probe = asyncio.create_task(probe_lag(stop, lags))
    await asyncio.sleep(args.seconds)
    stop.set()
    await probe
    result: dict[str, float] = {}
    result["lag_p50"], result["lag_p99"], result["lag_max"] = summary(lags)
    return result


async def main(args: argparse.Namespace) -> None:
    with tempfile.TemporaryDirectory(prefix="pyiot-iotpy-bench-") as tmp:
        folder = Path(tmp)
        write_files(folder, args)
        # Interleaved, so the machine's load hits all three alike.
        runs = [
            (await run_idle(args), await run_pyiot(folder, args), await run_on_loop(folder, args))
            for _ in range(args.reps)
        ]
        idle, ours, anchor = (median_of([run[index] for run in runs]) for index in range(3))
    expected = args.files * args.variables * 1000 / (args.poll_ms + args.work_ms)
    print(
        f"IOTpy device files: {args.files} files x {args.variables} variables, poll_loop_ms {args.poll_ms}, "
        f"loop() blocks {args.work_ms} ms; {args.seconds} s windows, median of {args.reps}; "
        f"Python {sys.version.split()[0]}"
    )
    print(f"  expected ~{expected:.0f} values/s set by the devices (period = poll + loop time)")
    print(f"Idle loop, nothing running (this machine's noise): lag {lag(idle)}")
    print(f"PyIoT runtime (threads, coalesced every {args.flush_ms} ms), {ours['devices']:.0f} devices:")
    print(f"  set by devices   {ours['set_per_s']:9.0f} values/s")
    print(f"  delivered        {ours['values_per_s']:9.0f} values/s to the listener")
    print(f"  loop lag         {lag(ours)}   (target p99 < {TARGET_LAG_P99_MS} ms)")
    print(f"  CPU              {ours['cpu_share'] * 100:.1f} % of one core (all threads)")
    print("Anchor: the same loop() calls in the event loop (pyscript's model):")
    print(f"  delivered        {anchor['values_per_s']:9.0f} values/s")
    print(f"  loop lag         {lag(anchor)}")
    print(f"  CPU              {anchor['cpu_share'] * 100:.1f} % of one core")
    ratio = anchor["lag_p99"] / ours["lag_p99"] if ours["lag_p99"] else float("inf")
    print(f"Ratio: loop lag p99 of the anchor / PyIoT = {ratio:.1f}x")


def add_device_arguments(parser: argparse.ArgumentParser) -> None:
    """The device files' shape and the measurement windows (shared with `iotpy_devices_ha.py`)."""
    parser.add_argument("--files", type=int, default=50)
    parser.add_argument("--variables", type=int, default=10)
    parser.add_argument("--poll-ms", type=float, default=100.0)
    parser.add_argument("--work-ms", type=float, default=1.0, help="blocking time per loop() (hardware I/O)")
    parser.add_argument("--seconds", type=float, default=10.0)
    parser.add_argument("--reps", type=int, default=3, help="runs of each phase; medians are printed")


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    add_device_arguments(parser)
    parser.add_argument("--flush-ms", type=float, default=100.0)
    asyncio.run(main(parser.parse_args()))
