"""Pyaiot (https://github.com/pyaiot/pyaiot): RIOT-OS nodes, here over Home Assistant's MQTT broker.

PyIoT is the Pyaiot gateway: the protocol is `core.protocols.pyaiot`, the nodes become entities
through the shared node hub.
"""

from ...core.nodes import AdmissionLimits, AdmitWhen
from ...hub import node_entry_kind
from ...kinds import Discovery, mqtt_topic
from ..system import System
from .config_flow import PyaiotMqttOptionsFlow
from .const import CHECK_TOPIC, PYAIOT_MQTT
from .mqtt import async_create_gateway

PYAIOT_SYSTEM = System(
    name="Pyaiot",
    kinds=(
        node_entry_kind(
            key=PYAIOT_MQTT,
            create_transport=async_create_gateway,
            options_flow=PyaiotMqttOptionsFlow,
            discoveries=(
                Discovery(source="mqtt", step="pyaiot_mqtt_discovery", matches=mqtt_topic(CHECK_TOPIC)),
            ),
            # Anyone on the broker can publish `node/<id>/...`: a node is a device after its `node/check`
            # and resource list, at the rates and caps of the entry's options.
            admit_when=AdmitWhen.HANDSHAKE,
            limits=AdmissionLimits(),
        ),
    ),
)
