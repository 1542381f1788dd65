"""The IOTpy actions.

`pyiot.iotpy_write` writes a variable of an IOTpy device, local or on a remote server. It reaches any
variable the device has, exposed as an entity or not, through the same path as the entities (the
device's `write()` in a thread, or `POST /write`); failures are translated per reason.
`pyiot.iotpy_reload` imports the device files of an entry again (all, or one), without waiting for the
folder watch (or with the watch off).
"""

from typing import Final

from homeassistant.config_entries import ConfigEntryState
from homeassistant.core import HomeAssistant, ServiceCall
from homeassistant.exceptions import HomeAssistantError, ServiceValidationError
from homeassistant.helpers import config_validation as cv, device_registry as dr
import probatio as vol

from ...const import CONF_ENTRY_TYPE, DOMAIN
from ...core.iotpy import IotpyRuntime, IotpyWriteError
from ...hub import NodeHub
from .const import IOTPY_FILES, IOTPY_SERVER
from .errors import translated_write_error

ATTR_DEVICE_ID: Final = "device_id"
ATTR_VARIABLE: Final = "variable"
ATTR_VALUE: Final = "value"
ATTR_CONFIG_ENTRY_ID: Final = "config_entry_id"
ATTR_FILE: Final = "file"

WRITE_SCHEMA: Final = vol.Schema(
    {
        vol.Required(ATTR_DEVICE_ID): cv.string,
        vol.Required(ATTR_VARIABLE): cv.string,
        vol.Required(ATTR_VALUE): vol.Any(bool, int, float),
    }
)


RELOAD_SCHEMA: Final = vol.Schema(
    {vol.Required(ATTR_CONFIG_ENTRY_ID): cv.string, vol.Optional(ATTR_FILE): cv.string}
)


def _node_of(hass: HomeAssistant, device_id: str) -> tuple[NodeHub, str]:
    """The loaded IOTpy entry's hub and the node behind a device of the device registry."""
    device = dr.async_get(hass).async_get(device_id, include_child_devices=False)
    entry = hass.config_entries.async_get_entry(device.config_entry_id) if device is not None else None
    if (
        device is not None
        and entry is not None
        and entry.domain == DOMAIN
        and entry.data.get(CONF_ENTRY_TYPE) in {IOTPY_FILES, IOTPY_SERVER}
        and entry.state is ConfigEntryState.LOADED
        and isinstance(hub := entry.runtime_data, NodeHub)
        and (node_id := hub.node_id_of_device(device)) is not None
    ):
        return hub, node_id
    raise ServiceValidationError(
        translation_domain=DOMAIN,
        translation_key="iotpy_not_a_device",
        translation_placeholders={"device": device_id},
    )


async def _async_write(hass: HomeAssistant, call: ServiceCall) -> None:
    hub, node_id = _node_of(hass, call.data[ATTR_DEVICE_ID])
    variable: str = call.data[ATTR_VARIABLE]
    if hub.transport is None or not hub.is_available(node_id):
        raise HomeAssistantError(
            translation_domain=DOMAIN,
            translation_key="node_unavailable",
            translation_placeholders={"node": hub.node_name(node_id)},
        )
    try:
        await hub.transport.async_write(node_id, variable, call.data[ATTR_VALUE])
    except IotpyWriteError as err:
        raise translated_write_error(err, device=hub.node_name(node_id), variable=variable) from err


def _runtime_of(hass: HomeAssistant, entry_id: str) -> IotpyRuntime:
    """The running device files of a loaded IOTpy device-files entry."""
    entry = hass.config_entries.async_get_entry(entry_id)
    if (
        entry is not None
        and entry.domain == DOMAIN
        and entry.data.get(CONF_ENTRY_TYPE) == IOTPY_FILES
        and entry.state is ConfigEntryState.LOADED
        and isinstance(hub := entry.runtime_data, NodeHub)
        and isinstance(runtime := hub.transport, IotpyRuntime)
    ):
        return runtime
    raise ServiceValidationError(
        translation_domain=DOMAIN,
        translation_key="iotpy_not_a_files_entry",
        translation_placeholders={"entry": entry_id},
    )


async def _async_reload(hass: HomeAssistant, call: ServiceCall) -> None:
    runtime = _runtime_of(hass, call.data[ATTR_CONFIG_ENTRY_ID])
    file: str | None = call.data.get(ATTR_FILE)
    if file is not None and file not in runtime.files:
        raise ServiceValidationError(
            translation_domain=DOMAIN,
            translation_key="iotpy_unknown_file",
            translation_placeholders={"file": file, "files": ", ".join(runtime.files) or "-"},
        )
    await runtime.async_reload(file)


def async_setup_services(hass: HomeAssistant) -> None:
    """Register the IOTpy actions."""

    async def write(call: ServiceCall) -> None:
        await _async_write(hass, call)

    async def reload(call: ServiceCall) -> None:
        await _async_reload(hass, call)

    hass.services.async_register(DOMAIN, "iotpy_write", write, schema=WRITE_SCHEMA)
    hass.services.async_register(DOMAIN, "iotpy_reload", reload, schema=RELOAD_SCHEMA)
