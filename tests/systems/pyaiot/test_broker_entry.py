"""The existing-deployment entry in Home Assistant: PyIoT as a web client of a simulated Pyaiot broker
(`tools/simulators/pyaiot_broker.py`) on a free loopback port, its gateways driven by the tests."""

from collections.abc import AsyncIterator
import logging
from typing import Any

from homeassistant.const import STATE_OFF, STATE_ON, STATE_UNAVAILABLE, Platform
from homeassistant.core import HomeAssistant
from homeassistant.helpers import device_registry as dr, entity_registry as er
import pytest
from pytest_homeassistant_custom_component.common import MockConfigEntry, snapshot_platform
from pytest_homeassistant_custom_component.components.diagnostics import get_diagnostics_for_config_entry
from pytest_homeassistant_custom_component.typing import ClientSessionGenerator
from syrupy.assertion import SnapshotAssertion

from custom_components.pyiot.const import DOMAIN
from custom_components.pyiot.core.protocols.pyaiot.broker_client import PyaiotBrokerClient
from custom_components.pyiot.systems.pyaiot import broker as broker_kind
from tests.support.entries import entry_loaded
from tests.support.platforms import only_platform
from tests.systems.pyaiot.gateway_support import allow_loopback, entity_id, make_entry, state, until
from tools.simulators.pyaiot_broker import SimulatedBroker, SimulatedGateway

ENTRY_ID = "01PYAIOTBROKERENTRY"
HELLO = {"type": "new", "data": "client"}


def resources(name: str, temperature: str = "21.0°C") -> dict[str, Any]:
    return {"name": name, "board": "iotlab-m3", "led": "0", "temperature": temperature}


@pytest.fixture
async def broker(socket_enabled: None) -> AsyncIterator[SimulatedBroker]:
    allow_loopback()
    simulated = SimulatedBroker()
    await simulated.start()
    yield simulated
    await simulated.stop()


@pytest.fixture
async def coap_gateway(broker: SimulatedBroker) -> SimulatedGateway:
    """A CoAP gateway of the deployment with one node in its cache before PyIoT connects."""
    gateway = broker.add_gateway("CoAP")
    await gateway.add_node("3a5f9c1b", resources("Kitchen"))
    return gateway


@pytest.fixture
def broker_entry(hass: HomeAssistant, broker: SimulatedBroker) -> MockConfigEntry:
    url = f"ws://127.0.0.1:{broker.port}/ws"
    return make_entry(
        hass,
        kind="pyaiot_broker",
        entry_id=ENTRY_ID,
        title=broker_kind.title(url),
        unique_id=broker_kind.unique_id(url),
        data={"url": url},
    )


def client_of(entry: MockConfigEntry) -> PyaiotBrokerClient:
    client = entry.runtime_data.transport
    assert isinstance(client, PyaiotBrokerClient)
    return client


@pytest.fixture
async def loaded(
    hass: HomeAssistant, broker_entry: MockConfigEntry, coap_gateway: SimulatedGateway
) -> AsyncIterator[MockConfigEntry]:
    async for entry in entry_loaded(hass, broker_entry):
        await client_of(entry).wait_connected()
        await until(
            hass, lambda entry=entry: state(hass, entry, "sensor", "3a5f9c1b", "temperature") == "21.0"
        )
        yield entry


async def test_the_cache_becomes_devices_and_broadcasts_update_them(
    hass: HomeAssistant,
    loaded: MockConfigEntry,
    broker: SimulatedBroker,
    coap_gateway: SimulatedGateway,
    device_registry: dr.DeviceRegistry,
) -> None:
    assert broker.received[0] == HELLO, "PyIoT registers as a web client, like the dashboard"
    device = device_registry.async_get_device_by_identifier((DOMAIN, f"{ENTRY_ID}:3a5f9c1b"), ENTRY_ID)
    assert device is not None
    assert (device.name, device.model) == ("Kitchen", "iotlab-m3")
    assert state(hass, loaded, "switch", "3a5f9c1b", "led") == STATE_OFF
    assert er.async_get(hass).async_get_entity_id("sensor", DOMAIN, f"{ENTRY_ID}:3a5f9c1b:ip") is None

    await coap_gateway.update("3a5f9c1b", "temperature", "22.5°C")
    await until(hass, lambda: state(hass, loaded, "sensor", "3a5f9c1b", "temperature") == "22.5")
    await coap_gateway.add_node("7c00e2d4", resources("Garage", "4.0°C"), address="fd00::2")
    await until(hass, lambda: state(hass, loaded, "sensor", "7c00e2d4", "temperature") == "4.0")
    assert len(dr.async_entries_for_config_entry(device_registry, ENTRY_ID)) == 2


