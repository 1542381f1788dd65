"""`loop()` that raises or hangs, imports that hang, cleanups that fail: the rest keeps working."""

import asyncio
from collections.abc import Callable
import threading
from typing import Any

import pytest

from custom_components.pyiot.core.iotpy import Backoff, ProblemKey
from tests.support import iotpy_gates
from tests.support.iotpy_fixtures import (
    SENSOR,
    BlockingExecutor,
    DeviceFolder,
    ProblemRecorder,
    RuntimeFactory,
)
from tests.support.recording_listener import RecordingListener

pytestmark = pytest.mark.allow_pyiot_warnings

FLAKY = """
from iotpy.Device import Device, addDevice
from tests.support.iotpy_gates import gate

class Flaky(Device):
    def __init__(self, name):
        Device.__init__(self, name)
        self.addVariable("n")
        self.n = 0
        self.poll_loop_ms = 10

    def loop(self):
        self.n += 1
        self.setVariableValue("n", self.n)
        if not gate("healed").is_set():
            raise ZeroDivisionError("sensor unplugged")

    def write(self, name, value):
        return False

    def cleanup(self):
        pass

addDevice(Flaky("flaky"))
"""

HANGING = """
from iotpy.Device import Device, addDevice
from tests.support.iotpy_gates import gate

class Hanging(Device):
    def __init__(self, name):
        Device.__init__(self, name)
        self.addVariable("n")
        self.n = 0
        self.poll_loop_ms = 10

    def loop(self):
        self.n += 1
        self.setVariableValue("n", self.n)
        if self.n == 2:
            gate("hang").wait()

    def write(self, name, value):
        return False

    def cleanup(self):
        pass

addDevice(Hanging("hanging"))
"""


async def test_loop_exception_marks_unavailable_and_restarts_with_backoff(
    folder: DeviceFolder,
    start_runtime: RuntimeFactory,
    listener: RecordingListener,
    problems: ProblemRecorder,
) -> None:
    folder.write("flaky.py", FLAKY)
    folder.write("sensor.py", SENSOR)
    runtime = await start_runtime(backoff=Backoff(initial=0.005, maximum=0.01))
    await listener.wait_for(lambda: "flaky/flaky" in listener.of("node_lost"))
    problem = problems.current["device:flaky/flaky"]
    assert (problem.key, problem.exception, problem.message, problem.line) == (
        ProblemKey.LOOP_FAILED,
        "ZeroDivisionError",
        "sensor unplugged",
        16,
    )
    assert (problem.file, problem.device, problem.node_id) == ("flaky.py", "flaky", "flaky/flaky")
    entry = runtime._entries["flaky/flaky"]
    await listener.wait_for(lambda: entry.runner.total_failures >= 3)  # restarted, again and again
    count = len(listener.values("sensor/sensor", "count"))
    await listener.wait_for(lambda: len(listener.values("sensor/sensor", "count")) > count)
    assert not [value for value in listener.values("flaky/flaky", "n") if value > 1]
    iotpy_gates.gate("healed").set()
    await listener.wait_for(lambda: "device:flaky/flaky" not in problems.current)
    await listener.wait_for(lambda: len(listener.values("flaky/flaky", "n")) >= 2)
    assert [call for call in listener.calls if call == ("node_seen", entry.info)][-1:] == [
        ("node_seen", entry.info)
    ]
    diagnostics = runtime.diagnostics()["devices"]["flaky/flaky"]
    assert diagnostics["failures"] >= 3
    assert diagnostics["available"] is True


def test_backoff_doubles_up_to_its_maximum() -> None:
    backoff = Backoff(initial=1.0, maximum=300.0)
    assert [backoff.delay(n) for n in (1, 2, 3, 9, 10, 1000)] == [1.0, 2.0, 4.0, 256.0, 300.0, 300.0]


async def test_watchdog_marks_a_hanging_loop_and_recovers(
    folder: DeviceFolder,
    start_runtime: RuntimeFactory,
    listener: RecordingListener,
    problems: ProblemRecorder,
) -> None:
    now = [1000.0]
    folder.write("hanging.py", HANGING)
    runtime = await start_runtime(watchdog=30.0, clock=lambda: now[0])
    entry = runtime._entries["hanging/hanging"]
    await listener.wait_for(lambda: listener.values("hanging/hanging", "n") == [1, 2])
    for _ in range(500):
        if entry.runner.loop_started is not None:
            break
        await asyncio.sleep(0.01)
    runtime.check_watchdog()
    assert "device:hanging/hanging" not in problems.current
    now[0] += 31.0
    runtime.check_watchdog()
    problem = problems.current["device:hanging/hanging"]
    assert problem.key is ProblemKey.LOOP_HUNG
    assert problem.seconds == pytest.approx(31.0)
    assert listener.of("node_lost") == ["hanging/hanging"]
    assert runtime.diagnostics()["devices"]["hanging/hanging"]["hung"] is True
    iotpy_gates.gate("hang").set()
    await listener.wait_for(lambda: entry.runner.loops >= 3)
    runtime.check_watchdog()
    assert problems.current == {}
    assert listener.of("node_seen")[-1].node_id == "hanging/hanging"


async def test_watchdog_ticks_by_itself(
    folder: DeviceFolder,
    start_runtime: RuntimeFactory,
    listener: RecordingListener,
    problems: ProblemRecorder,
) -> None:
    folder.write("hanging.py", HANGING)
    await start_runtime(watchdog=0.05)
    await listener.wait_for(lambda: "hanging/hanging" in listener.of("node_lost"))
    assert problems.current["device:hanging/hanging"].key is ProblemKey.LOOP_HUNG


