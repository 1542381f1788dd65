"""Pyaiot nodes over MQTT: Home Assistant's MQTT client → the core's Pyaiot gateway → the node hub."""

from homeassistant.components import mqtt
from homeassistant.core import HomeAssistant
from homeassistant.exceptions import ConfigEntryNotReady

from ...const import DOMAIN, LOGGER
from ...core.protocols.pyaiot.mqtt import PyaiotMqttGateway
from ...hub import NodeHub
from ...hub.mqtt import HassMqttLink
from .const import CONF_NODE_TIMEOUT, DEFAULT_NODE_TIMEOUT


async def async_create_gateway(hass: HomeAssistant, hub: NodeHub) -> PyaiotMqttGateway:
    """A gateway on HA's broker reporting to `hub`; not ready while the MQTT integration is not."""
    if not await mqtt.async_wait_for_mqtt_client(hass):
        raise ConfigEntryNotReady(translation_domain=DOMAIN, translation_key="mqtt_not_ready")
    return PyaiotMqttGateway(
        HassMqttLink(hass),
        hub,
        node_timeout=float(hub.entry.options.get(CONF_NODE_TIMEOUT, DEFAULT_NODE_TIMEOUT)),
        logger=LOGGER.getChild("pyaiot"),
    )
