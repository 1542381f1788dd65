"""Thermostat config, options and reconfigure flows."""

from collections.abc import Generator
from typing import Any
from unittest.mock import AsyncMock, patch

from homeassistant.config_entries import SOURCE_USER
from homeassistant.core import HomeAssistant
from homeassistant.data_entry_flow import FlowResultType
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
    "optimum_start": True,
    "max_lead_minutes": 120,
    "protection": {
        "min_on_minutes": 2,
        "min_off_minutes": 4,
        "max_starts_per_hour": 6,
        "max_run_minutes": 120,
    },
    "presets": {"away": 15, "eco": 17, "comfort": 21, "sleep": 18, "boost": 23},
}


@pytest.fixture(autouse=True)
def mock_setup_entry() -> Generator[AsyncMock]:
    """Flows are tested alone."""
    with patch("custom_components.pyiot.async_setup_entry", return_value=True) as mock:
        yield mock


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

    result = await hass.config_entries.flow.async_configure(result["flow_id"], EQUIPMENT)
    assert result["step_id"] == "thermostat_weights"
    result = await hass.config_entries.flow.async_configure(
        result["flow_id"], {"sensor.office_temperature": 2.0, "sensor.bedroom_temperature": 1.0}
    )
    assert result["step_id"] == "thermostat_tuning"

    bad = {**TUNING, "protection": {**TUNING["protection"], "max_run_minutes": 1}}
    result = await hass.config_entries.flow.async_configure(result["flow_id"], bad)
    assert result["errors"] == {"base": "invalid_guard"}

    result = await hass.config_entries.flow.async_configure(result["flow_id"], TUNING)
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
        options={**TUNING, "algorithm_params": {"c_int": 0.5, "c_ext": 0.02, "cycle_minutes": 10}},
    )
    entry.add_to_hass(hass)
    result = await hass.config_entries.options.async_init(entry.entry_id)
    assert result["step_id"] == "thermostat_tuning"
    result = await hass.config_entries.options.async_configure(
        result["flow_id"], {**TUNING, "protection": {**TUNING["protection"], "max_run_minutes": 2}}
    )
    assert result["errors"] == {"base": "invalid_guard"}
    result = await hass.config_entries.options.async_configure(
        result["flow_id"], {**TUNING, "algorithm": "pid"}
    )
    assert result["step_id"] == "thermostat_algorithm"
    result = await hass.config_entries.options.async_configure(
        result["flow_id"], {"kp": 1.0, "ki": 0.2, "kd": 0.0, "cycle_minutes": 15}
    )
    assert result["type"] is FlowResultType.CREATE_ENTRY
    assert entry.options["algorithm"] == "pid"
    assert entry.options["algorithm_params"] == {"kp": 1.0, "ki": 0.2, "kd": 0.0, "cycle_minutes": 15}

    # Same algorithm again: the form suggests the current parameters.
    result = await hass.config_entries.options.async_init(entry.entry_id)
    result = await hass.config_entries.options.async_configure(
        result["flow_id"], {**TUNING, "algorithm": "pid"}
    )
    suggested = {
        str(key): key.description["suggested_value"]
        for key in result["data_schema"].schema
        if key.description and "suggested_value" in key.description
    }
    assert suggested == {"kp": 1.0, "ki": 0.2, "kd": 0.0, "cycle_minutes": 15}


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
    assert suggested == {"sensor.office_temperature": 2.0, "sensor.outdoor_temperature": 1.0}
    result = await hass.config_entries.flow.async_configure(
        result["flow_id"], {"sensor.office_temperature": 3.0, "sensor.outdoor_temperature": 1.0}
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
