"""Options steps shared by both IOTpy entries: how one variable is shown (exposure, unit, classes).

The settings are the core's `VariableSettings`, stored in the entry's `variables` option (node id →
variable → `as_dict()`), read back by `files.variable_settings`. First the variable and what it
becomes; then, for that platform only, its unit, device class, state class or range.
"""

from collections.abc import Mapping
from dataclasses import dataclass
import json
from typing import Any, Final

from homeassistant.components.binary_sensor.const import BinarySensorDeviceClass
from homeassistant.components.number import NumberDeviceClass
from homeassistant.components.sensor import SensorDeviceClass, SensorStateClass
from homeassistant.components.switch.const import SwitchDeviceClass
from homeassistant.config_entries import ConfigFlowResult, OptionsFlowWithReload
from homeassistant.helpers.selector import (
    NumberSelector,
    NumberSelectorConfig,
    NumberSelectorMode,
    SelectOptionDict,
    SelectSelector,
    SelectSelectorConfig,
    SelectSelectorMode,
    TextSelector,
)
import probatio as vol

from ...core.iotpy import Exposure, ValueKind, VariableSettings
from ...core.iotpy.points import NO_STATE_CLASS
from .const import CONF_VARIABLES

CONF_VARIABLE: Final = "variable"
CONF_EXPOSURE: Final = "exposure"
CONF_UNIT: Final = "unit"
CONF_DEVICE_CLASS: Final = "device_class"
CONF_STATE_CLASS: Final = "state_class"
CONF_MINIMUM: Final = "minimum"
CONF_MAXIMUM: Final = "maximum"
CONF_STEP: Final = "step"

_DEVICE_CLASSES: Final[Mapping[str, tuple[str, ...]]] = {
    "sensor": tuple(item.value for item in SensorDeviceClass if item is not SensorDeviceClass.ENUM),
    "binary_sensor": tuple(item.value for item in BinarySensorDeviceClass),
    "number": tuple(item.value for item in NumberDeviceClass),
    "switch": tuple(item.value for item in SwitchDeviceClass),
}
_STATE_CLASSES: Final = (*(item.value for item in SensorStateClass), NO_STATE_CLASS)


@dataclass(frozen=True, kw_only=True, slots=True)
class VariableChoice:
    """A variable the user may set up: its node, its key, how to name it, its kind if known."""

    node_id: str
    key: str
    label: str
    kind: ValueKind | None = None

    @property
    def value(self) -> str:
        """The select option's value."""
        return json.dumps([self.node_id, self.key])


def platform_of(exposure: Exposure, kind: ValueKind | None) -> str:
    """`sensor`, `text` (a text sensor), `binary_sensor`, `number` or `switch`."""
    if exposure is Exposure.AUTO:
        exposure = {ValueKind.BOOLEAN: Exposure.BINARY_SENSOR, ValueKind.TEXT: Exposure.TEXT}.get(
            kind or ValueKind.NUMBER, Exposure.SENSOR
        )
    return exposure.value


