"""The BLE GATT flows on HA's real bluetooth + esphome: discovery, device list, explorer, formats, options."""

from datetime import timedelta
import json
from pathlib import Path
from typing import Any

from bleak.backends.device import BLEDevice
import bleak_retry_connector
from habluetooth import get_manager
from homeassistant.components import bluetooth
from homeassistant.components.bluetooth import BluetoothServiceInfoBleak
from homeassistant.config_entries import SOURCE_BLUETOOTH, SOURCE_USER
from homeassistant.core import HomeAssistant
from homeassistant.data_entry_flow import FlowResultType
from homeassistant.util import dt as dt_util
import pytest
from pytest_homeassistant_custom_component.common import MockConfigEntry, async_fire_time_changed

from custom_components.pyiot.const import DOMAIN
from custom_components.pyiot.core.protocols.ble import GattCharacteristic
from custom_components.pyiot.systems.ble.const import DISCOVERY_SERVICES
from custom_components.pyiot.systems.ble.explorer import characteristics_schema
from tests.systems.ble.conftest import ENV, SECURE, UART, env_gatt, key_of, until
from tools.simulators.ble_peripherals import (
    NUS_RX,
    NUS_TX,
    PYIOT_RESET,
    PYIOT_SETPOINT,
    Peripheral,
    environmental_sensor,
    flaky_discovery,
    nordic_uart,
    secured_sensor,
    uuid16,
)
from tools.simulators.esphome_ble_proxy import EsphomeBleProxy

FLAKY = "C0:FF:EE:00:00:03"
UNAVAILABLE_TRACK_SECONDS = 300
MANIFEST = json.loads((Path(__file__).parents[3] / "custom_components/pyiot/manifest.json").read_text())

pytestmark = pytest.mark.usefixtures("mock_setup_entry")


@pytest.fixture
def peripherals() -> list[Peripheral]:
    """Every peripheral a flow meets: a sensor, a UART, a secured sensor, one that drops discovery."""
    return [environmental_sensor(ENV), nordic_uart(UART), secured_sensor(SECURE), flaky_discovery(FLAKY)]


def discovery_flows(hass: HomeAssistant) -> dict[str, Any]:
    return {
        flow["context"]["unique_id"]: flow
        for flow in hass.config_entries.flow.async_progress_by_handler(DOMAIN)
        if flow["context"]["source"] == SOURCE_BLUETOOTH
    }


async def explored(hass: HomeAssistant, result: Any) -> Any:
    """The flow's next form once the explorer's progress (connect, list the GATT) is over."""
    assert result["type"] is FlowResultType.SHOW_PROGRESS
    assert result["step_id"] == "ble_gatt_connect"
    assert result["progress_action"] == "ble_exploring"
    await hass.async_block_till_done()
    return await hass.config_entries.flow.async_configure(result["flow_id"])


def test_manifest_matches_the_documented_services() -> None:
    assert [m["service_uuid"] for m in MANIFEST["bluetooth"]] == list(DISCOVERY_SERVICES)
    assert all(m["connectable"] for m in MANIFEST["bluetooth"])


