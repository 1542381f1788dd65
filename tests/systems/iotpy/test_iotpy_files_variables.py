"""How a variable of the device-files entry is shown: options flow, running or stopped, and its entities."""

from datetime import timedelta
import json
from typing import Any

from homeassistant.config_entries import ConfigEntryState
from homeassistant.const import STATE_UNAVAILABLE
from homeassistant.core import HomeAssistant
from homeassistant.data_entry_flow import FlowResultType
from homeassistant.helpers import entity_registry as er
from homeassistant.util import dt as dt_util
from pytest_homeassistant_custom_component.common import MockConfigEntry, async_fire_time_changed

from custom_components.pyiot.core.iotpy import ValueKind
from custom_components.pyiot.systems.iotpy.config_flow import _stored_choices
from custom_components.pyiot.systems.iotpy.const import CONF_VARIABLES, CONF_WATCH_INTERVAL
from custom_components.pyiot.systems.iotpy.files import (
    SAVE_DELAY,
    files_storage_key,
    files_store,
    stored_kinds,
)
from custom_components.pyiot.systems.iotpy.variables_flow import VariableChoice
from tests.support.entries import entry_loaded
from tests.systems.iotpy.test_iotpy_entry import RELAY, entity_id, state_of, wait_for

SETPOINT = json.dumps([RELAY, "heating_setpoint"])


async def variable_form(hass: HomeAssistant, entry: MockConfigEntry) -> dict[str, Any]:
    result = await hass.config_entries.options.async_init(entry.entry_id)
    assert result["type"] is FlowResultType.MENU
    return dict(
        await hass.config_entries.options.async_configure(
            result["flow_id"], {"next_step_id": "iotpy_variable"}
        )
    )


def labels(result: dict[str, Any]) -> dict[str, str]:
    selector = result["data_schema"].schema["variable"]
    return {option["value"]: option["label"] for option in selector.config["options"]}


async def expose(hass: HomeAssistant, entry: MockConfigEntry, variable: str, exposure: str) -> dict[str, Any]:
    result = await variable_form(hass, entry)
    assert result["step_id"] == "iotpy_variable"
    return dict(
        await hass.config_entries.options.async_configure(
            result["flow_id"], {"variable": variable, "exposure": exposure}
        )
    )


async def test_a_running_variable_becomes_a_number_with_its_entity_id_kept(
    hass: HomeAssistant, loaded_iotpy: MockConfigEntry
) -> None:
    await wait_for(
        hass, lambda: state_of(hass, "sensor", RELAY, "heating_setpoint") not in {None, STATE_UNAVAILABLE}
    )
    sensor = entity_id(hass, "sensor", RELAY, "heating_setpoint")
    assert sensor is not None
    er.async_get(hass).async_update_entity(sensor, name="Setpoint")

    result = await variable_form(hass, loaded_iotpy)
    assert labels(result)[SETPOINT] == (
        "Heating relay: heating_setpoint (target temperature in degrees Celsius)"
    )
    result = await expose(hass, loaded_iotpy, SETPOINT, "number")
    assert result["step_id"] == "iotpy_variable_settings"
    result = dict(
        await hass.config_entries.options.async_configure(
            result["flow_id"],
            {"unit": "°C", "device_class": "temperature", "minimum": 5.0, "maximum": 30.0, "step": 0.5},
        )
    )
    assert result["type"] is FlowResultType.CREATE_ENTRY
    await hass.async_block_till_done()
    assert loaded_iotpy.options[CONF_VARIABLES] == {
        RELAY: {
            "heating_setpoint": {
                "exposure": "number",
                "unit": "°C",
                "device_class": "temperature",
                "minimum": 5.0,
                "maximum": 30.0,
                "step": 0.5,
            }
        }
    }
    assert loaded_iotpy.options[CONF_WATCH_INTERVAL] == 1

    # Reloaded: the sensor moved to the number platform under the same object id and the user's name.
    number = entity_id(hass, "number", RELAY, "heating_setpoint")
    assert number == "number." + sensor.split(".", 1)[1]
    assert entity_id(hass, "sensor", RELAY, "heating_setpoint") is None
    registered = er.async_get(hass).async_get(number)
    assert registered is not None
    assert registered.name == "Setpoint"
    await wait_for(
        hass, lambda: state_of(hass, "number", RELAY, "heating_setpoint") not in {None, STATE_UNAVAILABLE}
    )
    state = hass.states.get(number)
    assert state is not None
    assert state.attributes["unit_of_measurement"] == "°C"
    assert state.attributes["min"] == 5.0
    assert state.attributes["max"] == 30.0
    assert state.attributes["step"] == 0.5

    # Writing calls the device's write(); the entity then shows what the device set.
    await hass.services.async_call("number", "set_value", {"entity_id": number, "value": 22.5}, blocking=True)
    await wait_for(hass, lambda: state_of(hass, "number", RELAY, "heating_setpoint") == "22.5")


