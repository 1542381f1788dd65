"""Config flow steps of the FmPyIOT system: the MQTT entry, its discovery, reauthentication, its options.

The options are the entry's settings (depth, time service, base topics, limits) and, per device, its
web API, whether it sleeps, and what the user says about its topics. Devices and their topics come from
the registries, so the options work while the entry is not loaded.
"""

from collections.abc import Mapping
from dataclasses import replace
from typing import Any
from urllib.parse import urlsplit

from homeassistant.config_entries import ConfigEntry, ConfigFlow, ConfigFlowResult, OptionsFlowWithReload
from homeassistant.const import CONF_HOST, CONF_PASSWORD, CONF_PORT, CONF_USERNAME
from homeassistant.core import HomeAssistant
from homeassistant.helpers import device_registry as dr, entity_registry as er
from homeassistant.helpers.selector import (
    BooleanSelector,
    NumberSelector,
    NumberSelectorConfig,
    NumberSelectorMode,
    TextSelector,
)
from homeassistant.helpers.service_info.mqtt import MqttServiceInfo
import probatio as vol

from ...const import CONF_ENTRY_TYPE, DOMAIN
from ...core.nodes import AdmissionLimits
from ...core.protocols.fmpyiot import (
    ActionKind,
    BaseTopicError,
    DeviceSettings,
    GatewaySettings,
    SettingsError,
    TopicSettings,
    WebSettings,
    normalise_base,
)
from ...core.protocols.fmpyiot.settings import MAX_MANUAL_BASES
from ...core.protocols.fmpyiot.topics import KEY_SEPARATOR, MAX_DEPTH_LIMIT, RELATIVE_PREFIX, valid_topic_key
from ...hub.limits import CONF_LIMITS, limits_from_options, limits_option, limits_section
from .const import (
    CONF_ACTION,
    CONF_ADD_BASE,
    CONF_DEVICE,
    CONF_DEVICE_CLASS,
    CONF_DEVICES,
    CONF_MANUAL_BASES,
    CONF_MAX_DEPTH,
    CONF_OFF_PAYLOAD,
    CONF_ON_PAYLOAD,
    CONF_REVERSE_TOPIC,
    CONF_SLEEP_PERIOD,
    CONF_SLEEP_PERIODS,
    CONF_SLEEPING,
    CONF_TIME_SERVICE,
    CONF_TOPIC,
    CONF_UNIT,
    FMPYIOT_MQTT,
    FMPYIOT_MQTT_TITLE,
    REAUTH_NODE,
)
from .flow_schemas import (
    BINARY_CLASSES,
    NUMERIC_CLASSES,
    READ_ONLY,
    async_check_web,
    credentials_schema,
    device_schema,
    sleep_schema,
    topic_schema,
    web_schema,
)
from .mqtt import gateway_settings

MQTT_DOMAIN = "mqtt"
DEFAULT_LIMITS = AdmissionLimits()
DEVICE_STEPS = ["fmpyiot_web", "fmpyiot_sleep", "fmpyiot_topic"]


