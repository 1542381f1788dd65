"""One entity class per kind of point, and the platform table every node hub entry kind uses."""

from collections.abc import Mapping
from datetime import date, datetime
from decimal import Decimal
from typing import Any, override

from homeassistant.components.binary_sensor import BinarySensorEntity
from homeassistant.components.button import ButtonEntity
from homeassistant.components.event import EventEntity
from homeassistant.components.number import NumberEntity, NumberMode
from homeassistant.components.select import SelectEntity
from homeassistant.components.sensor import SensorEntity, SensorStateClass
from homeassistant.components.switch import SwitchEntity
from homeassistant.components.text import TextEntity
from homeassistant.const import Platform
from homeassistant.core import callback
from homeassistant.helpers.entity_platform import AddConfigEntryEntitiesCallback

from ..core.nodes import PointKind, PointSpec
from ..kinds import PlatformSetup
from .entity import PyIoTPointEntity
from .hub import NodeHub


class PyIoTSensor(PyIoTPointEntity, SensorEntity):
    """A numeric or text value reported by a node."""

    def __init__(self, hub: NodeHub, node_id: str, point: PointSpec) -> None:
        """Take unit, state class and precision from the point."""
        super().__init__(hub, node_id, point)
        self._attr_native_unit_of_measurement = point.unit
        self._attr_state_class = SensorStateClass(point.state_class) if point.state_class else None
        self._attr_suggested_display_precision = point.suggested_precision

    @property
    @override
    def native_value(self) -> str | int | float | date | datetime | Decimal | None:
        return self.point_value  # type: ignore[no-any-return]


class PyIoTBinarySensor(PyIoTPointEntity, BinarySensorEntity):
    """An on/off value reported by a node."""

    @property
    @override
    def is_on(self) -> bool | None:
        return None if self.point_value is None else bool(self.point_value)


class PyIoTSwitch(PyIoTPointEntity, SwitchEntity):
    """A writable on/off point; its state follows what the node reports back."""

    @property
    @override
    def is_on(self) -> bool | None:
        return None if self.point_value is None else bool(self.point_value)

    @override
    async def async_turn_on(self, **kwargs: Any) -> None:
        await self.async_write_value(True)  # noqa: FBT003

    @override
    async def async_turn_off(self, **kwargs: Any) -> None:
        await self.async_write_value(False)  # noqa: FBT003


class PyIoTNumber(PyIoTPointEntity, NumberEntity):
    """A numeric setting of a node."""

    _attr_mode = NumberMode.BOX

    def __init__(self, hub: NodeHub, node_id: str, point: PointSpec) -> None:
        """Take range, step and unit from the point."""
        super().__init__(hub, node_id, point)
        self._attr_native_unit_of_measurement = point.unit
        if point.minimum is not None:
            self._attr_native_min_value = point.minimum
        if point.maximum is not None:
            self._attr_native_max_value = point.maximum
        if point.step is not None:
            self._attr_native_step = point.step

    @property
    @override
    def native_value(self) -> float | None:
        return None if self.point_value is None else float(self.point_value)

    @override
    async def async_set_native_value(self, value: float) -> None:
        await self.async_write_value(value)


class PyIoTSelect(PyIoTPointEntity, SelectEntity):
    """One of a fixed set of options."""

    def __init__(self, hub: NodeHub, node_id: str, point: PointSpec) -> None:
        """Take the options from the point."""
        super().__init__(hub, node_id, point)
        self._attr_options = list(point.options)

    @property
    @override
    def current_option(self) -> str | None:
        return None if self.point_value is None else str(self.point_value)

    @override
    async def async_select_option(self, option: str) -> None:
        await self.async_write_value(option)


class PyIoTText(PyIoTPointEntity, TextEntity):
    """Free text the node accepts."""

    @property
    @override
    def native_value(self) -> str | None:
        return None if self.point_value is None else str(self.point_value)

    @override
    async def async_set_value(self, value: str) -> None:
        await self.async_write_value(value)


class PyIoTButton(PyIoTPointEntity, ButtonEntity):
    """Triggers an action on the node."""

    @override
    async def async_press(self) -> None:
        await self.async_write_value(None)


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


ENTITY_CLASSES: Mapping[PointKind, type[PyIoTPointEntity]] = {
    PointKind.SENSOR: PyIoTSensor,
    PointKind.BINARY_SENSOR: PyIoTBinarySensor,
    PointKind.SWITCH: PyIoTSwitch,
    PointKind.NUMBER: PyIoTNumber,
    PointKind.SELECT: PyIoTSelect,
    PointKind.TEXT: PyIoTText,
    PointKind.BUTTON: PyIoTButton,
    PointKind.EVENT: PyIoTEvent,
}


def _point_platform(kind: PointKind) -> PlatformSetup[NodeHub]:
    entity_class = ENTITY_CLASSES[kind]

    def setup(hub: NodeHub, async_add_entities: AddConfigEntryEntitiesCallback) -> None:
        def add(points: list[tuple[str, PointSpec]]) -> None:
            async_add_entities(entity_class(hub, node_id, point) for node_id, point in points)

        hub.async_add_platform(kind, add)

    return setup


NODE_PLATFORMS: Mapping[Platform, PlatformSetup[NodeHub]] = {
    Platform(kind.value): _point_platform(kind) for kind in ENTITY_CLASSES
}
"""Each kind of point is shown by the platform of the same name: adds its entities now and later."""
