"""Benchmark of remote IOTpy servers inside Home Assistant: PyIoT's entry against HA core's `rest` sensors.

Run from the repository root:

    .venv/bin/python bench/iotpy_remote_ha.py [--servers 20 --variables 50 --interval 1 --seconds 10 --reps 2]

A separate process (`bench/iotpy_remote.py --serve`) runs `--servers` simulated upstream servers with
`--variables` variables each (values moving every second) on 127.0.0.1, so their CPU is not counted.
Then, in this process, a real Home Assistant (`bench/ha_harness.py`, no recorder) reads them, in turns:

1. PyIoT: one "IOTpy server" entry per server, poll interval `--interval` (one `GET /variables` per
   server and interval, each variable a sensor).
2. Anchor: HA core's `rest` sensor platform, one sensor per variable (`platform: rest`, the server's
   `/variables` as resource, `scan_interval` `--interval`, a `value_template` picking the variable out of
   `value_json`): one request per sensor and interval, as the issue states the anchor.

Each turn waits until the sensors have values, then measures this process' CPU time (event loop and
executor threads) over `--seconds`: the HA CPU share is CPU time / wall time (of one core). State writes
of the sensors in the window are counted too. Each figure is the median of `--reps` turns of each.

The `rest` integration imports `jsonpath` (its `json_attributes_path` option, not used here), a package
the test environment does not have: a stand-in module that refuses to be used is put in its place.
Figures are printed, not asserted.
"""

import argparse
import asyncio
from collections.abc import Awaitable, Callable
from pathlib import Path
import statistics
import sys
import tempfile
import time
import types

import bench_paths  # noqa: F401 - first: sets sys.path
from ha_harness import make_config_dir, new_entry, quiet_logging, run_hass, start_hass, stop_hass
from homeassistant.const import EVENT_STATE_CHANGED
from homeassistant.core import Event, EventStateChangedData, HomeAssistant, callback
from homeassistant.setup import async_setup_component
from iotpy_remote import served

READY_TIMEOUT = 120.0
READY_POLL = 0.5
EXAMPLE_VARIABLES = ("test0", "test1", "alwais_fail")
"""Upstream's example device, first on every simulated server; `alwais_fail` never has a value."""


def _jsonpath_stand_in() -> None:
    if "jsonpath" in sys.modules:
        return
    try:
        __import__("jsonpath")
    except ImportError:
        module = types.ModuleType("jsonpath")

        class ExprSyntaxError(Exception):
            pass

        class JSONPathTypeError(Exception):
            pass

        def search(*_args: object, **_kwargs: object) -> object:
            raise RuntimeError("jsonpath stand-in: json_attributes_path is not used by this benchmark")

        module.ExprSyntaxError = ExprSyntaxError  # type: ignore[attr-defined]
        module.JSONPathTypeError = JSONPathTypeError  # type: ignore[attr-defined]
        module.search = search  # type: ignore[attr-defined]
        sys.modules["jsonpath"] = module


def variable_names(variables: int) -> list[str]:
    """The variables of one simulated server that ever have a value."""
    return ["test0", "test1"] + [f"v{index:03d}" for index in range(variables - len(EXAMPLE_VARIABLES))]


class Writes:
    """Counts state writes of sensors with a value; `numeric` is how many sensors have one now."""

    def __init__(self, hass: HomeAssistant, belongs: Callable[[str], bool]) -> None:
        """Start counting."""
        self.count = 0
        self._hass = hass
        self._belongs = belongs
        self._unsub = hass.bus.async_listen(EVENT_STATE_CHANGED, self._on_event)

    @callback
    def _on_event(self, event: Event[EventStateChangedData]) -> None:
        new_state = event.data["new_state"]
        if new_state is not None and self._belongs(event.data["entity_id"]):
            self.count += new_state.state not in {"unknown", "unavailable"}

    def numeric(self) -> int:
        """Sensors of the turn that show a value now."""
        return sum(
            1
            for state in self._hass.states.async_all("sensor")
            if self._belongs(state.entity_id) and state.state not in {"unknown", "unavailable"}
        )

    def stop(self) -> None:
        """Stop counting."""
        self._unsub()


async def _wait_ready(writes: Writes, expected: int) -> int:
    for _ in range(int(READY_TIMEOUT / READY_POLL)):
        if writes.numeric() >= expected:
            break
        await asyncio.sleep(READY_POLL)
    return writes.numeric()


async def _measure(hass: HomeAssistant, writes: Writes, expected: int, seconds: float) -> dict[str, float]:
    ready = await _wait_ready(writes, expected)
    await asyncio.sleep(2.0)  # past the first, synchronised polls
    count0, cpu0, wall0 = writes.count, time.process_time(), time.monotonic()
    await asyncio.sleep(seconds)
    wall = time.monotonic() - wall0
    return {
        "cpu_share": (time.process_time() - cpu0) / wall,
        "writes_per_s": (writes.count - count0) / wall,
        "ready": ready,
    }


