"""BLE GATT benchmark, Home Assistant half: PyIoT entries vs a bare bleak client, both through HA's bluetooth.

Run from the repository root:

    .venv/bin/python bench/ble_ha.py [--devices 10 --rate 20 --seconds 5 --cycles 30]

One real Home Assistant in this process (`bench/ha_harness.py`) with its real `bluetooth` and `esphome`
integrations connected to the simulated ESPHome Bluetooth proxy (`tools/simulators/esphome_ble_proxy.py`)
on loopback, as a user's proxy would be. There is no BlueZ: the local adapter probes are replaced as
`bench/ble_gatt.py` does, so the proxy is the only scanner.

1. notifications → state writes: `--devices` environmental sensors notify their temperature `--rate`
   times a second for `--seconds`. Ours: one persistent PyIoT BLE GATT entry per sensor with its
   temperature ticked; figure: `state_changed` writes of those sensors per second, and HA process CPU
   per write. Anchor: a bare `establish_connection` + `start_notify` client per sensor through HA's
   bluetooth (HaBleakClientWrapper → bleak-esphome) counting callbacks, the floor of anything that
   reads notifications through HA's bluetooth.
2. cycle: connect → read 5 characteristics → disconnect, `--cycles` times, through HA's bluetooth and
   the proxy. Ours: an on-demand PyIoT entry with the 5 characteristics ticked, its engine's `poll()`
   then `disconnect()` (values reach the entities). Anchor: `establish_connection`, 5 x
   `read_gatt_char`, `disconnect` on the same HA's bluetooth. Figure: median cycle time.

Figures are printed, not asserted.
"""

import argparse
import asyncio
from pathlib import Path
import statistics
import tempfile
import time
from typing import Any
from unittest.mock import AsyncMock, patch

from ble_gatt import CYCLE_READS, drive
import bleak_retry_connector
from bleak_retry_connector import establish_connection
from ha_harness import (
    StateWriteCounter,
    make_config_dir,
    new_entry,
    quiet_logging,
    run_hass,
    start_hass,
    stop_hass,
)
from homeassistant.components import bluetooth
from homeassistant.core import HomeAssistant
from homeassistant.helpers import entity_registry as er
from homeassistant.setup import async_setup_component

from custom_components.pyiot.core.protocols.ble import CharacteristicBinding, GattCharacteristic, point_key
from tools.simulators.ble_peripherals import Peripheral, Prop, environmental_sensor, uuid16
from tools.simulators.esphome_ble_proxy import EsphomeBleProxy

PROPERTY_NAMES = {
    Prop.READ: "read",
    Prop.WRITE: "write",
    Prop.WRITE_WITHOUT_RESPONSE: "write-without-response",
    Prop.NOTIFY: "notify",
    Prop.INDICATE: "indicate",
}


def gatt_of(peripheral: Peripheral) -> list[GattCharacteristic]:
    """What the explorer would have stored for `peripheral`."""
    return [
        GattCharacteristic(
            uuid=c.uuid,
            handle=c.handle,
            properties=frozenset(name for flag, name in PROPERTY_NAMES.items() if c.properties & flag),
            service_uuid=service.uuid,
        )
        for service in peripheral.services
        for c in service.characteristics
    ]


def ble_entry(peripheral: Peripheral, shorts: tuple[int, ...], mode: str) -> Any:
    """A BLE GATT entry as the config flow creates it, with `shorts` ticked."""
    gatt = gatt_of(peripheral)
    wanted = {uuid16(short) for short in shorts}
    bindings = [CharacteristicBinding.for_characteristic(c) for c in gatt if c.uuid in wanted]
    return new_entry(
        "pyiot",
        {
            "entry_type": "ble_gatt",
            "address": peripheral.address,
            "gatt": [
                {
                    "uuid": c.uuid,
                    "handle": c.handle,
                    "properties": sorted(c.properties),
                    "service": c.service_uuid,
                }
                for c in gatt
            ],
        },
        title=peripheral.name,
        unique_id=peripheral.address,
        options={
            "characteristics": [b.as_dict() for b in bindings],
            "policy": {"mode": mode, "poll_interval": 3600, "hold_after_action": 0},
        },
    )


