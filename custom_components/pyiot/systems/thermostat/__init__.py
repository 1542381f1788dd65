"""The scheduled multi-sensor thermostat (the RPyMostat design): one zone per entry, as a climate entity.

The engine (schedule, aggregation, decisions, protection, optimum start) is `core.thermostat`; `zone`
wires it to Home Assistant's states, services, storage and repairs.
"""

from homeassistant.const import Platform
from homeassistant.core import HomeAssistant

from ...kinds import EntryKind, PyIoTConfigEntry
from ..system import System
from .climate import add_zone_climate
from .config_flow import ThermostatOptionsFlow
from .const import THERMOSTAT
from .sensor import add_zone_sensors
from .services import async_setup_services
from .websocket import async_register_websocket_commands
from .zone import ThermostatZone, storage_key


async def async_setup_zone(hass: HomeAssistant, entry: PyIoTConfigEntry) -> ThermostatZone:
    """The zone of `entry`, with its stored schedule and learning."""
    zone = ThermostatZone(hass, entry)
    await zone.async_load()
    return zone


def async_setup_zone_commands(hass: HomeAssistant) -> None:
    """The zones' actions and the schedule card's websocket commands."""
    async_setup_services(hass)
    async_register_websocket_commands(hass)


THERMOSTAT_SYSTEM = System(
    name="Thermostat",
    kinds=(
        EntryKind[ThermostatZone](
            key=THERMOSTAT,
            async_setup=async_setup_zone,
            platforms={Platform.CLIMATE: add_zone_climate, Platform.SENSOR: add_zone_sensors},
            storage_keys=lambda entry_id: (storage_key(entry_id),),
            options_flow=ThermostatOptionsFlow,
            reconfigure_step="reconfigure_thermostat",
        ),
    ),
    async_setup_services=async_setup_zone_commands,
)
