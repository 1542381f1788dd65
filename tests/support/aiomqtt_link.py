"""`MqttLink` over a plain aiomqtt client, for tests and benchmarks (Home Assistant uses its own)."""

import asyncio
from collections.abc import Callable
import contextlib
import logging
from types import TracebackType
from typing import Self
import uuid

import aiomqtt

from custom_components.pyiot.core.protocols.mqtt_link import MessageCallback, Unsubscribe

_LOGGER = logging.getLogger(__name__)


class AiomqttLink:
    """One connection to a broker; use as `async with AiomqttLink(host, port) as link:`.

    Messages are read by one task and handed to every callback whose subscription matches, in the
    event loop, in arrival order.
    """

    def __init__(
        self, host: str, port: int, *, identifier: str | None = None, max_inflight: int = 1000
    ) -> None:
        """Prepare a client; it connects on entering the context."""
        self._client = aiomqtt.Client(
            host,
            port,
            identifier=identifier or f"pyiot-test-{uuid.uuid4().hex[:12]}",
            max_inflight_messages=max_inflight,
        )
        # aiomqtt warns above 10 unacknowledged calls; a gateway with many nodes has far more.
        self._client.pending_calls_threshold = 100 * max_inflight
        self._subscriptions: list[tuple[aiomqtt.Wildcard, MessageCallback]] = []
        self._reader: asyncio.Task[None] | None = None
        self._pending: set[asyncio.Task[None]] = set()

    async def __aenter__(self) -> Self:
        """Connect and start reading."""
        await self._client.__aenter__()
        self._reader = asyncio.create_task(self._read(), name="aiomqtt link reader")
        return self

    async def __aexit__(
        self, exc_type: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None
    ) -> None:
        """Stop reading, finish pending unsubscriptions and disconnect."""
        if self._pending:
            await asyncio.gather(*self._pending, return_exceptions=True)
        if self._reader is not None:
            self._reader.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await self._reader
        await self._client.__aexit__(exc_type, exc, tb)

    async def async_subscribe(self, topic: str, callback: MessageCallback, qos: int = 1) -> Unsubscribe:
        """Subscribe and return a function that stops delivering to `callback`."""
        entry = (aiomqtt.Wildcard(topic), callback)
        self._subscriptions.append(entry)
        await self._client.subscribe(topic, qos)
        return self._unsubscriber(topic, entry)

    async def async_publish(
        self, topic: str, payload: str | bytes, qos: int = 1, retain: bool = False
    ) -> None:
        """Publish one message and wait until the broker has it (QoS 1/2) or it is sent (QoS 0)."""
        await self._client.publish(topic, payload, qos=qos, retain=retain)

    def _unsubscriber(
        self, topic: str, entry: tuple[aiomqtt.Wildcard, MessageCallback]
    ) -> Callable[[], None]:
        def unsubscribe() -> None:
            if entry not in self._subscriptions:
                return
            self._subscriptions.remove(entry)
            if all(str(wildcard) != topic for wildcard, _ in self._subscriptions):
                task = asyncio.get_running_loop().create_task(self._client.unsubscribe(topic))
                self._pending.add(task)
                task.add_done_callback(self._pending.discard)

        return unsubscribe

    async def _read(self) -> None:
        try:
            async for message in self._client.messages:
                payload = message.payload
                data = bytes(payload) if isinstance(payload, bytes | bytearray) else str(payload).encode()
                for wildcard, callback in list(self._subscriptions):
                    if message.topic.matches(wildcard):
                        try:
                            callback(message.topic.value, data)
                        except Exception:
                            _LOGGER.exception("Callback for %s failed", message.topic.value)
        except aiomqtt.MqttError as err:
            _LOGGER.warning("MQTT link lost: %s", err)