class FmPyIotConfigSteps(ConfigFlow):
    """Steps of the FmPyIOT entry kind, part of PyIoT's one config flow."""

    _fmpyiot_node: str

    async def async_step_fmpyiot_mqtt(self, user_input: dict[str, Any] | None = None) -> ConfigFlowResult:
        """One entry serves every FmPyIOT device on HA's MQTT broker."""
        if not self.hass.config_entries.async_entries(MQTT_DOMAIN, include_disabled=False):
            return self.async_abort(reason="mqtt_not_configured")
        # A user who picks it while the broker's devices are offered as discovered goes on (that offer ends)
        await self.async_set_unique_id(FMPYIOT_MQTT, raise_on_progress=False)
        self._abort_if_unique_id_configured()
        if user_input is None:
            return self.async_show_form(step_id=FMPYIOT_MQTT)
        return self._create_fmpyiot_mqtt_entry()

    async def async_step_fmpyiot_mqtt_discovery(self, _: MqttServiceInfo) -> ConfigFlowResult:
        """A device asked the time on `/FmPyIOT/datetime_`: there are FmPyIOT devices on the broker."""
        await self.async_set_unique_id(FMPYIOT_MQTT)
        self._abort_if_unique_id_configured()
        self.context["title_placeholders"] = {"node": FMPYIOT_MQTT_TITLE}
        return await self.async_step_fmpyiot_mqtt_confirm()

    async def async_step_fmpyiot_mqtt_confirm(
        self, user_input: dict[str, Any] | None = None
    ) -> ConfigFlowResult:
        """Ask before adding the devices of the broker."""
        if user_input is None:
            return self.async_show_form(step_id="fmpyiot_mqtt_confirm")
        return self._create_fmpyiot_mqtt_entry()

    def _create_fmpyiot_mqtt_entry(self) -> ConfigFlowResult:
        return self.async_create_entry(
            title=FMPYIOT_MQTT_TITLE,
            data={CONF_ENTRY_TYPE: FMPYIOT_MQTT},
            options=GatewaySettings().as_dict(),
        )

    async def async_step_reauth(self, entry_data: Mapping[str, Any]) -> ConfigFlowResult:
        """A device refused its web credentials (only FmPyIOT entries have credentials to renew)."""
        node_id = entry_data.get(REAUTH_NODE)
        if self._get_reauth_entry().data.get(CONF_ENTRY_TYPE) != FMPYIOT_MQTT or not isinstance(node_id, str):
            return self.async_abort(reason="not_supported")
        self._fmpyiot_node = node_id
        return await self.async_step_reauth_confirm()

    async def async_step_reauth_confirm(self, user_input: dict[str, Any] | None = None) -> ConfigFlowResult:
        """New credentials, checked on the device at the address they are stored for."""
        entry = self._get_reauth_entry()
        settings = gateway_settings(entry, log=False)
        web = settings.device(self._fmpyiot_node).web
        if web is None or web.host is None:
            return self.async_abort(reason="fmpyiot_web_not_configured")
        errors: dict[str, str] = {}
        if user_input is not None:
            username, password = _text(user_input, CONF_USERNAME), _text(user_input, CONF_PASSWORD)
            if error := await async_check_web(self.hass, web.host, web.port, username, password):
                errors["base"] = error
            else:
                renewed = replace(web, username=username, password=password)
                device = replace(settings.device(self._fmpyiot_node), web=renewed)
                return self.async_update_reload_and_abort(
                    entry, options=_with_device(entry, settings, self._fmpyiot_node, device)
                )
        return self.async_show_form(
            step_id="reauth_confirm",
            data_schema=self.add_suggested_values_to_schema(
                credentials_schema(), user_input or {CONF_USERNAME: web.username}
            ),
            errors=errors,
            description_placeholders={
                "device": _entry_devices(self.hass, entry).get(self._fmpyiot_node, self._fmpyiot_node),
                "host": f"{web.host}:{web.port}",
            },
        )


