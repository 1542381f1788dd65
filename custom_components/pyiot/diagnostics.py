"""Diagnostics of an entry: its data and options, and what its system reports, redacted."""

from typing import Any

from homeassistant.components.diagnostics import async_redact_data
from homeassistant.core import HomeAssistant

from .kinds import PyIoTConfigEntry
from .systems import entry_kind

TO_REDACT = {"mac", "configuration_url", "ip", "host", "password", "token", "username"}


async def async_get_config_entry_diagnostics(hass: HomeAssistant, entry: PyIoTConfigEntry) -> dict[str, Any]:
    """Everything a maintainer needs to understand what the entry sees."""
    body = {
        "entry": {"data": dict(entry.data), "options": dict(entry.options)},
        **entry.runtime_data.diagnostics(),
    }
    return async_redact_data(body, TO_REDACT | entry_kind(entry).redact)
