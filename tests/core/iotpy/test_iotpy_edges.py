"""Edges of the IOTpy core: settings records, folder races, mailbox flushing, odd device objects."""

import asyncio
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest

from custom_components.pyiot.core.iotpy import Exposure, VariableSettings
from custom_components.pyiot.core.iotpy.devices import node_id_for, variable_key
from custom_components.pyiot.core.iotpy.mailbox import Mailbox
from custom_components.pyiot.core.iotpy.problems import Problem, ProblemKey
from custom_components.pyiot.core.iotpy.runner import LoopFailed, poll_seconds
from custom_components.pyiot.core.iotpy.scan import FileStamp, scan_folder
from custom_components.pyiot.core.protocols.iotpy.client import _server_time_ms
from tests.support import iotpy_gates
from tests.support.iotpy_fixtures import (
    SENSOR,
    BlockingExecutor,
    DeviceFolder,
    ProblemRecorder,
    RuntimeFactory,
)
from tests.support.recording_listener import RecordingListener


def test_variable_settings_round_trip() -> None:
    settings = VariableSettings(
        exposure=Exposure.NUMBER,
        unit="°C",
        device_class="temperature",
        state_class="none",
        minimum=5,
        maximum=30.0,
        step=0.5,
    )
    data = settings.as_dict()
    assert data == {
        "exposure": "number",
        "unit": "°C",
        "device_class": "temperature",
        "state_class": "none",
        "minimum": 5,
        "maximum": 30.0,
        "step": 0.5,
    }
    assert VariableSettings.from_dict(data) == settings
    assert VariableSettings().as_dict() == {}
    odd = VariableSettings.from_dict(
        {"exposure": "lamp", "unit": 5, "minimum": True, "step": "1", "device_class": ""}
    )
    assert odd == VariableSettings()
    assert settings.writable
    assert not VariableSettings(exposure=Exposure.SENSOR).writable


def test_no_state_class_for_a_number() -> None:
    from custom_components.pyiot.core.iotpy import ValueKind, point_for  # noqa: PLC0415

    assert point_for("x", ValueKind.NUMBER, VariableSettings(state_class="none")).state_class is None
    assert point_for("x", ValueKind.NUMBER, VariableSettings(state_class="total")).state_class == "total"
    assert point_for(
        "x", ValueKind.BOOLEAN, VariableSettings(exposure=Exposure.BINARY_SENSOR)
    ).kind.value == ("binary_sensor")


def test_problem_texts() -> None:
    problem = Problem(key=ProblemKey.LOOP_HUNG, file="a.py", node_id="a/x", device="x", seconds=31.5)
    assert problem.problem_id == "device:a/x"
    assert problem.placeholders() == {
        "file": "a.py",
        "device": "x",
        "line": "?",
        "exception": "",
        "message": "",
        "seconds": "31.5",
    }
    assert problem.describe() == "loop_hung in device 'x' (a.py): "
    file_problem = Problem(key=ProblemKey.NO_DEVICE, file="b.py", line=3, exception="E", message="m")
    assert file_problem.describe() == "no_device in b.py:3: E: m"


def test_keys_and_node_ids() -> None:
    assert variable_key("temp") == "temp"
    assert variable_key(5) == "5"
    assert variable_key("a\nb") == "a b"
    assert len(variable_key("x" * 500)) == 128
    taken: set[str] = set()
    assert [node_id_for("f", "d", taken) for _ in range(3)] == ["f/d", "f/d#2", "f/d#3"]


@pytest.mark.parametrize(
    ("value", "seconds"),
    [
        (100, 0.1),
        (0, 0.01),
        (-5, 0.01),
        ("x", 2.0),
        (None, 2.0),
        (float("inf"), 2.0),
        (10**400, 2.0),
        ("50", 0.05),
    ],
)
def test_poll_seconds(value: Any, seconds: float) -> None:
    assert poll_seconds(value) == seconds


