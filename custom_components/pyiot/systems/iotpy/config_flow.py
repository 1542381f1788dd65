"""Config flow steps of the IOTpy system: device files and remote servers, reconfiguration, options."""

import asyncio
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from homeassistant.config_entries import ConfigEntry, ConfigFlow, ConfigFlowResult
from homeassistant.helpers.aiohttp_client import async_get_clientsession
from homeassistant.helpers.selector import (
    NumberSelector,
    NumberSelectorConfig,
    NumberSelectorMode,
    TextSelector,
)
import probatio as vol

from ...const import CONF_ENTRY_TYPE
from ...core.iotpy import IotpyRuntime
from ...core.iotpy.variable_errors import VARIABLE_ERRORS_KEY
from ...core.protocols.iotpy import AddressError, IotpyServerClient, IotpyServerError, ServerAddress
from ...hub import NodeHub
from .const import (
    CONF_FOLDER,
    CONF_NODE_ID,
    CONF_POLL_INTERVAL,
    CONF_PREFIX,
    CONF_STALE_AFTER,
    CONF_URL,
    CONF_WATCH_INTERVAL,
    CONF_WATCHDOG,
    DEFAULT_FOLDER,
    DEFAULT_POLL_INTERVAL,
    DEFAULT_STALE_AFTER,
    DEFAULT_WATCH_INTERVAL,
    DEFAULT_WATCHDOG,
    IOTPY_FILES,
    IOTPY_SERVER,
    MAX_POLL_INTERVAL,
    MAX_STALE_AFTER,
    MAX_WATCH_INTERVAL,
    MAX_WATCHDOG,
    MIN_POLL_INTERVAL,
    MIN_STALE_AFTER,
    MIN_WATCH_INTERVAL,
    MIN_WATCHDOG,
    SERVER_TIMEOUT,
    VALIDATION_TIMEOUT,
)
from .files import files_store, stored_kinds
from .server import IotpyServerTransport, server_node_id
from .validation import FolderCheck, check_folder_in
from .variables_flow import VariableChoice, VariableSettingsSteps

FOLDER_SCHEMA = vol.Schema({vol.Required(CONF_FOLDER, default=DEFAULT_FOLDER): TextSelector()})
SERVER_SCHEMA = vol.Schema(
    {vol.Required(CONF_URL): TextSelector(), vol.Optional(CONF_PREFIX, default=""): TextSelector()}
)


SERVER_DEFAULTS = {CONF_POLL_INTERVAL: DEFAULT_POLL_INTERVAL, CONF_STALE_AFTER: DEFAULT_STALE_AFTER}


@dataclass(frozen=True, kw_only=True, slots=True)
class ServerCheck:
    """What asking a server for `/variables` once said: its address, or an error key and its detail."""

    address: ServerAddress | None = None
    error: str | None = None
    detail: str = ""


