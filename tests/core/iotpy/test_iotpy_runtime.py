"""The device-file runtime on real files in a temporary folder: loading, values, writes, lifecycle."""

import asyncio
import threading

import pytest

from custom_components.pyiot.core.iotpy import (
    Exposure,
    IotpyWriteError,
    ProblemKey,
    ValueKind,
    VariableSettings,
    WriteProblem,
)
from custom_components.pyiot.core.iotpy.variable_errors import VARIABLE_ERRORS_KEY
from custom_components.pyiot.core.nodes import PointKind
from tests.support import iotpy_gates
from tests.support.iotpy_fixtures import SENSOR, DeviceFolder, ProblemRecorder, RuntimeFactory
from tests.support.recording_listener import RecordingListener

WRITABLE = """
import threading, time
from iotpy.Device import Device, addDevice
from tests.support.iotpy_gates import gate

class Actuator(Device):
    def __init__(self, name):
        Device.__init__(self, name)
        self.addVariable("level")
        self.addVariable("relay")
        self.setVariableValue("level", 1.5)
        self.setVariableValue("relay", False)
        self.poll_loop_ms = 60000

    def loop(self):
        pass

    def write(self, name, value):
        if name == "level" and value == 13:
            raise ValueError("unlucky")
        if name == "level" and value == 99:
            gate("slow write").wait()
            return True
        if name == "level" and value < 0:
            return 0
        self.setVariableValue(name, value)
        return "yes"

    def cleanup(self):
        pass

addDevice(Actuator("actuator"))
"""


async def test_devices_and_variables_are_reported(
    folder: DeviceFolder, start_runtime: RuntimeFactory, listener: RecordingListener
) -> None:
    folder.write("sensor.py", SENSOR)
    await start_runtime()
    node = "sensor/sensor"
    await listener.wait_for(lambda: len(listener.values(node, "count")) >= 3)
    info = listener.of("node_seen")[0]
    assert (info.node_id, info.name, info.model, info.extra) == (
        node,
        "sensor",
        "Sensor",
        {"file": "sensor.py"},
    )
    points = listener.points[node]
    assert points["count"].kind is PointKind.SENSOR
    assert points["count"].state_class == "measurement"
    assert points["on"].kind is PointKind.BINARY_SENSOR
    assert points["label"].kind is PointKind.SENSOR
    assert points["label"].state_class is None
    assert points["broken"].kind is PointKind.SENSOR
    assert (node, "broken") in listener.of("point_unavailable")
    counts = listener.values(node, "count")
    assert counts == sorted(counts)
    assert all(isinstance(value, bool) for value in listener.values(node, "on"))
    assert listener.values(node, "label")[0].startswith("loop ")


async def test_variable_state_carries_status_and_error(
    folder: DeviceFolder, start_runtime: RuntimeFactory, listener: RecordingListener
) -> None:
    folder.write("sensor.py", SENSOR)
    runtime = await start_runtime()
    await listener.wait_for(lambda: ("sensor/sensor", "broken") in listener.of("point_unavailable"))
    state = runtime.variable_state("sensor/sensor", "broken")
    assert state is not None
    assert (state.status, state.error, state.problem) == (2, "UKNOWN FAILURE", None)
    count = runtime.variable_state("sensor/sensor", "count")
    assert count is not None
    assert (count.status, count.error, count.description) == (1, "", "loops so far")
    assert isinstance(count.last_update_ms, int)
    assert runtime.variable_state("sensor/sensor", "nope") is None
    assert runtime.variable_state("nope", "count") is None
    described = {(item.node_id, item.key): item for item in runtime.describe_variables()}
    assert described["sensor/sensor", "count"].description == "loops so far"
    assert described["sensor/sensor", "on"].kind is ValueKind.BOOLEAN


