"""`MqttLink` over aiomqtt that reconnects by itself and says when it lost or regained the broker.

Like Home Assistant's MQTT client: after a reconnect it subscribes again to every topic and only then
reports the link as up (as `mqtt.async_on_subscribe_done` lets the HA side wait for), so that what a
transport asks right away is answered to a live subscription.
"""

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


class ReconnectingLink:
    """Use as `async with ReconnectingLink(host, port, on_connection=...) as link:`."""

    def __init__(
        self,
        host: str,
        port: int,
        *,
        on_connection: Callable[[bool], None] | None = None,
        retry: float = 0.2,
    ) -> None:
        """Prepare; `on_connection(True/False)` is called in the event loop on every change."""
        self._host = host
        self._port = port
        self.on_connection = on_connection
        self._retry = retry
        self._client: aiomqtt.Client | None = None
        self._subscriptions: list[tuple[str, aiomqtt.Wildcard, MessageCallback, int]] = []
        self._runner: asyncio.Task[None] | None = None
        self._up = asyncio.Event()
        self.connects = 0

    async def __aenter__(self) -> Self:
        """Connect (waits for the first connection, at most 10 s)."""
        self._runner = asyncio.create_task(self._run(), name="reconnecting link")
        async with asyncio.timeout(10):
            await self._up.wait()
        return self

    async def __aexit__(
        self, exc_type: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None
    ) -> None:
        """Stop reconnecting and disconnect."""
        if self._runner is not None:
            self._runner.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await self._runner

    @property
    def connected(self) -> bool:
        """Whether the broker is reachable now."""
        return self._up.is_set()

    async def async_subscribe(self, topic: str, callback: MessageCallback, qos: int = 1) -> Unsubscribe:
        """Subscribe now if connected, and again after every reconnect."""
        entry = (topic, aiomqtt.Wildcard(topic), callback, qos)
        self._subscriptions.append(entry)
        if self._client is not None:
            await self._client.subscribe(topic, qos)

        def unsubscribe() -> None:
            if entry in self._subscriptions:
                self._subscriptions.remove(entry)

        return unsubscribe

    async def async_publish(
        self, topic: str, payload: str | bytes, qos: int = 1, retain: bool = False
    ) -> None:
        """Publish; raises ConnectionError while the broker is away."""
        if self._client is None:
            raise ConnectionError("not connected to the broker")
        await self._client.publish(topic, payload, qos=qos, retain=retain)

    async def _run(self) -> None:
        while True:
            client = aiomqtt.Client(self._host, self._port, identifier=f"pyiot-rl-{uuid.uuid4().hex[:10]}")
            try:
                async with client:
                    for topic, _wildcard, _callback, qos in list(self._subscriptions):
                        await client.subscribe(topic, qos)
                    self._client = client
                    self.connects += 1
                    self._set_up(up=True)
                    async for message in client.messages:
                        self._dispatch(message)
            except aiomqtt.MqttError as err:
                _LOGGER.debug("MQTT link down: %s", err)
            finally:
                self._client = None
                self._set_up(up=False)
            await asyncio.sleep(self._retry)

    def _set_up(self, *, up: bool) -> None:
        if up == self._up.is_set():
            return
        if up:
            self._up.set()
        else:
            self._up.clear()
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
