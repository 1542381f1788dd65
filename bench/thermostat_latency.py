"""Latency from a temperature sensor's state change to the relay's service call: PyIoT vs generic_thermostat.

Run from the repository root: `.venv/bin/python bench/thermostat_latency.py [--samples 2000]`.

A real Home Assistant runs in this process (temporary config dir, no recorder, `bench/ha_harness.py`) with:

* a PyIoT `thermostat` entry: 10 sensors `sensor.bench_t0..9` (weight 1 each, hysteresis 20 +- 0.3 degC, no
  protection delays), heater `input_boolean.heater`;
* HA core's `generic_thermostat` "Generic bench" (YAML platform): target sensor `sensor.bench_generic`,
  heater `input_boolean.heater2`, target 20, tolerances 0.3, no minimum cycle, heat mode. It supports one
  target sensor only, so it reads one sensor where PyIoT aggregates 10;
* a second generic_thermostat "Generic shared" on `sensor.bench_t0` (one of PyIoT's sensors), heater
  `input_boolean.heater3`, for the "same write" run.

Sensors are plain states written with `hass.states.async_set` (the lightest state change). One sample: the
moved sensor crosses the threshold (PyIoT: 9 sensors stay at 20.0, `sensor.bench_t9` goes 16.0 <-> 24.0 so
the mean goes 19.6 <-> 20.4; generic: its sensor goes 16.0 <-> 24.0), so every sample needs a switch.
`t0 = perf_counter()` just before `async_set`; a listener on `call_service` for domain `input_boolean` and
the heater takes `perf_counter()` when HA dispatches that event (`seen`, the headline figure). The event's
own `time_fired` (set when `async_call` fires it, even if the bus queues its dispatch) gives `fired`.
PyIoT calls `input_boolean.turn_on/off` itself; generic_thermostat calls `homeassistant.turn_on/off`, which
then calls `input_boolean.turn_on/off` (both are shown). The same interval is also read in this thread's CPU
time (`time.thread_time`), which separates the work from time spent descheduled on a busy host, and
garbage collections are recorded (`gc.callbacks`) to explain outliers.
Samples alternate PyIoT / generic (interleaved) after a warm-up; HA is idle (`async_block_till_done`)
before each write. Then a "same write" run moves `sensor.bench_t0`, which both PyIoT and "Generic shared"
follow, and takes both latencies from each write. Last, the cost of the pieces, to show where time goes:
`async_set` call durations, a no-command `ThermostatZone.async_update`, `ThermostatController.step` and
`aggregate` alone (outside HA), and a cProfile of PyIoT's crossings.
"""

import argparse
import asyncio
from collections import Counter
from collections.abc import Callable, Sequence
import cProfile
from dataclasses import dataclass, field
from datetime import datetime, timedelta
import gc
import io
import logging
import math
import os
from pathlib import Path
import platform
import pstats
import shutil
import statistics
import sys
import tempfile
import time
from typing import Any, Self

from bench_paths import INTEGRATION_ROOT, REPO_ROOT  # first: sets sys.path
import ha_harness
from homeassistant.config_entries import ConfigEntryState
from homeassistant.const import EVENT_CALL_SERVICE, STATE_ON
from homeassistant.core import Event, HomeAssistant, callback
from homeassistant.setup import async_setup_component
from homeassistant.util import dt as dt_util

from custom_components.pyiot.core.thermostat import (
    HvacMode,
    Reading,
    Schedule,
    ThermostatController,
    aggregate,
)
from custom_components.pyiot.systems.thermostat.settings import ThermostatSettings
from custom_components.pyiot.systems.thermostat.zone import ThermostatZone

