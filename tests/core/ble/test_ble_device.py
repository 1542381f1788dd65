"""The per-device engine through bleak-esphome and the simulated proxy: policies, requests, bad input."""

import asyncio
from collections.abc import AsyncIterator, Callable
import datetime as dt
import logging
import struct
from typing import Any
from zoneinfo import ZoneInfo

import bleak_retry_connector
import pytest

from custom_components.pyiot.core.nodes.model import PointKind, WriteError
from custom_components.pyiot.core.protocols.ble import (
    AuthenticationError,
    BleakGattConnector,
    BleError,
    BleErrorKey,
    BleGattDevice,
    CharacteristicBinding,
    CharacteristicError,
    ConnectionMode,
    ConnectionPolicy,
    DeviceEvent,
    DeviceEventType,
    GattCharacteristic,
    LinkError,
    OutOfSlotsError,
    ResetCommand,
    UserFormat,
    ValueFormat,
    decode_current_time,
    encode_current_time,
)
from tests.support.esphome_ble import BleakStack, bleak_stack
from tests.support.recording_listener import RecordingListener
from tools.simulators.ble_peripherals import (
    NUS_TX,
    PYIOT_LABEL,
    PYIOT_RESET,
    PYIOT_SETPOINT,
    Peripheral,
    Prop,
    environmental_sensor,
    nordic_uart,
    uuid16,
)
from tools.simulators.esphome_ble_proxy import EsphomeBleProxy

LOGGER = logging.getLogger("custom_components.pyiot.core.protocols.ble.tests")
PARIS = ZoneInfo("Europe/Paris")
NOW = dt.datetime(2026, 7, 14, 9, 30, 15, tzinfo=PARIS)
_NAMES = {
    Prop.READ: "read",
    Prop.WRITE: "write",
    Prop.WRITE_WITHOUT_RESPONSE: "write-without-response",
    Prop.NOTIFY: "notify",
    Prop.INDICATE: "indicate",
}


def bind(
    peripheral: Peripheral, uuid: str, fmt: UserFormat | None = None, **kwargs: Any
) -> CharacteristicBinding:
    characteristic = peripheral.characteristic(uuid)
    found = GattCharacteristic(
        uuid=uuid,
        handle=characteristic.handle,
        properties=frozenset(name for flag, name in _NAMES.items() if characteristic.properties & flag),
        service_uuid="",
    )
    return CharacteristicBinding.for_characteristic(found, fmt, **kwargs)


def env_bindings(env: Peripheral) -> list[CharacteristicBinding]:
    return [
        bind(env, uuid16(0x2A19)),
        bind(env, uuid16(0x2A6E)),
        bind(env, uuid16(0x2A6F)),
        bind(env, uuid16(0x2A6D)),
        bind(env, uuid16(0x2AFB)),
        bind(env, PYIOT_SETPOINT, UserFormat(format=ValueFormat.I16, scale=0.01, unit="°C")),
        bind(env, PYIOT_LABEL, UserFormat(format=ValueFormat.UTF8)),
        bind(env, PYIOT_RESET, UserFormat(format=ValueFormat.HEX), press_value=b"\x01"),
        bind(env, uuid16(0x2A56), UserFormat(format=ValueFormat.BOOL)),
    ]


class Harness:
    def __init__(self, stack: BleakStack, proxy: EsphomeBleProxy) -> None:
        self.stack = stack
        self.proxy = proxy
        self.listener = RecordingListener()
        self.events: list[DeviceEvent] = []
        self.errors: list[BleError] = []
        self.changed = asyncio.Event()
        self.devices: list[BleGattDevice] = []

    def peripheral(self, name: str) -> Peripheral:
        return next(p for p in self.proxy.peripherals if p.name == name)

    def device(self, peripheral: Peripheral, policy: ConnectionPolicy, **kwargs: Any) -> BleGattDevice:
        def sink(event: DeviceEvent) -> None:
            self.events.append(event)
            self.changed.set()

        def on_error(err: BleError) -> None:
            self.errors.append(err)
            self.changed.set()

        device = BleGattDevice(
            peripheral.address,
            BleakGattConnector(self.stack.ble_device, max_attempts=1),
            self.listener,
            policy=policy,
            event_sink=sink,
            on_error=on_error,
            clock=lambda: NOW,
            logger=LOGGER,
            **kwargs,
        )
        self.devices.append(device)
        return device

    def types(self) -> list[DeviceEventType]:
        return [event.type for event in self.events]

    async def until(self, condition: Callable[[], object], limit: float = 10.0) -> None:
        async with asyncio.timeout(limit):
            while not condition():
                await asyncio.sleep(0.01)

    async def seen(self, peripheral: Peripheral) -> None:
        await self.until(lambda: self.stack.ble_device(peripheral.address))