async def turn_pyiot(config_dir: Path, ports: list[int], args: argparse.Namespace) -> dict[str, float]:
    hass = await start_hass(config_dir)
    writes = Writes(hass, lambda entity_id: entity_id.startswith("sensor.iotpy_server_"))
    try:
        for port in ports:
            node = f"127.0.0.1:{port}"
            entry = new_entry(
                "pyiot",
                {"entry_type": "iotpy_server", "url": f"http://{node}", "prefix": "", "node_id": node},
                title=f"IOTpy server {node}",
                options={"poll_interval": args.interval, "stale_after": 30},
                unique_id=f"iotpy_server:{node}",
            )
            await hass.config_entries.async_add(entry)
        expected = len(ports) * len(variable_names(args.variables))
        return await _measure(hass, writes, expected, args.seconds)
    finally:
        writes.stop()
        await stop_hass(hass)


async def turn_rest(config_dir: Path, ports: list[int], args: argparse.Namespace) -> dict[str, float]:
    _jsonpath_stand_in()
    hass = await start_hass(config_dir)
    writes = Writes(hass, lambda entity_id: entity_id.startswith("sensor.rest_"))
    try:
        # One `rest` resource per sensor (the same URL each time): one request per sensor and interval.
        template = "{{{{ (value_json | selectattr('name', 'eq', '{name}') | first).value }}}}"
        sensors = [
            {
                "resource": f"http://127.0.0.1:{port}/variables",
                "scan_interval": args.interval,
                "sensor": [{"name": f"rest {port} {name}", "value_template": template.format(name=name)}],
            }
            for port in ports
            for name in variable_names(args.variables)
        ]
        if not await async_setup_component(hass, "rest", {"rest": sensors}):
            raise RuntimeError("the rest sensors could not be set up")
        return await _measure(hass, writes, len(sensors), args.seconds)
    finally:
        writes.stop()
        await stop_hass(hass)


def _run(
    turn: Callable[[Path, list[int], argparse.Namespace], Awaitable[dict[str, float]]],
    ports: list[int],
    args: argparse.Namespace,
) -> dict[str, float]:
    with tempfile.TemporaryDirectory(prefix="pyiot-bench-iotpy-") as scratch:
        config_dir = make_config_dir(Path(scratch))
        return run_hass(lambda: turn(config_dir, ports, args))


def main(args: argparse.Namespace) -> None:
    quiet_logging()
    ours: list[dict[str, float]] = []
    anchor: list[dict[str, float]] = []
    with served(args.servers, args.variables) as ports:
        for _ in range(args.reps):  # interleaved: load on the shared machine hits both alike
            ours.append(_run(turn_pyiot, ports, args))
            anchor.append(_run(turn_rest, ports, args))
    sensors = args.servers * len(variable_names(args.variables))
    print(
        f"Remote IOTpy servers in Home Assistant: {args.servers} simulated servers x {args.variables} "
        f"variables ({sensors} sensors with values), read every {args.interval:g} s, {args.seconds:g} s "
        f"windows, median of {args.reps} interleaved turns (servers in another process)"
    )
    for label, runs in (
        ("PyIoT IOTpy server entries (one GET per server)", ours),
        ("Anchor: HA core rest sensors (one GET per sensor)", anchor),
    ):
        share = statistics.median(run["cpu_share"] for run in runs)
        rate = statistics.median(run["writes_per_s"] for run in runs)
        ready = min(run["ready"] for run in runs)
        per_write = statistics.median(
            run["cpu_share"] / run["writes_per_s"] * 1e6 for run in runs if run["writes_per_s"]
        )
        print(f"{label}:")
        print(
            f"  HA CPU {share * 100:6.2f} % of one core; {rate:7.1f} state writes/s, {per_write:.0f} µs each"
        )
        print(f"  sensors with a value: {ready:.0f}")
        print(f"  per turn: {', '.join(f'{run["cpu_share"] * 100:.2f} %' for run in runs)}")
    ours_share = statistics.median(run["cpu_share"] for run in ours)
    anchor_share = statistics.median(run["cpu_share"] for run in anchor)
    ratio = anchor_share / ours_share if ours_share else float("inf")
    print(f"Ratio: HA CPU of the rest anchor / PyIoT = {ratio:.1f}x")


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--servers", type=int, default=20)
    parser.add_argument("--variables", type=int, default=50)
    parser.add_argument("--interval", type=float, default=1.0)
    parser.add_argument("--seconds", type=float, default=10.0)
    parser.add_argument("--reps", type=int, default=2)
    main(parser.parse_args())
