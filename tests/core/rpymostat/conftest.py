"""Fixtures of the RPyMostat engine tests: the engine alone on loopback, reporting to a recorder."""

from collections.abc import AsyncGenerator, Awaitable, Callable, Iterator
import dataclasses
from typing import Any

import pytest

from custom_components.pyiot.core.protocols.rpymostat.engine import EngineSettings, RPyMostatEngine
from tests.core.rpymostat.fakes import FakeClock, Recorder

type EngineFactory = Callable[..., Awaitable[RPyMostatEngine]]


@pytest.fixture(autouse=True)
def auto_enable_custom_integrations() -> None:
    """Override tests/conftest.py: the engine needs no Home Assistant instance."""


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