TARGET_P99_MS = 20.0
SAMPLE_TIMEOUT_S = 2.0
SENSOR_COUNT = 10
PYIOT_SENSORS = [f"sensor.bench_t{index}" for index in range(SENSOR_COUNT)]
PYIOT_MOVED = PYIOT_SENSORS[-1]
"""Moved in the interleaved run; not followed by either generic_thermostat."""
SHARED_SENSOR = PYIOT_SENSORS[0]
"""Followed by PyIoT and by "Generic shared": moved in the same-write run only."""
GENERIC_SENSOR = "sensor.bench_generic"
PYIOT_HEATER = "input_boolean.heater"
GENERIC_HEATER = "input_boolean.heater2"
SHARED_HEATER = "input_boolean.heater3"
SENSOR_ATTRS = {"device_class": "temperature", "unit_of_measurement": "°C"}
SETPOINT = 20.0
COLD, HOT = 16.0, 24.0
"""PyIoT's mean with one of 10 sensors moved: 19.6 / 20.4 (thresholds 19.7 / 20.3); generic: 16 / 24."""
PYIOT_DATA: dict[str, Any] = {
    "entry_type": "thermostat",
    "name": "Bench",
    "heaters": [PYIOT_HEATER],
    "coolers": [],
    "sensors": PYIOT_SENSORS,
    "weights": dict.fromkeys(PYIOT_SENSORS, 1.0),
    "outdoor_sensor": None,
}
PYIOT_OPTIONS: dict[str, Any] = {
    "protection": {"min_on_minutes": 0, "min_off_minutes": 0, "max_starts_per_hour": 0, "max_run_minutes": 0},
    "default_temperature": SETPOINT,
}
PROFILE_SAMPLES = 300
GARBAGE_SAMPLES = 200
STEP_CALLS = 5_000
STEP_RUNS = 5


def generic_config(name: str, heater: str, sensor: str) -> dict[str, Any]:
    """A generic_thermostat as a user writes it in YAML (no minimum cycle, so every crossing switches)."""
    return {
        "platform": "generic_thermostat",
        "name": name,
        "heater": heater,
        "target_sensor": sensor,
        "target_temp": SETPOINT,
        "cold_tolerance": 0.3,
        "hot_tolerance": 0.3,
        "initial_hvac_mode": "heat",
    }


# --- measurement -------------------------------------------------------------------------------------


@dataclass(kw_only=True)
class Series:
    """Latencies (ms) of one thermostat."""

    label: str
    seen: list[float] = field(default_factory=list)
    """`input_boolean` call_service event dispatched on the bus (perf_counter in the listener)."""
    fired: list[float] = field(default_factory=list)
    """`input_boolean` call_service event fired by `async_call` (its time_fired)."""
    first_call: list[float] = field(default_factory=list)
    """First service call naming the heater, any domain (generic: `homeassistant.turn_on`)."""
    cpu: list[float] = field(default_factory=list)
    """This thread's CPU time over the same interval as `seen`: the work, without time spent descheduled."""
    windows: list[tuple[float, float]] = field(default_factory=list)
    """(write, seen) perf_counter instants of each sample, to match against garbage collections."""
    steps: int = 0
    """PyIoT control steps (`ThermostatZone.async_update` runs) during the measured samples."""


class GcWatch:
    """Garbage collections (perf_counter start, end, generation, CPU seconds) while installed."""

    def __init__(self) -> None:
        """Not installed yet."""
        self.pauses: list[tuple[float, float, int, float]] = []
        self._start = self._cpu = 0.0

    def __call__(self, phase: str, info: dict[str, int]) -> None:
        """`gc.callbacks` hook."""
        if phase == "start":
            self._start, self._cpu = time.perf_counter(), time.thread_time()
        else:
            cpu = time.thread_time() - self._cpu
            self.pauses.append((self._start, time.perf_counter(), info["generation"], cpu))

    def __enter__(self) -> Self:
        """Start recording."""
        gc.callbacks.append(self)
        return self

    def __exit__(self, *exc: object) -> None:
        """Stop recording."""
        gc.callbacks.remove(self)

    def during(self, start: float, end: float) -> list[tuple[float, float, int, float]]:
        """Collections overlapping [start, end]."""
        return [pause for pause in self.pauses if pause[0] <= end and pause[1] >= start]


