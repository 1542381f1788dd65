"""The sensors of RPyMostat hosts, snapshotted with HA's `snapshot_platform`."""

from unittest.mock import MagicMock

from freezegun.api import FrozenDateTimeFactory
from homeassistant.const import Platform
from homeassistant.core import HomeAssistant
from homeassistant.helpers import entity_registry as er
from pytest_homeassistant_custom_component.common import MockConfigEntry, snapshot_platform
from syrupy.assertion import SnapshotAssertion

from tests.support.entries import entry_loaded
from tests.support.platforms import only_platform
from tests.support.rpymostat_host import owfs_reading
from tests.systems.rpymostat.test_rpymostat_entry import NOW, pi_host


async def test_sensor_platform(
    hass: HomeAssistant,
    mock_async_zeroconf: MagicMock,
    rpymostat_entry: MockConfigEntry,
    rpymostat_port: int,
    freezer: FrozenDateTimeFactory,
    entity_registry: er.EntityRegistry,
    snapshot: SnapshotAssertion,
) -> None:
    freezer.move_to(NOW)
    with only_platform("rpymostat", Platform.SENSOR):
        async for entry in entry_loaded(hass, rpymostat_entry):
            host = pi_host(rpymostat_port, {"1058F50F01080047": owfs_reading(24.3125, alias="hall")})
            assert await host.read_and_send() == 201
            await hass.async_block_till_done()
            await snapshot_platform(hass, entity_registry, snapshot, entry.entry_id)
