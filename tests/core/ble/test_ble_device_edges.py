"""Edge cases of the device engine: slow answers, odd device data, read-only clocks, poll failures."""

import asyncio
import logging
import struct

import pytest
from test_ble_device import FAST, NOW, Harness, bind

from custom_components.pyiot.core.protocols.ble import (
    BleError,
    BleErrorKey,
    BleGattDevice,
    CharacteristicBinding,
    ConnectionMode,
    ConnectionPolicy,
    GattCharacteristic,
    encode_current_time,
)
from tests.support.esphome_ble import BleakStack
from tests.support.recording_listener import RecordingListener
from tools.simulators.ble_peripherals import AttError, Prop, uuid16
from tools.simulators.esphome_ble_proxy import EsphomeBleProxy


@pytest.fixture
async def harness(stack: BleakStack, proxy: EsphomeBleProxy):
    harness = Harness(stack, proxy)
    for peripheral in proxy.peripherals:
        await harness.seen(peripheral)
    yield harness
    for device in harness.devices:
        await device.async_stop()


async def test_slow_answers_time_out_with_a_typed_error(harness: Harness) -> None:
    env = harness.peripheral("PyIoT Env")
    device = harness.device(env, ConnectionPolicy(mode=ConnectionMode.ON_DEMAND, operation_timeout=0.2))
    await device.read("2a19")
    env.characteristic(uuid16(0x2A19)).delay = 1.0
    with pytest.raises(BleError) as err:
        await device.read("2a19")
    assert err.value.key == BleErrorKey.TIMEOUT
    env.characteristic(uuid16(0x2A19)).delay = 0
    assert (await device.read("2a19")).value == 87


@pytest.mark.allow_pyiot_warnings
async def test_odd_device_data_is_logged_not_raised(
    harness: Harness, caplog: pytest.LogCaptureFixture
) -> None:
    env = harness.peripheral("PyIoT Env")
    env.characteristic(uuid16(0x2A29)).value = b"\xff\xfe"  # manufacturer: not UTF-8
    env.characteristic(uuid16(0x2A2B)).value = b"\x00" * 4  # Current Time: too short
    device = harness.device(env, ConnectionPolicy(mode=ConnectionMode.ON_DEMAND))
    await device.async_start()
    await device.async_start()  # twice: nothing more
    assert await device.sync_time() is None
    assert env.characteristic(uuid16(0x2A2B)).value == encode_current_time(NOW, 2), "an unknown clock is set"
    assert device.info.manufacturer is None
    assert device.info.model == "ENV-1"
    assert any(c.uuid == uuid16(0x2A19) for c in device.characteristics())
    problems = {
        r.getMessage().split("(")[1].split(")")[0] for r in caplog.records if r.levelno == logging.WARNING
    }
    assert problems == {"not_utf8", "wrong_length"}


async def test_read_only_clock_and_raw_keys(harness: Harness) -> None:
    env = harness.peripheral("PyIoT Env")
    clock = env.characteristic(uuid16(0x2A2B))
    clock.properties = Prop.READ
    device = harness.device(env, ConnectionPolicy(mode=ConnectionMode.ON_DEMAND))
    with pytest.raises(BleError) as err:
        await device.set_time()
    assert err.value.key == BleErrorKey.NOT_WRITABLE
    result = await device.read(f"{uuid16(0x2A6E)}_{env.characteristic(uuid16(0x2A6E)).handle}")
    assert result.value == 21.5
    assert await device.write(uuid16(0x2A56), "01") == 1  # not bound: raw bytes
    assert env.characteristic(uuid16(0x2A56)).value == b"\x01"


@pytest.mark.allow_pyiot_warnings
async def test_poll_failures_mark_points_unavailable_and_back_off(harness: Harness) -> None:
    env = harness.peripheral("PyIoT Env")
    env.characteristic(uuid16(0x2A6F)).read_error = AttError.UNLIKELY_ERROR
    humidity, temperature = bind(env, uuid16(0x2A6F)), bind(env, uuid16(0x2A6E))
    device = harness.device(
        env, ConnectionPolicy(mode=ConnectionMode.ON_DEMAND), bindings=[humidity, temperature]
    )
    await device.async_start()
    await device.poll()
    assert harness.listener.of("point_unavailable") == [(device.address, humidity.key)]
    assert harness.listener.values(device.address, temperature.key) == [21.5]
    env.characteristic(uuid16(0x2A6E)).value = struct.pack("<h", -0x8000)  # "not known"
    await device.poll()
    assert (device.address, temperature.key) in harness.listener.of("point_unavailable")
    await device.async_stop()

    harness.proxy.remove_peripheral(env.address)
    await asyncio.sleep(0.1)
    env.characteristic(uuid16(0x2A6F)).read_error = None
    poller = harness.device(
        env,
        ConnectionPolicy(mode=ConnectionMode.POLL, poll_interval=1, idle_timeout=0, **FAST),
        bindings=[humidity],
    )
    env.connect_error = 0x3E
    await poller.async_start()
    await harness.until(lambda: harness.errors)
    assert harness.errors[0].key != BleErrorKey.STOPPED
    env.connect_error = None
    harness.proxy.add_peripheral(env)
    await harness.until(lambda: poller.diagnostics()["counts"].get("polls", 0) >= 1, limit=15)
    assert len(harness.errors) == 1, "one report per failure episode"


async def test_a_characteristic_changing_under_its_handle(harness: Harness) -> None:
    env = harness.peripheral("PyIoT Env")
    handle = env.characteristic(uuid16(0x2A19)).handle
    wrong = CharacteristicBinding.for_characteristic(
        GattCharacteristic(
            uuid=uuid16(0x2A6E), handle=handle, properties=frozenset({"read"}), service_uuid=""
        )
    )
    device = BleGattDevice(
        env.address,
        harness.device(env, ConnectionPolicy(mode=ConnectionMode.ON_DEMAND))._connector,
        RecordingListener(),
        bindings=[wrong],
        policy=ConnectionPolicy(mode=ConnectionMode.ON_DEMAND),
    )
    harness.devices.append(device)
    with pytest.raises(BleError) as err:
        await device.read(wrong.key)
    assert err.value.key == BleErrorKey.CHARACTERISTIC_GONE
    await asyncio.sleep(0)