class IotpyConfigSteps(ConfigFlow):
    """Steps of the IOTpy entry kinds, part of PyIoT's one config flow."""

    async def async_step_iotpy_files(self, user_input: dict[str, Any] | None = None) -> ConfigFlowResult:
        """A folder of device files inside HA's config directory."""
        return await self._async_files_step(IOTPY_FILES, user_input, entry=None)

    async def async_step_reconfigure_iotpy_files(
        self, user_input: dict[str, Any] | None = None
    ) -> ConfigFlowResult:
        """Run the device files of another folder."""
        return await self._async_files_step(
            "reconfigure_iotpy_files", user_input, entry=self._get_reconfigure_entry()
        )

    async def _async_files_step(
        self, step_id: str, user_input: dict[str, Any] | None, *, entry: ConfigEntry | None
    ) -> ConfigFlowResult:
        """One form for both: creates the entry, or updates `entry` and reloads it."""
        errors: dict[str, str] = {}
        placeholders: dict[str, str] = {}
        if user_input is not None:
            folder, check = await self._async_check_folder(user_input[CONF_FOLDER])
            if check.error is None:
                return await self._async_iotpy_done(
                    entry,
                    kind=IOTPY_FILES,
                    unique_id=f"{IOTPY_FILES}:{folder}",
                    title=f"IOTpy devices ({folder})",
                    data={CONF_FOLDER: folder},
                    options={CONF_WATCH_INTERVAL: DEFAULT_WATCH_INTERVAL, CONF_WATCHDOG: DEFAULT_WATCHDOG},
                )
            errors[CONF_FOLDER] = check.error
            placeholders = check.placeholders or {}
        return self.async_show_form(
            step_id=step_id,
            data_schema=self.add_suggested_values_to_schema(
                FOLDER_SCHEMA, user_input or (dict(entry.data) if entry is not None else None)
            ),
            errors=errors,
            description_placeholders={"file": "", "line": "", "error": "", **placeholders},
        )

    async def _async_iotpy_done(
        self,
        entry: ConfigEntry | None,
        *,
        kind: str,
        unique_id: str,
        title: str,
        data: dict[str, Any],
        options: dict[str, Any],
        created_data: dict[str, Any] | None = None,
    ) -> ConfigFlowResult:
        """Create the entry (`created_data` only then), or update `entry` and reload it."""
        if entry is None:
            await self.async_set_unique_id(unique_id)
            self._abort_if_unique_id_configured()
            return self.async_create_entry(
                title=title, data={CONF_ENTRY_TYPE: kind, **(created_data or {}), **data}, options=options
            )
        if any(
            other.unique_id == unique_id and other.entry_id != entry.entry_id
            for other in self._async_current_entries(include_ignore=False)
        ):
            return self.async_abort(reason="already_configured")
        return self.async_update_reload_and_abort(
            entry, unique_id=unique_id, title=title, data_updates=data, reason=f"{kind}_reconfigured"
        )

    async def async_step_iotpy_server(self, user_input: dict[str, Any] | None = None) -> ConfigFlowResult:
        """A remote IOTpy server: its URL and proxy prefix, checked by its `/variables`."""
        return await self._async_server_step(IOTPY_SERVER, user_input, entry=None)

    async def async_step_reconfigure_iotpy_server(
        self, user_input: dict[str, Any] | None = None
    ) -> ConfigFlowResult:
        """The server moved (or has a prefix now); its device and entities stay."""
        return await self._async_server_step(
            "reconfigure_iotpy_server", user_input, entry=self._get_reconfigure_entry()
        )

    async def _async_server_step(
        self, step_id: str, user_input: dict[str, Any] | None, *, entry: ConfigEntry | None
    ) -> ConfigFlowResult:
        """One form for both: creates the entry, or updates `entry` and reloads it."""
        errors: dict[str, str] = {}
        detail = ""
        if user_input is not None:
            check = await self._async_check_server(user_input)
            if (address := check.address) is not None:
                node_id = server_node_id(address)
                return await self._async_iotpy_done(
                    entry,
                    kind=IOTPY_SERVER,
                    unique_id=f"{IOTPY_SERVER}:{node_id}",
                    title=f"IOTpy server {node_id}",
                    data={CONF_URL: str(address.base), CONF_PREFIX: address.prefix},
                    options=SERVER_DEFAULTS,
                    created_data={CONF_NODE_ID: node_id},
                )
            errors["base"] = f"iotpy_server_{check.error}"
            detail = check.detail
        return self.async_show_form(
            step_id=step_id,
            data_schema=self.add_suggested_values_to_schema(
                SERVER_SCHEMA, user_input or (dict(entry.data) if entry is not None else None)
            ),
            errors=errors,
            description_placeholders={"error": detail},
        )

    async def _async_check_server(self, user_input: dict[str, Any]) -> ServerCheck:
        try:
            address = ServerAddress.parse(str(user_input[CONF_URL]), str(user_input.get(CONF_PREFIX) or ""))
        except AddressError as err:
            return ServerCheck(error=err.key, detail=str(err))
        client = IotpyServerClient(async_get_clientsession(self.hass), address, timeout=SERVER_TIMEOUT)
        try:
            await client.fetch()
        except IotpyServerError as err:
            return ServerCheck(error=err.key.value, detail=err.detail)
        return ServerCheck(address=address)

    async def _async_check_folder(self, folder: str) -> tuple[str, FolderCheck]:
        """The folder relative to the config directory, and what importing its files once said."""
        config_dir = Path(self.hass.config.config_dir)
        try:
            async with asyncio.timeout(VALIDATION_TIMEOUT):
                return await self.hass.async_add_executor_job(check_folder_in, config_dir, folder)
        except TimeoutError:
            return folder, FolderCheck(error="import_timeout")


