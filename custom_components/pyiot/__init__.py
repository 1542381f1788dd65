"""PyIoT: DIY IoT systems in Home Assistant."""

from homeassistant.const import EVENT_HOMEASSISTANT_STOP, Platform
from homeassistant.core import Event, HomeAssistant
from homeassistant.helpers import config_validation as cv, device_registry as dr
from homeassistant.helpers.typing import ConfigType

from .adapters.pyaiot_mqtt import async_create_pyaiot_mqtt
from .adapters.rpymostat import async_create_rpymostat
from .adapters.thermostat import ThermostatZone
from .const import CONF_ENTRY_TYPE, DOMAIN, EntryType
from .hub import NodeHub
from .models import PyIoTConfigEntry
from .services import async_setup_services

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
THERMOSTAT_PLATFORMS = [Platform.CLIMATE, Platform.SENSOR]


async def async_setup(hass: HomeAssistant, config: ConfigType) -> bool:
    """Register the integration's actions."""
    async_setup_services(hass)
    return True


async def async_setup_entry(hass: HomeAssistant, entry: PyIoTConfigEntry) -> bool:
    """Set up a node hub (Pyaiot MQTT, RPyMostat sensor hosts) or a thermostat zone."""
    if entry.data[CONF_ENTRY_TYPE] == EntryType.THERMOSTAT:
        zone = ThermostatZone(hass, entry)
        await zone.async_load()
        entry.runtime_data = zone
        await hass.config_entries.async_forward_entry_setups(entry, THERMOSTAT_PLATFORMS)
        zone.async_start()
        return True

    hub = NodeHub(hass, entry, EntryType(entry.data[CONF_ENTRY_TYPE]).value)
    await hub.async_load()

    async def stop_transport(_: Event) -> None:
        await hub.async_stop_transport()

    entry.async_on_unload(hass.bus.async_listen_once(EVENT_HOMEASSISTANT_STOP, stop_transport))
    if entry.data[CONF_ENTRY_TYPE] == EntryType.RPYMOSTAT:
        transport = await async_create_rpymostat(hass, hub)
        entry.runtime_data = hub
        await hass.config_entries.async_forward_entry_setups(entry, NODE_PLATFORMS)
        await transport.async_start()  # binding the port can fail: setup reports it
        return True
    await async_create_pyaiot_mqtt(hass, hub)
    entry.runtime_data = hub
    await hass.config_entries.async_forward_entry_setups(entry, NODE_PLATFORMS)
    hub.async_start_transport()
    return True


async def async_unload_entry(hass: HomeAssistant, entry: PyIoTConfigEntry) -> bool:
    """Stop the transport or zone, save what is known and remove the entities."""
    runtime = entry.runtime_data
    platforms = THERMOSTAT_PLATFORMS if isinstance(runtime, ThermostatZone) else NODE_PLATFORMS
    unloaded = await hass.config_entries.async_unload_platforms(entry, platforms)
    if isinstance(runtime, ThermostatZone):
        await runtime.async_stop()
    else:
        await runtime.async_shutdown()
    return unloaded


async def async_remove_entry(hass: HomeAssistant, entry: PyIoTConfigEntry) -> None:
    """Delete what the entry stored."""
    if entry.data[CONF_ENTRY_TYPE] == EntryType.THERMOSTAT:
        await ThermostatZone(hass, entry).async_remove_storage()
    else:
        await NodeHub(hass, entry, entry.data[CONF_ENTRY_TYPE]).async_remove_storage()


async def async_remove_config_entry_device(
    hass: HomeAssistant, entry: PyIoTConfigEntry, device: dr.DeviceEntry
) -> bool:
    """Let the user delete a node that is offline; it comes back if it speaks again."""
    hub = entry.runtime_data
    if not isinstance(hub, NodeHub):
        return False
    node_id = hub.node_id_of_device(device)
    return node_id is None or hub.async_forget_node(node_id)
