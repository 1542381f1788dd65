"""PyIoT's schedule card in a real browser: listed in the card picker, draws the demo zone's week from the
engine, and edits made in its UI reach the engine (websocket `get`, the `pyiot.get_schedule` action)
and survive a restart of Home Assistant; a refused edit shows the integration's translated error.
"""

from collections.abc import Iterator
from datetime import datetime, timedelta
from typing import Any

from browser_harness import (  # type: ignore[import-not-found]
    ARTIFACTS,
    ROOM_NUMBER,
    HaInstance,
    call_ws,
    navigate,
    screenshot,
    show_dashboard,
    translation_problems,
)
from flow_walker import DEEP_TEXT  # type: ignore[import-not-found]
from playwright.sync_api import Locator, Page
import pytest

CARD = "pyiot-schedule-card"
ALL_DAYS = ["mon", "tue", "wed", "thu", "fri", "sat", "sun"]
SCHEDULE = [
    {
        "rule_id": "weekday_morning",
        "name": "weekday morning",
        "kind": "recurring",
        "weekdays": ALL_DAYS[:5],
        "start": "06:30",
        "end": "08:30",
        "temperature": 22,
    },
    {
        "rule_id": "evening",
        "name": "evening",
        "kind": "recurring",
        "weekdays": ALL_DAYS,
        "start": "17:00",
        "end": "22:00",
        "temperature": 20.5,
    },
]
EDITED_DAY = "wed"
"""The row the test edits: free between 08:30 and 17:00."""


def text(locator: Locator) -> str:
    return str(locator.evaluate(DEEP_TEXT))


def schedule_state(page: Page, climate: str) -> dict[str, Any]:
    return dict(call_ws(page, {"type": "pyiot/schedule/get", "entity_id": climate}))


def get_schedule_action(ha: HaInstance, climate: str) -> dict[str, Any]:
    """The response of the `pyiot.get_schedule` action for the zone, through HA's REST API."""
    answer = ha.api.request(
        "POST", "/api/services/pyiot/get_schedule?return_response", {"entity_id": climate, "hours": 48}
    )
    return dict(answer["service_response"][climate])


def blocks_of(state: dict[str, Any], weekday: str) -> list[dict[str, Any]]:
    day = next(day for day in state["schedule"]["days"] if day["weekday"] == weekday)
    return list(day["blocks"])


def own_block(state: dict[str, Any]) -> dict[str, Any] | None:
    """The block the test made on EDITED_DAY (neither of the SCHEDULE's rules)."""
    ours = [
        block
        for block in blocks_of(state, EDITED_DAY)
        if block["rule_id"] not in {"weekday_morning", "evening"}
    ]
    return ours[0] if len(ours) == 1 else None


def open_schedule_card(page: Page, ha: HaInstance, climate: str) -> Locator:
    show_dashboard(page, ha, [{"type": f"custom:{CARD}", "entity": climate}])
    card = page.locator(CARD)
    card.locator(".row").first.wait_for()
    return card


def track(card: Locator, weekday: str) -> Locator:
    return card.locator(f'.row[data-weekday="{weekday}"] .track')


def block_in_card(card: Locator, rule_id: str) -> Locator:
    return card.locator(f'.row[data-weekday="{EDITED_DAY}"] .block[data-rule="{rule_id}"]')


def add_block_at_noon(page: Page, ha: HaInstance, card: Locator, climate: str) -> dict[str, Any]:
    """Click the EDITED_DAY's row at 12:00 (the card adds an hour's block there); the engine's block."""
    row = track(card, EDITED_DAY)
    box = row.bounding_box()
    assert box is not None
    row.click(position={"x": box["width"] * 12 / 24, "y": box["height"] / 2})
    added: dict[str, Any] = ha.wait_for("the added block", lambda: own_block(schedule_state(page, climate)))
    block_in_card(card, added["rule_id"]).wait_for()
    return added


def drag_block(page: Page, card: Locator, rule_id: str, minutes: float) -> None:
    """Drag a block along its row by `minutes`, with the mouse, in a few moves as a hand does."""
    box = track(card, EDITED_DAY).bounding_box()
    block = block_in_card(card, rule_id).bounding_box()
    assert box is not None
    assert block is not None
    x, y = block["x"] + block["width"] / 2, block["y"] + block["height"] / 2
    page.mouse.move(x, y)
    page.mouse.down()
    page.mouse.move(x + box["width"] * minutes / 2880, y, steps=4)
    page.mouse.move(x + box["width"] * minutes / 1440, y, steps=4)
    page.mouse.up()


