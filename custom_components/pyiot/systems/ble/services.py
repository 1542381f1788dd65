"""The IoT Hub device requests as actions: read, write, notify, set and sync the clock, reset, disconnect.

Each action names a PyIoT BLE device (a device of a BLE GATT entry); `characteristic` is a UUID (short
`2A19` or full; the first one of that UUID) or the key of a ticked characteristic (`<uuid>_<handle>`).
"""

from collections.abc import Awaitable, Callable
from typing import Final

from homeassistant.config_entries import ConfigEntryState
from homeassistant.core import HomeAssistant, ServiceCall, ServiceResponse, SupportsResponse
from homeassistant.exceptions import HomeAssistantError, ServiceValidationError
from homeassistant.helpers import config_validation as cv, device_registry as dr
import probatio as vol

from ...const import CONF_ENTRY_TYPE, DOMAIN
from ...core.protocols.ble import BleError, BleGattDevice
from .const import BLE_GATT
from .runtime import BleDeviceHub

ATTR_DEVICE_ID: Final = "device_id"
ATTR_CHARACTERISTIC: Final = "characteristic"
ATTR_VALUE: Final = "value"

DEVICE_SCHEMA: Final = vol.Schema({vol.Required(ATTR_DEVICE_ID): cv.string})
CHARACTERISTIC_SCHEMA: Final = DEVICE_SCHEMA.extend({vol.Required(ATTR_CHARACTERISTIC): cv.string})
WRITE_SCHEMA: Final = CHARACTERISTIC_SCHEMA.extend({vol.Required(ATTR_VALUE): vol.Any(str, int, float, bool)})

type Request = Callable[[BleGattDevice, ServiceCall], Awaitable[ServiceResponse]]


async def _read(device: BleGattDevice, call: ServiceCall) -> ServiceResponse:
    return (await device.read(call.data[ATTR_CHARACTERISTIC])).as_response()


async def _write(device: BleGattDevice, call: ServiceCall) -> ServiceResponse:
    return {"written": await device.write(call.data[ATTR_CHARACTERISTIC], call.data[ATTR_VALUE])}


async def _start_notify(device: BleGattDevice, call: ServiceCall) -> ServiceResponse:
    await device.start_notify(call.data[ATTR_CHARACTERISTIC])
    return None


async def _stop_notify(device: BleGattDevice, call: ServiceCall) -> ServiceResponse:
    await device.stop_notify(call.data[ATTR_CHARACTERISTIC])
    return None


async def _set_time(device: BleGattDevice, _call: ServiceCall) -> ServiceResponse:
    return {"time": (await device.set_time()).isoformat()}


async def _sync_time(device: BleGattDevice, _call: ServiceCall) -> ServiceResponse:
    return {"drift": await device.sync_time()}


async def _reset(device: BleGattDevice, _call: ServiceCall) -> ServiceResponse:
    await device.reset()
    return None


async def _disconnect(device: BleGattDevice, _call: ServiceCall) -> ServiceResponse:
    await device.disconnect()
    return None


ACTIONS: Final[dict[str, tuple[vol.Schema, Request, SupportsResponse]]] = {
    "ble_read": (CHARACTERISTIC_SCHEMA, _read, SupportsResponse.OPTIONAL),
    "ble_write": (WRITE_SCHEMA, _write, SupportsResponse.OPTIONAL),
    "ble_start_notify": (CHARACTERISTIC_SCHEMA, _start_notify, SupportsResponse.NONE),
    "ble_stop_notify": (CHARACTERISTIC_SCHEMA, _stop_notify, SupportsResponse.NONE),
    "ble_set_time": (DEVICE_SCHEMA, _set_time, SupportsResponse.OPTIONAL),
    "ble_sync_time": (DEVICE_SCHEMA, _sync_time, SupportsResponse.OPTIONAL),
    "ble_reset": (DEVICE_SCHEMA, _reset, SupportsResponse.NONE),
    "ble_disconnect": (DEVICE_SCHEMA, _disconnect, SupportsResponse.NONE),
}


def _hub_of(hass: HomeAssistant, device_id: str) -> BleDeviceHub:
    """The loaded BLE GATT entry behind a device of the device registry."""
    device = dr.async_get(hass).async_get(device_id)
    entry = hass.config_entries.async_get_entry(device.config_entry_id) if device is not None else None
    if (
        entry is not None
        and entry.domain == DOMAIN
        and entry.data.get(CONF_ENTRY_TYPE) == BLE_GATT
        and entry.state is ConfigEntryState.LOADED
        and isinstance(entry.runtime_data, BleDeviceHub)
    ):
        return entry.runtime_data
    raise ServiceValidationError(
        translation_domain=DOMAIN,
        translation_key="ble_not_a_device",
        translation_placeholders={"device": device_id},
    )


def async_setup_services(hass: HomeAssistant) -> None:
    """Register the BLE actions."""
    for name, (schema, request, supports_response) in ACTIONS.items():

        async def handle(call: ServiceCall, request: Request = request) -> ServiceResponse:
            hub = _hub_of(hass, call.data[ATTR_DEVICE_ID])
            try:
                response = await request(hub.link.device, call)
            except BleError as err:
                raise HomeAssistantError(
                    translation_domain=DOMAIN,
                    translation_key="ble_request_failed",
                    translation_placeholders={"name": hub.entry.title, "error": str(err), "reason": err.key},
                ) from err
            return response if call.return_response else None

        hass.services.async_register(DOMAIN, name, handle, schema=schema, supports_response=supports_response)
