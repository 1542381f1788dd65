"""The IOTpy actions in Settings > Developer tools > Actions, in a real browser: `pyiot.iotpy_write`
and `pyiot.iotpy_reload` show their translated names, descriptions and field names (services.yaml and
the translations' "services" section); `iotpy_write` run from that page writes the relay's setpoint,
and `iotpy_reload` imports an edited device file of an IOTpy device-files entry whose folder watch is
off, after refusing a file that is not there with the translated error.
"""

from collections.abc import Iterator
import json
from pathlib import Path
import re

from browser_harness import HaInstance, navigate, screenshot, translation_problems  # type: ignore[import-not-found]
from flow_walker import DEEP_TEXT  # type: ignore[import-not-found]
from playwright.sync_api import Page
import pytest

EN = json.loads(
    (Path(__file__).parents[2] / "custom_components/pyiot/translations/en.json").read_text(encoding="utf-8")
)
SERVICES = EN["services"]
FOLDER = "pyiot_devices"
RELAY_FILE = "heating_relay.py"
ADDED = "browser_reloaded"
"""The variable the test adds to the relay's file: it exists only once the file was imported again."""


@pytest.fixture
def files_entry(ha: HaInstance, socket_enabled: None) -> Iterator[str]:
    """An IOTpy device-files entry on the example files, its folder watch off; removed after the test."""
    result = ha.api.flow("pyiot", {"next_step_id": "iotpy_files"}, {"folder": FOLDER})
    assert result.get("type") == "create_entry", result
    entry_id = str(result["result"]["entry_id"])
    watch = ha.api.options_flow(
        entry_id, {"next_step_id": "iotpy_files_watch"}, {"watch_interval": 0, "watchdog": 30}
    )
    assert watch.get("type") == "create_entry", watch
    relay = ha.config_dir / FOLDER / RELAY_FILE
    original = relay.read_text(encoding="utf-8")
    ha.wait_for("the relay's variables", lambda: [e for e in ha.pyiot_entities() if "heating_setpoint" in e])
    yield entry_id
    relay.write_text(original, encoding="utf-8")
    ha.api.request("DELETE", f"/api/config/config_entries/entry/{entry_id}")


def add_relay_variable(folder: Path, name: str, value: int) -> None:
    """Edit the relay's file: one more variable, set at start."""
    path = folder / RELAY_FILE
    anchor = 'self.addVariable("heating_switch_count", "number of relay switches")'
    text = path.read_text(encoding="utf-8")
    assert anchor in text
    path.write_text(
        text.replace(
            anchor,
            f'{anchor}\n        self.addVariable("{name}", "a variable added by an edit")\n'
            f'        self.setVariableValue("{name}", {value})',
        ),
        encoding="utf-8",
    )


def open_action(page: Page, ha: HaInstance, action: str) -> str:
    """Settings > Developer tools > Actions with `action` chosen; the text the action's form shows."""
    navigate(page, f"{ha.url}/config/tools/action?service={action}")
    panel = page.locator("tools-action")
    panel.locator("ha-service-control").wait_for()
    name = SERVICES[action.removeprefix("pyiot.")]["name"]
    page.wait_for_function(
        f"""(name) => ({DEEP_TEXT})(document.querySelector('home-assistant')).includes(name)""", arg=name
    )
    page.wait_for_timeout(300)  # let the fields render their texts
    return str(panel.evaluate(DEEP_TEXT))


def shown_in(text: str, words: str) -> bool:
    """Whether `words` are in the rendered `text`, markdown code (backticks) rendered as code."""
    flat = re.sub(r"\s*\|\s*", " ", text)
    return all(part.strip() in flat for part in words.split("`") if part.strip())


def check_translated(text: str, action: str) -> None:
    """The action's name, description and each field's name and description are shown, translated."""
    service = SERVICES[action]
    assert translation_problems(text) == [], (action, translation_problems(text))
    expected = [service["name"], service["description"]]
    for field in service["fields"].values():
        expected += [field["name"], field["description"]]
    missing = [words for words in expected if not shown_in(text, words)]
    assert not missing, (action, missing, text)


def set_action_data(page: Page, action: str, data: dict[str, object]) -> None:
    """Fill the action's fields (as its selectors would) in the page's form."""
    page.locator("tools-action ha-service-control").evaluate(
        """(control, value) => control.dispatchEvent(new CustomEvent('value-changed',
             { detail: { value }, bubbles: true, composed: true }))""",
        {"action": action, "data": data},
    )
    page.wait_for_timeout(300)


def perform(page: Page) -> None:
    """Press "Perform action"."""
    page.locator("tools-action").get_by_role("button", name="Perform action").click()


def test_iotpy_actions_render_translated_and_reload_runs(
    ha: HaInstance, files_entry: str, page: Page
) -> None:
    text = open_action(page, ha, "pyiot.iotpy_write")
    screenshot(page, "action-iotpy_write")
    check_translated(text, "iotpy_write")
    setpoint = next(entity for entity in ha.pyiot_entities() if "heating_setpoint" in entity)
    device = ha.api.template(f"{{{{ device_id('{setpoint}') }}}}").strip()
    set_action_data(
        page, "pyiot.iotpy_write", {"device_id": device, "variable": "heating_setpoint", "value": 23.5}
    )
    assert "Heating relay" in str(page.locator("tools-action").evaluate(DEEP_TEXT)), (
        "the device picker shows it"
    )
    perform(page)
    ha.wait_for("the written setpoint", lambda: (ha.state(setpoint) or {}).get("state") == "23.5")
    screenshot(page, "action-iotpy_write-done")

    text = open_action(page, ha, "pyiot.iotpy_reload")
    screenshot(page, "action-iotpy_reload")
    check_translated(text, "iotpy_reload")

    add_relay_variable(ha.config_dir / FOLDER, ADDED, 5)
    set_action_data(page, "pyiot.iotpy_reload", {"config_entry_id": files_entry, "file": "nope.py"})
    perform(page)
    # The translated exception, its placeholders filled.
    message = EN["exceptions"]["iotpy_unknown_file"]["message"].split("{")[0].strip()
    page.locator("tools-action").get_by_text(message).first.wait_for()
    screenshot(page, "action-iotpy_reload-refused")
    panel_text = str(page.locator("tools-action").evaluate(DEEP_TEXT))
    assert "nope.py" in panel_text
    assert translation_problems(panel_text) == []
    assert not [entity for entity in ha.pyiot_entities() if ADDED in entity], "the watch is off: not seen yet"

    set_action_data(page, "pyiot.iotpy_reload", {"config_entry_id": files_entry, "file": RELAY_FILE})
    shown = str(page.locator("tools-action").evaluate(DEEP_TEXT))
    title = next(entry["title"] for entry in ha.api.entries("pyiot") if entry["entry_id"] == files_entry)
    assert title in shown, "the entry picker shows the chosen entry"
    perform(page)

    def reloaded() -> str | None:
        found = [entity for entity in ha.pyiot_entities() if ADDED in entity]
        state = ha.state(found[0]) if found else None
        return found[0] if state is not None and state["state"] == "5" else None

    ha.wait_for("the variable of the reloaded file", reloaded)
    screenshot(page, "action-iotpy_reload-done")
    assert translation_problems(str(page.locator("tools-action").evaluate(DEEP_TEXT))) == []
