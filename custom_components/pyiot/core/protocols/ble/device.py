"""One BLE GATT device under a connection policy: the IoT Hub requests, events and points.

`BleGattDevice` is a `Transport` for exactly one node (the device, `node_id` = its address). It reports
the device and its chosen characteristics to a `NodeListener`, values from polls, reads and
notifications, and IoT Hub events (`DeviceEvent`) to `event_sink`. Background failures (a persistent
link that cannot be made, a poll that fails) go to `on_error`, once per failure episode; the HA side
raises a repair issue for `AuthenticationError`.

Bad input never escapes: undecodable values, notification floods, characteristics that disappeared
are logged once per device and problem (`OncePerSourceLogger`) and counted in `diagnostics()`;
requests raise `BleError` subclasses with stable keys.
"""

import asyncio
from collections import Counter
from collections.abc import AsyncIterator, Awaitable, Callable, Sequence
import contextlib
from dataclasses import dataclass
import datetime as dt
import logging
import random
from typing import Any, Final

from ...nodes.bad_input import OncePerSourceLogger
from ...nodes.model import NodeInfo, NodeListener, WriteError
from .current_time import (
    CURRENT_TIME,
    LOCAL_TIME_INFORMATION,
    AdjustReason,
    clock_drift,
    decode_current_time,
    encode_current_time,
    encode_local_time_information,
)
from .errors import (
    AuthenticationError,
    BleError,
    BleErrorKey,
    CharacteristicError,
    LinkError,
    ValueDecodeError,
)
from .formats import Decoded, parse_hex
from .gatt import GattClient, GattConnector
from .points import MAX_POINTS, CharacteristicBinding, GattCharacteristic, normalize_address, point_key
from .policy import Backoff, ConnectionMode, ConnectionPolicy, NotificationCoalescer
from .sig import DeviceInformation, known
from .uuids import normalize_uuid
from .vocabulary import DeviceEvent, DeviceEventType

_LOGGER = logging.getLogger(__name__)
ATT_HEADER: Final = 3
SYNC_THRESHOLD: Final = 1.0
"""A sync rewrites the device clock only when it is off by more than this many seconds."""


@dataclass(frozen=True, slots=True)
class ReadResult:
    """What `read` returns: the raw bytes and their decoded value (None when not decodable)."""

    data: bytes
    value: Decoded

    def as_response(self) -> dict[str, Any]:
        """The response data of the HA action: hex and decoded."""
        return {"hex": self.data.hex(), "value": self.value}


@dataclass(frozen=True, slots=True)
class ResetCommand:
    """The reset request of a device: write `value` to the characteristic `uuid` (at `handle` if given)."""

    uuid: str
    value: bytes
    handle: int | None = None

    @property
    def target(self) -> str:
        """What `write` resolves: the point key when the handle is known, else the first of the UUID."""
        return self.uuid if self.handle is None else point_key(self.uuid, self.handle)


