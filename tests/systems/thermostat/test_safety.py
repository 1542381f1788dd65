"""Fail-safe with repair and event, relays that do not follow, restarts, diagnostics."""

from datetime import time, timedelta
from typing import Any

from freezegun.api import FrozenDateTimeFactory
from homeassistant.const import STATE_OFF, STATE_ON
from homeassistant.core import HomeAssistant
from homeassistant.helpers import issue_registry as ir
import pytest
from pytest_homeassistant_custom_component.common import (
    MockConfigEntry,
    async_capture_events,
    async_fire_time_changed,
)
from pytest_homeassistant_custom_component.components.diagnostics import get_diagnostics_for_config_entry
from pytest_homeassistant_custom_component.typing import ClientSessionGenerator
from syrupy.assertion import SnapshotAssertion

from custom_components.pyiot.const import DOMAIN
from custom_components.pyiot.core.thermostat import RecurringRule, Schedule, Target
from custom_components.pyiot.systems.thermostat.const import EVENT_FAIL_SAFE as EVENT_THERMOSTAT_FAIL_SAFE
from tests.systems.thermostat.conftest import NO_PROTECTION, ZONE_DATA, set_temperature

CLIMATE = "climate.living_room"
HEATER = "input_boolean.heater"


@pytest.mark.allow_pyiot_warnings
async def test_all_sensors_stale_runs_fail_safe_with_repair_and_event(
    hass: HomeAssistant,
    zone: MockConfigEntry,
    freezer: FrozenDateTimeFactory,
    issue_registry: ir.IssueRegistry,
) -> None:
    events = async_capture_events(hass, EVENT_THERMOSTAT_FAIL_SAFE)
    assert hass.states.get(HEATER).state == STATE_ON

    freezer.tick(timedelta(minutes=31))  # default stale timeout: 30 min
    async_fire_time_changed(hass)
    await hass.async_block_till_done()
    assert hass.states.get(HEATER).state == STATE_OFF, "never keep heating on a held last value"
    assert hass.states.get(CLIMATE).attributes["fail_safe"] is True
    assert hass.states.get("sensor.living_room_decision").state == "fail_safe_off"
    assert issue_registry.async_get_issue(DOMAIN, "fail_safe_01ZONE") is not None
    assert [event.data["active"] for event in events] == [True]

    await set_temperature(hass, "office", 18.0)  # one sensor reports again
    assert hass.states.get(CLIMATE).attributes["fail_safe"] is False
    assert hass.states.get(HEATER).state == STATE_ON
    assert issue_registry.async_get_issue(DOMAIN, "fail_safe_01ZONE") is None
    assert [event.data["active"] for event in events] == [True, False]
    assert hass.states.get(CLIMATE).attributes["dropped_sensors"] == {"sensor.bedroom_temperature": "stale"}


@pytest.mark.allow_pyiot_warnings
@pytest.mark.parametrize(
    "zone_options", [{"protection": dict(NO_PROTECTION), "fail_safe": "frost_protection", "frost_duty": 25}]
)
async def test_unavailable_sensors_frost_protection(
    hass: HomeAssistant, zone: MockConfigEntry, zone_options: dict[str, Any]
) -> None:
    for room in ("office", "bedroom"):
        hass.states.async_set(f"sensor.{room}_temperature", "unavailable")
    await hass.async_block_till_done()
    decision = hass.states.get("sensor.living_room_decision")
    assert decision.state == "fail_safe_frost"
    assert decision.attributes["explanation"].endswith("frost protection heating 25 % of the time")


