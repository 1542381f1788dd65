"""Fixtures of the BLE GATT entry tests: HA's real bluetooth and esphome integrations on the simulated proxy.

There is no radio: the simulated ESPHome Bluetooth proxy (`tools/simulators/esphome_ble_proxy.py`)
speaks ESPHome's native API on loopback, HA's `esphome` integration connects to it as to a user's
proxy, and its advertisements and GATT reach PyIoT through HA's `bluetooth` and bleak-esphome.
"""

import asyncio
from collections.abc import AsyncGenerator, AsyncIterator, Callable, Iterator
from typing import Any
from unittest.mock import MagicMock, PropertyMock, patch

from homeassistant.components import bluetooth
from homeassistant.components.esphome.const import CONF_NOISE_PSK, DOMAIN as ESPHOME
from homeassistant.const import CONF_HOST, CONF_PASSWORD, CONF_PORT
from homeassistant.core import HomeAssistant
from homeassistant.setup import async_setup_component
import pytest
from pytest_homeassistant_custom_component.common import MockConfigEntry

from custom_components.pyiot.const import CONF_ENTRY_TYPE, DOMAIN, ENTRY_VERSION
from custom_components.pyiot.core.protocols.ble import (
    CharacteristicBinding,
    GattCharacteristic,
    UserFormat,
    ValueFormat,
    point_key,
)
from custom_components.pyiot.systems.ble.const import (
    BLE_GATT,
    CONF_ADDRESS,
    CONF_CHARACTERISTICS,
    CONF_GATT,
    CONF_POLICY,
)
from custom_components.pyiot.systems.ble.explorer import gatt_as_dict
from custom_components.pyiot.systems.ble.runtime import BleDeviceLink
from tests.support.entries import entry_loaded
from tools.simulators.ble_peripherals import (
    PYIOT_LABEL,
    PYIOT_SETPOINT,
    Peripheral,
    Prop,
    environmental_sensor,
    nordic_uart,
    secured_sensor,
    uuid16,
)
from tools.simulators.esphome_ble_proxy import EsphomeBleProxy

ENV = "C0:FF:EE:00:00:01"
UART = "C0:FF:EE:00:00:02"
SECURE = "C0:FF:EE:00:00:05"
ENTRY_ID = "01BLEGATTENTRY"


async def until(condition: Callable[[], object], limit: float = 10.0) -> None:
    """Wait (in real time: the proxy is a real server) until `condition()` holds."""
    async with asyncio.timeout(limit):
        while not condition():
            await asyncio.sleep(0.02)


@pytest.fixture
def entity_registry_enabled_by_default() -> Iterator[None]:
    """Every entity enabled, the diagnostic ones disabled by default included (as HA core's fixture)."""
    with patch(
        "homeassistant.helpers.entity.Entity.entity_registry_enabled_default",
        new_callable=PropertyMock,
        return_value=True,
    ):
        yield


@pytest.fixture
def peripherals() -> list[Peripheral]:
    """What the proxy has in range; a test module may give its own."""
    return [environmental_sensor(ENV), nordic_uart(UART), secured_sensor(SECURE)]


@pytest.fixture
async def proxy(socket_enabled: None, peripherals: list[Peripheral]) -> AsyncIterator[EsphomeBleProxy]:
    """The simulated proxy on a free loopback port."""
    async with EsphomeBleProxy(peripherals, port=0, advertise_interval=0.05) as proxy:
        yield proxy


@pytest.fixture
async def proxy_entry(
    hass: HomeAssistant, enable_bluetooth: None, mock_async_zeroconf: MagicMock, proxy: EsphomeBleProxy
) -> AsyncGenerator[MockConfigEntry]:
    """HA's esphome integration connected to the proxy, once HA's bluetooth hears every peripheral."""
    assert await async_setup_component(hass, "homeassistant", {})
    entry = MockConfigEntry(
        domain=ESPHOME,
        unique_id=proxy.mac.lower(),
        data={CONF_HOST: "127.0.0.1", CONF_PORT: proxy.port, CONF_PASSWORD: "", CONF_NOISE_PSK: None},
        options={},
    )
    entry.add_to_hass(hass)
    async for loaded in entry_loaded(hass, entry):
        await until(
            lambda: all(
                bluetooth.async_ble_device_from_address(hass, p.address, connectable=True)
                for p in proxy.peripherals
            )
        )
        yield loaded


