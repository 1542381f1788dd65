"""A BLE GATT device entry on HA's real bluetooth and esphome integrations, through the simulated proxy."""

from datetime import timedelta
import struct
from typing import Any

import bleak_retry_connector
from homeassistant.components import bluetooth
from homeassistant.components.number import ATTR_VALUE, SERVICE_SET_VALUE
from homeassistant.components.text import SERVICE_SET_VALUE as TEXT_SET_VALUE
from homeassistant.config_entries import ConfigEntryState
from homeassistant.const import ATTR_ENTITY_ID, SERVICE_TURN_ON, STATE_UNAVAILABLE, STATE_UNKNOWN
from homeassistant.core import Event, HomeAssistant
from homeassistant.exceptions import HomeAssistantError
from homeassistant.helpers import device_registry as dr, entity_registry as er, issue_registry as ir
from homeassistant.util import dt as dt_util
import pytest
from pytest_homeassistant_custom_component.common import MockConfigEntry, async_fire_time_changed

from custom_components.pyiot.const import DOMAIN
from custom_components.pyiot.systems.ble.const import EVENT_BLE
from tests.systems.ble.conftest import ENTRY_ID, ENV, SECURE, UART, binding, env_gatt, link_of, until
from tools.simulators.ble_peripherals import PYIOT_LABEL, PYIOT_SETPOINT, uuid16
from tools.simulators.esphome_ble_proxy import EsphomeBleProxy

UNAVAILABLE_TRACK_SECONDS = 300
POLL = {"mode": "poll", "poll_interval": 3600, "idle_timeout": 0.1}
ON_DEMAND = {"mode": "on_demand", "poll_interval": 60}


def state_of(hass: HomeAssistant, entity_id: str) -> str | None:
    state = hass.states.get(entity_id)
    return None if state is None else state.state


def env_of(proxy: EsphomeBleProxy) -> Any:
    return next(p for p in proxy.peripherals if p.address == ENV)


async def test_persistent_device_reads_then_follows_notifications(
    hass: HomeAssistant, loaded_ble: MockConfigEntry, proxy: EsphomeBleProxy
) -> None:
    events: list[Event] = []
    hass.bus.async_listen(EVENT_BLE, events.append)
    await until(lambda: state_of(hass, "text.pyiot_env_label") == "kitchen")  # the last one read
    assert state_of(hass, "sensor.pyiot_env_pressure") == "1013.25"
    assert state_of(hass, "sensor.pyiot_env_battery_level") == "87"
    assert state_of(hass, "sensor.pyiot_env_temperature") == "21.5"
    assert state_of(hass, "sensor.pyiot_env_humidity") == "45.2"
    assert state_of(hass, "number.pyiot_env_setpoint") == "20.0"
    assert state_of(hass, "text.pyiot_env_label") == "kitchen"
    assert state_of(hass, "sensor.pyiot_env_connected_via") == "pyiot-ble-proxy (AA:BB:CC:00:00:03)"

    env_of(proxy).set_value(uuid16(0x2A6E), struct.pack("<h", -512))
    await until(lambda: state_of(hass, "sensor.pyiot_env_temperature") == "-5.12")
    notified = [e.data for e in events if e.data["type"] == "NOTIFIED"]
    assert notified[-1]["hex"] == struct.pack("<h", -512).hex()
    assert notified[-1]["value"] == -5.12
    assert notified[-1]["address"] == ENV
    assert notified[-1]["entry_id"] == ENTRY_ID

    device = dr.async_get(hass).async_get_device_by_identifier((DOMAIN, f"{ENTRY_ID}:{ENV}"), ENTRY_ID)
    assert device is not None
    assert (device.name, device.manufacturer, device.model, device.sw_version, device.hw_version) == (
        "PyIoT Env",
        "PyIoT Labs",
        "ENV-1",
        "1.4.2",
        "rev B",
    )
    rssi = er.async_get(hass).async_get("sensor.pyiot_env_signal_strength")
    assert rssi is not None
    assert rssi.disabled_by is er.RegistryEntryDisabler.INTEGRATION


async def test_writes_reach_the_peripheral(
    hass: HomeAssistant, loaded_ble: MockConfigEntry, proxy: EsphomeBleProxy
) -> None:
    env = env_of(proxy)
    await until(lambda: state_of(hass, "switch.pyiot_env_relay") == "off")
    await hass.services.async_call(
        "number",
        SERVICE_SET_VALUE,
        {ATTR_ENTITY_ID: "number.pyiot_env_setpoint", ATTR_VALUE: 22.5},
        blocking=True,
    )
    assert env.characteristic(PYIOT_SETPOINT).value == struct.pack("<h", 2250)
    assert state_of(hass, "number.pyiot_env_setpoint") == "22.5"
    await hass.services.async_call(
        "switch", SERVICE_TURN_ON, {ATTR_ENTITY_ID: "switch.pyiot_env_relay"}, blocking=True
    )
    assert env.characteristic(uuid16(0x2A56)).value == b"\x01"
    assert state_of(hass, "switch.pyiot_env_relay") == "on"
    await hass.services.async_call(
        "text", TEXT_SET_VALUE, {ATTR_ENTITY_ID: "text.pyiot_env_label", ATTR_VALUE: "hall"}, blocking=True
    )
    assert env.characteristic(PYIOT_LABEL).value == b"hall"
    await hass.services.async_call(
        "number",
        SERVICE_SET_VALUE,
        {ATTR_ENTITY_ID: "number.pyiot_env_analog", ATTR_VALUE: 1000},
        blocking=True,
    )
    assert env.characteristic(uuid16(0x2A58)).value == struct.pack("<H", 1000)