class VariableSettingsSteps(OptionsFlowWithReload):
    """Steps `iotpy_variable` and `iotpy_variable_settings`; the entry lists its variables."""

    _choice: VariableChoice
    _exposure: Exposure

    def variable_choices(self) -> list[VariableChoice]:
        """The variables the entry knows now."""
        raise NotImplementedError

    async def async_step_iotpy_variable(self, user_input: dict[str, Any] | None = None) -> ConfigFlowResult:
        """Which variable, and which entity it becomes."""
        choices = {choice.value: choice for choice in self.variable_choices()}
        if not choices:
            return self.async_abort(reason="iotpy_no_variables")
        if user_input is not None:
            self._choice = choices[user_input[CONF_VARIABLE]]
            self._exposure = Exposure(user_input[CONF_EXPOSURE])
            return await self.async_step_iotpy_variable_settings()
        schema = vol.Schema(
            {
                vol.Required(CONF_VARIABLE): SelectSelector(
                    SelectSelectorConfig(
                        options=[
                            SelectOptionDict(value=value, label=c.label) for value, c in choices.items()
                        ],
                        mode=SelectSelectorMode.DROPDOWN,
                    )
                ),
                vol.Required(CONF_EXPOSURE, default=Exposure.AUTO.value): SelectSelector(
                    SelectSelectorConfig(
                        options=[item.value for item in Exposure],
                        translation_key="iotpy_exposure",
                        mode=SelectSelectorMode.DROPDOWN,
                    )
                ),
            }
        )
        return self.async_show_form(step_id="iotpy_variable", data_schema=schema)

    async def async_step_iotpy_variable_settings(
        self, user_input: dict[str, Any] | None = None
    ) -> ConfigFlowResult:
        """Unit, device class, state class or range, as the chosen platform has them."""
        platform = platform_of(self._exposure, self._choice.kind)
        schema = _settings_schema(platform)
        errors: dict[str, str] = {}
        if user_input is not None or not schema.schema:
            given = user_input or {}
            if (error := _range_error(given)) is None:
                settings = VariableSettings(
                    exposure=self._exposure,
                    unit=given.get(CONF_UNIT) or None,
                    device_class=given.get(CONF_DEVICE_CLASS) or None,
                    state_class=given.get(CONF_STATE_CLASS) or None,
                    minimum=given.get(CONF_MINIMUM),
                    maximum=given.get(CONF_MAXIMUM),
                    step=given.get(CONF_STEP),
                )
                return self.async_create_entry(data=self._options_with(self._choice, settings))
            errors["base"] = error
        return self.async_show_form(
            step_id="iotpy_variable_settings",
            data_schema=self.add_suggested_values_to_schema(
                schema, user_input or self._settings_of(self._choice).as_dict()
            ),
            errors=errors,
            description_placeholders={"variable": self._choice.label, "platform": platform},
        )

    def _settings_of(self, choice: VariableChoice) -> VariableSettings:
        raw = self.config_entry.options.get(CONF_VARIABLES, {}).get(choice.node_id, {}).get(choice.key, {})
        return VariableSettings.from_dict(raw if isinstance(raw, Mapping) else {})

    def _options_with(self, choice: VariableChoice, settings: VariableSettings) -> dict[str, Any]:
        raw = self.config_entry.options.get(CONF_VARIABLES)
        variables = {node: dict(keys) for node, keys in (raw if isinstance(raw, Mapping) else {}).items()}
        node = variables.setdefault(choice.node_id, {})
        if data := settings.as_dict():
            node[choice.key] = data
        else:
            node.pop(choice.key, None)
        return {**self.config_entry.options, CONF_VARIABLES: {n: k for n, k in variables.items() if k}}


def _range_error(given: Mapping[str, Any]) -> str | None:
    minimum, maximum, step = given.get(CONF_MINIMUM), given.get(CONF_MAXIMUM), given.get(CONF_STEP)
    if minimum is not None and maximum is not None and minimum >= maximum:
        return "iotpy_bad_range"
    if step is not None and step <= 0:
        return "iotpy_bad_step"
    return None


def _settings_schema(platform: str) -> vol.Schema:
    fields: dict[Any, Any] = {}
    if platform in {"sensor", "number"}:
        fields[vol.Optional(CONF_UNIT)] = TextSelector()
    if classes := _DEVICE_CLASSES.get(platform):
        fields[vol.Optional(CONF_DEVICE_CLASS)] = _select(classes)
    if platform == "sensor":
        fields[vol.Optional(CONF_STATE_CLASS)] = _select(_STATE_CLASSES)
    if platform == "number":
        for key in (CONF_MINIMUM, CONF_MAXIMUM, CONF_STEP):
            fields[vol.Optional(key)] = NumberSelector(
                NumberSelectorConfig(mode=NumberSelectorMode.BOX, step="any")
            )
    return vol.Schema(fields)


def _select(values: tuple[str, ...]) -> SelectSelector:
    return SelectSelector(
        SelectSelectorConfig(
            options=[SelectOptionDict(value=value, label=value.replace("_", " ")) for value in values],
            mode=SelectSelectorMode.DROPDOWN,
        )
    )
