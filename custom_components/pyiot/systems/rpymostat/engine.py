"""RPyMostat sensor hosts: the core's RPyMostat engine on a port of HA's host → the node hub."""

from typing import Final

from homeassistant.config_entries import ConfigEntry
from homeassistant.const import CONF_PORT, CONF_TOKEN
from homeassistant.core import HomeAssistant
from homeassistant.exceptions import ConfigEntryNotReady
from homeassistant.util import dt as dt_util

from ...const import DOMAIN, LOGGER
from ...core.protocols.rpymostat import EngineSettings, RPyMostatEngine
from ...hub import NodeHub
from ...hub.networks import CONF_RATE_LIMIT, async_allowed_networks
from .const import CONF_ADVERTISE, DEFAULT_RATE_LIMIT
from .dns_sd import async_advertise

RATE_BURST: Final = 10.0
READ_TIMEOUT: Final = 10.0


def unique_id(port: int) -> str:
    """One entry per port."""
    return f"rpymostat:{port}"


def title(port: int) -> str:
    """The entry's title."""
    return f"RPyMostat sensor hosts (port {port})"


async def async_engine_settings(hass: HomeAssistant, entry: ConfigEntry) -> EngineSettings:
    """The engine's settings from the entry; the allowed networks default to the local ones."""
    options = entry.options
    networks = await async_allowed_networks(hass, options, "rpymostat_invalid_networks")
    return EngineSettings(
        port=int(entry.data[CONF_PORT]),
        networks=networks,
        token=options.get(CONF_TOKEN) or None,
        rate=float(options.get(CONF_RATE_LIMIT, DEFAULT_RATE_LIMIT)),
        burst=RATE_BURST,
        read_timeout=READ_TIMEOUT,
    )


async def async_create_engine(hass: HomeAssistant, hub: NodeHub) -> RPyMostatEngine:
    """An engine reporting to `hub`, already listening (a busy port fails the setup before any platform).

    Hosts known from the previous run are handed to the engine, so that sensors a host stopped sending
    are shown unavailable as soon as it speaks again. The engine stops, and the advertisement is
    withdrawn, when the entry unloads.
    """
    entry = hub.entry
    settings = await async_engine_settings(hass, entry)
    engine = RPyMostatEngine(hub, settings, logger=LOGGER.getChild("rpymostat"), now=dt_util.utcnow)
    for node_id, state in hub.nodes.items():
        engine.restore_host(node_id, state.points.values())
    try:
        await engine.async_start()
    except OSError as err:
        raise ConfigEntryNotReady(
            translation_domain=DOMAIN,
            translation_key="rpymostat_port_unavailable",
            translation_placeholders={"port": str(settings.port), "error": str(err)},
        ) from err
    entry.async_on_unload(engine.async_stop)
    if entry.options.get(CONF_ADVERTISE, True):
        await async_advertise(hass, entry, engine.port, token_required=bool(settings.token))
    return engine
