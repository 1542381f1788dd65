"""Values from device threads to the event loop: thread-safe, coalesced, in bounded batches.

A device thread only marks a variable as changed (a set under a lock) and, if no delivery is pending,
asks the loop for one (`call_soon_threadsafe`, once per delivery, not once per value). The loop
delivers at most once per `interval`, reading each variable's latest state then: ten values of one
variable between two deliveries cost one report. A delivery handles at most `batch` items, and for at
most `time_slice` seconds (0.5 ms), per loop iteration, so a thousand changed variables never hold
the loop for long, however costly each delivery is (in Home Assistant each is a state write).
"""

import asyncio
from collections import deque
from collections.abc import Callable, Hashable
import threading
import time


class Mailbox[K: Hashable, E]:
    """Changed keys (coalesced) and events (in order) posted from threads, delivered in the loop."""

    def __init__(
        self,
        loop: asyncio.AbstractEventLoop,
        deliver_key: Callable[[K], None],
        deliver_event: Callable[[E], None],
        *,
        interval: float,
        batch: int,
        time_slice: float = 0.0005,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        """Deliver through `deliver_key` / `deliver_event` (in the loop; they must not raise)."""
        self._loop = loop
        self._deliver_key = deliver_key
        self._deliver_event = deliver_event
        self._interval = interval
        self._batch = max(1, batch)
        self._time_slice = time_slice
        self._clock = clock
        self._lock = threading.Lock()
        self._keys: dict[K, None] = {}
        self._events: list[E] = []
        self._requested = False
        self._closed = False
        self._last_delivery = -interval
        self._timer: asyncio.TimerHandle | None = None
        self._backlog_keys: deque[K] = deque()
        self._backlog_events: deque[E] = deque()
        self._drain_handle: asyncio.Handle | None = None
        self.posted = 0
        """Keys posted (a key posted twice before its delivery counts twice)."""
        self.delivered = 0
        self.deliveries = 0

    # --- any thread ---------------------------------------------------------------------------

    def post_key(self, key: K) -> None:
        """`key` changed."""
        with self._lock:
            if self._closed:
                return
            self.posted += 1
            self._keys[key] = None
            request = not self._requested
            self._requested = True
        if request:
            self._request()

    def post_event(self, event: E) -> None:
        """Something happened (delivered in posting order, before the keys of the same delivery)."""
        with self._lock:
            if self._closed:
                return
            self._events.append(event)
            request = not self._requested
            self._requested = True
        if request:
            self._request()

    def _request(self) -> None:
        try:
            self._loop.call_soon_threadsafe(self._arm)
        except RuntimeError:  # the loop is closed: nothing will be delivered any more
            with self._lock:
                self._closed = True

    # --- the loop -----------------------------------------------------------------------------

    def _arm(self) -> None:
        if self._timer is not None or self._closed:
            return
        delay = self._last_delivery + self._interval - self._clock()
        if delay > 0:
            self._timer = self._loop.call_later(delay, self._take)
        else:
            self._take()

    def _take(self) -> None:
        self._timer = None
        with self._lock:
            keys, self._keys = self._keys, {}
            events, self._events = self._events, []
            self._requested = False
        self._last_delivery = self._clock()
        self.deliveries += 1
        self._backlog_events.extend(events)
        self._backlog_keys.extend(keys)
        if self._drain_handle is None:  # else the scheduled drain takes these too
            self._drain()

    def _drain(self) -> None:
        self._drain_handle = None
        budget = self._batch
        until = self._clock() + self._time_slice
        while self._backlog_events and budget > 0 and not self._closed:
            budget -= 1
            self._deliver_event(self._backlog_events.popleft())
        while self._backlog_keys and budget > 0 and not self._closed:
            budget -= 1
            self.delivered += 1
            self._deliver_key(self._backlog_keys.popleft())
            if self._clock() > until:
                break
        if (self._backlog_events or self._backlog_keys) and self._drain_handle is None and not self._closed:
            self._drain_handle = self._loop.call_soon(self._drain)

    def flush(self) -> None:
        """Deliver everything posted so far, now (in the loop)."""
        if self._timer is not None:
            self._timer.cancel()
        if self._drain_handle is not None:
            self._drain_handle.cancel()
            self._drain_handle = None
        self._take()
        while (self._backlog_events or self._backlog_keys) and not self._closed:
            self._drain()

    def close(self) -> None:
        """Deliver nothing more."""
        with self._lock:
            self._closed = True
            self._keys.clear()
            self._events.clear()
        if self._timer is not None:
            self._timer.cancel()
            self._timer = None
        if self._drain_handle is not None:
            self._drain_handle.cancel()
            self._drain_handle = None
        self._backlog_keys.clear()
        self._backlog_events.clear()