async def test_discovery_confirm_explore_and_formats(
    hass: HomeAssistant, proxy_entry: MockConfigEntry, proxy: EsphomeBleProxy
) -> None:
    """HA's bluetooth discovers the sensors by their services; one is added with a custom format."""
    await until(lambda: {ENV, UART, SECURE, FLAKY} <= set(discovery_flows(hass)))
    flow = discovery_flows(hass)[ENV]
    assert flow["step_id"] == "ble_gatt_confirm"
    assert flow["context"]["title_placeholders"] == {"node": "PyIoT Env"}

    result = await explored(hass, await hass.config_entries.flow.async_configure(flow["flow_id"], {}))
    assert result["step_id"] == "ble_gatt_characteristics"
    gatt = env_gatt(proxy)
    schema = result["data_schema"].schema
    listed = {o["value"]: o["label"] for o in next(iter(schema.values())).config["options"]}
    assert listed[key_of(gatt, uuid16(0x2A6E))] == "Temperature 0x2A6E (notify, read), handle 23"
    assert key_of(gatt, uuid16(0x2A29)) not in listed, "Device Information goes to the registry"
    assert key_of(gatt, uuid16(0x2A2B)) not in listed, "Current Time is not an entity"
    assert key_of(gatt, uuid16(0x2A00)) not in listed, "GAP is hidden"

    chosen = [key_of(gatt, uuid16(0x2A6E)), key_of(gatt, PYIOT_SETPOINT), key_of(gatt, uuid16(0x2A19))]
    result = await hass.config_entries.flow.async_configure(
        flow["flow_id"], {"characteristics": chosen, "mode": "persistent", "poll_interval": 60}
    )
    assert result["step_id"] == "ble_gatt_format"
    assert result["description_placeholders"]["uuid"] == PYIOT_SETPOINT
    result = await hass.config_entries.flow.async_configure(flow["flow_id"], {"format": "i16", "scale": 0})
    assert result["errors"] == {"base": "ble_bad_format"}
    result = await hass.config_entries.flow.async_configure(
        flow["flow_id"], {"format": "i16", "scale": 0.01, "unit": "°C", "name": "Setpoint"}
    )
    assert result["type"] is FlowResultType.CREATE_ENTRY
    assert result["title"] == "PyIoT Env"
    assert result["result"].unique_id == ENV
    assert result["data"]["address"] == ENV
    assert len(result["data"]["gatt"]) == len(listed)
    options = result["options"]
    assert options["policy"] == {"mode": "persistent", "poll_interval": 60.0}
    assert [c["uuid"] for c in options["characteristics"]] == [uuid16(0x2A6E), uuid16(0x2A19), PYIOT_SETPOINT]
    assert options["characteristics"][2] == {
        "uuid": PYIOT_SETPOINT,
        "handle": 46,
        "properties": ["read", "write"],
        "format": "i16",
        "scale": 0.01,
        "unit": "°C",
        "name": "Setpoint",
    }
    assert proxy.free_slots == proxy.slots, "the explorer disconnected"

    again = await hass.config_entries.flow.async_init(
        DOMAIN,
        context={"source": SOURCE_BLUETOOTH},
        data=_info(hass, ENV),
    )
    assert again["type"] is FlowResultType.ABORT
    assert again["reason"] == "already_configured"


async def test_user_picks_from_the_devices_bluetooth_hears(
    hass: HomeAssistant, proxy_entry: MockConfigEntry, proxy: EsphomeBleProxy
) -> None:
    result = await hass.config_entries.flow.async_init(DOMAIN, context={"source": SOURCE_USER})
    result = await hass.config_entries.flow.async_configure(result["flow_id"], {"next_step_id": "ble_gatt"})
    assert result["step_id"] == "ble_gatt"
    options = result["data_schema"].schema["address"].config["options"]
    labels = {o["value"]: o["label"] for o in options}
    assert labels[UART] == f"PyIoT UART ({UART}), -60 dBm via pyiot-ble-proxy (AA:BB:CC:00:00:03)"

    result = await explored(
        hass, await hass.config_entries.flow.async_configure(result["flow_id"], {"address": UART})
    )
    assert result["step_id"] == "ble_gatt_characteristics"
    uart = env_gatt(proxy, UART)
    keys = [key_of(uart, NUS_RX), key_of(uart, NUS_TX)]
    result = await hass.config_entries.flow.async_configure(
        result["flow_id"], {"characteristics": keys, "mode": "on_demand", "poll_interval": 300}
    )
    assert result["description_placeholders"]["uuid"] == NUS_RX
    result = await hass.config_entries.flow.async_configure(result["flow_id"], {"format": "utf8", "scale": 1})
    assert result["description_placeholders"]["uuid"] == NUS_TX
    result = await hass.config_entries.flow.async_configure(result["flow_id"], {"format": "hex", "scale": 1})
    assert result["type"] is FlowResultType.CREATE_ENTRY
    assert [c["format"] for c in result["options"]["characteristics"]] == ["utf8", "hex"]
    assert UART not in discovery_flows(hass), "the discovery flow of the same device went away"

    result = await hass.config_entries.flow.async_init(DOMAIN, context={"source": SOURCE_USER})
    result = await hass.config_entries.flow.async_configure(result["flow_id"], {"next_step_id": "ble_gatt"})
    listed = {o["value"] for o in result["data_schema"].schema["address"].config["options"]}
    assert UART not in listed
    assert ENV in listed


