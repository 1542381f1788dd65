"""Thermostat config, options and reconfigure flows."""

from typing import Any

from homeassistant.config_entries import SOURCE_USER
from homeassistant.core import HomeAssistant
from homeassistant.data_entry_flow import FlowResultType
from homeassistant.helpers import device_registry as dr, entity_registry as er
import pytest
from pytest_homeassistant_custom_component.common import MockConfigEntry

from custom_components.pyiot.const import DOMAIN
from tests.systems.thermostat.conftest import ZONE_DATA

EQUIPMENT = {
    "name": "Living room",
    "heaters": ["input_boolean.heater"],
    "coolers": [],
    "sensors": ["sensor.office_temperature", "sensor.bedroom_temperature"],
    "outdoor_sensor": "sensor.outdoor_temperature",
}
TUNING: dict[str, Any] = {
    "algorithm": "tpi",
    "aggregate_method": "median",
    "default_temperature": 19.5,
    "stale_minutes": 20,
    "fail_safe": "frost_protection",
    "frost_duty": 15,
    "target_temp_step": 0.5,
    "optimum_start": True,
    "protection": {
        "min_on_minutes": 2,
        "min_off_minutes": 4,
        "max_starts_per_hour": 6,
        "max_run_minutes": 120,
    },
    "presets": {"away": 15, "eco": 17, "comfort": 21, "sleep": 18, "boost": 23},
}


pytestmark = pytest.mark.usefixtures("mock_setup_entry")


async def test_full_thermostat_flow(hass: HomeAssistant) -> None:
    result = await hass.config_entries.flow.async_init(DOMAIN, context={"source": SOURCE_USER})
    result = await hass.config_entries.flow.async_configure(result["flow_id"], {"next_step_id": "thermostat"})
    assert result["step_id"] == "thermostat"

    result = await hass.config_entries.flow.async_configure(result["flow_id"], {**EQUIPMENT, "heaters": []})
    assert result["errors"] == {"base": "no_equipment"}
    result = await hass.config_entries.flow.async_configure(
        result["flow_id"], {**EQUIPMENT, "coolers": ["input_boolean.heater"]}
    )
    assert result["errors"] == {"base": "relay_in_both"}
    result = await hass.config_entries.flow.async_configure(result["flow_id"], {**EQUIPMENT, "sensors": []})
    assert result["errors"] == {"sensors": "no_sensors"}

    many = [f"sensor.room_{number}_temperature" for number in range(13)]
    result = await hass.config_entries.flow.async_configure(result["flow_id"], {**EQUIPMENT, "sensors": many})
    assert result["errors"] == {"sensors": "too_many_sensors"}

    # The weights are labelled with the sensors' names and their devices, not their entity ids.
    hass.states.async_set("sensor.office_temperature", "19", {"friendly_name": "Office temperature"})
    thermometer = MockConfigEntry(domain="demo")
    thermometer.add_to_hass(hass)
    device = dr.async_get(hass).async_get_or_create(
        config_entry_id=thermometer.entry_id, identifiers={("demo", "thermo")}, name="Bedroom thermometer"
    )
    er.async_get(hass).async_get_or_create(
        "sensor",
        "demo",
        "bedroom",
        suggested_object_id="bedroom_temperature",
        device_id=device.id,
        original_name="Temperature",
    )
    result = await hass.config_entries.flow.async_configure(result["flow_id"], EQUIPMENT)
    assert result["step_id"] == "thermostat_weights"
    assert result["description_placeholders"] == {
        "sensor_1": "Office temperature",
        "sensor_2": "Temperature (Bedroom thermometer)",
    }
    result = await hass.config_entries.flow.async_configure(
        result["flow_id"], {"weight_1": 2.0, "weight_2": 1.0}
    )
    assert result["step_id"] == "thermostat_tuning"

    bad = {**TUNING, "protection": {**TUNING["protection"], "max_run_minutes": 1}}
    result = await hass.config_entries.flow.async_configure(result["flow_id"], bad)
    assert result["errors"] == {"base": "invalid_guard"}

    result = await hass.config_entries.flow.async_configure(result["flow_id"], TUNING)
    assert result["step_id"] == "thermostat_optimum_start"  # asked only because it is on
    result = await hass.config_entries.flow.async_configure(result["flow_id"], {"max_lead_minutes": 120})
    assert result["step_id"] == "thermostat_algorithm"
    assert result["description_placeholders"] == {"algorithm": "tpi"}
    result = await hass.config_entries.flow.async_configure(
        result["flow_id"], {"c_int": 0.5, "c_ext": 0.02, "cycle_minutes": 10}
    )
    assert result["type"] is FlowResultType.CREATE_ENTRY
    assert result["title"] == "Living room"
    assert result["data"] == {
        "entry_type": "thermostat",
        **EQUIPMENT,
        "weights": {"sensor.office_temperature": 2.0, "sensor.bedroom_temperature": 1.0},
    }
    assert result["options"] == {
        **TUNING,
        "default_hold_minutes": 120,  # the default: a setpoint holds 2 h when nothing is scheduled
        "max_lead_minutes": 120,
        "algorithm_params": {"c_int": 0.5, "c_ext": 0.02, "cycle_minutes": 10},
    }


