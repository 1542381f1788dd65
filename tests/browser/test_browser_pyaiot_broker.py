"""The Pyaiot broker entry ("An existing Pyaiot deployment") in a real browser: its config flow, its
options and its reconfigure flow, against two simulated brokers (tools/simulators/pyaiot_broker.py).

Each refused input shows its translated error, each abort its translated reason; no step shows a
"Translation error", a raw key, a MISSING value or an unfilled placeholder.
"""

from collections.abc import Iterator
import contextlib
import json
from pathlib import Path
import re

from browser_harness import HaInstance, kernel_port, simulator  # type: ignore[import-not-found]
from flow_walker import (  # type: ignore[import-not-found]
    FILL_FORM,
    Walk,
    choose,
    close_dialog,
    open_add_integration,
    open_entry_flow,
    record,
    submit,
)
from playwright.sync_api import Page
import pytest

EN = json.loads(
    (Path(__file__).parents[2] / "custom_components/pyiot/translations/en.json").read_text(encoding="utf-8")
)
CONFIG = EN["config"]
BROKER_OPTION = CONFIG["step"]["user"]["menu_options"]["pyaiot_broker"]
NODES = 2
"""Nodes of the simulated broker's one gateway (`gw1-node1`, `gw1-node2`)."""


def start_broker(stack: contextlib.ExitStack, name: str) -> str:
    """A simulated Pyaiot broker on a free port; its web clients' URL."""
    log = stack.enter_context(
        simulator(
            "pyaiot_broker", "--port", "0", "--nodes", str(NODES), ready="Pyaiot broker on port", name=name
        )
    )
    found = re.search(r"Pyaiot broker on port (\d+)", log.read_text(encoding="utf-8"))
    assert found, log.read_text(encoding="utf-8")
    return f"ws://127.0.0.1:{found[1]}/ws"


@pytest.fixture
def brokers(ha: HaInstance, socket_enabled: None) -> Iterator[tuple[str, str]]:
    """Two simulated brokers (the entry's, then the one it moves to); the entries made on them removed."""
    with contextlib.ExitStack() as stack:
        urls = start_broker(stack, "pyaiot_broker_first"), start_broker(stack, "pyaiot_broker_second")
        yield urls
        for entry in ha.api.entries("pyiot"):
            if str(entry["title"]).startswith("Pyaiot broker "):
                ha.api.request("DELETE", f"/api/config/config_entries/entry/{entry['entry_id']}")


def error_words(key: str) -> str:
    """An error as the frontend shows it (plain text: tests/test_translations.py keeps markdown out)."""
    return str(CONFIG["error"][key])


def broker_entry(ha: HaInstance, url: str) -> dict[str, object] | None:
    """The entry of the broker at `url`, once loaded."""
    found = [entry for entry in ha.api.entries("pyiot") if entry["title"] == f"Pyaiot broker {url}"]
    return found[0] if found and found[0]["state"] == "loaded" else None


def node_entities(ha: HaInstance) -> list[str]:
    """Entities of the simulated nodes (named after the nodes)."""
    return [entity for entity in ha.pyiot_entities() if "gw1_node" in entity]


def add_broker(page: Page, ha: HaInstance, walk: Walk, url: str, nobody: str) -> dict[str, object]:
    """Add integration > PyIoT > an existing Pyaiot deployment: refused URLs, then `url`; the entry."""
    step = open_add_integration(page, ha.url, "PyIoT")
    step = choose(page, step, BROKER_OPTION)
    record(page, walk, "config", step)
    assert step["step_id"] == "pyaiot_broker", step
    assert CONFIG["step"]["pyaiot_broker"]["title"] in walk.steps[-1].text
    for refused, error in (
        ("http://127.0.0.1/ws", "invalid_url"),
        (nobody, "cannot_connect"),
        (f"ws://127.0.0.1:{ha.port}/", "not_a_broker"),
    ):
        step = submit(page, step, {"url": refused})
        record(page, walk, "config", step)
        assert step["errors"] == {"url": error}, (refused, step)
        assert error_words(error) in walk.steps[-1].text, error
    step = submit(page, step, {"url": url})
    record(page, walk, "config", step)
    assert step["element"] == "step-flow-create-entry", step
    close_dialog(page)
    entry: dict[str, object] = ha.wait_for("the broker entry loaded", lambda: broker_entry(ha, url))
    ha.wait_for("the simulated nodes' entities", lambda: len(node_entities(ha)) >= NODES)

    # The same broker again: refused as already set up.
    step = open_add_integration(page, ha.url, "PyIoT")
    step = choose(page, step, BROKER_OPTION)
    step = submit(page, step, {"url": url})
    record(page, walk, "config-again", step)
    assert (step["element"], step["reason"]) == ("step-flow-abort", "already_configured"), step
    assert CONFIG["abort"]["already_configured"] in walk.steps[-1].text
    close_dialog(page)
    return entry


