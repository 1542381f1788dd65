"""The simulated ESPHome proxy against a bare `aioesphomeapi.APIClient`, message by message."""

import asyncio
from collections.abc import AsyncIterator
import struct

from aioesphomeapi import APIClient, BluetoothProxyFeature, api_pb2
from aioesphomeapi.core import BluetoothConnectionDroppedError, BluetoothGATTAPIError, TimeoutAPIError
import pytest

from tools.simulators.ble_peripherals import (
    CCCD_UUID,
    NUS_RX,
    NUS_TX,
    AttError,
    Peripheral,
    environmental_sensor,
    nordic_uart,
    uuid16,
)
from tools.simulators.esphome_ble_proxy import (
    DEFAULT_FEATURES,
    PERIPHERALS,
    EsphomeBleProxy,
    _parse_args,
    frame,
    main,
)

FLAGS = int(DEFAULT_FEATURES)


@pytest.fixture
async def client(proxy: EsphomeBleProxy) -> AsyncIterator[APIClient]:
    cli = APIClient("127.0.0.1", proxy.port, None, client_info="pyiot tests")
    await cli.connect(login=True)
    yield cli
    await cli.disconnect()


class Link:
    """One BLE connection through the bare client, recording connection state changes."""

    def __init__(self, cli: APIClient, peripheral: Peripheral) -> None:
        self.cli = cli
        self.peripheral = peripheral
        self.states: list[tuple[bool, int, int]] = []
        self.changed = asyncio.Event()

    def on_state(self, connected: bool, mtu: int, error: int) -> None:
        self.states.append((connected, mtu, error))
        self.changed.set()

    async def connect(self, timeout: float = 5.0) -> None:
        await self.cli.bluetooth_device_connect(
            self.peripheral.address_int, self.on_state, timeout=timeout, feature_flags=FLAGS, address_type=0
        )

    def handle(self, uuid: str) -> int:
        return self.peripheral.characteristic(uuid).handle

    async def wait_state(self, count: int) -> None:
        async with asyncio.timeout(5):
            while len(self.states) < count:
                self.changed.clear()
                await self.changed.wait()


def env_of(proxy: EsphomeBleProxy) -> Peripheral:
    return next(p for p in proxy.peripherals if p.name == "PyIoT Env")


async def test_hello_device_info_and_no_entities(client: APIClient, proxy: EsphomeBleProxy) -> None:
    info, entities, services = await client.device_info_and_list_entities()
    assert client.api_version is not None
    assert (client.api_version.major, client.api_version.minor) == (1, 14)
    assert info.name == "pyiot-ble-proxy"
    assert info.mac_address == "AA:BB:CC:00:00:01"
    assert info.bluetooth_mac_address == "AA:BB:CC:00:00:03"
    flags = info.bluetooth_proxy_feature_flags_compat(client.api_version)
    assert flags & BluetoothProxyFeature.ACTIVE_CONNECTIONS
    assert flags & BluetoothProxyFeature.REMOTE_CACHING
    assert flags & BluetoothProxyFeature.RAW_ADVERTISEMENTS
    assert not info.uses_password
    assert not info.api_encryption_supported
    assert entities == []
    assert services == []
    capabilities = await client.device_capabilities()
    assert capabilities.bluetooth_proxy.feature_flags == FLAGS


async def test_raw_advertisements_and_scanner_state(client: APIClient, proxy: EsphomeBleProxy) -> None:
    batches = []
    states = []
    client.subscribe_bluetooth_scanner_state(states.append)
    client.subscribe_bluetooth_le_raw_advertisements(batches.append)
    async with asyncio.timeout(5):
        while len(batches) < 2:
            await asyncio.sleep(0.01)
    addresses = {adv.address for adv in batches[-1].advertisements}
    assert addresses == {p.address_int for p in proxy.peripherals}
    env = next(adv for adv in batches[-1].advertisements if adv.address == env_of(proxy).address_int)
    assert b"\tPyIoT Env" in env.data
    assert states
    assert states[0].state.name == "RUNNING"


async def test_parsed_advertisements_without_the_raw_flag(client: APIClient, proxy: EsphomeBleProxy) -> None:
    adverts = []
    client.subscribe_bluetooth_le_advertisements(adverts.append)
    async with asyncio.timeout(5):
        while not any(a.name == "PyIoT Env" for a in adverts):
            await asyncio.sleep(0.01)
    env = next(a for a in adverts if a.name == "PyIoT Env")
    assert uuid16(0x181A) in env.service_uuids
    assert env.manufacturer_data == {0x0D2A: b"\x01\x02"}


