"""IOTpy device files: the core's runtime reporting to the node hub, its problems as repair issues."""

from collections.abc import Mapping
from pathlib import Path
from typing import Any

from homeassistant.core import HomeAssistant
from homeassistant.helpers import issue_registry as ir

from ...const import DOMAIN, LOGGER
from ...core.iotpy import IotpyRuntime, Problem, RuntimeSettings, VariableSettings
from ...hub import NodeHub
from .const import (
    CONF_FOLDER,
    CONF_VARIABLES,
    CONF_WATCH_INTERVAL,
    CONF_WATCHDOG,
    DEFAULT_FOLDER,
    DEFAULT_WATCH_INTERVAL,
    DEFAULT_WATCHDOG,
)


class RepairIssues:
    """The runtime's problems as repair issues of the entry, gone when the problem is."""

    def __init__(self, hass: HomeAssistant, entry_id: str) -> None:
        """Issues of the entry `entry_id`."""
        self._hass = hass
        self._prefix = f"iotpy_{entry_id}_"
        self._open: set[str] = set()

    def problem_raised(self, problem: Problem) -> None:
        """Raise (or update) the issue of the problem's file or device."""
        issue_id = self._prefix + problem.problem_id
        self._open.add(issue_id)
        ir.async_create_issue(
            self._hass,
            DOMAIN,
            issue_id,
            is_fixable=False,
            severity=ir.IssueSeverity.ERROR,
            translation_key=f"iotpy_{problem.key.value}",
            translation_placeholders=problem.placeholders(),
        )

    def problem_cleared(self, problem_id: str) -> None:
        """The file or device works again."""
        issue_id = self._prefix + problem_id
        self._open.discard(issue_id)
        ir.async_delete_issue(self._hass, DOMAIN, issue_id)

    def clear_all(self) -> None:
        """The entry is unloaded: its files are no longer run, their problems no longer apply."""
        for issue_id in self._open:
            ir.async_delete_issue(self._hass, DOMAIN, issue_id)
        self._open.clear()


def runtime_settings(
    hass: HomeAssistant, data: Mapping[str, Any], options: Mapping[str, Any]
) -> RuntimeSettings:
    """Where the files are (relative to HA's config directory) and the entry's options."""
    folder = Path(hass.config.path(str(data.get(CONF_FOLDER, DEFAULT_FOLDER))))
    watch_interval = float(str(options.get(CONF_WATCH_INTERVAL, DEFAULT_WATCH_INTERVAL)))
    watchdog = float(str(options.get(CONF_WATCHDOG, DEFAULT_WATCHDOG)))
    return RuntimeSettings(folder=folder, watch_interval=watch_interval or None, watchdog=watchdog or None)


def variable_settings(options: Mapping[str, Any]) -> dict[str, dict[str, VariableSettings]]:
    """The entry's `variables` option (node id → variable → settings); malformed parts are ignored."""
    raw = options.get(CONF_VARIABLES)
    if not isinstance(raw, Mapping):
        return {}
    return {
        str(node_id): {
            str(key): VariableSettings.from_dict(value)
            for key, value in variables.items()
            if isinstance(value, Mapping)
        }
        for node_id, variables in raw.items()
        if isinstance(variables, Mapping)
    }


async def async_create_runtime(hass: HomeAssistant, hub: NodeHub) -> IotpyRuntime:
    """The device files of the entry's folder, imported in HA's import executor, each device in its thread."""
    issues = RepairIssues(hass, hub.entry.entry_id)
    hub.entry.async_on_unload(issues.clear_all)
    return IotpyRuntime(
        hub,
        runtime_settings(hass, hub.entry.data, hub.entry.options),
        import_job=hass.async_add_import_executor_job,
        io_job=hass.async_add_executor_job,
        observer=issues,
        variable_settings=variable_settings(hub.entry.options),
        logger=LOGGER.getChild("iotpy"),
    )
