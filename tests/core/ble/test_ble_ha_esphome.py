"""HA's real `esphome` and `bluetooth` integrations on the simulated proxy: the base of the HA side."""

import asyncio
from unittest.mock import MagicMock

import bleak_retry_connector
from bleak_retry_connector import establish_connection
from homeassistant.components import bluetooth
from homeassistant.components.esphome.const import (
    CONF_BLUETOOTH_MAC_ADDRESS,
    CONF_NOISE_PSK,
    DOMAIN as ESPHOME,
)
from homeassistant.const import CONF_HOST, CONF_PASSWORD, CONF_PORT
from homeassistant.core import HomeAssistant
from homeassistant.helpers import issue_registry as ir
from homeassistant.setup import async_setup_component
from pytest_homeassistant_custom_component.common import MockConfigEntry

from tools.simulators.ble_peripherals import uuid16
from tools.simulators.esphome_ble_proxy import EsphomeBleProxy


async def test_ha_esphome_sees_and_connects_through_the_simulated_proxy(
    hass: HomeAssistant, enable_bluetooth: None, mock_async_zeroconf: MagicMock, proxy: EsphomeBleProxy
) -> None:
    assert await async_setup_component(hass, "homeassistant", {})
    entry = MockConfigEntry(
        domain=ESPHOME,
        unique_id=proxy.mac.lower(),
        data={CONF_HOST: "127.0.0.1", CONF_PORT: proxy.port, CONF_PASSWORD: "", CONF_NOISE_PSK: None},
        options={},
    )
    entry.add_to_hass(hass)
    assert await hass.config_entries.async_setup(entry.entry_id)
    await hass.async_block_till_done()
    env = next(p for p in proxy.peripherals if p.name == "PyIoT Env")
    async with asyncio.timeout(10):
        while bluetooth.async_ble_device_from_address(hass, env.address, connectable=True) is None:
            await asyncio.sleep(0.05)
    assert [key for key in ir.async_get(hass).issues if key[0] == ESPHOME] == [], (
        "no firmware or password issue"
    )
    assert entry.data[CONF_BLUETOOTH_MAC_ADDRESS] == proxy.bluetooth_mac
    info = bluetooth.async_last_service_info(hass, env.address, connectable=True)
    assert info is not None
    assert info.source == proxy.bluetooth_mac
    device = bluetooth.async_ble_device_from_address(hass, env.address, connectable=True)
    assert device is not None
    client = await establish_connection(bleak_retry_connector.BleakClientWithServiceCache, device, "env")
    assert await client.read_gatt_char(uuid16(0x2A19)) == bytearray([87])
    await client.disconnect()
    assert await hass.config_entries.async_unload(entry.entry_id)
    await hass.async_block_till_done()
