"""The FmPyIOT entry's per-device options in a real browser: the device menu (its title and the device's
name in its description), the topic step and the web API step, each with a refused input showing its
translated error, then saved; no "Translation error", raw key, MISSING value or unfilled placeholder.

A simulated FmPyIOT device (tools/simulators/fmpyiot_node.py, its web server included) publishes on
the browser HA's own broker, so that the entry has a device to set.
"""

from collections.abc import Iterator
import json
from pathlib import Path

from browser_harness import HaInstance, kernel_port, simulator  # type: ignore[import-not-found]
from flow_walker import (  # type: ignore[import-not-found]
    FILL_FORM,
    Walk,
    choose,
    close_dialog,
    open_entry_flow,
    record,
    step_placeholders,
    submit,
)
from playwright.sync_api import Page
import pytest

from tests.support.mosquitto import Mosquitto

EN = json.loads(
    (Path(__file__).parents[2] / "custom_components/pyiot/translations/en.json").read_text(encoding="utf-8")
)
OPTIONS = EN["options"]["step"]
ERRORS = EN["options"]["error"]
TITLE = "FmPyIOT MQTT devices"
ONE_DEVICE = OPTIONS["fmpyiot_options"]["menu_options"]["fmpyiot_device"]
DEVICE_MENU = OPTIONS["fmpyiot_device_menu"]


@pytest.fixture
def fmpyiot_entry(ha: HaInstance, socket_enabled: None) -> Iterator[str]:
    """The FmPyIOT entry of the browser HA (added through its config flow); removed after the test."""
    result = ha.api.flow("pyiot", {"next_step_id": "fmpyiot_mqtt"}, {})
    assert result.get("type") == "create_entry", result
    entry_id = str(result["result"]["entry_id"])
    yield entry_id
    ha.api.request("DELETE", f"/api/config/config_entries/entry/{entry_id}")


@pytest.fixture
def device_web_port(ha: HaInstance, browser_broker: Mosquitto, fmpyiot_entry: str) -> Iterator[int]:
    """One simulated device on the broker, known to the entry; the port of its web server."""
    web_port = kernel_port()
    args = ["--port", str(browser_broker.port), "--devices", "1", "--web-port", str(web_port)]
    args += ["--prefix", "T-HOME/BROWSER", "--seed", "1"]

    def device_known() -> bool:
        found = ha.api.options_flow(fmpyiot_entry, {"next_step_id": "fmpyiot_device"})
        return found.get("type") == "form"

    with simulator("fmpyiot_node", *args, ready="FmPyIOT devices on"):
        ha.wait_for("the simulated device in the entry's options", device_known, timeout=90)
        yield web_port


def open_device_menu(page: Page, ha: HaInstance, walk: Walk, path: str) -> dict[str, object]:
    """Configure > One device > the (only) device: the device's menu, recorded on the way."""
    step = open_entry_flow(page, ha.url, TITLE, "options")
    record(page, walk, path, step)
    assert step["step_id"] == "fmpyiot_options", step
    step = choose(page, step, ONE_DEVICE)
    record(page, walk, path, step)
    assert step["step_id"] == "fmpyiot_device", step
    page.evaluate(FILL_FORM)  # the device picker's first (only) device
    step = submit(page, step, None)
    record(page, walk, path, step)
    assert (step["element"], step["step_id"]) == ("step-flow-menu", "fmpyiot_device_menu"), step
    return step


def error_words(key: str) -> str:
    """An error as the frontend shows it (plain text: tests/test_translations.py keeps markdown out)."""
    return str(ERRORS[key])


def test_fmpyiot_device_options_render_translated(ha: HaInstance, device_web_port: int, page: Page) -> None:
    walk = Walk()

    step = open_device_menu(page, ha, walk, "topic")
    device = step_placeholders(page).get("device")
    assert device, "the menu names the device"
    menu = walk.steps[-1].text
    assert DEVICE_MENU["title"] in menu
    assert DEVICE_MENU["description"].replace("{device}", device) in menu
    step = choose(page, step, DEVICE_MENU["menu_options"]["fmpyiot_topic"])
    record(page, walk, "topic", step)
    assert step["step_id"] == "fmpyiot_topic", step
    step = submit(page, step, {"topic": "bad+topic", "action": "read"})
    record(page, walk, "topic", step)
    assert step["errors"] == {"topic": "fmpyiot_invalid_topic"}, step
    assert error_words("fmpyiot_invalid_topic") in walk.steps[-1].text
    step = submit(page, step, {"topic": "./LED", "action": "switch", "on_payload": "1", "off_payload": "1"})
    record(page, walk, "topic", step)
    assert step["errors"] == {"off_payload": "fmpyiot_same_payloads"}, step
    assert error_words("fmpyiot_same_payloads") in walk.steps[-1].text
    step = submit(page, step, {"topic": "./LED", "action": "switch", "on_payload": "1", "off_payload": "0"})
    record(page, walk, "topic", step)
    assert step["element"] == "step-flow-create-entry", step
    close_dialog(page)

    step = open_device_menu(page, ha, walk, "web")
    step = choose(page, step, DEVICE_MENU["menu_options"]["fmpyiot_web"])
    record(page, walk, "web", step)
    assert step["step_id"] == "fmpyiot_web", step
    web = {"host": "127.0.0.1", "port": device_web_port, "username": "admin"}
    step = submit(page, step, web | {"password": "not-the-password"})
    record(page, walk, "web", step)
    assert step["errors"] == {"base": "fmpyiot_invalid_auth"}, step
    assert error_words("fmpyiot_invalid_auth") in walk.steps[-1].text
    step = submit(page, step, web | {"password": "secret"})
    record(page, walk, "web", step)
    assert step["element"] == "step-flow-create-entry", step
    close_dialog(page)

    # With its credentials the device's web API is used: its reboot button appears.
    def reboot_button() -> list[str]:
        buttons = [entity for entity in ha.pyiot_entities() if entity.startswith("button.")]
        return [entity for entity in buttons if "reboot" in entity]

    ha.wait_for("the device's reboot button", reboot_button)

    step = open_device_menu(page, ha, walk, "sleep")
    step = choose(page, step, DEVICE_MENU["menu_options"]["fmpyiot_sleep"])
    record(page, walk, "sleep", step)
    assert step["step_id"] == "fmpyiot_sleep", step
    page.evaluate(FILL_FORM)  # what the form proposes: the device's current settings
    step = submit(page, step, None)
    record(page, walk, "sleep", step)
    assert step["element"] == "step-flow-create-entry", step
    close_dialog(page)

    assert walk.problems == {}
    assert not [seen.screenshot for seen in walk.steps if not seen.text.strip()]
    print(f"\n[browser] {len(walk.steps)} FmPyIOT option steps checked")  # noqa: T201
