"""Version 1 entries migrate to ids scoped per entry, keeping entity ids, history and customisations."""

from unittest.mock import MagicMock

from homeassistant.config_entries import ConfigEntryState
from homeassistant.core import HomeAssistant
from homeassistant.helpers import device_registry as dr, entity_registry as er
import pytest
from pytest_homeassistant_custom_component.common import MockConfigEntry

from custom_components.pyiot import async_migrate_entry
from custom_components.pyiot.const import DOMAIN, ENTRY_VERSION
from custom_components.pyiot.systems.rpymostat.engine import title, unique_id
from tests.support.mosquitto import free_port

HOST = "RaspberryPi/3 Model B 1.2 1024MB (Q1 2016 Sony)/2f1a7c3b"


def v1_rpymostat_entry(hass: HomeAssistant, entry_id: str) -> MockConfigEntry:
    port = free_port()
    entry = MockConfigEntry(
        domain=DOMAIN,
        title=title(port),
        unique_id=unique_id(port),
        data={"entry_type": "rpymostat", "port": port},
        options={"allowed_networks": "", "rate_limit": 0.0, "advertise": False},
        entry_id=entry_id,
        version=1,
    )
    entry.add_to_hass(hass)
    return entry


def v1_device_and_entity(
    hass: HomeAssistant, entry: MockConfigEntry, *, with_entity: bool
) -> tuple[dr.DeviceEntry, er.RegistryEntry | None]:
    """What version 1 registered for the host: `rpymostat:`-scoped ids."""
    device = dr.async_get(hass).async_get_or_create(
        config_entry_id=entry.entry_id,
        identifiers={(DOMAIN, f"rpymostat:{HOST}")},
        name="Raspberry Pi 2f1a7c3b",
    )
    if not with_entity:
        return device, None
    entity = er.async_get(hass).async_get_or_create(
        "sensor",
        DOMAIN,
        f"rpymostat:{HOST}:1058F50F01080047",
        config_entry=entry,
        device_id=device.id,
        suggested_object_id="hall_temperature",
    )
    return device, entity


async def test_v1_entries_migrate(
    hass: HomeAssistant,
    socket_enabled: None,
    mock_async_zeroconf: MagicMock,
    device_registry: dr.DeviceRegistry,
    entity_registry: er.EntityRegistry,
) -> None:
    first = v1_rpymostat_entry(hass, "01FIRSTENGINE")
    second = v1_rpymostat_entry(hass, "01SECONDENGINE")
    device, entity = v1_device_and_entity(hass, first, with_entity=True)
    assert entity is not None
    entity_registry.async_update_entity(entity.entity_id, name="Hall", icon="mdi:sofa")
    device_registry.async_update_device(device.id, name_by_user="Pi in the hall")
    # Version 1 gave the second entry no entity (its unique id collided); HA split the device.
    split, _ = v1_device_and_entity(hass, second, with_entity=False)

    assert await hass.config_entries.async_setup(first.entry_id)  # sets up every PyIoT entry
    await hass.async_block_till_done()
    for entry in (first, second):
        assert entry.state is ConfigEntryState.LOADED
        assert entry.version == ENTRY_VERSION

    migrated = entity_registry.async_get(entity.entity_id)
    assert migrated is not None
    assert migrated.unique_id == f"01FIRSTENGINE:{HOST}:1058F50F01080047"
    assert (migrated.entity_id, migrated.name, migrated.icon) == (
        "sensor.hall_temperature",
        "Hall",
        "mdi:sofa",
    )
    assert migrated.device_id == device.id
    kept = device_registry.async_get(device.id)
    assert kept.identifiers == {(DOMAIN, f"01FIRSTENGINE:{HOST}")}
    assert kept.name_by_user == "Pi in the hall"
    assert device_registry.async_get(split.id).identifiers == {(DOMAIN, f"01SECONDENGINE:{HOST}")}

    # The hub finds its node behind the migrated device: an offline node may be deleted.
    assert first.runtime_data.async_remove_device(kept)
    for entry in (first, second):
        assert await hass.config_entries.async_unload(entry.entry_id)


async def test_entry_of_a_newer_version_is_left_alone(hass: HomeAssistant) -> None:
    entry = MockConfigEntry(
        domain=DOMAIN, data={"entry_type": "rpymostat", "port": 1}, version=ENTRY_VERSION + 1
    )
    entry.add_to_hass(hass)
    assert not await hass.config_entries.async_setup(entry.entry_id)
    assert entry.state is ConfigEntryState.MIGRATION_ERROR


@pytest.mark.allow_pyiot_warnings
async def test_entry_of_an_unknown_kind_is_not_set_up(hass: HomeAssistant) -> None:
    entry = MockConfigEntry(domain=DOMAIN, data={"entry_type": "teleporter"}, version=1)
    entry.add_to_hass(hass)
    assert not await hass.config_entries.async_setup(entry.entry_id)
    assert entry.state is ConfigEntryState.MIGRATION_ERROR


async def test_thermostat_entries_only_change_version(hass: HomeAssistant) -> None:
    """Zones scoped their ids by entry from the start: nothing to rewrite."""
    entry = MockConfigEntry(domain=DOMAIN, data={"entry_type": "thermostat", "name": "Hall"}, version=1)
    entry.add_to_hass(hass)
    assert await async_migrate_entry(hass, entry)
    assert entry.version == ENTRY_VERSION
