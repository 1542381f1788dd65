"""Running device-file imports in the caller's import executor, so that one that hangs hurts nothing else.

Home Assistant's import executor has a single thread. A device file whose import never returns (a
constructor waiting for hardware, `input()`, an endless loop at top level) would hold it forever, and
with it every later import, Home Assistant's own included. So:

- the timeout of an import counts from the moment its job starts, not from its submission: a file
  queued behind a slow import is not blamed for it;
- an import that is not even started within the timeout (the executor is busy elsewhere) is also
  given to a thread of PyIoT's own; whichever thread starts it first runs it, the other does nothing;
- once an import hung, later imports go to PyIoT's own thread (a new one if that one hangs too), and
  back to the caller's executor when the hanging import finally returns;
- an import that returns after its timeout has its devices discarded (`discard`), never run.
"""

import asyncio
from collections.abc import Awaitable, Callable, Sequence
from concurrent.futures import ThreadPoolExecutor
from functools import partial
import logging
import threading
from typing import Final, Protocol

from .loader import LoadedFile
from .problems import Problem, ProblemKey

PRIVATE_THREAD: Final = "PyIoT IOTpy import"

type Outcome = LoadedFile | Problem


class JobRunner(Protocol):
    """Runs a blocking function in an executor: `hass.async_add_import_executor_job` fits."""

    def __call__[T](self, target: Callable[[], T], /) -> Awaitable[T]:
        """Run `target()` off the event loop."""
        ...


class FileImporter:
    """Runs one import at a time (the runtime serialises them) with the rules above."""

    def __init__(
        self,
        job_runner: JobRunner,
        *,
        timeout: float,
        discard: Callable[[LoadedFile], None],
        logger: logging.Logger,
    ) -> None:
        """`discard` receives, in the event loop, what an import that timed out loaded after all."""
        self._job_runner = job_runner
        self._timeout = timeout
        self._discard = discard
        self._logger = logger
        self._private: ThreadPoolExecutor | None = None
        self._private_blocked = False
        self.blocked_by: str | None = None
        """The file whose hanging import holds the caller's executor (then PyIoT's thread is used)."""

    async def run(self, name: str, load: Callable[[], Outcome]) -> Outcome:
        """`load()` off the loop; its outcome, or an `import_timeout` problem of file `name`."""
        loop = asyncio.get_running_loop()
        started = asyncio.Event()
        claim = threading.Lock()
        in_private: list[bool] = []

        def job() -> Outcome | None:
            if not claim.acquire(blocking=False):
                return None  # the other thread ran it
            in_private.append(threading.current_thread().name.startswith(PRIVATE_THREAD))
            loop.call_soon_threadsafe(started.set)
            return load()

        pending = [asyncio.ensure_future(self._submit(job))]
        waiter = loop.create_task(started.wait())
        try:
            await asyncio.wait(
                [pending[0], waiter], timeout=self._timeout, return_when=asyncio.FIRST_COMPLETED
            )
            if not started.is_set() and not pending[0].done():
                self._logger.info("The import executor is busy; importing %s in PyIoT's own thread", name)
                pending.append(asyncio.ensure_future(self._run_private(job)))
                await waiter
        finally:
            waiter.cancel()
        if (outcome := await self._first_outcome(name, pending)) is not None:
            return outcome
        if in_private and in_private[0]:
            self._private_blocked = True
        else:
            self.blocked_by = name
        self._logger.warning(
            "The import of IOTpy device file %s hangs; further device files are imported in a thread "
            "of PyIoT's own",
            name,
        )
        for task in pending:
            task.add_done_callback(partial(self._finished_late, name))
        return Problem(
            key=ProblemKey.IMPORT_TIMEOUT,
            file=name,
            message=f"the import did not finish within {self._timeout:g} s",
            seconds=self._timeout,
        )

    async def _first_outcome(
        self, name: str, pending: Sequence[asyncio.Future[Outcome | None]]
    ) -> Outcome | None:
        """The first result within the timeout, or None (a job that ran elsewhere gives None at once)."""
        loop = asyncio.get_running_loop()
        deadline = loop.time() + self._timeout
        remaining: set[asyncio.Future[Outcome | None]] = set(pending)
        while remaining:
            done, remaining = await asyncio.wait(
                remaining, timeout=max(0.0, deadline - loop.time()), return_when=asyncio.FIRST_COMPLETED
            )
            if not done:
                break
            for task in done:
                if (error := task.exception()) is not None:
                    return Problem(
                        key=ProblemKey.IMPORT_FAILED,
                        file=name,
                        exception=type(error).__name__,
                        message=f"the import could not be run: {error}",
                    )
                if (outcome := task.result()) is not None:
                    return outcome
        return None

    async def _submit(self, job: Callable[[], Outcome | None]) -> Outcome | None:
        if self.blocked_by is not None:
            return await self._run_private(job)
        return await self._job_runner(job)

    async def _run_private(self, job: Callable[[], Outcome | None]) -> Outcome | None:
        if self._private is None or self._private_blocked:
            # A fresh thread: the old one (if any) is held by a hanging import.
            if self._private is not None:
                self._private.shutdown(wait=False)
            self._private = ThreadPoolExecutor(1, thread_name_prefix=PRIVATE_THREAD)
            self._private_blocked = False
        return await asyncio.get_running_loop().run_in_executor(self._private, job)

    def _finished_late(self, name: str, task: asyncio.Future[Outcome | None]) -> None:
        if task.cancelled() or task.exception() is not None:
            return
        if self.blocked_by == name:
            self.blocked_by = None  # the caller's executor is free again
        if isinstance(outcome := task.result(), LoadedFile):
            self._logger.info("The import of %s finished after its timeout; its devices are discarded", name)
            self._discard(outcome)

    def close(self) -> list[threading.Thread]:
        """Stop PyIoT's own import thread; the threads to join (one a hanging import holds never ends)."""
        executor, self._private = self._private, None
        if executor is None:
            return []
        executor.shutdown(wait=False, cancel_futures=True)
        return list(executor._threads)  # noqa: SLF001 - to join them within the stop timeout
