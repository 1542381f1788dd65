"""BLE GATT benchmark, HA-free half: PyIoT's engine vs a bare bleak-esphome client via the simulated proxy.

Run from the repository root:

    .venv/bin/python bench/ble_gatt.py [--devices 10 --rate 20 --seconds 5 --cycles 20]

Everything runs in this process on loopback: the simulated ESPHome Bluetooth proxy
(`tools/simulators/esphome_ble_proxy.py`), habluetooth's manager and bleak-esphome wired as Home
Assistant wires them (`tests/support/esphome_ble.py`), without Home Assistant.

1. notifications: `--devices` environmental sensors notify their temperature `--rate` times a second for
   `--seconds`. Ours: one persistent `BleGattDevice` per sensor (decode, flood guard, NodeListener
   `value_received`, NOTIFIED event). Anchor: a bare bleak client per sensor with `start_notify`.
   Figures: values delivered per second and CPU µs per value (both sides share the process with the
   proxy, so CPU includes the simulated radio).
2. cycle: connect → read 5 characteristics → disconnect, `--cycles` times. Ours: an on-demand
   `BleGattDevice.poll()` with 5 bound characteristics (hold time 0). Anchor: `establish_connection`,
   5 x `read_gatt_char`, `disconnect`. Figure: median cycle time.

The HA half (state writes per second through HA's esphome + bluetooth) is `bench/ble_ha.py`.
Figures are printed, not asserted.
"""

import argparse
import asyncio
import logging
import statistics
import struct
import time
from typing import Any
from unittest.mock import AsyncMock, patch

from bench_paths import REPO_ROOT  # first: sets sys.path
import bleak_retry_connector
from bleak_retry_connector import establish_connection

from custom_components.pyiot.core.nodes.model import NodeInfo
from custom_components.pyiot.core.protocols.ble import (
    BleakGattConnector,
    BleGattDevice,
    CharacteristicBinding,
    ConnectionMode,
    ConnectionPolicy,
    DeviceEvent,
    GattCharacteristic,
)
from tests.support.esphome_ble import BleakStack, bleak_stack
from tools.simulators.ble_peripherals import Peripheral, environmental_sensor, uuid16
from tools.simulators.esphome_ble_proxy import EsphomeBleProxy

CYCLE_READS = (0x2A19, 0x2A6E, 0x2A6F, 0x2A6D, 0x2AFB)
_ = REPO_ROOT


class CountingListener:
    """A NodeListener that counts values."""

    def __init__(self) -> None:
        self.values = 0

    def node_seen(self, node: NodeInfo) -> None:
        pass

    def points_seen(self, node_id: str, points: Any) -> None:
        pass

    def value_received(self, node_id: str, key: str, value: Any) -> None:
        self.values += 1

    def node_lost(self, node_id: str) -> None:
        pass

    def point_unavailable(self, node_id: str, key: str) -> None:
        pass


def binding(peripheral: Peripheral, short: int) -> CharacteristicBinding:
    characteristic = peripheral.characteristic(uuid16(short))
    props = {"read"} | ({"notify"} if characteristic.cccd is not None else set())
    return CharacteristicBinding.for_characteristic(
        GattCharacteristic(
            uuid=uuid16(short), handle=characteristic.handle, properties=frozenset(props), service_uuid=""
        )
    )


async def drive(peripherals: list[Peripheral], rate: float, seconds: float) -> int:
    """Notify every peripheral's temperature `rate` times a second; returns notifications sent."""
    sent = 0
    start = time.perf_counter()
    tick = 0
    while (elapsed := time.perf_counter() - start) < seconds:
        tick += 1
        for peripheral in peripherals:
            peripheral.set_value(uuid16(0x2A6E), struct.pack("<h", 2000 + tick % 500))
            sent += 1
        await asyncio.sleep(max(0.0, tick / rate - elapsed))
    return sent


async def wait_seen(stack: BleakStack, peripherals: list[Peripheral]) -> None:
    async with asyncio.timeout(10):
        while not all(stack.ble_device(p.address) for p in peripherals):  # noqa: ASYNC110 - polls bleak state
            await asyncio.sleep(0.01)


async def notifications_ours(
    stack: BleakStack, proxy: EsphomeBleProxy, args: argparse.Namespace
) -> dict[str, float]:
    listener = CountingListener()
    events: list[DeviceEvent] = []
    devices = [
        BleGattDevice(
            p.address,
            BleakGattConnector(stack.ble_device),
            listener,
            bindings=[binding(p, 0x2A6E)],
            policy=ConnectionPolicy(mode=ConnectionMode.PERSISTENT),
            event_sink=events.append,
        )
        for p in proxy.peripherals
    ]
    for device in devices:
        await device.async_start()
    async with asyncio.timeout(30):
        while not all(d.diagnostics()["notifying"] and d.connected for d in devices):  # noqa: ASYNC110
            await asyncio.sleep(0.01)
    await asyncio.sleep(0.2)
    listener.values = 0
    cpu, wall = time.process_time(), time.perf_counter()
    sent = await drive(proxy.peripherals, args.rate, args.seconds)
    await asyncio.sleep(0.1)
    cpu, wall = time.process_time() - cpu, time.perf_counter() - wall
    values = listener.values
    for device in devices:
        await device.async_stop()
    return {"sent": sent, "values": values, "per_s": values / wall, "cpu_us": 1e6 * cpu / max(1, values)}


