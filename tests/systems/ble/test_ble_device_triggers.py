"""Device triggers of a BLE GATT device: automations fired by the simulated proxy's peripheral."""

import json
from pathlib import Path
import struct
from typing import Any

from homeassistant.components.device_automation import DeviceAutomationType
from homeassistant.components.device_automation.exceptions import InvalidDeviceAutomationConfig
from homeassistant.core import Event, HomeAssistant
from homeassistant.helpers import device_registry as dr
from homeassistant.setup import async_setup_component
import probatio as vol
import pytest
from pytest_homeassistant_custom_component.common import MockConfigEntry, async_get_device_automations
from pytest_homeassistant_custom_component.typing import WebSocketGenerator

from custom_components.pyiot import device_trigger
from custom_components.pyiot.const import DOMAIN
from custom_components.pyiot.systems.ble.device_trigger import TRIGGER_TYPES
from tests.systems.ble.conftest import ENTRY_ID, ENV, env_gatt, key_of, until
from tools.simulators.ble_peripherals import uuid16
from tools.simulators.esphome_ble_proxy import EsphomeBleProxy

EN = json.loads(
    (Path(__file__).parents[3] / "custom_components/pyiot/translations/en.json").read_text(encoding="utf-8")
)
FIRED = "pyiot_test_fired"


def device_id(hass: HomeAssistant) -> str:
    device = dr.async_get(hass).async_get_device_by_identifier((DOMAIN, f"{ENTRY_ID}:{ENV}"), ENTRY_ID)
    assert device is not None
    return device.id


def trigger(hass: HomeAssistant, trigger_type: str, **extra: str) -> dict[str, Any]:
    return {
        "platform": "device",
        "domain": DOMAIN,
        "device_id": device_id(hass),
        "type": trigger_type,
        **extra,
    }


def automation(alias: str, trigger_config: dict[str, Any]) -> dict[str, Any]:
    """An automation that fires `pyiot_test_fired` with what the trigger carried."""
    return {
        "alias": alias,
        "triggers": [trigger_config],
        "actions": [
            {
                "event": FIRED,
                "event_data": {
                    "alias": alias,
                    "type": "{{ trigger.event.data.type }}",
                    "key": "{{ trigger.event.data.key | default('') }}",
                    "value": "{{ trigger.event.data.value | default('') }}",
                },
            }
        ],
    }


def test_every_trigger_type_is_translated() -> None:
    assert set(EN["device_automation"]["trigger_type"]) == set(TRIGGER_TYPES)
    assert set(TRIGGER_TYPES) == {
        "connected",
        "disconnected",
        "time_set",
        "synced",
        "notified",
        "notify_started",
        "notify_stopped",
        "props_changed",
    }


async def test_the_device_lists_a_trigger_per_event_type(
    hass: HomeAssistant, loaded_ble: MockConfigEntry
) -> None:
    listed = await async_get_device_automations(hass, DeviceAutomationType.TRIGGER, device_id(hass))
    ours = [t for t in listed if t["domain"] == DOMAIN]
    assert sorted(t["type"] for t in ours) == sorted(TRIGGER_TYPES)
    assert all(t["device_id"] == device_id(hass) and t["platform"] == "device" for t in ours)
    assert any(t["domain"] == "sensor" for t in listed), "its entities' own triggers are there too"


async def test_automations_fire_on_connection_and_on_a_notified_characteristic(
    hass: HomeAssistant, proxy_entry: MockConfigEntry, ble_entry: MockConfigEntry, proxy: EsphomeBleProxy
) -> None:
    """The device is known (from a first run); automations wait for it, then the peripheral notifies."""
    gatt = env_gatt(proxy)
    temperature, humidity = key_of(gatt, uuid16(0x2A6E)), key_of(gatt, uuid16(0x2A6F))
    device = dr.async_get(hass).async_get_or_create(
        config_entry_id=ENTRY_ID, identifiers={(DOMAIN, f"{ENTRY_ID}:{ENV}")}, name="PyIoT Env"
    )
    fired: list[dict[str, Any]] = []
    hass.bus.async_listen(FIRED, lambda event: fired.append(dict(event.data)))
    assert device.id == device_id(hass)
    assert await async_setup_component(
        hass,
        "automation",
        {
            "automation": [
                automation("connected", trigger(hass, "connected")),
                automation("temperature", trigger(hass, "notified", characteristic=temperature)),
                automation("any notification", trigger(hass, "notified")),
                automation("humidity subscribed", trigger(hass, "notify_started", characteristic=humidity)),
            ]
        },
    )
    assert await hass.config_entries.async_setup(ble_entry.entry_id)
    await until(lambda: any(f["alias"] == "connected" for f in fired))
    assert next(f for f in fired if f["alias"] == "connected")["type"] == "CONNECTED"

    peripheral = next(p for p in proxy.peripherals if p.address == ENV)
    # Subscriptions go in key order: humidity (0x2A6F) is the last one.
    await until(lambda: any(f["alias"] == "humidity subscribed" for f in fired))
    peripheral.set_value(uuid16(0x2A6F), struct.pack("<H", 5000))
    await until(lambda: any(f["alias"] == "any notification" and f["key"] == humidity for f in fired))
    peripheral.set_value(uuid16(0x2A6E), struct.pack("<h", -512))
    await until(lambda: any(f["alias"] == "temperature" for f in fired))
    by_temperature = [f for f in fired if f["alias"] == "temperature"]
    assert by_temperature == [
        {"alias": "temperature", "type": "NOTIFIED", "key": temperature, "value": -5.12}
    ]
    assert await hass.config_entries.async_unload(ble_entry.entry_id)


