"""Device files get PyIoT's `iotpy.Device`, in every import style, without a global `iotpy` module."""

import hashlib
from pathlib import Path
import sys
import textwrap

import pytest

from custom_components.pyiot.core.iotpy import Device, Problem, ProblemKey
from custom_components.pyiot.core.iotpy.imports import DeviceRegistry
from custom_components.pyiot.core.iotpy.loader import LoadedFile, SourceFile, load_device_file

STYLES = {
    "from_import": "from iotpy.Device import Device, addDevice\nBase, add = Device, addDevice\n",
    "module_import": "import iotpy.Device\nBase, add = iotpy.Device.Device, iotpy.Device.addDevice\n",
    "package_import": "from iotpy import Device as module\nBase, add = module.Device, module.addDevice\n",
    "aliased_import": "import iotpy.Device as D\nBase, add = D.Device, D.addDevice\n",
    "package_only": (
        "import iotpy\nimport iotpy.Device\nBase, add = iotpy.Device.Device, iotpy.Device.addDevice\n"
    ),
}

BODY = """
import json

class Thing(Base):
    def __init__(self, name):
        Base.__init__(self, name)
        self.addVariable("x")

    def loop(self):
        # An import inside a method resolves the same way.
        from iotpy.Device import Device as Late
        self.setVariableValue("x", json.dumps(Late is Base))

    def write(self, name, value):
        return False

    def cleanup(self):
        pass

add(Thing("thing"))
"""


def source_of(tmp_path: Path, name: str, text: str) -> SourceFile:
    path = tmp_path / name
    data = textwrap.dedent(text).encode()
    path.write_bytes(data)
    return SourceFile(name=name, path=path, data=data, digest=hashlib.sha256(data).hexdigest())


def load(
    tmp_path: Path, name: str, text: str, registry: DeviceRegistry | None = None
) -> LoadedFile | Problem:
    return load_device_file(source_of(tmp_path, name, text), registry or DeviceRegistry(), lambda *_: None)


@pytest.mark.parametrize("style", STYLES)
def test_every_import_style_gets_pyiots_api(tmp_path: Path, style: str) -> None:
    assert "iotpy" not in sys.modules
    loaded = load(tmp_path, f"{style}.py", STYLES[style] + BODY)
    assert isinstance(loaded, LoadedFile), loaded
    (device,) = loaded.devices
    assert isinstance(device, Device)
    device.loop()
    assert device.getVariableValue("x") == "true"
    assert loaded.module.__name__ == style
    assert "iotpy" not in sys.modules
    assert "iotpy.Device" not in sys.modules
    assert style not in sys.modules, "device modules stay out of sys.modules, as upstream's"