async def test_write_goes_to_the_device_and_the_device_sets_the_value(
    folder: DeviceFolder, start_runtime: RuntimeFactory, listener: RecordingListener
) -> None:
    folder.write("actuator.py", WRITABLE)
    runtime = await start_runtime()
    node = "actuator/actuator"
    await listener.wait_for(lambda: listener.values(node, "level") == [1.5])
    await runtime.async_write(node, "level", 7)
    await listener.wait_for(lambda: listener.values(node, "level")[-1:] == [7])
    await runtime.async_write(node, "relay", True)
    await listener.wait_for(lambda: listener.values(node, "relay")[-1:] == [True])


@pytest.mark.parametrize(
    ("key", "value", "problem"),
    [
        ("level", -1, WriteProblem.WRITE_REFUSED),
        ("level", 13, WriteProblem.WRITE_FAILED),
        ("nothing", 1, WriteProblem.UNKNOWN_VARIABLE),
        ("level", "7", WriteProblem.BAD_VALUE),
        ("level", float("nan"), WriteProblem.BAD_VALUE),
        ("level", None, WriteProblem.BAD_VALUE),
        ("level", 10**400, WriteProblem.BAD_VALUE),
    ],
)
async def test_write_failures_have_stable_keys(
    folder: DeviceFolder, start_runtime: RuntimeFactory, key: str, value: object, problem: WriteProblem
) -> None:
    folder.write("actuator.py", WRITABLE)
    runtime = await start_runtime()
    with pytest.raises(IotpyWriteError) as caught:
        await runtime.async_write("actuator/actuator", key, value)
    assert caught.value.key is problem


async def test_write_to_unknown_device_or_stopped_runtime(
    folder: DeviceFolder, start_runtime: RuntimeFactory
) -> None:
    folder.write("actuator.py", WRITABLE)
    runtime = await start_runtime()
    with pytest.raises(IotpyWriteError) as caught:
        await runtime.async_write("actuator/other", "level", 1)
    assert caught.value.key is WriteProblem.UNKNOWN_DEVICE
    await runtime.async_stop()
    with pytest.raises(IotpyWriteError) as caught:
        await runtime.async_write("actuator/actuator", "level", 1)
    assert caught.value.key is WriteProblem.NOT_RUNNING


async def test_slow_write_times_out_and_keeps_the_device_busy(
    folder: DeviceFolder, start_runtime: RuntimeFactory, listener: RecordingListener
) -> None:
    folder.write("actuator.py", WRITABLE)
    runtime = await start_runtime(write_timeout=0.05)
    node = "actuator/actuator"
    with pytest.raises(IotpyWriteError) as caught:
        await runtime.async_write(node, "level", 99)
    assert caught.value.key is WriteProblem.WRITE_TIMEOUT
    with pytest.raises(IotpyWriteError) as caught:
        await runtime.async_write(node, "level", 2)
    assert caught.value.key is WriteProblem.WRITE_BUSY
    iotpy_gates.gate("slow write").set()
    entry = runtime._entries[node]
    for _ in range(500):
        if not entry.runner.writing:
            break
        await asyncio.sleep(0.01)
    await runtime.async_write(node, "level", 3)
    await listener.wait_for(lambda: listener.values(node, "level")[-1:] == [3])


async def test_two_files_with_the_same_device_and_variable_names_do_not_collide(
    folder: DeviceFolder, start_runtime: RuntimeFactory, listener: RecordingListener
) -> None:
    folder.write("first.py", SENSOR)
    folder.write("second.py", SENSOR)
    await start_runtime()
    await listener.wait_for(
        lambda: (
            bool(listener.values("first/sensor", "count")) and bool(listener.values("second/sensor", "count"))
        )
    )


async def test_devices_of_one_file_with_one_name_get_distinct_ids(
    folder: DeviceFolder, start_runtime: RuntimeFactory, listener: RecordingListener
) -> None:
    folder.write("twins.py", SENSOR + '\naddDevice(Sensor("sensor"))\n')
    await start_runtime()
    await listener.wait_for(lambda: {"twins/sensor", "twins/sensor#2"} <= set(listener.points))


