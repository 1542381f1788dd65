"""Config flow steps of the BLE GATT system: pick or confirm a device, explore its GATT, tick entities.

Discovery: HA's bluetooth matches the manifest's `bluetooth` matchers and starts a flow per device
(`async_step_bluetooth` routes it here). By hand: a list of every connectable device HA sees.
Both end in the explorer: one connection lists the characteristics, the user ticks which become
entities; characteristics the core does not know get a format, one step each.
"""

import asyncio
from dataclasses import dataclass, field
from typing import Any

from homeassistant.components.bluetooth import BluetoothServiceInfoBleak
from homeassistant.config_entries import ConfigFlow, ConfigFlowResult, OptionsFlowWithReload
from homeassistant.helpers.selector import SelectOptionDict, SelectSelector, SelectSelectorConfig
import probatio as vol

from ...const import CONF_ENTRY_TYPE
from ...core.protocols.ble import BleError, CharacteristicBinding, GattCharacteristic, normalize_address
from .const import BLE_GATT, CONF_ADDRESS, CONF_GATT, CONF_MODE, CONF_POLICY, CONF_POLL_INTERVAL, CONF_RESET
from .explorer import (
    DEFAULT_POLICY,
    Selection,
    async_explore,
    characteristics_schema,
    connectable_devices,
    default_selection,
    device_label,
    flow_error,
    format_binding,
    format_schema,
    gatt_as_dict,
    gatt_from_dict,
    reset_input,
    reset_option,
    unknown_placeholders,
)
from .runtime import BLUETOOTH, bindings_from_options


@dataclass
class _Choice:
    """What a flow gathered so far."""

    address: str = ""
    name: str = ""
    gatt: list[GattCharacteristic] = field(default_factory=list)
    selection: Selection | None = None
    policy: dict[str, Any] = field(default_factory=lambda: dict(DEFAULT_POLICY))
    reset: dict[str, Any] | None = None
    exploring: asyncio.Task[list[GattCharacteristic]] | None = None
    failure: BleError | None = None


