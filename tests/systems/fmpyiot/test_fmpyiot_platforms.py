"""Every entity platform of a simulated FmPyIOT device (MQTT and web API), with HA's `snapshot_platform`."""

import asyncio
from collections.abc import AsyncGenerator
import random
from typing import override

from homeassistant.const import Platform
from homeassistant.core import HomeAssistant
from homeassistant.helpers import entity_registry as er
import pytest
from pytest_homeassistant_custom_component.common import MockConfigEntry, snapshot_platform
from syrupy.assertion import SnapshotAssertion

from custom_components.pyiot.hub import NodeHub
from tests.support.entries import entry_loaded
from tests.support.platforms import only_platform
from tests.systems.fmpyiot.conftest import StartDevice

MAC = "28:cd:c1:00:00:01"  # make_device(0)
COMPLETE = ("/CO_TEST", "./temperature", "sysinfo#rssi", "params#push_duration", "web#logging_level")
"""Points whose values come last: from the web API, SYSINFO and PARAMS."""


class _Steady(random.Random):
    """The device's free memory does not wander between two SYSINFOs (how many there are varies)."""

    @override
    def randrange(self, start: int, stop: int | None = None, step: int = 1) -> int:
        return start


@pytest.fixture
async def device_on_one_platform(
    hass: HomeAssistant,
    request: pytest.FixtureRequest,
    mqtt_entry: MockConfigEntry,
    pyiot_entry: MockConfigEntry,
    start_device: StartDevice,
) -> AsyncGenerator[None]:
    runner = await start_device(0, web=True)
    runner.device.rng = _Steady()
    assert runner.web is not None
    web = {"host": "127.0.0.1", "port": runner.web.port, "username": "admin", "password": "secret"}
    topics = {
        "./relay": {"action": "switch"},
        "./message": {"action": "text"},
        "./speed": {"action": "number"},
    }
    options = {**pyiot_entry.options, "devices": {MAC: {"web": web, "topics": topics}}}
    hass.config_entries.async_update_entry(pyiot_entry, options=options)
    with only_platform("fmpyiot_mqtt", request.param):
        async for _ in entry_loaded(hass, pyiot_entry):
            hub = pyiot_entry.runtime_data
            assert isinstance(hub, NodeHub)
            async with asyncio.timeout(30):
                while MAC not in hub.nodes or not all(key in hub.nodes[MAC].values for key in COMPLETE):
                    await runner.feed()
                    await asyncio.sleep(0.2)
            await hass.async_block_till_done()
            yield


@pytest.mark.parametrize(
    "device_on_one_platform",
    [
        Platform.SENSOR,
        Platform.BINARY_SENSOR,
        Platform.BUTTON,
        Platform.SELECT,
        Platform.SWITCH,
        Platform.TEXT,
        Platform.NUMBER,
    ],
    indirect=True,
)
@pytest.mark.usefixtures("entity_registry_enabled_by_default")
async def test_platform(
    hass: HomeAssistant,
    device_on_one_platform: None,
    pyiot_entry: MockConfigEntry,
    entity_registry: er.EntityRegistry,
    snapshot: SnapshotAssertion,
) -> None:
    await snapshot_platform(hass, entity_registry, snapshot, pyiot_entry.entry_id)
