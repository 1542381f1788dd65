"""The base entity of every point of a node: device, unique id, name, availability, value plumbing."""

from collections.abc import Mapping
from typing import Any, override

from homeassistant.const import EntityCategory as HAEntityCategory
from homeassistant.helpers.device_registry import CONNECTION_NETWORK_MAC, DeviceInfo
from homeassistant.helpers.entity import Entity

from ..core.nodes import EntityCategory, PointSpec, StateWithAttributes
from .hub import NodeHub

_CATEGORIES = {
    EntityCategory.CONFIG: HAEntityCategory.CONFIG,
    EntityCategory.DIAGNOSTIC: HAEntityCategory.DIAGNOSTIC,
}


class PyIoTPointEntity(Entity):
    """One point of one node."""

    _attr_has_entity_name = True
    _attr_should_poll = False

    def __init__(self, hub: NodeHub, node_id: str, point: PointSpec) -> None:
        """Describe the entity from the point; the device comes from the node."""
        self.hub = hub
        self.node_id = node_id
        self.point = point
        self._attr_unique_id = hub.unique_id(node_id, point.key)
        self._attr_device_class = point.device_class
        self._attr_entity_registry_enabled_default = point.enabled_by_default
        if point.entity_category is not None:
            self._attr_entity_category = _CATEGORIES[point.entity_category]
        if point.translation_key is not None:
            self._attr_translation_key = point.translation_key
        elif point.device_class is None or point.name is not None:
            self._attr_name = point.name or point.key

    @property
    @override
    def device_info(self) -> DeviceInfo:
        """Built when HA registers the entity, not kept by every entity (memory per node)."""
        info = self.hub.nodes[self.node_id].info
        return DeviceInfo(
            identifiers={self.hub.device_identifier(self.node_id)},
            name=info.name or self.node_id,
            manufacturer=info.manufacturer,
            model=info.model,
            sw_version=info.sw_version,
            hw_version=info.hw_version,
            configuration_url=info.configuration_url,
            connections={(CONNECTION_NETWORK_MAC, info.mac)} if info.mac else set(),
        )

    @property
    def point_value(self) -> Any:
        """The point's latest value (its state), None when unknown or none was received since start."""
        value = self.hub.nodes[self.node_id].values.get(self.point.key)
        return value.state if isinstance(value, StateWithAttributes) else value

    @property
    @override
    def extra_state_attributes(self) -> Mapping[str, Any] | None:
        """The attributes the transport sent with the value (a document, the text of a bad value)."""
        value = self.hub.nodes[self.node_id].values.get(self.point.key)
        return value.attributes if isinstance(value, StateWithAttributes) and value.attributes else None

    @property
    @override
    def available(self) -> bool:
        return self.hub.is_available(self.node_id, self.point.key)

    @override
    async def async_added_to_hass(self) -> None:
        self.async_on_remove(
            self.hub.async_listen_point(self.node_id, self.point.key, self.async_write_ha_state)
        )

    async def async_update(self) -> None:
        """`homeassistant.update_entity`: ask the node for a fresh value (never polled)."""
        await self.hub.async_refresh_point(self.node_id, self.point.key)

    async def async_write_value(self, value: Any) -> None:
        """Send a new value to the node; the state changes when the node reports it back."""
        await self.hub.async_write(self.node_id, self.point.key, value)
