"""Checks a recorded relay timeline against protection limits, independently of the guard's code."""

from datetime import datetime, timedelta
import itertools


def violations(
    changes: list[tuple[datetime, bool]],
    *,
    min_on: timedelta,
    min_off: timedelta,
    max_starts_per_hour: int | None,
    max_run: timedelta | None,
    end: datetime,
) -> list[str]:
    """`changes` are (instant, new state) in time order; the first entry is the initial state."""
    found = []
    starts = [moment for moment, state in changes[1:] if state]
    for (before, state), (after, _) in itertools.pairwise(
        changes[1:]
    ):  # the initial state has no known start
        if state and after - before < min_on:
            found.append(f"on at {before} only {after - before} (< min_on)")
        if not state and after - before < min_off:
            found.append(f"off at {before} only {after - before} (< min_off)")
    if max_starts_per_hour is not None:
        found.extend(
            f"{max_starts_per_hour + 1} starts within an hour from {first}"
            for first, last in zip(starts, starts[max_starts_per_hour:], strict=False)
            if last - first < timedelta(hours=1)
        )
    if max_run is not None:
        bounded = [*changes, (end, not changes[-1][1])]
        for (before, state), (after, _) in itertools.pairwise(bounded):
            if state and after - before > max_run:
                found.append(f"run from {before} lasted {after - before} (> max_run)")
    return found
