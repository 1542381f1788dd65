"""The RPyMostat engine's DNS-SD advertisement, on Home Assistant's shared zeroconf instance.

Upstream has no discovery at all (rpymostat.md §5): this service type and its TXT keys are PyIoT's
convention, for PyIoT-aware clients.
"""

from typing import Final

from homeassistant.components import network, zeroconf
from homeassistant.config_entries import ConfigEntry
from homeassistant.core import HomeAssistant
from homeassistant.helpers import instance_id
from zeroconf import Error as ZeroconfError
from zeroconf.asyncio import AsyncServiceInfo

from ...const import LOGGER

SERVICE_TYPE: Final = "_rpymostat._tcp.local."
TXT_PATH: Final = "/v1"
TXT_VERSION: Final = "1"
TXT_API: Final = "rpymostat-engine"
MAX_INSTANCE_NAME_BYTES: Final = 63


async def async_service_info(hass: HomeAssistant, port: int, *, token_required: bool) -> AsyncServiceInfo:
    """The DNS-SD service of the engine: `<location> RPyMostat engine (<port>)._rpymostat._tcp.local.`.

    Its host name is PyIoT's own (`pyiot-rpymostat-<instance id>.local.`), not the one of Home
    Assistant's `_home-assistant._tcp` service, so that withdrawing it never says goodbye for HA's.
    """
    suffix = f" RPyMostat engine ({port})"
    location = (hass.config.location_name or "Home").replace(".", " ")
    room = MAX_INSTANCE_NAME_BYTES - len(suffix.encode())
    location = location.encode()[:room].decode(errors="ignore").strip() or "Home"
    instance = await instance_id.async_get(hass)
    return AsyncServiceInfo(
        SERVICE_TYPE,
        name=f"{location}{suffix}.{SERVICE_TYPE}",
        server=f"pyiot-rpymostat-{instance}.local.",
        parsed_addresses=await network.async_get_announce_addresses(hass),
        port=port,
        properties={
            "path": TXT_PATH,
            "version": TXT_VERSION,
            "api": TXT_API,
            "auth": "token" if token_required else "none",
        },
    )


async def async_advertise(
    hass: HomeAssistant, entry: ConfigEntry, port: int, *, token_required: bool
) -> None:
    """Register the engine on HA's shared zeroconf instance, withdrawn when the entry unloads.

    A failure is logged and the engine keeps running: unmodified hosts never browse (they are started
    with `-a <address>`), so only PyIoT-aware clients miss the advertisement.
    """
    aiozc = await zeroconf.async_get_async_instance(hass)
    info = await async_service_info(hass, port, token_required=token_required)
    try:
        await aiozc.async_register_service(info, allow_name_change=True)
    except (ZeroconfError, OSError) as err:
        LOGGER.warning("Could not advertise the RPyMostat engine over DNS-SD: %r", err)
        return

    async def withdraw() -> None:
        try:
            await aiozc.async_unregister_service(info)
        except (ZeroconfError, OSError) as err:
            LOGGER.debug("Could not withdraw the RPyMostat DNS-SD service: %r", err)

    entry.async_on_unload(withdraw)
