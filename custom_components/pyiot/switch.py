"""Switch entities for writable on/off points (relays, LEDs)."""

from typing import Any, override

from homeassistant.components.switch import SwitchEntity
from homeassistant.core import HomeAssistant
from homeassistant.helpers.entity_platform import AddConfigEntryEntitiesCallback

from .core.nodes import PointKind
from .entity import PyIoTPointEntity, setup_point_platform
from .models import PyIoTConfigEntry

PARALLEL_UPDATES = 1


async def async_setup_entry(
    hass: HomeAssistant,
    entry: PyIoTConfigEntry,
    async_add_entities: AddConfigEntryEntitiesCallback,
) -> None:
    """Set up switches for the points of the entry's nodes."""
    setup_point_platform(entry.runtime_data, PointKind.SWITCH, PyIoTSwitch, async_add_entities)


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
