"""One device's polling thread, as upstream's (`loop()`, then sleep `poll_loop_ms`), made to survive.

An exception escaping `loop()` ends upstream's thread forever (iotpy.md §6); here it is reported and
`loop()` is called again after a backoff (1 s, doubling up to 5 min by default) until it succeeds.
The thread publishes when the current `loop()` started, so the runtime's watchdog can tell a `loop()`
that hangs. `write()` runs in a thread of its own, one at a time per device, so a slow write neither
blocks the event loop nor the device's polling.
"""

import asyncio
from collections.abc import Callable
from dataclasses import dataclass
import math
from pathlib import Path
import threading
import time
from typing import Any, Final

from .api import DEFAULT_POLL_LOOP_MS, Device
from .loader import problem_in_frame

MIN_POLL_SECONDS: Final = 0.01
"""Shortest sleep between two `loop()` calls: `poll_loop_ms = 0` must not spin and starve others."""


@dataclass(frozen=True, kw_only=True, slots=True)
class Backoff:
    """Delays before calling a failed `loop()` again: `initial`, doubling, at most `maximum`."""

    initial: float = 1.0
    maximum: float = 300.0

    def delay(self, failures: int) -> float:
        """The delay after `failures` consecutive failures (1 or more)."""
        return min(self.maximum, self.initial * 2.0 ** min(failures - 1, 60))


@dataclass(frozen=True, kw_only=True, slots=True)
class LoopFailed:
    """`loop()` raised; it is called again after `delay` seconds."""

    runner: DeviceRunner
    line: int | None
    exception: str
    message: str
    delay: float
    failures: int


@dataclass(frozen=True, slots=True)
class LoopRecovered:
    """`loop()` returned normally after failing."""

    runner: DeviceRunner


@dataclass(frozen=True, slots=True)
class RunnerEnded:
    """The thread ended without being asked to (the device set `_keep_running` false itself)."""

    runner: DeviceRunner


type RunnerEvent = LoopFailed | LoopRecovered | RunnerEnded


class WriteBusyError(Exception):
    """The device's previous `write()` has not returned yet."""


def poll_seconds(poll_loop_ms: Any) -> float:
    """Seconds to sleep after `loop()`: `poll_loop_ms` / 1000, or the default when it is no number."""
    try:
        seconds = float(poll_loop_ms) / 1000
    except TypeError, ValueError, OverflowError:
        return DEFAULT_POLL_LOOP_MS / 1000
    if not math.isfinite(seconds):
        return DEFAULT_POLL_LOOP_MS / 1000
    return max(MIN_POLL_SECONDS, seconds)


