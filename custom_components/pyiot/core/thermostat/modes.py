"""HVAC modes and actions, with the same string values as Home Assistant's climate platform."""

from enum import StrEnum


class HvacMode(StrEnum):
    """What the user asked the zone to do."""

    OFF = "off"
    HEAT = "heat"
    COOL = "cool"
    HEAT_COOL = "heat_cool"


class HvacAction(StrEnum):
    """What the equipment is doing."""

    OFF = "off"
    HEATING = "heating"
    COOLING = "cooling"
    IDLE = "idle"