@pytest.fixture
async def harness(stack: BleakStack, proxy: EsphomeBleProxy) -> AsyncIterator[Harness]:
    harness = Harness(stack, proxy)
    for peripheral in proxy.peripherals:
        await harness.seen(peripheral)
    yield harness
    for device in harness.devices:
        await device.async_stop()
    assert harness.listener.errors == []


FAST = {"backoff_initial": 0.05, "backoff_max": 0.2}


async def test_poll_reads_everything_then_frees_the_slot(harness: Harness) -> None:
    env = harness.peripheral("PyIoT Env")
    device = harness.device(
        env, ConnectionPolicy(mode=ConnectionMode.POLL, idle_timeout=0.1, **FAST), bindings=env_bindings(env)
    )
    await device.async_start()
    await harness.until(lambda: DeviceEventType.DISCONNECTED in harness.types())
    values = {key.split("_")[0][4:8]: value for _, key, value in harness.listener.of("value_received")}
    assert values == {
        "2a19": 87,
        "2a6e": 21.5,
        "2a6f": 45.2,
        "2a6d": 1013.25,
        "2afb": 123.45,
        PYIOT_SETPOINT[4:8]: 20.0,
        PYIOT_LABEL[4:8]: "kitchen",
        "2a56": False,
    }
    info = harness.listener.of("node_seen")[-1]
    assert (info.manufacturer, info.model, info.sw_version, info.hw_version) == (
        "PyIoT Labs",
        "ENV-1",
        "1.4.2",
        "rev B",
    )
    assert info.extra == {"serial_number": "0001"}
    assert harness.types()[:2] == [DeviceEventType.CONNECTED, DeviceEventType.PROPS_CHANGED]
    assert harness.events[0].data == {"connected_via": harness.proxy.bluetooth_mac}
    assert harness.proxy.free_slots == 3, "the idle timeout freed the proxy's slot"
    kinds = {p.key.split("_")[0][4:8]: p.kind for p in harness.listener.points[device.address].values()}
    assert kinds[PYIOT_SETPOINT[4:8]] is PointKind.NUMBER
    assert kinds[PYIOT_LABEL[4:8]] is PointKind.TEXT
    assert kinds[PYIOT_RESET[4:8]] is PointKind.BUTTON
    assert kinds["2a56"] is PointKind.SWITCH
    assert kinds["2a19"] is PointKind.SENSOR
    diagnostics = device.diagnostics()
    assert diagnostics["counts"]["polls"] == 1
    assert diagnostics["connected"] is False


async def test_persistent_restores_notifications_after_every_reconnect(harness: Harness) -> None:
    env = harness.peripheral("PyIoT Env")
    bindings = [bind(env, uuid16(0x2A6E)), bind(env, uuid16(0x2A19))]
    device = harness.device(env, ConnectionPolicy(mode=ConnectionMode.PERSISTENT, **FAST), bindings=bindings)
    await device.async_start()
    await harness.until(lambda: harness.types().count(DeviceEventType.NOTIFY_STARTED) == 2)
    for round_ in range(3):
        env.set_value(uuid16(0x2A6E), struct.pack("<h", 1000 + round_))
        await harness.until(
            lambda r=round_: 10.0 + r / 100 in harness.listener.values(device.address, bindings[0].key)
        )
        harness.proxy.disconnect_peripheral(env.address)
        await harness.until(
            lambda r=round_: harness.types().count(DeviceEventType.NOTIFY_STARTED) == 2 * (r + 2)
        )
    assert harness.types().count(DeviceEventType.DISCONNECTED) == 3
    assert device.connected
    assert device.connected_via == harness.proxy.bluetooth_mac
    notified = [e for e in harness.events if e.type is DeviceEventType.NOTIFIED]
    assert notified[0].data == {"key": bindings[0].key, "hex": struct.pack("<h", 1000).hex(), "value": 10.0}


