"""Constants of the Pyaiot system."""

from typing import Final

PYAIOT_MQTT: Final = "pyaiot_mqtt"
"""Entry kind: every Pyaiot node on Home Assistant's MQTT broker."""

CONF_NODE_TIMEOUT: Final = "node_timeout"
DEFAULT_NODE_TIMEOUT: Final = 120
MIN_NODE_TIMEOUT: Final = 30
MAX_NODE_TIMEOUT: Final = 3600

CHECK_TOPIC: Final = "node/check"
"""Every node announces itself here at boot and every 30 s; the manifest's MQTT discovery topic."""
