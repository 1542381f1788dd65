"""The test harness itself: HA's MQTT integration really talks to mosquitto."""

import asyncio

from homeassistant.core import HomeAssistant
from pytest_homeassistant_custom_component.common import MockConfigEntry

from custom_components.pyiot.hub.mqtt import HassMqttLink


async def test_round_trip_through_mosquitto(hass: HomeAssistant, mqtt_entry: MockConfigEntry) -> None:
    link = HassMqttLink(hass)
    received: asyncio.Queue[tuple[str, bytes]] = asyncio.Queue()
    unsubscribe = await link.async_subscribe(
        "harness/#", lambda topic, payload: received.put_nowait((topic, payload))
    )
    await link.async_publish("harness/x", "h\u00e9llo")
    await link.async_publish("harness/y", b"\xff")
    async with asyncio.timeout(5):
        assert await received.get() == ("harness/x", "h\u00e9llo".encode())
        assert await received.get() == ("harness/y", b"\xff")
    unsubscribe()
