"""Device files that fail, fail alone; changed, added and removed files are picked up; ids stay."""

import os
from pathlib import Path

import pytest

from custom_components.pyiot.core.iotpy import ProblemKey
from custom_components.pyiot.core.nodes import PointKind
from tests.support.iotpy_fixtures import SENSOR, DeviceFolder, ProblemRecorder, RuntimeFactory
from tests.support.recording_listener import RecordingListener

pytestmark = pytest.mark.allow_pyiot_warnings

MISSING_WRITE = """
from iotpy.Device import Device, addDevice

class Incomplete(Device):
    def loop(self):
        pass

    def cleanup(self):
        pass

addDevice(Incomplete("incomplete"))
"""

BAD_FILES = {
    "syntax.py": ("def broken(:\n    pass\n", ProblemKey.SYNTAX_ERROR, 1, "SyntaxError"),
    "null_bytes.py": ("x = 1\0\n", ProblemKey.SYNTAX_ERROR, None, "SyntaxError"),
    "missing.py": (
        "import os\nimport serial_port_library_not_installed\n",
        ProblemKey.MISSING_MODULE,
        2,
        None,
    ),
    "incomplete.py": (MISSING_WRITE, ProblemKey.MISSING_METHODS, 11, "Incomplete"),
    "silent.py": ("from iotpy.Device import Device\nVALUE = 1\n", ProblemKey.NO_DEVICE, None, None),
    "raising.py": ("x = 1\n\n1 / 0\n", ProblemKey.IMPORT_FAILED, 3, "ZeroDivisionError"),
    "exits.py": ("import sys\nsys.exit(3)\n", ProblemKey.IMPORT_FAILED, 2, "SystemExit"),
    "wrong_api.py": (
        "from iotpy.Device import readVariableValue\n",
        ProblemKey.IMPORT_FAILED,
        1,
        "ImportError",
    ),
    "other_module.py": ("import iotpy.webserver\n", ProblemKey.MISSING_MODULE, 1, None),
    "not_a_device.py": (
        "from iotpy.Device import addDevice\naddDevice(object())\n",
        ProblemKey.NO_DEVICE,
        None,
        None,
    ),
    "no_init.py": (
        SENSOR.replace("Device.__init__(self, name)", "pass")
        .replace("self.addVariable", "#")
        .replace("self.count = 0", "self.count = 0\n        self.name = name"),
        ProblemKey.NO_DEVICE,
        None,
        None,
    ),
    "bad_constructor.py": (
        SENSOR.replace(
            'self.addVariable("count", "loops so far")', 'self.addVariable("count", "x")\n        {}["key"]'
        ),
        ProblemKey.IMPORT_FAILED,
        None,
        "KeyError",
    ),
}


async def test_every_bad_file_fails_alone_with_its_problem(
    folder: DeviceFolder,
    start_runtime: RuntimeFactory,
    listener: RecordingListener,
    problems: ProblemRecorder,
) -> None:
    for name, (source, *_) in BAD_FILES.items():
        (folder.path / name).write_bytes(source.encode())
    folder.write("sensor.py", SENSOR)
    runtime = await start_runtime()
    await listener.wait_for(lambda: bool(listener.values("sensor/sensor", "count")))
    assert set(listener.points) == {"sensor/sensor"}
    for name, (_, key, line, exception) in BAD_FILES.items():
        problem = problems.current[f"file:{name}"]
        assert problem.key is key, name
        if line is not None:
            assert problem.line == line, name
        if exception is not None:
            assert problem.exception == exception, name
        assert problem.node_id is None
        assert problem.placeholders()["file"] == name
    assert (
        problems.current["file:missing.py"].message == "No module named 'serial_port_library_not_installed'"
    )
    assert problems.current["file:incomplete.py"].message == "write"
    assert "getVariableValue" in problems.current["file:wrong_api.py"].message
    assert "never calls addDevice" in problems.current["file:silent.py"].message
    assert "not a Device" in problems.current["file:not_a_device.py"].message
    assert "Device.__init__" in problems.current["file:no_init.py"].message
    assert problems.current["file:bad_constructor.py"].line is not None
    files = runtime.diagnostics()["files"]
    assert files["sensor.py"]["loaded"] is True
    assert files["syntax.py"]["loaded"] is False
    assert files["syntax.py"]["problem"].startswith("syntax_error in syntax.py:1")
    assert runtime._registry.devices == [runtime._entries["sensor/sensor"].device]


async def test_fixing_a_file_clears_its_problem(
    folder: DeviceFolder,
    start_runtime: RuntimeFactory,
    listener: RecordingListener,
    problems: ProblemRecorder,
) -> None:
    path = folder.write("sensor.py", "def broken(:\n")
    runtime = await start_runtime()
    assert "file:sensor.py" in problems.current
    write_changed(path, SENSOR)
    await runtime.async_check_files()
    assert problems.current == {}
    assert problems.cleared == ["file:sensor.py"]
    await listener.wait_for(lambda: bool(listener.values("sensor/sensor", "count")))


