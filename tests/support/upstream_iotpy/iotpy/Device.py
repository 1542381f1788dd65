"""Upstream's `iotpy.Device` as the reference describes it, strict like Prometheus' registry."""

# ruff: noqa: N999 - upstream's module name

from abc import ABC, abstractmethod
import re
import threading
import time
from typing import Any

_METRIC_NAME = re.compile(r"[a-zA-Z_:][a-zA-Z0-9_:]*")
REGISTERED: set[str] = set()


class PromVar:
    def __init__(self, name: str, description: str = "") -> None:
        if not _METRIC_NAME.fullmatch(name) or name in REGISTERED:
            raise ValueError(f"Duplicated timeseries in CollectorRegistry: {name}")
        REGISTERED.add(name)
        self.name, self.description = name, description
        self.value: Any = None
        self.lastUpdate_ms = int(time.time() * 1000)
        self.status: Any = 0
        self.error: Any = ""
        self.gauge = 0.0

    def setValue(self, value: Any) -> None:  # noqa: N802
        self.value = value
        self.gauge = float(value)
        self.status, self.error = 1, ""
        self.lastUpdate_ms = int(time.time() * 1000)

    def setStatus(self, status: Any, error: Any = "") -> None:  # noqa: N802
        self.status, self.error = status, error

    def getValue(self) -> Any:  # noqa: N802
        return self.value

    def getVariableSummary(self) -> dict[str, Any]:  # noqa: N802
        return {
            "name": self.name,
            "value": self.value,
            "description": self.description,
            "lastUpdate_ms": self.lastUpdate_ms,
            "status": self.status,
            "error": self.error,
        }


class Device(ABC):
    def __init__(self, name: str) -> None:
        self.name = name
        self.poll_loop_ms = 2000
        self.variables: dict[str, PromVar] = {}
        self._keep_running = True
        self._loop_thread = threading.Thread(target=lambda: None, daemon=True)

    def addVariable(self, name: str, description: str = "") -> None:  # noqa: N802
        self.variables[name] = PromVar(name, description)

    def getVariableValue(self, name: str) -> Any:  # noqa: N802
        variable = self.variables.get(name)
        return variable.getValue() if variable is not None else None

    def getAllVariablesSummary(self) -> list[dict[str, Any]]:  # noqa: N802
        return [variable.getVariableSummary() for variable in self.variables.values()]

    def setVariableValue(self, name: str, value: Any) -> None:  # noqa: N802
        if name in self.variables:
            self.variables[name].setValue(value)

    def setVariableStatus(self, name: str, status: Any, error: Any = "") -> None:  # noqa: N802
        if name in self.variables:
            self.variables[name].setStatus(status, error)

    def hasVar(self, name: str) -> bool:  # noqa: N802
        return name in self.variables

    def is_alive(self) -> bool:
        return self._loop_thread.is_alive()

    def stop(self) -> None:
        self._keep_running = False
        self.cleanup()

    @abstractmethod
    def loop(self) -> None: ...

    @abstractmethod
    def write(self, name: str, value: Any) -> Any: ...

    @abstractmethod
    def cleanup(self) -> None: ...


listOfDevices: list[Device] = []  # noqa: N816 - upstream's name


def addDevice(device: Device) -> None:  # noqa: N802
    listOfDevices.append(device)
