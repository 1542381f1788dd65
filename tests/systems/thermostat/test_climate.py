"""The zone as a climate entity: heating decisions, the decision sensor, modes, presets, setpoints."""

from datetime import timedelta
from typing import Any

from homeassistant.components.climate import HVACAction, HVACMode
from homeassistant.const import STATE_OFF, STATE_ON
from homeassistant.core import HomeAssistant, State
from homeassistant.exceptions import ServiceValidationError
from homeassistant.util import dt as dt_util
import pytest
from pytest_homeassistant_custom_component.common import MockConfigEntry, mock_restore_cache
from syrupy.assertion import SnapshotAssertion

from tests.systems.thermostat.conftest import NO_PROTECTION, ZONE_DATA, set_temperature

CLIMATE = "climate.living_room"
DECISION = "sensor.living_room_decision"
HEATER = "input_boolean.heater"


async def test_heats_below_target_with_weighted_sensors(
    hass: HomeAssistant, zone: MockConfigEntry, snapshot: SnapshotAssertion
) -> None:
    state = hass.states.get(CLIMATE)
    # (2 * 19 + 1 * 19) / 3 = 19 < 20 - 0.3: heat.
    assert state.attributes["current_temperature"] == 19.0
    assert state.attributes["temperature"] == 20.0
    assert state.state == HVACMode.HEAT
    assert state.attributes["hvac_action"] == HVACAction.HEATING
    assert hass.states.get(HEATER).state == STATE_ON
    assert state.attributes["sensors"] == {
        "sensor.office_temperature": pytest.approx(0.667, abs=1e-3),
        "sensor.bedroom_temperature": pytest.approx(0.333, abs=1e-3),
    }
    decision = hass.states.get(DECISION)
    assert decision.state == "heating"
    assert (
        decision.attributes["explanation"] == "heating: 19.0 °C below 20.0 °C target from the default target"
    )

    await set_temperature(hass, "office", 21.0)  # (42 + 19) / 3 = 20.33 > 20 + 0.3
    assert hass.states.get(CLIMATE).attributes["current_temperature"] == 20.3
    assert hass.states.get(HEATER).state == STATE_OFF
    assert hass.states.get(CLIMATE).attributes["hvac_action"] == HVACAction.IDLE
    assert hass.states.get(DECISION).state == "idle"
    assert hass.states.get(CLIMATE) == snapshot(
        exclude=lambda prop, path: prop in {"last_changed", "last_reported", "last_updated", "context"}
    )


async def test_off_mode_and_presets(hass: HomeAssistant, zone: MockConfigEntry) -> None:
    await hass.services.async_call(
        "climate", "set_hvac_mode", {"entity_id": CLIMATE, "hvac_mode": "off"}, blocking=True
    )
    await hass.async_block_till_done()
    assert hass.states.get(HEATER).state == STATE_OFF
    assert hass.states.get(CLIMATE).attributes["hvac_action"] == HVACAction.OFF

    await hass.services.async_call(
        "climate", "set_hvac_mode", {"entity_id": CLIMATE, "hvac_mode": "heat"}, blocking=True
    )
    await hass.services.async_call(
        "climate", "set_preset_mode", {"entity_id": CLIMATE, "preset_mode": "away"}, blocking=True
    )
    await hass.async_block_till_done()
    state = hass.states.get(CLIMATE)
    assert (state.attributes["preset_mode"], state.attributes["temperature"]) == ("away", 16.0)
    assert hass.states.get(HEATER).state == STATE_OFF
    await hass.services.async_call(
        "climate", "set_preset_mode", {"entity_id": CLIMATE, "preset_mode": "none"}, blocking=True
    )
    assert hass.states.get(CLIMATE).attributes["temperature"] == 20.0


async def test_set_temperature_is_an_override(hass: HomeAssistant, zone: MockConfigEntry) -> None:
    await hass.services.async_call(
        "climate", "set_temperature", {"entity_id": CLIMATE, "temperature": 18.0}, blocking=True
    )
    await hass.async_block_till_done()
    state = hass.states.get(CLIMATE)
    assert state.attributes["temperature"] == 18.0
    # The source is named once, in words the UI translates: no rule is active under a manual setting.
    assert (state.attributes["source"], state.attributes["active_rule"]) == ("override", None)
    assert "active_rule_name" not in state.attributes
    assert hass.states.get(HEATER).state == STATE_OFF

    with pytest.raises(ServiceValidationError) as err:
        await hass.services.async_call(
            "climate", "set_temperature", {"entity_id": CLIMATE, "temperature": 60.0}, blocking=True
        )
    assert err.value.translation_key == "temp_out_of_range"  # HA checks min_temp/max_temp first