def test_an_installed_iotpy_package_is_not_seen_by_device_files(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    site = tmp_path / "site"
    package = site / "iotpy"
    package.mkdir(parents=True)
    (package / "__init__.py").write_text("KIND = 'installed'\n")
    (package / "Device.py").write_text(
        "raise ImportError('the installed iotpy.Device must not be imported')\n"
    )
    monkeypatch.syspath_prepend(str(site))
    try:
        loaded = load(tmp_path, "device.py", STYLES["module_import"] + BODY)
        assert isinstance(loaded, LoadedFile), loaded
        assert isinstance(loaded.devices[0], Device)
        import iotpy  # noqa: PLC0415 - other code still finds the installed package

        assert iotpy.KIND == "installed"
        assert "iotpy.Device" not in sys.modules
    finally:
        sys.modules.pop("iotpy", None)


def test_other_iotpy_modules_are_refused_with_a_clear_message(tmp_path: Path) -> None:
    problem = load(tmp_path, "server.py", "from iotpy.webserver import build_application\n")
    assert isinstance(problem, Problem)
    assert problem.key is ProblemKey.MISSING_MODULE
    assert "PyIoT provides only iotpy.Device" in problem.message


def test_list_of_devices_is_shared_by_the_files_of_one_runtime(tmp_path: Path) -> None:
    registry = DeviceRegistry()
    first = load(tmp_path, "first.py", STYLES["from_import"] + BODY, registry)
    second = load(
        tmp_path,
        "second.py",
        """
        from iotpy.Device import Device, listOfDevices, getDeviceWithVar, StartDevicesLoop

        class Other(Device):
            def __init__(self, name):
                Device.__init__(self, name)
                self.addVariable("y")
                self.seen = [device.name for device in listOfDevices]
                self.owner_of_x = getDeviceWithVar("x")
                self.owner_of_z = getDeviceWithVar("z")

            def loop(self):
                pass

            def write(self, name, value):
                return False

            def cleanup(self):
                pass

        StartDevicesLoop()
        listOfDevices.append(Other("other"))
        listOfDevices.append("not a device")
        """,
        registry,
    )
    assert isinstance(first, LoadedFile)
    assert isinstance(second, LoadedFile), second
    (other,) = second.devices
    assert other.seen == ["thing"]
    assert other.owner_of_x is first.devices[0]
    assert other.owner_of_z is None
    assert registry.devices == [first.devices[0], other]
    assert second.notes == ["addDevice() was given a str, not a Device: ignored"]


def test_get_device_with_var_skips_broken_objects() -> None:
    registry = DeviceRegistry()

    class Broken:
        def hasVar(self, name: str) -> bool:  # noqa: N802
            raise RuntimeError("broken")

    registry.devices.append(Broken())
    assert registry.device_with_var("x") is None


def test_the_readme_style_init_of_iotpy_02_is_called(tmp_path: Path) -> None:
    """Upstream's README (and IOTpy <= 0.2) set devices up in `init()`, which 0.3 never calls."""
    loaded = load(
        tmp_path,
        "readme.py",
        """
        from iotpy.Device import Device, addDevice

        class myDevice(Device):

            def init(self):
                self.addVariable("test0", "test variable")
                self.addVariable("test1")
                self.poll_loop_ms = 2000

            def loop(self):
                self.setVariableValue("test0", 1)
                self.setVariableValue("test1", 2)

            def write(self, name, val):
                self.setVariableValue(name, val)
                return True

            def cleanup(self):
                pass

        addDevice( myDevice("test") )
        """,
    )
    assert isinstance(loaded, LoadedFile)
    assert list(loaded.devices[0].variables) == ["test0", "test1"]
    assert loaded.notes == ["device 'test': called its IOTpy 0.2 style init()"]


def test_a_failing_legacy_init_fails_the_file(tmp_path: Path) -> None:
    registry = DeviceRegistry()
    problem = load(
        tmp_path,
        "readme.py",
        """
        from iotpy.Device import Device, addDevice

        class myDevice(Device):
            def init(self):
                raise OSError("no serial port")

            def loop(self):
                pass

            def write(self, name, val):
                return True

            def cleanup(self):
                pass

        addDevice(myDevice("test"))
        """,
        registry,
    )
    assert isinstance(problem, Problem)
    assert (problem.key, problem.exception, problem.line) == (ProblemKey.IMPORT_FAILED, "OSError", 6)
    assert registry.devices == []


def test_a_device_added_twice_counts_once(tmp_path: Path) -> None:
    loaded = load(
        tmp_path, "twice.py", STYLES["from_import"] + BODY + "add(Base.__subclasses__()[-1]('x'))\n"
    )
    assert isinstance(loaded, LoadedFile)
    thing = loaded.devices[0]
    again = load(
        tmp_path,
        "again.py",
        STYLES["from_import"] + BODY.replace('add(Thing("thing"))', "t = Thing('t')\nadd(t)\nadd(t)"),
    )
    assert isinstance(again, LoadedFile)
    assert len(again.devices) == 1
    assert again.notes == ["device 't' was added twice: counted once"]
    assert thing.name == "thing"


def test_tracebacks_show_the_device_file(tmp_path: Path) -> None:
    import inspect  # noqa: PLC0415

    loaded = load(tmp_path, "device.py", STYLES["from_import"] + BODY)
    assert isinstance(loaded, LoadedFile)
    assert inspect.getsource(loaded.devices[0].loop).strip().startswith("def loop(self):")
    assert loaded.module.__loader__.get_source("device").startswith("from iotpy.Device")
