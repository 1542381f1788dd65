"""The IoT Hub actions on a BLE GATT device, through HA's real bluetooth + esphome and the simulated proxy."""

import struct

from homeassistant.core import HomeAssistant
from homeassistant.exceptions import HomeAssistantError, ServiceValidationError
from homeassistant.helpers import device_registry as dr
import pytest
from pytest_homeassistant_custom_component.common import MockConfigEntry

from custom_components.pyiot.const import DOMAIN
from tests.systems.ble.conftest import ENTRY_ID, ENV, until
from tools.simulators.ble_peripherals import PYIOT_LABEL, PYIOT_RESET, PYIOT_SETPOINT, uuid16
from tools.simulators.esphome_ble_proxy import EsphomeBleProxy

POLL = {"mode": "poll", "poll_interval": 3600, "idle_timeout": 0}


def device_id(hass: HomeAssistant) -> str:
    device = dr.async_get(hass).async_get_device_by_identifier((DOMAIN, f"{ENTRY_ID}:{ENV}"), ENTRY_ID)
    assert device is not None
    return device.id


async def call(hass: HomeAssistant, name: str, **data: object) -> object:
    return await hass.services.async_call(
        DOMAIN, name, {"device_id": device_id(hass), **data}, blocking=True, return_response=True
    )


@pytest.mark.parametrize("policy", [POLL])
async def test_actions_reach_the_peripheral(
    hass: HomeAssistant, loaded_ble: MockConfigEntry, proxy: EsphomeBleProxy
) -> None:
    env = next(p for p in proxy.peripherals if p.address == ENV)
    await until(lambda: loaded_ble.runtime_data.link.device.diagnostics()["counts"].get("polls"))
    assert await call(hass, "ble_read", characteristic="2A19") == {"hex": "57", "value": 87}
    assert await call(hass, "ble_write", characteristic=PYIOT_LABEL, value="68616c6c") == {"written": 4}
    assert env.characteristic(PYIOT_LABEL).value == b"hall"
    response = await call(hass, "ble_set_time")
    assert isinstance(response, dict)
    assert env.characteristic(uuid16(0x2A2B)).value[:2] == struct.pack("<H", int(response["time"][:4]))
    drift = await call(hass, "ble_sync_time")
    assert isinstance(drift, dict)
    assert abs(drift["drift"]) < 5
    await hass.services.async_call(
        DOMAIN, "ble_start_notify", {"device_id": device_id(hass), "characteristic": "2A6E"}, blocking=True
    )
    await hass.services.async_call(
        DOMAIN, "ble_stop_notify", {"device_id": device_id(hass), "characteristic": "2A6E"}, blocking=True
    )
    await hass.services.async_call(DOMAIN, "ble_disconnect", {"device_id": device_id(hass)}, blocking=True)
    with pytest.raises(HomeAssistantError) as raised:
        await hass.services.async_call(DOMAIN, "ble_reset", {"device_id": device_id(hass)}, blocking=True)
    assert raised.value.translation_key == "ble_request_failed"
    assert raised.value.translation_placeholders["reason"] == "not_configured"
    with pytest.raises(ServiceValidationError):
        await hass.services.async_call(DOMAIN, "ble_disconnect", {"device_id": "nope"}, blocking=True)


@pytest.mark.parametrize("policy", [POLL])
async def test_reset_writes_the_configured_value(
    hass: HomeAssistant, proxy_entry: MockConfigEntry, ble_entry: MockConfigEntry, proxy: EsphomeBleProxy
) -> None:
    env = next(p for p in proxy.peripherals if p.address == ENV)
    hass.config_entries.async_update_entry(
        ble_entry, options={**ble_entry.options, "reset": {"uuid": PYIOT_RESET, "value": "01"}}
    )
    assert await hass.config_entries.async_setup(ble_entry.entry_id)
    env.set_value(PYIOT_SETPOINT, struct.pack("<h", 1234), notify=False)
    await hass.services.async_call(DOMAIN, "ble_reset", {"device_id": device_id(hass)}, blocking=True)
    assert env.characteristic(PYIOT_SETPOINT).value == struct.pack("<h", 2000)
    assert await hass.config_entries.async_unload(ble_entry.entry_id)


@pytest.mark.parametrize("policy", [POLL])
async def test_reset_chosen_in_the_options_reaches_the_device(
    hass: HomeAssistant, loaded_ble: MockConfigEntry, proxy: EsphomeBleProxy
) -> None:
    """The user picks the reset characteristic and value under Configure; the action writes them."""
    env = next(p for p in proxy.peripherals if p.address == ENV)
    reset_key = f"{PYIOT_RESET}_{env.characteristic(PYIOT_RESET).handle}"
    for value, accepted in (("02", False), ("01", True)):
        result = await hass.config_entries.options.async_init(loaded_ble.entry_id)
        result = await hass.config_entries.options.async_configure(
            result["flow_id"],
            {
                "characteristics": [],
                "mode": "poll",
                "poll_interval": 3600,
                "reset": {"reset_characteristic": reset_key, "reset_value": value},
            },
        )
        await hass.async_block_till_done()
        assert loaded_ble.options["reset"]["value"] == value
        env.set_value(PYIOT_SETPOINT, struct.pack("<h", 1234), notify=False)
        if accepted:
            await hass.services.async_call(DOMAIN, "ble_reset", {"device_id": device_id(hass)}, blocking=True)
            assert env.characteristic(PYIOT_SETPOINT).value == struct.pack("<h", 2000)
        else:
            with pytest.raises(HomeAssistantError) as raised:
                await hass.services.async_call(
                    DOMAIN, "ble_reset", {"device_id": device_id(hass)}, blocking=True
                )
            assert raised.value.translation_key == "ble_request_failed"
            assert env.characteristic(PYIOT_SETPOINT).value == struct.pack("<h", 1234)
