"""A PyIoT Pyaiot-MQTT entry running on HA's real MQTT integration and mosquitto."""

from collections.abc import AsyncGenerator

from homeassistant.core import HomeAssistant
import pytest
from pytest_homeassistant_custom_component.common import MockConfigEntry

from custom_components.pyiot.const import CONF_ENTRY_TYPE, DOMAIN
from custom_components.pyiot.systems.pyaiot.const import CONF_NODE_TIMEOUT
from tests.support.entries import entry_loaded
from tests.support.scripted_node import ScriptedNode


@pytest.fixture
def pyiot_entry(hass: HomeAssistant) -> MockConfigEntry:
    """The entry, added but not set up."""
    entry = MockConfigEntry(
        domain=DOMAIN,
        title="Pyaiot MQTT nodes",
        unique_id="pyaiot_mqtt",
        data={CONF_ENTRY_TYPE: "pyaiot_mqtt"},
        options={CONF_NODE_TIMEOUT: 120},
        entry_id="01PYIOTENTRY",
    )
    entry.add_to_hass(hass)
    return entry


@pytest.fixture
async def loaded_entry(
    hass: HomeAssistant, mqtt_entry: MockConfigEntry, pyiot_entry: MockConfigEntry
) -> AsyncGenerator[MockConfigEntry]:
    """The entry set up, unloaded after the test."""
    async for entry in entry_loaded(hass, pyiot_entry):
        yield entry


@pytest.fixture
async def node(hass: HomeAssistant, loaded_entry: MockConfigEntry) -> AsyncGenerator[ScriptedNode]:
    """A node listening for what the gateway asks of it (LED writes are echoed)."""
    scripted = ScriptedNode(hass, "mqtt-2")
    await scripted.listen()
    yield scripted
    scripted.stop()
