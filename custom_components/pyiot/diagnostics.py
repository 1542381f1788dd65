"""Diagnostics: for a node entry every node and the transport's counters; for a zone its whole state."""

from typing import Any

from homeassistant.components.diagnostics import async_redact_data
from homeassistant.core import HomeAssistant

from .adapters.thermostat import ThermostatZone
from .hub import NodeHub
from .models import PyIoTConfigEntry

TO_REDACT = {"mac", "configuration_url", "ip", "host", "password", "token", "username"}


async def async_get_config_entry_diagnostics(hass: HomeAssistant, entry: PyIoTConfigEntry) -> dict[str, Any]:
    """Everything a maintainer needs to understand what the entry sees."""
    runtime = entry.runtime_data
    body = _zone(runtime) if isinstance(runtime, ThermostatZone) else _hub(runtime)
    return async_redact_data(
        {"entry": {"data": dict(entry.data), "options": dict(entry.options)}, **body}, TO_REDACT
    )


def _hub(hub: NodeHub) -> dict[str, Any]:
    transport_diagnostics = getattr(hub.transport, "diagnostics", None)
    return {
        "nodes": {
            node_id: {
                "info": state.info.as_dict(),
                "available": state.available,
                "points": [point.as_dict() for point in state.points.values()],
                "values": {key: repr(value) for key, value in state.values.items()},
            }
            for node_id, state in hub.nodes.items()
        },
        "transport": transport_diagnostics() if callable(transport_diagnostics) else None,
    }


def _zone(zone: ThermostatZone) -> dict[str, Any]:
    output = zone.output
    controller = zone.controller
    return {
        "hvac_mode": zone.hvac_mode.value,
        "preset": zone.preset,
        "schedule": controller.schedule.to_dict(),
        "algorithm": {"name": controller.algorithm.name, "params": controller.algorithm.params()},
        "guards": {
            relay: controller.guard(relay).to_dict() for relay in controller.heaters + controller.coolers
        },
        "output": None
        if output is None
        else {
            "hvac_action": output.hvac_action.value,
            "current_temperature": output.current_temperature,
            "target": output.target.to_dict(),
            "rule_id": output.rule_id,
            "sensors": output.sensors,
            "dropped": {sensor: reason.value for sensor, reason in output.dropped.items()},
            "fail_safe_active": output.fail_safe_active,
            "failed_relays": list(output.failed_relays),
            "explanation": output.explanation.render_en(),
        },
    }