@pytest.mark.allow_pyiot_warnings
async def test_relay_that_does_not_follow_raises_repair(
    hass: HomeAssistant, equipment: None, freezer: FrozenDateTimeFactory, issue_registry: ir.IssueRegistry
) -> None:
    entry = MockConfigEntry(
        domain=DOMAIN,
        title="Living room",
        data={**ZONE_DATA, "heaters": ["switch.stuck_heater"]},
        options={"protection": dict(NO_PROTECTION)},
        entry_id="01ZONE",
    )
    entry.add_to_hass(hass)
    assert await hass.config_entries.async_setup(entry.entry_id)
    await hass.async_block_till_done()
    assert hass.states.get("switch.stuck_heater").state == "off", hass.states.async_entity_ids("switch")
    for step in range(12):  # retries back off 10 s, 20 s, 40 s, ... up to 5 min
        freezer.tick(timedelta(minutes=5))
        await set_temperature(hass, "office", 19.0 + step % 2 / 10)  # keep the sensors fresh
        await set_temperature(hass, "bedroom", 19.0 + step % 2 / 10)
        async_fire_time_changed(hass)
        await hass.async_block_till_done()
    assert issue_registry.async_get_issue(DOMAIN, "relay_01ZONE_switch.stuck_heater") is not None
    assert await hass.config_entries.async_unload(entry.entry_id)


async def test_schedule_survives_restart(
    hass: HomeAssistant, zone: MockConfigEntry, hass_storage: dict[str, Any]
) -> None:
    await hass.services.async_call(
        DOMAIN,
        "add_rule",
        {
            "entity_id": CLIMATE,
            "rule_id": "always",
            "kind": "cron",
            "cron": "* * * * *",
            "duration": "00:05:00",
            "temperature": 22,
        },
        blocking=True,
    )
    assert hass.states.get(CLIMATE).attributes["active_rule"] == "always"
    assert await hass.config_entries.async_unload(zone.entry_id)
    stored = hass_storage["pyiot.thermostat.01ZONE"]["data"]
    assert [rule["id"] for rule in stored["schedule"]["rules"]] == ["always"]

    assert await hass.config_entries.async_setup(zone.entry_id)
    await hass.async_block_till_done()
    assert hass.states.get(CLIMATE).attributes["active_rule"] == "always"


@pytest.mark.allow_pyiot_warnings
async def test_corrupt_storage_is_kept_aside(
    hass: HomeAssistant,
    equipment: None,
    zone_entry: MockConfigEntry,
    hass_storage: dict[str, Any],
    caplog: pytest.LogCaptureFixture,
) -> None:
    hass_storage["pyiot.thermostat.01ZONE"] = {
        "version": 1,
        "minor_version": 1,
        "key": "pyiot.thermostat.01ZONE",
        "data": {
            "schedule": {"version": 1, "rules": "garbage"},
            "controller": {"guards": {HEATER: {"is_on": "maybe"}}, "algorithm": {"bad": True}},
        },
    }
    assert await hass.config_entries.async_setup(zone_entry.entry_id)
    await hass.async_block_till_done()
    assert hass.states.get(CLIMATE).attributes["temperature"] == 20.0
    assert "schedule of Living room is unreadable" in caplog.text
    assert "forgets its relay history" in caplog.text
    aside = [key for key in hass_storage if key.startswith("pyiot.thermostat.01ZONE.corrupt.")]
    assert len(aside) == 1, "kept under a key with the time: a second corruption keeps the first copy"
    assert hass_storage[aside[0]]["data"]["schedule"]["rules"] == "garbage"


@pytest.mark.allow_pyiot_warnings
async def test_one_bad_rule_drops_only_that_rule(
    hass: HomeAssistant,
    equipment: None,
    zone_entry: MockConfigEntry,
    hass_storage: dict[str, Any],
    caplog: pytest.LogCaptureFixture,
) -> None:
    good = RecurringRule(
        rule_id="always",
        name="all day",
        target=Target(heat=22.0),
        weekdays=frozenset(range(7)),
        start=time(0),
        end=time(23, 59),
    )
    stored = Schedule(
        time_zone="UTC", default=Target(heat=20.0), sensors={"sensor.office_temperature": 1.0}, rules=[good]
    ).to_dict()
    stored["rules"].append({"kind": "recurring", "id": "broken"})
    hass_storage["pyiot.thermostat.01ZONE"] = {
        "version": 1,
        "minor_version": 1,
        "key": "pyiot.thermostat.01ZONE",
        "data": {"schedule": stored},
    }
    assert await hass.config_entries.async_setup(zone_entry.entry_id)
    await hass.async_block_till_done()
    assert hass.states.get(CLIMATE).attributes["temperature"] == 22.0, "the good rule still applies"
    issue = ir.async_get(hass).async_get_issue(DOMAIN, "dropped_rules_01ZONE")
    assert issue is not None
    assert issue.translation_placeholders["rules"].startswith("broken (")
    aside = issue.translation_placeholders["key"]
    assert hass_storage[aside]["data"]["records"][0]["data"] == {"kind": "recurring", "id": "broken"}
    assert caplog.text.count("stored rules left out") == 1


