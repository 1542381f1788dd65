"""The climate entity and sensors of a zone, snapshotted with HA's `snapshot_platform`."""

from homeassistant.const import Platform
from homeassistant.core import HomeAssistant
from homeassistant.helpers import entity_registry as er
import pytest
from pytest_homeassistant_custom_component.common import MockConfigEntry, snapshot_platform
from syrupy.assertion import SnapshotAssertion

from tests.support.entries import entry_loaded
from tests.support.platforms import only_platform


@pytest.mark.parametrize("platform", [Platform.CLIMATE, Platform.SENSOR])
async def test_platform(
    hass: HomeAssistant,
    equipment: None,
    zone_entry: MockConfigEntry,
    platform: Platform,
    entity_registry: er.EntityRegistry,
    snapshot: SnapshotAssertion,
) -> None:
    with only_platform("thermostat", platform):
        async for entry in entry_loaded(hass, zone_entry):
            for entity in er.async_entries_for_config_entry(entity_registry, entry.entry_id):
                if entity.disabled_by is not None:  # diagnostic sensors off by default
                    entity_registry.async_update_entity(entity.entity_id, disabled_by=None)
            await snapshot_platform(hass, entity_registry, snapshot, entry.entry_id)