class CallProbe:
    """Notes when a service call naming `relay` is made, for one sample at a time."""

    def __init__(self, hass: HomeAssistant, relay: str) -> None:
        """Listen to `call_service` from now on."""
        self.relay = relay
        self.domain = relay.partition(".")[0]
        self.t_seen: float | None = None
        self.cpu_seen: float | None = None
        self.fired: float | None = None
        self.first_fired: float | None = None
        self.done = asyncio.Event()
        self._unsub = hass.bus.async_listen(EVENT_CALL_SERVICE, self._on_call, self._filter)

    @callback
    def _filter(self, data: dict[str, Any]) -> bool:
        entity_ids = (data.get("service_data") or {}).get("entity_id")
        if isinstance(entity_ids, str):
            return entity_ids == self.relay
        return isinstance(entity_ids, list | tuple) and self.relay in entity_ids

    @callback
    def _on_call(self, event: Event[dict[str, Any]]) -> None:
        now, cpu = time.perf_counter(), time.thread_time()
        if self.first_fired is None:
            self.first_fired = event.time_fired_timestamp
        if event.data["domain"] == self.domain and self.t_seen is None:
            self.t_seen, self.cpu_seen = now, cpu
            self.fired = event.time_fired_timestamp
            self.done.set()

    def arm(self) -> None:
        """Forget the previous sample."""
        self.t_seen = self.cpu_seen = self.fired = self.first_fired = None
        self.done.clear()

    def record(self, series: Series, stamp: Stamp, *, keep: bool) -> None:
        """Add this sample to `series` (if `keep`); a write that switched nothing stops the benchmark."""
        if self.t_seen is None or self.cpu_seen is None or self.fired is None or self.first_fired is None:
            raise RuntimeError(
                f"{series.label}: no {self.domain} call for {self.relay} within {SAMPLE_TIMEOUT_S} s of a "
                f"crossing (after {len(series.seen)} samples)"
            )
        if keep:
            series.seen.append((self.t_seen - stamp.t0) * 1000)
            series.cpu.append((self.cpu_seen - stamp.cpu0) * 1000)
            series.fired.append((self.fired - stamp.wall0) * 1000)
            series.first_call.append((self.first_fired - stamp.wall0) * 1000)
            series.windows.append((stamp.t0, self.t_seen))

    def stop(self) -> None:
        """Stop listening."""
        self._unsub()


def next_value(hass: HomeAssistant, relay: str) -> float:
    """The value that makes the relay switch: hot while it is on, cold while it is off."""
    state = hass.states.get(relay)
    return HOT if state is not None and state.state == STATE_ON else COLD


@dataclass(frozen=True, kw_only=True, slots=True)
class Stamp:
    """Clocks read just before a sensor write."""

    t0: float
    wall0: float
    cpu0: float


async def one_write(hass: HomeAssistant, sensor: str, value: float, probes: Sequence[CallProbe]) -> Stamp:
    """Write the sensor, wait for every probe's call (or the timeout), then until HA is idle."""
    for probe in probes:
        probe.arm()
    wall0 = time.time()
    cpu0 = time.thread_time()
    t0 = time.perf_counter()
    hass.states.async_set(sensor, f"{value:.1f}", SENSOR_ATTRS)
    try:
        async with asyncio.timeout(SAMPLE_TIMEOUT_S):
            for probe in probes:
                await probe.done.wait()
    except TimeoutError:
        pass
    await hass.async_block_till_done()
    return Stamp(t0=t0, wall0=wall0, cpu0=cpu0)


async def sample(hass: HomeAssistant, sensor: str, probe: CallProbe, series: Series, *, keep: bool) -> None:
    """One measured crossing."""
    stamp = await one_write(hass, sensor, next_value(hass, probe.relay), [probe])
    probe.record(series, stamp, keep=keep)


async def settle_off(hass: HomeAssistant, sensor: str, relay: str) -> None:
    """Leave `relay` off and `sensor` back at the setpoint (hysteresis keeps the relay off)."""
    if next_value(hass, relay) == HOT:
        hass.states.async_set(sensor, f"{HOT:.1f}", SENSOR_ATTRS)
        await hass.async_block_till_done()
    hass.states.async_set(sensor, f"{SETPOINT:.1f}", SENSOR_ATTRS)
    await hass.async_block_till_done()


@dataclass(kw_only=True)
class Results:
    """Everything measured in the Home Assistant instance."""

    samples: int
    warmup: int
    pyiot: Series
    generic: Series
    shared_pyiot: Series
    shared_generic: Series
    listener_order: str
    gc_watch: GcWatch
    interleaved_span: tuple[float, float]
    shared_span: tuple[float, float]
    async_set_pyiot: Crossings
    async_set_generic: Crossings
    update_us: list[float]
    profile: str
    runtime_s: float
    garbage: dict[str, tuple[float, str]]
    """Per side: cyclic-garbage objects per crossing, and the exceptions among them."""
    gc_objects: int
    """Objects tracked by the garbage collector in the running Home Assistant process."""


