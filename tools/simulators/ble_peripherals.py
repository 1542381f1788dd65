"""Simulated BLE peripherals: a GATT database with handles, values, notifications and failure injection.

A `Peripheral` is what a radio would see: an address, advertisement data and a GATT server. It does
no I/O of its own; the simulated ESPHome proxy (`esphome_ble_proxy`) serves it over ESPHome's native
API. Handles are laid out as a real GATT server does: a service declaration, then per characteristic
a declaration handle, its value handle (the handle ESPHome reports) and its descriptors (a CCCD,
0x2902, for every characteristic that can notify or indicate).

Ready-made peripherals: `environmental_sensor`, `nordic_uart`, `flaky_discovery`, `notification_flood`
and `secured_sensor`. Tests build their own with `GattBuilder`.
"""

import asyncio
from collections.abc import Callable, Iterator
import contextlib
from dataclasses import dataclass, field
import datetime as dt
from enum import IntEnum, IntFlag
import math
import struct

BASE_UUID_SUFFIX = "-0000-1000-8000-00805f9b34fb"
CCCD_UUID = "00002902" + BASE_UUID_SUFFIX
USER_DESCRIPTION_UUID = "00002901" + BASE_UUID_SUFFIX
NUS_SERVICE = "6e400001-b5a3-f393-e0a9-e50e24dcca9e"
NUS_RX = "6e400002-b5a3-f393-e0a9-e50e24dcca9e"
NUS_TX = "6e400003-b5a3-f393-e0a9-e50e24dcca9e"
PYIOT_SERVICE = "9f1c0001-5d6a-4a0e-9c43-2f0b6a7e1b10"
"""A maker's own service on the environmental sensor: a setpoint, a label and a reset command."""
PYIOT_SETPOINT = "9f1c0002-5d6a-4a0e-9c43-2f0b6a7e1b10"
PYIOT_LABEL = "9f1c0003-5d6a-4a0e-9c43-2f0b6a7e1b10"
PYIOT_RESET = "9f1c0004-5d6a-4a0e-9c43-2f0b6a7e1b10"
MAX_ATTRIBUTE_LENGTH = 512


def uuid16(short: int) -> str:
    """The 128-bit form of a SIG-assigned 16-bit UUID."""
    return f"{short:08x}{BASE_UUID_SUFFIX}"


class Prop(IntFlag):
    """GATT characteristic properties, as the Bluetooth core specification numbers them."""

    BROADCAST = 0x01
    READ = 0x02
    WRITE_WITHOUT_RESPONSE = 0x04
    WRITE = 0x08
    NOTIFY = 0x10
    INDICATE = 0x20
    AUTHENTICATED_SIGNED_WRITES = 0x40
    EXTENDED_PROPERTIES = 0x80


class AttError(IntEnum):
    """ATT error codes a peripheral answers with (Core spec Vol 3 Part F 3.4.1.1)."""

    INVALID_HANDLE = 0x01
    READ_NOT_PERMITTED = 0x02
    WRITE_NOT_PERMITTED = 0x03
    INSUFFICIENT_AUTHENTICATION = 0x05
    REQUEST_NOT_SUPPORTED = 0x06
    INSUFFICIENT_AUTHORIZATION = 0x08
    INVALID_ATTRIBUTE_LENGTH = 0x0D
    UNLIKELY_ERROR = 0x0E
    INSUFFICIENT_ENCRYPTION = 0x0F
    VALUE_NOT_ALLOWED = 0x13


class AttRejectedError(Exception):
    """Raised by a write handler to answer a write with an ATT error."""

    def __init__(self, code: AttError) -> None:
        """Answer with `code`."""
        super().__init__(code.name)
        self.code = code


type WriteHandler = Callable[["Peripheral", "Characteristic", bytes], None]
type NotifySink = Callable[["Peripheral", "Characteristic", bytes], None]


@dataclass(eq=False, kw_only=True)
class Descriptor:
    """One GATT descriptor."""

    uuid: str
    handle: int
    value: bytes = b""


@dataclass(eq=False, kw_only=True)
class Characteristic:
    """One GATT characteristic; `handle` is its value handle.

    Failure injection: `read_error` / `write_error` answer every read / write with that ATT error;
    `delay` makes every operation on it that much slower.
    """

    uuid: str
    handle: int
    properties: Prop
    value: bytes = b""
    descriptors: list[Descriptor] = field(default_factory=list)
    on_write: WriteHandler | None = None
    max_length: int = MAX_ATTRIBUTE_LENGTH
    read_error: AttError | None = None
    write_error: AttError | None = None
    delay: float = 0.0

    @property
    def cccd(self) -> Descriptor | None:
        """The Client Characteristic Configuration descriptor, if it can notify or indicate."""
        return next((d for d in self.descriptors if d.uuid == CCCD_UUID), None)

    @property
    def subscribed(self) -> bool:
        """Whether the connected central enabled notifications or indications in the CCCD."""
        cccd = self.cccd
        return cccd is not None and len(cccd.value) >= 1 and bool(cccd.value[0] & 0x03)


