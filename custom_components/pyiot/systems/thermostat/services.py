"""Thermostat actions: schedules, rules, overrides and away periods, on PyIoT climate entities."""

from collections.abc import Callable
from datetime import datetime, timedelta
from typing import Any

from homeassistant.components.climate.const import DOMAIN as CLIMATE_DOMAIN
from homeassistant.core import HomeAssistant, ServiceCall, ServiceResponse, SupportsResponse, callback
from homeassistant.exceptions import ServiceValidationError
from homeassistant.helpers import config_validation as cv, service
from homeassistant.util import dt as dt_util
import probatio as vol

from ...const import DOMAIN
from ...core.thermostat import (
    OVERRIDE_ID,
    CronRule,
    DatedRule,
    HoldPolicy,
    RecurringRule,
    Rule,
    Schedule,
    ScheduleError,
    Target,
    schedule_response,
)

WEEKDAYS = ("mon", "tue", "wed", "thu", "fri", "sat", "sun")
AWAY_RULE_ID = "away"

TARGET_FIELDS: dict[Any, Any] = {
    vol.Optional("temperature"): vol.Coerce(float),
    vol.Optional("target_temp_low"): vol.Coerce(float),
    vol.Optional("target_temp_high"): vol.Coerce(float),
}
RULE_FIELDS: dict[Any, Any] = {
    vol.Required("rule_id"): cv.string,
    vol.Optional("name", default=""): cv.string,
    vol.Required("kind"): vol.In(["recurring", "cron", "dated"]),
    vol.Optional("weekdays"): vol.All(cv.ensure_list, [vol.In(WEEKDAYS)]),
    vol.Optional("start"): cv.time,
    vol.Optional("end"): cv.time,
    vol.Optional("cron"): cv.string,
    vol.Optional("duration"): cv.time_period,
    vol.Optional("dates"): cv.string,
    vol.Optional("sensors"): {cv.entity_id: vol.Coerce(float)},
    **TARGET_FIELDS,
}


def _target(data: dict[str, Any], schedule: Schedule) -> Target:
    """The target of a call: one temperature (heating, or cooling for a cooling-only zone) or a range."""
    if "temperature" in data:
        temperature = data["temperature"]
        cooling_only = schedule.default.heat is None
        return Target(cool=temperature) if cooling_only else Target(heat=temperature)
    if "target_temp_low" in data or "target_temp_high" in data:
        return Target(heat=data.get("target_temp_low"), cool=data.get("target_temp_high"))
    raise ScheduleError("target_empty")


def _rule(data: dict[str, Any], schedule: Schedule) -> Rule:
    common: dict[str, Any] = {
        "rule_id": data["rule_id"],
        "name": data["name"],
        "target": _target(data, schedule),
        "sensors": data.get("sensors"),
    }
    match data["kind"]:
        case "recurring":
            if "weekdays" not in data or "start" not in data or "end" not in data:
                raise ScheduleError(
                    "invalid_data", {"reason": "a recurring rule needs weekdays, start and end"}
                )
            weekdays = frozenset(WEEKDAYS.index(day) for day in data["weekdays"])
            return RecurringRule(**common, weekdays=weekdays, start=data["start"], end=data["end"])
        case "cron":
            if "cron" not in data or "duration" not in data:
                raise ScheduleError("invalid_data", {"reason": "a cron rule needs cron and duration"})
            return CronRule(**common, cron=data["cron"], duration=data["duration"])
        case _:
            if "dates" not in data:
                raise ScheduleError("invalid_data", {"reason": "a dated rule needs dates"})
            return DatedRule.from_iso(data["dates"], **common)


def _moment(moment: datetime) -> datetime:
    """A moment of an action (`cv.datetime`); without a zone it is a wall time of HA's zone."""
    return moment if moment.tzinfo else moment.replace(tzinfo=dt_util.get_default_time_zone())


type Change = Callable[[Schedule], Schedule]