async def test_upstream_glob_skips_underscore_hidden_and_other_files(
    folder: DeviceFolder, start_runtime: RuntimeFactory, listener: RecordingListener
) -> None:
    for name in ("_helper.py", ".hidden.py", "notes.txt", "sensor.pyc"):
        folder.write(name, "raise SystemExit('must not run')\n")
    (folder.path / "package.py").mkdir()
    (folder.path / "sub").mkdir()
    folder.write("sub/nested.py", "raise SystemExit('must not run')\n")
    folder.write("sensor.py", SENSOR)
    runtime = await start_runtime()
    await listener.wait_for(lambda: "sensor/sensor" in listener.points)
    assert set(runtime.diagnostics()["files"]) == {"sensor.py"}


async def test_stop_calls_cleanup_and_ends_every_thread(
    folder: DeviceFolder, start_runtime: RuntimeFactory, listener: RecordingListener
) -> None:
    folder.write(
        "sensor.py",
        SENSOR.replace(
            "    def cleanup(self):\n        pass",
            "    def cleanup(self):\n        CLEANED.append(self.name)",
        )
        + "\nCLEANED = []\n",
    )
    runtime = await start_runtime()
    await listener.wait_for(lambda: bool(listener.values("sensor/sensor", "count")))
    entry = runtime._entries["sensor/sensor"]
    module_cleaned = entry.device.loop.__globals__["CLEANED"]
    assert entry.device.is_alive()
    await runtime.async_stop()
    assert module_cleaned == ["sensor"]
    assert not entry.device.is_alive()
    assert not entry.runner.thread.is_alive()
    await runtime.async_stop()  # idempotent
    assert runtime.running is False


async def test_a_device_that_stops_itself_becomes_unavailable(
    folder: DeviceFolder, start_runtime: RuntimeFactory, listener: RecordingListener
) -> None:
    folder.write(
        "quitter.py",
        """
        from iotpy.Device import Device, addDevice

        class Quitter(Device):
            def __init__(self, name):
                Device.__init__(self, name)
                self.addVariable("x")
                self.poll_loop_ms = 10

            def loop(self):
                self.setVariableValue("x", 1)
                self.stop()

            def write(self, name, value):
                return False

            def cleanup(self):
                pass

        addDevice(Quitter("quitter"))
        """,
    )
    runtime = await start_runtime()
    await listener.wait_for(lambda: "quitter/quitter" in listener.of("node_lost"))
    assert runtime.diagnostics()["devices"]["quitter/quitter"]["available"] is False


async def test_poll_loop_ms_odd_values_fall_back(
    folder: DeviceFolder, start_runtime: RuntimeFactory, listener: RecordingListener
) -> None:
    folder.write(
        "odd.py",
        """
        from iotpy.Device import Device, addDevice

        class Odd(Device):
            def __init__(self, name, period):
                Device.__init__(self, name)
                self.addVariable("n")
                self.n = 0
                self.poll_loop_ms = period

            def loop(self):
                self.n += 1
                self.setVariableValue("n", self.n)

            def write(self, name, value):
                return False

            def cleanup(self):
                pass

        addDevice(Odd("zero", 0))
        addDevice(Odd("negative", -5))
        addDevice(Odd("text", "fast"))
        addDevice(Odd("nan", float("nan")))
        """,
    )
    await start_runtime()
    await listener.wait_for(lambda: len(listener.values("odd/zero", "n")) >= 3)
    await listener.wait_for(lambda: len(listener.values("odd/negative", "n")) >= 3)
    await listener.wait_for(
        lambda: bool(listener.values("odd/text", "n")) and bool(listener.values("odd/nan", "n"))
    )


