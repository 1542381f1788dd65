"""Thermostat actions: rules, schedules, overrides, away periods and the schedule response."""

from datetime import timedelta
from typing import Any

from freezegun.api import FrozenDateTimeFactory
from homeassistant.core import HomeAssistant
from homeassistant.exceptions import ServiceValidationError
from homeassistant.util import dt as dt_util
import probatio as vol
import pytest
from pytest_homeassistant_custom_component.common import MockConfigEntry, async_fire_time_changed

from custom_components.pyiot.const import DOMAIN
from tests.systems.thermostat.conftest import NO_PROTECTION

CLIMATE = "climate.living_room"


async def call(hass: HomeAssistant, service: str, data: dict[str, Any] | None = None, **kwargs: Any) -> Any:
    return await hass.services.async_call(
        DOMAIN, service, {"entity_id": CLIMATE, **(data or {})}, blocking=True, **kwargs
    )


async def get_schedule(hass: HomeAssistant, hours: float = 24) -> dict[str, Any]:
    response = await call(hass, "get_schedule", {"hours": hours}, return_response=True)
    return response[CLIMATE]


@pytest.fixture
def zone_options() -> dict[str, Any]:
    """Sensors of these tests do not report again within the simulated hours."""
    return {"protection": dict(NO_PROTECTION), "default_temperature": 20.0, "stale_minutes": 600}


@pytest.fixture
async def morning(hass: HomeAssistant, freezer: FrozenDateTimeFactory) -> None:
    """Wednesday 2026-11-18 06:00 local time."""
    await hass.config.async_set_time_zone("Europe/Paris")
    freezer.move_to(dt_util.as_utc(dt_util.parse_datetime("2026-11-18T06:00:00+01:00")))


async def test_recurring_rule_sets_target_and_explains(
    hass: HomeAssistant, morning: None, zone: MockConfigEntry, freezer: FrozenDateTimeFactory
) -> None:
    await call(
        hass,
        "add_rule",
        {
            "rule_id": "weekday_morning",
            "name": "weekday morning",
            "kind": "recurring",
            "weekdays": ["mon", "tue", "wed", "thu", "fri"],
            "start": "06:30",
            "end": "08:30",
            "temperature": 21.5,
            "sensors": {"sensor.office_temperature": 1},
        },
    )
    schedule = await get_schedule(hass, hours=4)
    assert schedule["active"]["rule_id"] is None
    assert [
        (item["start"], item["rule_id"], item["target"]["heat"]) for item in schedule["instructions"]
    ] == [
        ("2026-11-18T05:00:00+00:00", None, 20.0),
        ("2026-11-18T05:30:00+00:00", "weekday_morning", 21.5),
        ("2026-11-18T07:30:00+00:00", None, 20.0),
    ]
    assert hass.states.get(CLIMATE).attributes["next_change"] == "2026-11-18T05:30:00+00:00"

    freezer.tick(timedelta(minutes=31))
    async_fire_time_changed(hass)
    await hass.async_block_till_done()
    state = hass.states.get(CLIMATE)
    assert state.attributes["temperature"] == 21.5
    assert state.attributes["active_rule"] == "weekday_morning"
    assert state.attributes["sensors"] == {"sensor.office_temperature": 1.0}
    assert hass.states.get("sensor.living_room_decision").attributes["explanation"] == (
        "heating: 19.0 °C below 21.5 °C target from rule 'weekday morning'"
    )

    await call(hass, "remove_rule", {"rule_id": "weekday_morning"})
    assert hass.states.get(CLIMATE).attributes["temperature"] == 20.0


async def test_away_override_and_clear(hass: HomeAssistant, morning: None, zone: MockConfigEntry) -> None:
    await call(
        hass,
        "set_away",
        {"start": "2026-11-18T05:00:00", "end": "2026-11-25T20:00:00", "minimum_temperature": 12},
    )
    state = hass.states.get(CLIMATE)
    assert (state.attributes["temperature"], state.attributes["source"]) == (12.0, "away")
    assert hass.states.get("input_boolean.heater").state == "off"

    await call(hass, "set_override", {"temperature": 22, "duration": {"hours": 2}})
    state = hass.states.get(CLIMATE)
    assert (state.attributes["temperature"], state.attributes["source"]) == (22.0, "override")
    assert state.attributes["active_rule"] is None
    await call(hass, "clear_override")
    assert hass.states.get(CLIMATE).attributes["temperature"] == 12.0

    await call(hass, "set_override", {"temperature": 23, "until": "2026-11-18T07:00:00+01:00"})
    assert hass.states.get(CLIMATE).attributes["next_change"] == "2026-11-18T06:00:00+00:00"


