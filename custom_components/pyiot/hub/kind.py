"""Entry kinds whose runtime is a node hub: a transport reports nodes, the hub makes them entities."""

from collections.abc import Awaitable, Callable

from homeassistant.config_entries import ConfigEntry, OptionsFlow
from homeassistant.const import EVENT_HOMEASSISTANT_STOP
from homeassistant.core import HomeAssistant

from ..core.nodes import AdmissionLimits, AdmitWhen, Transport
from ..kinds import Discovery, EntryKind, PyIoTConfigEntry
from .entities import NODE_PLATFORMS
from .hub import NodeHub
from .limits import limits_from_options
from .migration import async_scope_ids_to_entry
from .storage import storage_key

TRUSTED_LIMITS = AdmissionLimits(new_nodes_per_minute=0)
"""Caps of a transport whose nodes are vouched for: 500 nodes, 64 points each, no rate on new nodes."""

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
    admit_when: AdmitWhen = AdmitWhen.FIRST_REPORT,
    limits: AdmissionLimits = TRUSTED_LIMITS,
) -> EntryKind[NodeHub]:
    """A kind of entry that shows the nodes of one transport.

    `admit_when` and `limits` are the transport's admission rule and default caps (the entry's
    `limits` option overrides them): a transport whose nodes anyone on the network can invent states a
    handshake and rates; one whose nodes are vouched for (allow-list, token, a user's choice) is
    admitted at first report, without a rate.
    """

    async def async_setup(hass: HomeAssistant, entry: PyIoTConfigEntry) -> NodeHub:
        hub = NodeHub(hass, entry, admit_when=admit_when, limits=limits_from_options(entry.options, limits))
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