async def test_variables_added_later_and_directly_are_picked_up(
    folder: DeviceFolder, start_runtime: RuntimeFactory, listener: RecordingListener
) -> None:
    folder.write(
        "growing.py",
        """
        from iotpy.Device import Device, PromVar, addDevice

        class Growing(Device):
            def __init__(self, name):
                Device.__init__(self, name)
                self.poll_loop_ms = 10
                self.n = 0

            def loop(self):
                self.n += 1
                if self.n == 2:
                    self.addVariable("later")
                    self.variables["direct"] = PromVar("direct")
                self.setVariableValue("later", self.n)
                if "direct" in self.variables:
                    self.variables["direct"].value = self.n
                    self.variables["direct"].status = 1

            def write(self, name, value):
                return False

            def cleanup(self):
                pass

        addDevice(Growing("growing"))
        """,
    )
    runtime = await start_runtime(watchdog=60.0)
    await listener.wait_for(lambda: bool(listener.values("growing/growing", "later")))
    runtime.check_watchdog()
    await listener.wait_for(lambda: bool(listener.values("growing/growing", "direct")))


async def test_settings_expose_variables_as_number_and_switch(
    folder: DeviceFolder, start_runtime: RuntimeFactory, listener: RecordingListener
) -> None:
    folder.write("actuator.py", WRITABLE)
    node = "actuator/actuator"
    settings = {
        node: {
            "level": VariableSettings(
                exposure=Exposure.NUMBER, unit="°C", minimum=0.0, maximum=50.0, step=0.5
            ),
            "relay": VariableSettings(exposure=Exposure.SWITCH),
        }
    }
    runtime = await start_runtime(variable_settings=settings)
    await listener.wait_for(
        lambda: node in listener.points and len(listener.points[node].keys() - {VARIABLE_ERRORS_KEY}) == 2
    )
    level, relay = listener.points[node]["level"], listener.points[node]["relay"]
    assert (level.kind, level.writable, level.unit, level.minimum, level.maximum, level.step) == (
        PointKind.NUMBER,
        True,
        "°C",
        0.0,
        50.0,
        0.5,
    )
    assert (relay.kind, relay.writable) == (PointKind.SWITCH, True)
    # Back to the defaults: the points are reported again as sensors.
    runtime.update_variable_settings({})
    assert listener.points[node]["level"].kind is PointKind.SENSOR
    assert listener.points[node]["relay"].kind is PointKind.BINARY_SENSOR
    # A text exposure makes the number a text sensor.
    runtime.update_variable_settings({node: {"level": VariableSettings(exposure=Exposure.TEXT)}})
    assert listener.points[node]["level"].kind is PointKind.SENSOR
    assert listener.values(node, "level")[-1] == "1.5"


@pytest.mark.allow_pyiot_warnings
async def test_odd_values_from_a_device_file(
    folder: DeviceFolder, start_runtime: RuntimeFactory, listener: RecordingListener
) -> None:
    folder.write(
        "odd_values.py",
        """
        from decimal import Decimal
        from iotpy.Device import Device, addDevice

        class Weird:
            def __str__(self):
                raise RuntimeError("no text")

        class Odd(Device):
            def __init__(self, name):
                Device.__init__(self, name)
                for variable in ("numeric_text", "text", "nan", "huge", "decimal", "weird", "listed",
                                 "number_then_text", "none", "bytes"):
                    self.addVariable(variable)
                self.setVariableValue("number_then_text", 1.0)
                self.poll_loop_ms = 10

            def loop(self):
                self.setVariableValue("numeric_text", " 3.5 ")
                self.setVariableValue("text", "hello")
                self.setVariableValue("nan", float("nan"))
                self.setVariableValue("huge", 10 ** 400)
                self.setVariableValue("decimal", Decimal("2.25"))
                self.setVariableValue("weird", Weird())
                self.setVariableValue("listed", [1, 2])
                self.setVariableValue("number_then_text", "abc")
                self.setVariableValue("none", None)
                self.setVariableValue("bytes", b"4.5")
                self.setVariableStatus("text", Weird(), Weird())

            def write(self, name, value):
                return False

            def cleanup(self):
                pass

        addDevice(Odd("odd"))
        """,
    )
    runtime = await start_runtime()
    node = "odd_values/odd"
    await listener.wait_for(lambda: runtime._entries[node].runner.loops >= 2)
    runtime._mailbox.flush()
    assert listener.values(node, "numeric_text")[-1] == 3.5
    assert listener.values(node, "decimal")[-1] == 2.25
    assert listener.values(node, "bytes")[-1] == 4.5
    unavailable = {key for node_id, key in listener.of("point_unavailable") if node_id == node}
    assert {"nan", "number_then_text", "text"} <= unavailable
    for key in ("huge", "weird", "listed", "none"):
        assert not listener.values(node, key)
    state = runtime.variable_state(node, "number_then_text")
    assert state is not None
    assert state.problem == "not_a_number: 'abc'"
    text_state = runtime.variable_state(node, "text")
    assert text_state is not None
    assert text_state.error == "<unprintable Weird>"
    assert runtime._entries[node].runner.total_failures == 0


