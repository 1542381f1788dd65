"""The connector on bleak: `bleak_retry_connector.establish_connection` + `BleakClientWithServiceCache`.

`lookup(address)` returns the `BLEDevice` to connect to; in Home Assistant it is
`bluetooth.async_ble_device_from_address(hass, address, connectable=True)`, which picks the adapter
or ESPHome proxy that hears the device best and has a free slot. bleak and bleak-retry-connector come
with HA's `bluetooth` integration (no requirement of our own).

`BleakClientWithServiceCache` is looked up on the module at every connect: HA's bluetooth
(habluetooth) swaps it for its routing wrapper when it starts, after this module may have been
imported.
"""

from collections.abc import Callable, Sequence
import logging
from typing import Final

from bleak import BleakClient
from bleak.backends.characteristic import BleakGATTCharacteristic
from bleak.backends.device import BLEDevice
from bleak.exc import BleakError
import bleak_retry_connector
from bleak_retry_connector import (
    MAX_CONNECT_ATTEMPTS,
    BleakNotFoundError,
    BleakOutOfConnectionSlotsError,
    establish_connection,
)

from .errors import AuthenticationError, BleError, BleErrorKey, LinkError, OutOfSlotsError
from .points import GattCharacteristic

_LOGGER = logging.getLogger(__name__)

AUTHENTICATION_MARKERS: Final = (
    # ESPHome proxies (aioesphomeapi's GATT error descriptions)
    "insufficient authentication",
    "insufficient encryption",
    "insufficient authorization",
    "auth fail",
    # BlueZ
    "org.bluez.error.notauthorized",
    "org.bluez.error.authenticationfailed",
    "org.bluez.error.authenticationrejected",
    "(0x05)",
    "(0x0f)",
    "(0x08)",
)
DISCONNECTED_MARKERS: Final = (
    "not connected",
    "disconnected",
    "connection status changed",
    "changed connection status",  # bleak-esphome: the link dropped while an operation waited
)


def translate(err: Exception, address: str) -> BleError:
    """The typed error for what bleak (or its ESPHome / BlueZ backend) raised."""
    if isinstance(err, BleError):
        return err
    text = str(err) or type(err).__name__
    lowered = text.lower()
    key = BleErrorKey.GATT_ERROR
    if isinstance(err, BleakOutOfConnectionSlotsError):
        return OutOfSlotsError(text, address=address)
    if any(marker in lowered for marker in AUTHENTICATION_MARKERS):
        return AuthenticationError(text, address=address)
    if isinstance(err, BleakNotFoundError):
        key = BleErrorKey.NOT_FOUND
    elif isinstance(err, TimeoutError):
        key = BleErrorKey.TIMEOUT
    elif any(marker in lowered for marker in DISCONNECTED_MARKERS):
        key = BleErrorKey.DISCONNECTED
    if key in {BleErrorKey.NOT_FOUND, BleErrorKey.DISCONNECTED}:
        return LinkError(text, key=key, address=address)
    return BleError(text, key=key, address=address)


_BLEAK_ERRORS: Final = (BleakError, TimeoutError, EOFError, BrokenPipeError, AttributeError, OSError)


class BleakGattClient:
    """`GattClient` on a connected bleak client (HA's wrapper, bleak-esphome or BlueZ behind it)."""

    def __init__(self, client: BleakClient, address: str, connected_via: str | None) -> None:
        """Wrap a connected client."""
        self._client = client
        self._address = address
        self._connected_via = connected_via

    @property
    def is_connected(self) -> bool:
        """Whether the link is up."""
        return self._client.is_connected

    @property
    def mtu_size(self) -> int:
        """The negotiated ATT MTU."""
        return self._client.mtu_size

    @property
    def connected_via(self) -> str | None:
        """The adapter or proxy source the device was reached through."""
        return self._connected_via

    def characteristics(self) -> Sequence[GattCharacteristic]:
        """Every discovered characteristic."""
        return [
            GattCharacteristic(
                uuid=characteristic.uuid,
                handle=characteristic.handle,
                properties=frozenset(characteristic.properties),
                service_uuid=service.uuid,
                descriptors=tuple(descriptor.uuid for descriptor in characteristic.descriptors),
            )
            for service in self._client.services
            for characteristic in service.characteristics
        ]

    def _characteristic(self, handle: int) -> BleakGATTCharacteristic:
        characteristic = self._client.services.get_characteristic(handle)
        if characteristic is None:
            raise LinkError(f"no characteristic at handle {handle}", key=BleErrorKey.CHARACTERISTIC_GONE)
        return characteristic

    async def read(self, handle: int) -> bytes:
        """Read the value at `handle`."""
        try:
            return bytes(await self._client.read_gatt_char(self._characteristic(handle)))
        except _BLEAK_ERRORS as err:
            raise translate(err, self._address) from err

    async def write(self, handle: int, data: bytes, *, response: bool) -> None:
        """Write `data` at `handle`."""
        try:
            await self._client.write_gatt_char(self._characteristic(handle), data, response=response)
        except _BLEAK_ERRORS as err:
            raise translate(err, self._address) from err

    async def start_notify(self, handle: int, callback: Callable[[bytes], None]) -> None:
        """Enable notifications of `handle`."""

        def deliver(_characteristic: BleakGATTCharacteristic, data: bytearray) -> None:
            callback(bytes(data))

        try:
            await self._client.start_notify(self._characteristic(handle), deliver)
        except _BLEAK_ERRORS as err:
            raise translate(err, self._address) from err

    async def stop_notify(self, handle: int) -> None:
        """Disable notifications of `handle`."""
        try:
            await self._client.stop_notify(self._characteristic(handle))
        except _BLEAK_ERRORS as err:
            raise translate(err, self._address) from err

    async def disconnect(self) -> None:
        """Close the link."""
        try:
            await self._client.disconnect()
        except _BLEAK_ERRORS as err:
            _LOGGER.debug("%s: disconnect failed: %s", self._address, err)


class BleakGattConnector:
    """`GattConnector` with bleak-retry-connector's retries and backoff."""

    def __init__(
        self,
        lookup: Callable[[str], BLEDevice | None],
        *,
        name: str | None = None,
        max_attempts: int = MAX_CONNECT_ATTEMPTS,
    ) -> None:
        """`lookup(address)` gives the connectable `BLEDevice` (None when nothing hears it)."""
        self._lookup = lookup
        self._name = name
        self._max_attempts = max_attempts

    async def connect(self, address: str, on_disconnect: Callable[[], None]) -> BleakGattClient:
        """Connect through the best adapter or proxy and discover services."""
        device = self._lookup(address)
        if device is None:
            raise LinkError(
                f"{address} is not seen by any connectable adapter or proxy",
                key=BleErrorKey.NOT_FOUND,
                address=address,
            )

        def latest_device() -> BLEDevice:
            return self._lookup(address) or device

        try:
            client = await establish_connection(
                bleak_retry_connector.BleakClientWithServiceCache,
                device,
                self._name or device.name or address,
                disconnected_callback=lambda _client: on_disconnect(),
                max_attempts=self._max_attempts,
                ble_device_callback=latest_device,
            )
        except _BLEAK_ERRORS as err:
            raise translate(err, address) from err
        details = device.details
        source = details.get("source") if isinstance(details, dict) else None
        return BleakGattClient(client, address, str(source) if source else None)