class BleConfigSteps(ConfigFlow):
    """Steps of the BLE GATT device entry kind, part of PyIoT's one config flow."""

    _ble: _Choice

    async def async_step_ble_gatt(self, user_input: dict[str, Any] | None = None) -> ConfigFlowResult:
        """Pick one of the connectable devices HA's bluetooth sees (local adapters and proxies)."""
        if BLUETOOTH not in self.hass.config.components:
            return self.async_abort(reason="ble_bluetooth_not_configured")
        devices = {
            info.address: info
            for info in connectable_devices(
                self.hass, filter(None, self._async_current_ids(include_ignore=False))
            )
        }
        if user_input is not None and (info := devices.get(user_input[CONF_ADDRESS])) is not None:
            return await self._async_ble_device_chosen(info)
        if not devices:
            return self.async_abort(reason="ble_no_devices")
        options = [
            SelectOptionDict(value=address, label=device_label(self.hass, info))
            for address, info in devices.items()
        ]
        return self.async_show_form(
            step_id=BLE_GATT,
            data_schema=vol.Schema(
                {vol.Required(CONF_ADDRESS): SelectSelector(SelectSelectorConfig(options=options))}
            ),
        )

    async def async_step_ble_gatt_bluetooth(
        self, discovery_info: BluetoothServiceInfoBleak
    ) -> ConfigFlowResult:
        """HA's bluetooth found a connectable device with one of the manifest's services."""
        await self.async_set_unique_id(normalize_address(discovery_info.address))
        self._abort_if_unique_id_configured()
        self._ble = _Choice(address=self.unique_id or "", name=_name(discovery_info))
        self.context["title_placeholders"] = {"node": self._ble.name}
        return await self.async_step_ble_gatt_confirm()

    async def async_step_ble_gatt_confirm(self, user_input: dict[str, Any] | None = None) -> ConfigFlowResult:
        """Ask before connecting to a discovered device."""
        if user_input is None:
            return self.async_show_form(
                step_id="ble_gatt_confirm",
                description_placeholders={"name": self._ble.name, "address": self._ble.address},
            )
        return await self.async_step_ble_gatt_connect()

    async def _async_ble_device_chosen(self, info: BluetoothServiceInfoBleak) -> ConfigFlowResult:
        await self.async_set_unique_id(normalize_address(info.address), raise_on_progress=False)
        self._abort_if_unique_id_configured()
        self._ble = _Choice(address=self.unique_id or "", name=_name(info))
        return await self.async_step_ble_gatt_connect()

    async def async_step_ble_gatt_connect(self, user_input: dict[str, Any] | None = None) -> ConfigFlowResult:
        """Connect once and list the device's characteristics, with a progress spinner meanwhile."""
        if self._ble.exploring is None:
            # Not eager: the progress is shown before the first connection attempt can end.
            self._ble.exploring = self.hass.async_create_task(
                async_explore(self.hass, self._ble.address, self._ble.name),
                f"pyiot ble explore {self._ble.address}",
                eager_start=False,
            )
        if not self._ble.exploring.done():
            return self.async_show_progress(
                step_id="ble_gatt_connect",
                progress_action="ble_exploring",
                progress_task=self._ble.exploring,
                description_placeholders={"name": self._ble.name},
            )
        exploring, self._ble.exploring = self._ble.exploring, None
        try:
            self._ble.gatt = exploring.result()
        except BleError as err:
            self._ble.failure = err
            return self.async_show_progress_done(next_step_id="ble_gatt_retry")
        return self.async_show_progress_done(next_step_id="ble_gatt_characteristics")

    async def async_step_ble_gatt_retry(self, user_input: dict[str, Any] | None = None) -> ConfigFlowResult:
        """The exploration failed: say why; submitting tries again."""
        if user_input is not None:
            return await self.async_step_ble_gatt_connect()
        failure = self._ble.failure
        assert failure is not None  # noqa: S101 - set by the connect step
        return self.async_show_form(
            step_id="ble_gatt_retry",
            errors={"base": flow_error(failure)},
            description_placeholders={"name": self._ble.name, "error": str(failure)},
        )

    async def async_step_ble_gatt_characteristics(
        self, user_input: dict[str, Any] | None = None
    ) -> ConfigFlowResult:
        """Tick the characteristics that become entities, choose the connection policy and the reset."""
        errors: dict[str, str] = {}
        selected = default_selection(self._ble.gatt)
        if user_input is not None:
            selected = user_input.get("characteristics", [])
            self._ble.policy = _policy(user_input)
            try:
                self._ble.reset = reset_option(self._ble.gatt, user_input)
            except ValueError:
                errors["base"] = "ble_bad_reset"
            else:
                self._ble.selection = Selection(self._ble.gatt, selected)
                return await self.async_step_ble_gatt_format()
        schema = characteristics_schema(
            self._ble.gatt,
            selected=selected,
            mode=self._ble.policy[CONF_MODE],
            poll_interval=self._ble.policy[CONF_POLL_INTERVAL],
            reset=(user_input or {}).get(CONF_RESET),
        )
        return self.async_show_form(
            step_id="ble_gatt_characteristics",
            data_schema=schema,
            errors=errors,
            description_placeholders={"name": self._ble.name, "count": str(len(self._ble.gatt))},
        )

    async def async_step_ble_gatt_format(self, user_input: dict[str, Any] | None = None) -> ConfigFlowResult:
        """A format for each ticked characteristic the core does not know, then the entry."""
        selection = self._ble.selection
        assert selection is not None  # noqa: S101 - set by the characteristics step
        step = await _format_step(self, selection, user_input)
        if step is not None:
            return step
        return self.async_create_entry(
            title=self._ble.name,
            data={
                CONF_ENTRY_TYPE: BLE_GATT,
                CONF_ADDRESS: self._ble.address,
                CONF_GATT: [gatt_as_dict(c) for c in self._ble.gatt],
            },
            options=selection.options(
                self._ble.policy[CONF_MODE], self._ble.policy[CONF_POLL_INTERVAL], self._ble.reset
            ),
        )


