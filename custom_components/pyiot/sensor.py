"""Sensors: node values, a zone's decision and learning; each entry's system adds its own."""

from homeassistant.const import Platform

from .entity_platform import setup_entry_for

PARALLEL_UPDATES = 0

async_setup_entry = setup_entry_for(Platform.SENSOR)
