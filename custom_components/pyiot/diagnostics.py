"""Diagnostics of an entry: its data and options, and what its system reports, redacted."""

import re
from typing import Any

from homeassistant.components.diagnostics import async_redact_data
from homeassistant.core import HomeAssistant

from .kinds import PyIoTConfigEntry
from .systems import entry_kind

TO_REDACT = {"mac", "configuration_url", "ip", "host", "password", "token", "username"}
MAC_ADDRESS = re.compile(
    r"(?<![0-9A-Fa-f])(?<![0-9A-Fa-f][:-])"  # not the tail of a longer group
    r"(?:[0-9A-Fa-f]{2}[:-]){5}[0-9A-Fa-f]{2}"
    r"(?![0-9A-Fa-f])(?![:-][0-9A-Fa-f]{2}(?![0-9A-Za-z]))"  # nor its head (`:temperature` may follow)
)
"""A MAC or Bluetooth address: FmPyIOT and BLE devices are known by theirs, in keys and ids too."""


async def async_get_config_entry_diagnostics(hass: HomeAssistant, entry: PyIoTConfigEntry) -> dict[str, Any]:
    """Everything a maintainer needs to understand what the entry sees."""
    body = {
        "entry": {"data": dict(entry.data), "options": dict(entry.options)},
        **entry.runtime_data.diagnostics(),
    }
    redacted: dict[str, Any] = pseudonymise_addresses(
        async_redact_data(body, TO_REDACT | entry_kind(entry).redact)
    )
    return redacted


def pseudonymise_addresses(data: Any) -> Any:
    """`data` with every MAC address (in keys and strings) replaced by `address_<n>`.

    The same address gets the same name throughout, so that a node's records still match up.
    """
    names: dict[str, str] = {}

    def name(match: re.Match[str]) -> str:
        address = match.group(0).lower().replace("-", ":")
        return names.setdefault(address, f"address_{len(names) + 1}")

    def walk(value: Any) -> Any:
        if isinstance(value, str):
            return MAC_ADDRESS.sub(name, value)
        if isinstance(value, dict):
            return {walk(key) if isinstance(key, str) else key: walk(item) for key, item in value.items()}
        if isinstance(value, list | tuple):
            return [walk(item) for item in value]
        return value

    return walk(data)