@pytest.mark.allow_pyiot_warnings
async def test_more_devices_and_variables_than_allowed_are_cut(
    folder: DeviceFolder, start_runtime: RuntimeFactory, listener: RecordingListener
) -> None:
    folder.write(
        "many.py",
        """
        from iotpy.Device import Device, addDevice

        class Many(Device):
            def __init__(self, name):
                Device.__init__(self, name)
                for index in range(5):
                    self.addVariable("v%d" % index)
                self.poll_loop_ms = 10

            def loop(self):
                for index in range(5):
                    self.setVariableValue("v%d" % index, index)

            def write(self, name, value):
                return False

            def cleanup(self):
                pass

        for index in range(4):
            addDevice(Many("many%d" % index))
        """,
    )
    pytest_warns = await start_runtime(max_devices_per_file=2, max_variables_per_device=3)
    await listener.wait_for(lambda: len(listener.values("many/many1", "v2")) >= 2)
    assert set(listener.points) == {"many/many0", "many/many1"}
    assert set(listener.points["many/many0"]) == {"v0", "v1", "v2", VARIABLE_ERRORS_KEY}
    assert len(pytest_warns._registry.devices) == 2


async def test_threads_report_through_the_loop_only(
    folder: DeviceFolder, start_runtime: RuntimeFactory
) -> None:
    """Every listener call happens in the event loop's thread, whatever thread set the value."""
    folder.write("sensor.py", SENSOR)
    threads: set[int] = set()

    class ThreadChecking(RecordingListener):
        def value_received(self, node_id: str, key: str, value: object) -> None:
            threads.add(threading.get_ident())
            super().value_received(node_id, key, value)

    checking = ThreadChecking()
    from custom_components.pyiot.core.iotpy import IotpyRuntime, RuntimeSettings  # noqa: PLC0415
    from tests.support.iotpy_fixtures import executor_job  # noqa: PLC0415

    runtime = IotpyRuntime(
        checking, RuntimeSettings(folder=folder.path, watch_interval=None), import_job=executor_job
    )
    await runtime.async_start()
    try:
        await checking.wait_for(lambda: len(checking.values("sensor/sensor", "count")) >= 2)
    finally:
        await runtime.async_stop()
    assert threads == {threading.get_ident()}
    assert checking.errors == []


@pytest.mark.allow_pyiot_warnings
async def test_problems_reach_the_observer_once(
    folder: DeviceFolder, start_runtime: RuntimeFactory, problems: ProblemRecorder
) -> None:
    folder.write("broken.py", "import not_a_module_anywhere\n")
    runtime = await start_runtime()
    await runtime.async_reload()
    assert [problem.key for problem in problems.raised] == [ProblemKey.MISSING_MODULE]
    assert runtime.problems == tuple(problems.current.values())
