"""The IOTpy device-file runtime: a folder of upstream device files, run as `Transport` nodes.

Order of work (every blocking step off the event loop):

1. `async_start()`: scan the folder (`io_job`), import each file (`import_job`, the caller's import
   executor), start each device's thread; then poll the folder every `watch_interval` seconds.
2. A changed file: its devices are stopped (`stop()`, which calls `cleanup()`), its module dropped, the
   file imported again; devices keep their node ids (`<file stem>/<device name>`), so Home Assistant
   keeps their entities. A removed file's devices become unavailable. `async_reload()` does the same
   on request.
3. Values: device threads post changes to a `Mailbox`; the loop reports them to the `NodeListener`,
   coalesced, at most every `flush_interval`.
4. `async_stop()`: stop watching, stop every device.

Problems (a file that cannot load, a `loop()` that raises or hangs) are raised to the
`RuntimeObserver` and cleared when gone; a file's failure never touches another file.
"""

import asyncio
from collections.abc import Callable, Iterable, Mapping
import contextlib
from dataclasses import dataclass, field
from functools import partial
import logging
from pathlib import Path
import threading
import time
from typing import Any, Final

from ..nodes.bad_input import OncePerSourceLogger
from ..nodes.model import NodeListener
from .api import PromVar, VariableSnapshot, device_label
from .devices import DeviceEntry, MailboxKey, VariableRecord, node_id_for, variable_key
from .errors import IotpyWriteError, WriteProblem, check_write_value
from .importer import FileImporter, JobRunner
from .imports import DeviceRegistry
from .loader import LoadedFile, SourceFile, load_device_file
from .mailbox import Mailbox
from .points import DEFAULT_SETTINGS, VariableSettings, kind_for, point_for
from .problems import Problem, ProblemKey, RuntimeObserver
from .runner import (
    Backoff,
    DeviceRunner,
    LoopFailed,
    LoopRecovered,
    RunnerEnded,
    RunnerEvent,
    WriteBusyError,
    stop_runners,
)
from .scan import FileStamp, ScanResult, scan_folder
from .values import Unusable, ValueKind, convert, infer_kind
from .variable_errors import VARIABLE_ERRORS_KEY, VARIABLE_ERRORS_POINT, is_error, variable_errors

_LOGGER = logging.getLogger(__name__)

STORAGE_VERSION: Final = 1
MAX_WARNED: Final = 10_000


@dataclass(frozen=True, kw_only=True, slots=True)
class RuntimeSettings:
    """Where the files are and how they are run."""

    folder: Path
    watch_interval: float | None = 2.0
    """Seconds between two scans of the folder; None: only `async_reload` picks changes up."""
    watchdog: float | None = None
    """Seconds a `loop()` may run before its device is unavailable (a `loop_hung` problem); None: off."""
    write_timeout: float = 10.0
    import_timeout: float = 30.0
    """Seconds a file's import may run once it started; then it is a `import_timeout` problem."""
    stop_timeout: float = 5.0
    """Seconds to wait for `loop()` to return and `cleanup()` to finish when devices stop."""
    backoff: Backoff = field(default_factory=Backoff)
    flush_interval: float = 0.1
    flush_batch: int = 200
    max_file_bytes: int = 1024 * 1024
    max_files: int = 200
    max_devices_per_file: int = 50
    max_variables_per_device: int = 500


@dataclass(frozen=True, kw_only=True, slots=True)
class VariableState:
    """A variable's state beyond its value, for the attributes of its entity."""

    status: int | str
    error: str
    last_update_ms: int | None
    description: str
    problem: str | None = None
    """Why PyIoT cannot show the device's value (e.g. `not_a_number: 'abc'`), if so."""


@dataclass(frozen=True, kw_only=True, slots=True)
class VariableDescription:
    """One variable, for the options flow."""

    node_id: str
    device: str
    file: str
    key: str
    description: str
    kind: ValueKind | None


@dataclass(kw_only=True, slots=True)
class _File:
    name: str
    stamp: FileStamp | None = None
    digest: str | None = None
    entries: list[DeviceEntry] = field(default_factory=list)
    problem: Problem | None = None
    loaded: bool = False