def test_scan_races(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    (tmp_path / "a.py").write_text("x = 1\n")
    (tmp_path / "b.py").write_text("y = 2\n")
    real_stat = Path.stat

    def stat(self: Path, **kwargs: Any) -> Any:
        if self.name == "a.py":
            raise FileNotFoundError(self)
        return real_stat(self, **kwargs)

    monkeypatch.setattr(Path, "stat", stat)
    result = scan_folder(tmp_path, {}, max_bytes=100, max_files=10)
    assert set(result.files) == {"b.py"}
    monkeypatch.undo()
    real_open = Path.open

    def grown(self: Path, *args: Any, **kwargs: Any) -> Any:
        if self.name == "a.py" and args == ("rb",):
            with real_open(self, "w") as handle:
                handle.write("x = 1\n" * 100)
        if self.name == "b.py":
            raise PermissionError("denied")
        return real_open(self, *args, **kwargs)

    monkeypatch.setattr(Path, "open", grown)
    result = scan_folder(tmp_path, {}, max_bytes=100, max_files=10)
    assert result.files["a.py"].problem is not None
    assert result.files["a.py"].problem.key is ProblemKey.FILE_TOO_LARGE
    assert result.files["b.py"].problem is not None
    assert result.files["b.py"].problem.key is ProblemKey.FILE_UNREADABLE
    stamp = result.files["a.py"].stamp
    assert isinstance(stamp, FileStamp)


async def test_mailbox_flush_cancels_the_pending_delivery() -> None:
    loop = asyncio.get_running_loop()
    delivered: list[int] = []
    mailbox: Mailbox[int, int] = Mailbox(loop, delivered.append, delivered.append, interval=10.0, batch=2)
    mailbox.post_key(1)
    await asyncio.sleep(0)
    mailbox.post_key(2)
    mailbox.post_key(3)
    mailbox.post_key(4)
    await asyncio.sleep(0)  # armed: waits for the interval
    mailbox.flush()
    assert delivered == [1, 2, 3, 4]
    for key in range(5, 10):
        mailbox.post_key(key)
    mailbox.flush()
    mailbox.close()  # a drain was scheduled: cancelled
    await asyncio.sleep(0)
    mailbox._arm()
    assert delivered == list(range(1, 10))


def test_server_dates() -> None:
    assert _server_time_ms({"Date": "Wed, 02 Dec 2026 18:00:00 GMT"}) == 1796234400000
    assert _server_time_ms({}) is None
    assert _server_time_ms({"Date": "yesterday"}) is None
    assert _server_time_ms({"Date": "Wed, 02 Dec 2026 18:00:00 -0000"}) is None


@pytest.mark.allow_pyiot_warnings
async def test_runtime_edges(
    folder: DeviceFolder,
    start_runtime: RuntimeFactory,
    listener: RecordingListener,
    problems: ProblemRecorder,
) -> None:
    folder.write("sensor.py", SENSOR + "\naddDevice('not a device')\n")
    io_jobs: list[Callable[[], Any]] = []

    def io_job(job: Callable[[], Any]) -> Any:
        io_jobs.append(job)
        return asyncio.get_running_loop().run_in_executor(None, job)

    runtime = await start_runtime(io_job=io_job)
    await runtime.async_start()  # already running
    assert io_jobs
    entry = runtime._entries["sensor/sensor"]
    await listener.wait_for(lambda: bool(listener.values("sensor/sensor", "label")))
    # A variable replaced by something that is not a PromVar: unavailable, no state.
    entry.device.variables["label"] = "oops"  # type: ignore[assignment]
    entry.variable_changed(entry.device, "label")
    runtime._mailbox.flush()  # type: ignore[union-attr]
    assert listener.of("point_unavailable")[-1] == ("sensor/sensor", "label")
    assert runtime.variable_state("sensor/sensor", "label") is None
    # An event of a runner nobody runs any more is ignored.
    stale = LoopFailed(runner=object(), line=1, exception="E", message="m", delay=1.0, failures=1)  # type: ignore[arg-type]
    runtime._deliver_event(stale)
    # A variables dict that cannot be copied right now is read next time.

    class Racing(dict[str, Any]):
        def __iter__(self) -> Any:
            raise RuntimeError("dictionary changed size during iteration")

    saved = entry.device.variables
    entry.device.variables = Racing(saved)
    assert runtime._variables_of(entry) == []
    entry.device.variables = saved
    await runtime.async_stop()
    await runtime.async_reload()
    await runtime.async_check_files()
    assert runtime.describe_variables()
    runtime.check_watchdog()


@pytest.mark.allow_pyiot_warnings
async def test_two_hanging_imports_each_cost_a_thread_not_the_rest(
    folder: DeviceFolder,
    start_runtime: RuntimeFactory,
    listener: RecordingListener,
    problems: ProblemRecorder,
) -> None:
    hanging = "from tests.support.iotpy_gates import gate\ngate('import').wait()\n" + SENSOR
    folder.write("a_hang.py", hanging)
    folder.write("b_hang.py", hanging)
    folder.write("c_sensor.py", SENSOR)
    folder.write(
        "d_late.py", "from tests.support.iotpy_gates import gate\ngate('import').wait()\nraise ValueError\n"
    )
    executor = BlockingExecutor()
    try:
        runtime = await start_runtime(import_job=executor, import_timeout=0.1)
        assert problems.current["file:a_hang.py"].key is ProblemKey.IMPORT_TIMEOUT
        assert problems.current["file:b_hang.py"].key is ProblemKey.IMPORT_TIMEOUT
        assert problems.current["file:d_late.py"].key is ProblemKey.IMPORT_TIMEOUT
        await listener.wait_for(lambda: bool(listener.values("c_sensor/sensor", "count")))
        iotpy_gates.gate("import").set()
        for _ in range(500):
            if not runtime._background and len(runtime._registry.devices) == 1:
                break
            await asyncio.sleep(0.01)
        assert len(runtime._registry.devices) == 1
    finally:
        iotpy_gates.release_all()
        executor.pool.shutdown(wait=True)