async def notifications_anchor(
    stack: BleakStack, proxy: EsphomeBleProxy, args: argparse.Namespace
) -> dict[str, float]:
    count = [0]
    clients = []
    for peripheral in proxy.peripherals:
        device = stack.ble_device(peripheral.address)
        if device is None:
            raise RuntimeError(f"{peripheral.address} is not seen")
        client = await establish_connection(
            bleak_retry_connector.BleakClientWithServiceCache, device, peripheral.name
        )
        await client.start_notify(uuid16(0x2A6E), lambda _c, _d: count.__setitem__(0, count[0] + 1))
        clients.append(client)
    await asyncio.sleep(0.2)
    count[0] = 0
    cpu, wall = time.process_time(), time.perf_counter()
    sent = await drive(proxy.peripherals, args.rate, args.seconds)
    await asyncio.sleep(0.1)
    cpu, wall = time.process_time() - cpu, time.perf_counter() - wall
    for client in clients:
        await client.disconnect()
    return {
        "sent": sent,
        "values": count[0],
        "per_s": count[0] / wall,
        "cpu_us": 1e6 * cpu / max(1, count[0]),
    }


async def cycles_ours(stack: BleakStack, peripheral: Peripheral, cycles: int) -> list[float]:
    device = BleGattDevice(
        peripheral.address,
        BleakGattConnector(stack.ble_device),
        CountingListener(),
        bindings=[binding(peripheral, short) for short in CYCLE_READS],
        policy=ConnectionPolicy(mode=ConnectionMode.ON_DEMAND),
    )
    times = []
    for _ in range(cycles):
        start = time.perf_counter()
        await device.poll()
        await device.disconnect()
        times.append(time.perf_counter() - start)
    await device.async_stop()
    return times


async def cycles_anchor(stack: BleakStack, peripheral: Peripheral, cycles: int) -> list[float]:
    device = stack.ble_device(peripheral.address)
    if device is None:
        raise RuntimeError(f"{peripheral.address} is not seen")
    times = []
    for _ in range(cycles):
        start = time.perf_counter()
        client = await establish_connection(
            bleak_retry_connector.BleakClientWithServiceCache, device, "anchor"
        )
        for short in CYCLE_READS:
            await client.read_gatt_char(uuid16(short))
        await client.disconnect()
        times.append(time.perf_counter() - start)
    return times


async def run(args: argparse.Namespace) -> None:
    peripherals = [environmental_sensor(f"C0:FF:EE:00:01:{i:02X}", f"Env {i}") for i in range(args.devices)]
    proxy = EsphomeBleProxy(peripherals, port=0, slots=args.devices + 1, advertise_interval=0.2)
    async with proxy, bleak_stack() as stack:
        await stack.connect_proxy(proxy.port)
        await wait_seen(stack, peripherals)
        anchor = await notifications_anchor(stack, proxy, args)
        ours = await notifications_ours(stack, proxy, args)
        anchor_cycles = await cycles_anchor(stack, peripherals[0], args.cycles)
        our_cycles = await cycles_ours(stack, peripherals[0], args.cycles)
    expected = args.devices * args.rate
    print("=== BLE GATT, HA-free half (simulated ESPHome proxy on loopback, bleak-esphome) ===")
    print(
        f"notifications: {args.devices} devices x {args.rate:g} Hz for {args.seconds:g} s "
        f"(target {expected:g}/s)"
    )
    print(
        f"  ours   values_per_s = {ours['per_s']:.1f}  ({ours['values']} of {ours['sent']} sent; "
        f"cpu per value = {ours['cpu_us']:.0f} µs)"
    )
    print(
        f"  anchor values_per_s = {anchor['per_s']:.1f}  ({anchor['values']} of {anchor['sent']} sent; "
        f"cpu per value = {anchor['cpu_us']:.0f} µs; bare bleak-esphome start_notify)"
    )
    print(
        f"  ratio ours/anchor: rate = {ours['per_s'] / anchor['per_s']:.2f}, "
        f"cpu per value = {ours['cpu_us'] / anchor['cpu_us']:.2f}"
    )
    ours_ms, anchor_ms = 1000 * statistics.median(our_cycles), 1000 * statistics.median(anchor_cycles)
    print(f"cycle connect -> read {len(CYCLE_READS)} -> disconnect, {args.cycles} cycles (median)")
    print(f"  ours   cycle_ms = {ours_ms:.1f}  (BleGattDevice.poll + disconnect, on demand)")
    print(f"  anchor cycle_ms = {anchor_ms:.1f}  (establish_connection + 5 x read_gatt_char + disconnect)")
    print(f"  ratio ours/anchor = {ours_ms / anchor_ms:.2f}")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--devices", type=int, default=10)
    parser.add_argument("--rate", type=float, default=20.0, help="notifications per second and device")
    parser.add_argument("--seconds", type=float, default=5.0)
    parser.add_argument("--cycles", type=int, default=50)
    args = parser.parse_args()
    logging.basicConfig(level=logging.WARNING)
    # No BlueZ here: the local adapter probes are replaced as pytest-homeassistant-custom-component does.
    with (
        patch("habluetooth.channels.bluez.MGMTBluetoothCtl.setup", AsyncMock(side_effect=OSError)),
        patch("bluetooth_adapters.systems.linux.LinuxAdapters.refresh"),
        patch("bluetooth_adapters.systems.linux.LinuxAdapters.adapters", {}),
    ):
        bluez = bleak_retry_connector.bleak_manager.get_global_bluez_manager_with_timeout
        bluez._has_dbus_socket = False  # type: ignore[attr-defined]  # noqa: SLF001
        asyncio.run(run(args))


if __name__ == "__main__":
    main()
