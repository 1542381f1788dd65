"""Constants of the RPyMostat system: the port in the entry's data (reconfigure), the rest in options."""

from typing import Final

RPYMOSTAT: Final = "rpymostat"
"""Entry kind: RPyMostat sensor hosts, PyIoT acting as their Engine on one port."""

CONF_ADVERTISE: Final = "advertise"
DEFAULT_PORT: Final = 8088
DEFAULT_RATE_LIMIT: Final = 1.0
MAX_RATE_LIMIT: Final = 100.0