class FmPyIotMqttOptionsFlow(OptionsFlowWithReload):
    """The entry's settings, or one device's; the entry reloads with them."""

    _node_id: str

    async def async_step_init(self, user_input: dict[str, Any] | None = None) -> ConfigFlowResult:
        """The first step."""
        return await self.async_step_fmpyiot_options(user_input)

    async def async_step_fmpyiot_options(self, _: dict[str, Any] | None = None) -> ConfigFlowResult:
        """The entry, or one of its devices."""
        return self.async_show_menu(step_id="fmpyiot_options", menu_options=[FMPYIOT_MQTT, "fmpyiot_device"])

    async def async_step_fmpyiot_mqtt(self, user_input: dict[str, Any] | None = None) -> ConfigFlowResult:
        """Edit the entry's settings; per-device settings are kept as they are."""
        current = gateway_settings(self.config_entry, log=False).as_dict()
        errors: dict[str, str] = {}
        if user_input is not None:
            bases = list(current[CONF_MANUAL_BASES])
            if text := str(user_input.get(CONF_ADD_BASE, "")).strip():
                try:
                    base = normalise_base(text)
                except BaseTopicError as err:
                    errors[CONF_ADD_BASE] = err.key.value
                else:
                    if len(bases) >= MAX_MANUAL_BASES:
                        errors[CONF_ADD_BASE] = "too_many_bases"
                    elif base not in bases:
                        bases.append(base)
            if not errors:
                return self.async_create_entry(
                    data={
                        **current,
                        CONF_MAX_DEPTH: int(user_input[CONF_MAX_DEPTH]),
                        CONF_TIME_SERVICE: bool(user_input[CONF_TIME_SERVICE]),
                        CONF_MANUAL_BASES: bases,
                        CONF_LIMITS: limits_option(user_input),
                    }
                )
        schema = vol.Schema(
            {
                vol.Required(CONF_MAX_DEPTH): NumberSelector(
                    NumberSelectorConfig(min=1, max=MAX_DEPTH_LIMIT, step=1, mode=NumberSelectorMode.BOX)
                ),
                vol.Required(CONF_TIME_SERVICE): BooleanSelector(),
                vol.Optional(CONF_ADD_BASE): TextSelector(),
                **limits_section(limits_from_options(self.config_entry.options, DEFAULT_LIMITS)),
            }
        )
        return self.async_show_form(
            step_id=FMPYIOT_MQTT,
            data_schema=self.add_suggested_values_to_schema(schema, user_input or current),
            errors=errors,
            description_placeholders={"bases": ", ".join(current[CONF_MANUAL_BASES]) or "-"},
        )

    async def async_step_fmpyiot_device(self, user_input: dict[str, Any] | None = None) -> ConfigFlowResult:
        """Pick a device of the entry."""
        devices = _entry_devices(self.hass, self.config_entry)
        if not devices:
            return self.async_abort(reason="fmpyiot_no_devices")
        if user_input is not None and user_input[CONF_DEVICE] in devices:
            self._node_id = user_input[CONF_DEVICE]
            return await self.async_step_fmpyiot_device_menu()
        return self.async_show_form(step_id="fmpyiot_device", data_schema=device_schema(devices))

    async def async_step_fmpyiot_device_menu(self, _: dict[str, Any] | None = None) -> ConfigFlowResult:
        """What to set for the device."""
        name = _entry_devices(self.hass, self.config_entry).get(self._node_id, self._node_id)
        return self.async_show_menu(
            step_id="fmpyiot_device_menu",
            menu_options=DEVICE_STEPS,
            description_placeholders={"device": name},
        )

    async def async_step_fmpyiot_web(self, user_input: dict[str, Any] | None = None) -> ConfigFlowResult:
        """The device's web server: validated at once; without a user name it is only found."""
        device = self._device()
        errors: dict[str, str] = {}
        if user_input is not None:
            host, port = str(user_input[CONF_HOST]).strip(), int(user_input[CONF_PORT])
            username = _text(user_input, CONF_USERNAME)
            password = _text(user_input, CONF_PASSWORD) if username else None
            if error := await async_check_web(self.hass, host, port, username, password):
                errors["base"] = error
            else:
                web = WebSettings(username=username, password=password, port=port, host=host)
                return self._save(replace(device, web=web))
        web = device.web or WebSettings(host=self._registry_host())
        suggested = {CONF_HOST: web.host or "", CONF_PORT: web.port, CONF_USERNAME: web.username or ""}
        return self.async_show_form(
            step_id="fmpyiot_web",
            data_schema=self.add_suggested_values_to_schema(web_schema(), user_input or suggested),
            errors=errors,
        )

    async def async_step_fmpyiot_sleep(self, user_input: dict[str, Any] | None = None) -> ConfigFlowResult:
        """A sleeping device stays available for N sleep periods after its BYE."""
        device = self._device()
        if user_input is not None:
            return self._save(
                replace(
                    device,
                    sleeping=bool(user_input[CONF_SLEEPING]),
                    sleep_period=float(user_input[CONF_SLEEP_PERIOD]),
                    sleep_periods=int(user_input[CONF_SLEEP_PERIODS]),
                )
            )
        suggested = {
            CONF_SLEEPING: device.sleeping,
            CONF_SLEEP_PERIOD: device.sleep_period,
            CONF_SLEEP_PERIODS: device.sleep_periods,
        }
        return self.async_show_form(
            step_id="fmpyiot_sleep",
            data_schema=self.add_suggested_values_to_schema(sleep_schema(), suggested),
        )

    async def async_step_fmpyiot_topic(self, user_input: dict[str, Any] | None = None) -> ConfigFlowResult:
        """What a topic is: read only or an action (button, switch, text, number); class and unit."""
        device = self._device()
        known = _device_topics(self.hass, self.config_entry, self._node_id)
        errors: dict[str, str] = {}
        if user_input is not None:
            key = _topic_key(str(user_input[CONF_TOPIC]))
            device_class = _text(user_input, CONF_DEVICE_CLASS)
            reverse = _text(user_input, CONF_REVERSE_TOPIC)
            reverse = _topic_key(reverse) if reverse is not None else None
            on_payload = _text(user_input, CONF_ON_PAYLOAD) or TopicSettings().on_payload
            off_payload = _text(user_input, CONF_OFF_PAYLOAD) or TopicSettings().off_payload
            if not valid_topic_key(key):
                errors[CONF_TOPIC] = "fmpyiot_invalid_topic"
            elif device_class and device_class not in _classes_for(known.get(key)):
                errors[CONF_DEVICE_CLASS] = "fmpyiot_device_class_mismatch"
            elif reverse is not None and not valid_topic_key(reverse):
                errors[CONF_REVERSE_TOPIC] = "fmpyiot_invalid_topic"
            elif on_payload == off_payload:
                errors[CONF_OFF_PAYLOAD] = "fmpyiot_same_payloads"
            else:
                action = str(user_input[CONF_ACTION])
                topic = replace(
                    device.topics.get(key, TopicSettings()),
                    action=None if action == READ_ONLY else ActionKind(action),
                    device_class=device_class,
                    unit=_text(user_input, CONF_UNIT),
                    reverse_topic=reverse,
                    on_payload=on_payload,
                    off_payload=off_payload,
                )
                topics = {**device.topics, key: topic}
                if topic == TopicSettings():
                    del topics[key]
                try:
                    return self._save(replace(device, topics=topics))
                except SettingsError:
                    errors["base"] = "fmpyiot_too_many_topics"
        return self.async_show_form(
            step_id="fmpyiot_topic",
            data_schema=self.add_suggested_values_to_schema(
                topic_schema(known), user_input or {CONF_ACTION: READ_ONLY}
            ),
            errors=errors,
        )

    def _device(self) -> DeviceSettings:
        return gateway_settings(self.config_entry, log=False).device(self._node_id)

    def _registry_host(self) -> str | None:
        """The host of the device's web page, once the gateway found its web server."""
        device = dr.async_get(self.hass).async_get_device_by_identifier(
            (DOMAIN, _scope(self.config_entry) + self._node_id), self.config_entry.entry_id
        )
        url = device.configuration_url if device is not None else None
        return urlsplit(url).hostname if url else None

    def _save(self, device: DeviceSettings) -> ConfigFlowResult:
        """Store the device's settings (raises `SettingsError` when they cannot be read back)."""
        settings = gateway_settings(self.config_entry, log=False)
        options = _with_device(self.config_entry, settings, self._node_id, device)
        GatewaySettings.from_dict(options)
        return self.async_create_entry(data=options)


