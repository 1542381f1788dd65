"""Forms of the thermostat zone flows (config, options, reconfigure) and their validation."""

from typing import Any

from homeassistant.const import CONF_NAME
from homeassistant.core import HomeAssistant
from homeassistant.data_entry_flow import section
from homeassistant.helpers import device_registry as dr, entity_registry as er
from homeassistant.helpers.selector import (
    BooleanSelector,
    EntitySelector,
    EntitySelectorConfig,
    NumberSelector,
    NumberSelectorConfig,
    NumberSelectorMode,
    SelectSelector,
    SelectSelectorConfig,
    SelectSelectorMode,
    TextSelector,
)
import probatio as vol

from ...core.thermostat import ALGORITHMS, AggregateMethod, FailSafeMode, ScheduleError
from .const import (
    CONF_AGGREGATE_METHOD,
    CONF_ALGORITHM,
    CONF_COOLERS,
    CONF_DEFAULT_HOLD,
    CONF_DEFAULT_TEMPERATURE,
    CONF_FAIL_SAFE,
    CONF_FROST_DUTY,
    CONF_HEATERS,
    CONF_MAX_LEAD_MINUTES,
    CONF_MAX_RUN_MINUTES,
    CONF_MAX_STARTS_PER_HOUR,
    CONF_MIN_OFF_MINUTES,
    CONF_MIN_ON_MINUTES,
    CONF_OPTIMUM_START,
    CONF_OUTDOOR_SENSOR,
    CONF_PRESETS,
    CONF_PROTECTION,
    CONF_SENSORS,
    CONF_STALE_MINUTES,
    CONF_TARGET_STEP,
    CONF_WEIGHTS,
    PRESET_NAMES,
)
from .settings import DEFAULT_OPTIONS, ThermostatSettings

RELAY_DOMAINS = ["switch", "input_boolean"]
MAX_SENSORS = 12
"""Sensors per zone (and per weights form: each field has a translated label `weight_<n>`)."""


def _number(minimum: float, maximum: float, step: float, unit: str | None = None) -> NumberSelector:
    config = NumberSelectorConfig(min=minimum, max=maximum, step=step, mode=NumberSelectorMode.BOX)
    if unit is not None:
        config["unit_of_measurement"] = unit
    return NumberSelector(config)


def _select(options: list[str], translation_key: str) -> SelectSelector:
    return SelectSelector(
        SelectSelectorConfig(
            options=options, translation_key=translation_key, mode=SelectSelectorMode.DROPDOWN
        )
    )


def equipment_schema() -> vol.Schema:
    """Name, relays and sensors of a zone."""
    temperature_sensor = EntitySelectorConfig(domain="sensor", device_class="temperature")
    return vol.Schema(
        {
            vol.Required(CONF_NAME): TextSelector(),
            vol.Optional(CONF_HEATERS, default=[]): EntitySelector(
                EntitySelectorConfig(domain=RELAY_DOMAINS, multiple=True)
            ),
            vol.Optional(CONF_COOLERS, default=[]): EntitySelector(
                EntitySelectorConfig(domain=RELAY_DOMAINS, multiple=True)
            ),
            vol.Required(CONF_SENSORS): EntitySelector(
                EntitySelectorConfig(domain="sensor", device_class="temperature", multiple=True)
            ),
            vol.Optional(CONF_OUTDOOR_SENSOR): EntitySelector(temperature_sensor),
        }
    )


def equipment_errors(user_input: dict[str, Any]) -> dict[str, str]:
    """Errors of the equipment form, by field."""
    errors: dict[str, str] = {}
    if not user_input.get(CONF_HEATERS) and not user_input.get(CONF_COOLERS):
        errors["base"] = "no_equipment"
    elif set(user_input.get(CONF_HEATERS, [])) & set(user_input.get(CONF_COOLERS, [])):
        errors["base"] = "relay_in_both"
    if not user_input.get(CONF_SENSORS):
        errors[CONF_SENSORS] = "no_sensors"
    elif len(user_input[CONF_SENSORS]) > MAX_SENSORS:
        errors[CONF_SENSORS] = "too_many_sensors"
    return errors


def weights_schema(sensors: list[str], weights: dict[str, float]) -> vol.Schema:
    """One weight per sensor: fields `weight_<n>`, labelled by `sensor_labels` through placeholders."""
    return vol.Schema(
        {
            vol.Required(f"weight_{number}", default=weights.get(sensor, 1.0)): _number(0.1, 10, 0.1)
            for number, sensor in enumerate(sensors, start=1)
        }
    )


def weights_from_form(sensors: list[str], user_input: dict[str, Any]) -> dict[str, float]:
    """The weight of each sensor, from the fields of `weights_schema`."""
    return {sensor: float(user_input[f"weight_{number}"]) for number, sensor in enumerate(sensors, start=1)}