async def test_connect_discover_read_write_notify_disconnect(
    client: APIClient, proxy: EsphomeBleProxy
) -> None:
    slots: list[tuple[int, int, list[int]]] = []
    client.subscribe_bluetooth_connections_free(
        lambda free, limit, allocated: slots.append((free, limit, allocated))
    )
    env = env_of(proxy)
    link = Link(client, env)
    await link.connect()
    assert link.states == [(True, 247, 0)]
    async with asyncio.timeout(5):
        while slots[-1][0] != 2:
            await asyncio.sleep(0.01)
    assert slots[-1] == (2, 3, [env.address_int])

    services = await client.bluetooth_gatt_get_services(env.address_int)
    assert [s.uuid for s in services.services] == [s.uuid for s in env.services]
    temperature = next(c for s in services.services for c in s.characteristics if c.uuid == uuid16(0x2A6E))
    assert temperature.handle == link.handle(uuid16(0x2A6E))
    assert [d.uuid for d in temperature.descriptors] == [CCCD_UUID]

    assert await client.bluetooth_gatt_read(env.address_int, link.handle(uuid16(0x2A19))) == bytearray([87])
    await client.bluetooth_gatt_write(env.address_int, link.handle(uuid16(0x2A56)), b"\x01", response=True)
    assert env.characteristic(uuid16(0x2A56)).value == b"\x01"

    received: list[bytes] = []
    _stop, _remove = await client.bluetooth_gatt_start_notify(
        env.address_int, temperature.handle, lambda handle, data: received.append(bytes(data))
    )
    env.set_value(uuid16(0x2A6E), struct.pack("<h", 1234))
    await asyncio.sleep(0.05)
    assert received == [], "nothing before the client enables the CCCD (remote caching: the client's job)"
    cccd = temperature.descriptors[0].handle
    await client.bluetooth_gatt_write_descriptor(env.address_int, cccd, b"\x01\x00")
    env.set_value(uuid16(0x2A6E), struct.pack("<h", 2345))
    async with asyncio.timeout(5):
        while not received:
            await asyncio.sleep(0.01)
    assert received == [struct.pack("<h", 2345)]
    assert await client.bluetooth_gatt_read_descriptor(env.address_int, cccd) == bytearray(b"\x01\x00")

    await client.bluetooth_device_disconnect(env.address_int)
    assert link.states[-1] == (False, 0, 0x16)
    assert proxy.free_slots == 3
    assert env.characteristic(uuid16(0x2A6E)).cccd.value == b"\x00\x00"  # type: ignore[union-attr]


async def test_att_errors(client: APIClient, proxy: EsphomeBleProxy) -> None:
    secure = next(p for p in proxy.peripherals if p.name == "PyIoT Secure")
    env = env_of(proxy)
    await Link(client, secure).connect()
    await Link(client, env).connect()
    await client.bluetooth_gatt_get_services(secure.address_int)

    with pytest.raises(BluetoothGATTAPIError, match="Insufficient authentication") as err:
        await client.bluetooth_gatt_read(secure.address_int, secure.characteristic(uuid16(0x2A6E)).handle)
    assert err.value.error.error == AttError.INSUFFICIENT_AUTHENTICATION
    with pytest.raises(BluetoothGATTAPIError, match="Invalid handle"):
        await client.bluetooth_gatt_read(env.address_int, 999)
    with pytest.raises(BluetoothGATTAPIError, match="Write not permitted"):
        await client.bluetooth_gatt_write(
            env.address_int, env.characteristic(uuid16(0x2A19)).handle, b"\1", True
        )
    reset = env.characteristic("9f1c0004-5d6a-4a0e-9c43-2f0b6a7e1b10")
    with pytest.raises(BluetoothGATTAPIError, match="Read not permitted"):
        await client.bluetooth_gatt_read(env.address_int, reset.handle)
    with pytest.raises(BluetoothGATTAPIError, match="error=19"):
        await client.bluetooth_gatt_write(env.address_int, reset.handle, b"\x07", True)
    with pytest.raises(BluetoothGATTAPIError, match="Invalid attribute length"):
        await client.bluetooth_gatt_write(env.address_int, reset.handle, bytes(600), True)
    with pytest.raises(BluetoothGATTAPIError, match="Request not supported"):
        await client.bluetooth_gatt_start_notify(
            env.address_int, env.characteristic(uuid16(0x2A6D)).handle, lambda h, d: None
        )
    with pytest.raises(BluetoothGATTAPIError, match="Not connected"):
        await client.bluetooth_gatt_read(0xC0FFEE0000FF, 3)