class BleGattOptionsFlow(OptionsFlowWithReload):
    """Which characteristics are entities and the connection policy; the entry reloads with them."""

    _selection: Selection | None = None
    _policy: dict[str, Any]
    _reset: dict[str, Any] | None = None

    async def async_step_init(self, user_input: dict[str, Any] | None = None) -> ConfigFlowResult:
        """The only entry point."""
        return await self.async_step_ble_gatt(user_input)

    async def async_step_ble_gatt(self, user_input: dict[str, Any] | None = None) -> ConfigFlowResult:
        """The characteristics the explorer found when the device was added, the policy and the reset."""
        gatt = [gatt_from_dict(record) for record in self.config_entry.data.get(CONF_GATT, [])]
        previous = bindings_from_options(dict(self.config_entry.options))
        errors: dict[str, str] = {}
        selected = [b.key for b in previous]
        policy = {**DEFAULT_POLICY, **self.config_entry.options.get(CONF_POLICY, {})}
        reset = reset_input(gatt, self.config_entry.options.get(CONF_RESET))
        if user_input is not None:
            selected, policy, reset = user_input.get("characteristics", []), _policy(user_input), {}
            try:
                self._reset = reset_option(gatt, user_input)
            except ValueError:
                errors["base"] = "ble_bad_reset"
                reset = user_input.get(CONF_RESET) or {}
            else:
                self._selection = Selection(gatt, selected, previous)
                self._policy = policy
                return await self.async_step_ble_gatt_format()
        return self.async_show_form(
            step_id=BLE_GATT,
            data_schema=characteristics_schema(
                gatt,
                selected=selected,
                mode=policy[CONF_MODE],
                poll_interval=policy[CONF_POLL_INTERVAL],
                reset=reset,
            ),
            errors=errors,
            description_placeholders={"name": self.config_entry.title, "count": str(len(gatt))},
        )

    async def async_step_ble_gatt_format(self, user_input: dict[str, Any] | None = None) -> ConfigFlowResult:
        """A format for each newly ticked characteristic the core does not know."""
        assert self._selection is not None  # noqa: S101 - set by the first step
        step = await _format_step(self, self._selection, user_input)
        if step is not None:
            return step
        return self.async_create_entry(
            data=self._selection.options(
                self._policy[CONF_MODE], self._policy[CONF_POLL_INTERVAL], self._reset
            )
        )


async def _format_step(
    flow: ConfigFlow | OptionsFlowWithReload,
    selection: Selection,
    user_input: dict[str, Any] | None,
) -> ConfigFlowResult | None:
    """The form for the first pending characteristic, or None when every one has a format."""
    errors: dict[str, str] = {}
    if user_input is not None and selection.pending:
        try:
            binding: CharacteristicBinding = format_binding(selection.pending[0], user_input)
        except ValueError:
            errors["base"] = "ble_bad_format"
        else:
            selection.bindings.append(binding)
            selection.pending.pop(0)
    if not selection.pending:
        return None
    return flow.async_show_form(
        step_id="ble_gatt_format",
        data_schema=flow.add_suggested_values_to_schema(format_schema(), user_input or {}),
        errors=errors,
        description_placeholders=unknown_placeholders(selection.pending[0]),
    )


def _policy(user_input: dict[str, Any]) -> dict[str, Any]:
    return {CONF_MODE: user_input[CONF_MODE], CONF_POLL_INTERVAL: user_input[CONF_POLL_INTERVAL]}


def _name(info: BluetoothServiceInfoBleak) -> str:
    return info.name if info.name and info.name != info.address else info.address