async def setup_equipment(hass: HomeAssistant) -> None:
    """Sensors, relays and the two kinds of thermostats."""
    for sensor in (*PYIOT_SENSORS, GENERIC_SENSOR):
        hass.states.async_set(sensor, f"{SETPOINT:.1f}", SENSOR_ATTRS)
    relays = {relay.partition(".")[2]: {} for relay in (PYIOT_HEATER, GENERIC_HEATER, SHARED_HEATER)}
    if not await async_setup_component(hass, "input_boolean", {"input_boolean": relays}):
        raise RuntimeError("input_boolean could not be set up")
    climate = [
        generic_config("Generic bench", GENERIC_HEATER, GENERIC_SENSOR),
        generic_config("Generic shared", SHARED_HEATER, SHARED_SENSOR),
    ]
    if not await async_setup_component(hass, "climate", {"climate": climate}):
        raise RuntimeError("climate (generic_thermostat) could not be set up")
    await hass.async_block_till_done()
    entry = ha_harness.new_entry("pyiot", dict(PYIOT_DATA), title="Bench", options=dict(PYIOT_OPTIONS))
    await hass.config_entries.async_add(entry)
    await hass.async_block_till_done()
    if entry.state is not ConfigEntryState.LOADED:
        raise RuntimeError(f"the PyIoT thermostat entry did not load: {entry.state}")
    for climate_id in ("climate.generic_bench", "climate.generic_shared"):
        if hass.states.get(climate_id) is None:
            raise RuntimeError(f"{climate_id} does not exist")


def zone_of(hass: HomeAssistant) -> ThermostatZone:
    """The running PyIoT zone."""
    for entry in hass.config_entries.async_entries("pyiot"):
        if isinstance(zone := getattr(entry, "runtime_data", None), ThermostatZone):
            return zone
    raise RuntimeError("no PyIoT thermostat zone")


@dataclass(kw_only=True)
class Crossings:
    """Crossings of one side alone: `async_set` call durations and the garbage collections they caused."""

    durations_us: list[float]
    collections: int
    gc_cpu_ms: float


async def timed_async_set(hass: HomeAssistant, sensor: str, relay: str, rounds: int) -> Crossings:
    """Duration (us) of the synchronous `async_set` call itself, one crossing each (HA idle before)."""
    durations = []
    gc.collect()
    with GcWatch() as watch:
        for _ in range(rounds):
            value = next_value(hass, relay)
            t0 = time.perf_counter()
            hass.states.async_set(sensor, f"{value:.1f}", SENSOR_ATTRS)
            durations.append((time.perf_counter() - t0) * 1e6)
            await hass.async_block_till_done()
            if next_value(hass, relay) == value:
                raise RuntimeError(f"{relay} did not switch after {sensor} = {value}")
    return Crossings(
        durations_us=durations,
        collections=len(watch.pauses),
        gc_cpu_ms=sum(cpu for *_, cpu in watch.pauses) * 1000,
    )


async def cyclic_garbage(hass: HomeAssistant, sensor: str, relay: str, rounds: int) -> tuple[float, str]:
    """Objects per crossing that only the cycle collector frees, and the exception types among them."""
    gc.collect()
    gc.disable()
    gc.set_debug(gc.DEBUG_SAVEALL)
    try:
        for _ in range(rounds):
            hass.states.async_set(sensor, f"{next_value(hass, relay):.1f}", SENSOR_ATTRS)
            await hass.async_block_till_done()
        found = gc.collect()
        errors = Counter(type(obj).__name__ for obj in gc.garbage if isinstance(obj, BaseException))
    finally:
        gc.garbage.clear()
        gc.set_debug(0)
        gc.enable()
    kinds = ", ".join(f"{name} x{count / rounds:g}" for name, count in errors.most_common(4)) or "none"
    return found / rounds, kinds


async def profile_pyiot(hass: HomeAssistant, rounds: int) -> str:
    """cProfile of the synchronous part of PyIoT's crossings (sensor write to the end of its dispatch)."""
    profiler = cProfile.Profile()
    gc.collect()
    gc.disable()  # a collection would be charged to whichever function happens to allocate
    try:
        for _ in range(rounds):
            value = next_value(hass, PYIOT_HEATER)
            profiler.enable()
            hass.states.async_set(PYIOT_MOVED, f"{value:.1f}", SENSOR_ATTRS)
            profiler.disable()
            await hass.async_block_till_done()
    finally:
        gc.enable()
    out = io.StringIO()
    stats = pstats.Stats(profiler, stream=out)
    stats.sort_stats("cumulative").print_stats(28)
    return out.getvalue()


