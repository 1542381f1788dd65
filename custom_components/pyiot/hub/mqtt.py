"""`MqttLink` over Home Assistant's own MQTT integration."""

import asyncio

from homeassistant.components import mqtt
from homeassistant.core import HomeAssistant, callback

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
