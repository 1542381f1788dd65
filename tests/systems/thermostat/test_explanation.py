"""The Decision sensor explains itself in Home Assistant's language, with units on its details."""

import json
from pathlib import Path
from typing import Any

from homeassistant.core import HomeAssistant
import pytest
from pytest_homeassistant_custom_component.common import MockConfigEntry

from custom_components.pyiot.core.thermostat import (
    EXPLANATIONS_EN,
    SOURCE_TEXTS_EN,
    Explanation,
    ExplanationCode,
)
from custom_components.pyiot.systems.thermostat import explain
from custom_components.pyiot.systems.thermostat.explain import ExplanationTexts, decision_attributes
from tests.support.entries import entry_loaded

EN = json.loads(
    (Path(__file__).parents[3] / "custom_components/pyiot/translations/en.json").read_text(encoding="utf-8")
)
SENTENCES = EN["entity"]["sensor"]["decision"]["state_attributes"]["explanation"]["state"]
DECISION = "sensor.living_room_decision"


def test_the_english_sentences_are_the_engines() -> None:
    """en.json is where the sentences are translated from: it must say what the engine says."""
    assert {key: SENTENCES[key.value] for key in EXPLANATIONS_EN} == dict(EXPLANATIONS_EN)
    assert {kind: SENTENCES[f"source_{kind}"] for kind in SOURCE_TEXTS_EN} == SOURCE_TEXTS_EN


def test_details_carry_units_and_a_missing_sentence_falls_back_to_english() -> None:
    explanation = Explanation(
        code=ExplanationCode.PREHEATING,
        placeholders={
            "current": "19.2",
            "target": "21.0",
            "time": "06:30",
            "source_type": "schedule",
            "source": "weekday morning",
            "until": "",
            "minutes": "48",
            "rate": "1.6",
        },
    )
    assert decision_attributes(explanation, ExplanationTexts()) == {
        "explanation": "preheating: 19.2 °C, reaching 21.0 °C by 06:30 from rule 'weekday morning' "
        "(starting 48 min early at 1.6 °C/h)",
        "current": "19.2 °C",
        "target": "21.0 °C",
        "time": "06:30",
        "source_type": "schedule",
        "source": "weekday morning",
        "minutes": "48 min",
        "rate": "1.6 °C/h",
    }
    # A language with the sentence but not the source's part: English rather than half a sentence.
    partial = ExplanationTexts({"preheating": "Vorheizen: {current}"})
    assert partial.render(explanation) == explanation.render_en()
    # An unknown placeholder in a translation stays visible instead of failing.
    odd = ExplanationTexts({"off": "aus {what}", "source_default": ""})
    assert odd.render(Explanation(code=ExplanationCode.OFF)) == "aus {what}"


GERMAN = {
    f"{explain.PREFIX}heating": "Heizen: {current} °C unter dem Ziel von {target} °C aus {source_text}",
    f"{explain.PREFIX}source_default": "der Grundtemperatur",
    "component.pyiot.entity.sensor.decision.state.heating": "Heizen",
}


async def test_the_decision_is_explained_in_has_language(
    hass: HomeAssistant, equipment: None, zone_entry: MockConfigEntry, monkeypatch: pytest.MonkeyPatch
) -> None:
    # No German file ships with PyIoT: HA's loader gives English, with these sentences put over it.
    english = explain.translation.async_get_translations
    asked: list[tuple[str, str]] = []

    async def translations(hass: HomeAssistant, language: str, category: str, *args: Any) -> dict[str, str]:
        asked.append((language, category))
        return await english(hass, language, category, *args) | GERMAN

    hass.config.language = "de"
    monkeypatch.setattr(explain.translation, "async_get_translations", translations)
    async for _ in entry_loaded(hass, zone_entry):
        decision = hass.states.get(DECISION)
        assert decision is not None
        assert decision.state == "heating"
        assert decision.attributes["explanation"] == (
            "Heizen: 19.0 °C unter dem Ziel von 20.0 °C aus der Grundtemperatur"
        )
        assert (decision.attributes["current"], decision.attributes["target"]) == ("19.0 °C", "20.0 °C")
        assert "until" not in decision.attributes  # empty details are left out
    assert ("de", "entity") in asked
