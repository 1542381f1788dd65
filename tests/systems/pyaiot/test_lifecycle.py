"""Setup, unload, reload, restart from storage, availability, device removal, diagnostics."""

from datetime import timedelta
import json
from pathlib import Path
from typing import Any

from homeassistant.config_entries import ConfigEntryState
from homeassistant.const import EVENT_HOMEASSISTANT_STOP, STATE_OFF, STATE_UNAVAILABLE
from homeassistant.core import HomeAssistant
from homeassistant.helpers import device_registry as dr
from homeassistant.setup import async_setup_component
from homeassistant.util import dt as dt_util
import pytest
from pytest_homeassistant_custom_component.common import MockConfigEntry, async_fire_time_changed
from pytest_homeassistant_custom_component.components.diagnostics import get_diagnostics_for_config_entry
from pytest_homeassistant_custom_component.typing import ClientSessionGenerator
from syrupy.assertion import SnapshotAssertion

from custom_components.pyiot.const import DOMAIN
from custom_components.pyiot.systems.pyaiot.const import CONF_NODE_TIMEOUT
from tests.support.scripted_node import ScriptedNode, wait_for
from tests.systems.pyaiot.test_nodes import announce, state_of

FIXTURES = Path(__file__).parent / "fixtures"


@pytest.fixture
def stored_nodes(hass_storage: dict[str, Any]) -> dict[str, Any]:
    """Node descriptions saved by a previous run of Home Assistant."""
    data: dict[str, Any] = json.loads((FIXTURES / "pyaiot_storage.json").read_text(encoding="utf-8"))
    hass_storage[data["key"]] = data
    return data


async def test_unload_and_reload(
    hass: HomeAssistant, node: ScriptedNode, loaded_entry: MockConfigEntry
) -> None:
    await announce(node)
    await wait_for(lambda: state_of(hass, "switch", "led") == STATE_OFF)

    assert await hass.config_entries.async_unload(loaded_entry.entry_id)
    assert loaded_entry.state is ConfigEntryState.NOT_LOADED
    assert state_of(hass, "switch", "led") == STATE_UNAVAILABLE

    assert await hass.config_entries.async_setup(loaded_entry.entry_id)
    await hass.async_block_till_done()
    # Known from storage, unavailable until the node speaks again.
    assert state_of(hass, "switch", "led") == STATE_UNAVAILABLE
    await node.check()
    await node.value("led", "1")
    await wait_for(lambda: state_of(hass, "switch", "led") == "on")


@pytest.mark.allow_pyiot_warnings
async def test_restart_restores_entities_from_storage(
    hass: HomeAssistant,
    stored_nodes: dict[str, Any],
    hass_storage: dict[str, Any],
    mqtt_entry: MockConfigEntry,
    pyiot_entry: MockConfigEntry,
    device_registry: dr.DeviceRegistry,
    caplog: pytest.LogCaptureFixture,
    hass_client: ClientSessionGenerator,
) -> None:
    assert await hass.config_entries.async_setup(pyiot_entry.entry_id)
    await hass.async_block_till_done()

    assert state_of(hass, "sensor", "temperature") == STATE_UNAVAILABLE
    assert state_of(hass, "switch", "led") == STATE_UNAVAILABLE
    assert state_of(hass, "select", "mode", node_id="wipy-1") == STATE_UNAVAILABLE
    wipy = device_registry.async_get_device_by_identifier(
        (DOMAIN, "01PYIOTENTRY:wipy-1"), pyiot_entry.entry_id
    )
    assert wipy is not None
    assert wipy.connections == {(dr.CONNECTION_NETWORK_MAC, "aa:bb:cc:dd:ee:ff")}
    assert "stored data that does not fit is left out (1 record skipped: nodes['broken']" in caplog.text
    aside = [key for key in hass_storage if key.startswith("pyiot.01PYIOTENTRY.corrupt.")]
    assert len(aside) == 1, "the record is kept aside, under a key with the time"
    assert hass_storage[aside[0]]["data"]["records"][0]["data"]["info"] == {"name": "no node_id"}

    diagnostics = await get_diagnostics_for_config_entry(hass, hass_client, pyiot_entry)
    wipy_info = diagnostics["nodes"]["wipy-1"]["info"]
    assert wipy_info["mac"] == wipy_info["configuration_url"] == "**REDACTED**"
    assert wipy_info["name"] == "WiPy & MQTT"

    node = ScriptedNode(hass, "mqtt-2")
    await node.listen()
    await node.value("temperature", "21.5°C")
    await wait_for(lambda: state_of(hass, "sensor", "temperature") == "21.5")
    node.stop()
    assert await hass.config_entries.async_unload(pyiot_entry.entry_id)


