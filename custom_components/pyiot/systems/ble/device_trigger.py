"""Device triggers of a BLE GATT device: one per IoT Hub device event, on `pyiot_ble_event`.

The trigger types are the event types in lower case (`notified`, `connected`, `synced`, ...); the
notification triggers may name one characteristic (an extra field listing the ticked ones that
notify). The entry's stored options are enough: triggers validate and attach while the device is
out of range or its entry retries.
"""

from typing import Any, Final

from homeassistant.components.device_automation import DEVICE_TRIGGER_BASE_SCHEMA
from homeassistant.components.homeassistant.triggers import event as event_trigger
from homeassistant.config_entries import ConfigEntry
from homeassistant.const import CONF_DEVICE_ID, CONF_DOMAIN, CONF_EVENT_DATA, CONF_PLATFORM, CONF_TYPE
from homeassistant.core import CALLBACK_TYPE, HomeAssistant
from homeassistant.helpers import device_registry as dr
from homeassistant.helpers.selector import SelectOptionDict, SelectSelector, SelectSelectorConfig
from homeassistant.helpers.trigger import TriggerActionType, TriggerInfo
from homeassistant.helpers.typing import ConfigType
import probatio as vol

from ...const import DOMAIN
from ...core.protocols.ble import DeviceEventType
from .const import EVENT_BLE
from .explorer import characteristic_label
from .runtime import bindings_from_options

CONF_CHARACTERISTIC: Final = "characteristic"
TRIGGER_TYPES: Final = {event.value.lower(): event for event in DeviceEventType}
KEYED_TYPES: Final = frozenset(
    {DeviceEventType.NOTIFIED, DeviceEventType.NOTIFY_STARTED, DeviceEventType.NOTIFY_STOPPED}
)
"""Events of one characteristic (their data carries its `key`)."""

TRIGGER_SCHEMA: Final = DEVICE_TRIGGER_BASE_SCHEMA.extend(
    {
        vol.Required(CONF_DOMAIN): DOMAIN,
        vol.Required(CONF_TYPE): vol.In(list(TRIGGER_TYPES)),
        vol.Optional(CONF_CHARACTERISTIC): str,
    }
)


class BleDeviceTriggers:
    """The `DeviceTriggers` of the BLE GATT entry kind."""

    async def async_get_triggers(
        self, hass: HomeAssistant, entry: ConfigEntry, device: dr.DeviceEntry
    ) -> list[dict[str, Any]]:
        """Every event type, for the device."""
        return [
            {CONF_PLATFORM: "device", CONF_DOMAIN: DOMAIN, CONF_DEVICE_ID: device.id, CONF_TYPE: trigger_type}
            for trigger_type in TRIGGER_TYPES
        ]

    async def async_validate(self, hass: HomeAssistant, entry: ConfigEntry, config: ConfigType) -> ConfigType:
        """The schema above; a characteristic only on the notification triggers."""
        validated: ConfigType = TRIGGER_SCHEMA(config)
        if CONF_CHARACTERISTIC in validated and TRIGGER_TYPES[validated[CONF_TYPE]] not in KEYED_TYPES:
            raise vol.Invalid(f"{validated[CONF_TYPE]} triggers do not name a characteristic")
        return validated

    async def async_get_capabilities(
        self, hass: HomeAssistant, entry: ConfigEntry, config: ConfigType
    ) -> dict[str, Any]:
        """The notification triggers may name one of the ticked characteristics that notify."""
        if TRIGGER_TYPES.get(config.get(CONF_TYPE, "")) not in KEYED_TYPES:
            return {}
        options = [
            SelectOptionDict(
                value=binding.key, label=binding.name or characteristic_label(binding.characteristic)
            )
            for binding in bindings_from_options(dict(entry.options))
            if binding.characteristic.notifies
        ]
        return {
            "extra_fields": vol.Schema(
                {vol.Optional(CONF_CHARACTERISTIC): SelectSelector(SelectSelectorConfig(options=options))}
            )
        }

    async def async_attach(
        self,
        hass: HomeAssistant,
        entry: ConfigEntry,
        config: ConfigType,
        action: TriggerActionType,
        trigger_info: TriggerInfo,
    ) -> CALLBACK_TYPE:
        """An event trigger on the entry's `pyiot_ble_event` of that type (and characteristic)."""
        event_data: dict[str, str] = {
            "entry_id": entry.entry_id,
            "type": TRIGGER_TYPES[config[CONF_TYPE]].value,
        }
        if key := config.get(CONF_CHARACTERISTIC):
            event_data["key"] = key
        event_config = event_trigger.TRIGGER_SCHEMA(
            {
                CONF_PLATFORM: "event",
                event_trigger.CONF_EVENT_TYPE: EVENT_BLE,
                CONF_EVENT_DATA: event_data,
            }
        )
        return await event_trigger.async_attach_trigger(
            hass, event_config, action, trigger_info, platform_type="device"
        )