@pytest.mark.parametrize("zone_options", [{"protection": dict(NO_PROTECTION), "default_hold_minutes": 45}])
async def test_the_setpoint_holds_for_the_default_hold_and_schedule_resumes(
    hass: HomeAssistant, zone: MockConfigEntry, zone_options: dict[str, Any]
) -> None:
    """Without rules the card's setpoint holds for the default hold (an option), not for a month."""
    await hass.services.async_call(
        "climate", "set_preset_mode", {"entity_id": CLIMATE, "preset_mode": "eco"}, blocking=True
    )
    before = dt_util.utcnow()
    await hass.services.async_call(
        "climate", "set_temperature", {"entity_id": CLIMATE, "temperature": 22.5}, blocking=True
    )
    after = dt_util.utcnow()
    state = hass.states.get(CLIMATE)
    # A setpoint replaces the preset, else it would not take effect.
    assert (state.attributes["temperature"], state.attributes["preset_mode"]) == (22.5, "manual")
    assert "manual" not in state.attributes["preset_modes"]
    assert state.attributes["source"] == "override"
    end = dt_util.parse_datetime(state.attributes["next_change"])
    assert end is not None
    assert before + timedelta(minutes=45) <= end <= after + timedelta(minutes=45)

    # "Schedule" (preset none) resumes the schedule: the manual setting goes.
    await hass.services.async_call(
        "climate", "set_preset_mode", {"entity_id": CLIMATE, "preset_mode": "none"}, blocking=True
    )
    state = hass.states.get(CLIMATE)
    assert (state.attributes["temperature"], state.attributes["source"]) == (20.0, "default")
    assert state.attributes["preset_mode"] == "none"
    response = await hass.services.async_call(
        "pyiot", "get_schedule", {"entity_id": CLIMATE}, blocking=True, return_response=True
    )
    assert [rule["rule_id"] for rule in response[CLIMATE]["rules"]] == []

    # A preset names itself as the source, and choosing "Schedule" again changes nothing more.
    await hass.services.async_call(
        "climate", "set_preset_mode", {"entity_id": CLIMATE, "preset_mode": "comfort"}, blocking=True
    )
    assert hass.states.get(CLIMATE).attributes["source"] == "preset"
    for _ in range(2):
        await hass.services.async_call(
            "climate", "set_preset_mode", {"entity_id": CLIMATE, "preset_mode": "none"}, blocking=True
        )
        assert hass.states.get(CLIMATE).attributes["source"] == "default"


async def test_restores_mode_and_preset(
    hass: HomeAssistant, equipment: None, zone_entry: MockConfigEntry
) -> None:
    mock_restore_cache(hass, [State(CLIMATE, "off", {"preset_mode": "eco"})])
    assert await hass.config_entries.async_setup(zone_entry.entry_id)
    await hass.async_block_till_done()
    state = hass.states.get(CLIMATE)
    assert state.state == "off"
    assert state.attributes["preset_mode"] == "eco"
    assert hass.states.get(HEATER).state == STATE_OFF


@pytest.mark.parametrize(
    "zone_options",
    [
        {
            "protection": {
                "min_on_minutes": 5,
                "min_off_minutes": 5,
                "max_starts_per_hour": 4,
                "max_run_minutes": 0,
            }
        }
    ],
)
async def test_minimum_on_time_holds(
    hass: HomeAssistant, zone: MockConfigEntry, zone_options: dict[str, Any]
) -> None:
    assert hass.states.get(HEATER).state == STATE_ON
    await set_temperature(hass, "office", 23.0)
    await set_temperature(hass, "bedroom", 23.0)
    assert hass.states.get(HEATER).state == STATE_ON, "minimum on time keeps the heater on"
    decision = hass.states.get(DECISION)
    assert decision.state == "holding_min_on"
    assert decision.attributes["explanation"].startswith("holding on: minimum on time, ")


async def test_heat_cool_zone(hass: HomeAssistant, equipment: None) -> None:
    entry = MockConfigEntry(
        domain="pyiot",
        title="Living room",
        data={**ZONE_DATA, "coolers": ["input_boolean.cooler"]},
        options={"protection": dict(NO_PROTECTION), "default_temperature": 20.0},
    )
    entry.add_to_hass(hass)
    assert await hass.config_entries.async_setup(entry.entry_id)
    await hass.async_block_till_done()
    state = hass.states.get(CLIMATE)
    assert state.attributes["hvac_modes"] == ["off", "heat", "cool", "heat_cool"]

    await hass.services.async_call(
        "climate", "set_hvac_mode", {"entity_id": CLIMATE, "hvac_mode": "heat_cool"}, blocking=True
    )
    state = hass.states.get(CLIMATE)
    assert (state.attributes["target_temp_low"], state.attributes["target_temp_high"]) == (20.0, 23.0)
    assert state.attributes["temperature"] is None
    assert hass.states.get(HEATER).state == STATE_ON

    await hass.services.async_call(
        "climate",
        "set_temperature",
        {"entity_id": CLIMATE, "target_temp_low": 17.0, "target_temp_high": 18.0},
        blocking=True,
    )
    await hass.async_block_till_done()
    assert hass.states.get("input_boolean.cooler").state == STATE_ON
    assert hass.states.get(HEATER).state == STATE_OFF
    assert hass.states.get(CLIMATE).attributes["hvac_action"] == HVACAction.COOLING

    # In cool mode one temperature is the cooling setpoint; moving it below the heating one moves both.
    await hass.services.async_call(
        "climate",
        "set_temperature",
        {"entity_id": CLIMATE, "temperature": 16.0, "hvac_mode": "cool"},
        blocking=True,
    )
    state = hass.states.get(CLIMATE)
    assert (state.state, state.attributes["temperature"]) == ("cool", 16.0)
    assert await hass.config_entries.async_unload(entry.entry_id)
