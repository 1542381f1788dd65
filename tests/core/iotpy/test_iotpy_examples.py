"""PyIoT's example device files (tools/iotpy_devices) run under PyIoT and under upstream's API."""

from collections.abc import Iterator
import importlib.util
from pathlib import Path
import shutil
import sys
from types import ModuleType

import pytest

from custom_components.pyiot.core.iotpy import ProblemKey
from custom_components.pyiot.core.nodes import PointKind
from tests.support.iotpy_fixtures import DeviceFolder, ProblemRecorder, RuntimeFactory
from tests.support.recording_listener import RecordingListener

EXAMPLES = Path(__file__).parents[3] / "tools" / "iotpy_devices"
UPSTREAM = Path(__file__).parents[2] / "support" / "upstream_iotpy"


async def test_examples_run_in_pyiot(
    folder: DeviceFolder,
    start_runtime: RuntimeFactory,
    listener: RecordingListener,
    problems: ProblemRecorder,
) -> None:
    for example in EXAMPLES.glob("*.py"):
        shutil.copy(example, folder.path / example.name)
    runtime = await start_runtime()
    thermometer, relay = "thermometer/Living room thermometer", "heating_relay/Heating relay"
    await listener.wait_for(
        lambda: (
            bool(listener.values(thermometer, "room_humidity"))
            and bool(listener.values(relay, "heating_relay"))
        )
    )
    assert problems.current == {}
    assert listener.points[thermometer]["thermometer_ok"].kind is PointKind.BINARY_SENSOR
    assert listener.points[thermometer]["room_humidity"].kind is PointKind.SENSOR
    await runtime.async_write(relay, "heating_relay", 1)
    await runtime.async_write(relay, "heating_setpoint", 21.5)
    await listener.wait_for(lambda: listener.values(relay, "heating_setpoint")[-1:] == [21.5])
    assert listener.values(relay, "heating_relay")[-1] == 1
    assert listener.values(relay, "heating_switch_count")[-1] == 1


@pytest.fixture
def upstream() -> Iterator[ModuleType]:
    """The strict stand-in of upstream's package on sys.path, as an installed `iotpy` would be."""
    sys.path.insert(0, str(UPSTREAM))
    try:
        import iotpy.Device  # noqa: PLC0415

        yield iotpy.Device
    finally:
        sys.path.remove(str(UPSTREAM))
        for name in [name for name in sys.modules if name == "iotpy" or name.startswith("iotpy.")]:
            del sys.modules[name]


def test_examples_run_under_upstreams_api(upstream: ModuleType) -> None:
    """Loaded as upstream's `loadDevices` does, against an API as strict as upstream's."""
    for path in sorted(EXAMPLES.glob("[!_]*.py")):
        spec = importlib.util.spec_from_file_location(path.stem, path)
        assert spec is not None
        assert spec.loader is not None
        spec.loader.exec_module(importlib.util.module_from_spec(spec))
    devices = {device.name: device for device in upstream.listOfDevices}
    assert set(devices) == {"Living room thermometer", "Heating relay"}
    for device in devices.values():
        device.loop()
        assert all(item["status"] in {1, 2} for item in device.getAllVariablesSummary())
    relay = devices["Heating relay"]
    assert relay.write("heating_relay", 1) is True
    assert relay.write("heating_relay", True) is True
    assert relay.write("heating_relay", 2) is False
    assert relay.write("heating_setpoint", 99) is False
    assert relay.write("heating_setpoint", float("nan")) is False
    assert relay.write("heating_setpoint", 22) is True
    assert relay.getVariableValue("heating_setpoint") == 22.0
    assert devices["Living room thermometer"].write("room_temperature", 1) is False
    for device in devices.values():
        device.stop()


def test_the_strict_stand_in_refuses_what_upstream_refuses(upstream: ModuleType) -> None:
    class Twin(upstream.Device):  # type: ignore[name-defined,misc]
        def loop(self) -> None: ...
        def write(self, name: str, value: object) -> bool:
            return False

        def cleanup(self) -> None: ...

    Twin("a").addVariable("twin_value")
    with pytest.raises(ValueError, match="Duplicated"):
        Twin("b").addVariable("twin_value")
    device = Twin("c")
    device.addVariable("twin_text")
    with pytest.raises(ValueError, match="could not convert"):
        device.setVariableValue("twin_text", "abc")


@pytest.mark.allow_pyiot_warnings
async def test_duplicate_names_that_break_upstream_work_in_pyiot(
    folder: DeviceFolder,
    start_runtime: RuntimeFactory,
    listener: RecordingListener,
    problems: ProblemRecorder,
) -> None:
    """The same example twice: upstream's registry raises; PyIoT runs both, and bad names too."""
    shutil.copy(EXAMPLES / "thermometer.py", folder.path / "kitchen.py")
    shutil.copy(EXAMPLES / "thermometer.py", folder.path / "bedroom.py")
    folder.write(
        "odd_names.py",
        (EXAMPLES / "thermometer.py")
        .read_text()
        .replace('"room_temperature"', '"room temperature (°C)"')
        .replace('"thermometer_ok"', '"process_open_fds"'),
    )
    await start_runtime()
    await listener.wait_for(
        lambda: all(
            bool(listener.values(f"{stem}/Living room thermometer", "room_humidity"))
            for stem in ("kitchen", "bedroom", "odd_names")
        )
    )
    assert "room temperature (°C)" in listener.points["odd_names/Living room thermometer"]
    assert not [p for p in problems.current.values() if p.key is not ProblemKey.LOOP_FAILED]
