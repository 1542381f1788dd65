"""The transports the reliability suite runs over: one `TransportCase` each, added as transports are.

A case says how to make one of its nodes appear, speak, answer and misbehave on a real broker; the tests
in this folder never look at which transport they run over.
"""

import asyncio
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
import json
from typing import Any, Protocol, override

from homeassistant.core import HomeAssistant
from homeassistant.helpers import entity_registry as er

from custom_components.pyiot.core.protocols.fmpyiot import GatewaySettings
from custom_components.pyiot.systems.fmpyiot.mqtt import devices_storage_key
from custom_components.pyiot.systems.pyaiot.const import CONF_NODE_TIMEOUT
from tests.support.scripted_node import ScriptedNode
from tools.simulators.fmpyiot_device import make_device
from tools.simulators.fmpyiot_node import DeviceRunner

ENTRY_ID = "01RELIABLE"
TICK = 0.3
"""Seconds between two periodic sends of a simulated node while a test waits for something."""


class Broker(Protocol):
    """Where a simulated node connects."""

    host: str
    port: int


class SimNode(Protocol):
    """One simulated node of a transport, on the test's broker."""

    async def appear(self) -> None:
        """Boot as the real node does (the test then waits for its temperature, letting it `tick`)."""

    async def tick(self) -> None:
        """What the node sends by itself from time to time (a beacon, a watchdog feed), if anything."""

    def mark(self) -> int:
        """A point in what the node was asked, for `asked_since`."""

    def asked_since(self, mark: int) -> bool:
        """Whether the gateway asked it for its values after `mark`."""

    async def answer(self, temperature: float) -> None:
        """Its answer to that request: `temperature` as its current reading."""

    async def stop(self) -> None:
        """Leave the broker."""


@dataclass(frozen=True, kw_only=True)
class TransportCase:
    """What the suite needs to know of one transport."""

    kind: str
    options: dict[str, Any]
    start_node: Callable[[HomeAssistant, Broker], Awaitable[SimNode]]
    temperature_key: str
    """The point key of a node's temperature."""
    junk: Callable[[int], list[tuple[str, bytes]]]
    """`n` messages from nobody that must never become a device, of every kind the transport parses."""
    storage_keys: tuple[str, ...] = field(default=())
    """Storage keys of its own next to the hub's `pyiot.<entry_id>`."""

    @override
    def __str__(self) -> str:
        return self.kind


def temperature_entity(hass: HomeAssistant, case: TransportCase) -> str | None:
    """The entity id of the temperature sensor of the entry's node, None before it exists."""
    return next(
        (
            entity.entity_id
            for entity in er.async_entries_for_config_entry(er.async_get(hass), ENTRY_ID)
            if entity.domain == "sensor" and entity.unique_id.endswith(f":{case.temperature_key}")
        ),
        None,
    )


# --- Pyaiot over MQTT ---------------------------------------------------------------------------


class PyaiotNode:
    """A RIOT node scripted through HA's MQTT client (what it publishes crosses the real broker)."""

    def __init__(self, hass: HomeAssistant, node_id: str) -> None:
        """A node that speaks once `appear` is called."""
        self._node_id = node_id
        self._node = ScriptedNode(hass, node_id)

    async def appear(self) -> None:
        """`node/check`, its resources when asked, then its values."""
        await self._node.listen()
        await self._node.check()
        await until(lambda: (f"gateway/{self._node_id}/discover", "resources") in self._node.requests())
        await self._node.resources(["name", "temperature"])
        await until(lambda: (f"gateway/{self._node_id}/discover", "values") in self._node.requests())
        await self._node.value("name", "Reliable node")
        await self._node.value("temperature", "21.0°C")

    async def tick(self) -> None:
        """Pyaiot nodes beacon every 30 s: nothing within a test."""

    def mark(self) -> int:
        """The number of requests so far."""
        return len(self._node.requests())

    def asked_since(self, mark: int) -> bool:
        """A `discover values` request after `mark`."""
        return (f"gateway/{self._node_id}/discover", "values") in self._node.requests()[mark:]

    async def answer(self, temperature: float) -> None:
        """Publish the value."""
        await self._node.value("temperature", f"{temperature}°C")

    async def stop(self) -> None:
        """Unsubscribe."""
        self._node.stop()


async def start_pyaiot_node(hass: HomeAssistant, _broker: Broker) -> SimNode:
    return PyaiotNode(hass, "reliable-1")


