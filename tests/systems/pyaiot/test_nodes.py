"""Pyaiot nodes become devices and entities, through mosquitto and HA's MQTT integration."""

import json

from homeassistant.const import STATE_OFF, STATE_ON, STATE_UNAVAILABLE
from homeassistant.core import HomeAssistant
from homeassistant.exceptions import HomeAssistantError
from homeassistant.helpers import device_registry as dr, entity_registry as er
import pytest
from pytest_homeassistant_custom_component.common import MockConfigEntry
from syrupy.assertion import SnapshotAssertion

from custom_components.pyiot.const import DOMAIN
from tests.support.scripted_node import ScriptedNode, wait_for


def entity_id(hass: HomeAssistant, platform: str, key: str, node_id: str = "mqtt-2") -> str:
    """The entity id of a point, looked up by its unique id."""
    found = er.async_get(hass).async_get_entity_id(platform, DOMAIN, f"01PYIOTENTRY:{node_id}:{key}")
    assert found is not None, f"no {platform} entity for {node_id}:{key}"
    return found


def state_of(hass: HomeAssistant, platform: str, key: str, node_id: str = "mqtt-2") -> str | None:
    """The state of a point's entity, None while the entity does not exist."""
    found = er.async_get(hass).async_get_entity_id(platform, DOMAIN, f"01PYIOTENTRY:{node_id}:{key}")
    state = hass.states.get(found) if found else None
    return state.state if state else None


RESOURCES = ["name", "board", "mcu", "os", "led", "temperature", "pressure", "humidity"]


async def announce(node: ScriptedNode) -> None:
    """Boot sequence of a RIOT node: check, resources, values."""
    await node.check()
    await wait_for(lambda: ("gateway/mqtt-2/discover", "resources") in node.requests())
    await node.resources(RESOURCES)
    await wait_for(lambda: ("gateway/mqtt-2/discover", "values") in node.requests())
    for resource, value in {
        "name": "Node BMX280",
        "board": "samr21-xpro",
        "mcu": "samd21",
        "os": "riot",
        "led": "0",
        "temperature": "23.4°C",
        "pressure": "1013.5hPa",
        "humidity": "45.07%",
    }.items():
        await node.value(resource, value)


async def test_node_becomes_device_with_entities(
    hass: HomeAssistant,
    node: ScriptedNode,
    device_registry: dr.DeviceRegistry,
    entity_registry: er.EntityRegistry,
    snapshot: SnapshotAssertion,
) -> None:
    await announce(node)
    await wait_for(lambda: state_of(hass, "sensor", "humidity") == "45.07")

    device = device_registry.async_get_device_by_identifier((DOMAIN, "01PYIOTENTRY:mqtt-2"), "01PYIOTENTRY")
    assert device is not None
    assert (device.name, device.model, device.manufacturer) == ("Node BMX280", "samr21-xpro", "RIOT")
    await wait_for(lambda: state_of(hass, "sensor", "temperature") == "23.4")
    temperature = hass.states.get(entity_id(hass, "sensor", "temperature"))
    assert temperature.attributes["unit_of_measurement"] == "°C"
    assert temperature.attributes["device_class"] == "temperature"
    assert state_of(hass, "sensor", "pressure") == "1013.5"
    assert state_of(hass, "switch", "led") == STATE_OFF

    entities = er.async_entries_for_device(entity_registry, device.id)
    assert sorted(entry.unique_id for entry in entities) == [
        "01PYIOTENTRY:mqtt-2:humidity",
        "01PYIOTENTRY:mqtt-2:led",
        "01PYIOTENTRY:mqtt-2:pressure",
        "01PYIOTENTRY:mqtt-2:temperature",
    ]
    assert device == snapshot(
        name="device",
        exclude=lambda prop, path: (
            prop
            in {
                "id",
                "config_entries",
                "config_entries_subentries",
                "created_at",
                "modified_at",
                "primary_config_entry",
            }
        ),
    )
    # The entities themselves: test_pyaiot_platforms.py (snapshot_platform).


