"""The node hub: turns what a transport reports into Home Assistant devices and entities.

One hub per config entry. Transports report to it as a `core.nodes.NodeListener`; everything passes
its `AdmissionGate` first (admission control, caps, rates: the same for every transport), and what the
gate admits becomes devices and entities. It keeps every node's description in HA storage (so entities
exist right after a restart, unavailable until the node speaks), and routes writes back to the transport
that owns the node. Device identifiers and unique ids are scoped by the entry
(`<entry id>:<node id>[:<point key>]`), so two entries may see the same node.
"""

import asyncio
from collections.abc import Callable, Sequence
from contextlib import suppress
from dataclasses import dataclass, field
from typing import Any, Protocol, runtime_checkable

from homeassistant.config_entries import ConfigEntry
from homeassistant.core import CALLBACK_TYPE, Event, HomeAssistant, callback
from homeassistant.exceptions import HomeAssistantError
from homeassistant.helpers import device_registry as dr

from ..const import DOMAIN, LOGGER
from ..core.nodes import (
    AdmissionGate,
    AdmissionLimits,
    AdmitWhen,
    CapReport,
    NodeInfo,
    PointKind,
    PointSpec,
    StoredNode,
    Transport,
    WriteError,
    WriteRefusedError,
)
from .caps import async_report_caps
from .storage import NodeStore

type PointKey = tuple[str, str]


@runtime_checkable
class RefreshingTransport(Protocol):
    """A transport that can ask a node for a fresh value of one point (`homeassistant.update_entity`)."""

    async def async_refresh_point(self, node_id: str, key: str) -> None:
        """Ask; the value arrives through the listener as any other."""


type PointsAddedCallback = Callable[[list[tuple[str, PointSpec]]], None]


@dataclass(slots=True)
class NodeState:
    """What the hub knows about one node."""

    info: NodeInfo
    points: dict[str, PointSpec] = field(default_factory=dict)
    values: dict[str, Any] = field(default_factory=dict)
    unavailable_points: set[str] = field(default_factory=set)
    available: bool = False
    was_online: bool = False
    """Whether the node was available since this entry started (for the log line)."""


