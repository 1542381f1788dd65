"""Forms of the FmPyIOT flows, and the check of a device's web API they share."""

from collections.abc import Iterable

from homeassistant.components.binary_sensor.const import BinarySensorDeviceClass
from homeassistant.components.sensor import SensorDeviceClass
from homeassistant.const import CONF_HOST, CONF_PASSWORD, CONF_PORT, CONF_USERNAME
from homeassistant.core import HomeAssistant
from homeassistant.helpers.aiohttp_client import async_get_clientsession
from homeassistant.helpers.selector import (
    BooleanSelector,
    NumberSelector,
    NumberSelectorConfig,
    NumberSelectorMode,
    SelectOptionDict,
    SelectSelector,
    SelectSelectorConfig,
    SelectSelectorMode,
    TextSelector,
    TextSelectorConfig,
    TextSelectorType,
)
import probatio as vol

from ...core.protocols.fmpyiot import (
    ActionKind,
    FmPyIotWeb,
    WebAuthError,
    WebConnectError,
    WebError,
    WebTimeoutError,
)
from ...core.protocols.fmpyiot.settings import MAX_PORT
from .const import (
    CONF_ACTION,
    CONF_DEVICE,
    CONF_DEVICE_CLASS,
    CONF_OFF_PAYLOAD,
    CONF_ON_PAYLOAD,
    CONF_REVERSE_TOPIC,
    CONF_SLEEP_PERIOD,
    CONF_SLEEP_PERIODS,
    CONF_SLEEPING,
    CONF_TOPIC,
    CONF_UNIT,
)

READ_ONLY = "read"
"""The action choice of a topic that is only read."""
NUMERIC_CLASSES = tuple(
    cls.value
    for cls in SensorDeviceClass
    if cls not in {SensorDeviceClass.ENUM, SensorDeviceClass.DATE, SensorDeviceClass.TIMESTAMP}
)
BINARY_CLASSES = tuple(cls.value for cls in BinarySensorDeviceClass)

_WEB_ERRORS = {
    WebAuthError: "fmpyiot_invalid_auth",
    WebTimeoutError: "fmpyiot_timeout",
    WebConnectError: "fmpyiot_cannot_connect",
}


async def async_check_web(
    hass: HomeAssistant, host: str, port: int, username: str | None, password: str | None
) -> str | None:
    """Why the device's web API cannot be used with these settings (an error key), or None.

    Without a user name only the fingerprint (`/api/hello`, no credentials) is asked.
    """
    if username is not None and FmPyIotWeb.credentials_problem(username, password or ""):
        return "fmpyiot_colon_in_credentials"
    web = FmPyIotWeb(
        async_get_clientsession(hass), host, port, username=username, password=password if username else None
    )
    try:
        await (web.async_validate() if username is not None else web.async_hello())
    except WebError as err:
        if err.key == "not_fmpyiot":
            return "fmpyiot_not_fmpyiot"
        return next(
            (key for kind, key in _WEB_ERRORS.items() if isinstance(err, kind)), "fmpyiot_bad_response"
        )
    return None


def device_schema(devices: dict[str, str]) -> vol.Schema:
    """Pick one of the entry's devices (node id → name)."""
    options = [SelectOptionDict(value=node_id, label=name) for node_id, name in devices.items()]
    return vol.Schema({vol.Required(CONF_DEVICE): SelectSelector(SelectSelectorConfig(options=options))})


def web_schema() -> vol.Schema:
    """Where the device's web server is and its credentials (none: it is only found)."""
    return vol.Schema(
        {
            vol.Required(CONF_HOST): TextSelector(),
            vol.Required(CONF_PORT): NumberSelector(
                NumberSelectorConfig(min=1, max=MAX_PORT, step=1, mode=NumberSelectorMode.BOX)
            ),
            vol.Optional(CONF_USERNAME): TextSelector(),
            vol.Optional(CONF_PASSWORD): TextSelector(TextSelectorConfig(type=TextSelectorType.PASSWORD)),
        }
    )


def credentials_schema() -> vol.Schema:
    """New credentials for a device that refused the stored ones."""
    return vol.Schema(
        {
            vol.Required(CONF_USERNAME): TextSelector(),
            vol.Optional(CONF_PASSWORD): TextSelector(TextSelectorConfig(type=TextSelectorType.PASSWORD)),
        }
    )


def sleep_schema() -> vol.Schema:
    """A battery device (`FmPyIotSleep`) says BYE after every cycle: keep it available N periods."""
    return vol.Schema(
        {
            vol.Required(CONF_SLEEPING): BooleanSelector(),
            vol.Required(CONF_SLEEP_PERIOD): NumberSelector(
                NumberSelectorConfig(
                    min=1, max=86400, step=1, mode=NumberSelectorMode.BOX, unit_of_measurement="s"
                )
            ),
            vol.Required(CONF_SLEEP_PERIODS): NumberSelector(
                NumberSelectorConfig(min=1, max=100, step=1, mode=NumberSelectorMode.BOX)
            ),
        }
    )


def topic_schema(topics: Iterable[str]) -> vol.Schema:
    """One topic: read only or an action; its class, unit, reverse topic and switch payloads."""
    return vol.Schema(
        {
            vol.Required(CONF_TOPIC): SelectSelector(
                SelectSelectorConfig(
                    options=sorted(topics), custom_value=True, mode=SelectSelectorMode.DROPDOWN
                )
            ),
            vol.Required(CONF_ACTION): SelectSelector(
                SelectSelectorConfig(
                    translation_key="fmpyiot_action",
                    options=[READ_ONLY, *(kind.value for kind in ActionKind)],
                )
            ),
            vol.Optional(CONF_DEVICE_CLASS): SelectSelector(
                SelectSelectorConfig(
                    options=sorted({*NUMERIC_CLASSES, *BINARY_CLASSES}), mode=SelectSelectorMode.DROPDOWN
                )
            ),
            vol.Optional(CONF_UNIT): TextSelector(),
            vol.Optional(CONF_REVERSE_TOPIC): TextSelector(),
            vol.Optional(CONF_ON_PAYLOAD): TextSelector(),
            vol.Optional(CONF_OFF_PAYLOAD): TextSelector(),
        }
    )
