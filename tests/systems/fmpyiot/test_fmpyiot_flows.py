"""FmPyIOT MQTT flows: the user step, MQTT discovery on `/FmPyIOT/datetime_`, the options flow."""

from typing import Any
from unittest.mock import AsyncMock

from homeassistant.config_entries import SOURCE_MQTT, SOURCE_USER
from homeassistant.core import HomeAssistant
from homeassistant.data_entry_flow import FlowResultType
from homeassistant.helpers.service_info.mqtt import MqttServiceInfo
import pytest
from pytest_homeassistant_custom_component.common import MockConfigEntry

from custom_components.pyiot.const import CONF_ENTRY_TYPE, DOMAIN
from custom_components.pyiot.core.protocols.fmpyiot import GatewaySettings
from custom_components.pyiot.systems.fmpyiot.const import FMPYIOT_MQTT

pytestmark = pytest.mark.usefixtures("mock_setup_entry")

DEFAULTS = {"max_depth": 4, "time_service": True, "web_probe": True, "manual_bases": [], "devices": {}}


def _time_request() -> MqttServiceInfo:
    return MqttServiceInfo(
        topic="/FmPyIOT/datetime_",
        payload=b"",
        qos=0,
        retain=False,
        subscribed_topic="/FmPyIOT/datetime_",
        timestamp=0,
    )


@pytest.fixture
def mqtt_configured(hass: HomeAssistant) -> None:
    """An MQTT entry exists (the flow only checks that it does)."""
    MockConfigEntry(domain="mqtt", data={}).add_to_hass(hass)


def _entry(hass: HomeAssistant, options: dict[str, Any] | None = None) -> MockConfigEntry:
    entry = MockConfigEntry(
        domain=DOMAIN,
        unique_id=FMPYIOT_MQTT,
        data={CONF_ENTRY_TYPE: FMPYIOT_MQTT},
        options=DEFAULTS if options is None else options,
        version=2,
    )
    entry.add_to_hass(hass)
    return entry


async def test_user_menu_then_fmpyiot(
    hass: HomeAssistant, mqtt_configured: None, mock_setup_entry: AsyncMock
) -> None:
    result = await hass.config_entries.flow.async_init(DOMAIN, context={"source": SOURCE_USER})
    assert result["type"] is FlowResultType.MENU
    assert FMPYIOT_MQTT in result["menu_options"]

    result = await hass.config_entries.flow.async_configure(result["flow_id"], {"next_step_id": FMPYIOT_MQTT})
    assert result["type"] is FlowResultType.FORM
    assert result["step_id"] == FMPYIOT_MQTT

    result = await hass.config_entries.flow.async_configure(result["flow_id"], {})
    assert result["type"] is FlowResultType.CREATE_ENTRY
    assert result["title"] == "FmPyIOT MQTT devices"
    assert result["data"] == {CONF_ENTRY_TYPE: FMPYIOT_MQTT}
    assert result["options"] == DEFAULTS
    assert result["result"].unique_id == FMPYIOT_MQTT
    assert mock_setup_entry.call_count == 1


async def test_user_without_mqtt_aborts(hass: HomeAssistant) -> None:
    result = await hass.config_entries.flow.async_init(DOMAIN, context={"source": SOURCE_USER})
    result = await hass.config_entries.flow.async_configure(result["flow_id"], {"next_step_id": FMPYIOT_MQTT})
    assert result["type"] is FlowResultType.ABORT
    assert result["reason"] == "mqtt_not_configured"


async def test_user_already_configured(hass: HomeAssistant, mqtt_configured: None) -> None:
    _entry(hass)
    result = await hass.config_entries.flow.async_init(DOMAIN, context={"source": SOURCE_USER})
    result = await hass.config_entries.flow.async_configure(result["flow_id"], {"next_step_id": FMPYIOT_MQTT})
    assert result["type"] is FlowResultType.ABORT
    assert result["reason"] == "already_configured"


async def test_mqtt_discovery(hass: HomeAssistant) -> None:
    result = await hass.config_entries.flow.async_init(
        DOMAIN, context={"source": SOURCE_MQTT}, data=_time_request()
    )
    assert result["type"] is FlowResultType.FORM
    assert result["step_id"] == "fmpyiot_mqtt_confirm"

    result = await hass.config_entries.flow.async_configure(result["flow_id"], {})
    assert result["type"] is FlowResultType.CREATE_ENTRY
    assert result["data"] == {CONF_ENTRY_TYPE: FMPYIOT_MQTT}
    assert result["options"] == DEFAULTS


async def test_mqtt_discovery_offers_once(hass: HomeAssistant) -> None:
    """Every device asks the time every 10 s: one offer, not one per request."""
    first = await hass.config_entries.flow.async_init(
        DOMAIN, context={"source": SOURCE_MQTT}, data=_time_request()
    )
    second = await hass.config_entries.flow.async_init(
        DOMAIN, context={"source": SOURCE_MQTT}, data=_time_request()
    )
    assert first["type"] is FlowResultType.FORM
    assert second["type"] is FlowResultType.ABORT
    assert second["reason"] == "already_in_progress"


