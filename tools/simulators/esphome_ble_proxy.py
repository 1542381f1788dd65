"""A simulated ESPHome Bluetooth proxy on ESPHome's native API (plaintext), serving simulated peripherals.

It speaks the protobuf messages of `aioesphomeapi.api_pb2` with the plaintext framing (0x00, varint
length, varint type, message) and behaves like ESPHome's `bluetooth_proxy` component, so that
`aioesphomeapi.APIClient`, `bleak-esphome` and Home Assistant's `esphome` and `bluetooth`
integrations talk to it exactly as to a real proxy:

- hello (no password, no encryption), device info with the bluetooth proxy feature flags (active
  connections, remote caching, pairing, cache clearing, raw advertisements, scanner state and mode),
  no entities, ping, disconnect;
- raw (or parsed) advertisement batches of every present peripheral, the scanner state;
- a fixed set of connection slots reported with `BluetoothConnectionsFreeResponse` (free, limit,
  allocated addresses); a connect beyond them is refused as the firmware does;
- V3 connections: service discovery one service per message then done, reads, writes with and
  without response, descriptor reads and writes (the client writes the CCCD itself), notify
  registration, notifications, disconnects (by either side, and of every link when the API client
  goes away), pairing ("Just Works"), cache clearing; ATT errors as `BluetoothGATTErrorResponse`.

Run it: `python -m tools.simulators.esphome_ble_proxy --port 6053 --peripherals env,uart`
Tests import `EsphomeBleProxy` and the peripherals of `tools.simulators.ble_peripherals`.
"""

import argparse
import asyncio
from collections.abc import Callable, Sequence
import contextlib
from dataclasses import dataclass, field
import logging
import math
import random
import signal
import struct
from typing import Any, Final, Self

from aioesphomeapi import api_pb2 as pb
from aioesphomeapi.core import MESSAGE_TYPE_TO_PROTO
from aioesphomeapi.model import BluetoothProxyFeature, BluetoothProxySubscriptionFlag
from google.protobuf.message import DecodeError, Message

from tools.simulators.ble_peripherals import (
    MAX_ATTRIBUTE_LENGTH,
    AttError,
    AttRejectedError,
    Characteristic,
    Descriptor,
    Peripheral,
    Prop,
    advertising_data,
    environmental_sensor,
    flaky_discovery,
    nordic_uart,
    notification_flood,
    secured_sensor,
    uuid16,
)

DEFAULT_PORT: Final = 6053
DEFAULT_FEATURES: Final = (
    BluetoothProxyFeature.PASSIVE_SCAN
    | BluetoothProxyFeature.ACTIVE_CONNECTIONS
    | BluetoothProxyFeature.REMOTE_CACHING
    | BluetoothProxyFeature.PAIRING
    | BluetoothProxyFeature.CACHE_CLEARING
    | BluetoothProxyFeature.RAW_ADVERTISEMENTS
    | BluetoothProxyFeature.FEATURE_STATE_AND_MODE
)
API_VERSION: Final = (1, 14)
ESPHOME_VERSION: Final = "2026.10.0"
MAX_FRAME: Final = 65535
NOT_CONNECTED: Final = -1
"""ESPHome's own GATT error for "no link to that address" (aioesphomeapi: "Not connected")."""
CONN_TERMINATE_PEER_USER: Final = 0x13
CONN_TERMINATE_LOCAL_HOST: Final = 0x16
CONN_FAIL_ESTABLISH: Final = 0x3E

_TYPE_OF: Final[dict[type[Message], int]] = {proto: number for number, proto in MESSAGE_TYPE_TO_PROTO.items()}
_LOGGER = logging.getLogger("esphome_ble_proxy")
_REQ = pb.BluetoothDeviceRequestType


def _varint(value: int) -> bytes:
    out = bytearray()
    while True:
        byte = value & 0x7F
        value >>= 7
        if value:
            out.append(byte | 0x80)
        else:
            out.append(byte)
            return bytes(out)


def frame(message: Message) -> bytes:
    """One plaintext frame."""
    data = message.SerializeToString()
    return b"\0" + _varint(len(data)) + _varint(_TYPE_OF[type(message)]) + data


