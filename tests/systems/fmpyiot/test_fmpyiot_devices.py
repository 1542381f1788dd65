"""End to end: a simulated FmPyIOT device (its own MQTT client) → mosquitto → HA's MQTT → PyIoT."""

import asyncio

from homeassistant.const import ATTR_ENTITY_ID, STATE_UNAVAILABLE, EntityCategory
from homeassistant.core import HomeAssistant
from homeassistant.exceptions import HomeAssistantError
from homeassistant.helpers import device_registry as dr, entity_registry as er
from homeassistant.setup import async_setup_component
import pytest
from pytest_homeassistant_custom_component.common import MockConfigEntry

from tests.support.scripted_node import wait_for
from tests.systems.fmpyiot.conftest import StartDevice

MAC = "28:cd:c1:00:00:02"  # make_device(1)


def _device(hass: HomeAssistant, entry: MockConfigEntry) -> dr.DeviceEntry | None:
    return dr.async_get(hass).async_get_device_by_connection((dr.CONNECTION_NETWORK_MAC, MAC), entry.entry_id)


def _entities(hass: HomeAssistant, device: dr.DeviceEntry) -> dict[str, er.RegistryEntry]:
    entries = er.async_entries_for_device(er.async_get(hass), device.id)
    return {entry.unique_id.rsplit(":", 1)[-1]: entry for entry in entries}


def _state(hass: HomeAssistant, entity: er.RegistryEntry) -> str | None:
    state = hass.states.get(entity.entity_id)
    return None if state is None else state.state


async def test_a_device_appears_with_its_identity_and_values(
    hass: HomeAssistant, loaded_entry: MockConfigEntry, start_device: StartDevice
) -> None:
    runner = await start_device(1)

    async def appeared() -> bool:
        # A real device feeds its watchdog periodically; HA's MQTT client subscribes a moment after setup.
        await runner.feed()
        await asyncio.sleep(0.2)
        return _device(hass, loaded_entry) is not None

    async with asyncio.timeout(15):
        while not await appeared():
            pass
    await runner.publish_value("./temperature")
    device = _device(hass, loaded_entry)
    assert device is not None
    assert device.name == "FmPyIot SIM 1"
    assert (dr.CONNECTION_NETWORK_MAC, MAC) in device.connections
    assert device.config_entry_id == loaded_entry.entry_id

    def temperature() -> er.RegistryEntry | None:
        found = _entities(hass, device).items()
        return next((e for key, e in found if key.endswith("temperature") and e.domain == "sensor"), None)

    async def temperature_known() -> bool:
        # Its periodic send: the first may come before the entity exists.
        await runner.publish_value("./temperature")
        await asyncio.sleep(0.2)
        return (found := temperature()) is not None and _state(hass, found) not in {None, "unknown"}

    async with asyncio.timeout(20):
        while not await temperature_known():
            pass
    entity = temperature()
    assert entity is not None
    assert entity.domain == "sensor"
    assert 0 < float(_state(hass, entity) or "nan") < 40
    assert hass.states.get(entity.entity_id).attributes.get("unit_of_measurement") == "°C"

    # A parameter is a configuration number, written with SET_PARAMS and confirmed by PARAMS.
    def push_duration() -> er.RegistryEntry | None:
        found = _entities(hass, device).items()
        return next((e for key, e in found if key.endswith("push_duration") and e.domain == "number"), None)

    await wait_for(lambda: push_duration() is not None and _state(hass, push_duration()) == "1.0", timeout=20)
    number = push_duration()
    assert number is not None
    assert number.entity_category is EntityCategory.CONFIG
    await hass.services.async_call(
        "number", "set_value", {"entity_id": number.entity_id, "value": 2.5}, blocking=True
    )
    await wait_for(lambda: runner.device.params["push_duration"] == 2.5, timeout=20)
    await wait_for(lambda: _state(hass, number) == "2.5", timeout=20)

    # The device dies: the broker publishes its last will, and the device is unavailable at once.
    await runner.die()
    await wait_for(lambda: _state(hass, entity) == STATE_UNAVAILABLE, timeout=20)


async def test_update_entity_asks_the_device_on_the_reverse_topic(
    hass: HomeAssistant, loaded_entry: MockConfigEntry, start_device: StartDevice
) -> None:
    assert await async_setup_component(hass, "homeassistant", {})
    runner = await start_device(1)

    def temperature() -> er.RegistryEntry | None:
        device = _device(hass, loaded_entry)
        found = _entities(hass, device).items() if device else ()
        return next((e for key, e in found if key == "./temperature"), None)

    async with asyncio.timeout(20):
        while (entity := temperature()) is None or _state(hass, entity) in {None, "unknown"}:
            await runner.feed()
            await runner.publish_value("./temperature")
            await asyncio.sleep(0.2)

    runner.device.temperature = 12.5
    asked = len(runner.device.received)
    await hass.services.async_call(
        "homeassistant", "update_entity", {ATTR_ENTITY_ID: entity.entity_id}, blocking=True
    )
    await wait_for(lambda: _state(hass, entity) == "12.5", timeout=20)
    assert ("T-HOME/SIM1/temperature_", "") in runner.device.received[asked:]


@pytest.mark.allow_pyiot_warnings
async def test_a_parameter_the_device_does_not_take_is_a_translated_error(
    hass: HomeAssistant, loaded_entry: MockConfigEntry, start_device: StartDevice
) -> None:
    runner = await start_device(1, refused_params={"push_duration"})

    def push_duration() -> er.RegistryEntry | None:
        device = _device(hass, loaded_entry)
        if device is None:
            return None
        found = _entities(hass, device).items()
        return next((e for key, e in found if key.endswith("push_duration") and e.domain == "number"), None)

    async def appeared() -> bool:
        await runner.feed()
        await asyncio.sleep(0.2)
        return (number := push_duration()) is not None and _state(hass, number) == "1.0"

    async with asyncio.timeout(20):
        while not await appeared():
            pass
    number = push_duration()
    assert number is not None
    with pytest.raises(HomeAssistantError) as caught:
        await hass.services.async_call(
            "number", "set_value", {"entity_id": number.entity_id, "value": 2.5}, blocking=True
        )
    assert caught.value.translation_key == "write_refused"
    assert caught.value.translation_placeholders["kept"] == "1.0"
    assert str(caught.value) == "FmPyIot SIM 1 did not take push_duration = 2.5: it still has 1.0"
    assert runner.device.params["push_duration"] == 1.0
    assert _state(hass, number) == "1.0"
