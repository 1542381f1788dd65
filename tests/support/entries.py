"""Config entries set up for the length of a test."""

from collections.abc import AsyncGenerator

from homeassistant.config_entries import ConfigEntryState
from homeassistant.core import HomeAssistant
from pytest_homeassistant_custom_component.common import MockConfigEntry


async def entry_loaded(hass: HomeAssistant, entry: MockConfigEntry) -> AsyncGenerator[MockConfigEntry]:
    """Set `entry` up, yield it, and unload it afterwards unless the test already did."""
    assert await hass.config_entries.async_setup(entry.entry_id)
    await hass.async_block_till_done()
    assert entry.state is ConfigEntryState.LOADED
    yield entry
    if entry.state is ConfigEntryState.LOADED:
        assert await hass.config_entries.async_unload(entry.entry_id)
        await hass.async_block_till_done()
