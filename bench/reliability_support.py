"""Measuring helpers shared by `hostile_flood.py` and `recovery.py` (HA in this process, load elsewhere)."""

import asyncio
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
import json
import logging
import math
import os
from pathlib import Path
import subprocess
import sys
import time
from typing import Any

from bench_paths import BENCH_DIR  # first: sets sys.path
import ha_harness
from homeassistant.const import EVENT_STATE_CHANGED
from homeassistant.core import Event, EventStateChangedData, HomeAssistant, callback
from homeassistant.helpers import device_registry as dr, entity_registry as er
import pyiot_layout

PROCESS_TIMEOUT = 60.0
LOAD_SCRIPT = BENCH_DIR / "hostile_load.py"
STDOUT_LINE_LIMIT = 64 * 2**20
"""A result line lists every reading a node published."""


class LoadProcess:
    """One `bench/hostile_load.py` (or other script) process, talking over stdin/stdout lines."""

    def __init__(self, process: asyncio.subprocess.Process, role: str) -> None:
        """Wrap a started process."""
        self.process = process
        self.role = role

    @classmethod
    async def start(cls, role: str, port: int, *args: str, script: Path = LOAD_SCRIPT) -> LoadProcess:
        """Start a load process and wait until it prints `ready`."""
        process = await asyncio.create_subprocess_exec(
            sys.executable,
            str(script),
            role,
            "--port",
            str(port),
            *args,
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            limit=STDOUT_LINE_LIMIT,
        )
        load = cls(process, role)
        try:
            line = await load.readline()
        except BaseException:
            await load.close()
            raise
        if line != "ready":
            await load.close()
            raise RuntimeError(f"{role} process did not start: {line!r}")
        return load

    async def readline(self, limit: float = PROCESS_TIMEOUT) -> str:
        """The next line the process printed."""
        if self.process.stdout is None:
            raise RuntimeError("no stdout pipe")
        async with asyncio.timeout(limit):
            return (await self.process.stdout.readline()).decode().strip()

    async def send(self, line: str) -> None:
        """Send one line to the process."""
        if self.process.stdin is None:
            raise RuntimeError("no stdin pipe")
        self.process.stdin.write(f"{line}\n".encode())
        await self.process.stdin.drain()

    async def result(self, limit: float = PROCESS_TIMEOUT) -> dict[str, Any]:
        """The JSON line the process prints when done."""
        line = await self.readline(limit)
        if not line:
            raise RuntimeError(f"{self.role} process ended without a result")
        result: dict[str, Any] = json.loads(line)
        return result

    async def close(self) -> None:
        """Close stdin, then wait for the process or kill it."""
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


class LagMonitor:
    """Samples the event loop's lag: how late a 10 ms sleep wakes up."""

    def __init__(self, interval: float = 0.01) -> None:
        """Not started yet."""
        self.interval = interval
        self.samples: list[tuple[float, float]] = []
        self._task: asyncio.Task[None] | None = None

    def start(self) -> None:
        """Start sampling in the running loop."""
        self._task = asyncio.get_running_loop().create_task(self._run())

    async def stop(self) -> None:
        """Stop sampling."""
        if self._task is not None:
            self._task.cancel()
            await asyncio.gather(self._task, return_exceptions=True)

    async def _run(self) -> None:
        loop = asyncio.get_running_loop()
        while True:
            before = loop.time()
            await asyncio.sleep(self.interval)
            now = loop.time()
            self.samples.append((time.monotonic(), max(0.0, now - before - self.interval)))

    def lags(self, start: float, end: float) -> list[float]:
        """Lags (s) of the samples that ended between `start` and `end` (monotonic)."""
        return [lag for moment, lag in self.samples if start <= moment <= end]

    async def wait_quiet(self, quiet: float, threshold: float = 0.05, within: float = 600.0) -> float:
        """Wait until the loop ran `quiet` s without a lag above `threshold`; when that period began."""
        deadline = time.monotonic() + within
        while time.monotonic() < deadline:
            await asyncio.sleep(0.1)
            now = time.monotonic()
            recent = [(moment, lag) for moment, lag in self.samples if moment >= now - quiet]
            spikes = [moment for moment, lag in recent if lag > threshold]
            if recent and not spikes and recent[0][0] <= now - quiet + 0.2:
                return now - quiet
        raise RuntimeError("the event loop did not become quiet")


def percentile(values: Sequence[float], share: float) -> float:
    """Nearest-rank percentile (`share` in 0..1); NaN for no values."""
    if not values:
        return math.nan
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, max(0, math.ceil(share * len(ordered)) - 1))]


