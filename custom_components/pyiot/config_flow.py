"""PyIoT's one config flow: a menu of entry kinds, each system's steps, discovery routed to its owner."""

from typing import Any, override

from homeassistant.components.bluetooth import BluetoothServiceInfoBleak
from homeassistant.config_entries import ConfigEntry, ConfigFlowResult, OptionsFlow
from homeassistant.core import callback
from homeassistant.data_entry_flow import BaseServiceInfo
from homeassistant.helpers.service_info.mqtt import MqttServiceInfo
from homeassistant.helpers.service_info.zeroconf import ZeroconfServiceInfo

from .const import DOMAIN, ENTRY_VERSION
from .systems import ENTRY_KINDS, UnknownEntryKindError, entry_kind
from .systems.flows import SystemConfigSteps


class PyIoTConfigFlow(SystemConfigSteps, domain=DOMAIN):
    """Add a PyIoT entry: the user picks a kind of entry, or a discovery offers one."""

    VERSION = ENTRY_VERSION

    @staticmethod
    @callback
    @override
    def async_get_options_flow(config_entry: ConfigEntry) -> OptionsFlow:
        options_flow = entry_kind(config_entry).options_flow
        if options_flow is None:  # HA asks only when async_supports_options_flow said yes
            raise UnknownEntryKindError(config_entry.entry_id)
        return options_flow()

    @classmethod
    @callback
    @override
    def async_supports_options_flow(cls, config_entry: ConfigEntry) -> bool:
        try:
            return entry_kind(config_entry).options_flow is not None
        except UnknownEntryKindError:
            return False

    @override
    async def async_step_user(self, user_input: dict[str, Any] | None = None) -> ConfigFlowResult:
        return self.async_show_menu(step_id="user", menu_options=list(ENTRY_KINDS))

    async def async_step_reconfigure(self, user_input: dict[str, Any] | None = None) -> ConfigFlowResult:
        """The entry's kind says which of its steps changes what is in its data."""
        step = entry_kind(self._get_reconfigure_entry()).reconfigure_step
        if step is None:
            return self.async_abort(reason="nothing_to_reconfigure")
        return await self._async_run_step(step, user_input)

    @override
    async def async_step_mqtt(self, discovery_info: MqttServiceInfo) -> ConfigFlowResult:
        return await self._async_route_discovery("mqtt", discovery_info)

    @override
    async def async_step_zeroconf(self, discovery_info: ZeroconfServiceInfo) -> ConfigFlowResult:
        return await self._async_route_discovery("zeroconf", discovery_info)

    @override
    async def async_step_bluetooth(self, discovery_info: BluetoothServiceInfoBleak) -> ConfigFlowResult:
        return await self._async_route_discovery("bluetooth", discovery_info)

    async def _async_route_discovery(
        self, source: str, discovery_info: BaseServiceInfo | BluetoothServiceInfoBleak
    ) -> ConfigFlowResult:
        """Hand a discovery to the kind that owns it (several kinds may share one source)."""
        for kind in ENTRY_KINDS.values():
            for discovery in kind.discoveries:
                if discovery.source == source and discovery.matches(discovery_info):
                    return await self._async_run_step(discovery.step, discovery_info)
        return self.async_abort(reason="not_supported")

    async def _async_run_step(self, step: str, user_input: Any) -> ConfigFlowResult:
        handler = getattr(self, f"async_step_{step}")
        result: ConfigFlowResult = await handler(user_input)
        return result
