"""Typed config entry of PyIoT."""

from homeassistant.config_entries import ConfigEntry

from .hub import NodeHub

type PyIoTConfigEntry = ConfigEntry[NodeHub]
