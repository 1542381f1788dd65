"""PyIoT's one config flow: the menu of entry kinds, discovery routed to its owner, options per kind."""

import dataclasses
import json
from pathlib import Path

from homeassistant.config_entries import SOURCE_MQTT, SOURCE_USER, SOURCE_ZEROCONF
from homeassistant.core import HomeAssistant
from homeassistant.data_entry_flow import FlowResultType
from homeassistant.helpers.service_info.mqtt import MqttServiceInfo
from homeassistant.helpers.service_info.zeroconf import ZeroconfServiceInfo
import pytest
from pytest_homeassistant_custom_component.common import MockConfigEntry

from custom_components.pyiot.config_flow import PyIoTConfigFlow
from custom_components.pyiot.const import DOMAIN
from custom_components.pyiot.kinds import Discovery, mqtt_topic
from custom_components.pyiot.systems import ENTRY_KINDS, UnknownEntryKindError

MANIFEST = json.loads((Path(__file__).parent.parent / "custom_components/pyiot/manifest.json").read_text())


def mqtt_message(topic: str, payload: str = '{"id": "n1"}') -> MqttServiceInfo:
    return MqttServiceInfo(
        topic=topic, payload=payload, qos=0, retain=False, subscribed_topic=topic, timestamp=0
    )


pytestmark = pytest.mark.usefixtures("mock_setup_entry")


async def test_menu_offers_every_kind(hass: HomeAssistant) -> None:
    result = await hass.config_entries.flow.async_init(DOMAIN, context={"source": SOURCE_USER})
    assert result["type"] is FlowResultType.MENU
    assert result["menu_options"] == list(ENTRY_KINDS)
    assert list(ENTRY_KINDS) == [
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


def test_manifest_lists_the_mqtt_topics_of_every_kind() -> None:
    """HA's MQTT integration subscribes to the manifest's topics; each must have a kind that owns it."""
    for topic in MANIFEST["mqtt"]:
        owners = [
            kind.key
            for kind in ENTRY_KINDS.values()
            for discovery in kind.discoveries
            if discovery.source == "mqtt" and discovery.matches(mqtt_message(topic))
        ]
        assert len(owners) == 1, (topic, owners)


async def test_discovery_goes_to_the_kind_that_owns_it(hass: HomeAssistant, fake_entry_kind: str) -> None:
    """Two kinds on MQTT discovery: each topic reaches its own kind's step."""
    fake = ENTRY_KINDS[fake_entry_kind]
    ENTRY_KINDS[fake_entry_kind] = dataclasses.replace(
        fake, discoveries=(Discovery(source="mqtt", step="user", matches=mqtt_topic("fake/hello")),)
    )
    fake_result = await hass.config_entries.flow.async_init(
        DOMAIN, context={"source": SOURCE_MQTT}, data=mqtt_message("fake/hello")
    )
    assert fake_result["type"] is FlowResultType.MENU
    pyaiot_result = await hass.config_entries.flow.async_init(
        DOMAIN, context={"source": SOURCE_MQTT}, data=mqtt_message("node/check")
    )
    assert pyaiot_result["step_id"] == "pyaiot_mqtt_confirm"


async def test_discovery_nobody_owns_is_refused(hass: HomeAssistant) -> None:
    result = await hass.config_entries.flow.async_init(
        DOMAIN, context={"source": SOURCE_MQTT}, data=mqtt_message("somebody/else")
    )
    assert result["type"] is FlowResultType.ABORT
    assert result["reason"] == "not_supported"
    zeroconf = ZeroconfServiceInfo(
        ip_address=None,  # type: ignore[arg-type]
        ip_addresses=[],
        port=80,
        hostname="x.local.",
        type="_http._tcp.local.",
        name="x._http._tcp.local.",
        properties={},
    )
    result = await hass.config_entries.flow.async_init(
        DOMAIN, context={"source": SOURCE_ZEROCONF}, data=zeroconf
    )
    assert result["reason"] == "not_supported"


async def test_reconfigure_of_a_kind_without_it(hass: HomeAssistant) -> None:
    entry = MockConfigEntry(
        domain=DOMAIN, unique_id="pyaiot_mqtt", data={"entry_type": "pyaiot_mqtt"}, version=2
    )
    entry.add_to_hass(hass)
    result = await entry.start_reconfigure_flow(hass)
    assert result["type"] is FlowResultType.ABORT
    assert result["reason"] == "nothing_to_reconfigure"


async def test_options_follow_the_kind(hass: HomeAssistant, fake_entry_kind: str) -> None:
    with_options = MockConfigEntry(domain=DOMAIN, data={"entry_type": "rpymostat", "port": 1})
    without = MockConfigEntry(domain=DOMAIN, data={"entry_type": fake_entry_kind})
    unknown = MockConfigEntry(domain=DOMAIN, data={"entry_type": "teleporter"})
    assert PyIoTConfigFlow.async_supports_options_flow(with_options)
    assert not PyIoTConfigFlow.async_supports_options_flow(without)
    assert not PyIoTConfigFlow.async_supports_options_flow(unknown)
    assert type(PyIoTConfigFlow.async_get_options_flow(with_options)).__name__ == "RPyMostatOptionsFlow"
    with pytest.raises(UnknownEntryKindError):
        PyIoTConfigFlow.async_get_options_flow(without)
