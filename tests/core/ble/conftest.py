"""Fixtures of the BLE core tests: the simulated ESPHome proxy on loopback and bleak-esphome on it."""

from collections.abc import AsyncIterator

import pytest

from tests.support.esphome_ble import BleakStack, bleak_stack
from tools.simulators.ble_peripherals import (
    environmental_sensor,
    flaky_discovery,
    nordic_uart,
    notification_flood,
    secured_sensor,
)
from tools.simulators.esphome_ble_proxy import EsphomeBleProxy


@pytest.fixture(autouse=True)
def auto_enable_custom_integrations() -> None:
    """Override tests/conftest.py: these tests need no Home Assistant instance."""


@pytest.fixture
async def proxy(socket_enabled: None) -> AsyncIterator[EsphomeBleProxy]:
    """A proxy with every kind of simulated peripheral, 3 slots, on a free loopback port."""
    peripherals = [
        environmental_sensor(),
        nordic_uart(),
        flaky_discovery(),
        notification_flood(),
        secured_sensor(),
    ]
    async with EsphomeBleProxy(peripherals, port=0, advertise_interval=0.05) as proxy:
        yield proxy


@pytest.fixture
async def stack(proxy: EsphomeBleProxy) -> AsyncIterator[BleakStack]:
    """habluetooth + bleak-esphome connected to `proxy`, as HA connects a user's proxy."""
    async with bleak_stack() as stack:
        await stack.connect_proxy(proxy.port)
        yield stack
