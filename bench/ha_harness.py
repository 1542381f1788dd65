"""A real, minimal Home Assistant in this process, for benchmarks (no pytest plugin, no mocks).

What `homeassistant.bootstrap.async_from_config_dict` does, minus the default integrations (frontend, http,
recorder, ...): the core, the registries loaded from the config dir's `.storage`, the core config, then
`hass.async_start()`. The recorder is never set up. Custom integrations come from
`<config_dir>/custom_components` (a symlink to the repository's `custom_components/pyiot`) or from the
repository root on `sys.path`, which is the same code. `PYIOT_BENCH_ROOT=<dir>` benchmarks the
`<dir>/custom_components/pyiot` of a scratch copy instead (it comes first on `sys.path`).

Each instance runs in its own event loop built like `homeassistant.runner` builds HA's (`run_hass`), as a
stopped HA cannot share its loop with the next one.
"""

import asyncio
from collections.abc import Awaitable, Callable
import logging
import os
from pathlib import Path
import time
from types import MappingProxyType
from typing import Any

from homeassistant import bootstrap, config_entries, loader, runner
from homeassistant.components import mqtt
from homeassistant.const import EVENT_STATE_CHANGED
from homeassistant.core import Event, EventStateChangedData, HomeAssistant, callback
from homeassistant.core_config import async_process_ha_core_config
from homeassistant.helpers import entity_registry as er
from homeassistant.setup import async_setup_component

from tests.support.mosquitto import free_port

REPO_ROOT = Path(__file__).resolve().parent.parent
INTEGRATION_ROOT = Path(os.environ.get("PYIOT_BENCH_ROOT") or REPO_ROOT).resolve()
"""Directory holding the `custom_components/pyiot` under test: the repository, or a scratch copy."""
PYIOT_ENTRY_ID = "01BENCHPYIOTENTRY"
PYIOT_ENTITY_PLATFORMS = (
    "binary_sensor",
    "button",
    "event",
    "number",
    "select",
    "sensor",
    "switch",
    "text",
)
"""Set up before PyIoT, as bootstrap does for every base platform in a real installation."""


def run_hass[T](main: Callable[[], Awaitable[T]]) -> T:
    """Run `main()` in a fresh event loop configured like Home Assistant's; close the loop after."""
    loop = runner.create_event_loop()
    try:
        asyncio.set_event_loop(loop)
        return loop.run_until_complete(main())
    finally:
        try:
            # As `homeassistant.runner.run` does at exit: cancel what is still pending (tasks that
            # integrations did not hand to HA, e.g. PyIoT's `gateway/check` loop when HA stops).
            pending = asyncio.all_tasks(loop)
            for task in pending:
                task.cancel("Benchmark Home Assistant instance closed")
            if pending:
                loop.run_until_complete(asyncio.wait(pending, timeout=10))
            loop.run_until_complete(loop.shutdown_asyncgens())
            loop.run_until_complete(loop.shutdown_default_executor())
        finally:
            asyncio.set_event_loop(None)
            loop.close()


def make_config_dir(path: Path) -> Path:
    """Create a config dir whose `custom_components/pyiot` is the repository's integration."""
    (path / "custom_components").mkdir(parents=True, exist_ok=True)
    (path / ".storage").mkdir(exist_ok=True)
    # Read by integrations that look at YAML (MQTT does); the recorder is not in it, so it stays off.
    (path / "configuration.yaml").write_text("homeassistant:\n  name: bench\n", encoding="utf-8")
    link = path / "custom_components" / "pyiot"
    if not link.exists():
        link.symlink_to(INTEGRATION_ROOT / "custom_components" / "pyiot", target_is_directory=True)
    return path


def quiet_logging() -> None:
    """Warnings and errors only; no 'custom integration not tested' notice for every instance."""
    logging.basicConfig(level=logging.WARNING, format="%(levelname)s %(name)s: %(message)s")
    logging.getLogger("homeassistant.loader").setLevel(logging.ERROR)
    logging.getLogger("aiohttp_fast_zlib").setLevel(logging.ERROR)


async def start_hass(config_dir: Path) -> HomeAssistant:
    """Start a Home Assistant on `config_dir` with the core and the entity platforms PyIoT uses."""
    hass = HomeAssistant(str(config_dir))
    loader.async_setup(hass)
    hass.config.skip_pip = True
    hass.config_entries = config_entries.ConfigEntries(hass, {})
    await loader.async_get_custom_components(hass)
    if not await bootstrap.async_load_base_functionality(hass):
        raise RuntimeError("Home Assistant could not load its registries")
    for domain in sorted(bootstrap.CORE_INTEGRATIONS):
        if not await async_setup_component(hass, domain, {}):
            raise RuntimeError(f"Home Assistant could not set up {domain}")
    await async_process_ha_core_config(
        hass, {"name": "bench", "unit_system": "metric", "time_zone": "UTC", "latitude": 0, "longitude": 0}
    )
    # MQTT needs http (file uploads of certificates): loopback only, on a free port.
    http_config = {"http": {"server_host": ["127.0.0.1"], "server_port": free_port()}}
    if not await async_setup_component(hass, "http", http_config):
        raise RuntimeError("Home Assistant could not start its HTTP server")
    for domain in PYIOT_ENTITY_PLATFORMS:
        await async_setup_component(hass, domain, {})
    await hass.async_start()
    await hass.async_block_till_done()
    return hass