async def test_cron_and_dated_rules_via_set_schedule(
    hass: HomeAssistant, morning: None, zone: MockConfigEntry
) -> None:
    await call(
        hass,
        "set_schedule",
        {
            "rules": [
                {
                    "rule_id": "cron",
                    "kind": "cron",
                    "cron": "0 7 * * *",
                    "duration": "01:00:00",
                    "temperature": 21,
                },
                {"rule_id": "holiday", "kind": "dated", "dates": "2026-12-21/2026-12-28", "temperature": 12},
                {
                    "rule_id": "range",
                    "kind": "recurring",
                    "weekdays": ["sat"],
                    "start": "10:00",
                    "end": "12:00",
                    "target_temp_low": 19,
                    "target_temp_high": 24,
                },
            ]
        },
    )
    schedule = await get_schedule(hass, hours=2)
    assert [rule["rule_id"] for rule in schedule["rules"]] == ["cron", "holiday", "range"]
    # The weekdays come back as add_rule takes them: one vocabulary, `mon` ... `sun`.
    assert (schedule["rules"][2]["weekdays"], schedule["rules"][2]["start"]) == (["sat"], "10:00")
    assert [item["rule_id"] for item in schedule["instructions"]] == [None, "cron"]


@pytest.mark.parametrize(
    ("service", "data", "key"),
    [
        (
            "add_rule",
            {"rule_id": "x", "kind": "dated", "dates": "2026-12-28/2026-12-21", "temperature": 12},
            "end_before_start",
        ),
        (
            "add_rule",
            {"rule_id": "x", "kind": "dated", "dates": "next week", "temperature": 12},
            "invalid_iso",
        ),
        (
            "add_rule",
            {"rule_id": "x", "kind": "cron", "cron": "61 * * * *", "duration": "01:00:00", "temperature": 20},
            "invalid_cron",
        ),
        ("add_rule", {"rule_id": "x", "kind": "cron", "temperature": 20}, "invalid_data"),
        ("add_rule", {"rule_id": "x", "kind": "recurring", "temperature": 20}, "invalid_data"),
        ("add_rule", {"rule_id": "x", "kind": "dated", "temperature": 20}, "invalid_data"),
        (
            "add_rule",
            {
                "rule_id": "x",
                "kind": "recurring",
                "weekdays": ["mon"],
                "start": "08:00",
                "end": "08:00",
                "temperature": 20,
            },
            "empty_block",
        ),
        (
            "add_rule",
            {"rule_id": "x", "kind": "recurring", "weekdays": ["mon"], "start": "08:00", "end": "09:00"},
            "target_empty",
        ),
        (
            "add_rule",
            {
                "rule_id": "x",
                "kind": "recurring",
                "weekdays": ["mon"],
                "start": "08:00",
                "end": "09:00",
                "temperature": 99,
            },
            "target_out_of_range",
        ),
        (
            "add_rule",
            {
                "rule_id": "x",
                "kind": "recurring",
                "weekdays": ["mon"],
                "start": "08:00",
                "end": "09:00",
                "target_temp_low": 24,
                "target_temp_high": 19,
            },
            "heat_above_cool",
        ),
        (
            "add_rule",
            {
                "rule_id": "x",
                "kind": "recurring",
                "weekdays": ["mon"],
                "start": "08:00",
                "end": "09:00",
                "temperature": 20,
                "sensors": {"sensor.a": -1},
            },
            "invalid_weight",
        ),
        ("remove_rule", {"rule_id": "nope"}, "unknown_rule"),
        (
            "set_away",
            {"start": "2026-12-28T00:00", "end": "2026-12-21T00:00", "minimum_temperature": 12},
            "end_before_start",
        ),
        ("set_override", {"temperature": 21, "until": "2020-01-01T00:00:00+00:00"}, "invalid_duration"),
        ("set_schedule", {"rules": [{"rule_id": "a", "kind": "cron", "temperature": 20}]}, "invalid_data"),
    ],
)
async def test_invalid_input_is_a_translated_validation_error(
    hass: HomeAssistant, morning: None, zone: MockConfigEntry, service: str, data: dict[str, Any], key: str
) -> None:
    before = await get_schedule(hass)
    with pytest.raises(ServiceValidationError) as err:
        await call(hass, service, data)
    assert err.value.translation_key == key
    assert err.value.translation_domain == DOMAIN
    assert str(err.value)  # the message renders from translations/en.json
    assert await get_schedule(hass) == before, "a rejected change leaves the schedule as it was"


@pytest.mark.parametrize(
    ("service", "data"),
    [
        ("set_away", {"start": "soon", "end": "2026-12-21T00:00", "minimum_temperature": 12}),
        ("set_override", {"temperature": 21, "until": "tomorrow"}),
        ("set_override", {"temperature": 21, "duration": "a while"}),
    ],
)
async def test_moments_and_durations_are_home_assistant_syntax(
    hass: HomeAssistant, morning: None, zone: MockConfigEntry, service: str, data: dict[str, Any]
) -> None:
    """One parser for moments (`cv.datetime`) and one syntax for durations (`cv.time_period`)."""
    before = await get_schedule(hass)
    with pytest.raises(vol.Invalid):
        await call(hass, service, data)
    assert await get_schedule(hass) == before
