"""The resolved schedule: contiguous segments, each won by one rule (or the default), built lazily.

Segments are computed in whole chunks of `CHUNK` seconds by a sweep over every occurrence that
intersects the chunk, and cached; lookups bisect the segment starts. The cache spans at most about
three years; a request beyond that starts a new cache around it. A segment's winner depends only
on the occurrences containing it, so chunks join seamlessly; equal neighbours are merged.
"""

from bisect import bisect_right
from collections.abc import Sequence
from datetime import tzinfo
import heapq
import math

from .rules import Rule

CHUNK = 7 * 86400.0
_MAX_SPAN = 3 * 366 * 86400.0

DEFAULT = -1
"""Winner index of segments where no rule is active."""


def sweep(rules: Sequence[Rule], zone: tzinfo, start: float, end: float) -> tuple[list[float], list[int]]:
    """Segments of [start, end): their starts (plus `end`) and winning rule indexes, merged."""
    pending: list[tuple[float, float, int]] = []
    points = {start, end}
    for index, rule in enumerate(rules):
        for begin, finish in rule.occurrences(start, end, zone):
            pending.append((begin, finish, index))
            if begin > start:
                points.add(begin)
            if finish < end:
                points.add(finish)
    pending.sort()
    active: list[tuple[int, float, float, str, float, int]] = []
    bounds: list[float] = []
    winners: list[int] = []
    taken = 0
    for point in sorted(points)[:-1]:
        while taken < len(pending) and pending[taken][0] <= point:
            begin, finish, index = pending[taken]
            rule = rules[index]
            # Smallest wins: higher tier, then narrower window, then later start, then smaller id.
            heapq.heappush(active, (-rule.tier, finish - begin, -begin, rule.rule_id, finish, index))
            taken += 1
        while active and active[0][4] <= point:
            heapq.heappop(active)
        winner = active[0][5] if active else DEFAULT
        if not winners or winners[-1] != winner:
            bounds.append(point)
            winners.append(winner)
    bounds.append(end)
    return bounds, winners


class Timeline:
    """Cached segments over a contiguous, growing range of time; see the module docstring."""

    __slots__ = ("bounds", "rules", "winners", "zone")

    def __init__(self, rules: Sequence[Rule], zone: tzinfo) -> None:
        """Empty cache for `rules` in `zone`."""
        self.rules = rules
        self.zone = zone
        self.bounds: list[float] = []
        self.winners: list[int] = []

    @property
    def start(self) -> float:
        """Start of the cached range (inf when empty)."""
        return self.bounds[0] if self.bounds else math.inf

    @property
    def end(self) -> float:
        """End of the cached range (-inf when empty)."""
        return self.bounds[-1] if self.bounds else -math.inf

    def ensure(self, start: float, end: float) -> bool:
        """Cover [start, end]; return True if segment indexes shifted or the cache was rebuilt."""
        low = math.floor(start / CHUNK) * CHUNK
        high = max(math.ceil(end / CHUNK) * CHUNK, low + CHUNK)
        if not self.bounds or max(high, self.end) - min(low, self.start) > _MAX_SPAN:
            self.bounds, self.winners = sweep(self.rules, self.zone, low, high)
            return True
        shifted = False
        if low < self.start:
            bounds, winners = sweep(self.rules, self.zone, low, self.start)
            if winners[-1] == self.winners[0]:
                del self.bounds[0], self.winners[0]
            self.bounds[:0] = bounds[:-1]
            self.winners[:0] = winners
            shifted = True
        if high > self.end:
            bounds, winners = sweep(self.rules, self.zone, self.end, high)
            if winners[0] == self.winners[-1]:
                del bounds[0], winners[0]
            self.bounds[-1:] = bounds
            self.winners.extend(winners)
        return shifted

    def index(self, stamp: float) -> int:
        """Index of the segment containing `stamp`, which must be covered."""
        return bisect_right(self.bounds, stamp) - 1