def _uuid_words(uuid: str) -> list[int]:
    """A UUID as ESPHome sends it: two 64-bit words, high then low."""
    value = int(uuid.replace("-", ""), 16)
    return [value >> 64, value & 0xFFFF_FFFF_FFFF_FFFF]


@dataclass(eq=False)
class _Link:
    """One BLE connection slot in use."""

    address: int
    owner: _ApiSession
    peripheral: Peripheral | None = None
    connected: bool = False
    notify_handles: set[int] = field(default_factory=set)
    task: asyncio.Task[None] | None = None


@dataclass
class ProxyStats:
    """What the proxy did, for tests and benchmarks."""

    connects: int = 0
    refused_no_slot: int = 0
    reads: int = 0
    writes: int = 0
    notifications: int = 0
    api_clients: int = 0


class EsphomeBleProxy:
    """The simulated proxy: one TCP server, a set of slots, the peripherals in radio range."""

    def __init__(
        self,
        peripherals: Sequence[Peripheral] = (),
        *,
        name: str = "pyiot-ble-proxy",
        mac: str = "AA:BB:CC:00:00:01",
        host: str = "127.0.0.1",
        port: int = DEFAULT_PORT,
        slots: int = 3,
        feature_flags: int = DEFAULT_FEATURES,
        advertise_interval: float = 0.5,
        esphome_version: str = ESPHOME_VERSION,
        latency: float = 0.0,
    ) -> None:
        """Prepare the proxy; `start` listens. `latency` delays every Bluetooth answer (slow proxy)."""
        self.name = name
        self.mac = mac
        self.bluetooth_mac = f"{mac[:-2]}{(int(mac[-2:], 16) + 2) % 256:02X}"
        self.host = host
        self.port = port
        self.slots = slots
        self.feature_flags = feature_flags
        self.advertise_interval = advertise_interval
        self.esphome_version = esphome_version
        self.latency = latency
        self.scanner_mode = pb.BLUETOOTH_SCANNER_MODE_PASSIVE
        self.stats = ProxyStats()
        self._peripherals: dict[int, Peripheral] = {p.address_int: p for p in peripherals}
        self._links: dict[int, _Link] = {}
        self._sessions: set[_ApiSession] = set()
        self._advertising: _ApiSession | None = None
        self._server: asyncio.Server | None = None
        self._advertise_task: asyncio.Task[None] | None = None

    # --- lifecycle --------------------------------------------------------------------------------

    async def start(self) -> None:
        """Listen (port 0 picks a free port, then `port` holds it) and start advertising."""
        loop = asyncio.get_running_loop()
        self._server = await loop.create_server(lambda: _ApiSession(self), self.host, self.port)
        self.port = self._server.sockets[0].getsockname()[1]
        self._advertise_task = asyncio.create_task(self._advertise_loop(), name="proxy adverts")

    async def stop(self) -> None:
        """Close every API connection (dropping every BLE link) and stop listening."""
        if self._advertise_task is not None:
            self._advertise_task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await self._advertise_task
        for session in list(self._sessions):
            session.close()
        for peripheral in self._peripherals.values():
            peripheral.stop()
        if self._server is not None:
            self._server.close()
            await self._server.wait_closed()
            self._server = None

    async def __aenter__(self) -> Self:
        """Start; `async with EsphomeBleProxy(...) as proxy`."""
        await self.start()
        return self

    async def __aexit__(self, *exc_info: object) -> None:
        """Stop."""
        await self.stop()

    # --- the radio neighbourhood --------------------------------------------------------------

    @property
    def peripherals(self) -> list[Peripheral]:
        """The peripherals in range."""
        return list(self._peripherals.values())

    def add_peripheral(self, peripheral: Peripheral) -> None:
        """A peripheral comes into range (advertised from the next batch on)."""
        self._peripherals[peripheral.address_int] = peripheral

    def remove_peripheral(self, address: str) -> None:
        """A peripheral goes out of range: no more advertisements, its link drops."""
        peripheral = self._peripherals.pop(int(address.replace(":", ""), 16), None)
        if peripheral is not None and (link := self._links.get(peripheral.address_int)):
            self.drop_link(link, CONN_TERMINATE_PEER_USER)

    def disconnect_peripheral(self, address: str) -> None:
        """The peripheral drops its link (reset, out of range for a moment)."""
        if link := self._links.get(int(address.replace(":", ""), 16)):
            self.drop_link(link, CONN_TERMINATE_PEER_USER)

    @property
    def free_slots(self) -> int:
        """Slots not in use."""
        return self.slots - len(self._links)

    def advertise_now(self) -> None:
        """Send one advertisement batch now."""
        if self._advertising is None or not self._peripherals:
            return
        session = self._advertising
        if session.raw_advertisements:
            batch = pb.BluetoothLERawAdvertisementsResponse()
            for peripheral in self._peripherals.values():
                batch.advertisements.add(
                    address=peripheral.address_int,
                    rssi=peripheral.rssi,
                    address_type=peripheral.address_type,
                    data=advertising_data(peripheral),
                )
            session.send(batch)
            return
        for peripheral in self._peripherals.values():
            advert = pb.BluetoothLEAdvertisementResponse(
                address=peripheral.address_int,
                name=peripheral.name.encode(),
                rssi=peripheral.rssi,
                service_uuids=peripheral.advertised_uuids,
                address_type=peripheral.address_type,
            )
            for company, data in peripheral.manufacturer_data.items():
                advert.manufacturer_data.add(uuid=f"0x{company:04X}", data=data)
            session.send(advert)

    async def _advertise_loop(self) -> None:
        while True:
            self.advertise_now()
            await asyncio.sleep(self.advertise_interval)

    # --- protocol handlers (called by sessions) -------------------------------------------------

    def device_info(self) -> pb.DeviceInfoResponse:
        """What `DeviceInfoRequest` answers."""
        return pb.DeviceInfoResponse(
            uses_password=False,
            name=self.name,
            friendly_name="PyIoT simulated Bluetooth proxy",
            mac_address=self.mac,
            bluetooth_mac_address=self.bluetooth_mac,
            esphome_version=self.esphome_version,
            compilation_time="Jan  1 2026, 00:00:00",
            model="esp32dev",
            manufacturer="Espressif",
            project_name="pyiot.ble-proxy-simulator",
            project_version="1.0",
            bluetooth_proxy_feature_flags=self.feature_flags,
            api_encryption_supported=False,
        )

    def connections_free(self) -> pb.BluetoothConnectionsFreeResponse:
        """The current slot report."""
        return pb.BluetoothConnectionsFreeResponse(
            free=self.free_slots, limit=self.slots, allocated=list(self._links)
        )

    def broadcast_slots(self) -> None:
        """Tell every subscribed API client how many slots are free."""
        for session in self._sessions:
            if session.slots_subscribed:
                session.send(self.connections_free())

    def scanner_state(self) -> pb.BluetoothScannerStateResponse:
        """The scanner state report."""
        return pb.BluetoothScannerStateResponse(
            state=pb.BLUETOOTH_SCANNER_STATE_RUNNING,
            mode=self.scanner_mode,
            configured_mode=pb.BLUETOOTH_SCANNER_MODE_PASSIVE,
        )

    def subscribe_advertisements(self, session: _ApiSession, flags: int) -> None:
        """The firmware has one advertisement subscriber: the last one to ask."""
        session.raw_advertisements = bool(flags & BluetoothProxySubscriptionFlag.RAW_ADVERTISEMENTS)
        self._advertising = session
        if self.feature_flags & BluetoothProxyFeature.FEATURE_STATE_AND_MODE:
            session.send(self.scanner_state())
        self.advertise_now()

    def unsubscribe_advertisements(self, session: _ApiSession) -> None:
        """Stop advertisements for `session`."""
        if self._advertising is session:
            self._advertising = None

    def set_scanner_mode(self, mode: int) -> None:
        """Switch between passive and active scanning and report it."""
        self.scanner_mode = mode
        if self._advertising is not None:
            self._advertising.send(self.scanner_state())

    def device_request(self, session: _ApiSession, request: pb.BluetoothDeviceRequest) -> None:
        """Connect, disconnect, pair, unpair or clear the cache."""
        address = request.address
        match request.request_type:
            case _REQ.BLUETOOTH_DEVICE_REQUEST_TYPE_CONNECT_V3_WITH_CACHE | (
                _REQ.BLUETOOTH_DEVICE_REQUEST_TYPE_CONNECT_V3_WITHOUT_CACHE
            ):
                self._connect(session, address)
            case _REQ.BLUETOOTH_DEVICE_REQUEST_TYPE_CONNECT:
                # ESPHome >= 2022.12 still accepts V1, but bleak-esphome never sends it; refuse loudly.
                session.send(pb.BluetoothDeviceConnectionResponse(address=address, error=CONN_FAIL_ESTABLISH))
            case _REQ.BLUETOOTH_DEVICE_REQUEST_TYPE_DISCONNECT:
                if (link := self._links.get(address)) is None:
                    session.send(pb.BluetoothDeviceConnectionResponse(address=address, connected=False))
                    session.send(self.connections_free())
                else:
                    self.drop_link(link, CONN_TERMINATE_LOCAL_HOST)
            case _REQ.BLUETOOTH_DEVICE_REQUEST_TYPE_PAIR:
                session.send(
                    pb.BluetoothDevicePairingResponse(address=address, paired=address in self._links)
                )
            case _REQ.BLUETOOTH_DEVICE_REQUEST_TYPE_UNPAIR:
                session.send(pb.BluetoothDeviceUnpairingResponse(address=address, success=True))
            case _REQ.BLUETOOTH_DEVICE_REQUEST_TYPE_CLEAR_CACHE:
                session.send(pb.BluetoothDeviceClearCacheResponse(address=address, success=True))
            case _:
                _LOGGER.debug("unknown device request %s", request.request_type)

    def _connect(self, session: _ApiSession, address: int) -> None:
        if (link := self._links.get(address)) is not None:
            if link.connected:  # the firmware answers "already connected"
                session.send(
                    pb.BluetoothDeviceConnectionResponse(address=address, connected=True, mtu=self._mtu(link))
                )
            return
        if self.free_slots <= 0:
            self.stats.refused_no_slot += 1
            session.send(pb.BluetoothDeviceConnectionResponse(address=address, connected=False))
            return
        link = _Link(address=address, owner=session)
        self._links[address] = link
        self.broadcast_slots()
        link.task = asyncio.create_task(self._establish(link), name=f"connect {address:012X}")

    @staticmethod
    def _mtu(link: _Link) -> int:
        return link.peripheral.mtu if link.peripheral else 23

    async def _establish(self, link: _Link) -> None:
        peripheral = self._peripherals.get(link.address)
        await asyncio.sleep(self.latency + (peripheral.delay if peripheral else 0.05))
        if peripheral is None or not peripheral.connectable or peripheral.connect_error is not None:
            error = CONN_FAIL_ESTABLISH if peripheral is None else (peripheral.connect_error or 0x3E)
            self._release(link, error)
            return
        link.peripheral = peripheral
        link.connected = True
        peripheral.attach(self._on_notification)
        self.stats.connects += 1
        link.owner.send(
            pb.BluetoothDeviceConnectionResponse(address=link.address, connected=True, mtu=peripheral.mtu)
        )

    def drop_link(self, link: _Link, reason: int) -> None:
        """End a BLE connection (either side), telling its owner and every slot subscriber."""
        if link.task is not None and not link.task.done():
            link.task.cancel()
        self._release(link, reason)

    def _release(self, link: _Link, reason: int) -> None:
        if self._links.get(link.address) is not link:
            return
        del self._links[link.address]
        if link.peripheral is not None:
            link.peripheral.detach(self._on_notification)
        link.connected = False
        link.owner.send(
            pb.BluetoothDeviceConnectionResponse(address=link.address, connected=False, error=reason)
        )
        self.broadcast_slots()

    def drop_links_of(self, session: _ApiSession) -> None:
        """The API client went away: the firmware drops every BLE link it held."""
        for link in [link for link in self._links.values() if link.owner is session]:
            self.drop_link(link, CONN_TERMINATE_LOCAL_HOST)
        if self._advertising is session:
            self._advertising = None

    def _on_notification(self, peripheral: Peripheral, characteristic: Characteristic, value: bytes) -> None:
        link = self._links.get(peripheral.address_int)
        if link is None or not link.connected or characteristic.handle not in link.notify_handles:
            return
        self.stats.notifications += 1
        link.owner.send(
            pb.BluetoothGATTNotifyDataResponse(address=link.address, handle=characteristic.handle, data=value)
        )

    def gatt_link(self, session: _ApiSession, address: int, handle: int) -> _Link | None:
        """The link for a GATT request, or None after answering "not connected"."""
        link = self._links.get(address)
        if link is None or not link.connected or link.owner is not session:
            session.send(pb.BluetoothGATTErrorResponse(address=address, handle=handle, error=NOT_CONNECTED))
            return None
        return link

    async def gatt(self, session: _ApiSession, message: Message) -> None:
        """Answer one GATT request after the proxy's and the peripheral's delays."""
        handle = getattr(message, "handle", 0)
        address: int = message.address  # type: ignore[attr-defined]
        if (link := self.gatt_link(session, address, handle)) is None:
            return
        peripheral = link.peripheral
        assert peripheral is not None  # noqa: S101 - connected links have a peripheral
        attribute = peripheral.by_handle(handle)
        delay = (
            self.latency
            + peripheral.delay
            + (attribute.delay if isinstance(attribute, Characteristic) else 0)
        )
        if delay:
            await asyncio.sleep(delay)
            if self._links.get(address) is not link:
                return  # dropped meanwhile: the disconnect already told the client
        match message:
            case pb.BluetoothGATTGetServicesRequest():
                self._send_services(session, link, peripheral)
            case pb.BluetoothGATTReadRequest() | pb.BluetoothGATTReadDescriptorRequest():
                self._read(session, link, attribute, message)
            case pb.BluetoothGATTWriteRequest():
                self._write(session, link, attribute, message)
            case pb.BluetoothGATTWriteDescriptorRequest():
                self._write_descriptor(session, link, peripheral, attribute, message)
            case pb.BluetoothGATTNotifyRequest():
                self._notify(session, link, attribute, message)
            case _:  # pragma: no cover - gatt() is only called with the types above
                pass

    def _error(self, session: _ApiSession, link: _Link, handle: int, error: int) -> None:
        session.send(pb.BluetoothGATTErrorResponse(address=link.address, handle=handle, error=error))

    def _send_services(self, session: _ApiSession, link: _Link, peripheral: Peripheral) -> None:
        for index, service in enumerate(peripheral.services):
            response = pb.BluetoothGATTGetServicesResponse(address=link.address)
            entry = response.services.add(uuid=_uuid_words(service.uuid), handle=service.handle)
            for characteristic in service.characteristics:
                char_entry = entry.characteristics.add(
                    uuid=_uuid_words(characteristic.uuid),
                    handle=characteristic.handle,
                    properties=int(characteristic.properties),
                )
                for descriptor in characteristic.descriptors:
                    char_entry.descriptors.add(uuid=_uuid_words(descriptor.uuid), handle=descriptor.handle)
            session.send(response)
            if index == 0 and peripheral.disconnect_during_discovery:
                self.drop_link(link, CONN_TERMINATE_PEER_USER)
                return
        session.send(pb.BluetoothGATTGetServicesDoneResponse(address=link.address))

    def _read(
        self, session: _ApiSession, link: _Link, attribute: Characteristic | Descriptor | None, message: Any
    ) -> None:
        handle = message.handle
        is_descriptor = isinstance(message, pb.BluetoothGATTReadDescriptorRequest)
        if attribute is None or isinstance(attribute, Descriptor) != is_descriptor:
            self._error(session, link, handle, AttError.INVALID_HANDLE)
            return
        if isinstance(attribute, Characteristic):
            if not attribute.properties & Prop.READ:
                self._error(session, link, handle, AttError.READ_NOT_PERMITTED)
                return
            if attribute.read_error is not None:
                self._error(session, link, handle, attribute.read_error)
                return
        self.stats.reads += 1
        session.send(pb.BluetoothGATTReadResponse(address=link.address, handle=handle, data=attribute.value))

    def _write(
        self, session: _ApiSession, link: _Link, attribute: Characteristic | Descriptor | None, message: Any
    ) -> None:
        handle = message.handle
        if not isinstance(attribute, Characteristic):
            self._error(session, link, handle, AttError.INVALID_HANDLE)
            return
        error = self._apply_write(link, attribute, bytes(message.data), response=message.response)
        if error is not None:
            if message.response:  # a write command gets no answer, not even an error
                self._error(session, link, handle, error)
            return
        self.stats.writes += 1
        if message.response:
            session.send(pb.BluetoothGATTWriteResponse(address=link.address, handle=handle))

    def _apply_write(
        self, link: _Link, attribute: Characteristic, data: bytes, *, response: bool
    ) -> int | None:
        """Store a written value (running the firmware's handler); the ATT error, if any."""
        allowed = Prop.WRITE if response else Prop.WRITE_WITHOUT_RESPONSE
        limit = attribute.max_length if response else self._mtu(link) - 3
        if not attribute.properties & allowed:
            return AttError.WRITE_NOT_PERMITTED
        if len(data) > min(limit, MAX_ATTRIBUTE_LENGTH):
            return AttError.INVALID_ATTRIBUTE_LENGTH
        if attribute.write_error is not None:
            return attribute.write_error
        previous = attribute.value
        attribute.value = data
        if attribute.on_write is not None and link.peripheral is not None:
            try:
                attribute.on_write(link.peripheral, attribute, data)
            except AttRejectedError as err:
                attribute.value = previous
                return err.code
        return None

    def _write_descriptor(
        self,
        session: _ApiSession,
        link: _Link,
        peripheral: Peripheral,
        attribute: Characteristic | Descriptor | None,
        message: Any,
    ) -> None:
        handle = message.handle
        if not isinstance(attribute, Descriptor):
            self._error(session, link, handle, AttError.INVALID_HANDLE)
            return
        attribute.value = bytes(message.data)
        session.send(pb.BluetoothGATTWriteResponse(address=link.address, handle=handle))
        if attribute.uuid == uuid16(0x2902):
            peripheral.cccd_written(peripheral.owner_of(attribute))

    def _notify(
        self, session: _ApiSession, link: _Link, attribute: Characteristic | Descriptor | None, message: Any
    ) -> None:
        handle = message.handle
        if not isinstance(attribute, Characteristic) or not attribute.properties & (
            Prop.NOTIFY | Prop.INDICATE
        ):
            self._error(session, link, handle, AttError.REQUEST_NOT_SUPPORTED)
            return
        if message.enable:
            link.notify_handles.add(handle)
        else:
            link.notify_handles.discard(handle)
        session.send(pb.BluetoothGATTNotifyResponse(address=link.address, handle=handle))


