"""Honest availability through a broker outage, and fast recovery: a real mosquitto killed and restarted."""

from collections.abc import Iterator
from pathlib import Path
from unittest.mock import patch

from homeassistant.components import mqtt
from homeassistant.const import STATE_OFF, STATE_UNAVAILABLE
from homeassistant.core import HomeAssistant
import pytest
from pytest_homeassistant_custom_component.common import MockConfigEntry

from tests.support.mosquitto import Mosquitto, start_mosquitto
from tests.support.scripted_node import ScriptedNode, wait_for
from tests.systems.pyaiot.test_nodes import announce, state_of


@pytest.fixture
def mqtt_broker(tmp_path: Path, socket_enabled: None) -> Iterator[Mosquitto]:
    """A broker of this test's own, which it kills and restarts on the same port."""
    broker = start_mosquitto(tmp_path)
    yield broker
    broker.stop()


@pytest.fixture(autouse=True)
def quick_reconnect() -> Iterator[None]:
    """HA's MQTT client tries again every 10 s; a second is enough here."""
    with patch("homeassistant.components.mqtt.client.RECONNECT_INTERVAL_SECONDS", 0.5):
        yield


async def test_nodes_are_unavailable_while_the_broker_is_away_and_asked_at_once_after(
    hass: HomeAssistant,
    mqtt_broker: Mosquitto,
    node: ScriptedNode,
    loaded_entry: MockConfigEntry,
    tmp_path: Path,
) -> None:
    await announce(node)
    await wait_for(lambda: state_of(hass, "sensor", "temperature") == "23.4")
    assert state_of(hass, "switch", "led") == STATE_OFF

    mqtt_broker.kill()
    await wait_for(lambda: not mqtt.is_connected(hass), timeout=10)
    await hass.async_block_till_done()
    assert state_of(hass, "sensor", "temperature") == STATE_UNAVAILABLE, "at once, not after the node timeout"
    assert state_of(hass, "switch", "led") == STATE_UNAVAILABLE

    asked_before = len(node.requests())
    (tmp_path / "restarted").mkdir()
    restarted = start_mosquitto(tmp_path / "restarted", port=mqtt_broker.port)
    try:
        await wait_for(lambda: mqtt.is_connected(hass), timeout=20)
        # Without waiting for the node's next beacon: the gateway asks every known node for its values.
        await wait_for(
            lambda: ("gateway/mqtt-2/discover", "values") in node.requests()[asked_before:], timeout=10
        )
        await node.value("temperature", "22.0°C")
        await node.value("led", "1")
        await wait_for(lambda: state_of(hass, "sensor", "temperature") == "22.0")
        await wait_for(lambda: state_of(hass, "switch", "led") == "on")
    finally:
        restarted.stop()
