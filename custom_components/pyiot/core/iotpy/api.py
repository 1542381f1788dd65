"""PyIoT's implementation of the device API of IOTpy 0.3 (iotpy.md §3), written from its reference.

Device files import it as `iotpy.Device` (see `imports.py` for how, without a global `iotpy` module).
The names and behaviour are upstream's, with these differences, all in the device's favour:

- no Prometheus registry: a variable's `prom` only keeps the gauge's API (Home Assistant's own
  `prometheus` integration exports the entities), so equal variable names in different devices or files
  do not collide and any name is allowed;
- `setVariableValue` accepts any value and never raises (upstream's gauge raises for a non-numeric
  string and so kills the device's thread); what cannot be shown makes the entity unavailable;
- a subclass that misses an abstract method fails with `MissingDeviceMethods` (a `TypeError`, as
  upstream's), which names the methods;
- every change of a variable (also by assigning `value`, `status` or `error` directly) is reported to
  the runtime that runs the device, from whatever thread made it.
"""

from abc import ABC, abstractmethod
from collections.abc import Callable
import threading
import time
from typing import Any, Final, Protocol, Self

from .values import Plain, Unusable, normalize, safe_text

DEFAULT_POLL_LOOP_MS: Final = 2000
STATUS_NEVER_SET: Final = 0
STATUS_GOOD: Final = 1


def _now_ms() -> int:
    return int(time.time() * 1000)


def _float_or_none(text: str) -> float | None:
    try:
        return float(text)
    except ValueError:
        return None


class VariableObserver(Protocol):
    """Told about every change of a device's variables (the runtime that runs the device)."""

    def variable_changed(self, device: Device, name: str) -> None:
        """`device.variables[name]` changed; called in the thread that changed it."""


class GaugeStandIn:
    """Keeps the API of the Prometheus `Gauge` upstream attaches to each variable (`PromVar.prom`)."""

    __slots__ = ("_value", "description", "name")

    def __init__(self, name: str, description: str) -> None:
        """A gauge at 0.0, as a fresh Prometheus gauge."""
        self.name = name
        self.description = description
        self._value = 0.0

    def set(self, value: Any) -> None:
        """Remember `float(value)`, or keep the old value when it is no number (upstream raises)."""
        number = normalize(value)
        if isinstance(number, str):
            number = _float_or_none(number)
        if isinstance(number, int | float):
            self._value = float(number)

    def inc(self, amount: float = 1.0) -> None:
        """Add `amount`."""
        self._value += float(amount)

    def dec(self, amount: float = 1.0) -> None:
        """Subtract `amount`."""
        self._value -= float(amount)

    def set_to_current_time(self) -> None:
        """The current Unix time in seconds."""
        self._value = time.time()

    def get(self) -> float:
        """The gauge's value (upstream reads it only through `/metrics`)."""
        return self._value


class VariableSnapshot:
    """One consistent state of a variable, replaced as a whole on every change (safe across threads).

    Built in the thread that made the change, so that user objects (a status or error of the device's
    own class) are only ever looked at there; the event loop reads `plain`, `good`, `status_value` and
    `error_text`.
    """

    __slots__ = ("error", "error_text", "good", "last_update_ms", "plain", "status", "status_value", "value")

    def __init__(
        self, value: Any, plain: Plain | Unusable, status: Any, error: Any, last_update_ms: Any
    ) -> None:
        """Keep the raw `value`, `status` and `error` for the device, their safe forms for the loop."""
        self.value = value
        self.plain = plain
        self.status = status
        self.error = error
        self.last_update_ms = last_update_ms
        if status is STATUS_GOOD or status is STATUS_NEVER_SET:  # the common cases, fast
            self.good = status is STATUS_GOOD
            self.status_value: int | str = status
        else:
            self.good = _is_good(status)
            self.status_value = status if type(status) is int else safe_text(status, 40)
        self.error_text = "" if type(error) is str and not error else safe_text(error)


def _is_good(status: Any) -> bool:
    try:
        return bool(status == STATUS_GOOD)
    except Exception:  # noqa: BLE001 - a status object with a broken __eq__
        return False


