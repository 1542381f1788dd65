"""The one `async_setup_entry` of every entity platform: the entry's system adds its entities."""

from collections.abc import Awaitable, Callable

from homeassistant.const import Platform
from homeassistant.core import HomeAssistant
from homeassistant.helpers.entity_platform import AddConfigEntryEntitiesCallback

from .kinds import PyIoTConfigEntry
from .systems import entry_kind

type PlatformEntrySetup = Callable[
    [HomeAssistant, PyIoTConfigEntry, AddConfigEntryEntitiesCallback], Awaitable[None]
]


def setup_entry_for(platform: Platform) -> PlatformEntrySetup:
    """An `async_setup_entry` for `platform` that dispatches to the entry's kind."""

    async def async_setup_entry(
        hass: HomeAssistant, entry: PyIoTConfigEntry, async_add_entities: AddConfigEntryEntitiesCallback
    ) -> None:
        entry_kind(entry).platforms[platform](entry.runtime_data, async_add_entities)

    return async_setup_entry