async def test_user_goes_on_while_the_devices_are_offered(hass: HomeAssistant, mqtt_configured: None) -> None:
    """A user who adds the entry by hand while discovery offers it is not told "already in progress"."""
    offered = await hass.config_entries.flow.async_init(
        DOMAIN, context={"source": SOURCE_MQTT}, data=_time_request()
    )
    assert offered["type"] is FlowResultType.FORM
    [progress] = hass.config_entries.flow.async_progress_by_handler(DOMAIN)
    assert progress["context"]["title_placeholders"] == {"node": "FmPyIOT MQTT devices"}

    result = await hass.config_entries.flow.async_init(DOMAIN, context={"source": SOURCE_USER})
    result = await hass.config_entries.flow.async_configure(result["flow_id"], {"next_step_id": FMPYIOT_MQTT})
    assert result["type"] is FlowResultType.FORM
    result = await hass.config_entries.flow.async_configure(result["flow_id"], {})
    assert result["type"] is FlowResultType.CREATE_ENTRY
    assert hass.config_entries.flow.async_progress_by_handler(DOMAIN) == []  # the offer ended with it


async def test_mqtt_discovery_already_configured(hass: HomeAssistant) -> None:
    _entry(hass)
    result = await hass.config_entries.flow.async_init(
        DOMAIN, context={"source": SOURCE_MQTT}, data=_time_request()
    )
    assert result["type"] is FlowResultType.ABORT
    assert result["reason"] == "already_configured"


async def _entry_settings(hass: HomeAssistant, entry: MockConfigEntry) -> Any:
    """The options menu, then its entry settings form."""
    result = await hass.config_entries.options.async_init(entry.entry_id)
    assert result["type"] is FlowResultType.MENU
    assert result["menu_options"] == [FMPYIOT_MQTT, "fmpyiot_device"]
    return await hass.config_entries.options.async_configure(
        result["flow_id"], {"next_step_id": FMPYIOT_MQTT}
    )


async def test_options_flow(hass: HomeAssistant) -> None:
    devices = {"28:cd:c1:00:00:01": {"sleeping": True}}
    entry = _entry(hass, {**DEFAULTS, "devices": devices})
    result = await _entry_settings(hass, entry)
    assert result["type"] is FlowResultType.FORM
    assert result["step_id"] == FMPYIOT_MQTT
    assert result["description_placeholders"] == {"bases": "-"}
    limits = result["data_schema"].schema["limits"].schema.schema
    assert {str(key): key.default() for key in limits} == {
        "max_nodes": 500,
        "max_points_per_node": 64,
        "new_nodes_per_minute": 30,
    }
    result = await hass.config_entries.options.async_configure(
        result["flow_id"],
        {
            "max_depth": 2.0,
            "time_service": False,
            "add_base": " T-HOME/ATELIER/LIDAR ",
            "limits": {"max_nodes": 40.0, "max_points_per_node": 64, "new_nodes_per_minute": 0},
        },
    )
    assert result["type"] is FlowResultType.CREATE_ENTRY
    assert entry.options == {
        **DEFAULTS,
        "max_depth": 2,
        "time_service": False,
        "manual_bases": ["T-HOME/ATELIER/LIDAR/"],
        "devices": devices,
        "limits": {"max_nodes": 40, "max_points_per_node": 64, "new_nodes_per_minute": 0},
    }
    assert GatewaySettings.from_dict(entry.options).manual_bases == ("T-HOME/ATELIER/LIDAR/",)

    # The same base again is not added twice; the form shows the bases added so far.
    result = await _entry_settings(hass, entry)
    assert result["description_placeholders"] == {"bases": "T-HOME/ATELIER/LIDAR/"}
    result = await hass.config_entries.options.async_configure(
        result["flow_id"], {"max_depth": 4, "time_service": True, "add_base": "T-HOME/ATELIER/LIDAR/"}
    )
    assert entry.options["manual_bases"] == ["T-HOME/ATELIER/LIDAR/"]
    assert entry.options["limits"] == {}


@pytest.mark.parametrize(
    ("base", "error"),
    [("T-HOME/+/X", "base_topic_wildcard"), ("A/#", "base_topic_wildcard"), ("/", "base_topic_empty")],
)
async def test_options_refuse_a_bad_base(hass: HomeAssistant, base: str, error: str) -> None:
    entry = _entry(hass)
    result = await _entry_settings(hass, entry)
    result = await hass.config_entries.options.async_configure(
        result["flow_id"], {"max_depth": 3, "time_service": True, "add_base": base}
    )
    assert result["type"] is FlowResultType.FORM
    assert result["errors"] == {"add_base": error}
    assert entry.options == DEFAULTS


async def test_options_cap_bases_added_by_hand(hass: HomeAssistant) -> None:
    entry = _entry(hass, {**DEFAULTS, "manual_bases": [f"B/{index}/" for index in range(64)]})
    result = await _entry_settings(hass, entry)
    result = await hass.config_entries.options.async_configure(
        result["flow_id"], {"max_depth": 4, "time_service": True, "add_base": "C/"}
    )
    assert result["errors"] == {"add_base": "too_many_bases"}


async def test_options_of_unusable_settings_start_from_the_defaults(hass: HomeAssistant) -> None:
    entry = _entry(hass, {"max_depth": 4, "manual_bases": "not a list"})
    result = await _entry_settings(hass, entry)
    result = await hass.config_entries.options.async_configure(
        result["flow_id"], {"max_depth": 4, "time_service": True}
    )
    assert entry.options == {**DEFAULTS, "limits": {}}