class NodeHub:
    """Devices and entities for the nodes of one transport."""

    def __init__(
        self,
        hass: HomeAssistant,
        entry: ConfigEntry,
        *,
        admit_when: AdmitWhen = AdmitWhen.FIRST_REPORT,
        limits: AdmissionLimits | None = None,
    ) -> None:
        """Create an empty hub; the transport is attached once it is built.

        `admit_when` is the transport's rule for admitting a node (see `core.nodes.admission`).
        """
        self.hass = hass
        self.entry = entry
        self.nodes: dict[str, NodeState] = {}
        self.transport: Transport | None = None
        self._scope = f"{entry.entry_id}:"
        self._store = NodeStore(hass, entry.entry_id, entry.title)
        self.gate = AdmissionGate(
            _AdmittedNodes(self),
            admit_when=admit_when,
            limits=limits,
            on_evict=self._evict,
            on_confirmed=lambda _: self._schedule_save(),
            on_report=self._report_caps,
            logger=LOGGER.getChild("admission"),
        )
        self._platforms: dict[PointKind, PointsAddedCallback] = {}
        self._point_listeners: dict[PointKey, CALLBACK_TYPE] = {}
        self._node_listeners: dict[str, list[CALLBACK_TYPE]] = {}
        self._start_task: asyncio.Task[None] | None = None

    # --- storage -------------------------------------------------------------------------------

    async def async_load(self) -> None:
        """Restore the nodes a previous run saved (admitted again, as confirmed as they were)."""
        for node_id, stored in (await self._store.async_load()).items():
            self.nodes[node_id] = NodeState(
                info=stored.info, points={point.key: point for point in stored.points}
            )
            self.gate.restore(node_id, (point.key for point in stored.points), confirmed=stored.confirmed)

    @callback
    def _schedule_save(self) -> None:
        self._store.async_delay_save(self._records)

    @callback
    def _records(self) -> dict[str, StoredNode]:
        return {
            node_id: StoredNode(
                info=state.info,
                points=tuple(state.points.values()),
                confirmed=self.gate.is_confirmed(node_id),
            )
            for node_id, state in self.nodes.items()
        }

    @callback
    def start(self) -> None:
        """Start the transport in the background: setup need not wait for the broker's confirmation."""
        if self.transport is not None:
            self._start_task = self.entry.async_create_background_task(
                self.hass, self.transport.async_start(), f"{DOMAIN} {self.entry.title} transport start"
            )

    async def async_stop_transport(self) -> None:
        """Stop the transport, also while it is still starting."""
        if self._start_task is not None and not self._start_task.done():
            self._start_task.cancel()
            with suppress(asyncio.CancelledError):
                await self._start_task
        self._start_task = None
        if self.transport is not None:
            await self.transport.async_stop()

    async def async_on_home_assistant_stop(self, _: Event) -> None:
        """Home Assistant stops: stop talking to the nodes (the entry unloads later, or never)."""
        await self.async_stop_transport()

    async def async_unload(self) -> None:
        """Stop the transport and write pending changes."""
        await self.async_stop_transport()
        await self._store.async_save(self._records())

    def diagnostics(self) -> dict[str, Any]:
        """Every node with its points and last values, and the transport's own counters."""
        return {
            "nodes": {
                node_id: {
                    "info": state.info.as_dict(),
                    "available": state.available,
                    "points": [point.as_dict() for point in state.points.values()],
                    "values": {key: repr(value) for key, value in state.values.items()},
                }
                for node_id, state in self.nodes.items()
            },
            "admission": self.gate.diagnostics(),
            "transport": self.transport.diagnostics() if self.transport is not None else None,
        }

    # --- NodeListener: what transports call; the gate decides what reaches the hub --------------

    @callback
    def node_seen(self, node: NodeInfo) -> None:
        """A node spoke."""
        self.gate.node_seen(node)

    @callback
    def points_seen(self, node_id: str, points: Sequence[PointSpec]) -> None:
        """The node has these points."""
        self.gate.points_seen(node_id, points)

    @callback
    def value_received(self, node_id: str, key: str, value: Any) -> None:
        """A new value for a point."""
        self.gate.value_received(node_id, key, value)

    @callback
    def node_lost(self, node_id: str) -> None:
        """The transport gave up on the node."""
        self.gate.node_lost(node_id)

    @callback
    def point_unavailable(self, node_id: str, key: str) -> None:
        """One point has no usable value."""
        self.gate.point_unavailable(node_id, key)

    @callback
    def node_confirmed(self, node_id: str) -> bool:
        """The node completed its protocol's handshake (`core.nodes.report_handshake`)."""
        return self.gate.node_confirmed(node_id)

    # --- what the gate admits --------------------------------------------------------------------

    @callback
    def _accept_node(self, node: NodeInfo) -> None:
        """An admitted node spoke: create or refresh its device and mark it available."""
        state = self.nodes.get(node.node_id)
        if state is None:
            self.nodes[node.node_id] = state = NodeState(info=node)
            self._schedule_save()
        elif node != state.info:
            state.info = _merge_info(state.info, node)
            self._schedule_save()
            self._update_device(state.info)
        self._set_available(node.node_id, state, available=True)

    @callback
    def _accept_points(self, node_id: str, points: Sequence[PointSpec]) -> None:
        """Add entities for points not known yet (a node must have been seen first)."""
        state = self.nodes.get(node_id)
        if state is None:
            return
        added: dict[PointKind, list[tuple[str, PointSpec]]] = {}
        changed = False
        for point in points:
            if state.points.get(point.key) == point:
                continue
            changed = True
            if point.key not in state.points:
                added.setdefault(point.kind, []).append((node_id, point))
            state.points[point.key] = point
        if changed:
            self._schedule_save()
        for kind, new_points in added.items():
            if (add := self._platforms.get(kind)) is not None:
                add(new_points)

    @callback
    def _accept_value(self, node_id: str, key: str, value: Any) -> None:
        """Store a value and write the state of the entity that shows it, if it changed."""
        state = self.nodes.get(node_id)
        if state is None or key not in state.points:
            return
        if not state.available:
            self._set_available(node_id, state, available=True)
        elif key in state.unavailable_points:
            state.unavailable_points.discard(key)
        elif (
            key in state.values
            and state.values[key] == value
            and state.points[key].kind is not PointKind.EVENT
        ):
            return
        state.values[key] = value
        if (listener := self._point_listeners.get((node_id, key))) is not None:
            listener()

    @callback
    def _accept_lost(self, node_id: str) -> None:
        """The transport gave up on the node: its entities become unavailable."""
        if (state := self.nodes.get(node_id)) is not None:
            self._set_available(node_id, state, available=False)

    @callback
    def _accept_point_unavailable(self, node_id: str, key: str) -> None:
        """One point has no usable value; its entity is unavailable until the next value."""
        state = self.nodes.get(node_id)
        if state is None or key not in state.points or key in state.unavailable_points:
            return
        state.unavailable_points.add(key)
        if (listener := self._point_listeners.get((node_id, key))) is not None:
            listener()

    # --- entities ------------------------------------------------------------------------------

    @callback
    def async_add_platform(self, kind: PointKind, add: PointsAddedCallback) -> None:
        """Called by each entity platform: add entities for known points now and new ones later."""
        self._platforms[kind] = add
        existing = [
            (node_id, point)
            for node_id, state in self.nodes.items()
            for point in state.points.values()
            if point.kind is kind
        ]
        if existing:
            add(existing)

    @callback
    def async_listen_point(
        self,
        node_id: str,
        key: str,
        on_value: CALLBACK_TYPE,
        on_availability: CALLBACK_TYPE | None = None,
    ) -> CALLBACK_TYPE:
        """Listen to one point; returns the function that stops listening.

        `on_value` is called when the value changes (for events: on every value), `on_availability`
        (default: `on_value`) when the node goes online or offline.
        """
        point_key = (node_id, key)
        availability = on_availability or on_value
        self._point_listeners[point_key] = on_value
        node_listeners = self._node_listeners.setdefault(node_id, [])
        node_listeners.append(availability)

        @callback
        def remove() -> None:
            self._point_listeners.pop(point_key, None)
            node_listeners.remove(availability)

        return remove

    def device_identifier(self, node_id: str) -> tuple[str, str]:
        """The device registry identifier of a node."""
        return (DOMAIN, self._scope + node_id)

    def unique_id(self, node_id: str, key: str) -> str:
        """The unique id of the entity of a point."""
        return f"{self._scope}{node_id}:{key}"

    def node_id_of_device(self, device: dr.DeviceEntry) -> str | None:
        """The node behind a device of this hub, or None."""
        for domain, identifier in device.identifiers:
            if domain == DOMAIN and identifier.startswith(self._scope):
                return identifier.removeprefix(self._scope)
        return None

    @callback
    def async_remove_device(self, device: dr.DeviceEntry) -> bool:
        """Let the user delete a node that is offline; it comes back if it speaks again."""
        node_id = self.node_id_of_device(device)
        return node_id is None or self.async_forget_node(node_id)

    @callback
    def async_forget_node(self, node_id: str) -> bool:
        """Forget a node the user deleted; refused while the node is online."""
        state = self.nodes.get(node_id)
        if state is not None and state.available:
            return False
        self._forget(node_id)
        return True

    @callback
    def _forget(self, node_id: str) -> None:
        self.nodes.pop(node_id, None)
        self.gate.forget(node_id)
        if self.transport is not None:
            self.transport.forget_node(node_id)
        self._schedule_save()

    @callback
    def _evict(self, node_id: str) -> None:
        """The gate made room for a new node: a never-confirmed one goes, with its device."""
        LOGGER.info(
            "%s: %s is forgotten to make room for a new node", self.entry.title, self.node_name(node_id)
        )
        registry = dr.async_get(self.hass)
        if device := registry.async_get_device_by_identifier(
            self.device_identifier(node_id), self.entry.entry_id
        ):
            registry.async_remove_device(device.id)
        self.nodes.pop(node_id, None)
        if self.transport is not None:
            self.transport.forget_node(node_id)
        self._schedule_save()

    @callback
    def _report_caps(self, report: CapReport) -> None:
        async_report_caps(self.hass, self.entry, report)

    async def async_write(self, node_id: str, key: str, value: Any) -> None:
        """Send a write to the node through its transport; errors are translated for the user."""
        if self.transport is None or not self.is_available(node_id):
            raise HomeAssistantError(
                translation_domain=DOMAIN,
                translation_key="node_unavailable",
                translation_placeholders={"node": self.node_name(node_id)},
            )
        try:
            await self.transport.async_write(node_id, key, value)
        except WriteRefusedError as err:
            raise HomeAssistantError(
                translation_domain=DOMAIN,
                translation_key="write_refused",
                translation_placeholders={
                    "node": self.node_name(node_id),
                    "point": err.point,
                    "value": repr(err.value),
                    "kept": repr(err.kept),
                },
            ) from err
        except WriteError as err:
            raise HomeAssistantError(
                translation_domain=DOMAIN,
                translation_key="write_failed",
                translation_placeholders={"node": self.node_name(node_id), "error": str(err)},
            ) from err

    async def async_refresh_point(self, node_id: str, key: str) -> None:
        """Ask the node for a fresh value of a point, when its transport can (else nothing happens)."""
        transport: object = self.transport  # the refresh is an optional extra of `Transport`
        if isinstance(transport, RefreshingTransport):
            await transport.async_refresh_point(node_id, key)

    def is_available(self, node_id: str, key: str | None = None) -> bool:
        """Whether the node is online (and, with `key`, that point has a usable value)."""
        state = self.nodes.get(node_id)
        return state is not None and state.available and (key is None or key not in state.unavailable_points)

    def node_name(self, node_id: str) -> str:
        """The name to show for a node."""
        state = self.nodes.get(node_id)
        return (state.info.name if state is not None else None) or node_id

    # --- internals -----------------------------------------------------------------------------

    @callback
    def _set_available(self, node_id: str, state: NodeState, *, available: bool) -> None:
        if state.available is available:
            return
        state.available = available
        if available:
            LOGGER.info("%s is %s", self.node_name(node_id), "back online" if state.was_online else "online")
            state.was_online = True
        else:
            LOGGER.info("%s is unavailable: no sign of life from the node", self.node_name(node_id))
        for update in list(self._node_listeners.get(node_id, ())):
            update()

    @callback
    def _update_device(self, info: NodeInfo) -> None:
        registry = dr.async_get(self.hass)
        device = registry.async_get_device_by_identifier(
            self.device_identifier(info.node_id), self.entry.entry_id
        )
        if device is None:
            return
        registry.async_update_device(
            device.id,
            name=info.name or info.node_id,
            manufacturer=info.manufacturer,
            model=info.model,
            sw_version=info.sw_version,
            hw_version=info.hw_version,
            configuration_url=info.configuration_url,
        )


def _merge_info(old: NodeInfo, new: NodeInfo) -> NodeInfo:
    """Fields the transport now reports win; fields it leaves empty keep what was known."""
    merged = {**old.as_dict(), **new.as_dict()}
    merged["extra"] = {**old.extra, **new.extra}
    return NodeInfo.from_dict(merged)


class _AdmittedNodes:
    """The hub as the gate's listener: what the gate lets through."""

    def __init__(self, hub: NodeHub) -> None:
        self._hub = hub

    def node_seen(self, node: NodeInfo) -> None:
        self._hub._accept_node(node)  # noqa: SLF001 - the hub's own inner side

    def points_seen(self, node_id: str, points: Sequence[PointSpec]) -> None:
        self._hub._accept_points(node_id, points)  # noqa: SLF001

    def value_received(self, node_id: str, key: str, value: Any) -> None:
        self._hub._accept_value(node_id, key, value)  # noqa: SLF001

    def node_lost(self, node_id: str) -> None:
        self._hub._accept_lost(node_id)  # noqa: SLF001

    def point_unavailable(self, node_id: str, key: str) -> None:
        self._hub._accept_point_unavailable(node_id, key)  # noqa: SLF001
