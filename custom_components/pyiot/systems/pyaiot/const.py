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

PYAIOT_COAP: Final = "pyaiot_coap"
"""Entry kind: PyIoT is the CoAP gateway of Pyaiot nodes, on one UDP port."""
PYAIOT_WS: Final = "pyaiot_ws"
"""Entry kind: PyIoT is the WebSocket gateway Pyaiot nodes connect to, on one TCP port."""
PYAIOT_BROKER: Final = "pyaiot_broker"
"""Entry kind: PyIoT is a web client of an existing Pyaiot broker."""

CONF_NODE_PORT: Final = "node_port"
"""Port of a CoAP node's resources; 0: the port its alive came from."""
DEFAULT_NODE_PORT: Final = 0
CONF_REREAD_INTERVAL: Final = "reread_interval"
"""Seconds between re-reads of CoAP resources neither pushed nor observed; 0: never."""
MAX_REREAD_INTERVAL: Final = 86_400
DEFAULT_RATE_LIMIT: Final = 1.0
MAX_RATE_LIMIT: Final = 1000.0