_GATT_REQUESTS: Final = (
    pb.BluetoothGATTGetServicesRequest,
    pb.BluetoothGATTReadRequest,
    pb.BluetoothGATTReadDescriptorRequest,
    pb.BluetoothGATTWriteRequest,
    pb.BluetoothGATTWriteDescriptorRequest,
    pb.BluetoothGATTNotifyRequest,
)
_IGNORED: Final = (
    pb.AuthenticationRequest,  # ESPHome >= 2026 has no API password: no answer unless it is wrong
    pb.SubscribeStatesRequest,
    pb.SubscribeLogsRequest,
    pb.SubscribeHomeassistantServicesRequest,
    pb.SubscribeHomeAssistantStatesRequest,
    pb.GetTimeResponse,
    pb.PingResponse,
    pb.DisconnectResponse,
)


class _ApiSession(asyncio.Protocol):
    """One API client connection: frames in, handlers, frames out."""

    def __init__(self, proxy: EsphomeBleProxy) -> None:
        self.proxy = proxy
        self.transport: asyncio.Transport | None = None
        self.buffer = bytearray()
        self.hello_done = False
        self.raw_advertisements = False
        self.slots_subscribed = False
        self.tasks: set[asyncio.Task[None]] = set()

    def connection_made(self, transport: asyncio.BaseTransport) -> None:
        assert isinstance(transport, asyncio.Transport)  # noqa: S101 - TCP servers make Transports
        self.transport = transport
        self.proxy._sessions.add(self)  # noqa: SLF001 - the session is part of the proxy
        self.proxy.stats.api_clients += 1

    def connection_lost(self, exc: Exception | None) -> None:
        self.transport = None
        self.proxy._sessions.discard(self)  # noqa: SLF001
        for task in self.tasks:
            task.cancel()
        self.proxy.drop_links_of(self)

    def send(self, message: Message) -> None:
        if self.transport is not None and not self.transport.is_closing():
            self.transport.write(frame(message))

    def close(self) -> None:
        if self.transport is not None:
            self.transport.close()

    def data_received(self, data: bytes) -> None:
        self.buffer += data
        while (parsed := self._next_frame()) is not None:
            msg_type, payload = parsed
            self._dispatch(msg_type, payload)

    def _next_frame(self) -> tuple[int, bytes] | None:
        buffer = self.buffer
        if not buffer:
            return None
        if buffer[0] != 0:  # 0x01 is a noise (encrypted) client: this proxy has no key
            _LOGGER.warning("closing an API client that does not speak plaintext (preamble %#x)", buffer[0])
            self.close()
            self.buffer.clear()
            return None
        position = 1
        values = []
        for _ in range(2):
            value = shift = 0
            while True:
                if position >= len(buffer) or shift > 28:
                    if shift > 28:
                        self.close()
                        self.buffer.clear()
                    return None
                byte = buffer[position]
                position += 1
                value |= (byte & 0x7F) << shift
                shift += 7
                if not byte & 0x80:
                    break
            values.append(value)
        length, msg_type = values
        if length > MAX_FRAME:
            self.close()
            self.buffer.clear()
            return None
        if len(buffer) < position + length:
            return None
        payload = bytes(buffer[position : position + length])
        del buffer[: position + length]
        return msg_type, payload

    def _dispatch(self, msg_type: int, payload: bytes) -> None:
        proto = MESSAGE_TYPE_TO_PROTO.get(msg_type)
        if proto is None:
            _LOGGER.debug("ignoring unknown message type %s", msg_type)
            return
        message = proto()
        try:
            message.ParseFromString(payload)
        except DecodeError:
            _LOGGER.warning("closing an API client that sent an undecodable %s", proto.__name__)
            self.close()
            return
        self._handle(message)

    def _handle(self, message: Message) -> None:  # noqa: C901, PLR0912 - one branch per message type
        proxy = self.proxy
        match message:
            case pb.HelloRequest():
                self.hello_done = True
                self.send(
                    pb.HelloResponse(
                        api_version_major=API_VERSION[0],
                        api_version_minor=API_VERSION[1],
                        server_info=f"{proxy.name} (esphome v{proxy.esphome_version})",
                        name=proxy.name,
                    )
                )
            case pb.DeviceInfoRequest():
                self.send(proxy.device_info())
            case pb.ListEntitiesRequest():
                self.send(pb.ListEntitiesDoneResponse())
            case pb.PingRequest():
                self.send(pb.PingResponse())
            case pb.DisconnectRequest():
                self.send(pb.DisconnectResponse())
                self.close()
            case pb.DeviceCapabilitiesRequest():
                response = pb.DeviceCapabilitiesResponse()
                response.bluetooth_proxy.feature_flags = proxy.feature_flags
                response.bluetooth_proxy.mac_address = proxy.bluetooth_mac
                self.send(response)
            case pb.SubscribeBluetoothLEAdvertisementsRequest():
                proxy.subscribe_advertisements(self, message.flags)
            case pb.UnsubscribeBluetoothLEAdvertisementsRequest():
                proxy.unsubscribe_advertisements(self)
            case pb.BluetoothScannerSetModeRequest():
                proxy.set_scanner_mode(message.mode)
            case pb.SubscribeBluetoothConnectionsFreeRequest():
                self.slots_subscribed = True
                self.send(proxy.connections_free())
            case pb.BluetoothDeviceRequest():
                proxy.device_request(self, message)
            case _ if isinstance(message, _GATT_REQUESTS):
                task = asyncio.create_task(proxy.gatt(self, message))
                self.tasks.add(task)
                task.add_done_callback(self.tasks.discard)
            case _ if isinstance(message, _IGNORED):
                pass
            case _:
                _LOGGER.debug("ignoring %s", type(message).__name__)


