"""How a device file's `import iotpy.Device` finds PyIoT's API, and nothing else does.

Nothing is put into `sys.modules` and no import hook is installed for the process: every device file
is executed with builtins of its own, whose `__import__` answers `iotpy` and `iotpy.Device` with
modules made for that file, and hands every other import to Python's own `__import__`. Functions
defined in the file keep those builtins (CPython binds them when a function is created), so an
`import iotpy.Device` inside `loop()` resolves the same way. An `iotpy` package installed in Home
Assistant's environment (PyPI's `iotpy` is an unrelated stream library) is therefore never seen by
device files, and other code never sees PyIoT's. What this does not cover: `importlib.import_module(
"iotpy.Device")` in a device file goes to the real import system (and fails, or finds the installed
package).

All files of one runtime share one `listOfDevices`, as all files of an upstream server do; each file
gets its own `addDevice`, so the runtime knows which file registered which device.
"""

import builtins
from collections.abc import Callable, Mapping, Sequence
import types
from typing import Any, Final

from .api import Device, PromVar

PACKAGE: Final = "iotpy"
DEVICE_MODULE: Final = "iotpy.Device"


class DeviceRegistry:
    """The `listOfDevices` shared by the files of one runtime, and who added what."""

    def __init__(self) -> None:
        """An empty list."""
        self.devices: list[Any] = []
        """The list device files see as `listOfDevices` (only changed in place)."""

    def remove(self, devices: Sequence[Any]) -> None:
        """Take `devices` out of the shared list (a file is reloaded or removed)."""
        gone = {id(device) for device in devices}
        self.devices[:] = [device for device in self.devices if id(device) not in gone]

    def device_with_var(self, name: str) -> Any:
        """Upstream's `getDeviceWithVar`: the first device that has variable `name`, else None."""
        for device in list(self.devices):
            try:
                if device.hasVar(name):
                    return device
            except Exception:  # noqa: BLE001, S112 - a broken foreign object in the list
                continue
        return None


def _start_devices_loop() -> None:
    """Upstream starts every thread here; in PyIoT the runtime starts each device, so nothing to do."""


def make_api(registry: DeviceRegistry, add_device: Callable[[Any], None]) -> types.ModuleType:
    """The `iotpy` package of one file, with its `iotpy.Device` module as attribute `Device`."""
    device_module = types.ModuleType(DEVICE_MODULE, "PyIoT's implementation of IOTpy 0.3's iotpy.Device.")
    device_module.__dict__.update(
        Device=Device,
        PromVar=PromVar,
        addDevice=add_device,
        listOfDevices=registry.devices,
        StartDevicesLoop=_start_devices_loop,
        getDeviceWithVar=registry.device_with_var,
    )
    package = types.ModuleType(PACKAGE, "PyIoT's stand-in for the IOTpy package (device API only).")
    package.__path__ = []  # a package, so `import iotpy.Device` is meaningful
    setattr(package, "Device", device_module)  # noqa: B010 - a module attribute mypy cannot know
    return package


def builtins_for(package: types.ModuleType) -> dict[str, Any]:
    """A copy of the builtins whose `__import__` resolves `iotpy` and `iotpy.Device` to `package`."""
    real_import = builtins.__import__
    device_module: types.ModuleType = getattr(package, "Device")  # noqa: B009

    def device_file_import(
        name: str,
        globals: Mapping[str, object] | None = None,  # noqa: A002 - the signature of __import__
        locals: Mapping[str, object] | None = None,  # noqa: A002
        fromlist: Sequence[str] | None = (),
        level: int = 0,
    ) -> types.ModuleType:
        if level == 0 and (name == PACKAGE or name.startswith(PACKAGE + ".")):
            if name == PACKAGE:
                return package
            if name == DEVICE_MODULE:
                return device_module if fromlist else package
            message = f"No module named {name!r} (PyIoT provides only iotpy.Device to device files)"
            raise ModuleNotFoundError(message, name=name)
        return real_import(name, globals, locals, fromlist or (), level)

    namespace = dict(vars(builtins))
    namespace["__import__"] = device_file_import
    return namespace