async def test_node_unavailable_after_timeout_then_back(
    hass: HomeAssistant, node: ScriptedNode, caplog: pytest.LogCaptureFixture
) -> None:
    await announce(node)
    await wait_for(lambda: state_of(hass, "switch", "led") == STATE_OFF)

    async_fire_time_changed(hass, dt_util.utcnow() + timedelta(seconds=119))
    await hass.async_block_till_done()
    assert state_of(hass, "switch", "led") == STATE_OFF

    async_fire_time_changed(hass, dt_util.utcnow() + timedelta(seconds=121))
    await hass.async_block_till_done()
    assert state_of(hass, "switch", "led") == STATE_UNAVAILABLE
    assert state_of(hass, "sensor", "temperature") == STATE_UNAVAILABLE
    assert caplog.text.count("Node BMX280 is unavailable") == 1

    await node.check()
    await wait_for(lambda: state_of(hass, "switch", "led") == STATE_OFF)
    assert state_of(hass, "sensor", "temperature") == "23.4"
    assert caplog.text.count("Node BMX280 is back online") == 1


async def test_node_timeout_option(
    hass: HomeAssistant, node: ScriptedNode, loaded_entry: MockConfigEntry
) -> None:
    flow = await hass.config_entries.options.async_init(loaded_entry.entry_id)
    await hass.config_entries.options.async_configure(flow["flow_id"], {CONF_NODE_TIMEOUT: 600})
    await hass.async_block_till_done()
    assert loaded_entry.runtime_data.transport.diagnostics()["node_timeout"] == 600
    assert loaded_entry.state is ConfigEntryState.LOADED
    await announce(node)
    await wait_for(lambda: state_of(hass, "switch", "led") == STATE_OFF)
    async_fire_time_changed(hass, dt_util.utcnow() + timedelta(seconds=300))
    await hass.async_block_till_done()
    assert state_of(hass, "switch", "led") == STATE_OFF
    async_fire_time_changed(hass, dt_util.utcnow() + timedelta(seconds=601))
    await hass.async_block_till_done()
    assert state_of(hass, "switch", "led") == STATE_UNAVAILABLE


async def test_remove_stale_device(
    hass: HomeAssistant,
    hass_ws_client: Any,
    node: ScriptedNode,
    loaded_entry: MockConfigEntry,
    device_registry: dr.DeviceRegistry,
) -> None:
    assert await async_setup_component(hass, "config", {})
    await announce(node)
    await wait_for(lambda: state_of(hass, "switch", "led") == STATE_OFF)
    device = device_registry.async_get_device_by_identifier(
        (DOMAIN, "01PYIOTENTRY:mqtt-2"), loaded_entry.entry_id
    )
    assert device is not None
    client = await hass_ws_client(hass)

    async def remove() -> bool:
        await client.send_json_auto_id(
            {
                "type": "config/device_registry/remove_config_entry",
                "config_entry_id": loaded_entry.entry_id,
                "device_id": device.id,
            }
        )
        response = await client.receive_json()
        return bool(response["success"])

    assert not await remove(), "an online node must not be deletable"
    loaded_entry.runtime_data.node_lost("mqtt-2")
    assert await remove()
    assert device_registry.async_get(device.id) is None
    assert "mqtt-2" not in loaded_entry.runtime_data.nodes


async def test_diagnostics(
    hass: HomeAssistant,
    hass_client: ClientSessionGenerator,
    node: ScriptedNode,
    loaded_entry: MockConfigEntry,
    snapshot: SnapshotAssertion,
) -> None:
    await announce(node)
    await wait_for(lambda: state_of(hass, "sensor", "humidity") == "45.07")
    diagnostics = await get_diagnostics_for_config_entry(hass, hass_client, loaded_entry)
    diagnostics["transport"]["nodes"]["mqtt-2"].pop("last_check_age", None)
    assert diagnostics == snapshot


async def test_setup_waits_for_mqtt(hass: HomeAssistant, pyiot_entry: MockConfigEntry) -> None:
    """Without the MQTT integration the entry retries later."""
    assert not await hass.config_entries.async_setup(pyiot_entry.entry_id)
    assert pyiot_entry.state is ConfigEntryState.SETUP_RETRY


async def test_unload_while_the_subscription_is_pending(
    hass: HomeAssistant, mqtt_entry: MockConfigEntry, pyiot_entry: MockConfigEntry
) -> None:
    """Setup does not wait for the broker; unloading before it answered leaves no subscription."""
    assert await hass.config_entries.async_setup(pyiot_entry.entry_id)
    start = pyiot_entry.runtime_data._start_task
    assert start is not None
    assert not start.done(), "still waiting for the broker's confirmation"
    assert await hass.config_entries.async_unload(pyiot_entry.entry_id)
    await hass.async_block_till_done()
    client = hass.data["mqtt"].client
    assert not any(sub.topic == "node/#" for sub in client.subscriptions)


async def test_home_assistant_stop_stops_the_gateway(
    hass: HomeAssistant, node: ScriptedNode, loaded_entry: MockConfigEntry
) -> None:
    await announce(node)
    await wait_for(lambda: state_of(hass, "switch", "led") == STATE_OFF)
    hass.bus.async_fire(EVENT_HOMEASSISTANT_STOP)
    await hass.async_block_till_done()
    assert loaded_entry.runtime_data.transport.diagnostics()["running"] is False
