"""The entities of a remote IOTpy server, snapshotted with HA's `snapshot_platform`, one platform each."""

from homeassistant.const import Platform
from homeassistant.core import HomeAssistant
from homeassistant.helpers import entity_registry as er
import pytest
from pytest_homeassistant_custom_component.common import MockConfigEntry, snapshot_platform
from syrupy.assertion import SnapshotAssertion

from tests.support.entries import entry_loaded
from tests.support.platforms import only_platform
from tests.systems.iotpy.test_iotpy_server_entry import EXPOSED, poll


@pytest.mark.parametrize("server_options", [EXPOSED])
@pytest.mark.parametrize("platform", [Platform.SENSOR, Platform.NUMBER, Platform.SWITCH])
async def test_platform(
    hass: HomeAssistant,
    server_entry: MockConfigEntry,
    platform: Platform,
    entity_registry: er.EntityRegistry,
    snapshot: SnapshotAssertion,
) -> None:
    with only_platform("iotpy_server", platform):
        async for entry in entry_loaded(hass, server_entry):
            await poll(hass, entry)
            await snapshot_platform(hass, entity_registry, snapshot, entry.entry_id)
