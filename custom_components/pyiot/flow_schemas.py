"""Forms of the thermostat and RPyMostat flows (config, options, reconfigure) and their validation."""

from typing import Any

from homeassistant.const import CONF_NAME, CONF_PORT, CONF_TOKEN
from homeassistant.data_entry_flow import section
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
    TextSelectorConfig,
    TextSelectorType,
)
import probatio as vol

from .adapters.thermostat_settings import DEFAULT_OPTIONS, ThermostatSettings
from .const import (
    CONF_ADVERTISE,
    CONF_AGGREGATE_METHOD,
    CONF_ALGORITHM,
    CONF_ALLOWED_NETWORKS,
    CONF_COOLERS,
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
    CONF_RATE_LIMIT,
    CONF_SENSORS,
    CONF_STALE_MINUTES,
    CONF_WEIGHTS,
    DEFAULT_RATE_LIMIT,
    DEFAULT_RPYMOSTAT_PORT,
    MAX_RATE_LIMIT,
    PRESET_NAMES,
)
from .core.protocols.rpymostat import NetworkListError, format_networks, parse_networks
from .core.thermostat import ALGORITHMS, AggregateMethod, FailSafeMode, ScheduleError

RELAY_DOMAINS = ["switch", "input_boolean"]


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
    return errors


def weights_schema(sensors: list[str], weights: dict[str, float]) -> vol.Schema:
    """One weight per sensor (the field is named after the sensor's entity id)."""
    return vol.Schema(
        {vol.Required(sensor, default=weights.get(sensor, 1.0)): _number(0.1, 10, 0.1) for sensor in sensors}
    )


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
            vol.Required(CONF_OPTIMUM_START): BooleanSelector(),
            vol.Required(CONF_MAX_LEAD_MINUTES): _number(1, 720, 1, "min"),
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


# --- RPyMostat sensor hosts ----------------------------------------------------------------------

RPYMOSTAT_DEFAULTS: dict[str, Any] = {
    CONF_PORT: DEFAULT_RPYMOSTAT_PORT,
    CONF_RATE_LIMIT: DEFAULT_RATE_LIMIT,
    CONF_ADVERTISE: True,
}


def rpymostat_port_schema() -> vol.Schema:
    """The port the engine listens on (the reconfigure form)."""
    return vol.Schema({vol.Required(CONF_PORT): _number(1, 65535, 1)})


def rpymostat_options_schema() -> vol.Schema:
    """Token, allowed networks, rate limit and DNS-SD advertisement (the options form)."""
    return vol.Schema(
        {
            vol.Optional(CONF_TOKEN): TextSelector(TextSelectorConfig(type=TextSelectorType.PASSWORD)),
            vol.Optional(CONF_ALLOWED_NETWORKS): TextSelector(),
            vol.Required(CONF_RATE_LIMIT): _number(0, MAX_RATE_LIMIT, 0.1, "requests/s"),
            vol.Required(CONF_ADVERTISE): BooleanSelector(),
        }
    )


def rpymostat_schema() -> vol.Schema:
    """Port and options (the form that creates the entry)."""
    return rpymostat_port_schema().extend(rpymostat_options_schema().schema)


def rpymostat_options(user_input: dict[str, Any]) -> tuple[dict[str, Any], dict[str, str]]:
    """The options of an RPyMostat entry from a form, normalised; and the form's errors by field.

    An empty token means none; empty allowed networks mean the local networks, decided at each start.
    """
    errors: dict[str, str] = {}
    networks = ""
    try:
        networks = format_networks(parse_networks(str(user_input.get(CONF_ALLOWED_NETWORKS) or "")))
    except NetworkListError:
        errors[CONF_ALLOWED_NETWORKS] = "invalid_networks"
    options: dict[str, Any] = {
        CONF_ALLOWED_NETWORKS: networks,
        CONF_RATE_LIMIT: float(user_input[CONF_RATE_LIMIT]),
        CONF_ADVERTISE: bool(user_input[CONF_ADVERTISE]),
    }
    if token := str(user_input.get(CONF_TOKEN) or "").strip():
        options[CONF_TOKEN] = token
    return options, errors