class DeviceRunner:
    """Runs one device's `loop()` in a daemon thread of its own."""

    def __init__(
        self,
        device: Device,
        *,
        label: str,
        path: Path,
        backoff: Backoff,
        post: Callable[[RunnerEvent], None],
        clock: Callable[[], float],
    ) -> None:
        """Prepare the thread (not started); `post` receives its events, from the thread."""
        self.device = device
        self.path = path
        self._backoff = backoff
        self._post = post
        self._clock = clock
        self._stop = threading.Event()
        self.thread = threading.Thread(target=self._run, name=f"IOTpy {label}", daemon=True)
        self.loop_started: float | None = None
        """Clock reading when the running `loop()` started; None between calls."""
        self.loops = 0
        self.failures = 0
        """Consecutive failures of `loop()`."""
        self.total_failures = 0
        self.writing = False
        self.write_thread: threading.Thread | None = None

    def start(self) -> None:
        """Start polling; `device.is_alive()` tells whether this thread runs."""
        self.device._loop_thread = self.thread  # noqa: SLF001 - upstream's attribute behind is_alive()
        self.thread.start()

    def signal_stop(self) -> None:
        """Ask the thread to end after the current `loop()` (it wakes at once from its sleep)."""
        self._stop.set()

    def _keep_running(self) -> bool:
        return not self._stop.is_set() and bool(getattr(self.device, "_keep_running", True))

    def _run(self) -> None:
        device = self.device
        while self._keep_running():
            self.loop_started = self._clock()
            try:
                device.loop()
            except BaseException as err:  # noqa: BLE001 - whatever escapes user code, even SystemExit
                self.loop_started = None
                if self._failed(err):
                    return
                continue
            self.loop_started = None
            self.loops += 1
            if self.failures:
                self.failures = 0
                self._post(LoopRecovered(self))
            if self._stop.wait(poll_seconds(getattr(device, "poll_loop_ms", DEFAULT_POLL_LOOP_MS))):
                return
        if not self._stop.is_set():
            self._post(RunnerEnded(self))

    def _failed(self, err: BaseException) -> bool:
        """Report a failure and wait the backoff; whether the thread must end."""
        self.failures += 1
        self.total_failures += 1
        line, exception, message = problem_in_frame(err, self.path)
        delay = self._backoff.delay(self.failures)
        self._post(
            LoopFailed(
                runner=self,
                line=line,
                exception=exception,
                message=message,
                delay=delay,
                failures=self.failures,
            )
        )
        del err  # the traceback holds the device's frames
        return self._stop.wait(delay)

    async def write(self, name: str, value: Any, timeout: float) -> bool:  # noqa: ASYNC109 - the thread outlives it
        """`device.write(name, value)` in a thread, within `timeout`; whether it returned truthy.

        Raises `WriteBusyError` while an earlier write runs, `TimeoutError` (the write goes on in its
        thread, the device stays busy until it returns) and whatever `write()` raised.
        """
        if self.writing:
            raise WriteBusyError
        self.writing = True
        loop = asyncio.get_running_loop()
        future: asyncio.Future[bool] = loop.create_future()

        def settle(outcome: bool | BaseException) -> None:
            if future.done():
                return
            if isinstance(outcome, BaseException):
                future.set_exception(outcome)
            else:
                future.set_result(outcome)

        def job() -> None:
            outcome: bool | BaseException
            try:
                outcome = bool(self.device.write(name, value))
            except BaseException as err:  # noqa: BLE001 - handed to the caller
                outcome = err
            finally:
                self.writing = False
            try:
                loop.call_soon_threadsafe(settle, outcome)
            except RuntimeError:  # the loop closed while the write ran
                return

        self.write_thread = threading.Thread(target=job, name=f"{self.thread.name} write", daemon=True)
        self.write_thread.start()
        async with asyncio.timeout(timeout):
            return await future


def stop_runners(runners: list[DeviceRunner], timeout: float) -> list[str]:
    """End the threads, then `stop()` each device (its `cleanup()`), within `timeout`; what went wrong.

    Blocking: runs in an executor thread. The threads are asked to end all at once and joined against
    one deadline; a device whose `loop()` does not return in time is stopped anyway. Each `stop()` runs
    in a thread of its own, so a `cleanup()` that hangs costs its thread, not the caller's.
    """
    notes: list[str] = []
    deadline = time.monotonic() + timeout
    for runner in runners:
        runner.signal_stop()
    for runner in runners:
        if runner.thread.ident is not None:
            runner.thread.join(max(0.0, deadline - time.monotonic()))
            if runner.thread.is_alive():
                notes.append(f"loop() of {runner.thread.name} did not return within {timeout:g} s")
    for runner in runners:
        notes += _stop_device(runner, max(0.0, deadline - time.monotonic()), timeout)
    for runner in runners:
        if (writer := runner.write_thread) is not None:
            writer.join(max(0.0, deadline - time.monotonic()))
    return notes


def _stop_device(runner: DeviceRunner, remaining: float, timeout: float) -> list[str]:
    errors: list[str] = []

    def job() -> None:
        try:
            runner.device.stop()
        except BaseException as err:  # noqa: BLE001 - reported, never raised
            line, exception, message = problem_in_frame(err, runner.path)
            where = f" (line {line})" if line is not None else ""
            errors.append(f"stop()/cleanup() of {runner.thread.name} raised {exception}{where}: {message}")

    thread = threading.Thread(target=job, name=f"{runner.thread.name} cleanup", daemon=True)
    thread.start()
    thread.join(max(remaining, min(1.0, timeout)))
    if thread.is_alive():
        errors.append(f"cleanup() of {runner.thread.name} did not return within {timeout:g} s")
    return errors