@dataclass(eq=False, kw_only=True)
class Service:
    """One primary service; `handle` is its declaration handle."""

    uuid: str
    handle: int
    characteristics: list[Characteristic] = field(default_factory=list)


@dataclass(eq=False, kw_only=True)
class Peripheral:
    """A simulated BLE peripheral.

    Failure injection: `connect_error` refuses connections with that ESP connection error (e.g.
    0x3E, failed to establish); `disconnect_during_discovery` drops the link after the first service
    of a discovery; `delay` slows every answer (connect, discovery, reads, writes) by that much.
    """

    address: str
    name: str
    services: list[Service] = field(default_factory=list)
    address_type: int = 0
    rssi: int = -60
    mtu: int = 247
    connectable: bool = True
    manufacturer_data: dict[int, bytes] = field(default_factory=dict)
    service_data: dict[str, bytes] = field(default_factory=dict)
    advertised_uuids: list[str] = field(default_factory=list)
    connect_error: int | None = None
    disconnect_during_discovery: bool = False
    delay: float = 0.0
    on_subscribe: Callable[[Peripheral, Characteristic, bool], None] | None = None
    _sinks: list[NotifySink] = field(default_factory=list, repr=False)
    _tasks: set[asyncio.Task[None]] = field(default_factory=set, repr=False)

    @property
    def address_int(self) -> int:
        """The address as ESPHome's API carries it (a 48-bit integer)."""
        return int(self.address.replace(":", ""), 16)

    def characteristics(self) -> Iterator[Characteristic]:
        """Every characteristic of every service."""
        for service in self.services:
            yield from service.characteristics

    def characteristic(self, uuid: str) -> Characteristic:
        """The first characteristic with `uuid`; KeyError if there is none."""
        for characteristic in self.characteristics():
            if characteristic.uuid == uuid:
                return characteristic
        raise KeyError(uuid)

    def by_handle(self, handle: int) -> Characteristic | Descriptor | None:
        """The characteristic (by value handle) or descriptor at `handle`."""
        for characteristic in self.characteristics():
            if characteristic.handle == handle:
                return characteristic
            for descriptor in characteristic.descriptors:
                if descriptor.handle == handle:
                    return descriptor
        return None

    def owner_of(self, descriptor: Descriptor) -> Characteristic:
        """The characteristic `descriptor` belongs to."""
        return next(c for c in self.characteristics() if descriptor in c.descriptors)

    # --- links to centrals (the proxy) ------------------------------------------------------------

    def attach(self, sink: NotifySink) -> None:
        """A central connected: notifications of subscribed characteristics go to `sink`."""
        self._sinks.append(sink)

    def detach(self, sink: NotifySink) -> None:
        """The central disconnected: the CCCDs reset, as they do on an unbonded peripheral."""
        with contextlib.suppress(ValueError):
            self._sinks.remove(sink)
        if not self._sinks:
            for characteristic in self.characteristics():
                if (cccd := characteristic.cccd) is not None and cccd.value:
                    cccd.value = b"\x00\x00"
                    if self.on_subscribe is not None:
                        self.on_subscribe(self, characteristic, False)  # noqa: FBT003

    @property
    def connected(self) -> bool:
        """Whether a central holds a link."""
        return bool(self._sinks)

    def set_value(self, uuid: str, value: bytes, *, notify: bool = True) -> None:
        """Change a value as the device's firmware would, notifying subscribed centrals."""
        characteristic = self.characteristic(uuid)
        characteristic.value = value
        if notify and characteristic.subscribed:
            for sink in list(self._sinks):
                sink(self, characteristic, value)

    def cccd_written(self, characteristic: Characteristic) -> None:
        """Called by the proxy after a CCCD write."""
        if self.on_subscribe is not None:
            self.on_subscribe(self, characteristic, characteristic.subscribed)

    def spawn(self, coro: asyncio.Future[None] | object) -> None:
        """Run a background behaviour of the firmware (kept until it ends)."""
        task: asyncio.Task[None] = asyncio.ensure_future(coro)  # type: ignore[arg-type]
        self._tasks.add(task)
        task.add_done_callback(self._tasks.discard)

    def stop(self) -> None:
        """Cancel background behaviours."""
        for task in list(self._tasks):
            task.cancel()