async def test_notification_triggers_offer_the_ticked_characteristics(
    hass: HomeAssistant,
    hass_ws_client: WebSocketGenerator,
    loaded_ble: MockConfigEntry,
    proxy: EsphomeBleProxy,
) -> None:
    assert await async_setup_component(hass, "device_automation", {})
    client = await hass_ws_client(hass)
    await client.send_json_auto_id(
        {"type": "device_automation/trigger/capabilities", "trigger": trigger(hass, "notified")}
    )
    response = await client.receive_json()
    assert response["success"], response
    (field,) = response["result"]["extra_fields"]
    assert field["name"] == "characteristic"
    assert field["optional"] is True
    options = {o["value"]: o["label"] for o in field["selector"]["select"]["options"]}
    gatt = env_gatt(proxy)
    assert options == {
        key_of(gatt, uuid16(0x2A19)): "Battery level 0x2A19 (notify, read), handle 19",
        key_of(gatt, uuid16(0x2A6E)): "Temperature 0x2A6E (notify, read), handle 23",
        key_of(gatt, uuid16(0x2A6F)): "Humidity 0x2A6F (notify, read), handle 26",
        key_of(gatt, uuid16(0x2A58)): "Analog 0x2A58 (notify, read, write), handle 42",
    }

    await client.send_json_auto_id(
        {"type": "device_automation/trigger/capabilities", "trigger": trigger(hass, "connected")}
    )
    response = await client.receive_json()
    assert response["result"] == {"extra_fields": []}


async def test_bad_trigger_configs_are_refused(hass: HomeAssistant, loaded_ble: MockConfigEntry) -> None:
    with pytest.raises(vol.Invalid):
        await device_trigger.async_validate_trigger_config(
            hass, trigger(hass, "connected", characteristic="x")
        )
    with pytest.raises(vol.Invalid):
        await device_trigger.async_validate_trigger_config(hass, trigger(hass, "exploded"))
    validated = await device_trigger.async_validate_trigger_config(
        hass, trigger(hass, "notify_started", characteristic="abc_1")
    )
    assert validated["characteristic"] == "abc_1"


@pytest.mark.parametrize("entry_type", ["pyaiot_mqtt", "from_a_newer_version"])
async def test_devices_of_kinds_without_triggers_have_none(hass: HomeAssistant, entry_type: str) -> None:
    entry = MockConfigEntry(domain=DOMAIN, data={"entry_type": entry_type}, version=2)
    entry.add_to_hass(hass)
    device = dr.async_get(hass).async_get_or_create(
        config_entry_id=entry.entry_id, identifiers={(DOMAIN, "x")}
    )
    assert await device_trigger.async_get_triggers(hass, device.id) == []
    assert await device_trigger.async_get_triggers(hass, "no such device") == []
    config = {"platform": "device", "domain": DOMAIN, "device_id": device.id, "type": "connected"}
    with pytest.raises(InvalidDeviceAutomationConfig):
        await device_trigger.async_validate_trigger_config(hass, config)
    with pytest.raises(InvalidDeviceAutomationConfig):
        await device_trigger.async_get_trigger_capabilities(hass, config)


async def test_an_automation_stops_listening_when_removed(
    hass: HomeAssistant, loaded_ble: MockConfigEntry, proxy: EsphomeBleProxy
) -> None:
    events: list[Event] = []
    hass.bus.async_listen(FIRED, events.append)
    assert await async_setup_component(
        hass, "automation", {"automation": [automation("disconnected", trigger(hass, "disconnected"))]}
    )
    await until(lambda: loaded_ble.runtime_data.link.device.connected)
    await hass.services.async_call("automation", "turn_off", {"entity_id": "all"}, blocking=True)
    proxy.disconnect_peripheral(ENV)
    await until(lambda: not loaded_ble.runtime_data.link.device.connected)
    await hass.async_block_till_done()
    assert events == []
    await hass.services.async_call("automation", "turn_on", {"entity_id": "all"}, blocking=True)
    await until(lambda: loaded_ble.runtime_data.link.device.connected)
    await hass.services.async_call(DOMAIN, "ble_disconnect", {"device_id": device_id(hass)}, blocking=True)
    await until(lambda: len(events) == 1)
    assert events[0].data["type"] == "DISCONNECTED"
