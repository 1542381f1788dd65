"""Bad input from the network: logged once per node and problem, dropped, no entity changes."""

import asyncio
import json
import logging

from homeassistant.const import STATE_OFF
from homeassistant.core import HomeAssistant
import pytest
from pytest_homeassistant_custom_component.common import MockConfigEntry

from custom_components.pyiot.hub import mqtt as mqtt_link
from custom_components.pyiot.hub.mqtt import HassMqttLink
from tests.support.scripted_node import ScriptedNode, wait_for
from tests.systems.pyaiot.test_nodes import announce, state_of

BAD_MESSAGES: list[tuple[str, bytes]] = [
    ("node/check", b"not json"),
    ("node/check", b'{"id": 5}'),
    ("node/check", b'{"ident": "x"}'),
    ("node/check", json.dumps({"id": "a/b"}).encode()),
    ("node/check", json.dumps({"id": "a+#"}).encode()),
    ("node/mqtt-2/resources", b'{"not": "a list"}'),
    ("node/mqtt-2/resources", b"[1, 2, 3]"),
    ("node/mqtt-2/temperature", b'{"value": {"nested": true}}'),
    ("node/mqtt-2/temperature", b'{"value": "hot"}'),
    ("node/mqtt-2/temperature", b'{"value": NaN}'),
    ("node/mqtt-2/temperature", b'{"temp": "23\xc2\xb0C"}'),
    ("node/mqtt-2/temperature", b"\xff\xfe\xfd"),
    ("node/mqtt-2/temperature", b'{"value": "' + b"9" * 70_000 + b'"}'),
    ("node/mqtt-2/a/b/c", b'{"value": 1}'),
    ("node/mqtt-2", b'{"value": 1}'),
]


@pytest.mark.allow_pyiot_warnings
async def test_bad_messages_change_nothing_and_log_once(
    hass: HomeAssistant, node: ScriptedNode, caplog: pytest.LogCaptureFixture
) -> None:
    await announce(node)
    await wait_for(lambda: state_of(hass, "sensor", "humidity") == "45.07")
    entities_before = {state.entity_id: state.state for state in hass.states.async_all()}

    caplog.clear()
    with caplog.at_level(logging.WARNING):
        for _ in range(2):  # every bad message twice: still one line per node and problem
            for topic, payload in BAD_MESSAGES:
                await node.publish(topic, payload)
        await node.value("temperature", "19.0°C")  # a good message after the garbage still works
        await wait_for(lambda: state_of(hass, "sensor", "temperature") == "19.0")

    entities_after = {state.entity_id: state.state for state in hass.states.async_all()}
    entities_before[next(e for e in entities_before if e.endswith("_temperature"))] = "19.0"
    assert entities_after == entities_before
    assert state_of(hass, "switch", "led") == STATE_OFF

    warnings = [record for record in caplog.records if record.levelno >= logging.WARNING]
    lines = [record.getMessage() for record in warnings]
    assert len(lines) == len(set(lines)), "each problem is logged once"
    assert all(record.name.startswith("custom_components.pyiot") for record in warnings)
    assert "Traceback" not in caplog.text
    assert any("not_json" in line or "JSON" in line for line in lines)


async def test_subscription_not_confirmed_in_time(
    hass: HomeAssistant, mqtt_entry: MockConfigEntry, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A broker that is slow to confirm does not block setup; the subscription completes later."""
    monkeypatch.setattr(mqtt_link, "SUBSCRIBE_TIMEOUT", 0)
    received: list[tuple[str, bytes]] = []
    link = HassMqttLink(hass)
    unsubscribe = await link.async_subscribe(
        "slow/#", lambda topic, payload: received.append((topic, payload))
    )
    assert received == []
    async with asyncio.timeout(5):
        while not received:
            await link.async_publish("slow/1", "x")
            await asyncio.sleep(0.1)
    assert received[0] == ("slow/1", b"x")
    unsubscribe()


async def test_remove_entry_deletes_storage(
    hass: HomeAssistant, node: ScriptedNode, loaded_entry: MockConfigEntry, hass_storage: dict
) -> None:
    await announce(node)
    await wait_for(lambda: state_of(hass, "switch", "led") == STATE_OFF)
    assert await hass.config_entries.async_unload(loaded_entry.entry_id)
    assert "pyiot.01PYIOTENTRY" in hass_storage
    await hass.config_entries.async_remove(loaded_entry.entry_id)
    await hass.async_block_till_done()
    assert "pyiot.01PYIOTENTRY" not in hass_storage
