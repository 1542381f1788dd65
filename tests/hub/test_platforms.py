"""The node hub and its generic entity platforms, driven as a transport drives them.

A fake entry kind (`tests/support/fake_transport.py`) supplies the transport: no broker is needed.
Protocol transports are tested end to end against real peers in their own folders.
"""

import json
from pathlib import Path
from typing import Any

from homeassistant.const import STATE_UNAVAILABLE, STATE_UNKNOWN
from homeassistant.core import HomeAssistant
from homeassistant.exceptions import HomeAssistantError
from homeassistant.helpers import device_registry as dr, entity_registry as er
import pytest
from pytest_homeassistant_custom_component.common import MockConfigEntry

from custom_components.pyiot.const import DOMAIN, ENTRY_VERSION
from custom_components.pyiot.core.nodes import NodeInfo, PointKind, PointSpec, StateWithAttributes
from custom_components.pyiot.hub import NodeHub
from tests.support.fake_transport import FakeTransport

FIXTURES = Path(__file__).parent / "fixtures"


@pytest.fixture
async def hub(hass: HomeAssistant, hass_storage: dict[str, Any], fake_entry_kind: str) -> NodeHub:
    data = json.loads((FIXTURES / "all_kinds_storage.json").read_text(encoding="utf-8"))
    hass_storage[data["key"]] = data
    entry = MockConfigEntry(
        domain=DOMAIN, data={"entry_type": fake_entry_kind}, entry_id="01PYIOTENTRY", version=ENTRY_VERSION
    )
    entry.add_to_hass(hass)
    assert await hass.config_entries.async_setup(entry.entry_id)
    await hass.async_block_till_done()
    node_hub: NodeHub = entry.runtime_data
    assert isinstance(node_hub.transport, FakeTransport)
    return node_hub


def entity(hass: HomeAssistant, platform: str, key: str) -> str:
    entity_id = er.async_get(hass).async_get_entity_id(platform, DOMAIN, f"01PYIOTENTRY:kit:{key}")
    assert entity_id is not None
    return entity_id


async def test_every_kind_of_point(
    hass: HomeAssistant, hub: NodeHub, entity_registry: er.EntityRegistry
) -> None:
    assert hass.states.get(entity(hass, "number", "setpoint")).state == STATE_UNAVAILABLE
    rssi = entity_registry.async_get(entity(hass, "sensor", "rssi"))
    assert rssi.disabled_by is er.RegistryEntryDisabler.INTEGRATION
    assert entity_registry.async_get(entity(hass, "button", "reboot")).entity_category == "diagnostic"

    hub.node_seen(NodeInfo(node_id="kit"))
    await hass.async_block_till_done()
    assert hass.states.get(entity(hass, "number", "setpoint")).state == STATE_UNKNOWN
    assert hass.states.get(entity(hass, "binary_sensor", "door")).state == STATE_UNKNOWN
    assert hass.states.get(entity(hass, "select", "mode")).state == STATE_UNKNOWN
    assert hass.states.get(entity(hass, "text", "message")).state == STATE_UNKNOWN

    for key, value in {"door": 1, "setpoint": 21.5, "mode": "eco", "message": "hello"}.items():
        hub.value_received("kit", key, value)
    await hass.async_block_till_done()
    assert hass.states.get(entity(hass, "binary_sensor", "door")).state == "on"
    setpoint = hass.states.get(entity(hass, "number", "setpoint"))
    assert setpoint.state == "21.5"
    assert (setpoint.attributes["min"], setpoint.attributes["max"], setpoint.attributes["step"]) == (
        5,
        30,
        0.5,
    )
    assert hass.states.get(entity(hass, "select", "mode")).attributes["options"] == ["eco", "boost"]
    assert hass.states.get(entity(hass, "select", "mode")).state == "eco"
    assert hass.states.get(entity(hass, "text", "message")).state == "hello"


async def test_writes_go_to_the_transport(hass: HomeAssistant, hub: NodeHub) -> None:
    hub.node_seen(NodeInfo(node_id="kit"))
    await hass.services.async_call(
        "number", "set_value", {"entity_id": entity(hass, "number", "setpoint"), "value": 19}, blocking=True
    )
    await hass.services.async_call(
        "select",
        "select_option",
        {"entity_id": entity(hass, "select", "mode"), "option": "boost"},
        blocking=True,
    )
    await hass.services.async_call(
        "text", "set_value", {"entity_id": entity(hass, "text", "message"), "value": "hi"}, blocking=True
    )
    await hass.services.async_call(
        "button", "press", {"entity_id": entity(hass, "button", "reboot")}, blocking=True
    )
    assert hub.transport.writes == [
        ("kit", "setpoint", 19.0),
        ("kit", "mode", "boost"),
        ("kit", "message", "hi"),
        ("kit", "reboot", None),
    ]
    hub.transport.refuse = True
    with pytest.raises(HomeAssistantError, match="Could not send the command to Kit: radio busy"):
        await hass.services.async_call(
            "button", "press", {"entity_id": entity(hass, "button", "reboot")}, blocking=True
        )


