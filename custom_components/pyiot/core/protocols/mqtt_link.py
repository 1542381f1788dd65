"""The two MQTT operations a protocol needs, so that protocols do not depend on one MQTT client.

Inside Home Assistant the link is HA's own MQTT integration (`adapters.mqtt_link`); the simulators
and benchmarks use a plain client.
"""

from collections.abc import Callable
from typing import Protocol

type MessageCallback = Callable[[str, bytes], None]
"""Called in the event loop with the topic and the raw payload of one message."""

type Unsubscribe = Callable[[], None]


class MqttLink(Protocol):
    """Subscribe and publish on one broker."""

    async def async_subscribe(self, topic: str, callback: MessageCallback, qos: int = 1) -> Unsubscribe:
        """Subscribe to `topic` (wildcards allowed) and return a function that unsubscribes."""

    async def async_publish(
        self, topic: str, payload: str | bytes, qos: int = 1, retain: bool = False
    ) -> None:
        """Publish one message."""


def topic_is_valid_level(level: str) -> bool:
    """Whether `level` can be one level of a topic we build (no wildcards, separators or NUL)."""
    return bool(level) and not any(char in level for char in "+#/\x00")
