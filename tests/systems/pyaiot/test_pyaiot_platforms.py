"""Every entity platform of a Pyaiot MQTT node, snapshotted with HA's `snapshot_platform`."""

from collections.abc import AsyncGenerator

from homeassistant.const import Platform
from homeassistant.core import HomeAssistant
from homeassistant.helpers import entity_registry as er
import pytest
from pytest_homeassistant_custom_component.common import MockConfigEntry, snapshot_platform
from syrupy.assertion import SnapshotAssertion

from tests.support.entries import entry_loaded
from tests.support.platforms import only_platform
from tests.support.scripted_node import ScriptedNode
from tests.systems.pyaiot.test_nodes import announce


@pytest.fixture
async def node_on_one_platform(
    hass: HomeAssistant,
    request: pytest.FixtureRequest,
    mqtt_entry: MockConfigEntry,
    pyiot_entry: MockConfigEntry,
) -> AsyncGenerator[None]:
    with only_platform("pyaiot_mqtt", request.param):
        async for _ in entry_loaded(hass, pyiot_entry):
            node = ScriptedNode(hass, "mqtt-2")
            await node.listen()
            await announce(node)
            await hass.async_block_till_done()
            yield
            node.stop()


@pytest.mark.parametrize("node_on_one_platform", [Platform.SENSOR, Platform.SWITCH], indirect=True)
async def test_platform(
    hass: HomeAssistant,
    node_on_one_platform: None,
    pyiot_entry: MockConfigEntry,
    entity_registry: er.EntityRegistry,
    snapshot: SnapshotAssertion,
) -> None:
    await snapshot_platform(hass, entity_registry, snapshot, pyiot_entry.entry_id)
