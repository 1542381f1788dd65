"""The Decision sensor's explanation in Home Assistant's language, and its details with units.

The sentences are entity translations (`entity.sensor.decision.state_attributes.explanation.state`:
one per `ExplanationCode`, plus `source_<kind>` for the part that names the source), filled with the
engine's placeholders. A language without them falls back to English, as HA's translations do.
"""

from collections.abc import Mapping
from dataclasses import dataclass, field
import re
from typing import Self

from homeassistant.core import HomeAssistant
from homeassistant.helpers import translation

from ...const import DOMAIN
from ...core.thermostat import Explanation

PREFIX = f"component.{DOMAIN}.entity.sensor.decision.state_attributes.explanation.state."
UNITS: Mapping[str, str] = {"current": "°C", "target": "°C", "rate": "°C/h", "minutes": "min", "duty": "%"}
"""Placeholders that are quantities: their state attribute carries the unit (`19.0 °C`)."""

_PLACEHOLDER = re.compile(r"\{(\w+)\}")


def _fill(template: str, values: Mapping[str, str]) -> str:
    """`{name}` replaced by its value; an unknown one stays visible rather than failing."""
    return _PLACEHOLDER.sub(lambda match: values.get(match.group(1), match.group(0)), template)


@dataclass(frozen=True, slots=True)
class ExplanationTexts:
    """The explanation sentences of one language, by code (and `source_<kind>`)."""

    templates: Mapping[str, str] = field(default_factory=dict)

    @classmethod
    async def async_load(cls, hass: HomeAssistant) -> Self:
        """The sentences in HA's configured language (English where it has none)."""
        strings = await translation.async_get_translations(hass, hass.config.language, "entity", [DOMAIN])
        return cls(
            {key.removeprefix(PREFIX): text for key, text in strings.items() if key.startswith(PREFIX)}
        )

    def render(self, explanation: Explanation) -> str:
        """The sentence, e.g. "heating: 19.0 °C below 21.0 °C target from rule 'weekday morning'"."""
        template = self.templates.get(explanation.code.value)
        if template is None:
            return explanation.render_en()
        values = dict(explanation.placeholders)
        source = self.templates.get(f"source_{values.get('source_type', 'default')}")
        if source is None:
            return explanation.render_en()
        values["source_text"] = _fill(source, values)
        return _fill(template, values)


def decision_attributes(explanation: Explanation, texts: ExplanationTexts) -> dict[str, str]:
    """The sentence and the details it is made of; quantities with their units, empty ones left out."""
    details = {
        name: f"{value} {UNITS[name]}" if name in UNITS else value
        for name, value in explanation.placeholders.items()
        if value != ""
    }
    return {"explanation": texts.render(explanation), **details}
