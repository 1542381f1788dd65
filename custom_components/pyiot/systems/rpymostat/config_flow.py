"""Config flow steps of the RPyMostat system: an Engine on a port, its options, a new port."""

from typing import Any

from homeassistant.config_entries import ConfigFlow, ConfigFlowResult, OptionsFlowWithReload
from homeassistant.const import CONF_PORT

from ...const import CONF_ENTRY_TYPE
from ...hub.ports import async_port_available
from .const import RPYMOSTAT
from .engine import title, unique_id
from .flow_schemas import DEFAULTS, entry_options, entry_schema, options_schema, port_schema


class RPyMostatConfigSteps(ConfigFlow):
    """Steps of the RPyMostat entry kind, part of PyIoT's one config flow."""

    async def async_step_rpymostat(self, user_input: dict[str, Any] | None = None) -> ConfigFlowResult:
        """PyIoT acts as the RPyMostat Engine on a port of this host; one entry per port."""
        errors: dict[str, str] = {}
        if user_input is not None:
            port = int(user_input[CONF_PORT])
            await self.async_set_unique_id(unique_id(port))
            self._abort_if_unique_id_configured()
            options, errors = entry_options(user_input)
            if not errors and not await async_port_available(self.hass, port):
                errors[CONF_PORT] = "port_unavailable"
            if not errors:
                return self.async_create_entry(
                    title=title(port), data={CONF_ENTRY_TYPE: RPYMOSTAT, CONF_PORT: port}, options=options
                )
        return self.async_show_form(
            step_id=RPYMOSTAT,
            data_schema=self.add_suggested_values_to_schema(entry_schema(), user_input or DEFAULTS),
            errors=errors,
        )

    async def async_step_reconfigure_rpymostat(
        self, user_input: dict[str, Any] | None = None
    ) -> ConfigFlowResult:
        """Move the RPyMostat engine to another port (the hosts' `-p` must follow)."""
        entry = self._get_reconfigure_entry()
        errors: dict[str, str] = {}
        if user_input is not None:
            port = int(user_input[CONF_PORT])
            if port == entry.data[CONF_PORT]:
                return self.async_abort(reason="rpymostat_port_unchanged")
            await self.async_set_unique_id(unique_id(port))
            self._abort_if_unique_id_configured()
            if await async_port_available(self.hass, port):
                return self.async_update_reload_and_abort(
                    entry,
                    unique_id=unique_id(port),
                    title=title(port),
                    data_updates={CONF_PORT: port},
                    reason="rpymostat_reconfigured",
                )
            errors[CONF_PORT] = "port_unavailable"
        return self.async_show_form(
            step_id="reconfigure_rpymostat",
            data_schema=self.add_suggested_values_to_schema(port_schema(), user_input or dict(entry.data)),
            errors=errors,
        )


class RPyMostatOptionsFlow(OptionsFlowWithReload):
    """Token, allowed networks, rate limit and DNS-SD advertisement; the entry reloads with them."""

    async def async_step_init(self, user_input: dict[str, Any] | None = None) -> ConfigFlowResult:
        """The only step."""
        return await self.async_step_rpymostat(user_input)

    async def async_step_rpymostat(self, user_input: dict[str, Any] | None = None) -> ConfigFlowResult:
        """The engine's security settings."""
        errors: dict[str, str] = {}
        if user_input is not None:
            options, errors = entry_options(user_input)
            if not errors:
                return self.async_create_entry(data=options)
        suggested = user_input or {**DEFAULTS, **self.config_entry.options}
        return self.async_show_form(
            step_id=RPYMOSTAT,
            data_schema=self.add_suggested_values_to_schema(options_schema(), suggested),
            errors=errors,
        )