@dataclass(slots=True)
class _Memory:
    """What is remembered of a node across reloads and restarts (`export` / `restore`)."""

    file: str
    device: str
    kinds: dict[str, ValueKind] = field(default_factory=dict)


@dataclass(frozen=True, slots=True)
class _LateDevice:
    file: str


type _Event = RunnerEvent | _LateDevice


class IotpyRuntime:
    """Runs the device files of one folder and reports their devices to a `NodeListener`."""

    def __init__(
        self,
        listener: NodeListener,
        settings: RuntimeSettings,
        *,
        import_job: JobRunner,
        io_job: JobRunner | None = None,
        observer: RuntimeObserver | None = None,
        variable_settings: Mapping[str, Mapping[str, VariableSettings]] | None = None,
        logger: logging.Logger | None = None,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        """Prepare; nothing is read or run before `async_start`.

        `import_job` runs each file's import (Home Assistant: its import executor); `io_job` scans the
        folder and stops devices (default: the loop's default executor). `variable_settings` maps node
        id → variable key → the user's settings. `clock` times `loop()` calls for the watchdog.
        """
        self._listener = listener
        self.settings = settings
        self._io_job = io_job
        self._observer = observer
        self._variable_settings: Mapping[str, Mapping[str, VariableSettings]] = variable_settings or {}
        self._logger = logger or _LOGGER
        self._bad_input = OncePerSourceLogger(self._logger)
        self._clock = clock
        self._registry = DeviceRegistry()
        self._files: dict[str, _File] = {}
        self._entries: dict[str, DeviceEntry] = {}
        self._memory: dict[str, _Memory] = {}
        self._with_errors_sensor: set[str] = set()
        """Nodes the listener was given the Variable errors point of (once: a reload changes no point)."""
        self._problems: dict[str, Problem] = {}
        self._lock = asyncio.Lock()
        self._loop: asyncio.AbstractEventLoop | None = None
        self._mailbox: Mailbox[MailboxKey, _Event] | None = None
        self._watch_task: asyncio.Task[None] | None = None
        self._watchdog_timer: asyncio.TimerHandle | None = None
        self._importer = FileImporter(
            import_job, timeout=settings.import_timeout, discard=self._discard_late, logger=self._logger
        )
        self._running = False
        self._scans = 0
        self._skipped_files = 0
        self._folder_missing: str | None = None
        self._stop_notes: list[str] = []
        self._background: set[asyncio.Future[Any]] = set()
        self._warned: set[tuple[str, str]] = set()

    # --- Transport -----------------------------------------------------------------------------

    @property
    def running(self) -> bool:
        """Whether the runtime was started and not stopped."""
        return self._running

    async def async_start(self) -> None:
        """Load every device file and start its devices; then watch the folder. Idempotent."""
        if self._running:
            return
        self._running = True
        self._loop = loop = asyncio.get_running_loop()
        self._mailbox = Mailbox(
            loop,
            self._deliver_variable,
            self._deliver_event,
            interval=self.settings.flush_interval,
            batch=self.settings.flush_batch,
        )
        await self._scan_and_apply(force=frozenset())
        if self.settings.watch_interval is not None:
            self._watch_task = loop.create_task(
                self._watch(self.settings.watch_interval), name="IOTpy folder"
            )
        if self.settings.watchdog is not None:
            self._schedule_watchdog()

    async def async_stop(self) -> None:
        """Stop watching and stop every device (`stop()` → `cleanup()`); problems stay as they are."""
        if not self._running:
            return
        self._running = False
        if self._watch_task is not None:
            self._watch_task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await self._watch_task
            self._watch_task = None
        if self._watchdog_timer is not None:
            self._watchdog_timer.cancel()
            self._watchdog_timer = None
        async with self._lock:
            entries = [entry for file in self._files.values() for entry in file.entries]
            await self._stop_entries(entries)
            for file in self._files.values():
                file.entries = []
        if self._mailbox is not None:
            self._mailbox.close()
        threads = self._importer.close()
        await self._io(partial(_join_all, threads, self.settings.stop_timeout))

    async def async_write(self, node_id: str, key: str, value: Any) -> None:
        """`write(name, value)` of the device, in a thread, within `write_timeout`; `IotpyWriteError`."""
        if not self._running:
            raise IotpyWriteError(WriteProblem.NOT_RUNNING, "The IOTpy device files are not running")
        entry = self._entries.get(node_id)
        if entry is None or not entry.active:
            raise IotpyWriteError(WriteProblem.UNKNOWN_DEVICE, f"No IOTpy device {node_id}")
        record = entry.variables.get(key)
        name = record.name if record is not None else key
        if not entry.device.hasVar(name):
            raise IotpyWriteError(WriteProblem.UNKNOWN_VARIABLE, f"{entry.label} has no variable {key}")
        checked = check_write_value(value)
        timeout = self.settings.write_timeout
        try:
            accepted = await entry.runner.write(name, checked, timeout)
        except WriteBusyError as err:
            raise IotpyWriteError(
                WriteProblem.WRITE_BUSY, f"{entry.label} has not finished its previous write"
            ) from err
        except TimeoutError as err:
            raise IotpyWriteError(
                WriteProblem.WRITE_TIMEOUT, f"write() of {entry.label} did not return within {timeout:g} s"
            ) from err
        except Exception as err:
            raise IotpyWriteError(
                WriteProblem.WRITE_FAILED, f"write() of {entry.label} raised {type(err).__name__}: {err}"
            ) from err
        if not accepted:
            raise IotpyWriteError(WriteProblem.WRITE_REFUSED, f"{entry.label} refused {key} = {checked!r}")

    # --- reloading -----------------------------------------------------------------------------

    def forget_node(self, node_id: str) -> None:
        """The user deleted the device: forget what was remembered of it (a running device reports anew)."""
        self._memory.pop(node_id, None)
        self._with_errors_sensor.discard(node_id)

    @property
    def files(self) -> tuple[str, ...]:
        """The names of the device files found in the folder (imported or not), sorted."""
        return tuple(sorted(self._files))

    async def async_reload(self, file: str | None = None) -> None:
        """Import `file` (a name such as `relay.py`), or every file, again, changed or not."""
        if not self._running:
            return
        names = frozenset(self._files) if file is None else frozenset({file})
        await self._scan_and_apply(force=names)

    async def async_check_files(self) -> None:
        """One scan of the folder now, as the watcher does: changed, added and removed files."""
        if self._running:
            await self._scan_and_apply(force=frozenset())

    async def _watch(self, interval: float) -> None:
        while True:
            await asyncio.sleep(interval)
            try:
                await self._scan_and_apply(force=frozenset())
            except Exception:  # pragma: no cover - a bug of ours must not end the watching
                self._logger.exception("Scanning %s failed", self.settings.folder)

    async def _scan_and_apply(self, force: frozenset[str]) -> None:
        async with self._lock:
            if not self._running:
                return
            known = {
                name: file.stamp for name, file in self._files.items() if file.stamp and name not in force
            }
            settings = self.settings
            result: ScanResult = await self._io(
                partial(
                    scan_folder,
                    settings.folder,
                    known,
                    max_bytes=settings.max_file_bytes,
                    max_files=settings.max_files,
                )
            )
            self._scans += 1
            self._note_folder(result)
            for name in [name for name in self._files if name not in result.files]:
                await self._remove_file(self._files.pop(name))
            for name, scanned in result.files.items():
                if self._stopped():
                    return
                state = self._files.setdefault(name, _File(name=name))
                if scanned.problem is not None:
                    await self._unload(state, [])
                    state.stamp, state.digest, state.loaded = scanned.stamp, None, False
                    self._set_file_problem(state, scanned.problem)
                    continue
                source = scanned.source
                state.stamp = scanned.stamp
                if source is None or (source.digest == state.digest and name not in force):
                    continue
                await self._load(state, source)

    def _stopped(self) -> bool:
        return not self._running

    def _note_folder(self, result: ScanResult) -> None:
        if result.missing != self._folder_missing:
            self._folder_missing = result.missing
            if result.missing is not None:
                self._logger.warning("IOTpy device folder unavailable: %s", result.missing)
        if result.skipped and result.skipped != self._skipped_files:
            self._logger.warning(
                "%s has more than %s device files; %s are ignored",
                self.settings.folder,
                self.settings.max_files,
                result.skipped,
            )
        self._skipped_files = result.skipped

    async def _remove_file(self, state: _File) -> None:
        self._logger.info("IOTpy device file %s was removed", state.name)
        await self._unload(state, [])
        self._clear_problem(f"file:{state.name}")

    async def _load(self, state: _File, source: SourceFile) -> None:
        """Stop the file's devices, import it again, start what it added; keep node ids."""
        previous = list(state.entries)
        await self._stop_entries(previous)
        state.entries = []
        outcome = await self._importer.run(
            source.name, partial(load_device_file, source, self._registry, self._late_device)
        )
        state.digest = source.digest
        if isinstance(outcome, Problem):
            state.loaded = False
            self._set_file_problem(state, outcome)
            self._lose(previous, keep=set())
            return
        state.loaded = True
        self._clear_problem(f"file:{state.name}")
        for note in outcome.notes:
            self._warn_once((state.name, note), "IOTpy device file %s: %s", state.name, note)
        entries = self._register(state, source, outcome, previous)
        self._lose(previous, keep={entry.node_id for entry in entries})
        self._logger.info(
            "IOTpy device file %s loaded: %s", state.name, ", ".join(entry.label for entry in entries)
        )

    async def _unload(self, state: _File, keep: list[DeviceEntry]) -> None:
        previous = state.entries
        await self._stop_entries(previous)
        state.entries = []
        self._lose(previous, keep={entry.node_id for entry in keep})

    def _lose(self, entries: Iterable[DeviceEntry], keep: set[str]) -> None:
        """Report devices that are gone (not among `keep`) as lost."""
        for entry in entries:
            if entry.node_id in keep:
                continue
            if self._entries.get(entry.node_id) is entry:
                del self._entries[entry.node_id]
            self._clear_problem(f"device:{entry.node_id}")
            if entry.reported_available:
                entry.reported_available = False
                self._listener.node_lost(entry.node_id)

    async def _stop_entries(self, entries: list[DeviceEntry]) -> None:
        if not entries:
            return
        for entry in entries:
            entry.detach()
        self._registry.remove([entry.device for entry in entries])
        runners = [entry.runner for entry in entries]
        notes = await self._io(partial(stop_runners, runners, self.settings.stop_timeout))
        for note in notes:
            self._logger.warning("IOTpy: %s", note)
        self._stop_notes = (self._stop_notes + notes)[-20:]

    # --- importing -----------------------------------------------------------------------------

    def _discard_late(self, loaded: LoadedFile) -> None:
        """An import that timed out finished after all: its devices are stopped, never run."""
        self._registry.remove(loaded.devices)
        runners = [
            DeviceRunner(
                device,
                label=loaded.name,
                path=self.settings.folder / loaded.name,
                backoff=self.settings.backoff,
                post=lambda _event: None,
                clock=self._clock,
            )
            for device in loaded.devices
        ]
        stopping = asyncio.ensure_future(self._io(partial(stop_runners, runners, 1.0)))
        self._background.add(stopping)
        stopping.add_done_callback(self._background.discard)

    def _late_device(self, file: str, device: Any) -> None:
        if self._mailbox is not None:
            self._mailbox.post_event(_LateDevice(file))

    async def _io[T](self, target: Callable[[], T]) -> T:
        if self._io_job is not None:
            return await self._io_job(target)
        return await asyncio.get_running_loop().run_in_executor(None, target)

    # --- devices -------------------------------------------------------------------------------

    def _register(
        self, state: _File, source: SourceFile, loaded: LoadedFile, previous: list[DeviceEntry]
    ) -> list[DeviceEntry]:
        """Give the file's devices their node ids, report them and start their threads."""
        mailbox = self._mailbox
        if mailbox is None:  # pragma: no cover - only called while running
            return []
        limit = self.settings.max_devices_per_file
        devices = loaded.devices[:limit]
        if len(loaded.devices) > limit:
            self._bad_input.warn(state.name, "too_many_devices", f"only the first {limit} devices are run")
            self._registry.remove(loaded.devices[limit:])
        old_records = {entry.node_id: entry.variables for entry in previous}
        taken: set[str] = set()
        entries: list[DeviceEntry] = []
        for device in devices:
            label = device_label(device)
            node_id = node_id_for(source.path.stem, label, taken)
            runner = DeviceRunner(
                device,
                label=node_id,
                path=source.path,
                backoff=self.settings.backoff,
                post=mailbox.post_event,
                clock=self._clock,
            )
            entry = DeviceEntry(
                node_id=node_id,
                file=state.name,
                device=device,
                runner=runner,
                post_key=mailbox.post_key,
            )
            entry.variables = old_records.get(node_id, {})
            memory = self._memory.setdefault(node_id, _Memory(file=state.name, device=label))
            memory.file, memory.device = state.name, label
            for key, kind in memory.kinds.items():
                entry.record(key).kind = kind
            entries.append(entry)
        state.entries = entries
        for entry in entries:
            self._entries[entry.node_id] = entry
            self._start_entry(entry)
        return entries

    def _start_entry(self, entry: DeviceEntry) -> None:
        entry.attach()
        entry.reported_available = True
        self._listener.node_seen(entry.info)
        self._report_everything(entry)
        entry.runner.start()

    def _report_everything(self, entry: DeviceEntry) -> None:
        """Every variable and the Variable errors sensor, as new (the hub may have forgotten them)."""
        if entry.node_id not in self._with_errors_sensor:
            self._with_errors_sensor.add(entry.node_id)
            self._listener.points_seen(entry.node_id, [VARIABLE_ERRORS_POINT])
        entry.errors_reported = None
        self._report_all(entry)
        self._report_errors(entry)

    def _report_all(self, entry: DeviceEntry) -> None:
        """Every variable's point and state (at start, after a reload, when back after a failure)."""
        present = self._variables_of(entry)
        for name in present:
            self._report_variable(entry, name)
        present_keys = {variable_key(name) for name in present}
        for record in list(entry.variables.values()):
            if record.key in present_keys:
                continue
            entry.errors.pop(record.key, None)
            # A variable the device no longer has (or not yet, after a restart): shown unavailable.
            if record.point is None and record.kind is not None:
                record.point = point_for(
                    record.key, record.kind, self._settings_for(entry.node_id, record.key)
                )
                self._listener.points_seen(entry.node_id, [record.point])
            if record.point is not None:
                self._listener.point_unavailable(entry.node_id, record.key)

    def _variables_of(self, entry: DeviceEntry) -> list[Any]:
        try:
            names = list(entry.device.variables)
        except RuntimeError:  # changed size while copied by the device's thread: next time
            return []
        limit = self.settings.max_variables_per_device
        if len(names) > limit:
            self._bad_input.warn(
                entry.node_id, "too_many_variables", f"only the first {limit} variables are shown"
            )
        return names[:limit]

    def _deliver_variable(self, key: MailboxKey) -> None:
        entry, name = key
        if not entry.active or not entry.reported_available:
            return  # stale (reloaded) or unavailable: reported again when it is back
        if (
            len(entry.variables) >= self.settings.max_variables_per_device
            and variable_key(name) not in entry.variables
        ):
            return
        self._report_variable(entry, name)

    def _report_variable(self, entry: DeviceEntry, name: Any) -> None:
        variable = entry.device.variables.get(name)
        record = entry.record(name)
        if not isinstance(variable, PromVar):
            if record.point is not None:
                self._listener.point_unavailable(entry.node_id, record.key)
            return
        snapshot = variable.snapshot
        self._note_error(entry, record.key, name, snapshot)
        settings = self._settings_for(entry.node_id, record.key)
        if record.kind is None:
            # Decided once, then kept (and remembered across restarts), so a point never changes kind
            # because of one odd value; only the user's settings change it.
            inferred = infer_kind(snapshot.plain)
            if inferred is None and snapshot.status_value == 0 and kind_for(settings, None) is None:
                return  # never set: nothing to show yet
            # A variable that only ever gets a status (as upstream's example has) is a number.
            record.kind = inferred or ValueKind.NUMBER
            if (memory := self._memory.get(entry.node_id)) is not None:
                memory.kinds[record.key] = record.kind
        kind = kind_for(settings, record.kind) or record.kind
        if record.point_made_of != (kind, settings):
            record.point_made_of = (kind, settings)
            point = point_for(record.key, kind, settings)
            if record.point != point:
                record.point = point
                self._listener.points_seen(entry.node_id, [point])
        self._report_state(entry, record, snapshot, kind)

    def _note_error(self, entry: DeviceEntry, key: str, name: Any, snapshot: VariableSnapshot) -> None:
        if is_error(snapshot.status_value, snapshot.error_text):
            entry.errors[key] = (str(name), snapshot.status_value, snapshot.error_text)
        elif entry.errors.pop(key, None) is None:
            return  # the common case: a good variable that was good
        self._report_errors(entry)

    def _report_errors(self, entry: DeviceEntry) -> None:
        state = variable_errors(entry.errors.values())
        if state != entry.errors_reported:
            entry.errors_reported = state
            self._listener.value_received(entry.node_id, VARIABLE_ERRORS_KEY, state)

    def _report_state(
        self, entry: DeviceEntry, record: VariableRecord, snapshot: VariableSnapshot, kind: ValueKind
    ) -> None:
        if not snapshot.good:
            record.unusable = None
            self._listener.point_unavailable(entry.node_id, record.key)
            return
        value = convert(snapshot.plain, kind)
        if isinstance(value, Unusable):
            record.unusable = value
            self._bad_input.warn(
                f"{entry.node_id}/{record.key}", value.reason, f"cannot show as {kind.value}: {value.detail}"
            )
            self._listener.point_unavailable(entry.node_id, record.key)
            return
        record.unusable = None
        self._listener.value_received(entry.node_id, record.key, value)

    def _settings_for(self, node_id: str, key: str) -> VariableSettings:
        return self._variable_settings.get(node_id, {}).get(key, DEFAULT_SETTINGS)

    def update_variable_settings(self, settings: Mapping[str, Mapping[str, VariableSettings]]) -> None:
        """New user settings (options flow): the points whose settings changed are reported again."""
        old, self._variable_settings = self._variable_settings, settings
        for entry in list(self._entries.values()):
            if not entry.reported_available:
                continue
            before, after = old.get(entry.node_id, {}), settings.get(entry.node_id, {})
            for record in list(entry.variables.values()):
                if before.get(record.key) != after.get(record.key):
                    self._report_variable(entry, record.name)

    # --- events from the threads ---------------------------------------------------------------

    def _deliver_event(self, event: _Event) -> None:
        match event:
            case _LateDevice(file=file):
                self._warn_once(
                    (file, "late"), "IOTpy device file %s: addDevice() called after its import: not run", file
                )
            case LoopFailed():
                self._loop_failed(event)
            case LoopRecovered(runner=runner):
                if (entry := self._entry_of(runner)) is not None:
                    entry.failed = False
                    self._update_availability(entry)
            case RunnerEnded(runner=runner):
                if (entry := self._entry_of(runner)) is not None:
                    entry.ended = True
                    self._logger.info("IOTpy device %s stopped itself", entry.label)
                    self._update_availability(entry)

    def _warn_once(self, key: tuple[str, str], message: str, *args: Any) -> None:
        """A warning the first time `key` is seen (then debug), so a failing loop does not flood the log."""
        if key in self._warned:
            self._logger.debug(message, *args)
            return
        if len(self._warned) < MAX_WARNED:
            self._warned.add(key)
        self._logger.warning(message, *args)

    def _entry_of(self, runner: DeviceRunner) -> DeviceEntry | None:
        for entry in self._entries.values():
            if entry.runner is runner:
                return entry if entry.active else None
        return None

    def _loop_failed(self, event: LoopFailed) -> None:
        entry = self._entry_of(event.runner)
        if entry is None:
            return
        entry.failed = True
        self._warn_once(
            (entry.node_id, event.exception),
            "IOTpy device %s: loop() raised %s at %s:%s: %s; unavailable, called again in %g s",
            entry.label,
            event.exception,
            entry.file,
            event.line,
            event.message,
            event.delay,
        )
        self._update_availability(entry, failure=event)

    def _update_availability(self, entry: DeviceEntry, failure: LoopFailed | None = None) -> None:
        problem_id = f"device:{entry.node_id}"
        if entry.hung:
            started = entry.runner.loop_started
            seconds = self._clock() - started if started is not None else self.settings.watchdog
            self._raise_problem(self._device_problem(entry, ProblemKey.LOOP_HUNG, seconds=seconds))
        elif failure is not None:
            self._raise_problem(
                self._device_problem(
                    entry,
                    ProblemKey.LOOP_FAILED,
                    line=failure.line,
                    exception=failure.exception,
                    message=failure.message,
                    seconds=failure.delay,
                )
            )
        elif not entry.failed:
            self._clear_problem(problem_id)
        available = entry.should_be_available
        if available == entry.reported_available:
            return
        entry.reported_available = available
        if available:
            self._listener.node_seen(entry.info)
            self._report_everything(entry)
        else:
            self._listener.node_lost(entry.node_id)

    def _device_problem(self, entry: DeviceEntry, key: ProblemKey, **fields: Any) -> Problem:
        return Problem(key=key, file=entry.file, node_id=entry.node_id, device=entry.label, **fields)

    # --- watchdog ------------------------------------------------------------------------------

    def _schedule_watchdog(self) -> None:
        watchdog = self.settings.watchdog
        if watchdog is None or self._loop is None:  # pragma: no cover - only called while watching
            return
        self._watchdog_timer = self._loop.call_later(min(1.0, watchdog / 4), self._watchdog_tick)

    def _watchdog_tick(self) -> None:
        self.check_watchdog()
        if self._running:
            self._schedule_watchdog()

    def check_watchdog(self) -> None:
        """Mark devices whose `loop()` runs longer than `watchdog` unavailable, and back when it returns.

        Also picks up variables a device put into `variables` without `addVariable`.
        """
        watchdog = self.settings.watchdog
        now = self._clock()
        for entry in list(self._entries.values()):
            if not entry.active:
                continue
            if len(entry.device.variables) != entry.watched_variables:
                entry.attach()
                for name in self._variables_of(entry):
                    entry.variable_changed(entry.device, name)
            if watchdog is None:
                continue
            started = entry.runner.loop_started
            hung = started is not None and now - started > watchdog
            if hung != entry.hung:
                entry.hung = hung
                if hung:
                    self._logger.warning(
                        "IOTpy device %s: loop() has run for more than %g s; unavailable until it returns",
                        entry.label,
                        watchdog,
                    )
                self._update_availability(entry)

    # --- problems ------------------------------------------------------------------------------

    def _set_file_problem(self, state: _File, problem: Problem) -> None:
        state.problem = problem
        self._raise_problem(problem)

    def _raise_problem(self, problem: Problem) -> None:
        if self._problems.get(problem.problem_id) == problem:
            return
        self._problems[problem.problem_id] = problem
        if problem.node_id is None:
            self._logger.warning("IOTpy device file problem: %s", problem.describe())
        if self._observer is not None:
            self._observer.problem_raised(problem)

    def _clear_problem(self, problem_id: str) -> None:
        if problem_id.startswith("file:") and (file := self._files.get(problem_id[5:])) is not None:
            file.problem = None
        if self._problems.pop(problem_id, None) is not None and self._observer is not None:
            self._observer.problem_cleared(problem_id)

    @property
    def problems(self) -> tuple[Problem, ...]:
        """The problems now (to reconcile repair issues, e.g. after a restart)."""
        return tuple(self._problems.values())

    # --- what the runtime knows ----------------------------------------------------------------

    def variable_state(self, node_id: str, key: str) -> VariableState | None:
        """Status, error, last update and description of a variable, for its entity's attributes."""
        entry = self._entries.get(node_id)
        record = entry.variables.get(key) if entry is not None else None
        if entry is None or record is None:
            return None
        variable = entry.device.variables.get(record.name)
        if not isinstance(variable, PromVar):
            return None
        snapshot = variable.snapshot
        last = snapshot.last_update_ms
        unusable = record.unusable
        return VariableState(
            status=snapshot.status_value,
            error=snapshot.error_text,
            last_update_ms=last if type(last) is int else None,
            description=str(variable.description)[:255] if isinstance(variable.description, str) else "",
            problem=f"{unusable.reason}: {unusable.detail}" if unusable is not None else None,
        )

    def describe_variables(self) -> list[VariableDescription]:
        """Every variable of every running device (for the options flow)."""
        described: list[VariableDescription] = []
        for entry in self._entries.values():
            for name in self._variables_of(entry):
                variable = entry.device.variables.get(name)
                key = variable_key(name)
                record = entry.variables.get(key)
                described.append(
                    VariableDescription(
                        node_id=entry.node_id,
                        device=entry.label,
                        file=entry.file,
                        key=key,
                        description=variable.description
                        if isinstance(variable, PromVar) and isinstance(variable.description, str)
                        else "",
                        kind=record.kind if record is not None else None,
                    )
                )
        return described

    def export(self) -> dict[str, Any]:
        """Plain data to store: per node its file, device name and the kinds of its variables."""
        return {
            "version": STORAGE_VERSION,
            "nodes": {
                node_id: {
                    "file": memory.file,
                    "device": memory.device,
                    "kinds": {key: kind.value for key, kind in memory.kinds.items()},
                }
                for node_id, memory in self._memory.items()
            },
        }

    def restore(self, data: Any) -> int:
        """Take back what `export` gave (before `async_start`); malformed records are skipped.

        Returns the number of nodes restored. Kinds stay as they were, so a variable that was a number
        yesterday is not shown as text today because its first value is odd.
        """
        nodes = data.get("nodes") if isinstance(data, dict) else None
        if not isinstance(nodes, dict):
            return 0
        restored = 0
        for node_id, record in nodes.items():
            if not isinstance(node_id, str) or not isinstance(record, dict):
                continue
            file, device, kinds = record.get("file"), record.get("device"), record.get("kinds", {})
            if not isinstance(file, str) or not isinstance(device, str) or not isinstance(kinds, dict):
                continue
            memory = _Memory(file=file, device=device)
            for key, kind in kinds.items():
                if isinstance(key, str) and kind in set(ValueKind):
                    memory.kinds[key] = ValueKind(kind)
            self._memory[node_id] = memory
            restored += 1
        return restored

    def diagnostics(self) -> dict[str, Any]:
        """Settings, files, devices, variables, counters and problems, for Home Assistant's diagnostics."""
        settings = self.settings
        mailbox = self._mailbox
        return {
            "running": self._running,
            "folder": str(settings.folder),
            "folder_missing": self._folder_missing,
            "settings": {
                "watch_interval": settings.watch_interval,
                "watchdog": settings.watchdog,
                "write_timeout": settings.write_timeout,
                "import_timeout": settings.import_timeout,
                "flush_interval": settings.flush_interval,
            },
            "scans": self._scans,
            "import_executor_blocked_by": self._importer.blocked_by,
            "files": {
                name: {
                    "loaded": file.loaded,
                    "sha256": file.digest[:16] if file.digest else None,
                    "devices": [entry.node_id for entry in file.entries],
                    "problem": file.problem.describe() if file.problem else None,
                }
                for name, file in sorted(self._files.items())
            },
            "devices": {
                node_id: self._device_diagnostics(entry) for node_id, entry in sorted(self._entries.items())
            },
            "values": {
                "posted": mailbox.posted if mailbox else 0,
                "delivered": mailbox.delivered if mailbox else 0,
                "deliveries": mailbox.deliveries if mailbox else 0,
            },
            "stop_notes": list(self._stop_notes),
            "problems": [problem.describe() for problem in self._problems.values()],
        }

    def _device_diagnostics(self, entry: DeviceEntry) -> dict[str, Any]:
        runner = entry.runner
        variables: dict[str, Any] = {}
        for key, record in entry.variables.items():
            variable = entry.device.variables.get(record.name)
            snapshot = variable.snapshot if isinstance(variable, PromVar) else None
            variables[key] = {
                "kind": record.kind.value if record.kind else None,
                "point": record.point.kind.value if record.point else None,
                "status": snapshot.status_value if snapshot else None,
                "error": snapshot.error_text if snapshot else None,
                "value_type": type(snapshot.value).__name__ if snapshot else None,
                "problem": record.unusable.reason if record.unusable else None,
            }
        return {
            "file": entry.file,
            "name": entry.label,
            "class": entry.info.model,
            "poll_loop_ms": _plain(getattr(entry.device, "poll_loop_ms", None)),
            "thread_alive": runner.thread.is_alive(),
            "available": entry.reported_available,
            "loops": runner.loops,
            "failures": runner.total_failures,
            "hung": entry.hung,
            "variables": variables,
        }


def _plain(value: Any) -> Any:
    return value if isinstance(value, int | float | str | None) else type(value).__name__


def _join_all(threads: list[threading.Thread], timeout: float) -> None:
    deadline = time.monotonic() + timeout
    for thread in threads:
        thread.join(max(0.0, deadline - time.monotonic()))
