"""A flood of junk from anyone on the broker, under every MQTT transport.

No device from it, a few log lines, and a real node still gets in.
"""

import logging
from typing import Any

from homeassistant.core import HomeAssistant
import pytest
from pytest_homeassistant_custom_component.common import MockConfigEntry

from custom_components.pyiot.hub.storage import storage_key
from tests.reliability.conftest import RestartableBroker
from tests.reliability.states import entry_devices, temperature_known
from tests.reliability.transports import ENTRY_ID, SimNode, TransportCase, until
from tests.support.aiomqtt_link import AiomqttLink

JUNK_MESSAGES = 3_000
MAX_WARNING_LINES = 50


@pytest.mark.allow_pyiot_warnings
async def test_junk_makes_no_device_and_few_log_lines(
    hass: HomeAssistant,
    case: TransportCase,
    mqtt_entry: MockConfigEntry,
    pyiot_entry: MockConfigEntry,
    mqtt_broker: RestartableBroker,
    node: SimNode,
    hass_storage: dict[str, Any],
    caplog: pytest.LogCaptureFixture,
) -> None:
    assert await hass.config_entries.async_setup(ENTRY_ID)
    await hass.async_block_till_done()
    caplog.clear()
    with caplog.at_level(logging.WARNING):
        async with AiomqttLink(mqtt_broker.host, mqtt_broker.port) as attacker:
            for topic, payload in case.junk(JUNK_MESSAGES):
                await attacker.async_publish(topic, payload)
            # The flood is in flight when the real node boots.
            await node.appear()
            await until(
                lambda: temperature_known(hass, case),
                tick=node.tick,
                timeout=60,
            )
        await hass.async_block_till_done()

    assert len(entry_devices(hass)) == 1, "the real node only"
    ours = [
        record.getMessage()
        for record in caplog.records
        if record.levelno >= logging.WARNING and record.name.startswith("custom_components.pyiot")
    ]
    assert len(ours) < MAX_WARNING_LINES, ours[:5]
    assert len(ours) == len(set(ours)), "each line once"
    # HA's own MQTT client warns of every undecodable `node/check` (its discovery subscription for the
    # manifest's matcher decodes UTF-8): that is HA's line, not ours. Nothing may be an error.
    errors = [record.getMessage() for record in caplog.records if record.levelno >= logging.ERROR]
    assert errors == []
    assert "Traceback" not in caplog.text
    assert await hass.config_entries.async_unload(ENTRY_ID)
    assert len(hass_storage[storage_key(ENTRY_ID)]["data"]["nodes"]) == 1, "nothing of the junk is saved"
