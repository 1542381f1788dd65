"""`MqttLink` over aiomqtt that reconnects and re-subscribes, as Home Assistant's MQTT client does.

`on_reconnect` is awaited after every reconnection (not the first connection): the place where the
HA side calls a gateway's refresh.
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
    """Use as `async with ReconnectingLink(host, port) as link:`; `connected` tells the state."""

    def __init__(self, host: str, port: int, *, retry: float = 0.1) -> None:
        self.host, self.port, self.retry = host, port, retry
        self.on_reconnect: Callable[[], Awaitable[None]] | None = None
        self.connected = asyncio.Event()
        self.connections = 0
        self._client: aiomqtt.Client | None = None
        self._subscriptions: list[tuple[str, aiomqtt.Wildcard, MessageCallback, int]] = []
        self._runner: asyncio.Task[None] | None = None
        self._wake = asyncio.Event()

    async def __aenter__(self) -> Self:
        self._runner = asyncio.create_task(self._run())
        async with asyncio.timeout(10):
            await self.connected.wait()
        return self

    async def __aexit__(
        self, exc_type: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None
    ) -> None:
        if self._runner is not None:
            self._runner.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await self._runner

    async def async_subscribe(self, topic: str, callback: MessageCallback, qos: int = 1) -> Unsubscribe:
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
        if self._client is None or not self.connected.is_set():
            raise ConnectionError("not connected to the broker")
        await self._client.publish(topic, payload, qos=qos, retain=retain)

    async def _run(self) -> None:
        while True:
            client = aiomqtt.Client(self.host, self.port, identifier=f"pyiot-test-{uuid.uuid4().hex[:12]}")
            client.pending_calls_threshold = 100_000
            try:
                async with client:
                    self._client = client
                    for topic in dict.fromkeys(topic for topic, _, _, _ in self._subscriptions):
                        await client.subscribe(topic, 1)
                    self.connections += 1
                    self.connected.set()
                    if self.connections > 1 and self.on_reconnect is not None:
                        asyncio.create_task(self.on_reconnect())  # noqa: RUF006 - ends with the test
                    async for message in client.messages:
                        payload = message.payload
                        data = payload if isinstance(payload, bytes) else str(payload).encode()
                        for _, wildcard, callback, _ in list(self._subscriptions):
                            if message.topic.matches(wildcard):
                                callback(message.topic.value, data)
            except aiomqtt.MqttError as err:
                _LOGGER.debug("broker connection lost: %s", err)
            finally:
                self.connected.clear()
                self._client = None
            self._wake.clear()
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(self._wake.wait(), self.retry)

    def reconnect_now(self) -> None:
        """Try again now instead of after `retry` seconds."""
        self._wake.set()