async def test_same_zone_name_aborts(hass: HomeAssistant) -> None:
    MockConfigEntry(domain=DOMAIN, data=dict(ZONE_DATA)).add_to_hass(hass)
    result = await hass.config_entries.flow.async_init(DOMAIN, context={"source": SOURCE_USER})
    result = await hass.config_entries.flow.async_configure(result["flow_id"], {"next_step_id": "thermostat"})
    result = await hass.config_entries.flow.async_configure(result["flow_id"], EQUIPMENT)
    assert result["type"] is FlowResultType.ABORT
    assert result["reason"] == "already_configured"


async def test_thermostat_options_flow(hass: HomeAssistant) -> None:
    entry = MockConfigEntry(
        domain=DOMAIN,
        data=dict(ZONE_DATA),
        options={
            **TUNING,
            "max_lead_minutes": 120,
            "algorithm_params": {"c_int": 0.5, "c_ext": 0.02, "cycle_minutes": 10},
        },
    )
    entry.add_to_hass(hass)
    result = await hass.config_entries.options.async_init(entry.entry_id)
    assert result["step_id"] == "thermostat_tuning"
    result = await hass.config_entries.options.async_configure(
        result["flow_id"], {**TUNING, "protection": {**TUNING["protection"], "max_run_minutes": 2}}
    )
    assert result["errors"] == {"base": "invalid_guard"}
    result = await hass.config_entries.options.async_configure(
        result["flow_id"], {**TUNING, "algorithm": "pid", "default_hold_minutes": 60}
    )
    assert result["step_id"] == "thermostat_optimum_start"
    suggested = {str(key): key.description["suggested_value"] for key in result["data_schema"].schema}
    assert suggested == {"max_lead_minutes": 120}
    result = await hass.config_entries.options.async_configure(result["flow_id"], {"max_lead_minutes": 90})
    assert result["step_id"] == "thermostat_algorithm"
    result = await hass.config_entries.options.async_configure(
        result["flow_id"], {"kp": 1.0, "ki": 0.2, "kd": 0.0, "cycle_minutes": 15}
    )
    assert result["type"] is FlowResultType.CREATE_ENTRY
    assert entry.options["algorithm"] == "pid"
    assert entry.options["algorithm_params"] == {"kp": 1.0, "ki": 0.2, "kd": 0.0, "cycle_minutes": 15}
    assert entry.options["max_lead_minutes"] == 90
    assert entry.options["default_hold_minutes"] == 60

    # Same algorithm again, optimum start off: the maximum early start is not asked, and kept.
    result = await hass.config_entries.options.async_init(entry.entry_id)
    result = await hass.config_entries.options.async_configure(
        result["flow_id"], {**TUNING, "algorithm": "pid", "optimum_start": False}
    )
    assert result["step_id"] == "thermostat_algorithm"
    suggested = {
        str(key): key.description["suggested_value"]
        for key in result["data_schema"].schema
        if key.description and "suggested_value" in key.description
    }
    assert suggested == {"kp": 1.0, "ki": 0.2, "kd": 0.0, "cycle_minutes": 15}
    result = await hass.config_entries.options.async_configure(result["flow_id"], suggested)
    assert (entry.options["optimum_start"], entry.options["max_lead_minutes"]) == (False, 90)


