"""The Pyaiot CoAP entry in Home Assistant: real UDP on loopback, simulated nodes as upstream's test node."""

from collections.abc import AsyncGenerator
import dataclasses
from datetime import timedelta
import logging
import socket

from freezegun.api import FrozenDateTimeFactory
from homeassistant.config_entries import ConfigEntryState
from homeassistant.const import STATE_OFF, STATE_ON, STATE_UNAVAILABLE, Platform
from homeassistant.core import HomeAssistant
from homeassistant.exceptions import HomeAssistantError
from homeassistant.helpers import device_registry as dr, entity_registry as er, issue_registry as ir
import pytest
from pytest_homeassistant_custom_component.common import (
    MockConfigEntry,
    async_fire_time_changed,
    snapshot_platform,
)
from pytest_homeassistant_custom_component.components.diagnostics import get_diagnostics_for_config_entry
from pytest_homeassistant_custom_component.typing import ClientSessionGenerator
from syrupy.assertion import SnapshotAssertion
from syrupy.filters import props

from custom_components.pyiot.const import DOMAIN
from custom_components.pyiot.core.protocols.pyaiot.coap import PyaiotCoapGateway
from custom_components.pyiot.systems.pyaiot import coap
from custom_components.pyiot.systems.pyaiot.flow_schemas import COAP_DEFAULT_OPTIONS
from tests.support.entries import entry_loaded
from tests.support.platforms import only_platform
from tests.systems.pyaiot.gateway_support import (
    allow_loopback,
    entity_id,
    free_udp_port,
    make_entry,
    state,
)
from tools.simulators.pyaiot_coap_node import NodeOptions, SimulatedCoapNode

ENTRY_ID = "01PYAIOTCOAPENTRY"


@pytest.fixture
def coap_port(socket_enabled: None) -> int:
    allow_loopback()
    return free_udp_port()


@pytest.fixture
def coap_entry(hass: HomeAssistant, coap_port: int) -> MockConfigEntry:
    return make_entry(
        hass,
        kind="pyaiot_coap",
        entry_id=ENTRY_ID,
        title=coap.title(coap_port),
        unique_id=coap.unique_id(coap_port),
        data={"port": coap_port},
        options=COAP_DEFAULT_OPTIONS,
    )


@pytest.fixture
async def loaded(hass: HomeAssistant, coap_entry: MockConfigEntry) -> AsyncGenerator[MockConfigEntry]:
    async for entry in entry_loaded(hass, coap_entry):
        yield entry


@pytest.fixture
def expected_lingering_timers() -> bool:
    """aiocoap keeps its message-deduplication timers (EXCHANGE_LIFETIME, 247 s) past a context's shutdown."""
    return True


@pytest.fixture
async def nodes(coap_port: int) -> AsyncGenerator[list[SimulatedCoapNode]]:
    made: list[SimulatedCoapNode] = []
    yield made
    for node in made:
        await node.stop()


async def start_node(
    nodes: list[SimulatedCoapNode], port: int, uid: str = "1234", **options: bool
) -> SimulatedCoapNode:
    node = SimulatedCoapNode(
        uid, gateway="::1", gateway_port=port, bind="::1", options=NodeOptions(**options)
    )
    nodes.append(node)
    await node.start(announce=False)
    return node


def gateway_of(entry: MockConfigEntry) -> PyaiotCoapGateway:
    gateway = entry.runtime_data.transport
    assert isinstance(gateway, PyaiotCoapGateway)
    return gateway


async def alive(hass: HomeAssistant, entry: MockConfigEntry, node: SimulatedCoapNode) -> None:
    """An alive, and everything it starts (discovery, the hub's entities) done."""
    await node.send_alive()
    await gateway_of(entry).async_idle()
    await hass.async_block_till_done()


def discoveries(node: SimulatedCoapNode) -> int:
    return node.requests.count(("GET", ".well-known/core"))


