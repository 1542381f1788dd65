"""Pyaiot MQTT flows: the user step, MQTT discovery on `node/check`, the options flow."""

import json
from unittest.mock import AsyncMock

from homeassistant.config_entries import SOURCE_MQTT, SOURCE_USER
from homeassistant.core import HomeAssistant
from homeassistant.data_entry_flow import FlowResultType
from homeassistant.helpers.service_info.mqtt import MqttServiceInfo
import pytest
from pytest_homeassistant_custom_component.common import MockConfigEntry

from custom_components.pyiot.const import CONF_ENTRY_TYPE, DOMAIN
from custom_components.pyiot.systems.pyaiot.const import CONF_NODE_TIMEOUT, PYAIOT_MQTT


def _check(payload: str | bytes) -> MqttServiceInfo:
    return MqttServiceInfo(
        topic="node/check",
        payload=payload,
        qos=1,
        retain=False,
        subscribed_topic="node/check",
        timestamp=0,
    )


pytestmark = pytest.mark.usefixtures("mock_setup_entry")


@pytest.fixture
def mqtt_configured(hass: HomeAssistant) -> None:
    """An MQTT entry exists (the flow only checks that it does)."""
    MockConfigEntry(domain="mqtt", data={}).add_to_hass(hass)


async def test_user_menu_then_pyaiot(
    hass: HomeAssistant, mqtt_configured: None, mock_setup_entry: AsyncMock
) -> None:
    result = await hass.config_entries.flow.async_init(DOMAIN, context={"source": SOURCE_USER})
    assert result["type"] is FlowResultType.MENU
    assert result["menu_options"] == [
        "pyaiot_mqtt",
        "pyaiot_coap",
        "pyaiot_ws",
        "pyaiot_broker",
        "thermostat",
        "rpymostat",
        "fmpyiot_mqtt",
        "ble_gatt",
        "iotpy_files",
    ]

    result = await hass.config_entries.flow.async_configure(
        result["flow_id"], {"next_step_id": "pyaiot_mqtt"}
    )
    assert result["type"] is FlowResultType.FORM
    assert result["step_id"] == "pyaiot_mqtt"

    result = await hass.config_entries.flow.async_configure(result["flow_id"], {})
    assert result["type"] is FlowResultType.CREATE_ENTRY
    assert result["title"] == "Pyaiot MQTT nodes"
    assert result["data"] == {CONF_ENTRY_TYPE: "pyaiot_mqtt"}
    assert result["options"] == {CONF_NODE_TIMEOUT: 120}
    assert result["result"].unique_id == "pyaiot_mqtt"
    assert mock_setup_entry.call_count == 1


async def test_user_without_mqtt_aborts(hass: HomeAssistant) -> None:
    result = await hass.config_entries.flow.async_init(DOMAIN, context={"source": SOURCE_USER})
    result = await hass.config_entries.flow.async_configure(
        result["flow_id"], {"next_step_id": "pyaiot_mqtt"}
    )
    assert result["type"] is FlowResultType.ABORT
    assert result["reason"] == "mqtt_not_configured"


async def test_user_already_configured(hass: HomeAssistant, mqtt_configured: None) -> None:
    MockConfigEntry(
        domain=DOMAIN, unique_id="pyaiot_mqtt", data={CONF_ENTRY_TYPE: "pyaiot_mqtt"}
    ).add_to_hass(hass)
    result = await hass.config_entries.flow.async_init(DOMAIN, context={"source": SOURCE_USER})
    result = await hass.config_entries.flow.async_configure(
        result["flow_id"], {"next_step_id": "pyaiot_mqtt"}
    )
    assert result["type"] is FlowResultType.ABORT
    assert result["reason"] == "already_configured"