def set_limits(page: Page, ha: HaInstance, walk: Walk, entry: dict[str, object]) -> None:
    """Configure: fewer nodes admitted; saved and kept."""
    step = open_entry_flow(page, ha.url, str(entry["title"]), "options")
    record(page, walk, "options", step)
    assert step["step_id"] == "pyaiot_broker", step
    assert EN["options"]["step"]["pyaiot_broker"]["title"] in walk.steps[-1].text
    data = page.evaluate(FILL_FORM)  # what the form proposes (the current limits) ...
    data["limits"] = data["limits"] | {"max_nodes": 7}  # ... and fewer nodes
    step = submit(page, step, data)
    record(page, walk, "options", step)
    assert step["element"] == "step-flow-create-entry", step
    close_dialog(page)
    shown = ha.api.options_flow(str(entry["entry_id"]))
    limits = next(field for field in shown["data_schema"] if field["name"] == "limits")
    max_nodes = next(field for field in limits["schema"] if field["name"] == "max_nodes")
    assert max_nodes["default"] == 7, max_nodes  # the form proposes what is stored


def move_broker(
    page: Page, ha: HaInstance, walk: Walk, entry: dict[str, object], url: str, nobody: str
) -> None:
    """Reconfigure: the same URL (nothing to do), nobody there, then the broker at `url`."""
    step = open_entry_flow(page, ha.url, str(entry["title"]), "reconfigure")
    record(page, walk, "reconfigure", step)
    assert step["step_id"] == "reconfigure_pyaiot_broker", step
    step = submit(page, step, None)  # the URL it proposes: the entry's own
    record(page, walk, "reconfigure", step)
    assert (step["element"], step["reason"]) == ("step-flow-abort", "pyaiot_url_unchanged"), step
    assert CONFIG["abort"]["pyaiot_url_unchanged"] in walk.steps[-1].text
    close_dialog(page)
    step = open_entry_flow(page, ha.url, str(entry["title"]), "reconfigure")
    step = submit(page, step, {"url": nobody})
    record(page, walk, "reconfigure", step)
    assert step["errors"] == {"url": "cannot_connect"}, step
    assert error_words("cannot_connect") in walk.steps[-1].text
    step = submit(page, step, {"url": url})
    record(page, walk, "reconfigure", step)
    assert (step["element"], step["reason"]) == ("step-flow-abort", "pyaiot_reconfigured"), step
    assert CONFIG["abort"]["pyaiot_reconfigured"] in walk.steps[-1].text
    close_dialog(page)
    moved = ha.wait_for("the entry on the new broker", lambda: broker_entry(ha, url))
    assert moved["entry_id"] == entry["entry_id"]


def test_pyaiot_broker_flows_render_translated(ha: HaInstance, brokers: tuple[str, str], page: Page) -> None:
    first, second = brokers
    nobody = f"ws://127.0.0.1:{kernel_port()}/ws"
    walk = Walk()
    entry = add_broker(page, ha, walk, first, nobody)
    set_limits(page, ha, walk, entry)
    move_broker(page, ha, walk, entry, second, nobody)
    assert walk.problems == {}
    assert not [seen.screenshot for seen in walk.steps if not seen.text.strip()]
    print(f"\n[browser] {len(walk.steps)} Pyaiot broker flow steps checked")  # noqa: T201
