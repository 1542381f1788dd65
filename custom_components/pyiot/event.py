"""Event entities for things a node reports happening (button presses, alarms)."""

from typing import override

from homeassistant.components.event import EventEntity
from homeassistant.core import HomeAssistant, callback
from homeassistant.helpers.entity_platform import AddConfigEntryEntitiesCallback

from .core.nodes import PointKind, PointSpec
from .entity import PyIoTPointEntity, setup_point_platform
from .hub import NodeHub
from .models import PyIoTConfigEntry

PARALLEL_UPDATES = 0


async def async_setup_entry(
    hass: HomeAssistant,
    entry: PyIoTConfigEntry,
    async_add_entities: AddConfigEntryEntitiesCallback,
) -> None:
    """Set up event entities for the points of the entry's nodes."""
    setup_point_platform(entry.runtime_data, PointKind.EVENT, PyIoTEvent, async_add_entities)


class PyIoTEvent(PyIoTPointEntity, EventEntity):
    """Each value the node reports is one event; its type must be one of the point's options."""

    def __init__(self, hub: NodeHub, node_id: str, point: PointSpec) -> None:
        """Take the event types from the point."""
        super().__init__(hub, node_id, point)
        self._attr_event_types = list(point.options)

    @override
    async def async_added_to_hass(self) -> None:
        self.async_on_remove(
            self.hub.async_listen_point(
                self.node_id, self.point.key, self._handle_event, self.async_write_ha_state
            )
        )

    @callback
    def _handle_event(self) -> None:
        if (event_type := str(self.point_value)) in self._attr_event_types:
            self._trigger_event(event_type)
            self.async_write_ha_state()