async def test_mqtt_discovery(hass: HomeAssistant) -> None:
    result = await hass.config_entries.flow.async_init(
        DOMAIN, context={"source": SOURCE_MQTT}, data=_check(json.dumps({"id": "mqtt-2"}))
    )
    assert result["type"] is FlowResultType.FORM
    assert result["step_id"] == "pyaiot_mqtt_confirm"
    assert result["description_placeholders"] == {"node": "mqtt-2"}

    result = await hass.config_entries.flow.async_configure(result["flow_id"], {})
    assert result["type"] is FlowResultType.CREATE_ENTRY
    assert result["data"] == {CONF_ENTRY_TYPE: PYAIOT_MQTT}


async def test_mqtt_discovery_offers_once(hass: HomeAssistant) -> None:
    """A second node announcing while the first offer is open does not offer again."""
    first = await hass.config_entries.flow.async_init(
        DOMAIN, context={"source": SOURCE_MQTT}, data=_check('{"id": "a"}')
    )
    second = await hass.config_entries.flow.async_init(
        DOMAIN, context={"source": SOURCE_MQTT}, data=_check('{"id": "b"}')
    )
    assert first["type"] is FlowResultType.FORM
    assert second["type"] is FlowResultType.ABORT
    assert second["reason"] == "already_in_progress"


async def test_mqtt_discovery_already_configured(hass: HomeAssistant) -> None:
    MockConfigEntry(
        domain=DOMAIN, unique_id="pyaiot_mqtt", data={CONF_ENTRY_TYPE: "pyaiot_mqtt"}
    ).add_to_hass(hass)
    result = await hass.config_entries.flow.async_init(
        DOMAIN, context={"source": SOURCE_MQTT}, data=_check('{"id": "a"}')
    )
    assert result["type"] is FlowResultType.ABORT
    assert result["reason"] == "already_configured"


@pytest.mark.parametrize("payload", [b"not json", b'["id"]', b'{"id": 5}', b'{"id": ""}', b"{}", b"\xff\xfe"])
async def test_mqtt_discovery_rejects_other_payloads(hass: HomeAssistant, payload: bytes) -> None:
    result = await hass.config_entries.flow.async_init(
        DOMAIN, context={"source": SOURCE_MQTT}, data=_check(payload)
    )
    assert result["type"] is FlowResultType.ABORT
    assert result["reason"] == "invalid_discovery_info"


async def test_options_flow(hass: HomeAssistant) -> None:
    entry = MockConfigEntry(
        domain=DOMAIN,
        unique_id="pyaiot_mqtt",
        data={CONF_ENTRY_TYPE: "pyaiot_mqtt"},
        options={CONF_NODE_TIMEOUT: 120},
    )
    entry.add_to_hass(hass)
    result = await hass.config_entries.options.async_init(entry.entry_id)
    assert result["type"] is FlowResultType.FORM
    assert result["step_id"] == "pyaiot_mqtt"
    limits = result["data_schema"].schema["limits"].schema.schema
    assert {str(key): key.default() for key in limits} == {
        "max_nodes": 500,
        "max_points_per_node": 64,
        "new_nodes_per_minute": 30,
        "discovery_per_minute": 300,
    }
    result = await hass.config_entries.options.async_configure(
        result["flow_id"],
        {
            CONF_NODE_TIMEOUT: 300.0,
            "limits": {"max_nodes": 40.0, "max_points_per_node": 64, "new_nodes_per_minute": 0},
        },
    )
    assert result["type"] is FlowResultType.CREATE_ENTRY
    assert entry.options == {
        CONF_NODE_TIMEOUT: 300,
        "limits": {
            "max_nodes": 40,
            "max_points_per_node": 64,
            "new_nodes_per_minute": 0,
            "discovery_per_minute": 300,  # the section fills in what the form did not send
        },
    }
    # The form suggests what was chosen; a submission without the section keeps the kind's defaults.
    result = await hass.config_entries.options.async_init(entry.entry_id)
    limits = result["data_schema"].schema["limits"].schema.schema
    assert {str(key): key.default() for key in limits}["max_nodes"] == 40
    result = await hass.config_entries.options.async_configure(result["flow_id"], {CONF_NODE_TIMEOUT: 120})
    assert entry.options == {CONF_NODE_TIMEOUT: 120, "limits": {}}