async def test_led_write_reaches_node_and_echo_sets_state(hass: HomeAssistant, node: ScriptedNode) -> None:
    await announce(node)
    await wait_for(lambda: state_of(hass, "switch", "led") == STATE_OFF)

    await hass.services.async_call(
        "switch", "turn_on", {"entity_id": entity_id(hass, "switch", "led")}, blocking=True
    )
    await wait_for(lambda: state_of(hass, "switch", "led") == STATE_ON)
    assert ("gateway/mqtt-2/led/set", "1") in node.requests()

    await hass.services.async_call(
        "switch", "turn_off", {"entity_id": entity_id(hass, "switch", "led")}, blocking=True
    )
    await wait_for(lambda: state_of(hass, "switch", "led") == STATE_OFF)
    assert ("gateway/mqtt-2/led/set", "0") in node.requests()


async def test_reannounce_is_not_rediscovered(hass: HomeAssistant, node: ScriptedNode) -> None:
    await announce(node)
    await wait_for(lambda: state_of(hass, "sensor", "humidity") is not None)
    for _ in range(3):
        await node.check()
    await node.value("temperature", "24.0°C")
    await wait_for(lambda: state_of(hass, "sensor", "temperature") == "24.0")
    assert node.requests().count(("gateway/mqtt-2/discover", "resources")) == 1


async def test_values_count_after_the_handshake(
    hass: HomeAssistant, node: ScriptedNode, caplog: pytest.LogCaptureFixture
) -> None:
    """Anyone can publish `node/<id>/<resource>`: values make no entity until the node checked and listed."""
    await node.value("temperature", "-0.5°C")
    await hass.async_block_till_done()
    assert state_of(hass, "sensor", "temperature") is None
    await node.check()
    await wait_for(lambda: ("gateway/mqtt-2/discover", "resources") in node.requests())
    await node.resources(["temperature"])
    await wait_for(lambda: ("gateway/mqtt-2/discover", "values") in node.requests())
    await node.value("temperature", "-0.5°C")
    await wait_for(lambda: state_of(hass, "sensor", "temperature") == "-0.5")
    assert "Dropped input" not in caplog.text, "not bad input: counted in the diagnostics"


@pytest.mark.allow_pyiot_warnings
async def test_unknown_resource_is_a_text_sensor(
    hass: HomeAssistant, node: ScriptedNode, caplog: pytest.LogCaptureFixture
) -> None:
    await node.check()
    await node.resources(["position", "firmware_blob"])
    await node.value("position", json.dumps({"lat": 48.714784, "lng": 2.205502}))
    await node.value("firmware_blob", "v1.2-rc")
    await node.value("not_listed", "junk")  # a resource the node did not list makes no entity
    await wait_for(lambda: state_of(hass, "sensor", "firmware_blob") == "v1.2-rc")
    await wait_for(lambda: state_of(hass, "sensor", "position") is not None)
    assert json.loads(state_of(hass, "sensor", "position")) == {"lat": 48.714784, "lng": 2.205502}
    assert state_of(hass, "sensor", "not_listed") is None
    assert "not_listed is not in its resource list" in caplog.text


async def test_write_errors_are_translated(
    hass: HomeAssistant, node: ScriptedNode, loaded_entry: MockConfigEntry
) -> None:
    """Entities of an offline node are skipped by HA's service call; the hub refuses writes too."""
    hub = loaded_entry.runtime_data
    await announce(node)
    await wait_for(lambda: state_of(hass, "switch", "led") == STATE_OFF)

    with pytest.raises(HomeAssistantError) as not_writable:
        await hub.async_write("mqtt-2", "temperature", 20)
    assert not_writable.value.translation_key == "write_failed"
    assert str(not_writable.value).startswith("Could not send the command to Node BMX280: ")

    hub.node_lost("mqtt-2")
    await hass.async_block_till_done()
    assert state_of(hass, "switch", "led") == STATE_UNAVAILABLE
    with pytest.raises(HomeAssistantError) as offline:
        await hub.async_write("mqtt-2", "led", True)
    assert offline.value.translation_key == "node_unavailable"
    assert str(offline.value) == "Node BMX280 is offline; the command was not sent"