# --- command line ----------------------------------------------------------------------------------

PERIPHERALS: Final[dict[str, Callable[..., Peripheral]]] = {
    "env": environmental_sensor,
    "uart": nordic_uart,
    "flaky": flaky_discovery,
    "flood": notification_flood,
    "secure": secured_sensor,
}


def _simulate_environment(peripheral: Peripheral, rng: random.Random) -> None:
    """Drift the environmental sensor's values once a second and notify subscribers."""

    async def drift() -> None:
        step = 0
        while True:
            await asyncio.sleep(1.0)
            step += 1
            temperature = 2150 + round(150 * math.sin(step / 60)) + rng.randint(-5, 5)
            peripheral.set_value(uuid16(0x2A6E), struct.pack("<h", temperature))
            peripheral.set_value(uuid16(0x2A6F), struct.pack("<H", 4500 + rng.randint(-50, 50)))
            if step % 60 == 0:
                level = max(0, peripheral.characteristic(uuid16(0x2A19)).value[0] - 1)
                peripheral.set_value(uuid16(0x2A19), bytes([level]))

    peripheral.spawn(drift())


def peripherals_of(kinds: str) -> list[Peripheral]:
    """`env,env,uart` → peripherals at C0:FF:EE:00:00:01, ...; a repeated kind is named "PyIoT Env 2", ..."""
    names = list(filter(None, kinds.split(",")))
    peripherals = []
    for index, kind in enumerate(names, start=1):
        peripheral = PERIPHERALS[kind](f"C0:FF:EE:00:{index // 256:02X}:{index % 256:02X}")
        if (same := names[:index].count(kind)) > 1:  # entries are titled by the device's name
            peripheral = PERIPHERALS[kind](peripheral.address, f"{peripheral.name} {same}")
        peripherals.append(peripheral)
    return peripherals


