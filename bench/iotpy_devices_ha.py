"""Benchmark of IOTpy device files inside a real Home Assistant: state writes/s and HA's event-loop lag.

Run from the repository root:

    .venv/bin/python bench/iotpy_devices_ha.py [--files 50 --variables 10 --poll-ms 100 --seconds 10]

Writes `--files` upstream-style device files (one device each, `--variables` variables, `poll_loop_ms`
`--poll-ms`, each `loop()` blocking `--work-ms` as a serial read would; `bench/iotpy_devices.py`'s file)
into `<config>/pyiot_devices/` of a real Home Assistant (`bench/ha_harness.py`, no recorder), then, in
interleaved turns, each on a fresh instance:

1. Idle: HA running, nothing else; the lag probe alone (this machine's noise).
2. PyIoT: the "IOTpy device files" entry on that folder (each `loop()` in its own thread, values
   coalesced onto the event loop, each variable a sensor).
3. Anchor: the same device objects, `loop()` called *in* HA's event loop at the same period and each
   variable written with `hass.states.async_set` (pyscript's model: user code on the loop, `state.set`).

Measured over `--seconds` once every sensor has a value: state writes/s of the devices' sensors, HA
event-loop lag (a probe sleeps 5 ms again and again; lag = how late it wakes: p50, p99, max), and this
process' CPU share (all threads). PyIoT's sensors include one "Variable errors" diagnostic sensor per device.
Medians of `--reps` turns; figures are printed, not asserted.
"""

import argparse
import asyncio
from collections.abc import Awaitable, Callable
from pathlib import Path
import statistics
import sys
import tempfile
import time
from typing import Any

import bench_paths  # noqa: F401 - first: sets sys.path
from ha_harness import make_config_dir, new_entry, quiet_logging, run_hass, start_hass, stop_hass
from homeassistant.const import EVENT_STATE_CHANGED
from homeassistant.core import Event, EventStateChangedData, HomeAssistant, callback
from iotpy_devices import (
    TARGET_LAG_P99_MS,
    add_device_arguments,
    load_devices,
    probe_lag,
    summary,
    write_files,
)

FOLDER = "pyiot_devices"
READY_TIMEOUT = 60.0
READY_POLL = 0.2


class SensorWrites:
    """Counts state writes with a value of the benchmark devices' sensors (`sensor.bench_*`)."""

    def __init__(self, hass: HomeAssistant) -> None:
        """Start counting."""
        self.count = 0
        self._hass = hass
        self._unsub = hass.bus.async_listen(EVENT_STATE_CHANGED, self._on_event, self._filter)

    @callback
    def _filter(self, data: EventStateChangedData) -> bool:
        return data["entity_id"].startswith("sensor.bench_")

    @callback
    def _on_event(self, event: Event[EventStateChangedData]) -> None:
        new_state = event.data["new_state"]
        if new_state is not None and new_state.state not in {"unknown", "unavailable"}:
            self.count += 1

    def with_value(self) -> int:
        """Sensors of the benchmark devices that show a value now."""
        return sum(
            1
            for state in self._hass.states.async_all("sensor")
            if state.entity_id.startswith("sensor.bench_") and state.state not in {"unknown", "unavailable"}
        )

    def stop(self) -> None:
        """Stop counting."""
        self._unsub()


async def _measure(
    hass: HomeAssistant, writes: SensorWrites, expected: int, seconds: float
) -> dict[str, float]:
    for _ in range(int(READY_TIMEOUT / READY_POLL)):
        if writes.with_value() >= expected:
            break
        await asyncio.sleep(READY_POLL)
    ready = writes.with_value()
    await asyncio.sleep(1.0)  # past the first burst of entity creation
    count0, cpu0, wall0 = writes.count, time.process_time(), time.monotonic()
    lags: list[float] = []
    stop = asyncio.Event()
    probe = asyncio.create_task(probe_lag(stop, lags))
    await asyncio.sleep(seconds)
    stop.set()
    await probe
    wall = time.monotonic() - wall0
    result = {
        "writes_per_s": (writes.count - count0) / wall,
        "cpu_share": (time.process_time() - cpu0) / wall,
        "ready": ready,
    }
    result["lag_p50"], result["lag_p99"], result["lag_max"] = summary(lags)
    return result


async def turn_idle(config_dir: Path, args: argparse.Namespace) -> dict[str, float]:
    hass = await start_hass(config_dir)
    writes = SensorWrites(hass)
    try:
        return await _measure(hass, writes, 0, args.seconds)
    finally:
        writes.stop()
        await stop_hass(hass)