async def until(condition: Any, limit: float = 60.0) -> None:
    async with asyncio.timeout(limit):
        while not condition():  # noqa: ASYNC110 - polls HA and proxy state
            await asyncio.sleep(0.02)


async def add_proxy(hass: HomeAssistant, proxy: EsphomeBleProxy) -> None:
    """HA's esphome integration on the simulated proxy, until HA's bluetooth hears every peripheral."""
    entry = new_entry(
        "esphome",
        {"host": "127.0.0.1", "port": proxy.port, "password": "", "noise_psk": None},
        title=proxy.name,
        version=1,
        unique_id=proxy.mac.lower(),
    )
    await hass.config_entries.async_add(entry)
    await until(
        lambda: all(
            bluetooth.async_ble_device_from_address(hass, p.address, connectable=True)
            for p in proxy.peripherals
        )
    )


def temperature_entity(hass: HomeAssistant, entry_id: str, peripheral: Peripheral) -> str | None:
    key = point_key(uuid16(0x2A6E), peripheral.characteristic(uuid16(0x2A6E)).handle)
    return er.async_get(hass).async_get_entity_id("sensor", "pyiot", f"{entry_id}:{peripheral.address}:{key}")


async def notifications_ours(
    hass: HomeAssistant, proxy: EsphomeBleProxy, args: argparse.Namespace
) -> dict[str, float]:
    entries = [ble_entry(p, (0x2A6E,), "persistent") for p in proxy.peripherals]
    for entry in entries:
        await hass.config_entries.async_add(entry)
    await until(lambda: all(e.runtime_data.link.device.connected for e in entries))
    await until(lambda: all(e.runtime_data.link.device.diagnostics()["counts"].get("polls") for e in entries))
    await asyncio.sleep(0.5)  # the NOTIFY_STARTED of the last subscription
    entity_ids = [
        temperature_entity(hass, e.entry_id, p) for e, p in zip(entries, proxy.peripherals, strict=True)
    ]
    if None in entity_ids:
        raise RuntimeError("a temperature entity is missing")
    expected = round(args.devices * args.rate * args.seconds)
    counter = StateWriteCounter(hass, [e for e in entity_ids if e], expected)
    done = [False]
    cpu, start = time.process_time(), time.monotonic()
    sent = await drive(proxy.peripherals, args.rate, args.seconds)
    done[0] = True
    await counter.wait(lambda: done[0], idle=0.5)
    cpu, wall = time.process_time() - cpu, counter.t_last - start
    counter.stop()
    for entry in entries:
        await hass.config_entries.async_remove(entry.entry_id)
    await until(lambda: proxy.free_slots == proxy.slots)
    return {
        "sent": sent,
        "writes": counter.count,
        "per_s": counter.count / wall,
        "cpu_us": 1e6 * cpu / max(1, counter.count),
    }


async def notifications_anchor(
    hass: HomeAssistant, proxy: EsphomeBleProxy, args: argparse.Namespace
) -> dict[str, float]:
    count = [0]
    last = [0.0]

    def on_value(_characteristic: object, _data: bytearray) -> None:
        count[0] += 1
        last[0] = time.monotonic()

    clients = []
    for peripheral in proxy.peripherals:
        device = bluetooth.async_ble_device_from_address(hass, peripheral.address, connectable=True)
        if device is None:
            raise RuntimeError(f"{peripheral.address} is not seen")
        client = await establish_connection(
            bleak_retry_connector.BleakClientWithServiceCache, device, peripheral.name
        )
        await client.start_notify(uuid16(0x2A6E), on_value)
        clients.append(client)
    await asyncio.sleep(0.2)
    count[0] = 0
    cpu, start = time.process_time(), time.monotonic()
    sent = await drive(proxy.peripherals, args.rate, args.seconds)
    await asyncio.sleep(0.5)  # as long as the state write counter waits after the last one
    cpu, wall = time.process_time() - cpu, last[0] - start
    for client in clients:
        await client.disconnect()
    await until(lambda: proxy.free_slots == proxy.slots)
    return {
        "sent": sent,
        "writes": count[0],
        "per_s": count[0] / wall,
        "cpu_us": 1e6 * cpu / max(1, count[0]),
    }


