"""Restored entities follow the variable settings at once, before the platforms create them."""

from collections.abc import Iterable

from homeassistant.core import HomeAssistant
from homeassistant.helpers import entity_registry as er

from ...const import DOMAIN
from ...core.nodes import PointSpec
from ...hub import NodeHub


def follow_settings(hass: HomeAssistant, hub: NodeHub, node_id: str, points: Iterable[PointSpec]) -> None:
    """Tell the hub the points as the options make them now; a point whose platform changed moves there.

    HA keys an entity by platform, so a sensor now exposed as a number is a new registry entry: the old
    one is removed and the new one keeps its object id (and the user's name, icon and area), so
    `sensor.heating_setpoint` becomes `number.heating_setpoint`.
    """
    points = list(points)
    if not points:
        return
    hub.points_seen(node_id, points)
    platforms = {hub.unique_id(node_id, point.key): point.kind.value for point in points}
    registry = er.async_get(hass)
    for entity in er.async_entries_for_config_entry(registry, hub.entry.entry_id):
        platform = platforms.get(entity.unique_id)
        if platform is None or entity.domain == platform:
            continue
        registry.async_remove(entity.entity_id)
        moved = registry.async_get_or_create(
            platform,
            DOMAIN,
            entity.unique_id,
            suggested_object_id=entity.entity_id.split(".", 1)[1],
            config_entry=hub.entry,
            device_id=entity.device_id,
            disabled_by=entity.disabled_by,
            hidden_by=entity.hidden_by,
        )
        registry.async_update_entity(
            moved.entity_id, name=entity.name, icon=entity.icon, area_id=entity.area_id
        )
