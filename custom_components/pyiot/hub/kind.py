"""Entry kinds whose runtime is a node hub: a transport reports nodes, the hub makes them entities."""

from collections.abc import Awaitable, Callable

from homeassistant.config_entries import ConfigEntry, OptionsFlow
from homeassistant.const import EVENT_HOMEASSISTANT_STOP
from homeassistant.core import HomeAssistant

from ..core.nodes import Transport
from ..kinds import Discovery, EntryKind, PyIoTConfigEntry
from .entities import NODE_PLATFORMS
from .hub import NodeHub, storage_key
from .migration import async_scope_ids_to_entry

type TransportFactory = Callable[[HomeAssistant, NodeHub], Awaitable[Transport]]
"""Builds the entry's transport reporting to the hub; raises `ConfigEntryNotReady`/`Error` to fail setup."""


def node_entry_kind(
    *,
    key: str,
    create_transport: TransportFactory,
    options_flow: Callable[[], OptionsFlow] | None = None,
    reconfigure_step: str | None = None,
    discoveries: tuple[Discovery, ...] = (),
    redact: frozenset[str] = frozenset(),
) -> EntryKind[NodeHub]:
    """A kind of entry that shows the nodes of one transport."""

    async def async_setup(hass: HomeAssistant, entry: PyIoTConfigEntry) -> NodeHub:
        hub = NodeHub(hass, entry)
        await hub.async_load()
        entry.async_on_unload(
            hass.bus.async_listen_once(EVENT_HOMEASSISTANT_STOP, hub.async_on_home_assistant_stop)
        )
        hub.transport = await create_transport(hass, hub)
        return hub

    async def migrate_to_v2(hass: HomeAssistant, entry: ConfigEntry) -> None:
        await async_scope_ids_to_entry(hass, entry, namespace=key)

    return EntryKind(
        key=key,
        async_setup=async_setup,
        platforms=NODE_PLATFORMS,
        storage_keys=lambda entry_id: (storage_key(entry_id),),
        options_flow=options_flow,
        reconfigure_step=reconfigure_step,
        discoveries=discoveries,
        migrate_to_v2=migrate_to_v2,
        redact=redact,
    )
