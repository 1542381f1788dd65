"""Diagnostics: the entry, every node the hub knows and the transport's own counters."""

from typing import Any

from homeassistant.components.diagnostics import async_redact_data
from homeassistant.core import HomeAssistant

from .models import PyIoTConfigEntry

TO_REDACT = {"mac", "configuration_url", "ip", "host", "password", "token", "username"}


async def async_get_config_entry_diagnostics(hass: HomeAssistant, entry: PyIoTConfigEntry) -> dict[str, Any]:
    """Everything a maintainer needs to understand what the entry sees."""
    hub = entry.runtime_data
    transport_diagnostics = getattr(hub.transport, "diagnostics", None)
    return async_redact_data(
        {
            "entry": {"data": dict(entry.data), "options": dict(entry.options)},
            "nodes": {
                node_id: {
                    "info": state.info.as_dict(),
                    "available": state.available,
                    "points": [point.as_dict() for point in state.points.values()],
                    "values": {key: repr(value) for key, value in state.values.items()},
                }
                for node_id, state in hub.nodes.items()
            },
            "transport": transport_diagnostics() if callable(transport_diagnostics) else None,
        },
        TO_REDACT,
    )
