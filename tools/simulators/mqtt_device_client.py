"""The MQTT side of a MicroPython board, as FmPyIOT's bundled `mqtt_as` speaks it (fmpyiot.md §1).

MQTT 3.1.1 over plain TCP, clean session, QoS 0 both ways, never retained, exact subscriptions, a
last will, keepalive pings. Written out (about 150 lines) rather than taken from a library because a
simulated board must be able to *die*: `die()` drops the TCP connection without DISCONNECT, so the
broker publishes the last will, as it does when a real board resets. `publish_raw` also serves the
benchmark's load generator, which must not spend its CPU in a client library.
"""

import asyncio
from collections.abc import Callable
import contextlib
import struct

CONNECT_TIMEOUT = 10.0


class MqttDeviceError(ConnectionError):
    """The broker refused or dropped the connection."""


def encode_length(length: int) -> bytes:
    """MQTT's variable-length remaining length."""
    out = bytearray()
    while True:
        byte, length = length % 128, length // 128
        out.append(byte | (0x80 if length else 0))
        if not length:
            return bytes(out)


def _string(text: str | bytes) -> bytes:
    data = text.encode() if isinstance(text, str) else text
    return struct.pack("!H", len(data)) + data


def encode_publish(topic: str, payload: bytes | str, *, retain: bool = False) -> bytes:
    """A PUBLISH packet at QoS 0."""
    data = payload.encode() if isinstance(payload, str) else payload
    body = _string(topic) + data
    return bytes([0x30 | (1 if retain else 0)]) + encode_length(len(body)) + body


def encode_connect(
    client_id: str, *, keepalive: int, will: tuple[str, bytes] | None = None, clean: bool = True
) -> bytes:
    """A CONNECT packet (3.1.1, no credentials, will at QoS 0 not retained)."""
    flags = (0x02 if clean else 0) | (0x04 if will else 0)
    body = _string("MQTT") + bytes([4, flags]) + struct.pack("!H", keepalive) + _string(client_id)
    if will:
        body += _string(will[0]) + _string(will[1])
    return b"\x10" + encode_length(len(body)) + body


class MqttDeviceClient:
    """One board's connection; messages for its subscriptions go to `on_message(topic, payload)`."""

    def __init__(
        self,
        host: str,
        port: int,
        client_id: str,
        *,
        on_message: Callable[[str, bytes], None] | None = None,
        will: tuple[str, bytes] | None = None,
        keepalive: int = 120,
    ) -> None:
        """Prepare the connection; `connect` opens it."""
        self.host, self.port, self.client_id = host, port, client_id
        self._on_message = on_message
        self._will = will
        self._keepalive = keepalive
        self._reader: asyncio.StreamReader | None = None
        self._writer: asyncio.StreamWriter | None = None
        self._tasks: list[asyncio.Task[None]] = []
        self._packet_id = 0
        self._subacks: dict[int, asyncio.Future[None]] = {}
        self.lost = asyncio.Event()
        """Set when the connection ends for any reason."""

    @property
    def connected(self) -> bool:
        """Whether the connection is open."""
        return self._writer is not None and not self.lost.is_set()

    async def connect(self) -> None:
        """Connect and wait for the broker's CONNACK; `OSError` when it cannot be reached."""
        async with asyncio.timeout(CONNECT_TIMEOUT):
            reader, writer = await asyncio.open_connection(self.host, self.port)
            writer.write(encode_connect(self.client_id, keepalive=self._keepalive, will=self._will))
            await writer.drain()
            header = await reader.readexactly(4)
        if header[0] != 0x20 or header[3] != 0:
            writer.close()
            raise MqttDeviceError(f"CONNACK refused: {header!r}")
        self._reader, self._writer = reader, writer
        self.lost = asyncio.Event()
        self._tasks = [asyncio.create_task(self._read()), asyncio.create_task(self._ping())]

    async def subscribe(self, topics: list[str]) -> None:
        """Subscribe to exact topics at QoS 0 and wait for the broker's SUBACK."""
        for start in range(0, len(topics), 64):
            chunk = topics[start : start + 64]
            self._packet_id = self._packet_id % 65535 + 1
            body = struct.pack("!H", self._packet_id) + b"".join(_string(topic) + b"\x00" for topic in chunk)
            done = self._subacks[self._packet_id] = asyncio.get_running_loop().create_future()
            self._send(b"\x82" + encode_length(len(body)) + body)
            async with asyncio.timeout(CONNECT_TIMEOUT):
                await done

    async def publish(self, topic: str, payload: bytes | str, *, retain: bool = False) -> None:
        """Publish at QoS 0."""
        self._send(encode_publish(topic, payload, retain=retain))
        if self._writer is not None:
            await self._writer.drain()

    async def publish_raw(self, data: bytes) -> None:
        """Send pre-encoded packets."""
        self._send(data)
        if self._writer is not None:
            await self._writer.drain()

    async def disconnect(self) -> None:
        """Say DISCONNECT and close: the broker drops the last will."""
        with contextlib.suppress(ConnectionError):
            self._send(b"\xe0\x00")
        await self._close()

    async def die(self) -> None:
        """Drop the connection without DISCONNECT, as a reset board does: the broker sends the will."""
        if self._writer is not None:
            self._writer.transport.abort()
        await self._close()

    def _send(self, data: bytes) -> None:
        if self._writer is None or self.lost.is_set():
            raise MqttDeviceError("not connected")
        self._writer.write(data)

    async def _close(self) -> None:
        self.lost.set()
        tasks, self._tasks = self._tasks, []
        current = asyncio.current_task()
        for task in tasks:
            if task is not current:
                task.cancel()
        await asyncio.gather(*(task for task in tasks if task is not current), return_exceptions=True)
        if self._writer is not None:
            self._writer.close()
            with contextlib.suppress(ConnectionError, OSError):
                await self._writer.wait_closed()
        self._writer = None
        for future in self._subacks.values():
            if not future.done():
                future.set_exception(MqttDeviceError("connection lost"))
        self._subacks.clear()

    async def _read(self) -> None:
        reader = self._reader
        assert reader is not None  # noqa: S101 - started after connect
        try:
            while True:
                first = (await reader.readexactly(1))[0]
                length, multiplier = 0, 1
                while True:
                    byte = (await reader.readexactly(1))[0]
                    length += (byte & 0x7F) * multiplier
                    multiplier *= 128
                    if not byte & 0x80:
                        break
                body = await reader.readexactly(length)
                self._packet(first, body)
        except asyncio.IncompleteReadError, ConnectionError, OSError:
            pass
        self.lost.set()

    def _packet(self, first: int, body: bytes) -> None:
        kind = first & 0xF0
        if kind == 0x30:
            size = struct.unpack("!H", body[:2])[0]
            topic = body[2 : 2 + size].decode(errors="replace")
            offset = 2 + size + (2 if first & 0x06 else 0)
            if self._on_message is not None:
                self._on_message(topic, body[offset:])
        elif kind == 0x90:
            future = self._subacks.pop(struct.unpack("!H", body[:2])[0], None)
            if future is not None and not future.done():
                future.set_result(None)

    async def _ping(self) -> None:
        with contextlib.suppress(ConnectionError):
            while True:
                await asyncio.sleep(self._keepalive / 4)
                self._send(b"\xc0\x00")