async def test_a_changed_file_is_reloaded_keeping_node_ids(
    folder: DeviceFolder, start_runtime: RuntimeFactory, listener: RecordingListener
) -> None:
    path = folder.write("sensor.py", SENSOR + "\nCLEANUPS = []\n")
    runtime = await start_runtime()
    old = runtime._entries["sensor/sensor"]
    await listener.wait_for(lambda: bool(listener.values("sensor/sensor", "count")))
    calls_before = len(listener.calls)
    write_changed(
        path,
        SENSOR.replace(
            'self.setVariableValue("count", self.count)', 'self.setVariableValue("count", 1000 + self.count)'
        ),
    )
    await runtime.async_check_files()
    new = runtime._entries["sensor/sensor"]
    assert new is not old
    assert not old.runner.thread.is_alive()
    assert old.device not in runtime._registry.devices
    await listener.wait_for(lambda: any(value > 1000 for value in listener.values("sensor/sensor", "count")))
    later = listener.calls[calls_before:]
    assert ("node_lost", "sensor/sensor") not in later, "a reload is not an outage"
    assert not [call for call in later if call[0] == "points_seen"], "the points did not change"


async def test_a_touched_file_is_not_reloaded(folder: DeviceFolder, start_runtime: RuntimeFactory) -> None:
    path = folder.write("sensor.py", SENSOR)
    runtime = await start_runtime()
    entry = runtime._entries["sensor/sensor"]
    stat = path.stat()
    os.utime(path, ns=(stat.st_atime_ns, stat.st_mtime_ns + 5_000_000_000))
    await runtime.async_check_files()
    assert runtime._entries["sensor/sensor"] is entry


async def test_an_edit_within_the_same_second_and_size_is_seen(
    folder: DeviceFolder, start_runtime: RuntimeFactory, listener: RecordingListener
) -> None:
    """No bytecode cache: a same-size edit with the same mtime second is loaded, not a stale .pyc."""
    original = SENSOR.replace(
        'self.setVariableValue("count", self.count)', 'self.setVariableValue("count", 0000 + self.count)'
    )
    edited = original.replace("0000 + self.count", "5000 + self.count")
    assert len(edited) == len(original)
    path = folder.write("sensor.py", original)
    runtime = await start_runtime()
    stat = path.stat()
    path.write_text(edited, encoding="utf-8")
    os.utime(path, ns=(stat.st_atime_ns, stat.st_mtime_ns + 1))  # same second, same size
    await runtime.async_check_files()
    await listener.wait_for(lambda: any(value > 5000 for value in listener.values("sensor/sensor", "count")))
    assert not (folder.path / "__pycache__").exists()


async def test_added_and_removed_files(
    folder: DeviceFolder,
    start_runtime: RuntimeFactory,
    listener: RecordingListener,
    problems: ProblemRecorder,
) -> None:
    runtime = await start_runtime()
    assert runtime._entries == {}
    path = folder.write("sensor.py", SENSOR)
    broken = folder.write("broken.py", "import nowhere_to_be_found\n")
    await runtime.async_check_files()
    await listener.wait_for(lambda: bool(listener.values("sensor/sensor", "count")))
    entry = runtime._entries["sensor/sensor"]
    assert "file:broken.py" in problems.current
    path.unlink()
    broken.unlink()
    await runtime.async_check_files()
    assert "sensor/sensor" in listener.of("node_lost")
    assert runtime._entries == {}
    assert not entry.runner.thread.is_alive()
    assert problems.current == {}
    # Back again: the same node id.
    folder.write("sensor.py", SENSOR)
    await runtime.async_check_files()
    await listener.wait_for(lambda: listener.of("node_seen")[-1].node_id == "sensor/sensor")
    assert runtime.export()["nodes"]["sensor/sensor"]["file"] == "sensor.py"


async def test_a_file_that_breaks_makes_its_devices_unavailable(
    folder: DeviceFolder,
    start_runtime: RuntimeFactory,
    listener: RecordingListener,
    problems: ProblemRecorder,
) -> None:
    path = folder.write("sensor.py", SENSOR)
    folder.write("other.py", SENSOR)
    runtime = await start_runtime()
    await listener.wait_for(lambda: bool(listener.values("sensor/sensor", "count")))
    write_changed(path, SENSOR + "\n)\n")
    await runtime.async_check_files()
    assert "sensor/sensor" in listener.of("node_lost")
    assert "other/sensor" not in listener.of("node_lost")
    assert problems.current["file:sensor.py"].key is ProblemKey.SYNTAX_ERROR
    count = len(listener.values("other/sensor", "count"))
    await listener.wait_for(lambda: len(listener.values("other/sensor", "count")) > count)


async def test_a_variable_removed_by_an_edit_becomes_unavailable(
    folder: DeviceFolder, start_runtime: RuntimeFactory, listener: RecordingListener
) -> None:
    path = folder.write("sensor.py", SENSOR)
    runtime = await start_runtime()
    await listener.wait_for(lambda: bool(listener.values("sensor/sensor", "label")))
    write_changed(
        path,
        SENSOR.replace('        self.addVariable("label")\n', "").replace(
            '        self.setVariableValue("label", "loop %d" % self.count)\n', ""
        ),
    )
    before = len(listener.calls)
    await runtime.async_check_files()
    assert ("point_unavailable", ("sensor/sensor", "label")) in listener.calls[before:]