class BleGattDevice:
    """The engine of one device."""

    def __init__(
        self,
        address: str,
        connector: GattConnector,
        listener: NodeListener,
        *,
        bindings: Sequence[CharacteristicBinding] = (),
        policy: ConnectionPolicy | None = None,
        name: str | None = None,
        reset: ResetCommand | None = None,
        event_sink: Callable[[DeviceEvent], None] | None = None,
        on_error: Callable[[BleError], None] | None = None,
        clock: Callable[[], dt.datetime] | None = None,
        logger: logging.Logger | None = None,
        rng: random.Random | None = None,
    ) -> None:
        """Prepare the device; nothing connects before `async_start`.

        `clock()` is "now" as an aware datetime in the device's zone (HA: `dt_util.now`).
        """
        self.address = normalize_address(address)
        self.policy = policy or ConnectionPolicy()
        self._connector = connector
        self._listener = listener
        self._bindings = {b.key: b for b in bindings[:MAX_POINTS]}
        self._name = name
        self._reset = reset
        self._event_sink = event_sink
        self._on_error = on_error
        self._clock = clock or (lambda: dt.datetime.now().astimezone())
        self._logger = logger or _LOGGER
        self._bad_input = OncePerSourceLogger(self._logger)
        self._backoff = Backoff(self.policy.backoff_initial, self.policy.backoff_max, self.policy.jitter, rng)
        self._coalescer = NotificationCoalescer(self.policy.max_notify_rate, self._deliver, self._flooded)
        self._client: GattClient | None = None
        self._characteristics: dict[int, GattCharacteristic] = {}
        self._connect_lock = asyncio.Lock()
        self._active = 0
        self._idle_timer: asyncio.TimerHandle | None = None
        self._tasks: set[asyncio.Task[None]] = set()
        self._supervisor: asyncio.Task[None] | None = None
        self._link_lost = asyncio.Event()
        self._closing = False
        self._running = False
        self._notify_wanted: set[str] = set()
        self._notifying: set[int] = set()
        self._info = NodeInfo(node_id=self.address, name=name, mac=self.address)
        self._info_read = False
        self._counts: Counter[str] = Counter()
        self._last_error: str | None = None
        self._failing = False

    # --- Transport ------------------------------------------------------------------------------

    async def async_start(self) -> None:
        """Report the device and its points, then run the policy."""
        if self._running:
            return
        self._running = True
        self._listener.node_seen(self._info)
        self._listener.points_seen(self.address, [b.point() for b in self._bindings.values()])
        if self.policy.mode is ConnectionMode.PERSISTENT:
            self._notify_wanted |= {k for k, b in self._bindings.items() if b.characteristic.notifies}
            self._supervisor = asyncio.create_task(self._keep_connected(), name=f"ble {self.address}")
        elif self.policy.mode is ConnectionMode.POLL:
            self._supervisor = asyncio.create_task(self._poll_loop(), name=f"ble poll {self.address}")

    async def async_stop(self) -> None:
        """Stop the policy and close the link."""
        self._running = False
        tasks = [t for t in (self._supervisor, *self._tasks) if t is not None]
        self._supervisor = None
        for task in tasks:
            task.cancel()
        await asyncio.gather(*tasks, return_exceptions=True)
        await self._close_link()

    async def async_write(self, node_id: str, key: str, value: Any) -> None:
        """An entity's write (number, switch, text, button); `WriteError` with the reason otherwise."""
        try:
            await self.write(key, value)
        except BleError as err:
            raise WriteError(str(err)) from err

    # --- IoT Hub requests -----------------------------------------------------------------------

    async def read(self, characteristic: str) -> ReadResult:
        """READ_VALUE: read a point (by key) or any characteristic (by UUID); updates its entity."""
        async with self._session() as client:
            target = self._resolve(characteristic)
            if not target.readable:
                raise CharacteristicError(f"{target.uuid} cannot be read", key=BleErrorKey.NOT_READABLE)
            data = await self._op(client.read(target.handle))
        self._counts["reads"] += 1
        return ReadResult(data, self._decode_for(target, data, report=True))

    async def write(self, characteristic: str, value: Any) -> int:
        """WRITE_VALUE: write a decoded value (a point) or bytes/hex; returns the bytes written."""
        binding = self._bindings.get(characteristic)
        async with self._session() as client:
            target = self._resolve(characteristic)
            if not target.writable:
                raise CharacteristicError(f"{target.uuid} cannot be written", key=BleErrorKey.NOT_WRITABLE)
            data = self._encode_for(target, binding, value)
            limit = client.mtu_size - ATT_HEADER
            if len(data) > limit:
                raise CharacteristicError(
                    f"{len(data)} bytes do not fit the MTU ({limit} bytes)",
                    key=BleErrorKey.WRITE_TOO_LARGE,
                    limit=str(limit),
                )
            await self._op(client.write(target.handle, data, response=target.write_with_response))
        self._counts["writes"] += 1
        if binding is not None and target.readable and binding.press_value is None:
            self._decode_for(target, data, report=True)
        return len(data)

    async def start_notify(self, characteristic: str) -> None:
        """START_NOTIFY: notifications of a point; kept across reconnects until `stop_notify`."""
        async with self._session() as client:
            target = self._resolve(characteristic)
            if not target.notifies:
                raise CharacteristicError(f"{target.uuid} cannot notify", key=BleErrorKey.NOT_NOTIFIABLE)
            key = self._key_of(target)
            self._notify_wanted.add(key)
            await self._subscribe(client, target)

    async def stop_notify(self, characteristic: str) -> None:
        """STOP_NOTIFY."""
        async with self._session() as client:
            target = self._resolve(characteristic)
            self._notify_wanted.discard(self._key_of(target))
            if target.handle in self._notifying:
                self._notifying.discard(target.handle)
                await self._op(client.stop_notify(target.handle))
                self._emit(DeviceEventType.NOTIFY_STOPPED, key=self._key_of(target))

    async def set_time(self) -> dt.datetime:
        """SET_TIME: write the device's local time to Current Time (and Local Time Information)."""
        now = self._clock()
        async with self._session() as client:
            await self._write_time(client, now, AdjustReason.MANUAL)
        self._emit(DeviceEventType.TIME_SET, time=now.isoformat())
        return now

    async def sync_time(self) -> float | None:
        """SYNC_TIME: read the device clock, rewrite it when off by more than 1 s; returns the drift."""
        async with self._session() as client:
            target = self._resolve(CURRENT_TIME)
            drift: float | None = None
            if target.readable:
                data = await self._op(client.read(target.handle))
                try:
                    drift = clock_drift(decode_current_time(data), self._clock())
                except ValueDecodeError as err:
                    self._bad_input.warn(self.address, err.key, f"Current Time {data.hex()}: {err}")
            adjusted = drift is None or abs(drift) > SYNC_THRESHOLD
            if adjusted:
                await self._write_time(client, self._clock(), AdjustReason.EXTERNAL_REFERENCE)
        self._emit(DeviceEventType.TIME_SYNCED, drift=drift, adjusted=adjusted)
        return drift

    async def reset(self) -> None:
        """RESET: write the configured reset value."""
        if self._reset is None:
            raise CharacteristicError("no reset characteristic is configured", key=BleErrorKey.NOT_CONFIGURED)
        await self.write(self._reset.target, self._reset.value)

    async def disconnect(self) -> None:
        """DISCONNECT: drop the link now (a persistent device reconnects after its backoff)."""
        await self._close_link()

    # --- state for the HA side -------------------------------------------------------------------

    @property
    def connected(self) -> bool:
        """Whether a link is up."""
        return self._client is not None and self._client.is_connected

    @property
    def connected_via(self) -> str | None:
        """Adapter or proxy of the current link."""
        return self._client.connected_via if self._client is not None else None

    @property
    def info(self) -> NodeInfo:
        """What is known of the device (Device Information service included once read)."""
        return self._info

    def characteristics(self) -> list[GattCharacteristic]:
        """What was discovered at the last connection (the GATT explorer's list)."""
        return list(self._characteristics.values())

    def diagnostics(self) -> dict[str, Any]:
        """Counters and state, without the address (the HA side adds a redacted one)."""
        return {
            "policy": self.policy.as_dict(),
            "connected": self.connected,
            "mtu": self._client.mtu_size if self._client is not None and self.connected else None,
            "points": sorted(self._bindings),
            "notifying": sorted(self._notify_wanted),
            "counts": dict(sorted(self._counts.items())),
            "coalesced": self._coalescer.coalesced(),
            "last_error": self._last_error,
        }

    # --- links ----------------------------------------------------------------------------------

    @contextlib.asynccontextmanager
    async def _session(self) -> AsyncIterator[GattClient]:
        """A connected client for one operation; the policy decides when the link goes away."""
        if self._idle_timer is not None:
            self._idle_timer.cancel()
            self._idle_timer = None
        self._active += 1
        try:
            yield await self._ensure_connected()
        finally:
            self._active -= 1
            self._schedule_idle_disconnect()

    async def _ensure_connected(self) -> GattClient:
        async with self._connect_lock:
            if self._client is not None and self._client.is_connected:
                return self._client
            self._link_lost.clear()
            try:
                client = await self._connector.connect(self.address, self._on_link_lost)
            except BleError as err:
                self._counts["connect_failures"] += 1
                self._last_error = err.key
                raise
            self._client = client
            self._closing = False
            self._counts["connects"] += 1
            try:
                await self._on_connected(client)
            except BleError:
                await self._close_link()
                raise
            return client

    async def _on_connected(self, client: GattClient) -> None:
        self._characteristics = {c.handle: c for c in client.characteristics()}
        for key, bound in self._bindings.items():
            if bound.handle not in self._characteristics:
                self._bad_input.warn(
                    self.address, BleErrorKey.CHARACTERISTIC_GONE, f"{bound.uuid} (handle {bound.handle})"
                )
                self._listener.point_unavailable(self.address, key)
        self._emit(DeviceEventType.CONNECTED, connected_via=client.connected_via)
        if not self._info_read:
            await self._read_device_information(client)
        for key in sorted(self._notify_wanted):
            target = self._characteristics.get(int(key.rsplit("_", 1)[1]))
            if target is not None and target.notifies:
                await self._subscribe(client, target)

    async def _read_device_information(self, client: GattClient) -> None:
        fields: dict[str, str] = {}
        for characteristic in self._characteristics.values():
            field_name = DeviceInformation.FIELDS.get(characteristic.uuid)
            if field_name is None or not characteristic.readable:
                continue
            data = await self._op(client.read(characteristic.handle))
            try:
                fields[field_name] = DeviceInformation.decode(data)
            except ValueDecodeError as err:
                self._bad_input.warn(
                    self.address, err.key, f"Device Information {characteristic.uuid}: {err}"
                )
        self._info_read = True
        extra: dict[str, str] = {
            k: fields.pop(k) for k in ("serial_number", "software_revision") if k in fields
        }
        info = NodeInfo(node_id=self.address, name=self._name, mac=self.address, extra=extra, **fields)
        if info != self._info:
            self._info = info
            self._listener.node_seen(info)
            self._emit(DeviceEventType.PROPS_CHANGED, props=info.as_dict())

    def _schedule_idle_disconnect(self) -> None:
        hold = self.policy.hold_time
        if hold is None or self._active or self._client is None:
            return
        self._idle_timer = asyncio.get_running_loop().call_later(hold, self._idle_expired)

    def _idle_expired(self) -> None:
        """The policy's hold time passed without an operation: free the slot."""
        self._idle_timer = None
        if not self._active and self._client is not None:
            client, self._client = self._client, None
            self._spawn(self._disconnect(client))

    async def _close_link(self) -> None:
        if self._idle_timer is not None:
            self._idle_timer.cancel()
            self._idle_timer = None
        client, self._client = self._client, None
        if client is not None:
            await self._disconnect(client)

    async def _disconnect(self, client: GattClient) -> None:
        self._closing = True
        await client.disconnect()
        self._lost(reason="requested")

    def _on_link_lost(self) -> None:
        """The connector's disconnect callback (either side closed the link)."""
        if self._closing:
            return
        self._client = None
        self._lost(reason="dropped")

    def _lost(self, reason: str) -> None:
        if self._link_lost.is_set():
            return
        self._link_lost.set()
        self._notifying.clear()
        self._coalescer.cancel()
        self._counts["disconnects"] += 1
        self._emit(DeviceEventType.DISCONNECTED, reason=reason)

    async def _keep_connected(self) -> None:
        """PERSISTENT: (re)connect with backoff and jitter, then keep the link until it drops.

        Every point is read at once and every `poll_interval`: notifications only say what changed.
        """
        while self._running:
            try:
                await self._ensure_connected()
                await self.poll()
            except BleError as err:
                self._background_failure(err)
                await asyncio.sleep(self._backoff.next_delay())
                continue
            self._recovered()
            while not self._link_lost.is_set():
                with contextlib.suppress(TimeoutError):
                    async with asyncio.timeout(self.policy.poll_interval):
                        await self._link_lost.wait()
                if not self._link_lost.is_set():
                    try:
                        await self.poll()
                    except BleError as err:
                        self._background_failure(err)
            await asyncio.sleep(self._backoff.next_delay())

    async def _poll_loop(self) -> None:
        """POLL: read every readable point every `poll_interval`; the idle timer frees the slot."""
        while self._running:
            try:
                await self.poll()
            except BleError as err:
                self._background_failure(err)
                await asyncio.sleep(min(self.policy.poll_interval, self._backoff.next_delay()))
                continue
            self._recovered()
            await asyncio.sleep(self.policy.poll_interval)

    async def poll(self) -> None:
        """Read every readable point once (one connection)."""
        async with self._session() as client:
            for binding in self._bindings.values():
                target = self._characteristics.get(binding.handle)
                if target is None or not target.readable:
                    continue
                try:
                    data = await self._op(client.read(target.handle))
                except AuthenticationError:
                    raise
                except BleError as err:
                    if isinstance(err, LinkError):
                        raise
                    self._bad_input.warn(self.address, err.key, f"reading {binding.uuid}: {err}")
                    self._listener.point_unavailable(self.address, binding.key)
                    continue
                self._decode_for(target, data, report=True)
        self._counts["polls"] += 1

    def _background_failure(self, err: BleError) -> None:
        self._last_error = err.key
        if self._failing:
            self._logger.debug("%s: still failing: %s", self.address, err)
            return
        self._failing = True
        self._logger.info("%s: %s (%s); retrying with backoff", self.address, err, err.key)
        if self._on_error is not None:
            self._on_error(err)

    def _recovered(self) -> None:
        self._backoff.reset()
        self._failing = False

    # --- characteristics, values, notifications --------------------------------------------------

    def _resolve(self, characteristic: str) -> GattCharacteristic:
        """A point key, or a UUID (first match), against what the current link discovered."""
        if (binding := self._bindings.get(characteristic)) is not None:
            target = self._characteristics.get(binding.handle)
            if target is None or target.uuid != binding.uuid:
                raise CharacteristicError(
                    f"{binding.uuid} (handle {binding.handle}) is no longer on the device",
                    key=BleErrorKey.CHARACTERISTIC_GONE,
                    uuid=binding.uuid,
                )
            return target
        try:
            uuid = normalize_uuid(
                characteristic.rsplit("_", 1)[0] if "_" in characteristic else characteristic
            )
        except ValueError as err:
            raise CharacteristicError(
                f"unknown characteristic {characteristic!r}", uuid=characteristic
            ) from err
        handle = int(characteristic.rsplit("_", 1)[1]) if "_" in characteristic else None
        for target in self._characteristics.values():
            if target.uuid == uuid and handle in {None, target.handle}:
                return target
        raise CharacteristicError(f"the device has no characteristic {uuid}", uuid=uuid)

    def _key_of(self, target: GattCharacteristic) -> str:
        return point_key(target.uuid, target.handle)

    def _decode_for(self, target: GattCharacteristic, data: bytes, *, report: bool) -> Decoded:
        binding = self._bindings.get(self._key_of(target))
        try:
            if binding is not None:
                value = binding.decode(data)
            elif (definition := known(target.uuid)) is not None:
                value = definition.decode(data)
            else:
                return None
        except ValueDecodeError as err:
            self._counts[f"bad_{err.key}"] += 1
            self._bad_input.warn(self.address, err.key, f"{target.uuid}: {data[:32].hex()}: {err}")
            return None
        if report and binding is not None:
            if value is None:
                self._listener.point_unavailable(self.address, binding.key)
            else:
                self._listener.value_received(self.address, binding.key, value)
        return value

    def _encode_for(
        self, target: GattCharacteristic, binding: CharacteristicBinding | None, value: Any
    ) -> bytes:
        if binding is not None:
            return binding.encode(value)
        if isinstance(value, (bytes, bytearray)):
            return bytes(value)
        definition = known(target.uuid)
        if definition is not None and definition.parse is None and not isinstance(value, str):
            return definition.user_format.encode(value)
        return parse_hex(str(value))

    async def _subscribe(self, client: GattClient, target: GattCharacteristic) -> None:
        if target.handle in self._notifying:
            return
        key = self._key_of(target)
        await self._op(client.start_notify(target.handle, lambda data: self._coalescer.push(key, data)))
        self._notifying.add(target.handle)
        self._emit(DeviceEventType.NOTIFY_STARTED, key=key)

    def _deliver(self, key: str, data: bytes) -> None:
        self._counts["notifications"] += 1
        handle = int(key.rsplit("_", 1)[1])
        target = self._characteristics.get(handle)
        value = self._decode_for(target, data, report=True) if target is not None else None
        self._emit(DeviceEventType.NOTIFIED, key=key, hex=data.hex(), value=value)

    def _flooded(self, key: str) -> None:
        self._bad_input.warn(
            self.address,
            "notification_flood",
            f"{key} notifies faster than {self.policy.max_notify_rate:g}/s; values are coalesced",
        )

    async def _write_time(self, client: GattClient, now: dt.datetime, reason: AdjustReason) -> None:
        target = self._resolve(CURRENT_TIME)
        if not target.writable:
            raise CharacteristicError("the device's Current Time is read-only", key=BleErrorKey.NOT_WRITABLE)
        await self._op(client.write(target.handle, encode_current_time(now, reason), response=True))
        with contextlib.suppress(CharacteristicError):
            local = self._resolve(LOCAL_TIME_INFORMATION)
            if local.writable:
                await self._op(client.write(local.handle, encode_local_time_information(now), response=True))

    async def _op[T](self, operation: Awaitable[T]) -> T:
        """One GATT operation under the policy's timeout."""
        try:
            async with asyncio.timeout(self.policy.operation_timeout):
                return await operation
        except TimeoutError as err:
            raise BleError("the device did not answer in time", key=BleErrorKey.TIMEOUT) from err

    def _emit(self, event_type: DeviceEventType, **data: Any) -> None:
        if self._event_sink is not None:
            self._event_sink(DeviceEvent(self.address, event_type, data))

    def _spawn(self, coro: Any) -> None:
        task: asyncio.Task[None] = asyncio.ensure_future(coro)
        self._tasks.add(task)
        task.add_done_callback(self._tasks.discard)