async def turn_pyiot(config_dir: Path, args: argparse.Namespace) -> dict[str, float]:
    hass = await start_hass(config_dir)
    writes = SensorWrites(hass)
    try:
        entry = new_entry(
            "pyiot",
            {"entry_type": "iotpy_files", "folder": FOLDER},
            title=f"IOTpy devices ({FOLDER})",
            options={"watch_interval": 2, "watchdog": 30},
            unique_id=f"iotpy_files:{FOLDER}",
        )
        await hass.config_entries.async_add(entry)
        return await _measure(hass, writes, args.files * args.variables, args.seconds)
    finally:
        writes.stop()
        await stop_hass(hass)


async def turn_on_loop(config_dir: Path, args: argparse.Namespace) -> dict[str, float]:
    """The anchor: `loop()` and the state writes in HA's event loop, as pyscript runs user code."""
    hass = await start_hass(config_dir)
    writes = SensorWrites(hass)
    devices = await hass.async_add_executor_job(load_devices, config_dir / FOLDER)
    loop = asyncio.get_running_loop()
    period = args.poll_ms / 1000
    handles: list[asyncio.TimerHandle] = []

    def poll(index: int, device: Any) -> None:
        device.loop()
        for name, variable in device.variables.items():
            hass.states.async_set(f"sensor.bench_{index}_{name}", variable.value)
        handles.append(loop.call_later(period, poll, index, device))

    for index, device in enumerate(devices):
        handles.append(loop.call_later(index * period / len(devices), poll, index, device))
    try:
        return await _measure(hass, writes, args.files * args.variables, args.seconds)
    finally:
        for handle in handles:
            handle.cancel()
        writes.stop()
        await stop_hass(hass)


def _run(
    turn: Callable[[Path, argparse.Namespace], Awaitable[dict[str, float]]],
    args: argparse.Namespace,
) -> dict[str, float]:
    with tempfile.TemporaryDirectory(prefix="pyiot-bench-iotpy-files-") as scratch:
        config_dir = make_config_dir(Path(scratch))
        folder = config_dir / FOLDER
        folder.mkdir()
        write_files(folder, args)
        return run_hass(lambda: turn(config_dir, args))


def _lag(result: dict[str, float]) -> str:
    return f"p50 {result['lag_p50']:.2f} ms, p99 {result['lag_p99']:.2f} ms, max {result['lag_max']:.2f} ms"


def main(args: argparse.Namespace) -> None:
    quiet_logging()
    runs = [
        (_run(turn_idle, args), _run(turn_pyiot, args), _run(turn_on_loop, args)) for _ in range(args.reps)
    ]
    idle, ours, anchor = (
        {key: statistics.median(run[index][key] for run in runs) for key in runs[0][index]}
        for index in range(3)
    )
    sensors = args.files * args.variables
    expected = sensors * 1000 / (args.poll_ms + args.work_ms)
    print(
        f"IOTpy device files in Home Assistant: {args.files} files x {args.variables} variables "
        f"({sensors} sensors), poll_loop_ms {args.poll_ms:g}, loop() blocks {args.work_ms:g} ms; "
        f"{args.seconds:g} s windows, median of {args.reps} interleaved turns; "
        f"Python {sys.version.split()[0]}"
    )
    print(f"  the devices set ~{expected:.0f} values/s (period = poll + loop time)")
    print(f"Idle Home Assistant (this machine's noise): lag {_lag(idle)}")
    for label, result, index in (
        ("PyIoT 'IOTpy device files' entry (threads, coalesced)", ours, 1),
        ("Anchor: loop() and hass.states.async_set in HA's event loop (pyscript's model)", anchor, 2),
    ):
        print(f"{label}:")
        print(
            f"  state writes    {result['writes_per_s']:9.0f} /s ({result['ready']:.0f} sensors with a value)"
        )
        print(f"  HA loop lag     {_lag(result)}")
        print(f"  HA CPU          {result['cpu_share'] * 100:.1f} % of one core (all threads)")
        print(f"  p99 per turn    {', '.join(f'{run[index]["lag_p99"]:.2f} ms' for run in runs)}")
    print(f"Target: PyIoT HA loop lag p99 < {TARGET_LAG_P99_MS} ms")
    ratio = anchor["lag_p99"] / ours["lag_p99"] if ours["lag_p99"] else float("inf")
    print(f"Ratio: HA loop lag p99 of the anchor / PyIoT = {ratio:.1f}x")


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    add_device_arguments(parser)
    main(parser.parse_args())
