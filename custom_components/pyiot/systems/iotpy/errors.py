"""IOTpy write failures (local devices and remote servers alike) as translated Home Assistant errors."""

from homeassistant.exceptions import HomeAssistantError

from ...const import DOMAIN
from ...core.iotpy import IotpyWriteError


def translated_write_error(err: IotpyWriteError, *, device: str, variable: str) -> HomeAssistantError:
    """The error the user sees: one translation per `WriteProblem` (HTTP 400, 404, 500, timeout, ...)."""
    return HomeAssistantError(
        translation_domain=DOMAIN,
        translation_key=f"iotpy_{err.key.value}",
        translation_placeholders={
            "device": device,
            "variable": variable,
            "status": str(err.status) if err.status is not None else "",
            "error": str(err),
        },
    )