def _parse_args(argv: Sequence[str] | None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description="Simulated ESPHome Bluetooth proxy (ESPHome native API)")
    parser.add_argument("--host", default="127.0.0.1", help="address to listen on (default: %(default)s)")
    parser.add_argument("--port", type=int, default=DEFAULT_PORT, help="API port (default: %(default)s)")
    parser.add_argument("--name", default="pyiot-ble-proxy", help="ESPHome node name (default: %(default)s)")
    parser.add_argument("--mac", default="AA:BB:CC:00:00:01", help="proxy MAC address (default: %(default)s)")
    parser.add_argument("--slots", type=int, default=3, help="BLE connection slots (default: %(default)s)")
    parser.add_argument(
        "--peripherals",
        default="env,uart",
        help=f"comma-separated peripherals out of {', '.join(PERIPHERALS)} (default: %(default)s)",
    )
    parser.add_argument("--verbose", action="store_true", help="log every connection")
    return parser.parse_args(argv)


async def run(args: argparse.Namespace) -> None:
    """Serve until interrupted."""
    rng = random.Random(1)
    peripherals = peripherals_of(args.peripherals)
    proxy = EsphomeBleProxy(peripherals, name=args.name, mac=args.mac, host=args.host, port=args.port)
    proxy.slots = args.slots
    for peripheral in peripherals:
        if (
            any(c.uuid == uuid16(0x2A6F) for c in peripheral.characteristics())
            and not peripheral.on_subscribe
        ):
            _simulate_environment(peripheral, rng)
    await proxy.start()
    print(f"ESPHome Bluetooth proxy {args.name} on {args.host}:{proxy.port} with", flush=True)
    for peripheral in peripherals:
        print(f"  {peripheral.address}  {peripheral.name}", flush=True)
    stop = asyncio.Event()
    loop = asyncio.get_running_loop()
    for sig in (signal.SIGINT, signal.SIGTERM):
        loop.add_signal_handler(sig, stop.set)
    await stop.wait()
    await proxy.stop()


def main(argv: Sequence[str] | None = None) -> None:
    """Entry point."""
    args = _parse_args(argv)
    logging.basicConfig(level=logging.DEBUG if args.verbose else logging.INFO)
    if unknown := [kind for kind in args.peripherals.split(",") if kind and kind not in PERIPHERALS]:
        raise SystemExit(f"unknown peripherals: {', '.join(unknown)}")
    asyncio.run(run(args))


if __name__ == "__main__":
    main()