async def test_a_failed_exploration_says_why_and_retries(
    hass: HomeAssistant, proxy_entry: MockConfigEntry, proxy: EsphomeBleProxy, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(bleak_retry_connector, "BLEAK_TRANSIENT_BACKOFF_TIME", 0.01)
    monkeypatch.setattr(bleak_retry_connector, "BLEAK_OUT_OF_SLOTS_BACKOFF_TIME", 0.01)
    result = await hass.config_entries.flow.async_init(DOMAIN, context={"source": SOURCE_USER})
    result = await hass.config_entries.flow.async_configure(result["flow_id"], {"next_step_id": "ble_gatt"})
    result = await explored(
        hass, await hass.config_entries.flow.async_configure(result["flow_id"], {"address": FLAKY})
    )
    assert result["step_id"] == "ble_gatt_retry"
    assert result["errors"] == {"base": "ble_cannot_connect"}
    assert result["description_placeholders"]["name"] == "PyIoT Flaky"

    flaky = next(p for p in proxy.peripherals if p.address == FLAKY)
    flaky.disconnect_during_discovery = False
    proxy.slots = 1
    proxy.broadcast_slots()
    await until(lambda: _free_slots(proxy) == 1)
    device = bluetooth.async_ble_device_from_address(hass, ENV, connectable=True)
    assert device is not None
    held = await bleak_retry_connector.establish_connection(
        bleak_retry_connector.BleakClientWithServiceCache, device, "held"
    )
    await until(lambda: _free_slots(proxy) == 0)
    result = await explored(hass, await hass.config_entries.flow.async_configure(result["flow_id"], {}))
    assert result["errors"] == {"base": "ble_out_of_slots"}

    await held.disconnect()
    await until(lambda: _free_slots(proxy) == 1)
    result = await explored(hass, await hass.config_entries.flow.async_configure(result["flow_id"], {}))
    assert result["step_id"] == "ble_gatt_characteristics"
    result = await hass.config_entries.flow.async_configure(
        result["flow_id"], {"mode": "poll", "poll_interval": 300}
    )
    assert result["type"] is FlowResultType.CREATE_ENTRY
    assert {c["uuid"] for c in result["options"]["characteristics"]} == {
        uuid16(n) for n in (0x2A19, 0x2A6E, 0x2A6F, 0x2A6D, 0x2AFB, 0x2A58)
    }, "the known characteristics are ticked by themselves"


async def test_device_gone_before_exploring(hass: HomeAssistant, proxy_entry: MockConfigEntry) -> None:
    await until(lambda: SECURE in discovery_flows(hass))
    assert await hass.config_entries.async_unload(proxy_entry.entry_id)
    async_fire_time_changed(hass, dt_util.utcnow() + timedelta(seconds=UNAVAILABLE_TRACK_SECONDS))
    await hass.async_block_till_done()
    result = await explored(
        hass, await hass.config_entries.flow.async_configure(discovery_flows(hass)[SECURE]["flow_id"], {})
    )
    assert result["errors"] == {"base": "ble_not_found"}


async def test_unnamed_device_is_named_by_its_address(
    hass: HomeAssistant, proxy_entry: MockConfigEntry
) -> None:
    info = _info(hass, SECURE)
    address = "C0:FF:EE:00:00:77"
    unnamed = BluetoothServiceInfoBleak.from_device_and_advertisement_data(
        BLEDevice(address, None, {}),
        info.advertisement._replace(local_name=None),
        info.source,
        info.time,
        info.connectable,
    )
    result = await hass.config_entries.flow.async_init(
        DOMAIN, context={"source": SOURCE_BLUETOOTH}, data=unnamed
    )
    assert result["description_placeholders"] == {"name": address, "address": address}


async def test_no_devices_and_no_bluetooth(hass: HomeAssistant, enable_bluetooth: None) -> None:
    result = await hass.config_entries.flow.async_init(DOMAIN, context={"source": SOURCE_USER})
    result = await hass.config_entries.flow.async_configure(result["flow_id"], {"next_step_id": "ble_gatt"})
    assert result["type"] is FlowResultType.ABORT
    assert result["reason"] == "ble_no_devices"


async def test_without_bluetooth_the_flow_stops(hass: HomeAssistant) -> None:
    result = await hass.config_entries.flow.async_init(DOMAIN, context={"source": SOURCE_USER})
    result = await hass.config_entries.flow.async_configure(result["flow_id"], {"next_step_id": "ble_gatt"})
    assert result["type"] is FlowResultType.ABORT
    assert result["reason"] == "ble_bluetooth_not_configured"


async def test_options_change_characteristics_and_policy(
    hass: HomeAssistant, proxy: EsphomeBleProxy, ble_entry: MockConfigEntry
) -> None:
    gatt = env_gatt(proxy)
    result = await hass.config_entries.options.async_init(ble_entry.entry_id)
    assert result["step_id"] == "ble_gatt"
    schema = result["data_schema"].schema
    defaults = {str(k): k.default() for k in schema if str(k) != "reset"}
    assert defaults["mode"] == "persistent"
    assert len(defaults["characteristics"]) == len(ble_entry.options["characteristics"])

    keep = [key_of(gatt, PYIOT_SETPOINT), key_of(gatt, uuid16(0x2A19))]
    new = key_of(gatt, uuid16(0x2A2B))  # offered again as the entry stored every characteristic
    result = await hass.config_entries.options.async_configure(
        result["flow_id"], {"characteristics": [*keep, new], "mode": "poll", "poll_interval": 120}
    )
    assert result["step_id"] == "ble_gatt_format"
    result = await hass.config_entries.options.async_configure(
        result["flow_id"], {"format": "hex", "scale": 1}
    )
    assert result["type"] is FlowResultType.CREATE_ENTRY
    options = ble_entry.options
    assert options["policy"] == {"mode": "poll", "poll_interval": 120.0}
    setpoint = next(c for c in options["characteristics"] if c["uuid"] == PYIOT_SETPOINT)
    assert setpoint["scale"] == 0.01, "a kept characteristic keeps its format"
    assert [c["uuid"] for c in options["characteristics"]] == [PYIOT_SETPOINT, uuid16(0x2A19), uuid16(0x2A2B)]


async def test_options_without_unknown_characteristics_finish_at_once(
    hass: HomeAssistant, proxy: EsphomeBleProxy, ble_entry: MockConfigEntry
) -> None:
    result = await hass.config_entries.options.async_init(ble_entry.entry_id)
    result = await hass.config_entries.options.async_configure(
        result["flow_id"], {"characteristics": [], "mode": "on_demand", "poll_interval": 300}
    )
    assert result["type"] is FlowResultType.CREATE_ENTRY
    assert ble_entry.options["characteristics"] == []


def _info(hass: HomeAssistant, address: str) -> BluetoothServiceInfoBleak:
    info = bluetooth.async_last_service_info(hass, address, connectable=True)
    assert info is not None
    return info


def _free_slots(proxy: EsphomeBleProxy) -> int | None:
    allocations = get_manager().async_current_allocations(proxy.bluetooth_mac)
    return allocations[0].free if allocations else None


async def test_the_reset_request_is_chosen_while_adding(
    hass: HomeAssistant, proxy_entry: MockConfigEntry, proxy: EsphomeBleProxy
) -> None:
    gatt = env_gatt(proxy)
    reset_key = key_of(gatt, PYIOT_RESET)
    result = await hass.config_entries.flow.async_init(DOMAIN, context={"source": SOURCE_USER})
    result = await hass.config_entries.flow.async_configure(result["flow_id"], {"next_step_id": "ble_gatt"})
    result = await explored(
        hass, await hass.config_entries.flow.async_configure(result["flow_id"], {"address": ENV})
    )
    assert result["step_id"] == "ble_gatt_characteristics"
    reset = _section(result, "reset")
    assert reset.options == {"collapsed": True}
    offered = {o["value"] for o in _fields(reset)["reset_characteristic"].config["options"]}
    assert reset_key in offered, "a write-only characteristic that is not an entity"
    assert key_of(gatt, uuid16(0x2A6E)) not in offered, "read-only characteristics cannot reset"

    policy = {"characteristics": [], "mode": "poll", "poll_interval": 300}
    for bad in (
        {"reset_value": "01"},
        {"reset_characteristic": reset_key, "reset_value": "zz"},
        {"reset_characteristic": reset_key},
        {"reset_characteristic": reset_key, "reset_value": "00" * 513},
    ):
        result = await hass.config_entries.flow.async_configure(result["flow_id"], {**policy, "reset": bad})
        assert result["errors"] == {"base": "ble_bad_reset"}, bad
        assert _section(result, "reset").options == {"collapsed": False}
        assert _suggested(_section(result, "reset")) == {
            "reset_characteristic": bad.get("reset_characteristic"),
            "reset_value": bad.get("reset_value"),
        }, "the form keeps what was typed"

    result = await hass.config_entries.flow.async_configure(
        result["flow_id"], {**policy, "reset": {"reset_characteristic": reset_key, "reset_value": "0x01"}}
    )
    assert result["type"] is FlowResultType.CREATE_ENTRY
    handle = int(reset_key.rsplit("_", 1)[1])
    assert result["options"]["reset"] == {"uuid": PYIOT_RESET, "handle": handle, "value": "01"}


async def test_options_change_and_clear_the_reset_request(
    hass: HomeAssistant, proxy: EsphomeBleProxy, ble_entry: MockConfigEntry
) -> None:
    gatt = env_gatt(proxy)
    reset_key = key_of(gatt, PYIOT_RESET)
    hass.config_entries.async_update_entry(
        ble_entry, options={**ble_entry.options, "reset": {"uuid": PYIOT_RESET, "value": "01"}}
    )
    result = await hass.config_entries.options.async_init(ble_entry.entry_id)
    reset = _section(result, "reset")
    assert reset.options == {"collapsed": False}
    assert _suggested(reset) == {"reset_characteristic": reset_key, "reset_value": "01"}

    keep = {"characteristics": [key_of(gatt, uuid16(0x2A19))], "mode": "poll", "poll_interval": 300}
    result = await hass.config_entries.options.async_configure(
        result["flow_id"], {**keep, "reset": {"reset_characteristic": reset_key, "reset_value": "x"}}
    )
    assert result["errors"] == {"base": "ble_bad_reset"}
    assert _suggested(_section(result, "reset"))["reset_value"] == "x"
    result = await hass.config_entries.options.async_configure(
        result["flow_id"],
        {**keep, "reset": {"reset_characteristic": key_of(gatt, PYIOT_SETPOINT), "reset_value": "d0 07"}},
    )
    assert result["type"] is FlowResultType.CREATE_ENTRY
    assert ble_entry.options["reset"] == {"uuid": PYIOT_SETPOINT, "handle": 46, "value": "d007"}

    result = await hass.config_entries.options.async_init(ble_entry.entry_id)
    result = await hass.config_entries.options.async_configure(result["flow_id"], {**keep, "reset": {}})
    assert result["type"] is FlowResultType.CREATE_ENTRY
    assert "reset" not in ble_entry.options


async def test_a_stored_reset_of_a_vanished_characteristic_keeps_its_value(
    hass: HomeAssistant, proxy: EsphomeBleProxy, ble_entry: MockConfigEntry
) -> None:
    hass.config_entries.async_update_entry(
        ble_entry,
        options={**ble_entry.options, "reset": {"uuid": uuid16(0xFFF1), "handle": 7, "value": "aa"}},
    )
    result = await hass.config_entries.options.async_init(ble_entry.entry_id)
    assert _suggested(_section(result, "reset")) == {"reset_characteristic": None, "reset_value": "aa"}


def test_a_device_without_writable_characteristics_has_no_reset() -> None:
    readable = [c for c in _ENV_GATT if "write" not in c.properties]
    schema = characteristics_schema(readable, selected=[], mode="poll", poll_interval=300)
    assert "reset" not in {str(key) for key in schema.schema}


_ENV_GATT = [
    GattCharacteristic(
        uuid=uuid16(0x2A19), handle=19, properties=frozenset({"read"}), service_uuid=uuid16(0x180F)
    )
]


def _section(result: Any, name: str) -> Any:
    return next(value for key, value in result["data_schema"].schema.items() if str(key) == name)


def _fields(section: Any) -> dict[str, Any]:
    return {str(key): value for key, value in section.schema.schema.items()}


def _suggested(section: Any) -> dict[str, Any]:
    return {str(key): (key.description or {}).get("suggested_value") for key in section.schema.schema}
