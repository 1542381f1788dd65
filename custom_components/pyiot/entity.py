"""The base entity of every point: device, unique id, name, availability and value plumbing."""

from typing import Any, override

from homeassistant.const import EntityCategory as HAEntityCategory
from homeassistant.helpers.device_registry import CONNECTION_NETWORK_MAC, DeviceInfo
from homeassistant.helpers.entity import Entity
from homeassistant.helpers.entity_platform import AddConfigEntryEntitiesCallback

from .hub import NodeHub
from .nodes import EntityCategory, PointKind, PointSpec

TRANSLATED_KEYS = frozenset({"led", "position", "imu"})
"""Point keys with a translated entity name in translations/en.json."""


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
        if point.key in TRANSLATED_KEYS:
            self._attr_translation_key = point.key
        elif point.device_class is None or point.name is not None:
            self._attr_name = point.name or point.key
        info = hub.nodes[node_id].info
        self._attr_device_info = DeviceInfo(
            identifiers={hub.device_identifier(node_id)},
            name=info.name or node_id,
            manufacturer=info.manufacturer,
            model=info.model,
            sw_version=info.sw_version,
            hw_version=info.hw_version,
            configuration_url=info.configuration_url,
            connections={(CONNECTION_NETWORK_MAC, info.mac)} if info.mac else set(),
        )

    @property
    def point_value(self) -> Any:
        """The point's latest value, None when none was received since start."""
        return self.hub.nodes[self.node_id].values.get(self.point.key)

    @property
    @override
    def available(self) -> bool:
        return self.hub.is_available(self.node_id)

    @override
    async def async_added_to_hass(self) -> None:
        self.async_on_remove(
            self.hub.async_listen_point(self.node_id, self.point.key, self.async_write_ha_state)
        )

    async def async_write_value(self, value: Any) -> None:
        """Send a new value to the node; the state changes when the node reports it back."""
        await self.hub.async_write(self.node_id, self.point.key, value)


_CATEGORIES = {
    EntityCategory.CONFIG: HAEntityCategory.CONFIG,
    EntityCategory.DIAGNOSTIC: HAEntityCategory.DIAGNOSTIC,
}


def setup_point_platform[EntityT: PyIoTPointEntity](
    hub: NodeHub,
    kind: PointKind,
    entity_class: type[EntityT],
    async_add_entities: AddConfigEntryEntitiesCallback,
) -> None:
    """Add an entity of `entity_class` for every point of `kind`, now and as nodes report new ones."""

    def add(points: list[tuple[str, PointSpec]]) -> None:
        async_add_entities(entity_class(hub, node_id, point) for node_id, point in points)

    hub.async_add_platform(kind, add)