async def test_reconnects_and_restores_notifications(
    hass: HomeAssistant, loaded_ble: MockConfigEntry, proxy: EsphomeBleProxy, monkeypatch: pytest.MonkeyPatch
) -> None:
    events: list[str] = []
    hass.bus.async_listen(EVENT_BLE, lambda e: events.append(e.data["type"]))
    link = link_of(loaded_ble)
    await until(lambda: link.device.connected and state_of(hass, "text.pyiot_env_label") == "kitchen")
    proxy.disconnect_peripheral(ENV)
    await until(lambda: "DISCONNECTED" in events)
    assert state_of(hass, "sensor.pyiot_env_temperature") == "21.5", "still in range: available"
    await until(lambda: events.count("CONNECTED") >= 2, limit=15)
    await until(lambda: events.count("NOTIFY_STARTED") >= 4)
    env_of(proxy).set_value(uuid16(0x2A6F), struct.pack("<H", 5000))
    await until(lambda: state_of(hass, "sensor.pyiot_env_humidity") == "50.0")


async def test_out_of_range_is_unavailable_and_back_is_available(
    hass: HomeAssistant, proxy_entry: MockConfigEntry, ble_entry: MockConfigEntry, proxy: EsphomeBleProxy
) -> None:
    """The only proxy that hears the device goes away; HA's bluetooth says so; the proxy comes back."""
    hass.config_entries.async_update_entry(ble_entry, options={**ble_entry.options, "policy": POLL})
    assert await hass.config_entries.async_setup(ble_entry.entry_id)
    await hass.async_block_till_done()
    await until(lambda: state_of(hass, "sensor.pyiot_env_battery_level") == "87")
    await until(lambda: not link_of(ble_entry).device.connected)

    assert await hass.config_entries.async_unload(proxy_entry.entry_id)
    await hass.async_block_till_done()
    async_fire_time_changed(hass, dt_util.utcnow() + timedelta(seconds=UNAVAILABLE_TRACK_SECONDS))
    await hass.async_block_till_done()
    assert state_of(hass, "sensor.pyiot_env_battery_level") == STATE_UNAVAILABLE
    assert state_of(hass, "sensor.pyiot_env_connected_via") == STATE_UNAVAILABLE

    assert await hass.config_entries.async_setup(proxy_entry.entry_id)
    await until(lambda: state_of(hass, "sensor.pyiot_env_battery_level") == "87")
    assert await hass.config_entries.async_unload(ble_entry.entry_id)


async def test_device_out_of_range_at_start_is_unavailable(
    hass: HomeAssistant, proxy_entry: MockConfigEntry, ble_entry: MockConfigEntry, proxy: EsphomeBleProxy
) -> None:
    assert await hass.config_entries.async_unload(proxy_entry.entry_id)
    await hass.async_block_till_done()
    async_fire_time_changed(hass, dt_util.utcnow() + timedelta(seconds=UNAVAILABLE_TRACK_SECONDS))
    await hass.async_block_till_done()
    hass.config_entries.async_update_entry(ble_entry, options={**ble_entry.options, "policy": ON_DEMAND})
    assert await hass.config_entries.async_setup(ble_entry.entry_id)
    await hass.async_block_till_done()
    assert state_of(hass, "sensor.pyiot_env_battery_level") == STATE_UNAVAILABLE
    relay = next(
        b["uuid"] + "_" + str(b["handle"])
        for b in ble_entry.options["characteristics"]
        if b.get("name") == "Relay"
    )
    with pytest.raises(HomeAssistantError) as raised:
        await ble_entry.runtime_data.async_write(ENV, relay, True)
    assert raised.value.translation_key == "node_unavailable"
    assert await hass.config_entries.async_unload(ble_entry.entry_id)


async def test_on_demand_connects_only_for_a_write(
    hass: HomeAssistant, proxy_entry: MockConfigEntry, ble_entry: MockConfigEntry, proxy: EsphomeBleProxy
) -> None:
    hass.config_entries.async_update_entry(ble_entry, options={**ble_entry.options, "policy": ON_DEMAND})
    assert await hass.config_entries.async_setup(ble_entry.entry_id)
    await hass.async_block_till_done()
    link = link_of(ble_entry)
    assert state_of(hass, "switch.pyiot_env_relay") == STATE_UNKNOWN, "advertising: available, no value yet"
    assert proxy.stats.connects == 0
    await hass.services.async_call(
        "switch", SERVICE_TURN_ON, {ATTR_ENTITY_ID: "switch.pyiot_env_relay"}, blocking=True
    )
    assert env_of(proxy).characteristic(uuid16(0x2A56)).value == b"\x01"
    await until(lambda: not link.device.connected and proxy.free_slots == proxy.slots)
    assert state_of(hass, "switch.pyiot_env_relay") == "on"
    assert await hass.config_entries.async_unload(ble_entry.entry_id)