@dataclass
class LogCounter(logging.Handler):
    """Counts records of PyIoT's loggers at WARNING and above; keeps the first few as samples."""

    count: int = 0
    samples: list[str] = field(default_factory=list)
    by_level: dict[str, int] = field(default_factory=dict)
    keep: int = 8

    def __post_init__(self) -> None:
        """Initialise the handler part."""
        logging.Handler.__init__(self, logging.WARNING)

    def emit(self, record: logging.LogRecord) -> None:
        """Count one record."""
        self.count += 1
        self.by_level[record.levelname] = self.by_level.get(record.levelname, 0) + 1
        if len(self.samples) < self.keep:
            self.samples.append(f"{record.levelname} {record.getMessage()[:160]}")

    def attach(self) -> None:
        """Start counting PyIoT's records."""
        logging.getLogger(pyiot_layout.LOGGER_NAME).addHandler(self)

    def detach(self) -> None:
        """Stop counting."""
        logging.getLogger(pyiot_layout.LOGGER_NAME).removeHandler(self)

    def __hash__(self) -> int:
        """Handlers live in sets."""
        return id(self)


class StateRecorder:
    """Every state write of a set of entities: (monotonic time, state)."""

    def __init__(self, hass: HomeAssistant, entity_ids: Iterable[str]) -> None:
        """Start recording now."""
        self.writes: dict[str, list[tuple[float, str]]] = {entity_id: [] for entity_id in entity_ids}
        self._unsub = hass.bus.async_listen(EVENT_STATE_CHANGED, self._on_event, self._filter)

    @callback
    def _filter(self, data: EventStateChangedData) -> bool:
        return data["entity_id"] in self.writes

    @callback
    def _on_event(self, event: Event[EventStateChangedData]) -> None:
        new_state = event.data["new_state"]
        state = "removed" if new_state is None else new_state.state
        self.writes[event.data["entity_id"]].append((time.monotonic(), state))

    def stop(self) -> None:
        """Stop recording."""
        self._unsub()


def rss_bytes() -> int:
    """Resident set size of this process."""
    with Path("/proc/self/statm").open(encoding="ascii") as statm:
        return int(statm.read().split()[1]) * os.sysconf("SC_PAGE_SIZE")


def pyiot_devices(hass: HomeAssistant) -> dict[str, str]:
    """Node id → device id of every device of the Pyaiot MQTT entry."""
    registry = dr.async_get(hass)
    out = {}
    for device in dr.async_entries_for_config_entry(registry, pyiot_layout.PYAIOT_MQTT_ENTRY_ID):
        node = pyiot_layout.node_of_device(set(device.identifiers))
        if node is not None:
            out[node] = device.id
    return out


def pyiot_entities(hass: HomeAssistant) -> list[er.RegistryEntry]:
    """Every entity of the Pyaiot MQTT entry."""
    return er.async_entries_for_config_entry(er.async_get(hass), pyiot_layout.PYAIOT_MQTT_ENTRY_ID)


def entity_id_of(hass: HomeAssistant, domain: str, node: str, key: str) -> str | None:
    """Entity id of one point, None while it does not exist."""
    return er.async_get(hass).async_get_entity_id(
        domain, pyiot_layout.DOMAIN, pyiot_layout.unique_id(node, key)
    )


async def wait_for_entities(
    hass: HomeAssistant, points: Sequence[tuple[str, str, str]], *, within: float, numeric: bool = True
) -> list[str] | None:
    """Entity ids of (domain, node, key) once every one exists with a state (a number if `numeric`)."""
    deadline = time.monotonic() + within
    while time.monotonic() < deadline:
        ids = [entity_id_of(hass, *point) for point in points]
        if all(ids) and all(_has_value(hass, entity_id, numeric=numeric) for entity_id in ids if entity_id):
            return [entity_id for entity_id in ids if entity_id]
        await asyncio.sleep(0.05)
    return None


def _has_value(hass: HomeAssistant, entity_id: str, *, numeric: bool) -> bool:
    state = hass.states.get(entity_id)
    if state is None or state.state in {"unknown", "unavailable"}:
        return False
    if not numeric:
        return True
    try:
        float(state.state)
    except ValueError:
        return False
    return True


def pyiot_entry_config() -> Any:
    """The Pyaiot MQTT config entry, as its config flow creates it."""
    return ha_harness.new_entry(
        pyiot_layout.DOMAIN,
        dict(pyiot_layout.PYAIOT_MQTT_DATA),
        title=pyiot_layout.PYAIOT_MQTT_TITLE,
        options=dict(pyiot_layout.PYAIOT_MQTT_OPTIONS),
        unique_id=pyiot_layout.PYAIOT_MQTT_UNIQUE_ID,
        entry_id=pyiot_layout.PYAIOT_MQTT_ENTRY_ID,
    )


def stored_nodes(config_dir: Path) -> tuple[int, int]:
    """(node records, bytes) of the entry's `.storage` file; (0, 0) when absent."""
    path = config_dir / ".storage" / pyiot_layout.storage_key()
    if not path.exists():
        return 0, 0
    text = path.read_text(encoding="utf-8")
    return pyiot_layout.stored_node_count(json.loads(text)), len(text.encode())


def mark(ok: bool) -> str:
    """PASS or FAIL."""
    return "PASS" if ok else "FAIL"