def sensor_labels(hass: HomeAssistant, sensors: list[str]) -> dict[str, str]:
    """Placeholders `sensor_<n>`: each sensor as the user knows it, its name and its device's."""
    entities, devices = er.async_get(hass), dr.async_get(hass)
    labels: dict[str, str] = {}
    for number, sensor in enumerate(sensors, start=1):
        state = hass.states.get(sensor)
        entry = entities.async_get(sensor)
        name = state.name if state is not None else (entry and (entry.name or entry.original_name)) or sensor
        device = devices.async_get(entry.device_id) if entry is not None and entry.device_id else None
        device_name = device.name_by_user or device.name if device is not None else None
        labels[f"sensor_{number}"] = (
            f"{name} ({device_name})" if device_name and device_name != name else name
        )
    return labels


def tuning_schema() -> vol.Schema:
    """Algorithm, aggregation, fail-safe, protection limits and presets."""
    return vol.Schema(
        {
            vol.Required(CONF_ALGORITHM): _select(list(ALGORITHMS), CONF_ALGORITHM),
            vol.Required(CONF_AGGREGATE_METHOD): _select(
                [m.value for m in AggregateMethod], CONF_AGGREGATE_METHOD
            ),
            vol.Required(CONF_DEFAULT_TEMPERATURE): _number(5, 35, 0.1, "°C"),
            vol.Required(CONF_STALE_MINUTES): _number(1, 1440, 1, "min"),
            vol.Required(CONF_FAIL_SAFE): _select([m.value for m in FailSafeMode], CONF_FAIL_SAFE),
            vol.Required(CONF_FROST_DUTY): _number(0, 100, 1, "%"),
            vol.Required(CONF_TARGET_STEP): _number(0.1, 1, 0.1, "°C"),
            vol.Required(CONF_DEFAULT_HOLD, default=DEFAULT_OPTIONS[CONF_DEFAULT_HOLD]): _number(
                5, 1440, 5, "min"
            ),
            vol.Required(CONF_OPTIMUM_START): BooleanSelector(),
            vol.Required(CONF_PROTECTION): section(
                vol.Schema(
                    {
                        vol.Required(CONF_MIN_ON_MINUTES): _number(0, 120, 0.5, "min"),
                        vol.Required(CONF_MIN_OFF_MINUTES): _number(0, 120, 0.5, "min"),
                        vol.Required(CONF_MAX_STARTS_PER_HOUR): _number(0, 60, 1),
                        vol.Required(CONF_MAX_RUN_MINUTES): _number(0, 1440, 1, "min"),
                    }
                ),
                {"collapsed": True},
            ),
            vol.Required(CONF_PRESETS): section(
                vol.Schema({vol.Required(name): _number(5, 35, 0.5, "°C") for name in PRESET_NAMES}),
                {"collapsed": True},
            ),
        }
    )


def optimum_start_schema() -> vol.Schema:
    """How early optimum start may begin (asked only when it is on)."""
    return vol.Schema({vol.Required(CONF_MAX_LEAD_MINUTES): _number(1, 720, 1, "min")})


def algorithm_schema(algorithm: str) -> vol.Schema:
    """The parameters of one decision algorithm."""
    return vol.Schema(
        {
            vol.Required(spec.name, default=spec.default): _number(
                spec.minimum, spec.maximum, spec.step, spec.unit
            )
            for spec in ALGORITHMS[algorithm].parameters
        }
    )


def tuning_defaults(options: dict[str, Any]) -> dict[str, Any]:
    """Current options (or the defaults) as suggested values of the tuning form."""
    return {**DEFAULT_OPTIONS, **options}


def settings_error(data: dict[str, Any], options: dict[str, Any]) -> str | None:
    """Build every engine object once; the translation key of the first problem, or None."""
    settings = ThermostatSettings.from_entry(data, options)
    try:
        settings.guard()
        settings.algorithm()
        settings.aggregation()
        settings.fail_safe()
        settings.presets()
        settings.optimum_start()
        settings.hold()
    except ScheduleError as err:
        return err.translation_key
    return None


def entry_data(equipment: dict[str, Any], weights: dict[str, float]) -> dict[str, Any]:
    """The data of a thermostat entry."""
    return {
        CONF_NAME: equipment[CONF_NAME],
        CONF_HEATERS: list(equipment.get(CONF_HEATERS, [])),
        CONF_COOLERS: list(equipment.get(CONF_COOLERS, [])),
        CONF_SENSORS: list(equipment[CONF_SENSORS]),
        CONF_WEIGHTS: {sensor: float(weight) for sensor, weight in weights.items()},
        CONF_OUTDOOR_SENSOR: equipment.get(CONF_OUTDOOR_SENSOR),
    }
