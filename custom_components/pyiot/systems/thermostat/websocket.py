"""The schedule card's websocket commands: a zone's week, followed live, and edits through the engine.

`pyiot/schedule/get`, `pyiot/schedule/subscribe` and `pyiot/schedule/edit` (see `frontend/README.md`)
answer `core.thermostat.schedule_api.schedule_state`; an edit is `schedule_api.apply_edit`, validated by
the engine as the actions are. Nothing is kept in the browser: the zone's schedule is in HA storage.
"""

from datetime import date
from typing import Any, Final

from homeassistant.components import websocket_api
from homeassistant.components.climate.const import DOMAIN as CLIMATE_DOMAIN
from homeassistant.components.websocket_api.connection import ActiveConnection
from homeassistant.components.websocket_api.decorators import websocket_command
from homeassistant.core import HomeAssistant, callback
from homeassistant.exceptions import ServiceValidationError
from homeassistant.helpers import config_validation as cv, entity_registry as er
from homeassistant.util import dt as dt_util
import probatio as vol

from ...const import DOMAIN
from ...core.thermostat import ScheduleError
from ...core.thermostat.schedule_api import apply_edit, schedule_state
from .zone import ThermostatZone

ERROR_NOT_A_ZONE: Final = "not_a_zone"
ERROR_SCHEDULE: Final = "schedule_error"

_REQUEST: Final[dict[str | vol.Marker, Any]] = {
    vol.Required("entity_id"): cv.entity_id,
    vol.Optional("date"): cv.date,
}


def _zone(hass: HomeAssistant, entity_id: str) -> ThermostatZone | None:
    """The zone behind a PyIoT climate entity, or None."""
    entry = er.async_get(hass).async_get(entity_id)
    if entry is None or entry.platform != DOMAIN or entry.domain != CLIMATE_DOMAIN:
        return None
    config_entry = hass.config_entries.async_get_entry(entry.config_entry_id or "")
    runtime = getattr(config_entry, "runtime_data", None) if config_entry is not None else None
    return runtime if isinstance(runtime, ThermostatZone) else None


def _state(zone: ThermostatZone, entity_id: str, day: date | None) -> dict[str, Any]:
    return schedule_state(
        entity_id, zone.controller.schedule, dt_util.utcnow(), zone.output, hold=zone.controller.hold, day=day
    )


def _not_a_zone(connection: ActiveConnection, msg: dict[str, Any]) -> None:
    connection.send_error(
        msg["id"],
        ERROR_NOT_A_ZONE,
        f"{msg['entity_id']} is not a PyIoT thermostat zone",
        translation_key=ERROR_NOT_A_ZONE,
        translation_domain=DOMAIN,
        translation_placeholders={"entity_id": msg["entity_id"]},
    )


@websocket_command({vol.Required("type"): "pyiot/schedule/get", **_REQUEST})
@callback
def ws_get(hass: HomeAssistant, connection: ActiveConnection, msg: dict[str, Any]) -> None:
    """A zone's week, its decision and its hold policy."""
    if (zone := _zone(hass, msg["entity_id"])) is None:
        _not_a_zone(connection, msg)
        return
    connection.send_result(msg["id"], _state(zone, msg["entity_id"], msg.get("date")))


@websocket_command({vol.Required("type"): "pyiot/schedule/subscribe", **_REQUEST})
@callback
def ws_subscribe(hass: HomeAssistant, connection: ActiveConnection, msg: dict[str, Any]) -> None:
    """The same state at once and after every decision of the zone (a schedule change makes one)."""
    if (zone := _zone(hass, msg["entity_id"])) is None:
        _not_a_zone(connection, msg)
        return

    @callback
    def send() -> None:
        connection.send_event(msg["id"], _state(zone, msg["entity_id"], msg.get("date")))

    connection.subscriptions[msg["id"]] = zone.async_add_listener(send)
    connection.send_result(msg["id"])
    send()


@websocket_command(
    {
        vol.Required("type"): "pyiot/schedule/edit",
        vol.Required("entity_id"): cv.entity_id,
        vol.Required("edit"): dict,
        vol.Optional("revision"): str,
        vol.Optional("date"): cv.date,
    }
)
@callback
def ws_edit(hass: HomeAssistant, connection: ActiveConnection, msg: dict[str, Any]) -> None:
    """One edit of the card, validated by the engine; the new state, or a translated refusal."""
    if (zone := _zone(hass, msg["entity_id"])) is None:
        _not_a_zone(connection, msg)
        return
    now = dt_util.utcnow()
    try:
        zone.async_change_schedule(
            lambda schedule: apply_edit(
                schedule, now, msg["edit"], hold=zone.controller.hold, expected_revision=msg.get("revision")
            )
        )
    except ServiceValidationError as err:
        cause = err.__cause__
        key = cause.translation_key if isinstance(cause, ScheduleError) else "invalid_edit"
        placeholders = cause.placeholders if isinstance(cause, ScheduleError) else {}
        connection.send_error(
            msg["id"],
            ERROR_SCHEDULE,
            str(cause or err),
            translation_key=key,
            translation_domain=DOMAIN,
            translation_placeholders=placeholders,
        )
        return
    connection.send_result(msg["id"], _state(zone, msg["entity_id"], msg.get("date")))


@callback
def async_register_websocket_commands(hass: HomeAssistant) -> None:
    """Register the schedule card's commands (once, from the integration's `async_setup`)."""
    for command in (ws_get, ws_subscribe, ws_edit):
        websocket_api.async_register_command(hass, command)
