"""Forms of the RPyMostat entry (config, options, reconfigure) and their validation."""

from typing import Any

from homeassistant.const import CONF_PORT, CONF_TOKEN
from homeassistant.helpers.selector import (
    BooleanSelector,
    NumberSelector,
    NumberSelectorConfig,
    NumberSelectorMode,
    TextSelector,
    TextSelectorConfig,
    TextSelectorType,
)
import probatio as vol

from ...hub.networks import CONF_ALLOWED_NETWORKS, CONF_RATE_LIMIT, guard_options
from .const import (
    CONF_ADVERTISE,
    DEFAULT_PORT,
    DEFAULT_RATE_LIMIT,
    MAX_RATE_LIMIT,
)

DEFAULTS: dict[str, Any] = {
    CONF_PORT: DEFAULT_PORT,
    CONF_RATE_LIMIT: DEFAULT_RATE_LIMIT,
    CONF_ADVERTISE: True,
}


def _number(minimum: float, maximum: float, step: float, unit: str | None = None) -> NumberSelector:
    config = NumberSelectorConfig(min=minimum, max=maximum, step=step, mode=NumberSelectorMode.BOX)
    if unit is not None:
        config["unit_of_measurement"] = unit
    return NumberSelector(config)


def port_schema() -> vol.Schema:
    """The port the engine listens on (the reconfigure form)."""
    return vol.Schema({vol.Required(CONF_PORT): _number(1, 65535, 1)})


def options_schema() -> vol.Schema:
    """Token, allowed networks, rate limit and DNS-SD advertisement (the options form)."""
    return vol.Schema(
        {
            vol.Optional(CONF_TOKEN): TextSelector(TextSelectorConfig(type=TextSelectorType.PASSWORD)),
            vol.Optional(CONF_ALLOWED_NETWORKS): TextSelector(),
            vol.Required(CONF_RATE_LIMIT): _number(0, MAX_RATE_LIMIT, 0.1, "requests/s"),
            vol.Required(CONF_ADVERTISE): BooleanSelector(),
        }
    )


def entry_schema() -> vol.Schema:
    """Port and options (the form that creates the entry)."""
    return port_schema().extend(options_schema().schema)


def entry_options(user_input: dict[str, Any]) -> tuple[dict[str, Any], dict[str, str]]:
    """The options of an RPyMostat entry from a form, normalised; and the form's errors by field.

    An empty token means none; empty allowed networks mean the local networks, decided at each start.
    """
    options, errors = guard_options(user_input)
    options[CONF_ADVERTISE] = bool(user_input[CONF_ADVERTISE])
    return options, errors