class IotpyFilesOptionsFlow(VariableSettingsSteps):
    """How often the folder is checked, how long a `loop()` may run, how each variable is shown; reloads."""

    _stored: list[VariableChoice]

    async def async_step_init(self, user_input: dict[str, Any] | None = None) -> ConfigFlowResult:
        """The menu, once the variables a stopped entry remembers are read."""
        self._stored = []
        if _running(self.config_entry) is None:
            self._stored = _stored_choices(
                await files_store(self.hass, self.config_entry.entry_id).async_load()
            )
        return await self.async_step_iotpy_files(user_input)

    async def async_step_iotpy_files(self, user_input: dict[str, Any] | None = None) -> ConfigFlowResult:
        """Watching or one variable."""
        return self.async_show_menu(step_id=IOTPY_FILES, menu_options=["iotpy_files_watch", "iotpy_variable"])

    async def async_step_iotpy_files_watch(
        self, user_input: dict[str, Any] | None = None
    ) -> ConfigFlowResult:
        """Watch interval and watchdog."""
        if user_input is not None:
            return self.async_create_entry(
                data={
                    **self.config_entry.options,
                    CONF_WATCH_INTERVAL: int(user_input[CONF_WATCH_INTERVAL]),
                    CONF_WATCHDOG: int(user_input[CONF_WATCHDOG]),
                }
            )
        schema = vol.Schema(
            {
                vol.Required(CONF_WATCH_INTERVAL): _seconds(MIN_WATCH_INTERVAL, MAX_WATCH_INTERVAL),
                vol.Required(CONF_WATCHDOG): _seconds(MIN_WATCHDOG, MAX_WATCHDOG),
            }
        )
        return self.async_show_form(
            step_id="iotpy_files_watch",
            data_schema=self.add_suggested_values_to_schema(schema, self.config_entry.options),
        )

    def variable_choices(self) -> list[VariableChoice]:
        """The variables of the running devices, then those remembered (gone since, or in a broken file)."""
        if (runtime := _running(self.config_entry)) is None:
            return self._stored
        running = [
            VariableChoice(
                node_id=variable.node_id,
                key=variable.key,
                label=f"{variable.device}: {variable.key}"
                + (f" ({variable.description})" if variable.description else ""),
                kind=variable.kind,
            )
            for variable in runtime.describe_variables()
        ]
        present = {choice.value for choice in running}
        return running + [
            choice for choice in _stored_choices(runtime.export()) if choice.value not in present
        ]


def _running(entry: ConfigEntry) -> IotpyRuntime | None:
    hub = getattr(entry, "runtime_data", None)
    return hub.transport if isinstance(hub, NodeHub) and isinstance(hub.transport, IotpyRuntime) else None


def _stored_choices(stored: Any) -> list[VariableChoice]:
    """The variables `IotpyRuntime.export()` remembered, named by their device."""
    nodes: dict[str, Any] = (stored.get("nodes") or {}) if isinstance(stored, dict) else {}
    choices: list[VariableChoice] = []
    for node_id, kinds in stored_kinds(stored).items():
        device = nodes[node_id].get("device") if isinstance(nodes[node_id], dict) else None
        choices.extend(
            VariableChoice(node_id=node_id, key=key, label=f"{device or node_id}: {key}", kind=kind)
            for key, kind in kinds.items()
        )
    return choices


class IotpyServerOptionsFlow(VariableSettingsSteps):
    """Polling, and how each variable of the server is shown; the entry reloads."""

    async def async_step_init(self, user_input: dict[str, Any] | None = None) -> ConfigFlowResult:
        """The menu."""
        return await self.async_step_iotpy_server(user_input)

    async def async_step_iotpy_server(self, user_input: dict[str, Any] | None = None) -> ConfigFlowResult:
        """Polling or one variable."""
        return self.async_show_menu(
            step_id=IOTPY_SERVER, menu_options=["iotpy_server_polling", "iotpy_variable"]
        )

    async def async_step_iotpy_server_polling(
        self, user_input: dict[str, Any] | None = None
    ) -> ConfigFlowResult:
        """Poll interval and when a variable is stale."""
        if user_input is not None:
            return self.async_create_entry(
                data={
                    **self.config_entry.options,
                    CONF_POLL_INTERVAL: int(user_input[CONF_POLL_INTERVAL]),
                    CONF_STALE_AFTER: int(user_input[CONF_STALE_AFTER]),
                }
            )
        schema = vol.Schema(
            {
                vol.Required(CONF_POLL_INTERVAL): _seconds(MIN_POLL_INTERVAL, MAX_POLL_INTERVAL),
                vol.Required(CONF_STALE_AFTER): _seconds(MIN_STALE_AFTER, MAX_STALE_AFTER),
            }
        )
        return self.async_show_form(
            step_id="iotpy_server_polling",
            data_schema=self.add_suggested_values_to_schema(schema, self.config_entry.options),
        )

    def variable_choices(self) -> list[VariableChoice]:
        """Every variable the entry has seen on its server (also those gone since, or before a restart)."""
        hub = getattr(self.config_entry, "runtime_data", None)
        if not isinstance(hub, NodeHub) or not isinstance(transport := hub.transport, IotpyServerTransport):
            return []
        view = transport.view
        state = hub.nodes.get(transport.node_id)
        shown = {*view.names, VARIABLE_ERRORS_KEY}  # the errors sensor is no variable to set up
        stored = [key for key in state.points if key not in shown] if state is not None else []
        choices = []
        for name in [*view.names, *stored]:
            variable = view.variable(name)
            described = variable is not None and variable.description
            choices.append(
                VariableChoice(
                    node_id=transport.node_id,
                    key=name,
                    label=f"{name} ({variable.description})" if described and variable else name,
                    kind=view.inferred_kind(name),
                )
            )
        return choices


def _seconds(minimum: int, maximum: int) -> NumberSelector:
    return NumberSelector(
        NumberSelectorConfig(
            min=minimum, max=maximum, step=1, mode=NumberSelectorMode.BOX, unit_of_measurement="s"
        )
    )
