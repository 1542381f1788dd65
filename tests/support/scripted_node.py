"""A Pyaiot MQTT node scripted by a test, publishing through the real broker via HA's MQTT client."""

import asyncio
from collections.abc import Callable
import json
from typing import Any

from homeassistant.components import mqtt
from homeassistant.core import HomeAssistant, callback


async def wait_for(condition: Callable[[], object], timeout: float = 5.0) -> None:
    """Poll `condition` until it is truthy; messages take a round trip through mosquitto."""
    async with asyncio.timeout(timeout):
        while not condition():
            await asyncio.sleep(0.01)


class ScriptedNode:
    """Publishes what a node would and records what the gateway sends to it."""

    def __init__(self, hass: HomeAssistant, node_id: str, *, echo_led: bool = True) -> None:
        """Create a node that is silent until told to speak."""
        self.hass = hass
        self.node_id = node_id
        self.received: list[tuple[str, str]] = []
        self._echo_led = echo_led
        self._unsubscribe: Callable[[], None] | None = None

    async def listen(self) -> None:
        """Subscribe to what the gateway publishes for this node."""

        @callback
        def on_message(message: mqtt.ReceiveMessage) -> None:
            payload = message.payload if isinstance(message.payload, str) else message.payload.decode()
            self.received.append((message.topic, payload))
            if self._echo_led and message.topic == f"gateway/{self.node_id}/led/set":
                self.hass.async_create_task(self.value("led", payload))

        self._unsubscribe = await mqtt.async_subscribe(self.hass, f"gateway/{self.node_id}/#", on_message)
        done = asyncio.Event()
        stop = mqtt.async_on_subscribe_done(self.hass, f"gateway/{self.node_id}/#", 0, done.set)
        async with asyncio.timeout(5):
            await done.wait()
        stop()

    def stop(self) -> None:
        """Unsubscribe."""
        if self._unsubscribe is not None:
            self._unsubscribe()

    async def publish(self, topic: str, payload: str | bytes) -> None:
        """Publish anything, as a node could."""
        await mqtt.async_publish(self.hass, topic, payload, qos=1)

    async def check(self) -> None:
        """Announce on `node/check`."""
        await self.publish("node/check", json.dumps({"id": self.node_id}))

    async def resources(self, names: list[str]) -> None:
        """Publish the resource list."""
        await self.publish(f"node/{self.node_id}/resources", json.dumps(names))

    async def value(self, resource: str, value: Any) -> None:
        """Publish one value."""
        await self.publish(
            f"node/{self.node_id}/{resource}", json.dumps({"value": value}, ensure_ascii=False)
        )

    def requests(self) -> list[tuple[str, str]]:
        """What the gateway asked of this node, in order."""
        return list(self.received)
