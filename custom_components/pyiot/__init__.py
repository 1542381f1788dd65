"""PyIoT: DIY IoT systems in Home Assistant."""

from homeassistant.const import Platform
from homeassistant.core import HomeAssistant
from homeassistant.helpers import config_validation as cv, device_registry as dr
from homeassistant.helpers.typing import ConfigType

from .adapters.pyaiot_mqtt import async_create_pyaiot_mqtt
from .const import CONF_ENTRY_TYPE, DOMAIN, EntryType
from .hub import NodeHub
from .models import PyIoTConfigEntry

CONFIG_SCHEMA = cv.config_entry_only_config_schema(DOMAIN)

NODE_PLATFORMS = [
    Platform.BINARY_SENSOR,
    Platform.BUTTON,
    Platform.EVENT,
    Platform.NUMBER,
    Platform.SELECT,
    Platform.SENSOR,
    Platform.SWITCH,
    Platform.TEXT,
]


async def async_setup(hass: HomeAssistant, config: ConfigType) -> bool:
    """Set up the integration (actions are registered here once they exist)."""
    return True


async def async_setup_entry(hass: HomeAssistant, entry: PyIoTConfigEntry) -> bool:
    """Set up one entry: load known nodes, start the transport, add the entity platforms."""
    entry_type = EntryType(entry.data[CONF_ENTRY_TYPE])
    hub = NodeHub(hass, entry, entry_type.value)
    await hub.async_load()
    transport = await async_create_pyaiot_mqtt(hass, hub)
    entry.runtime_data = hub
    await hass.config_entries.async_forward_entry_setups(entry, NODE_PLATFORMS)
    await transport.async_start()
    return True


async def async_unload_entry(hass: HomeAssistant, entry: PyIoTConfigEntry) -> bool:
    """Stop the transport, save what is known and remove the entities."""
    unloaded = await hass.config_entries.async_unload_platforms(entry, NODE_PLATFORMS)
    await entry.runtime_data.async_shutdown()
    return unloaded


async def async_remove_entry(hass: HomeAssistant, entry: PyIoTConfigEntry) -> None:
    """Delete the stored node descriptions of a removed entry."""
    await NodeHub(hass, entry, entry.data[CONF_ENTRY_TYPE]).async_remove_storage()


async def async_remove_config_entry_device(
    hass: HomeAssistant, entry: PyIoTConfigEntry, device: dr.DeviceEntry
) -> bool:
    """Let the user delete a node that is offline; it comes back if it speaks again."""
    hub = entry.runtime_data
    node_id = hub.node_id_of_device(device)
    return node_id is None or hub.async_forget_node(node_id)
