"""Options-flow settings: plain dicts in, plain dicts out, stable error keys."""

from typing import Any

import pytest

from custom_components.pyiot.core.protocols.fmpyiot.settings import (
    ActionKind,
    DeviceSettings,
    GatewaySettings,
    SettingsError,
    TopicSettings,
    WebSettings,
    relative_name,
)

FULL: dict[str, Any] = {
    "max_depth": 5,
    "time_service": False,
    "web_probe": False,
    "manual_bases": ["a/b/c/d/e/f", "x/y/"],
    "devices": {
        "28:cd:c1:0f:4d:81": {
            "topics": {
                "./LED": {"action": "button"},
                "./relay": {"action": "switch", "on_payload": "1", "off_payload": "0"},
                "./PRESSION": {"device_class": "pressure", "unit": "bar"},
                "./voltage": {"reverse_topic": "./get_voltage"},
                "/CO_TEST": {},
            },
            "sleeping": True,
            "sleep_period": 300.0,
            "sleep_periods": 2,
            "watchdog_period": 60.0,
            "web": {"username": "admin", "password": "secret", "port": 8080, "host": "192.168.1.9"},
        }
    },
}


def test_settings_round_trip() -> None:
    settings = GatewaySettings.from_dict(FULL)
    assert settings.max_depth == 5
    assert settings.manual_bases == ("a/b/c/d/e/f/", "x/y/")
    device = settings.device("28:cd:c1:0f:4d:81")
    assert device.sleeping
    assert device.sleep_period == 300.0
    assert device.sleep_periods == 2
    assert device.topics["./relay"] == TopicSettings(
        action=ActionKind.SWITCH, on_payload="1", off_payload="0"
    )
    assert device.web == WebSettings(
        username="admin",
        password=FULL["devices"]["28:cd:c1:0f:4d:81"]["web"]["password"],
        port=8080,
        host="192.168.1.9",
    )
    assert device.web.has_credentials
    again = settings.as_dict()
    assert GatewaySettings.from_dict(again) == settings
    assert again["devices"]["28:cd:c1:0f:4d:81"]["topics"]["/CO_TEST"] == {}


def test_defaults() -> None:
    settings = GatewaySettings.from_dict({})
    assert settings == GatewaySettings()
    assert settings.as_dict() == {
        "max_depth": 4,
        "time_service": True,
        "web_probe": True,
        "manual_bases": [],
        "devices": {},
    }
    assert settings.device("unknown") == DeviceSettings()
    assert settings.device(None).topics == {}
    assert DeviceSettings().as_dict() == {}
    assert WebSettings().as_dict() == {"port": 80}
    assert not WebSettings().has_credentials
    assert TopicSettings.from_dict({"reverse_topic": ""}).reverse_topic == ""
    assert relative_name("./LED") == "LED"


@pytest.mark.parametrize(
    ("data", "key"),
    [
        ({"max_depth": 0}, "invalid_max_depth"),
        ({"max_depth": 9}, "invalid_max_depth"),
        ({"max_depth": "4"}, "invalid_max_depth"),
        ({"manual_bases": "a/b"}, "invalid_bases"),
        ({"manual_bases": ["a/+/b"]}, "base_topic_wildcard"),
        ({"manual_bases": [""]}, "base_topic_empty"),
        ({"manual_bases": [3]}, "base_topic_invalid"),
        ({"devices": []}, "invalid_devices"),
        ({"devices": {"x": {"topics": {"LED": {}}}}}, "invalid_topic"),
        ({"devices": {"x": {"topics": []}}}, "invalid_topics"),
        ({"devices": {"x": {"topics": {"./LED": {"action": "slider"}}}}}, "invalid_action"),
        ({"devices": {"x": {"topics": {"./v": {"reverse_topic": "a+b"}}}}}, "invalid_reverse_topic"),
        ({"devices": {"x": {"topics": {"./v": {"unit": 3}}}}}, "invalid_unit"),
        ({"devices": {"x": {"sleep_period": 0}}}, "invalid_sleep_period"),
        ({"devices": {"x": {"watchdog_period": True}}}, "invalid_watchdog_period"),
        ({"devices": {"x": {"web": {"port": 0}}}}, "invalid_port"),
        ({"devices": {"x": {"web": {"username": "a:b", "host": "h"}}}}, "invalid_credentials"),
        ({"devices": {"x": {"web": {"username": "a", "password": "b"}}}}, "host_required"),
        ({"devices": {"x": {"web": {"username": "a", "password": 3, "host": "h"}}}}, "invalid_credentials"),
    ],
)
def test_unusable_settings_raise_with_a_stable_key(data: dict[str, Any], key: str) -> None:
    with pytest.raises(SettingsError) as caught:
        GatewaySettings.from_dict(data)
    assert caught.value.key == key
