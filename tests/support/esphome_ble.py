"""bleak-esphome against the simulated proxy, wired as Home Assistant wires it, minus Home Assistant.

Home Assistant's `bluetooth` integration runs one habluetooth `BluetoothManager` (which routes every
`BleakClient` through the scanners registered with it); its `esphome` integration connects an
`aioesphomeapi.APIClient` to the proxy, calls `bleak_esphome.connect_scanner` and registers the
scanner. `BleakStack` does the same steps without HA, so tests and benchmarks get the real
bleak-esphome client (`HaBleakClientWrapper` → `ESPHomeClient`) over the real native API.

Needs the session-wide `mock_bluetooth_adapters` fixture of pytest-homeassistant-custom-component
(autouse): there is no BlueZ on the machine.
"""

from collections.abc import AsyncIterator
import contextlib
from dataclasses import dataclass, field

from aioesphomeapi import APIClient
from bleak.backends.device import BLEDevice
from bleak_esphome import connect_scanner
from bleak_esphome.backend.client import ESPHomeClientData
from habluetooth import BluetoothManager, BluetoothServiceInfoBleak, get_manager, set_manager
from habluetooth.central_manager import CentralBluetoothManager

from tests.support.mosquitto import free_port as free_port  # noqa: PLC0414 - re-exported for BLE tests


class StandaloneBluetoothManager(BluetoothManager):
    """habluetooth's manager with the discovery hook HA's manager implements, recording what it saw."""

    def __init__(self) -> None:
        """A manager with the (mocked) local adapters and no BlueZ."""
        super().__init__()
        self.discovered: list[BluetoothServiceInfoBleak] = []

    def _discover_service_info(self, service_info: BluetoothServiceInfoBleak) -> None:
        self.discovered.append(service_info)


@dataclass
class ProxyConnection:
    """One proxy connected the way HA's esphome integration connects it."""

    client: APIClient
    data: ESPHomeClientData
    undo: list[object] = field(default_factory=list)

    @property
    def source(self) -> str:
        """The scanner's source (the proxy's Bluetooth MAC), as HA's `connected via`."""
        assert self.data.scanner is not None
        return self.data.scanner.source

    async def close(self) -> None:
        """Tear down as HA does when the proxy's entry unloads."""
        self.data.bluetooth_device.async_set_unavailable()
        for callback in list(self.data.disconnect_callbacks):
            callback()
        for undo in reversed(self.undo):
            undo()  # type: ignore[operator]
        await self.client.disconnect()


class BleakStack:
    """A habluetooth manager plus proxies connected to it."""

    def __init__(self) -> None:
        """Nothing runs before `start`."""
        self.manager = StandaloneBluetoothManager()
        self.proxies: list[ProxyConnection] = []
        self._previous: BluetoothManager | None = None

    async def start(self) -> None:
        """Install the manager as the process' bluetooth manager (as HA's bluetooth setup does)."""
        self._previous = CentralBluetoothManager.manager
        set_manager(self.manager)
        await self.manager.async_setup()
        assert get_manager() is self.manager

    async def connect_proxy(self, port: int, host: str = "127.0.0.1") -> ProxyConnection:
        """Connect a proxy: hello, device info, connect_scanner, register the scanner."""
        client = APIClient(host, port, None, client_info="pyiot tests")
        await client.connect(login=True)
        device_info = await client.device_info()
        data = connect_scanner(client, device_info, available=True)
        assert data.scanner is not None
        connection = ProxyConnection(client, data)
        connection.undo.append(self.manager.async_register_scanner(data.scanner))
        connection.undo.append(data.scanner.async_setup())
        self.proxies.append(connection)
        return connection

    def ble_device(self, address: str) -> BLEDevice | None:
        """What HA's `bluetooth.async_ble_device_from_address(hass, address, connectable=True)` returns."""
        return self.manager.async_ble_device_from_address(address, True)

    async def stop(self) -> None:
        """Disconnect every proxy and restore the previous manager."""
        for proxy in reversed(self.proxies):
            with contextlib.suppress(Exception):
                await proxy.close()
        self.proxies.clear()
        self.manager.async_stop()
        CentralBluetoothManager.manager = self._previous


@contextlib.asynccontextmanager
async def bleak_stack() -> AsyncIterator[BleakStack]:
    """`BleakStack`, started and stopped."""
    stack = BleakStack()
    await stack.start()
    try:
        yield stack
    finally:
        await stack.stop()
