"""The simulated proxy through bleak-esphome and habluetooth, as Home Assistant drives a user's proxy."""

import asyncio
from collections.abc import Callable
import struct

from bleak.exc import BleakError
import bleak_retry_connector
from bleak_retry_connector import BleakOutOfConnectionSlotsError, establish_connection
import pytest

from tests.support.esphome_ble import BleakStack, bleak_stack
from tools.simulators.ble_peripherals import NUS_RX, NUS_TX, environmental_sensor, nordic_uart, uuid16
from tools.simulators.esphome_ble_proxy import EsphomeBleProxy


async def until(condition: Callable[[], object], limit: float = 5.0) -> None:
    async with asyncio.timeout(limit):
        while not condition():
            await asyncio.sleep(0.01)


async def test_advertisements_reach_the_manager(stack: BleakStack, proxy: EsphomeBleProxy) -> None:
    await until(lambda: all(stack.ble_device(p.address) for p in proxy.peripherals))
    env = next(i for i in reversed(stack.manager.discovered) if i.name == "PyIoT Env")
    assert env.connectable
    assert env.source == proxy.bluetooth_mac
    assert env.rssi == -60
    assert uuid16(0x181A) in env.service_uuids
    assert env.manufacturer_data == {0x0D2A: b"\x01\x02"}
    allocations = stack.manager.async_current_allocations(proxy.bluetooth_mac)
    assert allocations is not None
    assert [(a.slots, a.free) for a in allocations] == [(3, 3)]


async def test_connect_read_write_notify_disconnect(stack: BleakStack, proxy: EsphomeBleProxy) -> None:
    env = next(p for p in proxy.peripherals if p.name == "PyIoT Env")
    await until(lambda: stack.ble_device(env.address))
    device = stack.ble_device(env.address)
    assert device is not None
    dropped: list[object] = []
    client = await establish_connection(
        bleak_retry_connector.BleakClientWithServiceCache, device, "env", disconnected_callback=dropped.append
    )
    assert type(client._backend).__name__ == "ESPHomeClient"
    assert client.mtu_size == 247
    assert {s.uuid for s in client.services} == {s.uuid for s in env.services}
    assert await client.read_gatt_char(uuid16(0x2A19)) == bytearray([87])
    await client.write_gatt_char(uuid16(0x2A58), struct.pack("<H", 1000), response=True)
    assert env.characteristic(uuid16(0x2A58)).value == struct.pack("<H", 1000)

    values: list[bytes] = []
    await client.start_notify(uuid16(0x2A6E), lambda _c, data: values.append(bytes(data)))
    env.set_value(uuid16(0x2A6E), struct.pack("<h", -500))
    await until(lambda: values)
    assert values == [struct.pack("<h", -500)]
    await client.stop_notify(uuid16(0x2A6E))
    env.set_value(uuid16(0x2A6E), struct.pack("<h", 1))
    await asyncio.sleep(0.05)
    assert len(values) == 1

    await client.disconnect()
    assert not client.is_connected
    assert proxy.free_slots == 3
    assert len(dropped) == 1


async def test_services_come_from_the_cache_on_reconnect(stack: BleakStack, proxy: EsphomeBleProxy) -> None:
    uart = next(p for p in proxy.peripherals if p.name == "PyIoT UART")
    await until(lambda: stack.ble_device(uart.address))
    device = stack.ble_device(uart.address)
    assert device is not None
    echoes: list[bytes] = []
    for round_ in range(2):
        client = await establish_connection(bleak_retry_connector.BleakClientWithServiceCache, device, "uart")
        await client.start_notify(NUS_TX, lambda _c, data: echoes.append(bytes(data)))
        await client.write_gatt_char(NUS_RX, b"ping", response=False)
        await until(lambda n=round_: len(echoes) > n)
        await client.disconnect()
    assert echoes == [b"> ping", b"> ping"]


async def test_peripheral_drop_calls_the_disconnected_callback(
    stack: BleakStack, proxy: EsphomeBleProxy
) -> None:
    env = next(p for p in proxy.peripherals if p.name == "PyIoT Env")
    await until(lambda: stack.ble_device(env.address))
    device = stack.ble_device(env.address)
    assert device is not None
    dropped: list[object] = []
    client = await establish_connection(
        bleak_retry_connector.BleakClientWithServiceCache, device, "env", disconnected_callback=dropped.append
    )
    proxy.disconnect_peripheral(env.address)
    await until(lambda: dropped)
    assert not client.is_connected
    with pytest.raises(BleakError):
        await client.read_gatt_char(uuid16(0x2A19))


async def test_disconnect_during_discovery_fails_the_connect(
    stack: BleakStack, proxy: EsphomeBleProxy, monkeypatch: pytest.MonkeyPatch
) -> None:
    flaky = next(p for p in proxy.peripherals if p.name == "PyIoT Flaky")
    await until(lambda: stack.ble_device(flaky.address))
    device = stack.ble_device(flaky.address)
    assert device is not None
    monkeypatch.setattr(bleak_retry_connector, "BLEAK_TRANSIENT_BACKOFF_TIME", 0.01)
    with pytest.raises(BleakError):
        await establish_connection(
            bleak_retry_connector.BleakClientWithServiceCache, device, "flaky", max_attempts=1
        )
    await until(lambda: proxy.free_slots == 3)


async def test_full_slots_raise_out_of_connection_slots(
    socket_enabled: None, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(bleak_retry_connector, "BLEAK_OUT_OF_SLOTS_BACKOFF_TIME", 0.01)
    first, second = environmental_sensor(), nordic_uart()
    async with (
        EsphomeBleProxy([first, second], port=0, slots=1, advertise_interval=0.05) as proxy,
        bleak_stack() as stack,
    ):
        await stack.connect_proxy(proxy.port)
        await until(lambda: stack.ble_device(first.address) and stack.ble_device(second.address))
        device = stack.ble_device(first.address)
        assert device is not None
        held = await establish_connection(bleak_retry_connector.BleakClientWithServiceCache, device, "first")
        other = stack.ble_device(second.address)
        assert other is not None
        with pytest.raises(BleakOutOfConnectionSlotsError):
            await establish_connection(bleak_retry_connector.BleakClientWithServiceCache, other, "second")
        await held.disconnect()
        client = await establish_connection(
            bleak_retry_connector.BleakClientWithServiceCache, other, "second"
        )
        assert client.is_connected
        await client.disconnect()
