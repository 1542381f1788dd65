"""Config flow steps of the IOTpy system: the device-files entry, its reconfiguration, its options."""

import asyncio
from pathlib import Path
from typing import Any

from homeassistant.config_entries import ConfigFlow, ConfigFlowResult, OptionsFlowWithReload
from homeassistant.helpers.selector import (
    NumberSelector,
    NumberSelectorConfig,
    NumberSelectorMode,
    TextSelector,
)
import probatio as vol

from ...const import CONF_ENTRY_TYPE
from .const import (
    CONF_FOLDER,
    CONF_WATCH_INTERVAL,
    CONF_WATCHDOG,
    DEFAULT_FOLDER,
    DEFAULT_WATCH_INTERVAL,
    DEFAULT_WATCHDOG,
    IOTPY_FILES,
    MAX_WATCH_INTERVAL,
    MAX_WATCHDOG,
    MIN_WATCH_INTERVAL,
    MIN_WATCHDOG,
    VALIDATION_TIMEOUT,
)
from .validation import FolderCheck, check_folder_in

FOLDER_SCHEMA = vol.Schema({vol.Required(CONF_FOLDER, default=DEFAULT_FOLDER): TextSelector()})


class IotpyConfigSteps(ConfigFlow):
    """Steps of the IOTpy entry kinds, part of PyIoT's one config flow."""

    async def async_step_iotpy_files(self, user_input: dict[str, Any] | None = None) -> ConfigFlowResult:
        """A folder of device files inside HA's config directory."""
        errors: dict[str, str] = {}
        placeholders: dict[str, str] = {}
        if user_input is not None:
            folder, check = await self._async_check_folder(user_input[CONF_FOLDER])
            if check.error is None:
                await self.async_set_unique_id(f"{IOTPY_FILES}:{folder}")
                self._abort_if_unique_id_configured()
                return self.async_create_entry(
                    title=f"IOTpy devices ({folder})",
                    data={CONF_ENTRY_TYPE: IOTPY_FILES, CONF_FOLDER: folder},
                    options={CONF_WATCH_INTERVAL: DEFAULT_WATCH_INTERVAL, CONF_WATCHDOG: DEFAULT_WATCHDOG},
                )
            errors[CONF_FOLDER] = check.error
            placeholders = check.placeholders or {}
        return self.async_show_form(
            step_id=IOTPY_FILES,
            data_schema=self.add_suggested_values_to_schema(FOLDER_SCHEMA, user_input),
            errors=errors,
            description_placeholders={"file": "", "line": "", "error": "", **placeholders},
        )

    async def async_step_reconfigure_iotpy_files(
        self, user_input: dict[str, Any] | None = None
    ) -> ConfigFlowResult:
        """Run the device files of another folder."""
        entry = self._get_reconfigure_entry()
        errors: dict[str, str] = {}
        placeholders: dict[str, str] = {}
        if user_input is not None:
            folder, check = await self._async_check_folder(user_input[CONF_FOLDER])
            if check.error is None:
                await self.async_set_unique_id(f"{IOTPY_FILES}:{folder}")
                self._abort_if_unique_id_configured()
                return self.async_update_reload_and_abort(
                    entry,
                    unique_id=f"{IOTPY_FILES}:{folder}",
                    title=f"IOTpy devices ({folder})",
                    data_updates={CONF_FOLDER: folder},
                    reason="iotpy_files_reconfigured",
                )
            errors[CONF_FOLDER] = check.error
            placeholders = check.placeholders or {}
        return self.async_show_form(
            step_id="reconfigure_iotpy_files",
            data_schema=self.add_suggested_values_to_schema(FOLDER_SCHEMA, user_input or dict(entry.data)),
            errors=errors,
            description_placeholders={"file": "", "line": "", "error": "", **placeholders},
        )

    async def _async_check_folder(self, folder: str) -> tuple[str, FolderCheck]:
        """The folder relative to the config directory, and what importing its files once said."""
        config_dir = Path(self.hass.config.config_dir)
        try:
            async with asyncio.timeout(VALIDATION_TIMEOUT):
                return await self.hass.async_add_executor_job(check_folder_in, config_dir, folder)
        except TimeoutError:
            return folder, FolderCheck(error="import_timeout")


class IotpyFilesOptionsFlow(OptionsFlowWithReload):
    """How often the folder is checked for changes and how long a `loop()` may run; the entry reloads."""

    async def async_step_init(self, user_input: dict[str, Any] | None = None) -> ConfigFlowResult:
        """The only step."""
        return await self.async_step_iotpy_files(user_input)

    async def async_step_iotpy_files(self, user_input: dict[str, Any] | None = None) -> ConfigFlowResult:
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
            step_id=IOTPY_FILES,
            data_schema=self.add_suggested_values_to_schema(schema, self.config_entry.options),
        )


def _seconds(minimum: int, maximum: int) -> NumberSelector:
    return NumberSelector(
        NumberSelectorConfig(
            min=minimum, max=maximum, step=1, mode=NumberSelectorMode.BOX, unit_of_measurement="s"
        )
    )
