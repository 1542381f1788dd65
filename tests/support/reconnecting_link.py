"""`MqttLink` over aiomqtt that reconnects and re-subscribes by itself, as Home Assistant's MQTT client does.

After a reconnect it subscribes again to every topic and only then reports the link as up (as
`mqtt.async_on_subscribe_done` lets the HA side wait for), so that what a transport asks right away is
answered to a live subscription. `on_connection(up)` is called in the event loop on every change;
`on_reconnect()` is awaited after every reconnection (not the first connection): the place where the HA
side calls a gateway's refresh.
"""

import asyncio
from collections.abc import Awaitable, Callable
import contextlib
import logging
from types import TracebackType
from typing import Self
import uuid

import aiomqtt

from custom_components.pyiot.core.protocols.mqtt_link import MessageCallback, Unsubscribe

_LOGGER = logging.getLogger(__name__)


class ReconnectingLink:
    """Use as `async with ReconnectingLink(host, port) as link:`; `connected` is set while up."""

    def __init__(
        self,
        host: str,
        port: int,
        *,
        on_connection: Callable[[bool], None] | None = None,
        retry: float = 0.1,
    ) -> None:
        """Prepare; it connects on entering the context."""
        self.host, self.port, self.retry = host, port, retry
        self.on_connection = on_connection
        self.on_reconnect: Callable[[], Awaitable[None]] | None = None
        self.connected = asyncio.Event()
        self.connections = 0
        self._client: aiomqtt.Client | None = None
        self._subscriptions: list[tuple[str, aiomqtt.Wildcard, MessageCallback, int]] = []
        self._runner: asyncio.Task[None] | None = None
        self._wake = asyncio.Event()
        self._tasks: set[asyncio.Task[None]] = set()

    @property
    def connects(self) -> int:
        """How many times the link came up."""
        return self.connections

    async def __aenter__(self) -> Self:
        """Connect (waits for the first connection, at most 10 s)."""
        self._runner = asyncio.create_task(self._run(), name="reconnecting link")
        async with asyncio.timeout(10):
            await self.connected.wait()
        return self

    async def __aexit__(
        self, exc_type: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None
    ) -> None:
        """Stop reconnecting and disconnect."""
        if self._runner is not None:
            self._runner.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await self._runner

    async def async_subscribe(self, topic: str, callback: MessageCallback, qos: int = 1) -> Unsubscribe:
        """Subscribe now if connected, and again after every reconnect."""
        entry = (topic, aiomqtt.Wildcard(topic), callback, qos)
        self._subscriptions.append(entry)
        if self._client is not None and self.connected.is_set():
            with contextlib.suppress(aiomqtt.MqttError):
                await self._client.subscribe(topic, qos)

        def unsubscribe() -> None:
            if entry in self._subscriptions:
                self._subscriptions.remove(entry)

        return unsubscribe

    async def async_publish(
        self, topic: str, payload: str | bytes, qos: int = 1, retain: bool = False
    ) -> None:
        """Publish; raises ConnectionError while the broker is away."""
        if self._client is None or not self.connected.is_set():
            raise ConnectionError("not connected to the broker")
        await self._client.publish(topic, payload, qos=qos, retain=retain)

    def reconnect_now(self) -> None:
        """Try again now instead of after `retry` seconds."""
        self._wake.set()

    async def _run(self) -> None:
        while True:
            client = aiomqtt.Client(self.host, self.port, identifier=f"pyiot-test-{uuid.uuid4().hex[:12]}")
            client.pending_calls_threshold = 100_000
            try:
                async with client:
                    self._client = client
                    for topic, qos in dict.fromkeys((t, q) for t, _, _, q in self._subscriptions):
                        await client.subscribe(topic, qos)
                    self.connections += 1
                    self._set_up(up=True)
                    if self.connections > 1 and self.on_reconnect is not None:
                        task = asyncio.create_task(self.on_reconnect())
                        self._tasks.add(task)
                        task.add_done_callback(self._tasks.discard)
                    async for message in client.messages:
                        self._dispatch(message)
            except aiomqtt.MqttError as err:
                _LOGGER.debug("broker connection lost: %s", err)
            finally:
                self._client = None
                self._set_up(up=False)
            self._wake.clear()
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(self._wake.wait(), self.retry)

    def _set_up(self, *, up: bool) -> None:
        if up == self.connected.is_set():
            return
        if up:
            self.connected.set()
        else:
            self.connected.clear()
        if self.on_connection is not None:
            self.on_connection(up)

    def _dispatch(self, message: aiomqtt.Message) -> None:
        payload = message.payload
        data = bytes(payload) if isinstance(payload, bytes | bytearray) else str(payload).encode()
        for _topic, wildcard, callback, _qos in list(self._subscriptions):
            if message.topic.matches(wildcard):
                try:
                    callback(message.topic.value, data)
                except Exception:
                    _LOGGER.exception("Callback for %s failed", message.topic.value)
