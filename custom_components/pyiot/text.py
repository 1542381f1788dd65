"""Text entities: writable free-text points of nodes; each entry's system adds its own."""

from homeassistant.const import Platform

from .entity_platform import setup_entry_for

PARALLEL_UPDATES = 1

async_setup_entry = setup_entry_for(Platform.TEXT)
