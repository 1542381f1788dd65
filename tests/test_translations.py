"""translations/en.json covers every key the code uses; icons.json and services.yaml agree with it."""

import json
from pathlib import Path
import re

import yaml

from custom_components.pyiot.core.thermostat import ERROR_KEYS, ExplanationCode

PACKAGE = Path(__file__).parent.parent / "custom_components/pyiot"
EN = json.loads((PACKAGE / "translations/en.json").read_text(encoding="utf-8"))
ICONS = json.loads((PACKAGE / "icons.json").read_text(encoding="utf-8"))
SOURCES = {path: path.read_text(encoding="utf-8") for path in PACKAGE.rglob("*.py")}


def keys_used(pattern: str) -> set[str]:
    return {match for text in SOURCES.values() for match in re.findall(pattern, text)}


def test_exceptions_are_translated() -> None:
    raised = keys_used(r'translation_key="([a-z_]+)",\s*(?:translation_placeholders|\))')
    raised |= keys_used(r'translation_domain=DOMAIN,\s*translation_key="([a-z_]+)"')
    assert {"node_unavailable", "write_failed", "mqtt_not_ready"} <= raised, "the pattern finds raises"
    missing = (raised - set(EN["issues"]) - set(EN["entity"]["sensor"])) | set(ERROR_KEYS)
    assert missing - set(EN["exceptions"]) == set()
    for key, value in EN["exceptions"].items():
        assert not value["message"].endswith("."), f"HA strips the final period of {key}"


def test_repairs_are_translated() -> None:
    issues = keys_used(r'translation_key="([a-z_]+)",\s*translation_placeholders=\{"zone"')
    assert issues
    assert issues <= set(EN["issues"])


def test_decision_states_are_translated_and_have_icons() -> None:
    codes = {code.value for code in ExplanationCode}
    assert set(EN["entity"]["sensor"]["decision"]["state"]) == codes
    assert set(ICONS["entity"]["sensor"]["decision"]["state"]) <= codes


def test_services_are_described() -> None:
    services = yaml.safe_load((PACKAGE / "services.yaml").read_text(encoding="utf-8"))
    assert set(services) == set(EN["services"]) == set(ICONS["services"])
    for name, service in services.items():
        fields = set((service or {}).get("fields", {}))
        assert fields == set(EN["services"][name].get("fields", {})), name
        for field in (service or {}).get("fields", {}).values():
            selector = field.get("selector") or {}
            for spec in selector.values():
                if isinstance(spec, dict) and "translation_key" in spec:
                    assert set(spec["options"]) <= set(EN["selector"][spec["translation_key"]]["options"])


def test_entity_icons_have_translations() -> None:
    for platform, entities in ICONS["entity"].items():
        assert set(entities) <= set(EN["entity"][platform]), platform
