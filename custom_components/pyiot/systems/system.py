"""What a system package declares."""

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from homeassistant.core import HomeAssistant

from ..kinds import EntryKind


@dataclass(frozen=True, kw_only=True, slots=True)
class System:
    """One of the DIY IoT systems PyIoT brings into Home Assistant."""

    name: str
    kinds: tuple[EntryKind[Any], ...]
    async_setup_services: Callable[[HomeAssistant], None] | None = None
    """Registers the system's actions (called once, from the integration's `async_setup`)."""
