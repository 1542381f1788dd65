"""What Home Assistant needs from each kind of PyIoT config entry.

Each system under `systems/` declares its entry kinds with `EntryKind`; `__init__.py`, the config flow,
the diagnostics and the entity platforms look the kind of an entry up in `systems.ENTRY_KINDS` and
dispatch to it. The object an entry runs (`runtime_data`) is an `EntryRuntime`.
"""

from collections.abc import Awaitable, Callable, Mapping
from dataclasses import dataclass, field
from typing import Any, Protocol

from homeassistant.components.bluetooth import BluetoothServiceInfoBleak
from homeassistant.config_entries import ConfigEntry, OptionsFlow
from homeassistant.const import Platform
from homeassistant.core import CALLBACK_TYPE, HomeAssistant
from homeassistant.data_entry_flow import BaseServiceInfo
from homeassistant.helpers import device_registry as dr
from homeassistant.helpers.entity_platform import AddConfigEntryEntitiesCallback
from homeassistant.helpers.service_info.mqtt import MqttServiceInfo
from homeassistant.helpers.trigger import TriggerActionType, TriggerInfo
from homeassistant.helpers.typing import ConfigType


class EntryRuntime(Protocol):
    """What a loaded entry runs: a node hub, a thermostat zone, ..."""

    def start(self) -> None:
        """Start talking to the world; called once the entity platforms are set up."""

    async def async_unload(self) -> None:
        """Stop and save; the entry is unloading."""

    def diagnostics(self) -> dict[str, Any]:
        """What a maintainer needs to understand the entry (redacted by the caller)."""

    def async_remove_device(self, device: dr.DeviceEntry) -> bool:
        """Whether the user may delete `device` (forgetting it if so)."""


type PyIoTConfigEntry = ConfigEntry[EntryRuntime]

type PlatformSetup[RuntimeT] = Callable[[RuntimeT, AddConfigEntryEntitiesCallback], None]
"""Adds the entities of one platform for a runtime, now and as it finds more."""


@dataclass(frozen=True, kw_only=True, slots=True)
class Discovery:
    """A discovery a kind answers: HA calls the flow's `async_step_<source>`, which runs `step`."""

    source: str
    """"mqtt", "zeroconf" or "bluetooth": the discovery step HA calls."""
    step: str
    """The flow step (without `async_step_`) that takes the discovery info."""
    matches: Callable[[BaseServiceInfo | BluetoothServiceInfoBleak], bool]
    """Whether this kind owns a discovery of its source (by topic, service type, ...)."""


def mqtt_topic(topic: str) -> Callable[[BaseServiceInfo | BluetoothServiceInfoBleak], bool]:
    """Match MQTT discoveries of one manifest topic."""
    return lambda info: isinstance(info, MqttServiceInfo) and info.subscribed_topic == topic


class DeviceTriggers(Protocol):
    """The device triggers of a kind's devices; the top-level `device_trigger` module dispatches here."""

    async def async_get_triggers(
        self, hass: HomeAssistant, entry: ConfigEntry, device: dr.DeviceEntry
    ) -> list[dict[str, Any]]:
        """The triggers `device` offers."""

    async def async_validate(self, hass: HomeAssistant, entry: ConfigEntry, config: ConfigType) -> ConfigType:
        """The validated trigger config (`InvalidDeviceAutomationConfig` when it cannot be used)."""

    async def async_get_capabilities(
        self, hass: HomeAssistant, entry: ConfigEntry, config: ConfigType
    ) -> dict[str, Any]:
        """Extra fields of a trigger (`{"extra_fields": schema}`), or none."""

    async def async_attach(
        self,
        hass: HomeAssistant,
        entry: ConfigEntry,
        config: ConfigType,
        action: TriggerActionType,
        trigger_info: TriggerInfo,
    ) -> CALLBACK_TYPE:
        """Listen for the trigger; returns the function that stops listening."""


@dataclass(frozen=True, kw_only=True, slots=True)
class EntryKind[RuntimeT: EntryRuntime]:
    """One kind of config entry: the config flow menu offers one item per kind.

    `key` is stored in the entry's data (`entry_type`) and is the id of the menu item and of the flow
    step that starts the kind; `platforms` says which entities the runtime has.
    """

    key: str
    async_setup: Callable[[HomeAssistant, PyIoTConfigEntry], Awaitable[RuntimeT]]
    platforms: Mapping[Platform, PlatformSetup[RuntimeT]]
    storage_keys: Callable[[str], tuple[str, ...]]
    """The HA storage keys the entry with this id writes, deleted when the entry is removed."""
    options_flow: Callable[[], OptionsFlow] | None = None
    reconfigure_step: str | None = None
    discoveries: tuple[Discovery, ...] = ()
    migrate_to_v2: Callable[[HomeAssistant, ConfigEntry], Awaitable[None]] | None = None
    """Rewrites what a version 1 entry left in the registries (unique ids scoped per entry)."""
    redact: frozenset[str] = field(default_factory=frozenset)
    """Keys redacted from the diagnostics, beyond the common ones."""
    device_triggers: DeviceTriggers | None = None
    """Device triggers of the kind's devices (HA's device automations), if it has any."""