@pytest.mark.parametrize("policy", [POLL])
async def test_poll_reads_then_frees_the_slot(
    hass: HomeAssistant, loaded_ble: MockConfigEntry, proxy: EsphomeBleProxy
) -> None:
    await until(lambda: state_of(hass, "sensor.pyiot_env_temperature") == "21.5")
    await until(lambda: proxy.free_slots == proxy.slots)
    assert not link_of(loaded_ble).device.connected
    diagnostics = link_of(loaded_ble).device.diagnostics()
    assert diagnostics["counts"]["polls"] == 1
    assert diagnostics["notifying"] == []


@pytest.mark.allow_pyiot_warnings
async def test_pairing_required_raises_a_repair(
    hass: HomeAssistant, proxy_entry: MockConfigEntry, proxy: EsphomeBleProxy
) -> None:
    gatt = env_gatt(proxy, SECURE)
    entry = MockConfigEntry(
        domain=DOMAIN,
        title="PyIoT Secure",
        unique_id=SECURE,
        data={"entry_type": "ble_gatt", "address": SECURE, "gatt": []},
        options={
            "characteristics": [binding(gatt, uuid16(0x2A6E)).as_dict()],
            "policy": {"mode": "poll", "poll_interval": 3600},
        },
        version=2,
    )
    entry.add_to_hass(hass)
    assert await hass.config_entries.async_setup(entry.entry_id)
    issue_id = f"ble_authentication_{entry.entry_id}"
    await until(lambda: ir.async_get(hass).async_get_issue(DOMAIN, issue_id))
    issue = ir.async_get(hass).async_get_issue(DOMAIN, issue_id)
    assert issue is not None
    assert issue.translation_placeholders == {"name": "PyIoT Secure", "address": SECURE}
    assert await hass.config_entries.async_unload(entry.entry_id)


async def test_without_bluetooth_the_entry_waits(hass: HomeAssistant) -> None:
    entry = MockConfigEntry(
        domain=DOMAIN,
        title="PyIoT Env",
        unique_id=ENV,
        data={"entry_type": "ble_gatt", "address": ENV, "gatt": []},
        options={},
        version=2,
    )
    entry.add_to_hass(hass)
    assert not await hass.config_entries.async_setup(entry.entry_id)
    assert entry.state is ConfigEntryState.SETUP_RETRY


@pytest.mark.allow_pyiot_warnings
async def test_bad_stored_options_are_left_out(
    hass: HomeAssistant,
    proxy_entry: MockConfigEntry,
    ble_entry: MockConfigEntry,
    caplog: pytest.LogCaptureFixture,
) -> None:
    options = {
        "characteristics": [*ble_entry.options["characteristics"][:1], {"uuid": "nope"}],
        "policy": {"mode": "sometimes"},
    }
    hass.config_entries.async_update_entry(ble_entry, options=options)
    assert await hass.config_entries.async_setup(ble_entry.entry_id)
    await until(lambda: state_of(hass, "sensor.pyiot_env_battery_level") == "87")
    assert "cannot be used and is left out" in caplog.text
    assert "the default applies" in caplog.text
    assert link_of(ble_entry).policy.mode == "poll"
    assert await hass.config_entries.async_unload(ble_entry.entry_id)


async def test_no_free_slot_raises_a_repair_until_the_device_connects(
    hass: HomeAssistant,
    proxy_entry: MockConfigEntry,
    ble_entry: MockConfigEntry,
    proxy: EsphomeBleProxy,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setattr(bleak_retry_connector, "BLEAK_OUT_OF_SLOTS_BACKOFF_TIME", 0.01)
    proxy.slots = 1
    proxy.broadcast_slots()
    uart = bluetooth.async_ble_device_from_address(hass, UART, connectable=True)
    assert uart is not None
    held = await bleak_retry_connector.establish_connection(
        bleak_retry_connector.BleakClientWithServiceCache, uart, "held"
    )
    await until(lambda: proxy.free_slots == 0)
    hass.config_entries.async_update_entry(ble_entry, options={**ble_entry.options, "policy": POLL})
    assert await hass.config_entries.async_setup(ble_entry.entry_id)
    issue_id = f"ble_out_of_slots_{ENTRY_ID}"
    await until(lambda: ir.async_get(hass).async_get_issue(DOMAIN, issue_id))
    await held.disconnect()
    await until(lambda: ir.async_get(hass).async_get_issue(DOMAIN, issue_id) is None)
    await until(lambda: state_of(hass, "sensor.pyiot_env_battery_level") == "87")
    assert await hass.config_entries.async_unload(ble_entry.entry_id)