async def test_explicit_reload_of_one_file_and_of_all(
    folder: DeviceFolder, start_runtime: RuntimeFactory, listener: RecordingListener
) -> None:
    folder.write("first.py", SENSOR)
    folder.write("second.py", SENSOR)
    runtime = await start_runtime()
    first, second = runtime._entries["first/sensor"], runtime._entries["second/sensor"]
    await runtime.async_reload("first.py")
    assert runtime._entries["first/sensor"] is not first
    assert runtime._entries["second/sensor"] is second
    await runtime.async_reload()
    assert runtime._entries["second/sensor"] is not second


async def test_the_folder_is_watched(
    folder: DeviceFolder, start_runtime: RuntimeFactory, listener: RecordingListener
) -> None:
    runtime = await start_runtime(watch_interval=0.02)
    folder.write("sensor.py", SENSOR)
    await listener.wait_for(lambda: bool(listener.values("sensor/sensor", "count")))
    assert runtime.diagnostics()["scans"] >= 2


async def test_a_missing_folder_is_logged_and_then_found(
    tmp_path: Path, folder: DeviceFolder, start_runtime: RuntimeFactory, listener: RecordingListener
) -> None:
    folder.path.rmdir()
    runtime = await start_runtime()
    assert runtime.diagnostics()["folder_missing"] is not None
    folder.path.mkdir()
    folder.write("sensor.py", SENSOR)
    await runtime.async_check_files()
    assert runtime.diagnostics()["folder_missing"] is None
    await listener.wait_for(lambda: bool(listener.values("sensor/sensor", "count")))


async def test_large_unreadable_and_too_many_files(
    folder: DeviceFolder, start_runtime: RuntimeFactory, problems: ProblemRecorder
) -> None:
    folder.write("big.py", "# padding\n" * 200)
    unreadable = folder.write("locked.py", SENSOR)
    unreadable.chmod(0)
    for index in range(3):
        folder.write(f"z{index}.py", SENSOR)
    try:
        runtime = await start_runtime(max_file_bytes=1000, max_files=4)
    finally:
        unreadable.chmod(0o644)
    assert problems.current["file:big.py"].key is ProblemKey.FILE_TOO_LARGE
    if os.geteuid() != 0:  # root reads any file
        assert problems.current["file:locked.py"].key is ProblemKey.FILE_UNREADABLE
    assert set(runtime.diagnostics()["files"]) == {"big.py", "locked.py", "z0.py", "z1.py"}


async def test_late_add_device_is_ignored(
    folder: DeviceFolder, start_runtime: RuntimeFactory, listener: RecordingListener
) -> None:
    folder.write(
        "late.py",
        SENSOR.replace(
            "    def loop(self):\n",
            "    def loop(self):\n        if self.count == 1:\n            addDevice(Sensor('late'))\n",
        ),
    )
    runtime = await start_runtime()
    await listener.wait_for(lambda: len(listener.values("late/sensor", "count")) >= 3)
    assert set(runtime._entries) == {"late/sensor"}
    assert len(runtime._registry.devices) == 1


async def test_restore_keeps_kinds_and_shows_gone_variables_unavailable(
    folder: DeviceFolder, start_runtime: RuntimeFactory, listener: RecordingListener
) -> None:
    """After a restart, a variable keeps its kind, and one the device no longer has is unavailable."""
    folder.write("sensor.py", SENSOR)
    stored = {
        "version": 1,
        "nodes": {
            "sensor/sensor": {
                "file": "sensor.py",
                "device": "sensor",
                "kinds": {"label": "number", "gone": "boolean"},
            },
            "bad": "record",
            "worse": {"file": 1},
            3: {},
        },
    }
    runtime = await start_runtime(restore=stored)
    await listener.wait_for(lambda: bool(listener.of("point_unavailable")))
    points = listener.points["sensor/sensor"]
    assert points["gone"].kind is PointKind.BINARY_SENSOR
    assert ("sensor/sensor", "gone") in listener.of("point_unavailable")
    assert points["label"].kind is PointKind.SENSOR
    await listener.wait_for(lambda: bool(listener.values("sensor/sensor", "on")))
    exported = runtime.export()
    assert exported["nodes"]["sensor/sensor"]["kinds"]["label"] == "number"
    assert exported["nodes"]["sensor/sensor"]["kinds"]["on"] == "boolean"
    assert runtime.restore(None) == 0
    assert runtime.restore({"nodes": []}) == 0


def write_changed(path: Path, source: str) -> None:
    """Write `source` and make sure the stat differs, whatever the filesystem's mtime resolution."""
    before = path.stat()
    path.write_text(source, encoding="utf-8")
    after = path.stat()
    if (after.st_mtime_ns, after.st_size) == (before.st_mtime_ns, before.st_size):
        os.utime(path, ns=(after.st_atime_ns, after.st_mtime_ns + 1_000))
