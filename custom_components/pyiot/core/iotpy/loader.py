"""Executing one device file as upstream does (iotpy.md §2), with every failure made a `Problem`.

`load_device_file` runs in an executor thread (the caller's import executor), never in the event loop:
it compiles the exact bytes the folder scan read (no bytecode cache, so an edit within the same second
is never missed, and nothing is written into the user's folder), executes them as a module named after
the file, as upstream does, without entering it into `sys.modules`, and returns the devices the file
added, or the problem that stopped it. It never raises.
"""

from collections.abc import Callable
from dataclasses import dataclass, field
import importlib.abc
import importlib.machinery
import importlib.util
import linecache
from pathlib import Path
import traceback
import types
from typing import Any

from .api import Device, MissingDeviceMethods
from .imports import DeviceRegistry, builtins_for, make_api
from .problems import Problem, ProblemKey
from .values import safe_text

MAX_MESSAGE_LENGTH = 300
_HINTS = {
    "readVariableValue": "IOTpy 0.3 calls it getVariableValue",
    "setStatus": "IOTpy 0.3 has setVariableStatus(name, status, error)",
}


@dataclass(frozen=True, kw_only=True, slots=True)
class SourceFile:
    """A device file as the folder scan read it."""

    name: str
    path: Path
    data: bytes
    digest: str


@dataclass(kw_only=True, slots=True)
class LoadedFile:
    """A file that executed and added at least one device."""

    name: str
    module: types.ModuleType
    devices: list[Device]
    notes: list[str] = field(default_factory=list)
    """Things worth a log line that did not stop the file (ignored objects, legacy `init()`)."""


class _DeviceFileLoader(importlib.abc.Loader):
    """Gives the source PyIoT read to `inspect` and `linecache` (for tracebacks of the device's code)."""

    def __init__(self, source: SourceFile) -> None:
        self._source = source

    def get_source(self, fullname: str) -> str:
        return importlib.util.decode_source(self._source.data)

    def compile(self) -> types.CodeType:
        """The file's code; `SyntaxError` (also for null bytes) when it has none."""
        return compile(self._source.data, str(self._source.path), "exec", dont_inherit=True)


def load_device_file(
    source: SourceFile, registry: DeviceRegistry, on_late_device: Callable[[str, Any], None]
) -> LoadedFile | Problem:
    """Execute `source`; its devices (registered in `registry`), or the problem that stopped it.

    `on_late_device(file, device)` is called (from any thread) when the file's code calls `addDevice`
    after its import finished; such a device is not run.
    """
    added: list[Any] = []
    loading = True
    before = {id(device) for device in registry.devices}

    def add_device(device: Any) -> None:
        if not loading:
            on_late_device(source.name, device)
            return
        added.append(device)
        registry.devices.append(device)

    stem = source.path.stem
    loader = _DeviceFileLoader(source)
    module = types.ModuleType(stem)
    module.__file__ = str(source.path)
    module.__loader__ = loader
    module.__spec__ = importlib.machinery.ModuleSpec(stem, loader, origin=str(source.path))
    module.__spec__.has_location = True
    module.__builtins__ = builtins_for(make_api(registry, add_device))  # type: ignore[attr-defined]
    linecache.checkcache(str(source.path))
    try:
        code = loader.compile()
    except (SyntaxError, ValueError) as err:
        return _syntax_problem(source, err)
    try:
        exec(code, module.__dict__)  # noqa: S102 - running the user's device file is the point
    except BaseException as err:  # noqa: BLE001 - whatever the file raises (even SystemExit) fails it alone
        loading = False
        registry.remove(added)
        return _problem_of(source, err)
    loading = False
    # Devices appended to `listOfDevices` directly count as added, as they would upstream.
    added += [d for d in registry.devices if id(d) not in before and all(d is not a for a in added)]
    return _accept(source, module, added, registry)


def _accept(
    source: SourceFile, module: types.ModuleType, added: list[Any], registry: DeviceRegistry
) -> LoadedFile | Problem:
    notes: list[str] = []
    devices: list[Device] = []
    for candidate in added:
        if not isinstance(candidate, Device):
            notes.append(f"addDevice() was given a {type(candidate).__name__}, not a Device: ignored")
        elif not isinstance(vars(candidate).get("variables"), dict):
            notes.append(f"{type(candidate).__name__} did not call Device.__init__(self, name): ignored")
        elif any(candidate is device for device in devices):
            notes.append(f"device {candidate.name!r} was added twice: counted once")
        else:
            devices.append(candidate)
    rejected = [device for device in added if all(device is not kept for kept in devices)]
    registry.remove(rejected)
    if not devices:
        message = "; ".join(notes) or "the file never calls addDevice(...)"
        return Problem(key=ProblemKey.NO_DEVICE, file=source.name, message=message)
    try:
        notes += [note for device in devices if (note := _run_legacy_init(device)) is not None]
    except BaseException as err:  # noqa: BLE001 - as for the file's own code
        registry.remove(devices)
        return _problem_of(source, err)
    return LoadedFile(name=source.name, module=module, devices=devices, notes=notes)


def _run_legacy_init(device: Device) -> str | None:
    """IOTpy <= 0.2 devices (and upstream's README) set up in `init()`, which 0.3 no longer calls.

    A device whose class defines `init()` and whose constructor added no variable gets `init()` called
    once, so such files work too; an exception there is the file's failure.
    """
    init = getattr(type(device), "init", None)
    if device.variables or not callable(init):
        return None
    init(device)
    return f"device {device.name!r}: called its IOTpy 0.2 style init()"


def _syntax_problem(source: SourceFile, err: SyntaxError | ValueError) -> Problem:
    return Problem(
        key=ProblemKey.SYNTAX_ERROR,
        file=source.name,
        line=err.lineno if isinstance(err, SyntaxError) else None,
        exception=type(err).__name__,
        message=_message(err.msg if isinstance(err, SyntaxError) else err),
    )


def _problem_of(source: SourceFile, err: BaseException) -> Problem:
    """The problem an exception of the file's execution stands for, with the file's line."""
    line = _line_in_file(err, source.path)
    if isinstance(err, MissingDeviceMethods):
        return Problem(
            key=ProblemKey.MISSING_METHODS,
            file=source.name,
            line=line,
            exception=err.class_name,
            message=", ".join(err.methods),
        )
    key = ProblemKey.MISSING_MODULE if isinstance(err, ModuleNotFoundError) else ProblemKey.IMPORT_FAILED
    return Problem(key=key, file=source.name, line=line, exception=type(err).__name__, message=describe(err))


def describe(err: BaseException) -> str:
    """An exception's text for a repair or log line, with a hint for IOTpy API drift."""
    message = _message(err)
    for name, hint in _HINTS.items():
        if isinstance(err, AttributeError | ImportError) and name in message:
            return f"{message} ({hint})"
    return message


def _message(text: object) -> str:
    return safe_text(text, MAX_MESSAGE_LENGTH)


def _line_in_file(err: BaseException, path: Path) -> int | None:
    """The line of the last frame of `err`'s traceback that is in the device file."""
    filename = str(path)
    lines = [frame.lineno for frame in traceback.extract_tb(err.__traceback__) if frame.filename == filename]
    return lines[-1] if lines else None


def problem_in_frame(err: BaseException, path: Path) -> tuple[int | None, str, str]:
    """Line in the device file, exception type and text of an exception of a device's method."""
    return _line_in_file(err, path), type(err).__name__, describe(err)
