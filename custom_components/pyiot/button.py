"""Button entities for node actions."""

from typing import override

from homeassistant.components.button import ButtonEntity
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
    """Set up buttons for the actions of the entry's nodes."""
    setup_point_platform(entry.runtime_data, PointKind.BUTTON, PyIoTButton, async_add_entities)


class PyIoTButton(PyIoTPointEntity, ButtonEntity):
    """Triggers an action on the node."""

    @override
    async def async_press(self) -> None:
        await self.async_write_value(None)