class PromVar:
    """One variable: `name`, `value`, `description`, `lastUpdate_ms`, `status`, `error`, `prom`."""

    def __init__(self, name: str, description: str = "") -> None:
        """Never set (status 0); `lastUpdate_ms` is the creation time, as upstream's."""
        self.name = name
        self.description = description
        self.prom = GaugeStandIn(name, description)
        self._snapshot = VariableSnapshot(None, None, STATUS_NEVER_SET, "", _now_ms())
        self._on_change: Callable[[PromVar], None] | None = None

    @property
    def snapshot(self) -> VariableSnapshot:
        """The variable's current state as one object."""
        return self._snapshot

    def _replace(self, snapshot: VariableSnapshot) -> None:
        self._snapshot = snapshot
        if (on_change := self._on_change) is not None:
            on_change(self)

    # Upstream's attributes, writable as upstream's plain attributes are.

    @property
    def value(self) -> Any:
        """The value the device stored (None before the first one)."""
        return self._snapshot.value

    @value.setter
    def value(self, value: Any) -> None:
        old = self._snapshot
        self._replace(VariableSnapshot(value, normalize(value), old.status, old.error, old.last_update_ms))

    @property
    def status(self) -> Any:
        """0 never set, 1 good, 2 and more: an error the device defines."""
        return self._snapshot.status

    @status.setter
    def status(self, status: Any) -> None:
        old = self._snapshot
        self._replace(VariableSnapshot(old.value, old.plain, status, old.error, old.last_update_ms))

    @property
    def error(self) -> Any:
        """The device's error text ("" while the status is good)."""
        return self._snapshot.error

    @error.setter
    def error(self, error: Any) -> None:
        old = self._snapshot
        self._replace(VariableSnapshot(old.value, old.plain, old.status, error, old.last_update_ms))

    @property
    def lastUpdate_ms(self) -> Any:  # noqa: N802 - upstream's name
        """Epoch milliseconds of the last `setValue` (or of the variable's creation)."""
        return self._snapshot.last_update_ms

    @lastUpdate_ms.setter
    def lastUpdate_ms(self, moment: Any) -> None:  # noqa: N802 - upstream's name
        old = self._snapshot
        self._replace(VariableSnapshot(old.value, old.plain, old.status, old.error, moment))

    # Upstream's methods.

    def setValue(self, value: Any) -> None:  # noqa: N802 - upstream's name
        """Store `value`: status 1, no error, `lastUpdate_ms` now."""
        self.prom.set(value)
        self._replace(VariableSnapshot(value, normalize(value), STATUS_GOOD, "", _now_ms()))

    def setStatus(self, status: Any, error: Any = "") -> None:  # noqa: N802 - upstream's name
        """Set status and error only; value and `lastUpdate_ms` stay."""
        old = self._snapshot
        self._replace(VariableSnapshot(old.value, old.plain, status, error, old.last_update_ms))

    def getValue(self) -> Any:  # noqa: N802 - upstream's name
        """The stored value."""
        return self._snapshot.value

    def getVariableSummary(self) -> dict[str, Any]:  # noqa: N802 - upstream's name
        """The six-key object of `/variables` (iotpy.md §4.2)."""
        snapshot = self._snapshot
        return {
            "name": self.name,
            "value": snapshot.value,
            "description": self.description,
            "lastUpdate_ms": snapshot.last_update_ms,
            "status": snapshot.status,
            "error": snapshot.error,
        }


class MissingDeviceMethods(TypeError):  # noqa: N818 - named for the user who reads it
    """A `Device` subclass was instantiated without implementing every abstract method."""

    def __init__(self, class_name: str, methods: list[str]) -> None:
        """Name the class and the missing methods."""
        listed = ", ".join(methods)
        super().__init__(f"Can't instantiate device class {class_name} without {listed}")
        self.class_name = class_name
        self.methods = methods