class GattBuilder:
    """Lays out a GATT database with realistic, increasing handles."""

    def __init__(self, first_handle: int = 1) -> None:
        """Start at `first_handle` (a real server starts with its GAP service at 1)."""
        self._next = first_handle
        self.services: list[Service] = []

    def _take(self) -> int:
        handle = self._next
        self._next += 1
        return handle

    def service(self, uuid: str) -> Service:
        """Declare a primary service; characteristics added next belong to it."""
        service = Service(uuid=uuid, handle=self._take())
        self.services.append(service)
        return service

    def characteristic(
        self,
        uuid: str,
        properties: Prop,
        value: bytes = b"",
        *,
        description: str | None = None,
        on_write: WriteHandler | None = None,
        read_error: AttError | None = None,
    ) -> Characteristic:
        """Declare a characteristic of the last service; a CCCD is added when it can notify."""
        self._take()  # the characteristic declaration
        characteristic = Characteristic(
            uuid=uuid,
            handle=self._take(),
            properties=properties,
            value=value,
            on_write=on_write,
            read_error=read_error,
        )
        if properties & (Prop.NOTIFY | Prop.INDICATE):
            characteristic.descriptors.append(Descriptor(uuid=CCCD_UUID, handle=self._take(), value=b"\0\0"))
        if description is not None:
            characteristic.descriptors.append(
                Descriptor(uuid=USER_DESCRIPTION_UUID, handle=self._take(), value=description.encode())
            )
        self.services[-1].characteristics.append(characteristic)
        return characteristic


# --- ready-made peripherals ------------------------------------------------------------------------

_R = Prop.READ
_RN = Prop.READ | Prop.NOTIFY
_RW = Prop.READ | Prop.WRITE


def current_time_value(now: dt.datetime, reason: int = 0) -> bytes:
    """Current Time characteristic (0x2A2B) for `now`, the device's wall-clock time."""
    return struct.pack(
        "<HBBBBBBBB",
        now.year,
        now.month,
        now.day,
        now.hour,
        now.minute,
        now.second,
        now.isoweekday(),
        now.microsecond * 256 // 1_000_000,
        reason,
    )


def _gap(builder: GattBuilder, name: str) -> None:
    builder.service(uuid16(0x1800))
    builder.characteristic(uuid16(0x2A00), _R, name.encode())
    builder.characteristic(uuid16(0x2A01), _R, struct.pack("<H", 0x0540))  # generic sensor


def _device_information(builder: GattBuilder, **strings: str) -> None:
    uuids = {
        "manufacturer": 0x2A29,
        "model": 0x2A24,
        "serial": 0x2A25,
        "hardware": 0x2A27,
        "firmware": 0x2A26,
        "software": 0x2A28,
    }
    builder.service(uuid16(0x180A))
    for key, value in strings.items():
        builder.characteristic(uuid16(uuids[key]), _R, value.encode())


def environmental_sensor(
    address: str = "C0:FF:EE:00:00:01", name: str = "PyIoT Env", *, now: dt.datetime | None = None
) -> Peripheral:
    """A maker's environmental sensor with the services such devices typically have.

    Battery, Environmental Sensing, Device Information, Current Time (writable), Automation IO and a
    custom service with a setpoint, a label and a reset command.
    """
    builder = GattBuilder()
    _gap(builder, name)
    _device_information(
        builder, manufacturer="PyIoT Labs", model="ENV-1", serial="0001", hardware="rev B", firmware="1.4.2"
    )
    builder.service(uuid16(0x180F))
    builder.characteristic(uuid16(0x2A19), _RN, bytes([87]))
    builder.service(uuid16(0x181A))
    builder.characteristic(uuid16(0x2A6E), _RN, struct.pack("<h", 2150))  # 21.50 °C
    builder.characteristic(uuid16(0x2A6F), _RN, struct.pack("<H", 4520))  # 45.20 %
    builder.characteristic(uuid16(0x2A6D), _R, struct.pack("<I", 1_013_250))  # 1013.25 hPa
    builder.characteristic(uuid16(0x2AFB), _R, (12_345).to_bytes(3, "little"))  # 123.45 lx
    builder.service(uuid16(0x1805))
    clock = now or dt.datetime(2026, 1, 2, 3, 4, 5)  # noqa: DTZ001 - a device clock has no zone
    builder.characteristic(uuid16(0x2A2B), _RW | Prop.NOTIFY, current_time_value(clock))
    builder.characteristic(uuid16(0x2A0F), _RW, bytes([4, 0]))  # UTC+1, standard time
    builder.service(uuid16(0x1815))
    builder.characteristic(uuid16(0x2A56), _RW, b"\x00")
    builder.characteristic(uuid16(0x2A58), _RW | Prop.NOTIFY, struct.pack("<H", 512))
    builder.service(PYIOT_SERVICE)
    builder.characteristic(PYIOT_SETPOINT, _RW, struct.pack("<h", 2000), description="Setpoint")
    builder.characteristic(PYIOT_LABEL, _RW, b"kitchen", description="Label")
    peripheral = Peripheral(
        address=address,
        name=name,
        services=builder.services,
        advertised_uuids=[uuid16(0x181A), uuid16(0x180F)],
        manufacturer_data={0x0D2A: b"\x01\x02"},  # no HA integration matches this company id
    )

    def reset(device: Peripheral, characteristic: Characteristic, data: bytes) -> None:
        if data != b"\x01":
            raise AttRejectedError(AttError.VALUE_NOT_ALLOWED)
        device.set_value(PYIOT_SETPOINT, struct.pack("<h", 2000), notify=False)
        device.set_value(PYIOT_LABEL, b"kitchen", notify=False)

    builder.characteristic(PYIOT_RESET, Prop.WRITE, on_write=reset, description="Reset")
    return peripheral


