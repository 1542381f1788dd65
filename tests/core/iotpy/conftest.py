"""Fixtures of the IOTpy tests: a device folder, runtimes on it, the simulated server, a recorder."""

from collections.abc import AsyncGenerator, Iterator
import dataclasses
from pathlib import Path
from typing import Any

import aiohttp
import pytest

from custom_components.pyiot.core.iotpy import Backoff, IotpyRuntime, RuntimeSettings
from tests.support import iotpy_gates
from tests.support.iotpy_fixtures import DeviceFolder, ProblemRecorder, RuntimeFactory, drain, executor_job
from tests.support.recording_listener import RecordingListener
from tools.simulators.iotpy_server import IotpyServerSim


@pytest.fixture(autouse=True)
def auto_enable_custom_integrations() -> None:
    """Override tests/conftest.py: the IOTpy core needs no Home Assistant instance."""


@pytest.fixture
def gates() -> Iterator[None]:
    yield
    iotpy_gates.release_all()


@pytest.fixture
def listener() -> Iterator[RecordingListener]:
    listener = RecordingListener()
    yield listener
    assert listener.errors == []


@pytest.fixture
def problems() -> ProblemRecorder:
    return ProblemRecorder()


@pytest.fixture
def folder(tmp_path: Path) -> DeviceFolder:
    return DeviceFolder(tmp_path / "pyiot_devices")


@pytest.fixture
async def start_runtime(
    gates: None, folder: DeviceFolder, listener: RecordingListener, problems: ProblemRecorder
) -> AsyncGenerator[RuntimeFactory]:
    """Start runtimes on `folder` with test-sized settings (no watching); stopped after the test."""
    runtimes: list[IotpyRuntime] = []

    async def start(**overrides: Any) -> IotpyRuntime:
        options: dict[str, Any] = {
            "import_job": overrides.pop("import_job", executor_job),
            "io_job": overrides.pop("io_job", None),
            "observer": overrides.pop("observer", problems),
            "variable_settings": overrides.pop("variable_settings", None),
            "clock": overrides.pop("clock", None),
            "restore": overrides.pop("restore", None),
        }
        settings = RuntimeSettings(
            folder=folder.path,
            watch_interval=None,
            flush_interval=0.0,
            backoff=Backoff(initial=0.01, maximum=0.02),
            write_timeout=5.0,
            stop_timeout=5.0,
        )
        settings = dataclasses.replace(settings, **overrides)
        runtime = IotpyRuntime(
            listener,
            settings,
            import_job=options["import_job"],
            io_job=options["io_job"],
            observer=options["observer"],
            variable_settings=options["variable_settings"],
            **({"clock": options["clock"]} if options["clock"] else {}),
        )
        if options["restore"] is not None:
            runtime.restore(options["restore"])
        runtimes.append(runtime)
        await runtime.async_start()
        return runtime

    yield start
    iotpy_gates.release_all()
    for runtime in runtimes:
        await runtime.async_stop()
        await drain(runtime)


@pytest.fixture
async def session(socket_enabled: None) -> AsyncGenerator[aiohttp.ClientSession]:
    async with aiohttp.ClientSession() as session:
        yield session


@pytest.fixture
async def simulator(socket_enabled: None) -> AsyncGenerator[IotpyServerSim]:
    """The simulated upstream server on 127.0.0.1 (a free port), not polling by itself."""
    sim = IotpyServerSim(period=None, seed=1)
    await sim.start()
    yield sim
    await sim.stop()
    assert ("GET", "/restart") not in sim.requests