async def stop_hass(hass: HomeAssistant) -> None:
    """Stop Home Assistant (final writes included)."""
    await hass.async_stop()


def new_entry(
    domain: str,
    data: dict[str, Any],
    *,
    title: str,
    version: int = 2,
    minor_version: int = 1,
    options: dict[str, Any] | None = None,
    unique_id: str | None = None,
    entry_id: str | None = None,
) -> config_entries.ConfigEntry:
    """A config entry as a config flow would have created it."""
    return config_entries.ConfigEntry(
        data=data,
        discovery_keys=MappingProxyType({}),
        domain=domain,
        entry_id=entry_id,
        minor_version=minor_version,
        options=options,
        source=config_entries.SOURCE_USER,
        subentries_data=None,
        title=title,
        unique_id=unique_id,
        version=version,
    )


def pyiot_entry() -> config_entries.ConfigEntry:
    """The Pyaiot MQTT entry of PyIoT."""
    return new_entry(
        "pyiot",
        {"entry_type": "pyaiot_mqtt"},
        title="Pyaiot MQTT nodes",
        # The ingest benchmarks start thousands of nodes at once: admission limits are not what they measure.
        options={
            "node_timeout": 120,
            "limits": {
                "max_nodes": 10_000,
                "max_points_per_node": 256,
                "new_nodes_per_minute": 0,
                "discovery_per_minute": 0,
            },
        },
        unique_id="pyaiot_mqtt",
        entry_id=PYIOT_ENTRY_ID,
    )


async def wait_mqtt_connected(hass: HomeAssistant, within: float = 20.0) -> None:
    """Wait until HA's MQTT client is connected to the broker."""
    deadline = time.monotonic() + within
    while time.monotonic() < deadline:
        mqtt_data = hass.data.get(mqtt.DATA_MQTT)
        if mqtt_data is not None and mqtt_data.client.connected:
            return
        await asyncio.sleep(0.02)
    raise RuntimeError("Home Assistant's MQTT client did not connect to the broker")


async def add_mqtt_entry(hass: HomeAssistant, host: str, port: int) -> config_entries.ConfigEntry:
    """Add HA's MQTT integration on the broker (as its config flow stores it) and wait until connected.

    HA migrates the entry to MQTT 5 at set-up when the broker supports it (mosquitto 2 does).
    """
    entry = new_entry("mqtt", {"broker": host, "port": port}, title=host, version=2, minor_version=1)
    await hass.config_entries.async_add(entry)
    await wait_mqtt_connected(hass)
    return entry


def entity_ids_for(hass: HomeAssistant, platform: str, unique_ids: list[str]) -> list[str | None]:
    """Entity ids of `unique_ids` of sensors of `platform` (None where not registered yet)."""
    registry = er.async_get(hass)
    return [registry.async_get_entity_id("sensor", platform, unique_id) for unique_id in unique_ids]


class StateWriteCounter:
    """Counts `state_changed` events of a set of entities and notes when the last one came."""

    def __init__(self, hass: HomeAssistant, entity_ids: list[str], expected: int) -> None:
        """Start counting now."""
        self.entity_ids = frozenset(entity_ids)
        self.expected = expected
        self.count = 0
        self.not_numeric = 0
        self.t_last = 0.0
        self.complete = asyncio.Event()
        self._unsub = hass.bus.async_listen(EVENT_STATE_CHANGED, self._on_event, self._filter)

    @callback
    def _filter(self, data: EventStateChangedData) -> bool:
        return data["entity_id"] in self.entity_ids

    @callback
    def _on_event(self, event: Event[EventStateChangedData]) -> None:
        self.t_last = time.monotonic()
        new_state = event.data["new_state"]
        if new_state is None or new_state.state in {"unknown", "unavailable"}:
            self.not_numeric += 1
            return
        self.count += 1
        if self.count >= self.expected:
            self.complete.set()

    async def wait(self, publisher_done: Callable[[], bool], idle: float) -> None:
        """Until every expected write came, or `idle` s without one after the publisher finished."""
        while not self.complete.is_set():
            seen = self.count
            try:
                async with asyncio.timeout(idle):
                    await self.complete.wait()
            except TimeoutError:
                if publisher_done() and self.count == seen:
                    return

    def stop(self) -> None:
        """Stop counting."""
        self._unsub()