def set_override_in_card(card: Locator, temperature: float, hours: int) -> None:
    """The card's manual setting panel: a temperature for `hours`."""
    card.locator(".open-override").click()
    panel = card.locator(".override-panel")
    panel.locator(".temperature").fill(f"{temperature}")
    panel.locator(".temperature").dispatch_event("change")
    panel.locator(".hold").select_option(str(hours))
    panel.locator(".save").click()


@pytest.fixture
def zone(ha: HaInstance) -> Iterator[str]:
    """The demo zone with a known week, heating, following its schedule; left without rules again."""
    climate = ha.add_demo_zone()
    ha.call("input_number", "set_value", {"entity_id": ROOM_NUMBER, "value": 19.0})
    ha.call("climate", "set_hvac_mode", {"entity_id": climate, "hvac_mode": "heat"})
    ha.call("climate", "set_preset_mode", {"entity_id": climate, "preset_mode": "none"})
    ha.call("pyiot", "clear_override", {"entity_id": climate})
    ha.call("pyiot", "set_schedule", {"entity_id": climate, "rules": SCHEDULE})
    yield climate
    ha.call("pyiot", "clear_override", {"entity_id": climate})
    ha.call("pyiot", "set_schedule", {"entity_id": climate, "rules": []})


def test_the_card_is_listed_in_the_card_picker(ha: HaInstance, page: Page, zone: str) -> None:
    show_dashboard(page, ha, [{"type": "markdown", "content": "PyIoT"}], url_path="pyiot-picker")
    navigate(page, ha.url + "/pyiot-picker/0?edit=1")
    page.get_by_role("button", name="Add card").first.click()
    page.get_by_role("tab", name="By card").click()
    picker = page.locator("hui-card-picker")
    picker.locator("input").first.fill("PyIoT")
    option = picker.locator(".card", has_text="PyIoT schedule").first
    option.wait_for()
    assert "A thermostat zone's week" in text(option)
    screenshot(page, "schedule-card-picker")
    option.click()
    # Its visual editor opens with the zone of its stub config, and the preview draws that zone's week.
    editor = page.locator(f"{CARD}-editor")
    editor.wait_for()
    preview = page.locator(CARD)
    preview.locator(".row").first.wait_for()
    assert preview.evaluate("card => card._config.entity") == zone
    assert "Browser zone" in text(editor)
    assert translation_problems(text(editor)) == []
    screenshot(page, "schedule-card-editor")
    page.get_by_role("button", name="Save").click()
    editor.wait_for(state="detached")
    config = call_ws(page, {"type": "lovelace/config", "url_path": "pyiot-picker"})
    cards = config["views"][0]["cards"]
    assert {"type": f"custom:{CARD}", "entity": zone}.items() <= cards[-1].items(), cards


def test_the_card_draws_the_zones_week(ha: HaInstance, page: Page, zone: str) -> None:
    card = open_schedule_card(page, ha, zone)
    card.locator(".explanation").wait_for()
    assert card.locator(".row").count() == 7
    for weekday in ALL_DAYS:
        labels = card.locator(f'.row[data-weekday="{weekday}"] .block .label').all_inner_texts()
        assert labels == (["22 °C", "20.5 °C"] if weekday in ALL_DAYS[:5] else ["20.5 °C"]), (weekday, labels)
    state = schedule_state(page, zone)
    today = next(
        day["weekday"]
        for day in state["schedule"]["days"]
        if day["start"] <= state["schedule"]["now"] < day["end"]
    )
    assert card.locator(".now").count() == 1
    assert card.locator(f'.row[data-weekday="{today}"] .now').count() == 1
    # The next change and the decision are the engine's, in the card's words.
    upcoming = state["schedule"]["next_change"]
    assert upcoming is not None
    assert text(card.locator(".next")).startswith("Next: "), text(card.locator(".next"))
    assert f"{upcoming['target']['heat']:g} °C" in text(card.locator(".next"))
    decision = zone.replace("climate.", "sensor.") + "_decision"
    ha.wait_for(
        "the card's explanation to be the Decision sensor's",
        lambda: text(card.locator(".explanation")) == ha.state(decision)["attributes"]["explanation"],
    )
    assert text(card.locator(".source")).startswith("Now: ")
    assert translation_problems(text(card)) == []
    screenshot(page, "schedule-card")
    card.screenshot(path=str(ARTIFACTS / "schedule-card-only.png"))