async def test_on_demand_requests(harness: Harness) -> None:
    env = harness.peripheral("PyIoT Env")
    device = harness.device(
        env,
        ConnectionPolicy(mode=ConnectionMode.ON_DEMAND),
        bindings=env_bindings(env),
        reset=ResetCommand(uuid=PYIOT_RESET, value=b"\x01"),
    )
    await device.async_start()
    assert harness.proxy.stats.connects == 0, "on demand: nothing connects by itself"

    result = await device.read("2A19")
    assert result.as_response() == {"hex": "57", "value": 87}
    await harness.until(lambda: harness.proxy.free_slots == 3)

    setpoint = env_bindings(env)[5].key
    assert await device.write(setpoint, 21.5) == 2
    assert env.characteristic(PYIOT_SETPOINT).value == struct.pack("<h", 2150)
    assert harness.listener.values(device.address, setpoint)[-1] == 21.5
    await device.async_write(device.address, env_bindings(env)[6].key, "hall")
    assert env.characteristic(PYIOT_LABEL).value == b"hall"
    await device.async_write(device.address, env_bindings(env)[7].key, None)  # the reset button
    assert env.characteristic(PYIOT_SETPOINT).value == struct.pack("<h", 2000)
    await device.write(setpoint, 19)
    await device.reset()
    assert env.characteristic(PYIOT_SETPOINT).value == struct.pack("<h", 2000)
    assert await device.write(uuid16(0x2A58), b"\x10\x00") == 2
    assert await device.write("2a58", "2000") == 2
    assert env.characteristic(uuid16(0x2A58)).value == b"\x20\x00"

    assert await device.set_time() == NOW
    assert env.characteristic(uuid16(0x2A2B)).value == encode_current_time(NOW)
    assert env.characteristic(uuid16(0x2A0F)).value == bytes([4, 4])
    env.set_value(uuid16(0x2A2B), encode_current_time(NOW + dt.timedelta(seconds=42)), notify=False)
    assert await device.sync_time() == 42.0
    assert decode_current_time(env.characteristic(uuid16(0x2A2B)).value).adjust_reason == 2
    assert await device.sync_time() == 0.0
    synced = [e.data for e in harness.events if e.type is DeviceEventType.TIME_SYNCED]
    assert synced == [{"drift": 42.0, "adjusted": True}, {"drift": 0.0, "adjusted": False}]
    assert DeviceEventType.TIME_SET in harness.types()
    await harness.until(lambda: harness.proxy.free_slots == 3)
    assert not device.connected