async def run_interleaved(
    hass: HomeAssistant, probes: Sequence[CallProbe], samples: int, warmup: int
) -> tuple[Series, Series, tuple[float, float]]:
    """PyIoT (sensor.bench_t9 of 10), then generic (its own sensor), and so on."""
    pyiot_probe, generic_probe, _ = probes
    pyiot, generic = Series(label="pyiot"), Series(label="generic_thermostat")
    steps = [0]

    @callback
    def count_step() -> None:
        steps[0] += 1

    remove = zone_of(hass).async_add_listener(count_step)
    started = time.perf_counter()
    for index in range(warmup + samples):
        keep = index >= warmup
        if index == warmup:
            steps[0] = 0
        await sample(hass, PYIOT_MOVED, pyiot_probe, pyiot, keep=keep)
        await sample(hass, GENERIC_SENSOR, generic_probe, generic, keep=keep)
    span = (started, time.perf_counter())
    remove()
    pyiot.steps = steps[0]
    await settle_off(hass, PYIOT_MOVED, PYIOT_HEATER)
    await settle_off(hass, GENERIC_SENSOR, GENERIC_HEATER)
    return pyiot, generic, span


async def run_shared(
    hass: HomeAssistant, probes: Sequence[CallProbe], samples: int, warmup: int
) -> tuple[Series, Series, tuple[float, float], str]:
    """sensor.bench_t0 is followed by PyIoT (1 of 10) and by "Generic shared": both latencies per write."""
    pyiot_probe, _, shared_probe = probes
    pyiot, generic = Series(label="pyiot"), Series(label="generic_thermostat")
    first = "none"
    started = time.perf_counter()
    for index in range(warmup + samples):
        keep = index >= warmup
        if next_value(hass, PYIOT_HEATER) != next_value(hass, SHARED_HEATER):
            raise RuntimeError("PyIoT's and the shared generic_thermostat's heaters disagree")
        value = next_value(hass, SHARED_HEATER)
        stamp = await one_write(hass, SHARED_SENSOR, value, [pyiot_probe, shared_probe])
        pyiot_probe.record(pyiot, stamp, keep=keep)
        shared_probe.record(generic, stamp, keep=keep)
        if index == 0:
            pyiot_first = (pyiot_probe.first_fired or 0) <= (shared_probe.first_fired or 0)
            first = "PyIoT's" if pyiot_first else "generic_thermostat's"
    span = (started, time.perf_counter())
    await settle_off(hass, SHARED_SENSOR, PYIOT_HEATER)
    return pyiot, generic, span, first


async def run_breakdown(hass: HomeAssistant, rounds: int) -> dict[str, Any]:
    """async_set durations, a no-command control step, and a profile of PyIoT's crossings."""
    set_pyiot = await timed_async_set(hass, PYIOT_MOVED, PYIOT_HEATER, rounds)
    set_generic = await timed_async_set(hass, GENERIC_SENSOR, GENERIC_HEATER, rounds)
    await settle_off(hass, PYIOT_MOVED, PYIOT_HEATER)
    await settle_off(hass, GENERIC_SENSOR, GENERIC_HEATER)
    zone = zone_of(hass)
    update_us = []
    for _ in range(rounds):  # a control step that commands nothing (the relay is already right)
        t0 = time.perf_counter()
        zone.async_update()
        update_us.append((time.perf_counter() - t0) * 1e6)
        await hass.async_block_till_done()
    profile = await profile_pyiot(hass, PROFILE_SAMPLES)
    await settle_off(hass, PYIOT_MOVED, PYIOT_HEATER)
    garbage = {
        "pyiot": await cyclic_garbage(hass, PYIOT_MOVED, PYIOT_HEATER, GARBAGE_SAMPLES),
        "generic": await cyclic_garbage(hass, GENERIC_SENSOR, GENERIC_HEATER, GARBAGE_SAMPLES),
    }
    await settle_off(hass, PYIOT_MOVED, PYIOT_HEATER)
    await settle_off(hass, GENERIC_SENSOR, GENERIC_HEATER)
    return {
        "garbage": garbage,
        "async_set_pyiot": set_pyiot,
        "async_set_generic": set_generic,
        "update_us": update_us,
        "profile": profile,
    }


