"""Helpers of the IOTpy core tests (tests/core/iotpy): recorders, a device folder, device sources."""

import asyncio
from collections.abc import Awaitable, Callable
from concurrent.futures import ThreadPoolExecutor
import dataclasses
from pathlib import Path
import textwrap
from typing import Any

from custom_components.pyiot.core.iotpy import IotpyRuntime, Problem


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


type RuntimeFactory = Callable[..., Awaitable[IotpyRuntime]]


def executor_job(job: Callable[[], Any]) -> Awaitable[Any]:
    return asyncio.get_running_loop().run_in_executor(None, job)


async def drain(runtime: IotpyRuntime) -> None:
    """Wait for the runtime's background work (late imports being discarded)."""
    for _ in range(500):
        if not runtime._background:
            return
        await asyncio.sleep(0.01)


class BlockingExecutor:
    """An import executor with one thread, like Home Assistant's, that the test can block."""

    def __init__(self) -> None:
        self.pool = ThreadPoolExecutor(1, thread_name_prefix="test import")
        self.jobs = 0

    def __call__(self, job: Callable[[], Any]) -> Awaitable[Any]:
        self.jobs += 1
        return asyncio.get_running_loop().run_in_executor(self.pool, job)


SENSOR = """
from iotpy.Device import Device, addDevice

class Sensor(Device):
    def __init__(self, name):
        Device.__init__(self, name)
        self.count = 0
        self.addVariable("count", "loops so far")
        self.addVariable("on")
        self.addVariable("label")
        self.addVariable("broken")
        self.poll_loop_ms = 20

    def loop(self):
        self.count += 1
        self.setVariableValue("count", self.count)
        self.setVariableValue("on", self.count % 2 == 0)
        self.setVariableValue("label", "loop %d" % self.count)
        self.setVariableStatus("broken", 2, "UKNOWN FAILURE")

    def write(self, name, value):
        return False

    def cleanup(self):
        pass

addDevice(Sensor("sensor"))
"""
