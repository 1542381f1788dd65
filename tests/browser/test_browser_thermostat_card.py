"""HA's own thermostat card on a PyIoT zone: it shows what the zone does, and changes take effect."""

from datetime import UTC, datetime, timedelta

from browser_harness import (  # type: ignore[import-not-found]
    ROOM_NUMBER,
    HaInstance,
    screenshot,
    show_dashboard,
)
from flow_walker import DEEP_TEXT  # type: ignore[import-not-found]
from playwright.sync_api import Locator, Page

PRESETS = ["none", "away", "eco", "comfort", "sleep", "boost"]


def card_text(card: Locator) -> str:
    return str(card.evaluate(DEEP_TEXT))


def options(card: Locator) -> dict[str, bool]:
    radios = card.get_by_role("radio")
    return {
        str(radios.nth(i).get_attribute("aria-label")): radios.nth(i).get_attribute("aria-checked") == "true"
        for i in range(radios.count())
    }


def open_card(page: Page, ha: HaInstance, climate: str) -> Locator:
    features = [
        {"type": "climate-hvac-modes", "hvac_modes": ["off", "heat"]},
        {"type": "climate-preset-modes", "style": "icons", "preset_modes": PRESETS},
    ]
    show_dashboard(page, ha, [{"type": "thermostat", "entity": climate, "features": features}])
    card = page.locator("hui-thermostat-card")
    card.wait_for()
    return card


def test_the_thermostat_card_shows_the_zone_and_its_setpoint_takes_effect(ha: HaInstance, page: Page) -> None:
    climate = ha.add_demo_zone()
    ha.call("input_number", "set_value", {"entity_id": ROOM_NUMBER, "value": 19.0})
    ha.call("climate", "set_preset_mode", {"entity_id": climate, "preset_mode": "none"})
    ha.call("climate", "set_hvac_mode", {"entity_id": climate, "hvac_mode": "heat"})
    ha.wait_for(
        "the zone heating at 19 °C", lambda: ha.state(climate)["attributes"]["hvac_action"] == "heating"
    )
    state = ha.state(climate)
    target = state["attributes"]["temperature"]
    step = state["attributes"].get("target_temp_step") or 0.1

    card = open_card(page, ha, climate)
    card.get_by_text("Heating").first.wait_for()
    text = card_text(card)
    assert "19 °C" in text, text  # current temperature
    assert f"{int(target)}" in text, text  # target
    shown = options(card)
    assert shown["Off"] is False
    assert shown["Heat"] is True
    assert {"Schedule", "Away", "Eco", "Comfort", "Sleep", "Boost"} <= shown.keys(), shown
    assert shown["Schedule"] is True
    screenshot(page, "thermostat-card")

    # The setpoint: five taps on "+" become one set_temperature after the card's debounce.
    plus = card.locator("ha-outlined-icon-button").nth(1)
    for _ in range(5):
        plus.click()
    wanted = round(target + 5 * step, 1)
    ha.wait_for(f"the setpoint {wanted}", lambda: ha.state(climate)["attributes"]["temperature"] == wanted)
    attributes = ha.state(climate)["attributes"]
    assert (attributes["source"], attributes["active_rule"]) == ("override", None)
    # The zone has no schedule rules: the setpoint holds for the default hold, not for a month.
    held_for = datetime.fromisoformat(attributes["next_change"]) - datetime.now(UTC)
    assert timedelta(hours=1, minutes=55) < held_for <= timedelta(hours=2), held_for
    card.get_by_text(f"{wanted:.1f}".split(".")[1]).first.wait_for()
    # While the manual setting holds, "Schedule" is not the selected preset: choosing it resumes.
    card.get_by_role("radio", name="Schedule", checked=False).wait_for()
    screenshot(page, "thermostat-card-setpoint")
    card.get_by_role("radio", name="Schedule").click()
    ha.wait_for("the schedule resumed", lambda: ha.state(climate)["attributes"]["source"] == "default")
    attributes = ha.state(climate)["attributes"]
    assert (attributes["temperature"], attributes["preset_mode"]) == (target, "none")
    card.get_by_role("radio", name="Schedule", checked=True).wait_for()
    screenshot(page, "thermostat-card-resumed")

    # Modes take effect from the card too.
    card.get_by_role("radio", name="Off").click()
    ha.wait_for("mode off", lambda: ha.state(climate)["state"] == "off")
    card.get_by_role("radio", name="Heat").click()
    ha.wait_for("mode heat", lambda: ha.state(climate)["state"] == "heat")
    card.get_by_role("radio", name="Eco").click()
    ha.wait_for("preset eco", lambda: ha.state(climate)["attributes"]["preset_mode"] == "eco")
    ha.call("climate", "set_preset_mode", {"entity_id": climate, "preset_mode": "none"})
    screenshot(page, "thermostat-card-preset")
