"""Pyaiot (https://github.com/pyaiot/pyaiot): RIOT-OS nodes over MQTT, CoAP or WebSocket, or a Pyaiot broker.

PyIoT is the Pyaiot gateway for MQTT (on HA's broker), CoAP (a UDP port) and WebSocket (a TCP port)
nodes, or a web client of an existing Pyaiot deployment's broker. The protocols are
`core.protocols.pyaiot`; the nodes become entities through the shared node hub.
"""

from ...core.nodes import AdmissionLimits, AdmitWhen
from ...hub import node_entry_kind
from ...kinds import Discovery, mqtt_topic
from ..system import System
from .broker import async_create_client
from .coap import async_create_gateway as async_create_coap_gateway
from .config_flow import (
    PyaiotBrokerOptionsFlow,
    PyaiotCoapOptionsFlow,
    PyaiotMqttOptionsFlow,
    PyaiotWsOptionsFlow,
)
from .const import CHECK_TOPIC, PYAIOT_BROKER, PYAIOT_COAP, PYAIOT_MQTT, PYAIOT_WS
from .mqtt import async_create_gateway
from .ws import async_create_gateway as async_create_ws_gateway

ADDRESSES_REDACTED = frozenset({"address", "bound", "addresses", "connected_from", "url"})
"""Node and local addresses, and the broker's URL (it may carry credentials)."""

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
        node_entry_kind(
            key=PYAIOT_COAP,
            create_transport=async_create_coap_gateway,
            options_flow=PyaiotCoapOptionsFlow,
            reconfigure_step="reconfigure_pyaiot_coap",
            redact=ADDRESSES_REDACTED,
            # Anyone on the network can send CoAP: a node is a device after an alive and a link list
            # from the address it announced, at the rates and caps of the entry's options.
            admit_when=AdmitWhen.HANDSHAKE,
            limits=AdmissionLimits(),
        ),
        node_entry_kind(
            key=PYAIOT_WS,
            create_transport=async_create_ws_gateway,
            options_flow=PyaiotWsOptionsFlow,
            reconfigure_step="reconfigure_pyaiot_ws",
            redact=ADDRESSES_REDACTED,
            # Behind an allow-list (and an optional token), still the whole local network: new nodes
            # are admitted at their first update, at the rate and caps of the options.
            limits=AdmissionLimits(),
        ),
        node_entry_kind(
            key=PYAIOT_BROKER,
            create_transport=async_create_client,
            options_flow=PyaiotBrokerOptionsFlow,
            reconfigure_step="reconfigure_pyaiot_broker",
            redact=ADDRESSES_REDACTED,
            # The broker's gateways admit nodes by their own rules: the caps bound what it can bring.
            limits=AdmissionLimits(),
        ),
    ),
)