class Device(ABC):
    """Base class of IOTpy devices: implement `loop`, `write` and `cleanup`.

    Subclasses call `Device.__init__(self, name)` first, then add their variables and may change
    `poll_loop_ms`. `loop()` is called, then the thread sleeps `poll_loop_ms`, while the device runs.
    """

    def __new__(cls, *args: Any, **kwargs: Any) -> Self:  # noqa: ARG004 - taken by __init__
        """Refuse a class with abstract methods left, naming them."""
        if missing := sorted(getattr(cls, "__abstractmethods__", ())):
            raise MissingDeviceMethods(cls.__name__, missing)
        return super().__new__(cls)

    def __init__(self, name: str) -> None:
        """Name the device; 2 s poll period; no variables yet; thread created, not started."""
        self.name = name
        self.poll_loop_ms: Any = DEFAULT_POLL_LOOP_MS
        self.variables: dict[str, PromVar] = {}
        self._keep_running = True
        self._observer: VariableObserver | None = None
        self._loop_thread = threading.Thread(target=self._loop_handler, daemon=True)

    def _loop_handler(self) -> None:
        """Upstream's polling thread, for a device started outside a PyIoT runtime."""
        while self._keep_running:
            self.loop()
            time.sleep(self.poll_loop_ms / 1000)

    def _observe(self, observer: VariableObserver | None) -> None:
        """Report every change of every variable (present and future) to `observer`."""
        self._observer = observer
        for variable in list(self.variables.values()):
            self._watch(variable)

    def _watch(self, variable: Any) -> None:
        if isinstance(variable, PromVar):
            variable._on_change = self._variable_changed if self._observer is not None else None  # noqa: SLF001

    def _variable_changed(self, variable: PromVar) -> None:
        # getattr: a subclass that forgot `Device.__init__` still gets its variables stored.
        if (observer := getattr(self, "_observer", None)) is not None:
            observer.variable_changed(self, variable.name)

    def addVariable(self, name: str, description: str = "") -> None:  # noqa: N802 - upstream's name
        """Create variable `name` (replacing one of the same name, as upstream's dict does)."""
        variable = PromVar(name, description)
        self.variables[name] = variable
        self._watch(variable)
        self._variable_changed(variable)

    def getVariableValue(self, name: str) -> Any:  # noqa: N802 - upstream's name
        """The value of `name`, or None (also for an unknown name)."""
        variable = self.variables.get(name)
        return variable.getValue() if variable is not None else None

    def getAllVariablesSummary(self) -> list[dict[str, Any]]:  # noqa: N802 - upstream's name
        """The `/variables` objects of this device, in `addVariable` order."""
        return [variable.getVariableSummary() for variable in list(self.variables.values())]

    def setVariableValue(self, name: str, value: Any) -> None:  # noqa: N802 - upstream's name
        """Store a value (status 1, no error, time now); an unknown name is ignored."""
        if (variable := self.variables.get(name)) is not None:
            variable.setValue(value)

    def setVariableStatus(self, name: str, status: Any, error: Any = "") -> None:  # noqa: N802
        """Set a variable's status and error only; an unknown name is ignored."""
        if (variable := self.variables.get(name)) is not None:
            variable.setStatus(status, error)

    def hasVar(self, name: str) -> bool:  # noqa: N802 - upstream's name
        """Whether the device has variable `name`."""
        return self.variables.get(name) is not None

    def is_alive(self) -> bool:
        """Whether the device's polling thread runs."""
        return self._loop_thread.is_alive()

    def stop(self) -> None:
        """Stop polling, then `cleanup()`."""
        self._keep_running = False
        self.cleanup()

    @abstractmethod
    def loop(self) -> None:
        """Poll the hardware and store values with `setVariableValue`."""

    @abstractmethod
    def write(self, name: str, value: Any) -> Any:
        """Carry out a write of variable `name`; truthy when it succeeded."""

    @abstractmethod
    def cleanup(self) -> None:
        """Release the hardware (called once, by `stop()`)."""


def device_label(device: Device) -> str:
    """The device's name as text, whatever object the file gave as name."""
    return safe_text(getattr(device, "name", "?"), 100) or "?"