def test_edits_in_the_card_reach_the_engine_and_survive_a_restart(
    ha: HaInstance, page: Page, zone: str
) -> None:
    card = open_schedule_card(page, ha, zone)

    # Add: a click on a free part of the day adds an hour's block there (12:00, snapped to 15 min).
    added = add_block_at_noon(page, ha, card, zone)
    assert (added["start"], added["end"]) == ("12:00", "13:00"), added
    assert added["weekdays"] == [EDITED_DAY]

    # Move: drag the block an hour later.
    drag_block(page, card, added["rule_id"], minutes=60)
    moved = ha.wait_for(
        "the moved block",
        lambda: (found := own_block(schedule_state(page, zone))) and found["start"] == "13:00" and found,
    )
    assert moved["end"] == "14:00", moved

    # Override: a manual setting for 2 h from the card's panel.
    set_override_in_card(card, 23.5, hours=2)
    card.locator(".period.override").wait_for()
    state = schedule_state(page, zone)
    override = state["schedule"]["override"]
    assert override is not None
    assert override["target"] == {"heat": 23.5, "cool": None}
    held = datetime.fromisoformat(override["end"]) - datetime.fromisoformat(state["schedule"]["now"])
    assert timedelta(hours=1, minutes=59) < held <= timedelta(hours=2), held
    ha.wait_for("the override in force", lambda: ha.state(zone)["attributes"]["temperature"] == 23.5)
    assert "23.5 °C" in text(card.locator(".period.override"))
    screenshot(page, "schedule-card-edited")
    card.screenshot(path=str(ARTIFACTS / "schedule-card-edited-only.png"))  # the README's picture

    def in_the_action_response() -> dict[str, Any]:
        response = get_schedule_action(ha, zone)
        rules = {rule["rule_id"]: rule for rule in response["rules"]}
        ours = rules[moved["rule_id"]]
        assert ours["weekdays"] == [EDITED_DAY], ours
        assert (ours["start"], ours["end"]) == ("13:00", "14:00"), ours
        assert response["active"]["rule_id"] == "override", response["active"]
        assert rules["evening"]["weekdays"] == ALL_DAYS
        return response

    in_the_action_response()

    # A restart of Home Assistant changes nothing: the week is in HA's storage, not in the browser.
    ha.restart()
    navigate(page, ha.url + "/")
    page.wait_for_function("() => document.querySelector('home-assistant')?.hass?.connected === true")
    card = open_schedule_card(page, ha, zone)
    block_in_card(card, moved["rule_id"]).wait_for()
    card.locator(".period.override").wait_for()
    after = schedule_state(page, zone)
    assert own_block(after) == moved
    assert after["schedule"]["override"] == override
    in_the_action_response()
    screenshot(page, "schedule-card-after-restart")

    # Resume the schedule from the card: the override goes.
    card.locator(".clear-override").click()
    card.locator(".period.override").wait_for(state="detached")
    assert schedule_state(page, zone)["schedule"]["override"] is None
    assert get_schedule_action(ha, zone)["active"]["rule_id"] != "override"


def test_a_refused_edit_shows_the_translated_error(ha: HaInstance, page: Page, zone: str) -> None:
    card = open_schedule_card(page, ha, zone)
    added = add_block_at_noon(page, ha, card, zone)
    before = schedule_state(page, zone)["schedule"]["revision"]

    # Stretch it into the evening block: the engine refuses, the card says why in the user's words.
    block_in_card(card, added["rule_id"]).click()
    panel = card.locator(".block-panel")
    panel.locator(".block-end").fill("18:00")
    panel.locator(".block-end").dispatch_event("change")
    panel.locator(".save").click()
    alert = card.locator(".error[role=alert]")
    alert.wait_for()
    expected = page.evaluate(
        """(values) => document.querySelector('home-assistant').hass.localize(
            'component.pyiot.exceptions.blocks_overlap.message', values)""",
        {"rule_id": added["rule_id"], "weekday": EDITED_DAY, "other": "evening", "other_weekday": EDITED_DAY},
    )
    assert expected, "the integration's exception translations are loaded in the frontend"
    assert text(alert) == f"The change was refused: {expected}", text(alert)
    assert translation_problems(text(card)) == []
    screenshot(page, "schedule-card-refused")
    assert schedule_state(page, zone)["schedule"]["revision"] == before
    assert own_block(schedule_state(page, zone)) == added
