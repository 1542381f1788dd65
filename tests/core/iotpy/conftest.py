"""Fixtures of the IOTpy tests: a device folder, runtimes on it, the simulated server, a recorder."""

import asyncio
from collections.abc import AsyncGenerator, Awaitable, Callable, Iterator
import dataclasses
from pathlib import Path
import textwrap
from typing import Any

import aiohttp
import pytest

from custom_components.pyiot.core.iotpy import Backoff, IotpyRuntime, Problem, RuntimeSettings
from tests.support import iotpy_gates
from tests.support.recording_listener import RecordingListener
from tools.simulators.iotpy_server import IotpyServerSim


@pytest.fixture(autouse=True)
def auto_enable_custom_integrations() -> None:
    """Override tests/conftest.py: the IOTpy core needs no Home Assistant instance."""


@dataclasses.dataclass
class ProblemRecorder:
    """A `RuntimeObserver` that keeps what was raised and cleared."""

    raised: list[Problem] = dataclasses.field(default_factory=list)
    cleared: list[str] = dataclasses.field(default_factory=list)
    current: dict[str, Problem] = dataclasses.field(default_factory=dict)

    def problem_raised(self, problem: Problem) -> None:
        self.raised.append(problem)
        self.current[problem.problem_id] = problem

    def problem_cleared(self, problem_id: str) -> None:
        self.cleared.append(problem_id)
        del self.current[problem_id]


class DeviceFolder:
    """A folder of device files written by the test."""

    def __init__(self, path: Path) -> None:
        self.path = path
        path.mkdir()

    def write(self, name: str, source: str) -> Path:
        path = self.path / name
        path.write_text(textwrap.dedent(source), encoding="utf-8")
        return path


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


type RuntimeFactory = Callable[..., Awaitable[IotpyRuntime]]


def executor_job(job: Callable[[], Any]) -> Awaitable[Any]:
    return asyncio.get_running_loop().run_in_executor(None, job)


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


async def drain(runtime: IotpyRuntime) -> None:
    """Wait for the runtime's background work (late imports being discarded)."""
    for _ in range(500):
        if not runtime._background:
            return
        await asyncio.sleep(0.01)


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
