"""What the options declare, end to end: action topics as switch/text/number, a topic's device class
and unit, a sleeping device that says BYE after every cycle."""

import asyncio
from typing import Any

from homeassistant.const import ATTR_ENTITY_ID, STATE_UNAVAILABLE
from homeassistant.core import HomeAssistant
from pytest_homeassistant_custom_component.common import MockConfigEntry

from tests.support.entries import entry_loaded
from tests.support.scripted_node import wait_for
from tests.systems.fmpyiot.conftest import StartDevice
from tests.systems.fmpyiot.test_fmpyiot_web_api import _entity, _state

MAC = "28:cd:c1:00:00:01"  # make_device(0)
SLEEPER_MAC = "28:cd:c1:00:00:02"  # make_device(1)


def _entity_id(hass: HomeAssistant, entry: MockConfigEntry, key: str) -> str:
    entity = _entity(hass, entry, key)
    assert entity is not None, key
    return entity.entity_id


def _with_devices(entry: MockConfigEntry, devices: dict[str, Any]) -> dict[str, Any]:
    return {**entry.options, "devices": devices}


async def test_declared_actions_and_a_topics_class_and_unit(
    hass: HomeAssistant, mqtt_entry: MockConfigEntry, pyiot_entry: MockConfigEntry, start_device: StartDevice
) -> None:
    topics = {
        "./relay": {"action": "switch"},
        "./message": {"action": "text"},
        "./speed": {"action": "number"},
        "./distance": {"device_class": "distance", "unit": "cm"},
    }
    hass.config_entries.async_update_entry(
        pyiot_entry, options=_with_devices(pyiot_entry, {MAC: {"topics": topics}})
    )
    runner = await start_device(0)
    entry = pyiot_entry
    async for _ in entry_loaded(hass, entry):
        async with asyncio.timeout(30):
            while _state(hass, entry, "action#./relay") is None or _state(hass, entry, "./distance") in {
                None,
                "unknown",
            }:
                await runner.feed()
                await runner.publish_value("./distance")
                await asyncio.sleep(0.2)
        distance = hass.states.get(_entity_id(hass, entry, "./distance"))
        assert distance.attributes["device_class"] == "distance"
        assert distance.attributes["unit_of_measurement"] == "cm"

        relay = _entity_id(hass, entry, "action#./relay")
        message = _entity_id(hass, entry, "action#./message")
        speed = _entity_id(hass, entry, "action#./speed")
        assert (relay.split(".")[0], message.split(".")[0], speed.split(".")[0]) == (
            "switch",
            "text",
            "number",
        )

        # A switch is what the device replies on `relay_`.
        await hass.services.async_call("switch", "turn_on", {ATTR_ENTITY_ID: relay}, blocking=True)
        await wait_for(lambda: _state(hass, entry, "action#./relay") == "on", timeout=10)
        assert runner.device.relay
        await hass.services.async_call("switch", "turn_off", {ATTR_ENTITY_ID: relay}, blocking=True)
        await wait_for(lambda: _state(hass, entry, "action#./relay") == "off", timeout=10)
        assert not runner.device.relay

        await hass.services.async_call(
            "text",
            "set_value",
            {ATTR_ENTITY_ID: message, "value": "Bonjour"},
            blocking=True,
        )
        await wait_for(lambda: runner.device.message == "Bonjour", timeout=10)

        await hass.services.async_call(
            "number",
            "set_value",
            {ATTR_ENTITY_ID: speed, "value": 3.5},
            blocking=True,
        )
        await wait_for(lambda: _state(hass, entry, "action#./speed") == "3.5", timeout=10)
        assert runner.device.speed == 3.5


async def test_a_sleeping_device_stays_available_after_its_bye(
    hass: HomeAssistant, mqtt_entry: MockConfigEntry, pyiot_entry: MockConfigEntry, start_device: StartDevice
) -> None:
    hass.config_entries.async_update_entry(
        pyiot_entry, options=_with_devices(pyiot_entry, {SLEEPER_MAC: {"sleeping": True, "sleep_periods": 2}})
    )
    awake, sleeper = await start_device(0), await start_device(1)
    entry = pyiot_entry

    def rssi(mac: str) -> str | None:
        entity = next(
            (
                e
                for e in hass.data["entity_registry"].entities.values()
                if e.unique_id == f"{entry.entry_id}:{mac}:sysinfo#rssi"
            ),
            None,
        )
        state = hass.states.get(entity.entity_id) if entity else None
        return None if state is None else state.state

    async for _ in entry_loaded(hass, entry):
        async with asyncio.timeout(30):
            while rssi(MAC) in {None, "unknown"} or rssi(SLEEPER_MAC) in {None, "unknown"}:
                await awake.feed()
                await sleeper.feed()
                await asyncio.sleep(0.2)
        # The sleeper's BYE reaches HA first (one connection delivers in order); then the other's.
        await sleeper.die()
        await awake.die()
        await wait_for(lambda: rssi(MAC) == STATE_UNAVAILABLE, timeout=20)
        assert rssi(SLEEPER_MAC) not in {None, STATE_UNAVAILABLE}
        diagnostics = entry.runtime_data.diagnostics()["transport"]["devices"]
        assert {device["sleeping"] for device in diagnostics} == {True, False}