async def measure(samples: int, warmup: int) -> Results:
    """Everything that needs the running Home Assistant."""
    started = time.perf_counter()
    workdir = Path(tempfile.mkdtemp(prefix="pyiot-thermo-bench-"))
    try:
        hass = await ha_harness.start_hass(ha_harness.make_config_dir(workdir / "config"))
        probes: list[CallProbe] = []
        try:
            await setup_equipment(hass)
            probes = [CallProbe(hass, relay) for relay in (PYIOT_HEATER, GENERIC_HEATER, SHARED_HEATER)]
            gc.collect()
            gc_objects = len(gc.get_objects())
            with GcWatch() as watch:
                pyiot, generic, interleaved_span = await run_interleaved(hass, probes, samples, warmup)
                shared_pyiot, shared_generic, shared_span, first = await run_shared(
                    hass, probes, samples, warmup
                )
            breakdown = await run_breakdown(hass, min(samples, 1_000))
            for entry in hass.config_entries.async_entries("pyiot"):
                await hass.config_entries.async_remove(entry.entry_id)
            await hass.async_block_till_done()
        finally:
            for probe in probes:
                probe.stop()
            await ha_harness.stop_hass(hass)
    finally:
        shutil.rmtree(workdir, ignore_errors=True)
    return Results(
        samples=samples,
        warmup=warmup,
        pyiot=pyiot,
        generic=generic,
        shared_pyiot=shared_pyiot,
        shared_generic=shared_generic,
        listener_order=first,
        gc_watch=watch,
        interleaved_span=interleaved_span,
        shared_span=shared_span,
        runtime_s=time.perf_counter() - started,
        gc_objects=gc_objects,
        **breakdown,
    )


# --- the control step alone --------------------------------------------------------------------------


def bench_step() -> dict[str, float]:
    """Per-call cost (us) of `ThermostatController.step` and of `aggregate`, 10 sensors, outside HA."""
    settings = ThermostatSettings.from_entry(PYIOT_DATA, PYIOT_OPTIONS)
    controller = ThermostatController(
        schedule=Schedule(time_zone="UTC", default=settings.default_target, sensors=settings.weights),
        algorithm=settings.algorithm(),
        heaters={relay: settings.guard() for relay in settings.heaters},
        coolers={},
        aggregation=settings.aggregation(),
        fail_safe=settings.fail_safe(),
        presets=settings.presets(),
    )
    start = dt_util.utcnow()
    fixed = {sensor: Reading(value="20.0", updated=start) for sensor in PYIOT_SENSORS[:-1]}
    readings_by_value = {
        value: fixed | {PYIOT_MOVED: Reading(value=f"{value:.1f}", updated=start)} for value in (COLD, HOT)
    }
    aggregation = settings.aggregation()

    def run_steps() -> float:
        relay_on = False
        now = start
        t0 = time.perf_counter()
        for index in range(STEP_CALLS):
            now += timedelta(milliseconds=1)
            output = controller.step(
                now,
                readings_by_value[HOT if relay_on else COLD],
                None,
                hvac_mode=HvacMode.HEAT,
                preset=None,
                relays_actual={PYIOT_HEATER: relay_on},
            )
            if index == 0 and PYIOT_HEATER not in output.commands:
                raise RuntimeError("the bench step did not switch")
            relay_on = output.commands.get(PYIOT_HEATER, relay_on)
        return (time.perf_counter() - t0) / STEP_CALLS * 1e6

    def run_aggregate() -> float:
        now: datetime = start
        readings = readings_by_value[COLD]
        t0 = time.perf_counter()
        for _ in range(STEP_CALLS):
            aggregate(
                readings,
                settings.weights,
                aggregation.method,
                now=now,
                stale_after=aggregation.stale_after,
                bounds=aggregation.bounds,
            )
        return (time.perf_counter() - t0) / STEP_CALLS * 1e6

    run_steps()  # warm-up
    steps = [run_steps() for _ in range(STEP_RUNS)]
    aggregates = [run_aggregate() for _ in range(STEP_RUNS)]
    return {
        "step_min": min(steps),
        "step_median": statistics.median(steps),
        "aggregate_min": min(aggregates),
        "aggregate_median": statistics.median(aggregates),
    }


# --- report ------------------------------------------------------------------------------------------


def pct(values: Sequence[float], p: float) -> float:
    """Nearest-rank percentile."""
    ordered = sorted(values)
    return ordered[max(0, math.ceil(p / 100 * len(ordered)) - 1)]


