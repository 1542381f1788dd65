"""The registry of PyIoT's systems and the kinds of config entry each of them brings.

One package per system: its flow steps, options flow, runtime, services, diagnostics and entities of
its own. To add a system: its package (declaring a `System`), one line in `SYSTEMS` here, its flow
steps in `flows.py`, and its strings in `translations/en.json`.
"""

from typing import Any

from homeassistant.config_entries import ConfigEntry
from homeassistant.core import HomeAssistant

from ..const import CONF_ENTRY_TYPE
from ..kinds import EntryKind
from .ble import BLE_SYSTEM
from .fmpyiot import FMPYIOT_SYSTEM
from .pyaiot import PYAIOT_SYSTEM
from .rpymostat import RPYMOSTAT_SYSTEM
from .system import System
from .thermostat import THERMOSTAT_SYSTEM

SYSTEMS: tuple[System, ...] = (PYAIOT_SYSTEM, THERMOSTAT_SYSTEM, RPYMOSTAT_SYSTEM, FMPYIOT_SYSTEM, BLE_SYSTEM)

ENTRY_KINDS: dict[str, EntryKind[Any]] = {kind.key: kind for system in SYSTEMS for kind in system.kinds}
"""Every kind of entry by its key, in the order the config flow's menu offers them."""


class UnknownEntryKindError(KeyError):
    """An entry of a kind this version does not know (written by a newer version)."""


def entry_kind(entry: ConfigEntry) -> EntryKind[Any]:
    """The kind of `entry`."""
    try:
        return ENTRY_KINDS[entry.data[CONF_ENTRY_TYPE]]
    except KeyError as err:
        raise UnknownEntryKindError(entry.data.get(CONF_ENTRY_TYPE)) from err


def async_setup_services(hass: HomeAssistant) -> None:
    """Register the actions of every system."""
    for system in SYSTEMS:
        if system.async_setup_services is not None:
            system.async_setup_services(hass)


__all__ = ["ENTRY_KINDS", "SYSTEMS", "System", "UnknownEntryKindError", "async_setup_services", "entry_kind"]