async def test_write_without_response_and_uart_echo(client: APIClient, proxy: EsphomeBleProxy) -> None:
    uart = next(p for p in proxy.peripherals if p.name == "PyIoT UART")
    await Link(client, uart).connect()
    services = await client.bluetooth_gatt_get_services(uart.address_int)
    tx = next(c for s in services.services for c in s.characteristics if c.uuid == NUS_TX)
    echoes: list[bytes] = []
    await client.bluetooth_gatt_start_notify(
        uart.address_int, tx.handle, lambda h, d: echoes.append(bytes(d))
    )
    await client.bluetooth_gatt_write_descriptor(uart.address_int, tx.descriptors[0].handle, b"\x01\x00")
    await client.bluetooth_gatt_write(
        uart.address_int, uart.characteristic(NUS_RX).handle, b"hi", response=False
    )
    async with asyncio.timeout(5):
        while not echoes:
            await asyncio.sleep(0.01)
    assert echoes == [b"> hi"]


async def test_out_of_slots_is_refused_like_the_firmware(socket_enabled: None) -> None:
    first, second = environmental_sensor(), nordic_uart()
    async with EsphomeBleProxy([first, second], port=0, slots=1) as proxy:
        cli = APIClient("127.0.0.1", proxy.port, None)
        await cli.connect(login=True)
        await Link(cli, first).connect()
        refused = Link(cli, second)
        await refused.connect(timeout=2)
        assert refused.states == [(False, 0, 0)], "the firmware answers 'not connected' at once"
        assert proxy.stats.refused_no_slot == 1
        await cli.disconnect()


async def test_disconnect_during_discovery(client: APIClient, proxy: EsphomeBleProxy) -> None:
    flaky = next(p for p in proxy.peripherals if p.name == "PyIoT Flaky")
    link = Link(client, flaky)
    await link.connect()
    with pytest.raises(BluetoothConnectionDroppedError):
        await client.bluetooth_gatt_get_services(flaky.address_int)
    await link.wait_state(2)
    assert link.states[-1] == (False, 0, 0x13)
    assert proxy.free_slots == 3


async def test_peripheral_drop_and_refused_connection(client: APIClient, proxy: EsphomeBleProxy) -> None:
    env = env_of(proxy)
    link = Link(client, env)
    await link.connect()
    proxy.disconnect_peripheral(env.address)
    await link.wait_state(2)
    assert link.states[-1] == (False, 0, 0x13)
    env.connect_error = 0x3E
    refused = Link(client, env)
    await refused.connect()
    assert refused.states == [(False, 0, 0x3E)]
    assert proxy.free_slots == 3


async def test_slow_answers_time_out(client: APIClient, proxy: EsphomeBleProxy) -> None:
    env = env_of(proxy)
    await Link(client, env).connect()
    proxy.latency = 0.5
    with pytest.raises(TimeoutAPIError):
        await client.bluetooth_gatt_read(
            env.address_int, env.characteristic(uuid16(0x2A19)).handle, timeout=0.1
        )
    proxy.latency = 0


async def test_api_client_leaving_drops_every_link(proxy: EsphomeBleProxy) -> None:
    env = env_of(proxy)
    cli = APIClient("127.0.0.1", proxy.port, None)
    await cli.connect(login=True)
    await Link(cli, env).connect()
    assert proxy.free_slots == 2
    await cli.disconnect()
    async with asyncio.timeout(5):
        while proxy.free_slots != 3:
            await asyncio.sleep(0.01)
    assert not env.connected


async def test_pair_unpair_clear_cache(client: APIClient, proxy: EsphomeBleProxy) -> None:
    env = env_of(proxy)
    await Link(client, env).connect()
    assert (await client.bluetooth_device_pair(env.address_int)).paired
    assert (await client.bluetooth_device_unpair(env.address_int)).success
    assert (await client.bluetooth_device_clear_cache(env.address_int)).success


async def test_garbage_closes_the_connection(proxy: EsphomeBleProxy) -> None:
    reader, writer = await asyncio.open_connection("127.0.0.1", proxy.port)
    writer.write(b"\x01\x00\x00")  # a noise client
    async with asyncio.timeout(5):
        assert await reader.read() == b""
    writer.close()
    reader, writer = await asyncio.open_connection("127.0.0.1", proxy.port)
    writer.write(b"\x00\xff\xff\xff\x0f\x01")  # a frame longer than ESPHome allows
    async with asyncio.timeout(5):
        assert await reader.read() == b""
    writer.close()


def test_frame_layout() -> None:
    assert frame(api_pb2.PingRequest()) == b"\x00\x00\x07"


def test_cli_defaults_and_peripherals() -> None:
    args = _parse_args([])
    assert (args.port, args.name, args.slots, args.peripherals) == (6053, "pyiot-ble-proxy", 3, "env,uart")
    assert {kind: PERIPHERALS[kind]("C0:FF:EE:00:00:01").name for kind in PERIPHERALS} == {
        "env": "PyIoT Env",
        "uart": "PyIoT UART",
        "flaky": "PyIoT Flaky",
        "flood": "PyIoT Flood",
        "secure": "PyIoT Secure",
    }
    with pytest.raises(SystemExit, match="unknown peripherals: nope"):
        main(["--peripherals", "nope"])
