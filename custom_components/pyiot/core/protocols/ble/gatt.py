"""The two seams of the engine: a connector that opens links, and a connected GATT client.

Home Assistant plugs in `bleak_link.BleakGattConnector` with HA's `async_ble_device_from_address(...,
connectable=True)` (every local adapter and ESPHome proxy behind HA's bluetooth); tests plug in the
same connector on a standalone habluetooth manager with bleak-esphome and the simulated proxy.
Implementations raise only `errors.BleError` subclasses (`OutOfSlotsError`, `AuthenticationError`,
`LinkError`, `BleError` with key `gatt_error` or `timeout`).
"""

from collections.abc import Callable, Sequence
from typing import Protocol

from .points import GattCharacteristic


class GattClient(Protocol):
    """A connected GATT client (one link to one device)."""

    @property
    def is_connected(self) -> bool:
        """Whether the link is up."""

    @property
    def mtu_size(self) -> int:
        """The negotiated ATT MTU (a write carries at most `mtu_size - 3` bytes)."""

    @property
    def connected_via(self) -> str | None:
        """The adapter or proxy (its source address) the link goes through, if known."""

    def characteristics(self) -> Sequence[GattCharacteristic]:
        """Every characteristic discovered on the device."""

    async def read(self, handle: int) -> bytes:
        """Read the value at `handle`."""

    async def write(self, handle: int, data: bytes, *, response: bool) -> None:
        """Write `data` at `handle`, as a write request (`response`) or a write command."""

    async def start_notify(self, handle: int, callback: Callable[[bytes], None]) -> None:
        """Enable notifications (or indications) of `handle`; `callback` gets every value."""

    async def stop_notify(self, handle: int) -> None:
        """Disable notifications of `handle` (nothing when they are not enabled)."""

    async def disconnect(self) -> None:
        """Close the link, freeing the adapter's or proxy's slot."""


class GattConnector(Protocol):
    """Opens links to devices."""

    async def connect(self, address: str, on_disconnect: Callable[[], None]) -> GattClient:
        """Connect (with the implementation's retries) and discover services.

        `on_disconnect` is called in the event loop whenever the link drops afterwards, whichever side
        closed it.
        """
