"""The IOTpy device-files entry in a real Home Assistant: real files, real threads, real repairs."""

import asyncio
from collections.abc import Callable
import json
from pathlib import Path
import textwrap

from homeassistant.const import STATE_ON, STATE_UNAVAILABLE
from homeassistant.core import HomeAssistant
from homeassistant.exceptions import HomeAssistantError, ServiceValidationError
from homeassistant.helpers import device_registry as dr, entity_registry as er, issue_registry as ir
import pytest
from pytest_homeassistant_custom_component.common import MockConfigEntry
from pytest_homeassistant_custom_component.components.diagnostics import get_diagnostics_for_config_entry
from pytest_homeassistant_custom_component.typing import ClientSessionGenerator

from custom_components.pyiot.const import DOMAIN
from custom_components.pyiot.systems.iotpy.const import CONF_VARIABLES, CONF_WATCH_INTERVAL, CONF_WATCHDOG
from custom_components.pyiot.systems.iotpy.files import variable_settings
from tests.systems.iotpy.conftest import ENTRY_ID

RELAY = "heating_relay/Heating relay"
THERMOMETER = "thermometer/Living room thermometer"


async def wait_for(hass: HomeAssistant, condition: Callable[[], bool]) -> None:
    """Until `condition()`: device threads run in real time, so the test waits in real time too."""
    async with asyncio.timeout(20):
        while not condition():
            await asyncio.sleep(0.05)
            await hass.async_block_till_done()


def entity_id(hass: HomeAssistant, platform: str, node: str, key: str) -> str | None:
    return er.async_get(hass).async_get_entity_id(platform, DOMAIN, f"{ENTRY_ID}:{node}:{key}")


def state_of(hass: HomeAssistant, platform: str, node: str, key: str) -> str | None:
    found = entity_id(hass, platform, node, key)
    state = hass.states.get(found) if found is not None else None
    return state.state if state is not None else None


def issue(hass: HomeAssistant, problem_id: str) -> ir.IssueEntry | None:
    return ir.async_get(hass).async_get_issue(DOMAIN, f"iotpy_{ENTRY_ID}_{problem_id}")


def write(folder: Path, name: str, source: str) -> None:
    (folder / name).write_text(textwrap.dedent(source), encoding="utf-8")


def add_relay_variable(folder: Path, name: str, value: int) -> None:
    """Edit the relay's file: one more variable, set at start."""
    path = folder / "heating_relay.py"
    path.write_text(
        path.read_text(encoding="utf-8").replace(
            'self.addVariable("heating_switch_count", "number of relay switches")',
            'self.addVariable("heating_switch_count", "number of relay switches")\n'
            f'        self.addVariable("{name}", "a variable added by an edit")\n'
            f'        self.setVariableValue("{name}", {value})',
        ),
        encoding="utf-8",
    )


async def test_example_devices_become_devices_with_live_variables(
    hass: HomeAssistant, loaded_iotpy: MockConfigEntry
) -> None:
    await wait_for(
        hass, lambda: state_of(hass, "sensor", RELAY, "heating_setpoint") not in {None, STATE_UNAVAILABLE}
    )
    assert float(state_of(hass, "sensor", RELAY, "heating_setpoint") or "nan") > 0
    devices = dr.async_entries_for_config_entry(dr.async_get(hass), loaded_iotpy.entry_id)
    assert {device.name for device in devices} >= {"Heating relay"}
    await wait_for(hass, lambda: entity_id(hass, "sensor", THERMOMETER, "room_temperature") is not None)


@pytest.mark.parametrize(
    "iotpy_options",
    [
        {
            CONF_WATCH_INTERVAL: 1,
            CONF_WATCHDOG: 2,
            CONF_VARIABLES: {RELAY: {"heating_relay": {"exposure": "switch"}}},
        }
    ],
)
async def test_a_switch_writes_through_the_device(hass: HomeAssistant, loaded_iotpy: MockConfigEntry) -> None:
    await wait_for(
        hass, lambda: state_of(hass, "switch", RELAY, "heating_relay") not in {None, STATE_UNAVAILABLE}
    )
    switch = entity_id(hass, "switch", RELAY, "heating_relay")
    await hass.services.async_call("switch", "turn_on", {"entity_id": switch}, blocking=True)
    await wait_for(hass, lambda: state_of(hass, "switch", RELAY, "heating_relay") == STATE_ON)
    await wait_for(hass, lambda: state_of(hass, "sensor", RELAY, "heating_switch_count") == "1")