async def test_bad_requests_raise_typed_errors(harness: Harness) -> None:
    env = harness.peripheral("PyIoT Env")
    bindings = env_bindings(env)
    device = harness.device(env, ConnectionPolicy(mode=ConnectionMode.ON_DEMAND), bindings=bindings)
    await device.async_start()

    async def key_of(call: Any) -> BleErrorKey:
        with pytest.raises(BleError) as err:
            await call
        return err.value.key

    assert await key_of(device.write(bindings[6].key, "x" * 300)) == BleErrorKey.WRITE_TOO_LARGE
    assert env.characteristic(PYIOT_LABEL).value == b"kitchen", "nothing was written"
    assert await key_of(device.write(bindings[0].key, 50)) == BleErrorKey.NOT_WRITABLE
    assert await key_of(device.read(bindings[7].key)) == BleErrorKey.NOT_READABLE
    assert await key_of(device.start_notify(bindings[3].key)) == BleErrorKey.NOT_NOTIFIABLE
    assert await key_of(device.read("1234")) == BleErrorKey.UNKNOWN_CHARACTERISTIC
    assert await key_of(device.read("not a uuid")) == BleErrorKey.UNKNOWN_CHARACTERISTIC
    assert await key_of(device.write(bindings[5].key, 400)) == BleErrorKey.OUT_OF_RANGE
    assert await key_of(device.write(bindings[5].key, "warm")) == BleErrorKey.BAD_VALUE
    assert await key_of(device.write(PYIOT_RESET, b"\x07")) == BleErrorKey.GATT_ERROR  # the device says no
    assert await key_of(device.write(uuid16(0x2A58), "zz")) == BleErrorKey.BAD_VALUE
    assert await key_of(device.reset()) == BleErrorKey.NOT_CONFIGURED
    with pytest.raises(WriteError):
        await device.async_write(device.address, bindings[0].key, 1)
    assert env.characteristic(PYIOT_SETPOINT).value == struct.pack("<h", 2000), "nothing existing changed"


async def test_notifications_on_request_and_stop(harness: Harness) -> None:
    uart = harness.peripheral("PyIoT UART")
    device = harness.device(uart, ConnectionPolicy(mode=ConnectionMode.ON_DEMAND, hold_after_action=30))
    await device.async_start()
    await device.start_notify(NUS_TX)
    await device.start_notify(NUS_TX)  # already on: nothing more
    assert await device.write("6e400002-b5a3-f393-e0a9-e50e24dcca9e", "6869") == 2
    await harness.until(lambda: DeviceEventType.NOTIFIED in harness.types())
    notified = next(e for e in harness.events if e.type is DeviceEventType.NOTIFIED)
    assert notified.data["hex"] == b"> hi".hex()
    assert notified.data["value"] is None, "an unknown characteristic has no decoded value"
    await device.stop_notify(NUS_TX)
    assert harness.types().count(DeviceEventType.NOTIFY_STARTED) == 1
    assert harness.types().count(DeviceEventType.NOTIFY_STOPPED) == 1
    await device.disconnect()
    assert harness.proxy.free_slots == 3
    assert harness.types()[-1] is DeviceEventType.DISCONNECTED


@pytest.mark.allow_pyiot_warnings
async def test_notification_flood_is_coalesced(harness: Harness, caplog: pytest.LogCaptureFixture) -> None:
    flood = harness.peripheral("PyIoT Flood")
    binding = bind(flood, uuid16(0x2A6E))
    device = harness.device(
        flood,
        ConnectionPolicy(mode=ConnectionMode.PERSISTENT, max_notify_rate=20, **FAST),
        bindings=[binding],
    )
    await device.async_start()
    await harness.until(lambda: sum(device.diagnostics()["coalesced"].values()) >= 50)
    await device.async_stop()
    delivered = device.diagnostics()["counts"]["notifications"]
    coalesced = device.diagnostics()["coalesced"][binding.key]
    assert delivered + coalesced <= harness.proxy.stats.notifications
    assert coalesced > delivered
    floods = [
        r for r in caplog.records if "notification_flood" in r.getMessage() and r.levelno == logging.WARNING
    ]
    assert len(floods) == 1


@pytest.mark.allow_pyiot_warnings
async def test_bad_values_and_a_vanished_characteristic(
    harness: Harness, caplog: pytest.LogCaptureFixture
) -> None:
    env = harness.peripheral("PyIoT Env")
    bindings = env_bindings(env)[:2]
    gone = CharacteristicBinding.for_characteristic(
        GattCharacteristic(uuid=uuid16(0x2A6F), handle=999, properties=frozenset({"read"}), service_uuid="")
    )
    env.characteristic(uuid16(0x2A6E)).value = b"\x01\x02\x03"
    env.characteristic(uuid16(0x2A19)).value = bytes([250])
    device = harness.device(env, ConnectionPolicy(mode=ConnectionMode.ON_DEMAND), bindings=[*bindings, gone])
    await device.async_start()
    await device.poll()
    await device.poll()
    assert harness.listener.of("value_received") == []
    assert (device.address, gone.key) in harness.listener.of("point_unavailable")
    with pytest.raises(CharacteristicError) as err:
        await device.read(gone.key)
    assert err.value.key == BleErrorKey.CHARACTERISTIC_GONE
    result = await device.read(bindings[0].key)
    assert result.value is None
    assert result.data == bytes([250])
    warnings = [r.getMessage() for r in caplog.records if r.levelno == logging.WARNING]
    assert len(warnings) == 3, warnings  # once each: wrong length, out of range, gone
    assert device.diagnostics()["counts"]["bad_wrong_length"] == 2