async def test_a_stopped_entry_lists_what_it_remembers(
    hass: HomeAssistant, iotpy_entry: MockConfigEntry
) -> None:
    async for entry in entry_loaded(hass, iotpy_entry):
        await wait_for(hass, lambda: entity_id(hass, "sensor", RELAY, "heating_setpoint") is not None)
        await wait_for(hass, lambda: entity_id(hass, "sensor", RELAY, "heating_relay") is not None)
        sensor = entity_id(hass, "sensor", RELAY, "heating_setpoint")
        relay = entity_id(hass, "sensor", RELAY, "heating_relay")
        assert sensor is not None
        assert relay is not None
        assert await hass.config_entries.async_unload(entry.entry_id)
        await hass.async_block_till_done()

    stored = await files_store(hass, iotpy_entry.entry_id).async_load()
    assert stored_kinds(stored)[RELAY]["heating_relay"] is ValueKind.NUMBER
    # Set while the entry is stopped, so that the next start shows what the stored entities become.
    hass.config_entries.async_update_entry(
        iotpy_entry,
        options={
            **iotpy_entry.options,
            CONF_VARIABLES: {
                RELAY: {
                    "heating_setpoint": {"unit": "°C", "device_class": "temperature", "state_class": "none"}
                }
            },
        },
    )

    result = await variable_form(hass, iotpy_entry)
    assert labels(result)[SETPOINT] == "Heating relay: heating_setpoint"
    result = await expose(hass, iotpy_entry, json.dumps([RELAY, "heating_relay"]), "switch")
    assert result["step_id"] == "iotpy_variable_settings"
    result = dict(await hass.config_entries.options.async_configure(result["flow_id"], {}))
    assert result["type"] is FlowResultType.CREATE_ENTRY
    await hass.async_block_till_done()
    # HA set the entry up with its new options: the stored entities are already as the options say.
    assert iotpy_entry.state is ConfigEntryState.LOADED
    assert entity_id(hass, "sensor", RELAY, "heating_relay") is None
    assert entity_id(hass, "switch", RELAY, "heating_relay") == "switch." + relay.split(".", 1)[1]
    assert entity_id(hass, "sensor", RELAY, "heating_setpoint") == sensor
    state = hass.states.get(sensor)
    assert state is not None
    assert state.attributes["unit_of_measurement"] == "°C"
    assert state.attributes["device_class"] == "temperature"
    assert "state_class" not in state.attributes
    await wait_for(
        hass, lambda: state_of(hass, "switch", RELAY, "heating_relay") not in {None, STATE_UNAVAILABLE}
    )
    assert await hass.config_entries.async_unload(iotpy_entry.entry_id)
    await hass.async_block_till_done()


async def test_an_entry_that_never_ran_has_no_variables(
    hass: HomeAssistant, iotpy_entry: MockConfigEntry
) -> None:
    result = await variable_form(hass, iotpy_entry)
    assert result["type"] is FlowResultType.ABORT
    assert result["reason"] == "iotpy_no_variables"


def test_malformed_stored_variables_are_skipped() -> None:
    stored = {
        "nodes": {
            "a": {"device": "A", "kinds": {"x": "number", "y": "colour"}},
            "b": ["not a record"],
            "c": {"kinds": "not a map"},
        }
    }
    assert stored_kinds(stored) == {"a": {"x": ValueKind.NUMBER}, "b": {}, "c": {}}
    assert _stored_choices(stored) == [
        VariableChoice(node_id="a", key="x", label="A: x", kind=ValueKind.NUMBER)
    ]
    assert stored_kinds(None) == {}
    assert _stored_choices({"nodes": None}) == []


async def test_a_running_entry_also_lists_variables_gone_since(
    hass: HomeAssistant, iotpy_entry: MockConfigEntry, hass_storage: dict[str, Any]
) -> None:
    hass_storage[files_storage_key(iotpy_entry.entry_id)] = {
        "version": 1,
        "key": files_storage_key(iotpy_entry.entry_id),
        "data": {
            "version": 1,
            "nodes": {
                RELAY: {"file": "heating_relay.py", "device": "Heating relay", "kinds": {"gone": "text"}}
            },
        },
    }
    async for entry in entry_loaded(hass, iotpy_entry):
        await wait_for(hass, lambda: entity_id(hass, "sensor", RELAY, "heating_setpoint") is not None)
        options = labels(await variable_form(hass, entry))
        assert options[SETPOINT].startswith("Heating relay: heating_setpoint (")
        assert options[json.dumps([RELAY, "gone"])] == "Heating relay: gone"


async def test_the_kinds_are_saved_while_the_devices_run(
    hass: HomeAssistant, loaded_iotpy: MockConfigEntry, hass_storage: dict[str, Any]
) -> None:
    await wait_for(hass, lambda: entity_id(hass, "sensor", RELAY, "heating_setpoint") is not None)
    key = files_storage_key(loaded_iotpy.entry_id)
    async_fire_time_changed(hass, dt_util.utcnow() + timedelta(seconds=SAVE_DELAY + 1))
    await hass.async_block_till_done()
    assert hass_storage[key]["data"]["nodes"][RELAY]["kinds"]["heating_setpoint"] == "number"


async def test_removing_the_entry_removes_what_it_remembers(
    hass: HomeAssistant, iotpy_entry: MockConfigEntry, hass_storage: dict[str, Any]
) -> None:
    async for _entry in entry_loaded(hass, iotpy_entry):
        await wait_for(hass, lambda: entity_id(hass, "sensor", RELAY, "heating_setpoint") is not None)
    key = files_storage_key(iotpy_entry.entry_id)
    assert stored_kinds(hass_storage[key]["data"])[RELAY]["heating_setpoint"] is ValueKind.NUMBER
    assert await hass.config_entries.async_remove(iotpy_entry.entry_id)
    await hass.async_block_till_done()
    assert key not in hass_storage