def summary(values: Sequence[float], unit: str = "") -> str:
    """p50 / p95 / p99 / max / mean."""
    if not values:
        return "no samples"
    return (
        f"p50={pct(values, 50):.3f}{unit} p95={pct(values, 95):.3f}{unit} p99={pct(values, 99):.3f}{unit} "
        f"max={max(values):.3f}{unit} mean={statistics.fmean(values):.3f}{unit} n={len(values)}"
    )


def gc_line(watch: GcWatch, span: tuple[float, float], series: Sequence[Series]) -> str:
    """Garbage collections in a run, and how many of each side's samples above its p99 overlap one."""
    pauses = watch.during(*span)
    by_gen = {gen: sum(1 for pause in pauses if pause[2] == gen) for gen in sorted({p[2] for p in pauses})}
    longest = max(((end - start) * 1000 for start, end, _, _ in pauses), default=0.0)
    longest_cpu = max((cpu * 1000 for _, _, _, cpu in pauses), default=0.0)
    over_1ms = sum(1 for start, end, _, _ in pauses if end - start > 0.001)
    over_10ms = sum(1 for start, end, _, _ in pauses if end - start > 0.01)
    tails = []
    for one in series:
        if not one.seen:
            continue
        cut = pct(one.seen, 99)
        slow = [window for latency, window in zip(one.seen, one.windows, strict=True) if latency > cut]
        hit = sum(1 for window in slow if watch.during(*window))
        tails.append(f"{one.label} {hit}/{len(slow)}")
    gens = ", ".join(f"gen{gen}={count}" for gen, count in by_gen.items()) or "none"
    return (
        f"  gc during the run: {len(pauses)} collections ({gens}), longest {longest:.3f} ms wall / "
        f"{longest_cpu:.3f} ms CPU, {over_1ms} over 1 ms, {over_10ms} over 10 ms; "
        f"samples above p99 that overlap a collection: {', '.join(tails)}"
    )


def short(profile: str) -> str:
    """The profile without the long path prefixes."""
    site = str(Path(statistics.__file__).parent)
    for prefix in (f"{sys.prefix}/lib/python3.14/site-packages/", f"{REPO_ROOT}/", f"{site}/"):
        profile = profile.replace(prefix, "")
    return "\n".join("    " + line for line in profile.strip().splitlines()[2:])


def latency_lines(name: str, one: Series, note: str) -> None:
    """Wall latency (the figure), the same interval in CPU time, and how often the process was descheduled."""
    print(f"{name} {summary(one.seen)} {note}")
    off_cpu = sum(1 for wall, cpu in zip(one.seen, one.cpu, strict=True) if wall - cpu > 1.0)
    print(
        f"  same interval in this thread's CPU time: {summary(one.cpu)}; "
        f"samples with > 1 ms off-CPU: {off_cpu}"
    )