def _set_schedule(call: ServiceCall, _hold: HoldPolicy) -> Change:
    def change(schedule: Schedule) -> Schedule:
        overrides = [rule for rule in schedule.rules if rule.rule_id == OVERRIDE_ID]
        rules = [_rule(RULE_SCHEMA(rule), schedule) for rule in call.data["rules"]]
        return Schedule(
            time_zone=schedule.time_zone,
            default=schedule.default,
            sensors=schedule.sensors,
            rules=[*rules, *overrides],
            limits=schedule.limits,
            lookahead=schedule.lookahead,
        )

    return change


def _add_rule(call: ServiceCall, _hold: HoldPolicy) -> Change:
    return lambda schedule: schedule.with_rule(_rule(dict(call.data), schedule))


def _remove_rule(call: ServiceCall, _hold: HoldPolicy) -> Change:
    return lambda schedule: schedule.without_rule(call.data["rule_id"])


def _set_away(call: ServiceCall, _hold: HoldPolicy) -> Change:
    def change(schedule: Schedule) -> Schedule:
        start, end = _moment(call.data["start"]), _moment(call.data["end"])
        away = DatedRule(
            rule_id=AWAY_RULE_ID,
            name="away",
            target=Target(heat=call.data["minimum_temperature"]),
            start=start,
            end=end,
        )
        return schedule.with_rule(away)

    return change


def _clear_override(call: ServiceCall, _hold: HoldPolicy) -> Change:
    return lambda schedule: schedule.without_overrides()


def _set_override(call: ServiceCall, hold: HoldPolicy) -> Change:
    def change(schedule: Schedule) -> Schedule:
        now = dt_util.utcnow()
        duration: timedelta | None = call.data.get("duration")
        if (until := call.data.get("until")) is not None:
            duration = _moment(until) - now
        return schedule.with_override(now, _target(dict(call.data), schedule), duration=duration, hold=hold)

    return change


RULE_SCHEMA = vol.Schema(RULE_FIELDS)

SCHEDULE_CHANGES: dict[str, tuple[dict[Any, Any], Callable[[ServiceCall, HoldPolicy], Change]]] = {
    "set_schedule": ({vol.Required("rules"): vol.All(cv.ensure_list, [dict])}, _set_schedule),
    "add_rule": (RULE_FIELDS, _add_rule),
    "remove_rule": ({vol.Required("rule_id"): cv.string}, _remove_rule),
    "set_override": (
        {
            **TARGET_FIELDS,
            vol.Exclusive("duration", "end"): cv.time_period,
            vol.Exclusive("until", "end"): cv.datetime,
        },
        _set_override,
    ),
    "clear_override": ({}, _clear_override),
    "set_away": (
        {
            vol.Required("start"): cv.datetime,
            vol.Required("end"): cv.datetime,
            vol.Required("minimum_temperature"): vol.Coerce(float),
        },
        _set_away,
    ),
}


async def _apply(entity: Any, call: ServiceCall) -> None:
    """Run a schedule change on the zone of a PyIoT climate entity."""
    build = SCHEDULE_CHANGES[call.service][1]
    try:
        entity.zone.async_change_schedule(build(call, entity.zone.controller.hold))
    except ScheduleError as err:  # raised while building the change, before the zone validates it
        raise ServiceValidationError(
            translation_domain=DOMAIN,
            translation_key=err.translation_key,
            translation_placeholders={key: str(value) for key, value in err.placeholders.items()},
        ) from err


async def _get_schedule(entity: Any, call: ServiceCall) -> ServiceResponse:
    """The upcoming instructions, the rules and what is active now, in the API's vocabulary (`mon`...)."""
    return schedule_response(entity.zone.controller.schedule, dt_util.utcnow(), call.data["hours"])


@callback
def async_setup_services(hass: HomeAssistant) -> None:
    """Register the thermostat actions on PyIoT climate entities."""
    for name, (fields, _) in SCHEDULE_CHANGES.items():
        service.async_register_platform_entity_service(
            hass, DOMAIN, name, entity_domain=CLIMATE_DOMAIN, schema=fields, func=_apply
        )
    service.async_register_platform_entity_service(
        hass,
        DOMAIN,
        "get_schedule",
        entity_domain=CLIMATE_DOMAIN,
        schema={vol.Optional("hours", default=24): vol.All(vol.Coerce(float), vol.Range(min=1, max=24 * 14))},
        func=_get_schedule,
        supports_response=SupportsResponse.ONLY,
    )