@pytest.mark.allow_pyiot_warnings
async def test_a_broken_file_is_a_repair_and_hurts_nothing_else(
    hass: HomeAssistant, devices_folder: Path, iotpy_entry: MockConfigEntry, caplog: pytest.LogCaptureFixture
) -> None:
    write(devices_folder, "broken.py", "from iotpy.Device import Device\n\nraise ValueError('no sensor')\n")
    assert await hass.config_entries.async_setup(iotpy_entry.entry_id)
    await wait_for(hass, lambda: issue(hass, "file:broken.py") is not None)
    found = issue(hass, "file:broken.py")
    assert found is not None
    assert found.translation_key == "iotpy_import_failed"
    assert found.translation_placeholders is not None
    assert found.translation_placeholders["line"] == "3"
    assert [
        r.getMessage() for r in caplog.records if r.levelname == "WARNING" and "broken.py" in r.getMessage()
    ] == ["IOTpy device file problem: import_failed in broken.py:3: ValueError: no sensor"]
    await wait_for(
        hass, lambda: state_of(hass, "sensor", RELAY, "heating_setpoint") not in {None, STATE_UNAVAILABLE}
    )

    (devices_folder / "broken.py").unlink()
    await wait_for(hass, lambda: issue(hass, "file:broken.py") is None)
    write(devices_folder, "broken.py", "syntax error(\n")
    await wait_for(hass, lambda: issue(hass, "file:broken.py") is not None)
    assert await hass.config_entries.async_unload(iotpy_entry.entry_id)
    assert issue(hass, "file:broken.py") is None, "an unloaded entry runs no files, so it has no problems"


@pytest.mark.allow_pyiot_warnings
async def test_a_hanging_loop_makes_its_device_unavailable_not_home_assistant(
    hass: HomeAssistant, devices_folder: Path, iotpy_entry: MockConfigEntry
) -> None:
    write(
        devices_folder,
        "sleepy.py",
        """
        import time
        from iotpy.Device import Device, addDevice

        class Sleepy(Device):
            def __init__(self, name):
                Device.__init__(self, name)
                self.addVariable("count", "loops")
                self.count = 0
                self.poll_loop_ms = 50

            def loop(self):
                self.count += 1
                self.setVariableValue("count", self.count)
                if self.count == 3:
                    time.sleep(4)

            def write(self, name, value):
                return False

            def cleanup(self):
                pass

        addDevice(Sleepy("Sleepy"))
        """,
    )
    assert await hass.config_entries.async_setup(iotpy_entry.entry_id)
    await wait_for(hass, lambda: issue(hass, "device:sleepy/Sleepy") is not None)
    found = issue(hass, "device:sleepy/Sleepy")
    assert found is not None
    assert found.translation_key == "iotpy_loop_hung"
    assert state_of(hass, "sensor", "sleepy/Sleepy", "count") == STATE_UNAVAILABLE
    # Meanwhile the other devices run and HA's loop answers.
    await wait_for(
        hass, lambda: state_of(hass, "sensor", RELAY, "heating_setpoint") not in {None, STATE_UNAVAILABLE}
    )
    await wait_for(hass, lambda: issue(hass, "device:sleepy/Sleepy") is None)
    await wait_for(
        hass, lambda: state_of(hass, "sensor", "sleepy/Sleepy", "count") not in {None, STATE_UNAVAILABLE}
    )
    assert await hass.config_entries.async_unload(iotpy_entry.entry_id)
    assert issue(hass, "device:sleepy/Sleepy") is None


def test_malformed_variable_settings_are_ignored() -> None:
    assert variable_settings({}) == {}
    assert variable_settings({CONF_VARIABLES: "x"}) == {}
    parsed = variable_settings({CONF_VARIABLES: {"a": {"k": {"exposure": "number"}, "bad": 1}, "b": 2}})
    assert list(parsed) == ["a"]
    assert parsed["a"]["k"].writable


