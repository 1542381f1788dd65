"""Fixtures of the RPyMostat tests: the engine alone on loopback, or the entry in Home Assistant."""

from collections.abc import AsyncGenerator, Awaitable, Callable, Iterator
import dataclasses
from typing import Any
from unittest.mock import MagicMock

import aiohttp
from homeassistant.const import CONF_PORT
from homeassistant.core import HomeAssistant
import pytest
from pytest_homeassistant_custom_component.common import MockConfigEntry

from custom_components.pyiot.adapters.rpymostat import title, unique_id
from custom_components.pyiot.const import (
    CONF_ADVERTISE,
    CONF_ALLOWED_NETWORKS,
    CONF_ENTRY_TYPE,
    CONF_RATE_LIMIT,
    DOMAIN,
)
from custom_components.pyiot.core.protocols.rpymostat.engine import EngineSettings, RPyMostatEngine
from tests.rpymostat.fakes import FakeClock, Recorder
from tests.support.entries import entry_loaded
from tests.support.mosquitto import free_port

type EngineFactory = Callable[..., Awaitable[RPyMostatEngine]]


@pytest.fixture
def recorder() -> Iterator[Recorder]:
    recorder = Recorder()
    yield recorder
    assert recorder.errors == []


@pytest.fixture
def clock() -> FakeClock:
    return FakeClock()


@pytest.fixture
async def start_engine(
    socket_enabled: None, recorder: Recorder, clock: FakeClock
) -> AsyncGenerator[EngineFactory]:
    """Start engines on 127.0.0.1 (a free port) reporting to `recorder`; stopped after the test."""
    engines: list[RPyMostatEngine] = []

    async def start(**overrides: Any) -> RPyMostatEngine:
        settings = dataclasses.replace(EngineSettings(host="127.0.0.1", port=0), **overrides)
        engine = RPyMostatEngine(recorder, settings, monotonic=clock)
        await engine.async_start()
        engines.append(engine)
        return engine

    yield start
    for engine in engines:
        await engine.async_stop()


@pytest.fixture
async def session(socket_enabled: None) -> AsyncGenerator[aiohttp.ClientSession]:
    async with aiohttp.ClientSession() as session:
        yield session


# --- the entry in Home Assistant ---------------------------------------------------------------

ENTRY_ID = "01RPYMOSTATENTRY"


@pytest.fixture
def rpymostat_port(socket_enabled: None) -> int:
    """A free port for the engine (it listens on every interface; tests talk to 127.0.0.1)."""
    return free_port()


@pytest.fixture
def rpymostat_options() -> dict[str, Any]:
    """Options of the entry under test: no rate limit (tests send faster than hosts), advertised."""
    return {CONF_ALLOWED_NETWORKS: "", CONF_RATE_LIMIT: 0.0, CONF_ADVERTISE: True}


@pytest.fixture
def rpymostat_entry(
    hass: HomeAssistant, rpymostat_port: int, rpymostat_options: dict[str, Any]
) -> MockConfigEntry:
    """The entry, added but not set up."""
    entry = MockConfigEntry(
        domain=DOMAIN,
        title=title(rpymostat_port),
        unique_id=unique_id(rpymostat_port),
        data={CONF_ENTRY_TYPE: "rpymostat", CONF_PORT: rpymostat_port},
        options=rpymostat_options,
        entry_id=ENTRY_ID,
    )
    entry.add_to_hass(hass)
    return entry


@pytest.fixture
async def loaded_rpymostat(
    hass: HomeAssistant, mock_async_zeroconf: MagicMock, rpymostat_entry: MockConfigEntry
) -> AsyncGenerator[MockConfigEntry]:
    """The entry set up (HA's zeroconf instance is the plugin's mock), unloaded after the test."""
    async for entry in entry_loaded(hass, rpymostat_entry):
        yield entry


def engine_of(entry: MockConfigEntry) -> RPyMostatEngine:
    """The running engine of a loaded entry."""
    engine = entry.runtime_data.transport
    assert isinstance(engine, RPyMostatEngine)
    return engine
