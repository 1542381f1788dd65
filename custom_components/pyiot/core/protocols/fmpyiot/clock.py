"""The time the gateway's timers run on: the event loop's, or one a test moves by hand."""

import asyncio
from collections.abc import Callable
from typing import Protocol


class Timer(Protocol):
    """A scheduled call."""

    def cancel(self) -> None:
        """Do not call it."""


class Clock(Protocol):
    """Monotonic seconds and delayed calls."""

    def time(self) -> float:
        """Seconds on a monotonic scale."""

    def call_later(self, delay: float, callback: Callable[[], None]) -> Timer:
        """Call `callback` in the event loop after `delay` seconds."""


class LoopClock:
    """The running event loop's clock."""

    def time(self) -> float:
        """`loop.time()`."""
        return asyncio.get_running_loop().time()

    def call_later(self, delay: float, callback: Callable[[], None]) -> Timer:
        """`loop.call_later`."""
        return asyncio.get_running_loop().call_later(delay, callback)