async def test_diagnostics_show_files_devices_and_variables(
    hass: HomeAssistant, hass_client: ClientSessionGenerator, loaded_iotpy: MockConfigEntry
) -> None:
    await wait_for(
        hass, lambda: state_of(hass, "sensor", RELAY, "heating_setpoint") not in {None, STATE_UNAVAILABLE}
    )
    diagnostics = await get_diagnostics_for_config_entry(hass, hass_client, loaded_iotpy)
    assert RELAY in json.dumps(diagnostics)
    assert "heating_setpoint" in json.dumps(diagnostics["transport"])


async def test_an_edited_file_is_reloaded_with_its_entities_kept(
    hass: HomeAssistant, devices_folder: Path, loaded_iotpy: MockConfigEntry
) -> None:
    await wait_for(hass, lambda: entity_id(hass, "sensor", RELAY, "heating_setpoint") is not None)
    before = entity_id(hass, "sensor", RELAY, "heating_setpoint")
    add_relay_variable(devices_folder, "heating_added", 7)
    await wait_for(hass, lambda: state_of(hass, "sensor", RELAY, "heating_added") == "7")
    assert entity_id(hass, "sensor", RELAY, "heating_setpoint") == before


async def test_the_write_action_reaches_a_local_device(
    hass: HomeAssistant, loaded_iotpy: MockConfigEntry
) -> None:
    await wait_for(
        hass, lambda: state_of(hass, "sensor", RELAY, "heating_relay") not in {None, STATE_UNAVAILABLE}
    )
    device = dr.async_get(hass).async_get_device_by_identifier((DOMAIN, f"{ENTRY_ID}:{RELAY}"), ENTRY_ID)
    assert device is not None
    await hass.services.async_call(
        DOMAIN,
        "iotpy_write",
        {"device_id": device.id, "variable": "heating_relay", "value": 1},
        blocking=True,
    )
    await wait_for(hass, lambda: state_of(hass, "sensor", RELAY, "heating_relay") == "1")
    with pytest.raises(HomeAssistantError) as caught:
        await hass.services.async_call(
            DOMAIN, "iotpy_write", {"device_id": device.id, "variable": "nope", "value": 1}, blocking=True
        )
    assert caught.value.translation_key == "iotpy_unknown_variable"
    assert caught.value.translation_placeholders["device"] == "Heating relay"


@pytest.mark.parametrize("iotpy_options", [{CONF_WATCH_INTERVAL: 0, CONF_WATCHDOG: 2}])
async def test_the_reload_action_imports_an_edited_file_with_the_watch_off(
    hass: HomeAssistant, devices_folder: Path, loaded_iotpy: MockConfigEntry
) -> None:
    await wait_for(hass, lambda: entity_id(hass, "sensor", RELAY, "heating_setpoint") is not None)
    before = entity_id(hass, "sensor", RELAY, "heating_setpoint")
    add_relay_variable(devices_folder, "heating_reloaded", 5)
    with pytest.raises(ServiceValidationError) as caught:
        await hass.services.async_call(
            DOMAIN, "iotpy_reload", {"config_entry_id": ENTRY_ID, "file": "nope.py"}, blocking=True
        )
    assert caught.value.translation_key == "iotpy_unknown_file"
    assert entity_id(hass, "sensor", RELAY, "heating_reloaded") is None  # no watch: nothing seen yet

    await hass.services.async_call(
        DOMAIN, "iotpy_reload", {"config_entry_id": ENTRY_ID, "file": "heating_relay.py"}, blocking=True
    )
    await wait_for(hass, lambda: state_of(hass, "sensor", RELAY, "heating_reloaded") == "5")
    assert entity_id(hass, "sensor", RELAY, "heating_setpoint") == before
    await hass.services.async_call(DOMAIN, "iotpy_reload", {"config_entry_id": ENTRY_ID}, blocking=True)
    await wait_for(hass, lambda: state_of(hass, "sensor", RELAY, "heating_reloaded") == "5")


async def test_the_reload_action_refuses_what_is_not_a_loaded_files_entry(
    hass: HomeAssistant, loaded_iotpy: MockConfigEntry
) -> None:
    assert await hass.config_entries.async_unload(ENTRY_ID)
    for entry in (ENTRY_ID, "no_such_entry"):
        with pytest.raises(ServiceValidationError) as caught:
            await hass.services.async_call(DOMAIN, "iotpy_reload", {"config_entry_id": entry}, blocking=True)
        assert caught.value.translation_key == "iotpy_not_a_files_entry"
