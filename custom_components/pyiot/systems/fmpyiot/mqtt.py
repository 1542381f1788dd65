"""FmPyIOT devices over MQTT: Home Assistant's MQTT client → the core's FmPyIOT gateway → the node hub."""

from typing import Any

from homeassistant.components import mqtt
from homeassistant.config_entries import ConfigEntry
from homeassistant.core import HomeAssistant, callback
from homeassistant.exceptions import ConfigEntryNotReady
from homeassistant.helpers.aiohttp_client import async_get_clientsession
from homeassistant.helpers.storage import Store
from homeassistant.util import dt as dt_util

from ...const import DOMAIN, LOGGER
from ...core.protocols.fmpyiot import FmPyIotGateway, GatewaySettings, SettingsError
from ...core.protocols.fmpyiot.topics import discovery_filters
from ...hub import NodeHub
from ...hub.mqtt import HassMqttLink, async_follow_connection
from ...hub.storage import async_keep_aside
from .const import REAUTH_NODE

DEVICES_STORAGE_VERSION = 1
SAVE_DELAY = 10.0
FOLLOWED_QOS = 0
"""The gateway subscribes at QoS 0; the followed subscription must match it."""

_LOGGER = LOGGER.getChild("fmpyiot")


def devices_storage_key(entry_id: str) -> str:
    """The HA storage key of the gateway's own device records (base topics, identities, topics)."""
    return f"{DOMAIN}.{entry_id}.fmpyiot_devices"


def gateway_settings(entry: ConfigEntry, *, log: bool = True) -> GatewaySettings:
    """The entry's options as gateway settings; the defaults (logged at setup) when they cannot be used."""
    try:
        return GatewaySettings.from_dict(entry.options)
    except SettingsError as err:
        if log:
            _LOGGER.warning("FmPyIOT options of %s cannot be used (%s); using the defaults", entry.title, err)
        return GatewaySettings()


async def async_create_gateway(hass: HomeAssistant, hub: NodeHub) -> FmPyIotGateway:
    """A gateway on HA's broker reporting to `hub`; not ready while the MQTT integration is not.

    It knows the devices of the last run (asked for everything as soon as it runs) and follows HA's
    MQTT client: every device is unavailable while the broker is away, and asked again once it is back.
    Devices' web APIs are read with HA's HTTP session; refused credentials start a reauthentication.
    """
    if not await mqtt.async_wait_for_mqtt_client(hass):
        raise ConfigEntryNotReady(translation_domain=DOMAIN, translation_key="mqtt_not_ready")
    entry = hub.entry
    store = Store[dict[str, Any]](hass, DEVICES_STORAGE_VERSION, devices_storage_key(entry.entry_id))
    stored = await store.async_load()
    gateway: FmPyIotGateway | None = None

    @callback
    def state_changed() -> None:
        if gateway is not None:
            store.async_delay_save(gateway.export, SAVE_DELAY)

    @callback
    def web_credentials_refused(node_id: str) -> None:
        entry.async_start_reauth(hass, data={REAUTH_NODE: node_id})

    settings = gateway_settings(entry)
    gateway = FmPyIotGateway(
        HassMqttLink(hass),
        hub,
        settings=settings,
        now=dt_util.now,
        web_session=async_get_clientsession(hass),
        on_web_auth_error=web_credentials_refused,
        on_state_changed=state_changed,
        logger=_LOGGER,
    )
    if stored is not None:
        skipped = gateway.restore(stored if isinstance(stored, dict) else {"devices": stored})
        await async_keep_aside(hass, store.key, entry.title, skipped)

    async def save_now() -> None:
        await store.async_save(gateway.export())

    entry.async_on_unload(save_now)
    entry.async_on_unload(
        async_follow_connection(
            hass,
            discovery_filters(settings.max_depth)[0],
            FOLLOWED_QOS,
            on_lost=gateway.link_lost,
            on_restored=gateway.link_restored,
        )
    )
    return gateway
