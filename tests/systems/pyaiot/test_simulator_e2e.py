"""End to end: simulated Pyaiot nodes (their own MQTT client) → mosquitto → HA's MQTT → PyIoT."""

import asyncio
from collections.abc import AsyncGenerator

from homeassistant.const import STATE_OFF, STATE_ON
from homeassistant.core import HomeAssistant
from homeassistant.helpers import entity_registry as er
import pytest
from pytest_homeassistant_custom_component.common import MockConfigEntry

from tests.support.mosquitto import Mosquitto
from tests.support.scripted_node import wait_for
from tests.systems.pyaiot.test_nodes import entity_id, state_of
from tools.simulators.pyaiot_mqtt_node import Periods, SimulatedNode, make_nodes, run_nodes

NODE_IDS = ["sim-1", "sim-2", "sim-3"]


@pytest.fixture
async def simulated_nodes(
    hass: HomeAssistant, loaded_entry: MockConfigEntry, mosquitto: Mosquitto
) -> AsyncGenerator[dict[str, SimulatedNode]]:
    """Three nodes publishing fast, like the upstream test node but every 0.2 s."""
    nodes = make_nodes(NODE_IDS, seed=7)
    stop, ready = asyncio.Event(), asyncio.Event()
    task = asyncio.create_task(
        run_nodes(
            mosquitto.host,
            mosquitto.port,
            stop=stop,
            nodes=nodes,
            ready=ready,
            periods=Periods(temperature=0.2, pressure=0.4, check=1.0),
        )
    )
    async with asyncio.timeout(10):
        await ready.wait()
    yield nodes
    stop.set()
    await task


async def test_simulated_nodes_become_live_devices(
    hass: HomeAssistant, simulated_nodes: dict[str, SimulatedNode]
) -> None:
    for node_id in NODE_IDS:
        await wait_for(
            lambda node_id=node_id: (
                state_of(hass, "sensor", "temperature", node_id) not in {None, "unavailable", "unknown"}
            )
        )
    registry = er.async_get(hass)
    temperatures = [float(state_of(hass, "sensor", "temperature", node_id)) for node_id in NODE_IDS]
    assert all(15 < value < 30 for value in temperatures)
    await wait_for(lambda: state_of(hass, "sensor", "pressure", "sim-2") not in {None, "unknown"})
    assert 990 < float(state_of(hass, "sensor", "pressure", "sim-2")) < 1030

    # Values are live: a later temperature replaces the first one.
    first = hass.states.get(entity_id(hass, "sensor", "temperature", "sim-1")).last_updated
    await wait_for(
        lambda: hass.states.get(entity_id(hass, "sensor", "temperature", "sim-1")).last_updated > first
    )

    led = entity_id(hass, "switch", "led", "sim-3")
    assert registry.async_get(led) is not None
    await wait_for(lambda: state_of(hass, "switch", "led", "sim-3") == STATE_OFF)
    await hass.services.async_call("switch", "turn_on", {"entity_id": led}, blocking=True)
    await wait_for(lambda: state_of(hass, "switch", "led", "sim-3") == STATE_ON)
    assert simulated_nodes["sim-3"].led is True
