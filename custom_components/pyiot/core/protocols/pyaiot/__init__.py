"""Pyaiot (https://github.com/pyaiot/pyaiot): the MQTT node protocol, without Home Assistant."""

from .mqtt import ADMIT_WHEN, DropReason, PyaiotMqttGateway
from .resources import (
    INFO_RESOURCES,
    KNOWN_RESOURCES,
    ValueFormatError,
    format_command,
    node_info,
    parse_value,
    point_for_resource,
)

__all__ = [
    "ADMIT_WHEN",
    "INFO_RESOURCES",
    "KNOWN_RESOURCES",
    "DropReason",
    "PyaiotMqttGateway",
    "ValueFormatError",
    "format_command",
    "node_info",
    "parse_value",
    "point_for_resource",
]
