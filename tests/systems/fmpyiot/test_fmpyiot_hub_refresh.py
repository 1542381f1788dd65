"""The hub's refresh hook (added for FmPyIOT's reverse topics) is a no-op for transports without one."""

from homeassistant.const import ATTR_ENTITY_ID
from homeassistant.core import HomeAssistant
from homeassistant.helpers import entity_registry as er
from homeassistant.setup import async_setup_component
from pytest_homeassistant_custom_component.common import MockConfigEntry

from custom_components.pyiot.const import DOMAIN, ENTRY_VERSION
from custom_components.pyiot.core.nodes import NodeInfo, PointKind, PointSpec
from custom_components.pyiot.hub import NodeHub
from tests.support.fake_transport import FakeTransport


async def test_update_entity_without_a_refreshing_transport(
    hass: HomeAssistant, fake_entry_kind: str
) -> None:
    assert await async_setup_component(hass, "homeassistant", {})
    entry = MockConfigEntry(domain=DOMAIN, data={"entry_type": fake_entry_kind}, version=ENTRY_VERSION)
    entry.add_to_hass(hass)
    assert await hass.config_entries.async_setup(entry.entry_id)
    hub = entry.runtime_data
    assert isinstance(hub, NodeHub)
    hub.node_seen(NodeInfo(node_id="kit"))
    hub.points_seen("kit", [PointSpec(key="t", kind=PointKind.SENSOR, name="t")])
    hub.value_received("kit", "t", 21.5)
    await hass.async_block_till_done()
    entity_id = er.async_get(hass).async_get_entity_id("sensor", DOMAIN, f"{entry.entry_id}:kit:t")
    assert entity_id is not None

    await hass.services.async_call(
        "homeassistant", "update_entity", {ATTR_ENTITY_ID: entity_id}, blocking=True
    )
    assert hass.states.get(entity_id).state == "21.5"
    assert isinstance(hub.transport, FakeTransport)
    assert hub.transport.writes == []
