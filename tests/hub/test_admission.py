"""Admission control in the hub, for every transport: handshake, caps, eviction, the caps repair issue."""

from collections.abc import AsyncGenerator, Iterator
import json
from typing import Any

from homeassistant.core import HomeAssistant
from homeassistant.helpers import device_registry as dr, entity_registry as er, issue_registry as ir
import pytest
from pytest_homeassistant_custom_component.common import MockConfigEntry

from custom_components.pyiot.const import DOMAIN, ENTRY_VERSION
from custom_components.pyiot.core.nodes import (
    AdmissionLimits,
    AdmitWhen,
    NodeInfo,
    PointKind,
    PointSpec,
    report_handshake,
)
from custom_components.pyiot.hub import NodeHub
from custom_components.pyiot.hub.caps import caps_issue_id
from tests.conftest import TRANSLATIONS
from tests.support.entries import entry_loaded
from tests.support.fake_transport import FakeTransport, fake_entry_kind_registered

TEMPERATURE = PointSpec(key="temperature", kind=PointKind.SENSOR, device_class="temperature", unit="°C")
LIMITS = AdmissionLimits(max_nodes=2, max_points_per_node=2, new_nodes_per_minute=0)


@pytest.fixture
def handshake_kind() -> Iterator[str]:
    with (
        fake_entry_kind_registered(AdmitWhen.HANDSHAKE, LIMITS) as key,
        pytest.MonkeyPatch.context() as patch,
    ):
        patch.setitem(TRANSLATIONS["config"]["step"]["user"]["menu_options"], key, "Fake nodes")
        yield key


@pytest.fixture
async def hub(
    hass: HomeAssistant, handshake_kind: str, hass_storage: dict[str, Any]
) -> AsyncGenerator[NodeHub]:
    entry = MockConfigEntry(
        domain=DOMAIN, data={"entry_type": handshake_kind}, entry_id="01GATE", version=ENTRY_VERSION
    )
    entry.add_to_hass(hass)
    async for loaded in entry_loaded(hass, entry):
        yield loaded.runtime_data


def devices(hass: HomeAssistant, hub: NodeHub) -> set[str]:
    return {
        identifier
        for device in dr.async_entries_for_config_entry(dr.async_get(hass), hub.entry.entry_id)
        for _, identifier in device.identifiers
    }


def introduce(hub: NodeHub, node_id: str, *points: PointSpec) -> None:
    """What a transport reports of a node, before its handshake."""
    hub.node_seen(NodeInfo(node_id=node_id, name=node_id.title()))
    hub.points_seen(node_id, list(points or [TEMPERATURE]))
    hub.value_received(node_id, "temperature", 21.5)


async def test_a_node_is_a_device_after_its_handshake(hass: HomeAssistant, hub: NodeHub) -> None:
    introduce(hub, "real")
    await hass.async_block_till_done()
    assert devices(hass, hub) == set(), "held in memory until the handshake"
    assert report_handshake(hub, "real")
    await hass.async_block_till_done()
    assert devices(hass, hub) == {"01GATE:real"}
    entity_id = er.async_get(hass).async_get_entity_id("sensor", DOMAIN, "01GATE:real:temperature")
    assert hass.states.get(entity_id).state == "21.5", "what was held is replayed"


@pytest.mark.allow_pyiot_warnings
async def test_caps_hold_and_a_repair_says_by_what(hass: HomeAssistant, hub: NodeHub) -> None:
    for node_id in ("a", "b", "junk"):
        introduce(hub, node_id)
        report_handshake(hub, node_id)
    await hass.async_block_till_done()
    assert devices(hass, hub) == {"01GATE:a", "01GATE:b"}, "at most 2 nodes"
    issue = ir.async_get(hass).async_get_issue(DOMAIN, caps_issue_id("01GATE"))
    assert issue is not None
    assert issue.translation_key == "node_cap"
    assert issue.translation_placeholders["last_refused"] == "junk"
    assert issue.translation_placeholders["newest"] == "b, a"

    many = [PointSpec(key=f"p{number}", kind=PointKind.SENSOR) for number in range(5)]
    hub.points_seen("a", many)
    assert len(hub.nodes["a"].points) == 2, "at most 2 points per node"

    hub.node_lost("b")
    assert hub.async_forget_node("b")  # as when the user deletes the offline device
    await hass.async_block_till_done()
    assert hub.transport is not None
    assert isinstance(hub.transport, FakeTransport)
    assert hub.transport.forgotten == ["b"]
    issue = ir.async_get(hass).async_get_issue(DOMAIN, caps_issue_id("01GATE"))
    assert issue is not None
    assert issue.translation_key == "point_cap", "the node cap is no longer reached; the point cap still is"


async def test_never_confirmed_nodes_make_room(
    hass: HomeAssistant, handshake_kind: str, hass_storage: dict[str, Any]
) -> None:
    """Records of version 1.1 are not confirmed (junk could have made them): they go first at the cap."""
    hass_storage["pyiot.01GATE"] = {
        "version": 1,
        "minor_version": 1,
        "key": "pyiot.01GATE",
        "data": {
            "nodes": {
                node_id: {"info": {"node_id": node_id}, "points": [TEMPERATURE.as_dict()]}
                for node_id in ("old1", "old2")
            }
        },
    }
    entry = MockConfigEntry(
        domain=DOMAIN, data={"entry_type": handshake_kind}, entry_id="01GATE", version=ENTRY_VERSION
    )
    entry.add_to_hass(hass)
    async for loaded in entry_loaded(hass, entry):
        hub: NodeHub = loaded.runtime_data
        assert devices(hass, hub) == {"01GATE:old1", "01GATE:old2"}
        introduce(hub, "new")
        assert report_handshake(hub, "new")
        await hass.async_block_till_done()
        assert "new" in hub.nodes
        assert len(hub.nodes) == 2
        assert devices(hass, hub) == {"01GATE:new", next(f"01GATE:{n}" for n in hub.nodes if n != "new")}
        assert isinstance(hub.transport, FakeTransport)
        assert len(hub.transport.forgotten) == 1, "the evicted node is forgotten by the transport too"
    saved = hass_storage["pyiot.01GATE"]
    assert saved["minor_version"] == 2
    assert saved["data"]["nodes"]["new"]["confirmed"] is True


@pytest.mark.allow_pyiot_warnings
@pytest.mark.parametrize(
    "nodes",
    [
        ["a list", "not a mapping"],
        {"n1": "a string record"},
        {"n1": {"info": {"node_id": "n1"}, "points": ["a string point", TEMPERATURE.as_dict()]}},
    ],
)
async def test_corrupt_storage_never_fails_setup(
    hass: HomeAssistant, handshake_kind: str, hass_storage: dict[str, Any], nodes: Any
) -> None:
    hass_storage["pyiot.01GATE"] = {
        "version": 1,
        "minor_version": 2,
        "key": "pyiot.01GATE",
        "data": {"nodes": nodes},
    }
    entry = MockConfigEntry(
        domain=DOMAIN, data={"entry_type": handshake_kind}, entry_id="01GATE", version=ENTRY_VERSION
    )
    entry.add_to_hass(hass)
    async for loaded in entry_loaded(hass, entry):
        hub: NodeHub = loaded.runtime_data
        assert all(
            point.key == "temperature" for state in hub.nodes.values() for point in state.points.values()
        )
    aside = [key for key in hass_storage if key.startswith("pyiot.01GATE.corrupt.")]
    assert len(aside) == 1
    assert json.dumps(hass_storage[aside[0]]["data"]["records"])  # kept, JSON as it was