def pyaiot_junk(count: int) -> list[tuple[str, bytes]]:
    """Values and resource lists of nodes that never said `node/check`, and undecodable announcements."""
    shapes: list[Callable[[int], tuple[str, bytes]]] = [
        lambda i: (f"node/junk-{i}/temperature", b'{"value": "23.4\xc2\xb0C"}'),
        lambda i: (f"node/junk-{i}/resources", json.dumps([f"r{j}" for j in range(300)]).encode()),
        lambda i: ("node/check", f'{{"id": "bad/{i}"}}'.encode()),
        lambda i: ("node/check", b"\xff" * (i % 64 + 1)),
        lambda i: (f"node/junk-{i}/led", b"x" * 70_000 if i % 500 == 0 else b"{"),
    ]
    return [shapes[i % len(shapes)](i) for i in range(count)]


PYAIOT = TransportCase(
    kind="pyaiot_mqtt",
    options={CONF_NODE_TIMEOUT: 120},
    start_node=start_pyaiot_node,
    temperature_key="temperature",
    junk=pyaiot_junk,
)


# --- FmPyIOT over MQTT --------------------------------------------------------------------------


class FmPyIotNode:
    """A simulated FmPyIOT device with its own MQTT client (and last will), as a Pico W is."""

    def __init__(self, broker: Broker) -> None:
        """A device that connects once `appear` is called."""
        self._runner = DeviceRunner(
            make_device(7, prefix="RELIABLE/SIM", seed=1), broker.host, broker.port, reconnect_delay=0.05
        )

    async def appear(self) -> None:
        """Connect; it is found by its watchdog feeds (`tick`) and asked for everything."""
        await self._runner.start()

    async def tick(self) -> None:
        """Feed its watchdog and send its temperature, as the firmware does periodically.

        The device never lists its topics: PyIoT learns of `./temperature` from its first periodic send.
        """
        if self._runner.connected.is_set():
            await self._runner.feed()
            await self._runner.publish_value("./temperature")

    def mark(self) -> int:
        """The number of messages it received so far."""
        return len(self._runner.device.received)

    def asked_since(self, mark: int) -> bool:
        """A read request of its temperature (`temperature_`) after `mark`."""
        return any(topic.endswith("/temperature_") for topic, _ in self._runner.device.received[mark:])

    async def answer(self, temperature: float) -> None:
        """The device answers reverse topics by itself: give it the reading, and answer the request again."""
        self._runner.device.temperature = temperature
        await self._runner.publish_value("./temperature")

    async def stop(self) -> None:
        """Disconnect cleanly."""
        await self._runner.stop()


async def start_fmpyiot_node(_hass: HomeAssistant, broker: Broker) -> SimNode:
    return FmPyIotNode(broker)


def fmpyiot_junk(count: int) -> list[tuple[str, bytes]]:
    """System topics of the wrong shape, undecodable or oversized, and wildcards in base topics."""
    shapes: list[Callable[[int], tuple[str, bytes]]] = [
        lambda i: (f"JUNK/{i}/SYSINFO", b"not json"),
        lambda i: (f"JUNK/{i}/PARAMS", b"\xff\xfe" * (i % 32 + 1)),
        lambda i: (f"JUNK/{i}/SYSINFO", json.dumps([1, 2, i]).encode()),
        lambda i: (f"JUNK/{i}/PARAMS", b"[" * 70_000 if i % 500 == 0 else b'"a string"'),
        lambda i: (f"JUNK/{i}/BYE", b""),
    ]
    return [shapes[i % len(shapes)](i) for i in range(count)]


FMPYIOT = TransportCase(
    kind="fmpyiot_mqtt",
    options=GatewaySettings().as_dict(),
    start_node=start_fmpyiot_node,
    temperature_key="./temperature",
    junk=fmpyiot_junk,
    storage_keys=(devices_storage_key(ENTRY_ID),),
)

MQTT_TRANSPORTS = [PYAIOT, FMPYIOT]
"""The transports carried by Home Assistant's MQTT client."""


async def until(
    condition: Callable[[], object],
    *,
    tick: Callable[[], Awaitable[None]] | None = None,
    timeout: float = 20.0,
) -> None:
    """Wait for `condition`, letting the node `tick` as it would by itself meanwhile."""
    async with asyncio.timeout(timeout):
        while not condition():
            if tick is not None:
                await tick()
            await asyncio.sleep(TICK if tick is not None else 0.02)
