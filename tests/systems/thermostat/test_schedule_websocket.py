"""The schedule card's websocket commands on a real zone: the week, live updates, edits and refusals."""

from typing import Any

from freezegun.api import FrozenDateTimeFactory
from homeassistant.core import HomeAssistant
from homeassistant.util import dt as dt_util
import pytest
from pytest_homeassistant_custom_component.common import MockConfigEntry
from pytest_homeassistant_custom_component.typing import WebSocketGenerator

from custom_components.pyiot.const import DOMAIN
from tests.systems.thermostat.conftest import NO_PROTECTION

CLIMATE = "climate.living_room"
MORNING = {
    "op": "add_block",
    "weekdays": ["mon", "tue", "wed", "thu", "fri"],
    "start": "06:30",
    "end": "08:30",
    "target": {"heat": 21.5, "cool": None},
    "name": "weekday morning",
}


@pytest.fixture
def zone_options() -> dict[str, Any]:
    """Sensors of these tests do not report again within the test."""
    return {"protection": dict(NO_PROTECTION), "default_temperature": 20.0, "stale_minutes": 600}


@pytest.fixture
async def morning(hass: HomeAssistant, freezer: FrozenDateTimeFactory) -> None:
    """Wednesday 2026-11-18 06:00 local time."""
    await hass.config.async_set_time_zone("Europe/Paris")
    freezer.move_to(dt_util.as_utc(dt_util.parse_datetime("2026-11-18T06:00:00+01:00")))


async def test_edit_reaches_the_engine_and_the_subscribers(
    hass: HomeAssistant, morning: None, zone: MockConfigEntry, hass_ws_client: WebSocketGenerator
) -> None:
    client = await hass_ws_client(hass)
    await client.send_json_auto_id({"type": "pyiot/schedule/subscribe", "entity_id": CLIMATE})
    subscribed = await client.receive_json()
    assert subscribed["success"]
    first = await client.receive_json()
    assert first["type"] == "event"
    assert first["event"]["entity_id"] == CLIMATE
    revision = first["event"]["schedule"]["revision"]

    await client.send_json_auto_id(
        {"type": "pyiot/schedule/edit", "entity_id": CLIMATE, "edit": MORNING, "revision": revision}
    )
    answers = [await client.receive_json(), await client.receive_json()]
    result = next(answer for answer in answers if answer["type"] == "result")
    event = next(answer for answer in answers if answer["type"] == "event")
    assert result["success"], result
    assert result["result"]["schedule"]["revision"] != revision
    assert event["event"]["schedule"]["revision"] == result["result"]["schedule"]["revision"]

    # The same rule is what the action `get_schedule` shows: one engine, one vocabulary.
    response = await hass.services.async_call(
        DOMAIN, "get_schedule", {"entity_id": CLIMATE}, blocking=True, return_response=True
    )
    rules = response[CLIMATE]["rules"]
    assert [rule["name"] for rule in rules] == ["weekday morning"]

    await client.send_json_auto_id({"type": "pyiot/schedule/get", "entity_id": CLIMATE})
    state = await client.receive_json()
    assert state["success"]
    assert state["result"]["schedule"]["revision"] == result["result"]["schedule"]["revision"]


async def test_refusals_are_translated(
    hass: HomeAssistant, morning: None, zone: MockConfigEntry, hass_ws_client: WebSocketGenerator
) -> None:
    client = await hass_ws_client(hass)
    await client.send_json_auto_id(
        {"type": "pyiot/schedule/edit", "entity_id": CLIMATE, "edit": {**MORNING, "start": "25:00"}}
    )
    refused = await client.receive_json()
    assert not refused["success"]
    assert refused["error"]["code"] == "schedule_error"
    assert refused["error"]["translation_key"] == "invalid_time"
    assert refused["error"]["translation_domain"] == DOMAIN

    await client.send_json_auto_id(
        {"type": "pyiot/schedule/edit", "entity_id": CLIMATE, "edit": MORNING, "revision": "stale"}
    )
    stale = await client.receive_json()
    assert stale["error"]["translation_key"] == "schedule_changed"

    await client.send_json_auto_id({"type": "pyiot/schedule/edit", "entity_id": CLIMATE, "edit": {}})
    no_op = await client.receive_json()
    assert no_op["error"]["translation_key"] == "invalid_edit"

    hass.states.async_set("climate.somebody_else", "heat")
    for command in ("get", "subscribe"):
        await client.send_json_auto_id(
            {"type": f"pyiot/schedule/{command}", "entity_id": "climate.somebody_else"}
        )
        other = await client.receive_json()
        assert other["error"]["code"] == "not_a_zone"
    await client.send_json_auto_id(
        {"type": "pyiot/schedule/edit", "entity_id": "climate.somebody_else", "edit": MORNING}
    )
    assert (await client.receive_json())["error"]["translation_key"] == "not_a_zone"