def _with_device(
    entry: ConfigEntry, settings: GatewaySettings, node_id: str, device: DeviceSettings
) -> dict[str, Any]:
    """The entry's options with one device's settings replaced (dropped when all are defaults)."""
    devices = {**settings.as_dict()[CONF_DEVICES]}
    if stored := device.as_dict():
        devices[node_id] = stored
    else:
        devices.pop(node_id, None)
    return {**entry.options, **settings.as_dict(), CONF_DEVICES: devices}


def _scope(entry: ConfigEntry) -> str:
    return f"{entry.entry_id}:"


def _entry_devices(hass: HomeAssistant, entry: ConfigEntry) -> dict[str, str]:
    """Node id → name of the entry's devices."""
    devices: dict[str, str] = {}
    for device in dr.async_entries_for_config_entry(dr.async_get(hass), entry.entry_id):
        for domain, identifier in device.identifiers:
            if domain == DOMAIN and identifier.startswith(_scope(entry)):
                node_id = identifier.removeprefix(_scope(entry))
                devices[node_id] = device.name_by_user or device.name or node_id
    return devices


def _device_topics(hass: HomeAssistant, entry: ConfigEntry, node_id: str) -> dict[str, str | None]:
    """The device's topic keys and, for the topics read, the domain of their entity."""
    prefix = f"{_scope(entry)}{node_id}:"
    topics: dict[str, str | None] = {}
    for entity in er.async_entries_for_config_entry(er.async_get(hass), entry.entry_id):
        if not entity.unique_id.startswith(prefix):
            continue
        key = entity.unique_id.removeprefix(prefix)
        namespace, separator, rest = key.partition(KEY_SEPARATOR)
        if not separator:
            topics[key] = entity.domain
        elif namespace == CONF_ACTION:
            topics.setdefault(rest, None)
    return topics


def _classes_for(domain: str | None) -> tuple[str, ...]:
    """The device classes that fit the entity of a topic (any while it has none yet)."""
    match domain:
        case "binary_sensor":
            return BINARY_CLASSES
        case "sensor":
            return NUMERIC_CLASSES
        case _:
            return (*NUMERIC_CLASSES, *BINARY_CLASSES)


def _topic_key(text: str) -> str:
    """The point key of a topic as typed: `temperature` and `./temperature` are under the base."""
    text = text.strip()
    return text if text.startswith(RELATIVE_PREFIX) or "/" in text else RELATIVE_PREFIX + text


def _text(user_input: Mapping[str, Any], key: str) -> str | None:
    value = str(user_input.get(key) or "").strip()
    return value or None