async def cycles_ours(hass: HomeAssistant, peripheral: Peripheral, cycles: int) -> list[float]:
    entry = ble_entry(peripheral, CYCLE_READS, "on_demand")
    await hass.config_entries.async_add(entry)
    device = entry.runtime_data.link.device
    times = []
    for _ in range(cycles):
        start = time.perf_counter()
        await device.poll()
        await device.disconnect()
        times.append(time.perf_counter() - start)
    await hass.config_entries.async_remove(entry.entry_id)
    return times


async def cycles_anchor(hass: HomeAssistant, peripheral: Peripheral, cycles: int) -> list[float]:
    device = bluetooth.async_ble_device_from_address(hass, peripheral.address, connectable=True)
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


async def run(args: argparse.Namespace, config_dir: Path) -> None:
    peripherals = [environmental_sensor(f"C0:FF:EE:00:02:{i:02X}", f"Env {i}") for i in range(args.devices)]
    proxy = EsphomeBleProxy(peripherals, port=0, slots=args.devices + 1, advertise_interval=0.2)
    async with proxy:
        hass = await start_hass(config_dir)
        try:
            if not await async_setup_component(hass, "bluetooth", {}):
                raise RuntimeError("Home Assistant's bluetooth could not be set up")
            await add_proxy(hass, proxy)
            anchor = await notifications_anchor(hass, proxy, args)
            ours = await notifications_ours(hass, proxy, args)
            anchor_cycles = await cycles_anchor(hass, peripherals[0], args.cycles)
            our_cycles = await cycles_ours(hass, peripherals[0], args.cycles)
        finally:
            await stop_hass(hass)
    expected = args.devices * args.rate
    print("=== BLE GATT, Home Assistant half (HA's bluetooth + esphome, simulated proxy on loopback) ===")
    print(
        f"notifications: {args.devices} devices x {args.rate:g} Hz for {args.seconds:g} s "
        f"(target {expected:g}/s)"
    )
    print(
        f"  ours   state_writes_per_s = {ours['per_s']:.1f}  ({ours['writes']} of {ours['sent']} sent; "
        f"HA process cpu per write = {ours['cpu_us']:.0f} µs)"
    )
    print(
        f"  anchor callbacks_per_s    = {anchor['per_s']:.1f}  ({anchor['writes']} of {anchor['sent']} sent; "
        f"cpu per value = {anchor['cpu_us']:.0f} µs; bare bleak client start_notify through HA's bluetooth)"
    )
    print(
        f"  ratio ours/anchor: rate = {ours['per_s'] / anchor['per_s']:.2f}, "
        f"cpu per value = {ours['cpu_us'] / anchor['cpu_us']:.2f}"
    )
    ours_ms, anchor_ms = 1000 * statistics.median(our_cycles), 1000 * statistics.median(anchor_cycles)
    print(f"cycle connect -> read {len(CYCLE_READS)} -> disconnect, {args.cycles} cycles (median)")
    print(
        f"  ours   cycle_ms = {ours_ms:.1f}  (on-demand PyIoT entry: engine poll + disconnect, to entities)"
    )
    print(f"  anchor cycle_ms = {anchor_ms:.1f}  (establish_connection + 5 x read_gatt_char + disconnect)")
    print(f"  ratio ours/anchor = {ours_ms / anchor_ms:.2f}")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--devices", type=int, default=10)
    parser.add_argument("--rate", type=float, default=20.0, help="notifications per second and device")
    parser.add_argument("--seconds", type=float, default=5.0)
    parser.add_argument("--cycles", type=int, default=30)
    args = parser.parse_args()
    quiet_logging()
    with (
        tempfile.TemporaryDirectory(prefix="pyiot-bench-ble-") as tmp,
        patch("habluetooth.channels.bluez.MGMTBluetoothCtl.setup", AsyncMock(side_effect=OSError)),
        patch("bluetooth_adapters.systems.linux.LinuxAdapters.refresh"),
        patch("bluetooth_adapters.systems.linux.LinuxAdapters.adapters", {}),
    ):
        bluez = bleak_retry_connector.bleak_manager.get_global_bluez_manager_with_timeout
        bluez._has_dbus_socket = False  # type: ignore[attr-defined]  # noqa: SLF001
        config_dir = make_config_dir(Path(tmp))
        run_hass(lambda: run(args, config_dir))


if __name__ == "__main__":
    main()