async def test_out_makes_a_node_unavailable_until_it_speaks_again(
    hass: HomeAssistant, loaded: MockConfigEntry, broker: SimulatedBroker, coap_gateway: SimulatedGateway
) -> None:
    await broker.broadcast({"type": "out", "uid": "3a5f9c1b"})
    await until(hass, lambda: state(hass, loaded, "sensor", "3a5f9c1b", "temperature") == STATE_UNAVAILABLE)
    await coap_gateway.update("3a5f9c1b", "temperature", "20.0°C")
    await until(hass, lambda: state(hass, loaded, "sensor", "3a5f9c1b", "temperature") == "20.0")
    assert state(hass, loaded, "switch", "3a5f9c1b", "led") == STATE_OFF


async def test_reset_forgets_the_values_until_they_are_sent_again(
    hass: HomeAssistant, loaded: MockConfigEntry, broker: SimulatedBroker, coap_gateway: SimulatedGateway
) -> None:
    await broker.broadcast({"type": "reset", "uid": "3a5f9c1b"})
    await until(hass, lambda: state(hass, loaded, "sensor", "3a5f9c1b", "temperature") == STATE_UNAVAILABLE)
    assert state(hass, loaded, "switch", "3a5f9c1b", "led") == STATE_UNAVAILABLE
    await coap_gateway.reset_node("3a5f9c1b")  # reset, then the node's values again
    await until(hass, lambda: state(hass, loaded, "switch", "3a5f9c1b", "led") == STATE_OFF)
    assert state(hass, loaded, "sensor", "3a5f9c1b", "temperature") == "21.0"


async def test_led_write_is_an_update_command(
    hass: HomeAssistant, loaded: MockConfigEntry, coap_gateway: SimulatedGateway
) -> None:
    led = entity_id(hass, loaded, "switch", "3a5f9c1b", "led")
    await hass.services.async_call("switch", "turn_on", {"entity_id": led}, blocking=True)
    await until(hass, lambda: state(hass, loaded, "switch", "3a5f9c1b", "led") == STATE_ON)
    assert coap_gateway.commands == [{"uid": "3a5f9c1b", "endpoint": "led", "payload": "1"}]


async def test_write_without_an_answer_leaves_the_state(
    hass: HomeAssistant, loaded: MockConfigEntry, broker: SimulatedBroker, coap_gateway: SimulatedGateway
) -> None:
    """Nothing acknowledges a command: the state follows the gateway's next update, not the command."""
    coap_gateway.led_answers = False
    led = entity_id(hass, loaded, "switch", "3a5f9c1b", "led")
    await hass.services.async_call("switch", "turn_on", {"entity_id": led}, blocking=True)
    await coap_gateway.update("3a5f9c1b", "temperature", "21.5°C")  # something after the command
    await until(hass, lambda: state(hass, loaded, "sensor", "3a5f9c1b", "temperature") == "21.5")
    assert coap_gateway.commands == [{"uid": "3a5f9c1b", "endpoint": "led", "payload": "1"}]
    assert state(hass, loaded, "switch", "3a5f9c1b", "led") == STATE_OFF


