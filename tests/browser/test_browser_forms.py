"""Every PyIoT form a user can reach renders in a real browser with no "Translation error" and no raw key:
each config flow of the "Add integration" menu, then the options ("Configure") and reconfigure flows
of the entry it created.

The menu is walked generically: each option of PyIoT's first menu is followed through all its forms,
which are filled with plausible values read off each form's schema (flow_walker.py), so a new entry
type is covered without a change here. The entries the walk creates are removed again.
"""

import json
from pathlib import Path
import re

from browser_harness import HaInstance  # type: ignore[import-not-found]
from flow_walker import (  # type: ignore[import-not-found]
    MENU_ITEMS,
    Walk,
    close_dialog,
    open_add_integration,
    open_entry_flow,
    record,
    wait_for_new_step,
    walk_forms,
)
from playwright.sync_api import Page

CONFIG_ERRORS: dict[str, str] = json.loads(
    (Path(__file__).parents[2] / "custom_components/pyiot/translations/en.json").read_text(encoding="utf-8")
)["config"]["error"]
NEEDS_A_DEVICE_IN_RANGE = {"ble_gatt"}
"""Kinds whose flow ends in a (translated) abort when no device is there: no radio in this test."""
NEEDS_A_SERVER = {"pyaiot_broker", "iotpy_server"}
"""Kinds whose form checks a server the user names (an existing Pyaiot broker, a remote IOTpy server):
none runs for this test's HA, so the form must keep showing a translated error on that field and the
flow stay open."""


def menu_options(page: Page) -> list[str]:
    return list(page.locator("step-flow-menu").evaluate("element => element.step.menu_options"))


def test_every_pyiot_form_renders_translated(ha: HaInstance, page: Page) -> None:
    ha.add_demo_zone()  # so that a zone's entity pickers have something to pick
    first = open_add_integration(page, ha.url, "PyIoT")
    assert first["element"] == "step-flow-menu"
    options = menu_options(page)
    assert len(options) >= 3
    walk = Walk()
    record(page, walk, "menu", first)
    close_dialog(page)
    created: dict[str, dict[str, object]] = {}
    for index, option in enumerate(options):
        before = {entry["entry_id"] for entry in ha.api.entries("pyiot")}
        open_add_integration(page, ha.url, "PyIoT")
        page.locator("step-flow-menu").locator(MENU_ITEMS).nth(index).click()
        step = wait_for_new_step(page, {"element": "step-flow-menu", "step_id": "user", "errors": None})
        walk_forms(page, walk, option, step)
        close_dialog(page)
        for entry in ha.api.entries("pyiot"):
            if entry["entry_id"] not in before:
                created[option] = entry
                for kind, supported in (
                    ("options", "supports_options"),
                    ("reconfigure", "supports_reconfigure"),
                ):
                    if entry.get(supported):
                        step = open_entry_flow(page, ha.url, str(entry["title"]), kind)
                        walk_forms(page, walk, f"{option}-{kind}", step)
                        close_dialog(page)
                ha.api.request("DELETE", f"/api/config/config_entries/entry/{entry['entry_id']}")
    assert walk.problems == {}
    assert not [step.screenshot for step in walk.steps if not step.text.strip()]
    forms = {step.path for step in walk.steps if step.element == "step-flow-form"}
    assert {"thermostat", "rpymostat", "thermostat-options", "thermostat-reconfigure"} <= forms, forms
    assert {"rpymostat-options", "rpymostat-reconfigure", "pyaiot_mqtt-options"} <= forms, forms
    aborted = {
        option
        for option in options
        if option not in created
        and [step.element for step in walk.steps if step.path == option][-1:] == ["step-flow-abort"]
    }
    assert aborted <= NEEDS_A_DEVICE_IN_RANGE, aborted
    refused = {
        option
        for option in options
        if option not in created
        and option not in aborted
        and [(step.element, bool(step.errors)) for step in walk.steps if step.path == option][-1:]
        == [("step-flow-form", True)]
    }
    assert refused <= NEEDS_A_SERVER, refused
    for option in refused:  # the error is shown in words, not as its key
        last = [step for step in walk.steps if step.path == option][-1]
        assert last.errors
        for error in last.errors.values():
            # The words before any placeholder or markup, as the frontend renders them.
            assert re.split(r"[`{]", CONFIG_ERRORS[error])[0].strip() in last.text, (option, error)
    assert set(created) | aborted | refused == set(options), "every entry type can be added"
    print(f"\n[browser] {len(walk.steps)} flow steps checked: " + ", ".join(sorted(forms)))  # noqa: T201
