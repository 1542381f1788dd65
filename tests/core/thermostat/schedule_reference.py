"""A deliberately plain reference evaluator: every rule, every occurrence, checked minute by minute.

It shares no code with the engine's timeline: wall-clock times are resolved by walking forward minute
by minute out of a DST gap, and cron firings are found by testing every wall-clock minute against the
expression's field sets.
"""

from datetime import datetime, time, timedelta
from zoneinfo import ZoneInfo

from custom_components.pyiot.core.thermostat import (
    CronRule,
    DatedRule,
    OverrideRule,
    RecurringRule,
    Rule,
    Schedule,
)

TIERS = {OverrideRule: 3, DatedRule: 2, RecurringRule: 1, CronRule: 1}


def exists(wall: datetime, zone: ZoneInfo) -> bool:
    stamp = wall.replace(tzinfo=zone).timestamp()
    return datetime.fromtimestamp(stamp, zone).replace(tzinfo=None) == wall


def resolve(wall: datetime, zone: ZoneInfo) -> float:
    """First occurrence of a wall time; a skipped one moves to the first wall minute that exists."""
    while not exists(wall, zone):
        wall = (wall + timedelta(minutes=1)).replace(second=0, microsecond=0)
    return wall.replace(tzinfo=zone, fold=0).timestamp()


def plain_field(text: str, low: int, high: int) -> set[int]:
    """`*` or a comma list of numbers: all the property tests generate."""
    return set(range(low, high + 1)) if text == "*" else {int(part) for part in text.split(",")}


def cron_fires_at(rule: CronRule, wall: datetime) -> bool:
    minute, hour, day, month, weekday = rule.cron.split()
    if wall.minute not in plain_field(minute, 0, 59) or wall.hour not in plain_field(hour, 0, 23):
        return False
    if wall.month not in plain_field(month, 1, 12):
        return False
    by_day = wall.day in plain_field(day, 1, 31)
    by_weekday = (wall.weekday() + 1) % 7 in plain_field(weekday, 0, 6)  # cron: 0 = Sunday
    if day == "*" or weekday == "*":
        return by_day and by_weekday
    return by_day or by_weekday


def occurrences(rule: Rule, instant: float, zone: ZoneInfo) -> list[tuple[float, float]]:
    """Occurrences of `rule` that could contain `instant` (and some that don't)."""
    local = datetime.fromtimestamp(instant, zone).replace(tzinfo=None)
    if isinstance(rule, RecurringRule):
        found = []
        for back in range(3):
            day = local.date() - timedelta(days=back)
            if day.weekday() in rule.weekdays:
                end_day = day + timedelta(days=1) if rule.end < rule.start else day
                found.append(
                    (
                        resolve(datetime.combine(day, rule.start), zone),
                        resolve(datetime.combine(end_day, rule.end), zone),
                    )
                )
        return found
    if isinstance(rule, CronRule):
        seconds = rule.duration.total_seconds()
        wall = (
            datetime.fromtimestamp(instant - seconds, zone).replace(tzinfo=None) - timedelta(hours=3)
        ).replace(second=0, microsecond=0)
        stop = local + timedelta(hours=3)
        found = []
        while wall <= stop:
            if cron_fires_at(rule, wall):
                start = resolve(wall, zone)
                found.append((start, start + seconds))
            wall += timedelta(minutes=1)
        return found
    if isinstance(rule, DatedRule):
        start = rule.start if isinstance(rule.start, datetime) else datetime.combine(rule.start, time())
        end = (
            rule.end
            if isinstance(rule.end, datetime)
            else datetime.combine(rule.end + timedelta(days=1), time())
        )
        as_stamp = lambda moment: moment.timestamp() if moment.tzinfo else resolve(moment, zone)  # noqa: E731
        return [(as_stamp(start), as_stamp(end))]
    return [(rule.start.timestamp(), rule.end.timestamp())]


def reference_winner(schedule: Schedule, instant: float) -> str | None:
    """Rule id the precedence rules pick at `instant` (None: the default)."""
    candidates = []
    for rule in schedule.rules:
        for start, end in occurrences(rule, instant, schedule.time_zone):
            if start <= instant < end:
                candidates.append((-TIERS[type(rule)], end - start, -start, rule.rule_id))
    return min(candidates)[3] if candidates else None