@pytest.mark.allow_pyiot_warnings
async def test_broker_restart_reconnects_and_asks_for_the_cache_again(
    hass: HomeAssistant,
    loaded: MockConfigEntry,
    broker: SimulatedBroker,
    coap_gateway: SimulatedGateway,
    device_registry: dr.DeviceRegistry,
    caplog: pytest.LogCaptureFixture,
) -> None:
    port = broker.port
    await broker.stop()
    await until(hass, lambda: state(hass, loaded, "sensor", "3a5f9c1b", "temperature") == STATE_UNAVAILABLE)
    assert state(hass, loaded, "switch", "3a5f9c1b", "led") == STATE_UNAVAILABLE
    coap_gateway.nodes["3a5f9c1b"]["temperature"] = "19.0°C"  # changed while PyIoT was away

    await broker.start(port)
    await client_of(loaded).wait_connected()
    await until(hass, lambda: state(hass, loaded, "sensor", "3a5f9c1b", "temperature") == "19.0")
    assert broker.received.count(HELLO) == 2, "the cache is asked for again after the reconnect"
    diagnostics = client_of(loaded).diagnostics()
    assert diagnostics["counts"]["connections"] == 2
    assert diagnostics["reconnect_attempt"] >= 1, "it waited (a backoff) before reconnecting"
    assert len(dr.async_entries_for_config_entry(device_registry, ENTRY_ID)) == 1, "CoAP uids are stable"
    warnings = [record for record in caplog.records if record.levelno >= logging.WARNING]
    assert [record.getMessage().endswith("reconnecting") for record in warnings] == [True], (
        "the drop is logged once, the retries quietly"
    )
    assert "Connected to the Pyaiot broker" in caplog.text


@pytest.mark.allow_pyiot_warnings
async def test_unreachable_broker_at_startup_is_retried(
    hass: HomeAssistant, broker_entry: MockConfigEntry, broker: SimulatedBroker
) -> None:
    port = broker.port
    await broker.stop()
    async for entry in entry_loaded(hass, broker_entry):
        client = client_of(entry)
        assert not client.connected
        gateway = broker.add_gateway("CoAP")
        await gateway.add_node("3a5f9c1b", resources("Kitchen"))
        await broker.start(port)
        await client.wait_connected()
        await until(hass, lambda entry=entry: state(hass, entry, "switch", "3a5f9c1b", "led") == STATE_OFF)


@pytest.mark.allow_pyiot_warnings
async def test_bad_messages_change_nothing(
    hass: HomeAssistant, loaded: MockConfigEntry, broker: SimulatedBroker, coap_gateway: SimulatedGateway
) -> None:
    for raw in (
        "not json",
        "[1]",
        '{"type": "bogus", "uid": "3a5f9c1b"}',
        '{"type": "update", "uid": "../x", "endpoint": "led", "data": "1"}',
        '{"type": "update", "uid": "3a5f9c1b", "data": "1"}',
        '{"type": "update", "uid": "3a5f9c1b", "endpoint": "temperature", "data": "hot"}',
    ):
        await broker.send_raw(raw)
    await coap_gateway.update("3a5f9c1b", "temperature", "23.0°C")
    await until(hass, lambda: state(hass, loaded, "sensor", "3a5f9c1b", "temperature") == "23.0")
    client = client_of(loaded)
    assert client.connected
    assert client.diagnostics()["dropped"] == {
        "bad_message": 2,
        "bad_node_id": 1,
        "bad_value": 1,
        "not_json": 1,
        "unknown_type": 1,
    }
    assert len(dr.async_entries_for_config_entry(dr.async_get(hass), ENTRY_ID)) == 1


@pytest.mark.parametrize("platform", [Platform.SENSOR, Platform.SWITCH])
async def test_platform_snapshot(
    hass: HomeAssistant,
    broker_entry: MockConfigEntry,
    coap_gateway: SimulatedGateway,
    entity_registry: er.EntityRegistry,
    snapshot: SnapshotAssertion,
    platform: Platform,
) -> None:
    key = {Platform.SENSOR: "temperature", Platform.SWITCH: "led"}[platform]
    with only_platform("pyaiot_broker", platform):
        async for entry in entry_loaded(hass, broker_entry):
            await until(
                hass,
                lambda entry=entry: (
                    state(hass, entry, platform, "3a5f9c1b", key) not in {None, STATE_UNAVAILABLE}
                ),
            )
            await snapshot_platform(hass, entity_registry, snapshot, ENTRY_ID)


async def test_diagnostics_are_redacted(
    hass: HomeAssistant, loaded: MockConfigEntry, broker: SimulatedBroker, hass_client: ClientSessionGenerator
) -> None:
    diagnostics = await get_diagnostics_for_config_entry(hass, hass_client, loaded)
    assert diagnostics["entry"]["data"]["url"] == "**REDACTED**"
    transport = diagnostics["transport"]
    assert transport["url"] == "**REDACTED**"
    assert transport["connected"] is True
    assert transport["nodes"]["3a5f9c1b"]["gateway"] == {"ip": "**REDACTED**", "protocol": "CoAP"}
    assert "fd00::1" not in str(diagnostics)