def env_gatt(proxy: EsphomeBleProxy, address: str = ENV) -> list[GattCharacteristic]:
    """The explorer's list of a simulated peripheral, as the flow stores it."""
    peripheral = next(p for p in proxy.peripherals if p.address == address)
    names = {
        Prop.READ: "read",
        Prop.WRITE: "write",
        Prop.WRITE_WITHOUT_RESPONSE: "write-without-response",
        Prop.NOTIFY: "notify",
        Prop.INDICATE: "indicate",
    }
    return [
        GattCharacteristic(
            uuid=c.uuid,
            handle=c.handle,
            properties=frozenset(name for flag, name in names.items() if c.properties & flag),
            service_uuid=service.uuid,
        )
        for service in peripheral.services
        for c in service.characteristics
    ]


def binding(gatt: list[GattCharacteristic], uuid: str, **kwargs: Any) -> CharacteristicBinding:
    """The binding of the first characteristic with `uuid`."""
    characteristic = next(c for c in gatt if c.uuid == uuid)
    return CharacteristicBinding.for_characteristic(characteristic, **kwargs)


def key_of(gatt: list[GattCharacteristic], uuid: str) -> str:
    """The point key of the first characteristic with `uuid`."""
    characteristic = next(c for c in gatt if c.uuid == uuid)
    return point_key(characteristic.uuid, characteristic.handle)


@pytest.fixture
def policy() -> dict[str, Any]:
    """The connection policy of the entry under test."""
    return {"mode": "persistent", "poll_interval": 300.0}


@pytest.fixture
def ble_entry(hass: HomeAssistant, proxy: EsphomeBleProxy, policy: dict[str, Any]) -> MockConfigEntry:
    """The environmental sensor's entry: battery, temperature, humidity, pressure, Automation IO, setpoint."""
    gatt = env_gatt(proxy)
    bindings = [
        binding(gatt, uuid16(0x2A19)),
        binding(gatt, uuid16(0x2A6E)),
        binding(gatt, uuid16(0x2A6F)),
        binding(gatt, uuid16(0x2A6D)),
        binding(gatt, uuid16(0x2A58)),
        binding(gatt, uuid16(0x2A56), fmt=UserFormat(format=ValueFormat.BOOL), name="Relay"),
        binding(
            gatt,
            PYIOT_SETPOINT,
            fmt=UserFormat(format=ValueFormat.I16, scale=0.01, unit="°C"),
            name="Setpoint",
        ),
        binding(gatt, PYIOT_LABEL, fmt=UserFormat(format=ValueFormat.UTF8), name="Label"),
    ]
    entry = MockConfigEntry(
        domain=DOMAIN,
        title="PyIoT Env",
        unique_id=ENV,
        data={CONF_ENTRY_TYPE: BLE_GATT, CONF_ADDRESS: ENV, CONF_GATT: [gatt_as_dict(c) for c in gatt]},
        options={CONF_CHARACTERISTICS: [b.as_dict() for b in bindings], CONF_POLICY: policy},
        entry_id=ENTRY_ID,
        version=ENTRY_VERSION,
    )
    entry.add_to_hass(hass)
    return entry


@pytest.fixture
async def loaded_ble(
    hass: HomeAssistant, proxy_entry: MockConfigEntry, ble_entry: MockConfigEntry
) -> AsyncGenerator[MockConfigEntry]:
    """The BLE entry set up on the proxy."""
    async for entry in entry_loaded(hass, ble_entry):
        yield entry


def link_of(entry: MockConfigEntry) -> BleDeviceLink:
    """The running transport of a loaded entry."""
    link = entry.runtime_data.transport
    assert isinstance(link, BleDeviceLink)
    return link
