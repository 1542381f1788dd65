"""The admission limits of a node hub entry as options: one form section, shared by every node kind."""

from collections.abc import Mapping
from dataclasses import replace
from typing import Any, Final

from homeassistant.data_entry_flow import section
from homeassistant.helpers.selector import NumberSelector, NumberSelectorConfig, NumberSelectorMode
import probatio as vol

from ..core.nodes import AdmissionLimits
from ..core.nodes.admission import MAX_NODES_RANGE, MAX_POINTS_RANGE, PER_MINUTE_RANGE

CONF_LIMITS: Final = "limits"
CONF_MAX_NODES: Final = "max_nodes"
CONF_MAX_POINTS: Final = "max_points_per_node"
CONF_NEW_NODES_PER_MINUTE: Final = "new_nodes_per_minute"
CONF_DISCOVERY_PER_MINUTE: Final = "discovery_per_minute"

_RANGES = {
    CONF_MAX_NODES: MAX_NODES_RANGE,
    CONF_MAX_POINTS: MAX_POINTS_RANGE,
    CONF_NEW_NODES_PER_MINUTE: PER_MINUTE_RANGE,
    CONF_DISCOVERY_PER_MINUTE: PER_MINUTE_RANGE,
}


def limits_from_options(options: Mapping[str, Any], defaults: AdmissionLimits) -> AdmissionLimits:
    """The entry's limits: its options where set (and in range), the kind's defaults elsewhere."""
    chosen = options.get(CONF_LIMITS)
    if not isinstance(chosen, Mapping):
        return defaults
    values = {
        key: int(value)
        for key, value in chosen.items()
        if key in _RANGES and isinstance(value, int | float) and _RANGES[key][0] <= value <= _RANGES[key][1]
    }
    return replace(defaults, **values)


def limits_section(defaults: AdmissionLimits, *, discovery: bool = False) -> dict[Any, Any]:
    """The `limits` form section (collapsed), suggesting the kind's defaults."""
    fields = [CONF_MAX_NODES, CONF_MAX_POINTS, CONF_NEW_NODES_PER_MINUTE] + [
        CONF_DISCOVERY_PER_MINUTE
    ] * discovery
    schema = {
        vol.Required(key, default=getattr(defaults, key)): NumberSelector(
            NumberSelectorConfig(
                min=_RANGES[key][0], max=_RANGES[key][1], step=1, mode=NumberSelectorMode.BOX
            )
        )
        for key in fields
    }
    return {vol.Optional(CONF_LIMITS): section(vol.Schema(schema), {"collapsed": True})}


def limits_option(user_input: Mapping[str, Any]) -> dict[str, int]:
    """The `limits` option from a submitted form."""
    return {key: int(value) for key, value in user_input.get(CONF_LIMITS, {}).items() if key in _RANGES}
