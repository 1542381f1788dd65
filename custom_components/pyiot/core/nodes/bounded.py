"""Bounded building blocks against floods: a token bucket and a small table whose entries expire."""

from collections import OrderedDict
from collections.abc import Callable, Iterator
import time


class TokenBucket:
    """`per_minute` tokens a minute in the long run, at most `burst` at once; `per_minute <= 0`: no limit."""

    __slots__ = ("_burst", "_clock", "_rate", "_stamp", "_tokens")

    def __init__(
        self, per_minute: float, burst: int | None = None, *, clock: Callable[[], float] = time.monotonic
    ) -> None:
        """Start full; `burst` defaults to one minute's worth (at least 1)."""
        self._rate = per_minute / 60.0
        self._burst = float(burst if burst is not None else max(1, round(per_minute)))
        self._clock = clock
        self._tokens = self._burst
        self._stamp = clock()

    @property
    def unlimited(self) -> bool:
        """Whether the bucket lets everything through."""
        return self._rate <= 0

    def take(self) -> bool:
        """Take one token; False when none is left (nothing is taken then)."""
        if self._rate <= 0:
            return True
        now = self._clock()
        self._tokens = min(self._burst, self._tokens + (now - self._stamp) * self._rate)
        self._stamp = now
        if self._tokens < 1.0:
            return False
        self._tokens -= 1.0
        return True


class PendingTable[K, V]:
    """At most `capacity` entries, each kept `ttl` seconds from its creation; never persisted.

    Entries are ordered by creation: a full table forgets its oldest entry to make room, and expired
    entries are dropped from the front in amortised constant time, so no flood can grow it or make
    one insertion expensive.
    """

    __slots__ = ("_capacity", "_clock", "_entries", "_ttl", "evicted")

    def __init__(self, capacity: int, ttl: float, *, clock: Callable[[], float] = time.monotonic) -> None:
        """An empty table."""
        self._capacity = max(1, capacity)
        self._ttl = ttl
        self._clock = clock
        self._entries: OrderedDict[K, tuple[float, V]] = OrderedDict()
        self.evicted = 0
        """How many live entries were pushed out by newer ones (expired ones are not counted)."""

    def __len__(self) -> int:
        """Live and not yet dropped entries."""
        self._expire(self._clock())
        return len(self._entries)

    def __contains__(self, key: K) -> bool:
        """Whether `key` has a live entry."""
        return self.get(key) is not None

    def __iter__(self) -> Iterator[K]:
        """Keys of the live entries, oldest first."""
        self._expire(self._clock())
        return iter(list(self._entries))

    def values(self) -> list[V]:
        """The live entries, oldest first."""
        self._expire(self._clock())
        return [value for _created, value in self._entries.values()]

    def items(self) -> list[tuple[K, V]]:
        """(key, entry) of the live entries, oldest first."""
        self._expire(self._clock())
        return [(key, value) for key, (_created, value) in self._entries.items()]

    def newest(self, max_age: float) -> list[tuple[K, V]]:
        """(key, entry) of the entries created less than `max_age` seconds ago, newest first."""
        now = self._clock()
        out = []
        for key, (created, value) in reversed(self._entries.items()):
            if now - created >= max_age:
                break
            out.append((key, value))
        return out

    def get(self, key: K) -> V | None:
        """The live entry of `key`, or None."""
        item = self._entries.get(key)
        if item is None:
            return None
        if self._clock() - item[0] >= self._ttl:
            del self._entries[key]
            return None
        return item[1]

    def setdefault(self, key: K, factory: Callable[[], V]) -> V:
        """The live entry of `key`, else a new one from `factory()` (making room if needed)."""
        if (value := self.get(key)) is not None:
            return value
        now = self._clock()
        self._expire(now)
        if len(self._entries) >= self._capacity:
            self._entries.popitem(last=False)
            self.evicted += 1
        value = factory()
        self._entries[key] = (now, value)
        return value

    def pop(self, key: K) -> V | None:
        """Remove and return the entry of `key` (None when absent or expired)."""
        value = self.get(key)
        self._entries.pop(key, None)
        return value

    def clear(self) -> None:
        """Forget everything."""
        self._entries.clear()

    def _expire(self, now: float) -> None:
        entries = self._entries
        while entries:
            key, (created, _value) = next(iter(entries.items()))
            if now - created < self._ttl:
                return
            del entries[key]