async def test_out_of_slots(harness: Harness, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(bleak_retry_connector, "BLEAK_OUT_OF_SLOTS_BACKOFF_TIME", 0.01)
    harness.proxy.slots = 1
    harness.proxy.broadcast_slots()
    env, uart = harness.peripheral("PyIoT Env"), harness.peripheral("PyIoT UART")
    holder = harness.device(env, ConnectionPolicy(mode=ConnectionMode.PERSISTENT, **FAST))
    await holder.async_start()
    await harness.until(lambda: holder.connected)
    other = harness.device(uart, ConnectionPolicy(mode=ConnectionMode.ON_DEMAND))
    with pytest.raises(OutOfSlotsError) as err:
        await other.read(NUS_TX.replace("0003", "0002"))
    assert err.value.key == BleErrorKey.OUT_OF_SLOTS
    assert other.diagnostics()["last_error"] == "out_of_slots"
    await holder.async_stop()
    await harness.until(lambda: harness.proxy.free_slots == 1)
    await other.start_notify(NUS_TX)


async def test_authentication_error_reaches_on_error_once(harness: Harness) -> None:
    secure = harness.peripheral("PyIoT Secure")
    binding = bind(secure, uuid16(0x2A6E))
    device = harness.device(
        secure, ConnectionPolicy(mode=ConnectionMode.POLL, poll_interval=1, **FAST), bindings=[binding]
    )
    with pytest.raises(AuthenticationError):
        await device.read(binding.key)
    await device.async_start()
    await harness.until(lambda: harness.errors)
    await asyncio.sleep(0.3)
    assert len(harness.errors) == 1
    assert isinstance(harness.errors[0], AuthenticationError)
    assert harness.errors[0].key == BleErrorKey.AUTHENTICATION


async def test_disconnect_during_discovery_and_unknown_devices(
    harness: Harness, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(bleak_retry_connector, "BLEAK_TRANSIENT_BACKOFF_TIME", 0.01)
    flaky = harness.peripheral("PyIoT Flaky")
    device = harness.device(flaky, ConnectionPolicy(mode=ConnectionMode.ON_DEMAND))
    with pytest.raises(BleError):
        await device.read("2a19")
    await harness.until(lambda: harness.proxy.free_slots == 3)
    ghost = harness.device(
        environmental_sensor("C0:FF:EE:00:00:99"), ConnectionPolicy(mode=ConnectionMode.ON_DEMAND)
    )
    with pytest.raises(LinkError) as err:
        await ghost.read("2a19")
    assert err.value.key == BleErrorKey.NOT_FOUND


async def test_persistent_keeps_trying_until_the_device_appears(socket_enabled: None) -> None:
    uart = nordic_uart()
    async with EsphomeBleProxy([], port=0, advertise_interval=0.05) as proxy, bleak_stack() as stack:
        await stack.connect_proxy(proxy.port)
        harness = Harness(stack, proxy)
        device = harness.device(uart, ConnectionPolicy(mode=ConnectionMode.PERSISTENT, **FAST))
        await device.async_start()
        await harness.until(lambda: harness.errors)
        proxy.add_peripheral(uart)
        await harness.until(lambda: device.connected)
        assert harness.errors[0].key == BleErrorKey.NOT_FOUND
        await device.async_stop()
        assert proxy.free_slots == 3