async def test_stop_with_a_hanging_loop_still_cleans_up(
    folder: DeviceFolder, start_runtime: RuntimeFactory, listener: RecordingListener
) -> None:
    folder.write(
        "hanging.py",
        HANGING.replace(
            "    def cleanup(self):\n        pass", "    def cleanup(self):\n        CLEANED.append(1)"
        )
        + "\nCLEANED = []\n",
    )
    runtime = await start_runtime(stop_timeout=0.05)
    entry = runtime._entries["hanging/hanging"]
    await listener.wait_for(lambda: listener.values("hanging/hanging", "n") == [1, 2])
    await runtime.async_stop()
    assert entry.device.loop.__globals__["CLEANED"] == [1]
    assert any("did not return" in note for note in runtime.diagnostics()["stop_notes"])
    iotpy_gates.gate("hang").set()
    entry.runner.thread.join(5)
    assert not entry.runner.thread.is_alive()


async def test_cleanup_that_raises_or_hangs_is_reported(
    folder: DeviceFolder, start_runtime: RuntimeFactory
) -> None:
    folder.write(
        "raising.py",
        SENSOR.replace(
            "    def cleanup(self):\n        pass",
            "    def cleanup(self):\n        raise OSError('port busy')",
        ),
    )
    folder.write(
        "stuck.py",
        "from tests.support.iotpy_gates import gate\n"
        + SENSOR.replace(
            "    def cleanup(self):\n        pass", "    def cleanup(self):\n        gate('cleanup').wait()"
        ),
    )
    runtime = await start_runtime(stop_timeout=0.05)
    stuck = runtime._entries["stuck/sensor"]
    await runtime.async_stop()
    notes = runtime.diagnostics()["stop_notes"]
    assert any("raised OSError" in note and "port busy" in note for note in notes)
    assert any("cleanup() of IOTpy stuck/sensor did not return" in note for note in notes)
    iotpy_gates.gate("cleanup").set()
    assert not stuck.runner.thread.is_alive()
    for thread in threading.enumerate():
        if thread.name.startswith("IOTpy stuck/sensor"):
            thread.join(5)


async def test_an_import_that_hangs_fails_alone_and_others_load_privately(
    folder: DeviceFolder,
    start_runtime: RuntimeFactory,
    listener: RecordingListener,
    problems: ProblemRecorder,
) -> None:
    folder.write(
        "a_hanging.py", "from tests.support.iotpy_gates import gate\ngate('import').wait()\n" + SENSOR
    )
    folder.write("b_sensor.py", SENSOR)
    executor = BlockingExecutor()
    try:
        runtime = await start_runtime(import_job=executor, import_timeout=0.2)
        assert problems.current["file:a_hanging.py"].key is ProblemKey.IMPORT_TIMEOUT
        await listener.wait_for(lambda: bool(listener.values("b_sensor/sensor", "count")))
        assert runtime.diagnostics()["import_executor_blocked_by"] == "a_hanging.py"
        assert executor.jobs == 1, "the blocked executor got no further import"
        folder.write("c_sensor.py", SENSOR)
        await runtime.async_check_files()
        await listener.wait_for(lambda: bool(listener.values("c_sensor/sensor", "count")))
        assert executor.jobs == 1
        # The hanging import finishes later: its device is discarded, never run.
        iotpy_gates.gate("import").set()
        for _ in range(500):
            if not runtime._background and not runtime._registry.devices[1:]:
                break
            await asyncio.sleep(0.01)
        assert "a_hanging/sensor" not in runtime._entries
        assert sorted(runtime._entries) == ["b_sensor/sensor", "c_sensor/sensor"]
        assert runtime.diagnostics()["import_executor_blocked_by"] is None  # free again
        folder.write("d_sensor.py", SENSOR)
        await runtime.async_check_files()
        assert executor.jobs == 2
    finally:
        iotpy_gates.release_all()
        executor.pool.shutdown(wait=True)


async def test_an_import_executor_busy_elsewhere_is_bypassed(
    folder: DeviceFolder,
    start_runtime: RuntimeFactory,
    listener: RecordingListener,
    problems: ProblemRecorder,
) -> None:
    """Home Assistant's import executor busy with something else: our import runs in a private thread."""
    folder.write("sensor.py", SENSOR)
    executor = BlockingExecutor()
    blocker = executor.pool.submit(iotpy_gates.gate("elsewhere").wait)
    try:
        await start_runtime(import_job=executor, import_timeout=0.05)
        await listener.wait_for(lambda: bool(listener.values("sensor/sensor", "count")))
        assert problems.current == {}
    finally:
        iotpy_gates.release_all()
        blocker.result(5)
        executor.pool.shutdown(wait=True)


async def test_an_import_executor_that_fails_is_a_problem(
    folder: DeviceFolder, start_runtime: RuntimeFactory, problems: ProblemRecorder
) -> None:
    folder.write("sensor.py", SENSOR)

    async def broken(job: Callable[[], Any]) -> Any:
        raise RuntimeError("cannot schedule new futures after shutdown")

    await start_runtime(import_job=broken)
    problem = problems.current["file:sensor.py"]
    assert (problem.key, problem.exception) == (ProblemKey.IMPORT_FAILED, "RuntimeError")
