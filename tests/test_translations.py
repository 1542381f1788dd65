"""translations/en.json covers every key the code uses; icons.json and services.yaml agree with it."""

import json
from pathlib import Path
import re
import shutil
import subprocess

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
    needed = (raised - set(EN["issues"]) - set(EN["entity"]["sensor"])) | set(ERROR_KEYS)
    assert needed <= set(EN["exceptions"])
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


FRONTEND = Path(__file__).parent.parent / "frontend"


def every_string(node: object, path: str = "") -> dict[str, str]:
    if isinstance(node, str):
        return {path: node}
    if isinstance(node, dict):
        return {k: v for key, value in node.items() for k, v in every_string(value, f"{path}.{key}").items()}
    if isinstance(node, list):
        return {k: v for i, value in enumerate(node) for k, v in every_string(value, f"{path}[{i}]").items()}
    return {}


def icu_errors(messages: dict[str, str]) -> dict[str, str]:
    """Parse with the frontend's own ICU parser (@formatjs/icu-messageformat-parser), as HA's UI does."""
    node = shutil.which("node")
    assert node, "node is needed: scripts/setup installs the frontend toolchain"
    assert (FRONTEND / "node_modules/@formatjs/icu-messageformat-parser").is_dir(), "run scripts/setup"
    result = subprocess.run(  # noqa: S603
        [node, "scripts/check-icu.mjs"],
        cwd=FRONTEND,
        input=json.dumps(messages),
        capture_output=True,
        text=True,
        check=True,
        timeout=60,
    )
    errors: dict[str, str] = json.loads(result.stdout)
    return errors


def test_every_string_parses_as_an_icu_message() -> None:
    messages = every_string(EN)
    assert len(messages) > 300
    assert icu_errors(messages) == {}


def test_the_icu_check_catches_what_the_frontend_rejects() -> None:
    errors = icu_errors(
        {
            "tag": "Start with `-a <Home Assistant address> -p <port>`",
            "unclosed": "`Bearer <token>`",
            "brace": "a {placeholder",
            "fine": "port {port}, `-p PORT`, rule 'weekday morning'",
        }
    )
    assert errors.keys() == {"tag", "unclosed", "brace"}
    assert errors["tag"].startswith("INVALID_TAG")
    assert errors["unclosed"].startswith("UNCLOSED_TAG")


def test_form_errors_are_plain_text() -> None:
    """The frontend shows a form's errors as they are, not as markdown: a `code` span shows its backticks."""
    errors = {
        f"{flow}.{key}": text for flow in ("config", "options") for key, text in EN[flow]["error"].items()
    }
    assert len(errors) > 20
    assert {key: text for key, text in errors.items() if "`" in text or "**" in text} == {}
