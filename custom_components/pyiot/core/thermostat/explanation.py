"""Why the thermostat does what it does: a code plus placeholders (for translations) and English text."""

from dataclasses import dataclass, field
from enum import StrEnum


class ExplanationCode(StrEnum):
    """What the controller is doing and why (one translation key each)."""

    OFF = "off"
    HEATING = "heating"
    HEATING_HOLD = "heating_hold"
    COOLING = "cooling"
    COOLING_HOLD = "cooling_hold"
    IDLE = "idle"
    NO_SETPOINT = "no_setpoint"
    WAITING_MIN_OFF = "waiting_min_off"
    WAITING_MAX_STARTS = "waiting_max_starts"
    WAITING_INTERLOCK = "waiting_interlock"
    RESTING_MAX_RUN = "resting_max_run"
    HOLDING_MIN_ON = "holding_min_on"
    FAIL_SAFE_OFF = "fail_safe_off"
    FAIL_SAFE_FROST = "fail_safe_frost"
    PREHEATING = "preheating"
    PRECOOLING = "precooling"


EXPLANATIONS_EN: dict[ExplanationCode, str] = {
    ExplanationCode.OFF: "off",
    ExplanationCode.HEATING: "heating: {current} °C below {target} °C target from {source_text}",
    ExplanationCode.HEATING_HOLD: "heating: {current} °C, holding the {target} °C target from {source_text}",
    ExplanationCode.COOLING: "cooling: {current} °C above {target} °C target from {source_text}",
    ExplanationCode.COOLING_HOLD: "cooling: {current} °C, holding the {target} °C target from {source_text}",
    ExplanationCode.IDLE: "idle: {current} °C, target {target} °C from {source_text}",
    ExplanationCode.NO_SETPOINT: "idle: no {side} setpoint from {source_text}",
    ExplanationCode.WAITING_MIN_OFF: "waiting: minimum off time, {minutes} min left",
    ExplanationCode.WAITING_MAX_STARTS: "waiting: maximum starts per hour reached, {minutes} min left",
    ExplanationCode.WAITING_INTERLOCK: "waiting: {other} equipment still on, {minutes} min left",
    ExplanationCode.RESTING_MAX_RUN: "resting: maximum run time reached, {minutes} min left",
    ExplanationCode.HOLDING_MIN_ON: "holding on: minimum on time, {minutes} min left",
    ExplanationCode.FAIL_SAFE_OFF: "fail-safe: no usable temperature sensor, equipment off",
    ExplanationCode.FAIL_SAFE_FROST: (
        "fail-safe: no usable temperature sensor, frost protection heating {duty} % of the time"
    ),
    ExplanationCode.PREHEATING: (
        "preheating: {current} °C, reaching {target} °C by {time} from {source_text} "
        "(starting {minutes} min early at {rate} °C/h)"
    ),
    ExplanationCode.PRECOOLING: (
        "precooling: {current} °C, reaching {target} °C by {time} from {source_text} "
        "(starting {minutes} min early at {rate} °C/h)"
    ),
}
"""English template per code. Placeholders: current, target, source_type (a `SourceKind`: schedule,
override, preset, away, default), source (a rule or preset name), until (when the source ends, local
time), side, other, minutes, duty, time (HH:MM, the schedule's zone), rate (°C/h); `source_text` is
composed by `render_en` from `SOURCE_TEXTS_EN`. For preheating/precooling, target, time and source are those
of the upcoming scheduled change and minutes is how early the start is."""


SOURCE_TEXTS_EN: dict[str, str] = {
    "schedule": "rule '{source}'",
    "override": "your manual setting until {until}",
    "preset": "preset '{source}'",
    "away": "the away period until {until}",
    "default": "the default target",
}
"""English `source_text` per `source_type`, inside an explanation sentence."""


@dataclass(frozen=True, kw_only=True, slots=True)
class Explanation:
    """A code and its placeholders (all text), e.g. for a translated state attribute."""

    code: ExplanationCode
    placeholders: dict[str, str] = field(default_factory=dict)

    def to_dict(self) -> dict[str, object]:
        """JSON-ready form: translation key, placeholders and the English sentence."""
        return {"key": self.code.value, "placeholders": dict(self.placeholders), "text": self.render_en()}

    def render_en(self) -> str:
        """English sentence, e.g. "heating: 19.2 °C below 20.5 °C target from rule 'weekday morning'"."""
        values = dict(self.placeholders)
        kind = values.get("source_type", "default")
        values["source_text"] = SOURCE_TEXTS_EN.get(kind, SOURCE_TEXTS_EN["default"]).format_map(
            {"source": values.get("source", ""), "until": values.get("until", "")}
        )
        return EXPLANATIONS_EN[self.code].format_map(values)
