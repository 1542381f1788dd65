"""Local wall-clock time to instants, with a fixed rule for daylight saving transitions.

Rules speak in wall-clock time of the schedule's zone; the engine works with POSIX timestamps. A wall
time maps to exactly one instant:

* in the skipped hour (spring forward) it maps to the first valid instant after it, the transition;
* in the repeated hour (fall back) it maps to its first occurrence (`fold=0`), so nothing happens twice.
"""

from datetime import datetime, tzinfo

from .errors import ScheduleError


def require_aware(value: datetime, name: str = "now") -> datetime:
    """Return `value` if it carries a time zone, otherwise raise `ScheduleError("naive_datetime")`."""
    if value.tzinfo is None or value.utcoffset() is None:
        raise ScheduleError("naive_datetime", {"value": f"{name}={value.isoformat()}"})
    return value


def wall_to_timestamp(wall: datetime, zone: tzinfo) -> float:
    """The instant of naive local time `wall` in `zone`, resolving DST gaps and folds as described above."""
    stamp = wall.replace(tzinfo=zone, fold=0).timestamp()
    if datetime.fromtimestamp(stamp, zone).replace(tzinfo=None) == wall:
        return stamp
    # In a gap: fold=1 reads the wall time with the offset after the transition, so it lands before
    # the transition; fold=0 lands after it. The transition is the first instant with the new offset.
    before = wall.replace(tzinfo=zone, fold=1).timestamp()
    return _first_instant_with_offset_of(before, stamp, zone)


def _first_instant_with_offset_of(low: float, high: float, zone: tzinfo) -> float:
    """Smallest whole second in (low, high] whose UTC offset differs from the offset at `low`."""
    old = datetime.fromtimestamp(low, zone).utcoffset()
    lo, hi = int(low), int(high)
    while hi - lo > 1:
        mid = (lo + hi) // 2
        if datetime.fromtimestamp(mid, zone).utcoffset() == old:
            lo = mid
        else:
            hi = mid
    return float(hi)
