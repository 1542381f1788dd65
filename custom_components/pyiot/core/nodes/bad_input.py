"""Log bad input from the network once per source and problem, readable under any load.

The first time a source sends a given problem it gets a warning line of its own; afterwards the same
(source, problem) is logged at debug level only. When many sources send the same problem, only the first
`named_per_window` new sources of that problem get their own line within each window (a minute by
default); the others are counted and reported in one summary line per problem and window:
"1,204 more sources sent not_json in the last minute (e.g. a, b, c)". Memory is bounded: at most `limit`
sources are remembered, the least recently heard from forgotten first.
"""

from collections import OrderedDict
from collections.abc import Callable
from dataclasses import dataclass, field
import logging
import math
import time

MAX_SOURCE_LENGTH = 128
"""Sources are cut to this length before they are remembered or logged."""
EXAMPLES = 3
"""Sources named in a summary line."""


@dataclass(slots=True)
class _Window:
    """New sources of one problem within the current window."""

    started: float
    named: int = 0
    more: int = 0
    examples: list[str] = field(default_factory=list)


class _Detail:
    """A %-style detail formatted only if a line is written."""

    __slots__ = ("args", "template")

    def __init__(self, template: str, args: tuple[object, ...]) -> None:
        self.template = template
        self.args = args

    def __str__(self) -> str:
        return self.template % self.args if self.args else self.template


class OncePerSourceLogger:
    """Warns once per (source, problem), then at debug level; summarises floods of new sources."""

    def __init__(
        self,
        logger: logging.Logger,
        limit: int = 2048,
        *,
        named_per_window: int = 5,
        window: float = 60.0,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        """Remember at most `limit` sources; name `named_per_window` new sources per problem and window."""
        self._logger = logger
        self._limit = max(1, limit)
        self._named_per_window = named_per_window
        self._window = window
        self._clock = clock
        self._seen: OrderedDict[str, set[str]] = OrderedDict()
        self._windows: dict[str, _Window] = {}
        self._next_close = math.inf

    def warn(self, source: str, problem: str, detail: str, *args: object) -> None:
        """Report `problem` (a short stable key) from `source`; `detail % args` says what was wrong.

        Formatting `detail` is deferred until a line is written, so a repeated problem costs a lookup.
        """
        source = source[:MAX_SOURCE_LENGTH]
        now = self._clock()
        self._close_windows(now)
        problems = self._seen.get(source)
        if problems is not None and problem in problems:
            self._seen.move_to_end(source)
            if self._logger.isEnabledFor(logging.DEBUG):
                self._logger.debug("Dropped input from %s (%s): %s", source, problem, _Detail(detail, args))
            return
        self._remember(source, problem, problems)
        window = self._windows.get(problem)
        if window is None:
            window = self._windows[problem] = _Window(started=now)
            self._next_close = min(self._next_close, now + self._window)
        if window.named < self._named_per_window:
            window.named += 1
            self._logger.warning("Dropped input from %s (%s): %s", source, problem, _Detail(detail, args))
            return
        window.more += 1
        if len(window.examples) < EXAMPLES:
            window.examples.append(source)
        if self._logger.isEnabledFor(logging.DEBUG):
            self._logger.debug("Dropped input from %s (%s): %s", source, problem, _Detail(detail, args))

    def flush(self) -> None:
        """Write the summary lines of windows that have ended (also done by every `warn`).

        Call it now and then (e.g. from a periodic task) so that the last summary of a flood that
        stopped is not held back until the next bad message.
        """
        self._close_windows(self._clock())

    def forget(self, source: str) -> None:
        """Log problems of `source` again, e.g. after it recovered."""
        self._seen.pop(source[:MAX_SOURCE_LENGTH], None)

    @property
    def remembered(self) -> int:
        """How many sources are remembered (at most `limit`)."""
        return len(self._seen)

    def _remember(self, source: str, problem: str, problems: set[str] | None) -> None:
        if problems is None:
            if len(self._seen) >= self._limit:
                self._seen.popitem(last=False)
            self._seen[source] = {problem}
        else:
            problems.add(problem)
            self._seen.move_to_end(source)

    def _close_windows(self, now: float) -> None:
        if now < self._next_close:
            return
        self._next_close = math.inf
        for problem, window in list(self._windows.items()):
            if now - window.started < self._window:
                self._next_close = min(self._next_close, window.started + self._window)
                continue
            del self._windows[problem]
            if window.more:
                self._logger.warning(
                    "%s more sources sent %s in the last %s (e.g. %s)",
                    f"{window.more:,}",
                    problem,
                    _span(self._window),
                    ", ".join(window.examples),
                )


def _span(seconds: float) -> str:
    if seconds == 60:  # noqa: PLR2004 - the usual window reads as words
        return "minute"
    return f"{seconds:g} s"
