"""IOTpy device files (https://github.com/panManfredini/IOTpy) run by PyIoT, without Home Assistant.

Upstream's device files run unchanged: `from iotpy.Device import Device, addDevice` gives them PyIoT's
implementation of IOTpy 0.3's API (`api.py`), for these files only (`imports.py`), even when a package
named `iotpy` is installed. `IotpyRuntime` loads a folder of them, runs each device's `loop()` in a
thread of its own and reports devices and variables as nodes and points to a `NodeListener`.
"""

from .api import Device, MissingDeviceMethods, PromVar
from .errors import IotpyWriteError, WriteProblem
from .importer import JobRunner
from .points import Exposure, VariableSettings, point_for
from .problems import Problem, ProblemKey, RuntimeObserver
from .runner import Backoff
from .runtime import IotpyRuntime, RuntimeSettings, VariableDescription, VariableState
from .values import ValueKind

__all__ = [
    "Backoff",
    "Device",
    "Exposure",
    "IotpyRuntime",
    "IotpyWriteError",
    "JobRunner",
    "MissingDeviceMethods",
    "Problem",
    "ProblemKey",
    "PromVar",
    "RuntimeObserver",
    "RuntimeSettings",
    "ValueKind",
    "VariableDescription",
    "VariableSettings",
    "VariableState",
    "WriteProblem",
    "point_for",
]
