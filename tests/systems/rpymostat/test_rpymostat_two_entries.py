"""One RPyMostat host sending to two entries (two ports) gets one device per entry, each with its entities.

Version 1 scoped unique ids by entry type: the second entry's entities were refused by HA ("does not
generate unique IDs").
"""

from collections.abc import AsyncGenerator
from unittest.mock import MagicMock

from homeassistant.core import HomeAssistant
from homeassistant.helpers import device_registry as dr, entity_registry as er
import pytest
from pytest_homeassistant_custom_component.common import MockConfigEntry

from custom_components.pyiot.const import CONF_ENTRY_TYPE, DOMAIN, ENTRY_VERSION
from custom_components.pyiot.systems.rpymostat.engine import title, unique_id
from tests.support.entries import entry_loaded
from tests.support.mosquitto import free_port
from tests.support.rpymostat_host import UpstreamSensorHost, owfs_reading, raspberry_pi_host_id

PI = raspberry_pi_host_id("4 Model B 1.4 4GB (Q2 2019 Sony)", "10000000a1b2c3d4")
SENSOR = "1058F50F01080047"


async def _loaded(hass: HomeAssistant, entry_id: str) -> AsyncGenerator[MockConfigEntry]:
    port = free_port()
    entry = MockConfigEntry(
        domain=DOMAIN,
        title=title(port),
        unique_id=unique_id(port),
        data={CONF_ENTRY_TYPE: "rpymostat", "port": port},
        options={"allowed_networks": "", "rate_limit": 0.0, "advertise": False},
        entry_id=entry_id,
        version=ENTRY_VERSION,
    )
    entry.add_to_hass(hass)
    async for loaded in entry_loaded(hass, entry):
        yield loaded


@pytest.fixture
async def first(
    hass: HomeAssistant, socket_enabled: None, mock_async_zeroconf: MagicMock
) -> AsyncGenerator[MockConfigEntry]:
    async for entry in _loaded(hass, "01FIRSTENGINE"):
        yield entry


@pytest.fixture
async def second(hass: HomeAssistant, first: MockConfigEntry) -> AsyncGenerator[MockConfigEntry]:
    async for entry in _loaded(hass, "01SECONDENGINE"):
        yield entry


async def test_one_host_two_entries(
    hass: HomeAssistant,
    first: MockConfigEntry,
    second: MockConfigEntry,
    device_registry: dr.DeviceRegistry,
    entity_registry: er.EntityRegistry,
    caplog: pytest.LogCaptureFixture,
) -> None:
    for entry, value in ((first, 20.5), (second, 21.5)):
        port = int(entry.data["port"])
        host = UpstreamSensorHost("127.0.0.1", port, PI, lambda value=value: {SENSOR: owfs_reading(value)})
        assert await host.read_and_send() == 201
        assert host.errors == []
    await hass.async_block_till_done()

    assert "does not generate unique IDs" not in caplog.text
    for entry, value in ((first, "20.5"), (second, "21.5")):
        devices = dr.async_entries_for_config_entry(device_registry, entry.entry_id)
        assert [device.identifiers for device in devices] == [{(DOMAIN, f"{entry.entry_id}:{PI}")}]
        entity_id = entity_registry.async_get_entity_id("sensor", DOMAIN, f"{entry.entry_id}:{PI}:{SENSOR}")
        assert entity_id is not None
        assert hass.states.get(entity_id).state == value