async def test_alive_makes_a_device_with_entities(
    hass: HomeAssistant,
    loaded: MockConfigEntry,
    coap_port: int,
    nodes: list[SimulatedCoapNode],
    device_registry: dr.DeviceRegistry,
) -> None:
    node = await start_node(nodes, coap_port)
    await alive(hass, loaded, node)
    assert state(hass, loaded, "sensor", "1234", "temperature") == "23.0"
    assert state(hass, loaded, "sensor", "1234", "pressure") == "1015.03"
    assert state(hass, loaded, "switch", "1234", "led") == STATE_OFF
    device = device_registry.async_get_device_by_identifier((DOMAIN, f"{ENTRY_ID}:1234"), ENTRY_ID)
    assert device is not None
    assert (device.name, device.model) == ("Python Test Node", "test_board")
    node.state.temperature = 24.5
    await node.push("temperature")
    await hass.async_block_till_done()
    assert state(hass, loaded, "sensor", "1234", "temperature") == "24.5"
    for _ in range(3):  # re-announcing is not a new discovery (upstream's defect)
        await alive(hass, loaded, node)
    assert discoveries(node) == 1


async def test_led_switch_writes_to_the_node(
    hass: HomeAssistant, loaded: MockConfigEntry, coap_port: int, nodes: list[SimulatedCoapNode]
) -> None:
    node = await start_node(nodes, coap_port)
    await alive(hass, loaded, node)
    led = entity_id(hass, loaded, "switch", "1234", "led")
    await hass.services.async_call("switch", "turn_on", {"entity_id": led}, blocking=True)
    assert node.state.led == "1"
    assert ("PUT", "led") in node.requests
    assert state(hass, loaded, "switch", "1234", "led") == STATE_ON
    await hass.services.async_call("switch", "turn_off", {"entity_id": led}, blocking=True)
    assert node.state.led == "0"
    assert state(hass, loaded, "switch", "1234", "led") == STATE_OFF


async def test_refused_write_is_a_translated_error(
    hass: HomeAssistant, loaded: MockConfigEntry, coap_port: int, nodes: list[SimulatedCoapNode]
) -> None:
    node = await start_node(nodes, coap_port, refuse_led=True)
    await alive(hass, loaded, node)
    led = entity_id(hass, loaded, "switch", "1234", "led")
    with pytest.raises(HomeAssistantError) as caught:
        await hass.services.async_call("switch", "turn_on", {"entity_id": led}, blocking=True)
    assert caught.value.translation_key == "write_failed"
    assert "4.00" in str(caught.value.translation_placeholders)
    assert state(hass, loaded, "switch", "1234", "led") == STATE_OFF
    assert node.state.led == "0"


async def test_silent_node_becomes_unavailable_and_comes_back(
    hass: HomeAssistant,
    freezer: FrozenDateTimeFactory,
    loaded: MockConfigEntry,
    coap_port: int,
    nodes: list[SimulatedCoapNode],
    caplog: pytest.LogCaptureFixture,
) -> None:
    node = await start_node(nodes, coap_port)
    await alive(hass, loaded, node)

    async def advance(seconds: float) -> None:
        freezer.tick(timedelta(seconds=seconds))
        async_fire_time_changed(hass)
        await hass.async_block_till_done()

    await advance(115)
    assert state(hass, loaded, "switch", "1234", "led") == STATE_OFF
    await advance(10)
    assert state(hass, loaded, "switch", "1234", "led") == STATE_UNAVAILABLE
    assert state(hass, loaded, "sensor", "1234", "temperature") == STATE_UNAVAILABLE
    await advance(60)
    assert caplog.text.count("Python Test Node is unavailable") == 1
    await alive(hass, loaded, node)
    assert state(hass, loaded, "sensor", "1234", "temperature") == "23.0"
    assert discoveries(node) == 1, "back without a new discovery"


async def test_restart_restores_entities(
    hass: HomeAssistant, loaded: MockConfigEntry, coap_port: int, nodes: list[SimulatedCoapNode]
) -> None:
    node = await start_node(nodes, coap_port)
    await alive(hass, loaded, node)
    assert await hass.config_entries.async_unload(loaded.entry_id)
    await hass.async_block_till_done()
    assert await hass.config_entries.async_setup(loaded.entry_id)
    await hass.async_block_till_done()
    assert state(hass, loaded, "sensor", "1234", "temperature") == STATE_UNAVAILABLE
    assert state(hass, loaded, "switch", "1234", "led") == STATE_UNAVAILABLE
    node.state.temperature = 19.5
    await alive(hass, loaded, node)
    assert state(hass, loaded, "sensor", "1234", "temperature") == "19.5"
    assert state(hass, loaded, "switch", "1234", "led") == STATE_OFF


