"""Where the target in force comes from, in plain words: a schedule rule, an override, a preset, ..."""

from dataclasses import dataclass, field
from datetime import datetime, timedelta
from enum import StrEnum
from zoneinfo import ZoneInfo

from .rules import DatedRule, OverrideRule
from .schedule import ActiveTarget

AWAY_RULE_ID = "away"
"""Rule id of the away period (`editing.set_away`): a dated rule the user sees as "away"."""


class SourceKind(StrEnum):
    """What decides the target (one translation key each)."""

    SCHEDULE = "schedule"
    OVERRIDE = "override"
    PRESET = "preset"
    AWAY = "away"
    DEFAULT = "default"


SOURCES_EN: dict[SourceKind, str] = {
    SourceKind.SCHEDULE: "schedule '{name}'",
    SourceKind.OVERRIDE: "manual setting until {until}",
    SourceKind.PRESET: "preset '{name}'",
    SourceKind.AWAY: "away until {until}",
    SourceKind.DEFAULT: "default temperature",
}
"""English text per kind. Placeholders: name (rule or preset name), until (local time, or date and time
when not within the next day), until_iso (ISO 8601, UTC; empty when nothing ends)."""


@dataclass(frozen=True, kw_only=True, slots=True)
class ActiveSource:
    """The source of the target in force: a kind, its placeholders and, for rules, the rule id."""

    kind: SourceKind
    rule_id: str | None = None
    placeholders: dict[str, str] = field(default_factory=dict)

    def render_en(self) -> str:
        """English words, e.g. "manual setting until 18:30"."""
        return SOURCES_EN[self.kind].format_map(self.placeholders)

    def to_dict(self) -> dict[str, object]:
        """JSON-ready form: translation key, placeholders, rule id and the English text."""
        return {
            "kind": self.kind.value,
            "rule_id": self.rule_id,
            "placeholders": dict(self.placeholders),
            "text": self.render_en(),
        }


def format_until(moment: datetime | None, now: datetime, zone: ZoneInfo) -> str:
    """`18:30` within the next day, `2026-12-28 18:30` further away, empty for None (local time)."""
    if moment is None:
        return ""
    local = moment.astimezone(zone)
    return f"{local:%H:%M}" if moment - now < timedelta(days=1) else f"{local:%Y-%m-%d %H:%M}"


def active_source(preset: str | None, active: ActiveTarget, now: datetime, zone: ZoneInfo) -> ActiveSource:
    """The source of the target at `now`: a preset wins over whatever the schedule says."""
    if preset is not None:
        return ActiveSource(kind=SourceKind.PRESET, placeholders={"name": preset})
    rule = active.rule
    if rule is None:
        return ActiveSource(kind=SourceKind.DEFAULT)
    if isinstance(rule, OverrideRule):
        kind = SourceKind.OVERRIDE
    elif isinstance(rule, DatedRule) and rule.rule_id == AWAY_RULE_ID:
        kind = SourceKind.AWAY
    else:
        kind = SourceKind.SCHEDULE
    until = active.next_change
    return ActiveSource(
        kind=kind,
        rule_id=rule.rule_id,
        placeholders={
            "name": rule.name or rule.rule_id,
            "until": format_until(until, now, zone),
            "until_iso": until.isoformat() if until is not None else "",
        },
    )
