"""PyIoT's `iotpy.Device` API against the reference (iotpy.md §3), used directly."""

import threading
import time
from typing import Any

import pytest

from custom_components.pyiot.core.iotpy import Device, MissingDeviceMethods, PromVar
from custom_components.pyiot.core.iotpy.api import GaugeStandIn


class Example(Device):
    def __init__(self, name: str) -> None:
        Device.__init__(self, name)
        self.addVariable("test0", "test variable")
        self.addVariable("test1")
        self.loops = 0
        self.cleaned = 0

    def loop(self) -> None:
        self.loops += 1
        self.setVariableValue("test0", self.loops)

    def write(self, name: str, value: Any) -> bool:
        self.setVariableValue(name, value)
        return True

    def cleanup(self) -> None:
        self.cleaned += 1


def test_constructor_defaults() -> None:
    device = Example("test")
    assert device.name == "test"
    assert device.poll_loop_ms == 2000
    assert list(device.variables) == ["test0", "test1"]
    assert all(isinstance(variable, PromVar) for variable in device.variables.values())
    assert device._keep_running is True
    assert device.is_alive() is False


def test_variables_start_never_set_with_their_creation_time() -> None:
    before = int(time.time() * 1000)
    device = Example("test")
    summary = device.getAllVariablesSummary()
    assert [item["name"] for item in summary] == ["test0", "test1"]
    first = summary[0]
    assert set(first) == {"name", "value", "description", "lastUpdate_ms", "status", "error"}
    assert (first["value"], first["description"], first["status"], first["error"]) == (
        None,
        "test variable",
        0,
        "",
    )
    assert before <= first["lastUpdate_ms"] <= int(time.time() * 1000)


def test_set_value_and_status() -> None:
    device = Example("test")
    device.setVariableValue("test0", 2.5)
    variable = device.variables["test0"]
    assert (variable.value, variable.status, variable.error) == (2.5, 1, "")
    assert device.getVariableValue("test0") == 2.5
    updated = variable.lastUpdate_ms
    device.setVariableStatus("test0", 2, "UKNOWN FAILURE")
    assert (variable.value, variable.status, variable.error, variable.lastUpdate_ms) == (
        2.5,
        2,
        "UKNOWN FAILURE",
        updated,
    )
    device.setVariableValue("test0", 3)
    assert (variable.status, variable.error) == (1, "")
    device.setVariableStatus("test1", 3)
    assert device.variables["test1"].error == ""


def test_unknown_names_are_ignored() -> None:
    device = Example("test")
    device.setVariableValue("nope", 1)
    device.setVariableStatus("nope", 2, "x")
    assert device.getVariableValue("nope") is None
    assert device.hasVar("nope") is False
    assert device.hasVar("test0") is True


def test_set_value_accepts_anything_and_never_raises() -> None:
    """Upstream's gauge raises for a non-numeric string (iotpy.md §8); PyIoT stores it."""
    device = Example("test")
    for value in ("abc", None, [1], {"a": 1}, object(), 10**400, b"\xff", float("nan")):
        device.setVariableValue("test0", value)
        assert device.getVariableValue("test0") is value
        assert device.variables["test0"].status == 1


def test_stop_ends_polling_and_cleans_up_once() -> None:
    device = Example("test")
    device.stop()
    assert device._keep_running is False
    assert device.cleaned == 1


def test_standalone_polling_thread_as_upstream() -> None:
    """Outside a runtime the device's own thread polls like upstream's (`loop`, then sleep)."""
    device = Example("test")
    device.poll_loop_ms = 1
    device._loop_thread.start()
    while device.loops < 3:
        time.sleep(0.001)
    assert device.is_alive()
    device.stop()
    device._loop_thread.join(5)
    assert not device.is_alive()


def test_missing_abstract_methods_are_named() -> None:
    class Incomplete(Device):
        def loop(self) -> None:
            pass

    with pytest.raises(MissingDeviceMethods) as caught:
        Incomplete("x")  # type: ignore[abstract]
    assert isinstance(caught.value, TypeError)
    assert caught.value.methods == ["cleanup", "write"]
    assert "Incomplete" in str(caught.value)


def test_promvar_attributes_are_plain_and_writable() -> None:
    changes: list[str] = []
    variable = PromVar("x", "help")
    variable._on_change = lambda var: changes.append(var.name)
    variable.value = 4
    variable.status = 1
    variable.error = "none"
    variable.lastUpdate_ms = 5
    assert variable.getValue() == 4
    assert variable.getVariableSummary() == {
        "name": "x",
        "value": 4,
        "description": "help",
        "lastUpdate_ms": 5,
        "status": 1,
        "error": "none",
    }
    assert changes == ["x"] * 4
    variable.setStatus(2, "bad")
    assert (variable.status, variable.error, variable.lastUpdate_ms) == (2, "bad", 5)


def test_prom_keeps_the_gauge_api() -> None:
    gauge = PromVar("x").prom
    assert isinstance(gauge, GaugeStandIn)
    assert gauge.get() == 0.0
    gauge.set("3.5")
    assert gauge.get() == 3.5
    gauge.set("abc")
    assert gauge.get() == 3.5
    gauge.set(True)
    gauge.inc(2)
    gauge.dec()
    assert gauge.get() == 2.0
    gauge.set_to_current_time()
    assert gauge.get() > 1e9


def test_duplicate_variable_names_in_two_devices_do_not_collide() -> None:
    """Upstream's global Prometheus registry raises for the second `test0`."""
    first, second = Example("a"), Example("b")
    first.setVariableValue("test0", 1)
    second.setVariableValue("test0", 2)
    assert (first.getVariableValue("test0"), second.getVariableValue("test0")) == (1, 2)


def test_odd_status_objects_are_looked_at_once_in_the_setting_thread() -> None:
    class Status:
        def __eq__(self, other: object) -> bool:
            raise RuntimeError("no comparison")

        __hash__ = object.__hash__

        def __str__(self) -> str:
            return "custom status"

    device = Example("test")
    status = Status()
    device.setVariableStatus("test0", status, 42)
    snapshot = device.variables["test0"].snapshot
    assert snapshot.status is status
    assert (snapshot.good, snapshot.status_value, snapshot.error_text) == (False, "custom status", "42")
    device.setVariableStatus("test0", 1.0)
    assert device.variables["test0"].snapshot.good is True


def test_changes_from_many_threads_are_all_seen() -> None:
    seen: list[str] = []
    lock = threading.Lock()

    class Observer:
        def variable_changed(self, device: Device, name: str) -> None:
            with lock:
                seen.append(name)

    device = Example("test")
    device._observe(Observer())

    def work() -> None:
        for index in range(100):
            device.setVariableValue("test1", index)

    threads = [threading.Thread(target=work) for _ in range(4)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert seen.count("test1") == 400
    device._observe(None)
    device.setVariableValue("test1", 0)
    assert seen.count("test1") == 400
