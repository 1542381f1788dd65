"""IOTpy device files: the core's runtime reporting to the node hub, its problems as repair issues."""

from collections.abc import Callable, Mapping, Sequence
from datetime import datetime
from pathlib import Path
from typing import Any, Final, override

from homeassistant.core import CALLBACK_TYPE, HomeAssistant
from homeassistant.helpers import issue_registry as ir
from homeassistant.helpers.event import async_call_later
from homeassistant.helpers.storage import Store

from ...const import DOMAIN, LOGGER
from ...core.iotpy import (
    IotpyRuntime,
    Problem,
    RuntimeObserver,
    RuntimeSettings,
    ValueKind,
    VariableSettings,
)
from ...core.iotpy.points import DEFAULT_SETTINGS, kind_for, point_for
from ...core.nodes import NodeInfo, PointSpec
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
from .restored import follow_settings

STORAGE_VERSION: Final = 1
SAVE_DELAY: Final = 10.0


def files_storage_key(entry_id: str) -> str:
    """The HA storage key of what the entry remembers of its devices (files, names, variable kinds)."""
    return f"{DOMAIN}.{entry_id}.iotpy_files"


def files_store(hass: HomeAssistant, entry_id: str) -> Store[dict[str, Any]]:
    """The entry's store of `IotpyRuntime.export()`."""
    return Store[dict[str, Any]](hass, STORAGE_VERSION, files_storage_key(entry_id))


def stored_kinds(stored: Any) -> dict[str, dict[str, ValueKind]]:
    """Node id → variable → kind, from what `IotpyRuntime.export()` gave; malformed parts are skipped."""
    nodes = stored.get("nodes") if isinstance(stored, Mapping) else None
    kinds: dict[str, dict[str, ValueKind]] = {}
    for node_id, record in (nodes if isinstance(nodes, Mapping) else {}).items():
        raw = record.get("kinds") if isinstance(record, Mapping) else None
        kinds[str(node_id)] = {
            str(key): ValueKind(kind)
            for key, kind in (raw if isinstance(raw, Mapping) else {}).items()
            if kind in set(ValueKind)
        }
    return kinds


class StoredIotpyRuntime(IotpyRuntime):
    """The runtime, saving what it learnt of its devices: soon after new points, and when it stops."""

    def __init__(self, hass: HomeAssistant, hub: NodeHub, observer: RuntimeObserver) -> None:
        """The entry's folder and options; reports to `hub` through a listener that also saves."""
        super().__init__(
            _SavingListener(hub, self._save_soon),
            runtime_settings(hass, hub.entry.data, hub.entry.options),
            import_job=hass.async_add_import_executor_job,
            io_job=hass.async_add_executor_job,
            observer=observer,
            variable_settings=variable_settings(hub.entry.options),
            logger=LOGGER.getChild("iotpy"),
        )
        self._hass = hass
        self.store = files_store(hass, hub.entry.entry_id)
        self._pending_save: CALLBACK_TYPE | None = None

    def _save_soon(self) -> None:
        # One save per delay however many points arrive (Store's own delay moves with every call).
        # A device still reporting while the runtime stops must not schedule one: the final save covers it.
        if self._pending_save is None and self.running:
            self._pending_save = async_call_later(self._hass, SAVE_DELAY, self._save_now)

    async def _save_now(self, _: datetime) -> None:
        self._pending_save = None
        await self.store.async_save(self.export())

    @override
    async def async_stop(self) -> None:
        if self._pending_save is not None:
            self._pending_save()
            self._pending_save = None
        await super().async_stop()
        await self.store.async_save(self.export())


class _SavingListener:
    """The hub; a point reported (new, or its kind decided) also saves what the runtime knows."""

    def __init__(self, hub: NodeHub, save: Callable[[], None]) -> None:
        self._hub = hub
        self._save = save

    def node_seen(self, node: NodeInfo) -> None:
        self._hub.node_seen(node)

    def points_seen(self, node_id: str, points: Sequence[PointSpec]) -> None:
        self._hub.points_seen(node_id, points)
        self._save()

    def value_received(self, node_id: str, key: str, value: Any) -> None:
        self._hub.value_received(node_id, key, value)

    def node_lost(self, node_id: str) -> None:
        self._hub.node_lost(node_id)

    def point_unavailable(self, node_id: str, key: str) -> None:
        self._hub.point_unavailable(node_id, key)


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
    settings = variable_settings(hub.entry.options)
    runtime = StoredIotpyRuntime(hass, hub, issues)
    stored = await runtime.store.async_load()
    runtime.restore(stored)
    for node_id, kinds in stored_kinds(stored).items():
        state = hub.nodes.get(node_id)  # none when the user deleted the device
        node_settings = settings.get(node_id, {})
        points = []
        for key in kinds.keys() & (state.points.keys() if state is not None else set()):
            setting = node_settings.get(key, DEFAULT_SETTINGS)
            points.append(point_for(key, kind_for(setting, kinds[key]) or kinds[key], setting))
        follow_settings(hass, hub, node_id, points)
    return runtime