def print_results(res: Results, step: dict[str, float], load: tuple[str, str], total_s: float) -> None:
    """The figures."""
    print()
    print(
        "=== interleaved: each thermostat on its own sensor, a PyIoT sample then a generic one (headline) ==="
    )
    latency_lines(
        "pyiot_latency_ms",
        res.pyiot,
        f"({SENSOR_COUNT} sensors, weighted mean, 1 of them crosses the threshold)",
    )
    latency_lines(
        "generic_thermostat_latency_ms", res.generic, "(1 sensor: generic_thermostat supports only one)"
    )
    p99_pyiot, p99_generic = pct(res.pyiot.seen, 99), pct(res.generic.seen, 99)
    p50_pyiot, p50_generic = pct(res.pyiot.seen, 50), pct(res.generic.seen, 50)
    print(
        f"ratio_p99 pyiot/generic = {p99_pyiot / p99_generic:.2f} (ratio_p50 = {p50_pyiot / p50_generic:.2f})"
    )
    print(
        f"  input_boolean call fired (event time_fired, not its dispatch): pyiot {summary(res.pyiot.fired)}"
    )
    print(f"  {'':61}generic {summary(res.generic.fired)}")
    print(f"  generic's homeassistant.turn_on call fired (its first call): {summary(res.generic.first_call)}")
    print(
        f"  PyIoT control steps per crossing: {res.pyiot.steps / max(1, len(res.pyiot.seen)):.2f} "
        f"({res.pyiot.steps} steps for {len(res.pyiot.seen)} crossings)"
    )
    print(gc_line(res.gc_watch, res.interleaved_span, [res.pyiot, res.generic]))
    print()
    print(
        f"=== same write: {SHARED_SENSOR} followed by PyIoT (1 of its 10) and a second generic_thermostat ==="
    )
    latency_lines("pyiot_same_write_ms", res.shared_pyiot, "")
    latency_lines("generic_same_write_ms", res.shared_generic, "")
    print(
        f"  first service call on the first write: {res.listener_order} (one write, two reactions: whichever "
        f"runs second waits for the first)"
    )
    print(gc_line(res.gc_watch, res.shared_span, [res.shared_pyiot, res.shared_generic]))
    print()
    print("=== where the time goes ===")
    for label, side, crossings in (
        ("PyIoT's sensor: PyIoT's whole synchronous reaction", "pyiot", res.async_set_pyiot),
        ("generic's sensor", "generic", res.async_set_generic),
    ):
        rounds = len(crossings.durations_us)
        print(f"async_set({label}) call duration: {summary(crossings.durations_us, ' us')}")
        per_crossing, errors = res.garbage[side]
        print(
            f"  garbage collections during these {rounds} crossings: {crossings.collections} "
            f"({crossings.gc_cpu_ms:.1f} ms CPU in total); cyclic garbage per crossing: {per_crossing:.1f} "
            f"objects, exceptions among them: {errors}"
        )
    print(
        f"ThermostatZone.async_update with no command (step + 2 entity state writes + timer + delayed save): "
        f"{summary(res.update_us, ' us')}"
    )
    print(
        f"ThermostatController.step alone ({SENSOR_COUNT} sensors, switching every call, outside HA): "
        f"best {step['step_min']:.1f} us/call, median {step['step_median']:.1f} "
        f"({STEP_RUNS} runs x {STEP_CALLS})"
    )
    print(
        f"  of which aggregate() ({SENSOR_COUNT} sensors): best {step['aggregate_min']:.1f} us/call, "
        f"median {step['aggregate_median']:.1f}"
    )
    print(
        f"cProfile of {PROFILE_SAMPLES} PyIoT crossings (the synchronous async_set call; gc disabled while "
        f"profiling), by cumulative time:"
    )
    print(short(res.profile))
    print()
    print(
        f"samples={res.samples} per side after warmup={res.warmup}; python={platform.python_version()}; "
        f"cpus={os.cpu_count()}; load average before/after={load[0]} / {load[1]}; gc enabled "
        f"({res.gc_objects} tracked objects in HA's process); recorder off; "
        f"HA runtime_s={res.runtime_s:.1f}; total_runtime_s={total_s:.1f}"
    )
    verdict = "PASS" if p99_pyiot < TARGET_P99_MS else "FAIL"
    print(f"target p99 < {TARGET_P99_MS:.0f} ms: {verdict} (pyiot p99={p99_pyiot:.3f} ms, 10 sensors)")


def loadavg() -> str:
    """1-minute load average of the host (other processes compete for the CPUs)."""
    return f"{os.getloadavg()[0]:.2f}"


def parse_args(argv: Sequence[str] | None) -> argparse.Namespace:
    """Command line."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--samples", type=int, default=2_000, help="measured samples per side")
    parser.add_argument("--warmup", type=int, default=200, help="unmeasured samples per side first")
    return parser.parse_args(argv)


def main(argv: Sequence[str] | None = None) -> None:
    """Run the benchmark and print the figures."""
    args = parse_args(argv)
    started = time.perf_counter()
    ha_harness.quiet_logging()
    # "No previously saved temperature": expected, the temporary config dir has no restore state.
    logging.getLogger("homeassistant.components.generic_thermostat").setLevel(logging.ERROR)
    print(
        f"PyIoT thermostat latency: sensor state change -> heater service call; {args.samples} samples per "
        f"side after {args.warmup} warm-up; integration {INTEGRATION_ROOT / 'custom_components' / 'pyiot'}",
        flush=True,
    )
    measure_main: Callable[[], Any] = lambda: measure(args.samples, args.warmup)  # noqa: E731
    load_before = loadavg()
    results = ha_harness.run_hass(measure_main)
    step = bench_step()
    print_results(results, step, (load_before, loadavg()), time.perf_counter() - started)


if __name__ == "__main__":
    main()
