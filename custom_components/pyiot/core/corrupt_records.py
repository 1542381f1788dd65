"""What a tolerant loader reports about stored records it had to skip, and where the HA side keeps them.

Loaders of stored data (`nodes.storage`, `thermostat.schedule_recovery`) never fail on a bad record:
they skip it and return a `SkippedRecord` for it. The HA side then writes one log line and keeps the
skipped records aside under `aside_key(...)`, a key with a timestamp, so that a second corruption does not
overwrite the copy of the first.
"""

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any


@dataclass(frozen=True, slots=True)
class SkippedRecord:
    """One stored record (or field) that could not be read."""

    path: str
    """Where it was, e.g. `nodes['n1'].points[2]` or `schedule.rules[3]`."""
    reason: str
    """What was wrong, in English (for the log and the copy kept aside)."""
    data: Any
    """The record as it was stored (JSON data), for the copy kept aside."""


def aside_key(key: str, moment: datetime) -> str:
    """The storage key of the copy kept aside of what `key` held at `moment` (UTC, to the microsecond)."""
    return f"{key}.corrupt.{moment.astimezone(UTC):%Y%m%dT%H%M%S%fZ}"


def aside_document(key: str, moment: datetime, skipped: Sequence[SkippedRecord]) -> dict[str, Any]:
    """What to save under `aside_key(key, moment)`: the skipped records with where and why."""
    return {
        "source": key,
        "skipped_at": moment.astimezone(UTC).isoformat(),
        "records": [{"path": item.path, "reason": item.reason, "data": item.data} for item in skipped],
    }


def summary(skipped: Sequence[SkippedRecord], limit: int = 3) -> str:
    """A one-line account for the log: `2 records skipped: nodes['a'] (...), nodes['b'].points[0] (...)`."""
    shown = "; ".join(f"{item.path}: {item.reason}" for item in skipped[:limit])
    more = f"; and {len(skipped) - limit} more" if len(skipped) > limit else ""
    noun = "record" if len(skipped) == 1 else "records"
    return f"{len(skipped)} {noun} skipped: {shown}{more}"