async def test_events_fire_on_every_value(hass: HomeAssistant, hub: NodeHub) -> None:
    hub.node_seen(NodeInfo(node_id="kit"))
    event_entity = entity(hass, "event", "press")
    fired: list[str] = []
    for value in ["single", "single", "triple", "double"]:
        hub.value_received("kit", "press", value)
        await hass.async_block_till_done()
        state = hass.states.get(event_entity)
        if state.attributes.get("event_type") is not None:
            fired.append((state.state, state.attributes["event_type"]))
    assert [event_type for _, event_type in fired] == ["single", "single", "single", "double"]
    assert len({timestamp for timestamp, _ in fired}) == 3, "each accepted value is a new event"
    hub.node_lost("kit")
    await hass.async_block_till_done()
    assert hass.states.get(event_entity).state == STATE_UNAVAILABLE


async def test_node_info_refresh_updates_device(hass: HomeAssistant, hub: NodeHub) -> None:
    hub.node_seen(NodeInfo(node_id="kit", name="Kit v2", sw_version="2.0"))
    await hass.async_block_till_done()
    device = dr.async_get(hass).async_get_device_by_identifier(
        (DOMAIN, "01PYIOTENTRY:kit"), hub.entry.entry_id
    )
    assert (device.name, device.sw_version) == ("Kit v2", "2.0")
    hub.node_seen(NodeInfo(node_id="kit", model="K1"))
    device = dr.async_get(hass).async_get(device.id)
    assert (device.name, device.sw_version, device.model) == ("Kit v2", "2.0", "K1")


async def test_listener_calls_for_unknown_nodes_are_ignored(hass: HomeAssistant, hub: NodeHub) -> None:
    hub.points_seen("ghost", [])
    hub.value_received("ghost", "x", 1)
    hub.value_received("kit", "not-a-point", 1)
    hub.node_lost("ghost")
    assert "ghost" not in hub.nodes


def test_point_spec_round_trip_keeps_zero_values() -> None:
    spec = PointSpec(key="level", kind=PointKind.NUMBER, minimum=0, maximum=10, step=1, suggested_precision=0)
    assert PointSpec.from_dict(spec.as_dict()) == spec


async def test_point_unavailable_keeps_the_node(hass: HomeAssistant, hub: NodeHub) -> None:
    hub.node_seen(NodeInfo(node_id="kit"))
    hub.value_received("kit", "setpoint", 21.0)
    await hass.async_block_till_done()
    hub.point_unavailable("kit", "setpoint")
    hub.point_unavailable("kit", "setpoint")
    hub.point_unavailable("kit", "unknown-point")
    await hass.async_block_till_done()
    assert hass.states.get(entity(hass, "number", "setpoint")).state == STATE_UNAVAILABLE
    assert hass.states.get(entity(hass, "select", "mode")).state == STATE_UNKNOWN, "other points stay"
    hub.value_received("kit", "setpoint", 21.0)  # the same value again makes it available
    await hass.async_block_till_done()
    assert hass.states.get(entity(hass, "number", "setpoint")).state == "21.0"


async def test_first_appearance_is_not_back_online(
    hass: HomeAssistant, hub: NodeHub, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level("INFO", logger="custom_components.pyiot")
    hub.node_seen(NodeInfo(node_id="kit"))
    hub.node_lost("kit")
    hub.node_seen(NodeInfo(node_id="kit"))
    lines = [record.getMessage() for record in caplog.records if record.name == "custom_components.pyiot"]
    assert lines == [
        "Kit is online",
        "Kit is unavailable: no sign of life from the node",
        "Kit is back online",
    ]


async def test_values_with_attributes(hass: HomeAssistant, hub: NodeHub) -> None:
    """A transport may send a state with attributes: a document, or the text a numeric point sent."""
    hub.node_seen(NodeInfo(node_id="kit"))
    hub.value_received("kit", "message", StateWithAttributes("ok", {"items": [1, 2]}))
    hub.value_received("kit", "setpoint", StateWithAttributes(None, {"text": "Erreur capteur"}))
    await hass.async_block_till_done()
    message = hass.states.get(entity(hass, "text", "message"))
    assert (message.state, message.attributes["items"]) == ("ok", [1, 2])
    setpoint = hass.states.get(entity(hass, "number", "setpoint"))
    assert (setpoint.state, setpoint.attributes["text"]) == (STATE_UNKNOWN, "Erreur capteur")
    hub.value_received("kit", "setpoint", 20.5)
    await hass.async_block_till_done()
    assert "text" not in hass.states.get(entity(hass, "number", "setpoint")).attributes