def nordic_uart(address: str = "C0:FF:EE:00:00:02", name: str = "PyIoT UART") -> Peripheral:
    """Nordic UART Service: what is written to RX comes back on TX, prefixed with "> "."""
    builder = GattBuilder()
    _gap(builder, name)
    builder.service(NUS_SERVICE)
    peripheral = Peripheral(
        address=address, name=name, services=builder.services, advertised_uuids=[NUS_SERVICE]
    )

    def echo(device: Peripheral, characteristic: Characteristic, data: bytes) -> None:
        device.set_value(NUS_TX, b"> " + data)

    builder.characteristic(NUS_RX, Prop.WRITE | Prop.WRITE_WITHOUT_RESPONSE, on_write=echo)
    builder.characteristic(NUS_TX, Prop.NOTIFY)
    return peripheral


def flaky_discovery(address: str = "C0:FF:EE:00:00:03", name: str = "PyIoT Flaky") -> Peripheral:
    """A sensor that drops the link while its services are being discovered."""
    peripheral = environmental_sensor(address, name)
    peripheral.disconnect_during_discovery = True
    return peripheral


def notification_flood(
    address: str = "C0:FF:EE:00:00:04", name: str = "PyIoT Flood", *, rate: float = 500.0
) -> Peripheral:
    """A sensor whose temperature notifies `rate` times a second once subscribed."""
    builder = GattBuilder()
    _gap(builder, name)
    builder.service(uuid16(0x181A))
    builder.characteristic(uuid16(0x2A6E), _RN, struct.pack("<h", 0))
    peripheral = Peripheral(
        address=address, name=name, services=builder.services, advertised_uuids=[uuid16(0x181A)]
    )

    async def flood(device: Peripheral) -> None:
        step = 0
        while True:
            step += 1
            device.set_value(uuid16(0x2A6E), struct.pack("<h", round(2000 + 500 * math.sin(step / 50))))
            await asyncio.sleep(1 / rate)

    def on_subscribe(device: Peripheral, characteristic: Characteristic, enabled: bool) -> None:
        device.stop()
        if enabled:
            device.spawn(flood(device))

    peripheral.on_subscribe = on_subscribe
    return peripheral


def secured_sensor(address: str = "C0:FF:EE:00:00:05", name: str = "PyIoT Secure") -> Peripheral:
    """A sensor whose temperature can only be read after pairing with MITM protection."""
    builder = GattBuilder()
    _gap(builder, name)
    builder.service(uuid16(0x181A))
    builder.characteristic(
        uuid16(0x2A6E), _RN, struct.pack("<h", 1900), read_error=AttError.INSUFFICIENT_AUTHENTICATION
    )
    return Peripheral(
        address=address, name=name, services=builder.services, advertised_uuids=[uuid16(0x181A)]
    )


def advertising_data(peripheral: Peripheral) -> bytes:
    """The advertisement and scan response bytes (AD structures) the peripheral sends."""
    structures = [bytes([0x01, 0x06])]  # flags: LE general discoverable, BR/EDR not supported
    short = [u for u in peripheral.advertised_uuids if u.endswith(BASE_UUID_SUFFIX) and u.startswith("0000")]
    long_ = [u for u in peripheral.advertised_uuids if u not in short]
    if short:
        structures.append(bytes([0x03]) + b"".join(struct.pack("<H", int(u[4:8], 16)) for u in short))
    structures.extend(bytes([0x07]) + bytes.fromhex(uuid.replace("-", ""))[::-1] for uuid in long_)
    for company, data in peripheral.manufacturer_data.items():
        structures.append(bytes([0xFF]) + struct.pack("<H", company) + data)
    for uuid, data in peripheral.service_data.items():
        structures.append(bytes([0x16]) + struct.pack("<H", int(uuid[4:8], 16)) + data)
    structures.append(bytes([0x09]) + peripheral.name.encode())
    return b"".join(bytes([len(s)]) + s for s in structures)
