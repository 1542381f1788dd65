"""Home Assistant's MQTT client for transports: an `MqttLink`, and the ups and downs of the broker."""

import asyncio
from collections.abc import Callable

from homeassistant.components import mqtt
from homeassistant.core import CALLBACK_TYPE, HomeAssistant, callback

from ..const import LOGGER
from ..core.protocols.mqtt_link import MessageCallback, Unsubscribe

SUBSCRIBE_TIMEOUT = 10


class HassMqttLink:
    """Subscribes and publishes through the broker configured in HA's MQTT integration."""

    def __init__(self, hass: HomeAssistant) -> None:
        """Use the MQTT integration of `hass`."""
        self._hass = hass

    async def async_subscribe(self, topic: str, callback_: MessageCallback, qos: int = 1) -> Unsubscribe:
        """Subscribe with raw bytes payloads and wait until the broker confirmed it.

        HA's MQTT client batches subscriptions; waiting means that what we publish next (a discovery
        request) cannot be answered before we listen. The callback runs in the event loop.
        """

        @callback
        def on_message(message: mqtt.ReceiveMessage) -> None:
            payload = message.payload
            callback_(message.topic, payload.encode() if isinstance(payload, str) else bytes(payload))

        subscribed = self._hass.loop.create_future()

        @callback
        def on_subscribed() -> None:
            if not subscribed.done():
                subscribed.set_result(None)

        unsubscribe = await mqtt.async_subscribe(self._hass, topic, on_message, qos, encoding=None)
        stop_waiting = mqtt.async_on_subscribe_done(self._hass, topic, qos, on_subscribed)
        try:
            async with asyncio.timeout(SUBSCRIBE_TIMEOUT):
                await subscribed
        except asyncio.CancelledError:
            unsubscribe()  # the caller gave up (entry unloaded while waiting): leave nothing behind
            raise
        except TimeoutError:
            LOGGER.debug("Subscription to %s not confirmed yet; it completes when the broker is back", topic)
        finally:
            stop_waiting()
        return unsubscribe

    async def async_publish(
        self, topic: str, payload: str | bytes, qos: int = 1, retain: bool = False
    ) -> None:
        """Publish one message."""
        await mqtt.async_publish(self._hass, topic, payload, qos, retain)


@callback
def async_follow_connection(
    hass: HomeAssistant,
    topic: str,
    qos: int,
    *,
    on_lost: Callable[[], None],
    on_restored: Callable[[], None],
) -> CALLBACK_TYPE:
    """Follow HA's MQTT client: `on_lost` when it loses the broker, `on_restored` once it is back.

    `on_restored` waits until `topic` is subscribed again, so that what a transport asks then is
    answered to a live subscription.
    HA signals the connection before it queues its re-subscriptions: waiting for that subscription has to
    be registered after the signal's dispatch, or it would be called at once for the old one.
    """
    stop_waiting: list[CALLBACK_TYPE] = []

    @callback
    def restored() -> None:
        while stop_waiting:
            stop_waiting.pop()()
        on_restored()

    @callback
    def wait_for_subscription() -> None:
        if mqtt.is_connected(hass):
            stop_waiting.append(mqtt.async_on_subscribe_done(hass, topic, qos, restored))

    @callback
    def on_connection(connected: bool) -> None:
        if connected:
            hass.loop.call_soon(wait_for_subscription)
        else:
            while stop_waiting:
                stop_waiting.pop()()
            on_lost()

    unsubscribe = mqtt.async_subscribe_connection_status(hass, on_connection)

    @callback
    def stop() -> None:
        unsubscribe()
        while stop_waiting:
            stop_waiting.pop()()

    return stop
