"""Pyaiot nodes over MQTT: Home Assistant's MQTT client → the core's Pyaiot gateway → the node hub."""

from homeassistant.components import mqtt
from homeassistant.core import HomeAssistant
from homeassistant.exceptions import ConfigEntryNotReady

from ...const import DOMAIN, LOGGER
from ...core.protocols.pyaiot.mqtt import QOS, SUBSCRIPTION, PyaiotMqttGateway
from ...hub import NodeHub
from ...hub.mqtt import HassMqttLink, async_follow_connection
from .const import CONF_NODE_TIMEOUT, DEFAULT_NODE_TIMEOUT


async def async_create_gateway(hass: HomeAssistant, hub: NodeHub) -> PyaiotMqttGateway:
    """A gateway on HA's broker reporting to `hub`; not ready while the MQTT integration is not.

    It knows the nodes the hub restored (asked for their values as soon as it runs), and follows HA's
    MQTT client: every node is unavailable while the broker is away, and asked again once it is back.
    """
    if not await mqtt.async_wait_for_mqtt_client(hass):
        raise ConfigEntryNotReady(translation_domain=DOMAIN, translation_key="mqtt_not_ready")
    gateway = PyaiotMqttGateway(
        HassMqttLink(hass),
        hub,
        node_timeout=float(hub.entry.options.get(CONF_NODE_TIMEOUT, DEFAULT_NODE_TIMEOUT)),
        limits=hub.gate.limits,
        logger=LOGGER.getChild("pyaiot"),
    )
    gateway.restore_nodes({node_id: state.points for node_id, state in hub.nodes.items()})
    hub.entry.async_on_unload(
        async_follow_connection(
            hass, SUBSCRIPTION, QOS, on_lost=gateway.link_lost, on_restored=gateway.link_restored
        )
    )
    return gateway