@pytest.mark.allow_pyiot_warnings
async def test_node_that_does_not_answer_never_becomes_a_device(
    hass: HomeAssistant,
    loaded: MockConfigEntry,
    coap_port: int,
    nodes: list[SimulatedCoapNode],
    device_registry: dr.DeviceRegistry,
) -> None:
    """Anyone can post an alive: a device needs the link list of the address that announced it."""
    gateway = gateway_of(loaded)
    gateway.settings = dataclasses.replace(gateway.settings, request_timeout=0.3)  # it never answers
    mute = await start_node(nodes, coap_port, "ghost", mute=True)
    await alive(hass, loaded, mute)
    assert dr.async_entries_for_config_entry(device_registry, loaded.entry_id) == []
    assert gateway.diagnostics()["nodes"]["ghost"]["confirmed"] is False
    real = await start_node(nodes, coap_port, "real")
    await alive(hass, loaded, real)
    assert len(dr.async_entries_for_config_entry(device_registry, loaded.entry_id)) == 1


@pytest.mark.parametrize("platform", [Platform.SENSOR, Platform.SWITCH, Platform.TEXT])
async def test_platform_snapshot(
    hass: HomeAssistant,
    coap_entry: MockConfigEntry,
    coap_port: int,
    nodes: list[SimulatedCoapNode],
    entity_registry: er.EntityRegistry,
    snapshot: SnapshotAssertion,
    platform: Platform,
) -> None:
    with only_platform("pyaiot_coap", platform):
        async for entry in entry_loaded(hass, coap_entry):
            await alive(hass, entry, await start_node(nodes, coap_port))
            await snapshot_platform(hass, entity_registry, snapshot, ENTRY_ID)


async def test_diagnostics_are_redacted(
    hass: HomeAssistant,
    loaded: MockConfigEntry,
    coap_port: int,
    nodes: list[SimulatedCoapNode],
    hass_client: ClientSessionGenerator,
    snapshot: SnapshotAssertion,
) -> None:
    await alive(hass, loaded, await start_node(nodes, coap_port))
    diagnostics = await get_diagnostics_for_config_entry(hass, hass_client, loaded)
    transport = diagnostics["transport"]
    assert transport["nodes"]["1234"]["address"] == "**REDACTED**"
    assert transport["bound"] == "**REDACTED**"
    assert "::1" not in str(diagnostics)
    assert diagnostics == snapshot(exclude=props("last_alive_age", "port", "title", "unique_id"))


@pytest.mark.allow_pyiot_warnings
async def test_port_in_use_raises_a_repair_issue(
    hass: HomeAssistant, coap_entry: MockConfigEntry, coap_port: int, issue_registry: ir.IssueRegistry
) -> None:
    holder = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
    holder.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)  # as Shelly's CoIoT does
    holder.bind(("0.0.0.0", coap_port))  # noqa: S104
    try:
        assert not await hass.config_entries.async_setup(coap_entry.entry_id)
        assert coap_entry.state is ConfigEntryState.SETUP_RETRY
        issue = issue_registry.async_get_issue(DOMAIN, coap.port_issue_id(ENTRY_ID))
        assert issue is not None
        assert issue.translation_key == "coap_port_in_use"
        assert issue.translation_placeholders is not None
        assert issue.translation_placeholders["port"] == str(coap_port)
    finally:
        holder.close()
    await hass.config_entries.async_reload(coap_entry.entry_id)
    await hass.async_block_till_done()
    assert coap_entry.state is ConfigEntryState.LOADED
    assert issue_registry.async_get_issue(DOMAIN, coap.port_issue_id(ENTRY_ID)) is None
    assert await hass.config_entries.async_unload(coap_entry.entry_id)


async def test_gateway_listens_on_loopback_only_where_bindable(
    hass: HomeAssistant, loaded: MockConfigEntry, coap_port: int, caplog: pytest.LogCaptureFixture
) -> None:
    """HA's network settings name 10.10.10.10 here (the test plugin's adapter), which this host lacks."""
    caplog.set_level(logging.DEBUG)
    bound = gateway_of(loaded).diagnostics()["bound"]
    assert f"[127.0.0.1]:{coap_port}" in bound
    assert all("10.10.10.10" not in address for address in bound)