async def test_zone_diagnostics(
    hass: HomeAssistant,
    hass_client: ClientSessionGenerator,
    zone: MockConfigEntry,
    snapshot: SnapshotAssertion,
) -> None:
    diagnostics = await get_diagnostics_for_config_entry(hass, hass_client, zone)
    diagnostics["schedule"].pop("time_zone")
    for guard in diagnostics["guards"].values():
        guard["state"] = {key: value is not None for key, value in guard["state"].items()}
    assert diagnostics == snapshot


async def test_remove_zone_deletes_storage(
    hass: HomeAssistant, zone: MockConfigEntry, hass_storage: dict[str, Any]
) -> None:
    assert await hass.config_entries.async_unload(zone.entry_id)
    assert "pyiot.thermostat.01ZONE" in hass_storage
    await hass.config_entries.async_remove(zone.entry_id)
    await hass.async_block_till_done()
    assert "pyiot.thermostat.01ZONE" not in hass_storage


@pytest.mark.parametrize("bad", ["unknown", "unavailable", "NaN", "1e9", "warm", "inf"])
async def test_absurd_sensor_states_are_dropped(hass: HomeAssistant, zone: MockConfigEntry, bad: str) -> None:
    hass.states.async_set("sensor.bedroom_temperature", bad, {"device_class": "temperature"})
    await hass.async_block_till_done()
    state = hass.states.get(CLIMATE)
    assert state.attributes["current_temperature"] == 19.0, "the office sensor alone"
    assert state.attributes["sensors"] == {"sensor.office_temperature": 1.0}
    assert "sensor.bedroom_temperature" in state.attributes["dropped_sensors"]


async def test_heater_that_disappears(hass: HomeAssistant, zone: MockConfigEntry) -> None:
    assert hass.states.get(HEATER).state == STATE_ON
    hass.states.async_remove(HEATER)
    await set_temperature(hass, "office", 17.0)
    assert hass.states.get(CLIMATE).attributes["hvac_action"] == "idle", "no relay to drive"
    hass.states.async_set(HEATER, STATE_OFF)
    await hass.async_block_till_done()
    assert hass.states.get(HEATER).state == STATE_ON, "driven again once it is back"


async def test_expired_override_is_not_resurrected(
    hass: HomeAssistant, equipment: None, zone_entry: MockConfigEntry, hass_storage: dict[str, Any]
) -> None:
    hass_storage["pyiot.thermostat.01ZONE"] = {
        "version": 1,
        "minor_version": 1,
        "key": "pyiot.thermostat.01ZONE",
        "data": {
            "schedule": {
                "version": 1,
                "time_zone": "UTC",
                "default": {"heat": 20.0, "cool": None},
                "sensors": {"sensor.office_temperature": 1.0},
                "limits": {"minimum": 5.0, "maximum": 35.0},
                "lookahead": 2678400.0,
                "rules": [
                    {
                        "kind": "override",
                        "id": "override",
                        "name": "",
                        "target": {"heat": 25.0, "cool": None},
                        "sensors": None,
                        "start": "2020-01-01T00:00:00+00:00",
                        "end": "2020-01-01T02:00:00+00:00",
                    }
                ],
            }
        },
    }
    assert await hass.config_entries.async_setup(zone_entry.entry_id)
    await hass.async_block_till_done()
    state = hass.states.get(CLIMATE)
    assert (state.attributes["temperature"], state.attributes["active_rule"]) == (20.0, None)
    assert await hass.config_entries.async_unload(zone_entry.entry_id)
    assert hass_storage["pyiot.thermostat.01ZONE"]["data"]["schedule"]["rules"] == []
