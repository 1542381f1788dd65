"""Typed config entry of PyIoT: a node hub or a thermostat zone, by entry type."""

from homeassistant.config_entries import ConfigEntry

from .adapters.thermostat import ThermostatZone
from .hub import NodeHub

type PyIoTRuntime = NodeHub | ThermostatZone
type PyIoTConfigEntry = ConfigEntry[PyIoTRuntime]