async def test_reconfigure_zone(hass: HomeAssistant) -> None:
    entry = MockConfigEntry(domain=DOMAIN, title="Living room", data=dict(ZONE_DATA))
    entry.add_to_hass(hass)
    result = await entry.start_reconfigure_flow(hass)
    assert result["step_id"] == "reconfigure_thermostat"
    result = await hass.config_entries.flow.async_configure(result["flow_id"], {**EQUIPMENT, "heaters": []})
    assert result["errors"] == {"base": "no_equipment"}
    result = await hass.config_entries.flow.async_configure(
        result["flow_id"],
        {
            **EQUIPMENT,
            "name": "Lounge",
            "sensors": ["sensor.office_temperature", "sensor.outdoor_temperature"],
        },
    )
    assert result["step_id"] == "reconfigure_thermostat_weights"
    suggested = {str(key): key.default() for key in result["data_schema"].schema}
    assert suggested == {"weight_1": 2.0, "weight_2": 1.0}  # office kept its weight; outdoor is new
    assert result["description_placeholders"] == {
        "sensor_1": "sensor.office_temperature",  # no state, no registry entry: the id is all there is
        "sensor_2": "sensor.outdoor_temperature",
    }
    result = await hass.config_entries.flow.async_configure(
        result["flow_id"], {"weight_1": 3.0, "weight_2": 1.0}
    )
    assert result["type"] is FlowResultType.ABORT
    assert result["reason"] == "reconfigure_successful"
    assert entry.title == "Lounge"
    assert entry.data["weights"] == {"sensor.office_temperature": 3.0, "sensor.outdoor_temperature": 1.0}


async def test_reconfigure_pyaiot_has_nothing(hass: HomeAssistant) -> None:
    entry = MockConfigEntry(domain=DOMAIN, unique_id="pyaiot_mqtt", data={"entry_type": "pyaiot_mqtt"})
    entry.add_to_hass(hass)
    result = await entry.start_reconfigure_flow(hass)
    assert result["type"] is FlowResultType.ABORT
    assert result["reason"] == "nothing_to_reconfigure"


async def test_maximum_early_start_only_with_optimum_start(hass: HomeAssistant) -> None:
    result = await hass.config_entries.flow.async_init(DOMAIN, context={"source": SOURCE_USER})
    result = await hass.config_entries.flow.async_configure(result["flow_id"], {"next_step_id": "thermostat"})
    result = await hass.config_entries.flow.async_configure(result["flow_id"], EQUIPMENT)
    result = await hass.config_entries.flow.async_configure(
        result["flow_id"], {"weight_1": 1.0, "weight_2": 1.0}
    )
    result = await hass.config_entries.flow.async_configure(
        result["flow_id"], {**TUNING, "algorithm": "hysteresis", "optimum_start": False}
    )
    assert result["step_id"] == "thermostat_algorithm"
    result = await hass.config_entries.flow.async_configure(
        result["flow_id"], {"cold_tolerance": 0.3, "hot_tolerance": 0.3}
    )
    assert result["type"] is FlowResultType.CREATE_ENTRY
    assert "max_lead_minutes" not in result["options"]  # the default applies until optimum start is on
