"""SYSINFO in both shapes, device information and diagnostic points."""

import json

import pytest

from custom_components.pyiot.core.nodes.model import EntityCategory, PointKind
from custom_components.pyiot.core.protocols.fmpyiot.sysinfo import (
    DIAGNOSTIC_FIELDS,
    SysInfoError,
    diagnostic_point,
    diagnostic_values,
    node_info,
    normalise_mac,
    parse_sysinfo,
)

SYSINFO_2023 = json.loads(
    '{"ifconfig":["192.168.10.77","255.255.255.0","192.168.10.254","192.168.10.169"],"uname":["rp2","rp2",'
    '"1.21.0","v1.21.0 on 2023-10-06 (GNU 13.2.0 MinSizeRel)","Raspberry Pi Pico W with RP2040"],"mac":'
    '"28:cd:c1:0f:4d:81","wifi":{"ssid":"WIFI_THOME2","channel":3,"txpower":31},"mem_free":119504,'
    '"mem_alloc":57776,"statvfs":[4096,4096,212,118,118,0,0,0,0,255]}'
)
SYSINFO_2024 = {
    "name": "Serre de Fred",
    "mqtt_base_topic": "T-HOME/SERRE/",
    "uname": {
        "sysname": "rp2",
        "nodename": "rp2",
        "release": "1.24.1",
        "version": "v1.24.1 on 2024-11-29",
        "machine": "Raspberry Pi Pico W with RP2040",
    },
    "ifconfig": {
        "ip": "192.168.10.77",
        "subnet": "255.255.255.0",
        "gateway": "192.168.10.254",
        "dns": "1.1.1.1",
    },
    "wifi": {"ssid": "WIFI", "channel": 3, "txpower": 31, "rssi": -61},
    "mac": "28:CD:C1:0F:4D:81",
    "mem_free": 119504,
    "mem_alloc": 57776,
    "statvfs": {
        "f_bsize": 4096,
        "f_frsize": 4096,
        "f_blocks": 212,
        "f_bfree": 118,
        "f_bavail": 100,
        "fnamemax": 255,
    },
    "logging_level": 20,
    "vsys": 4.9312,
    "mqtt_client_id": "e6614c311b6e8b2f",
}


def test_the_2024_object_shape() -> None:
    info = parse_sysinfo(SYSINFO_2024)
    assert info.name == "Serre de Fred"
    assert info.base_topic == "T-HOME/SERRE/"
    assert info.mac == "28:cd:c1:0f:4d:81"
    assert info.client_id == "e6614c311b6e8b2f"
    assert (info.release, info.machine) == ("1.24.1", "Raspberry Pi Pico W with RP2040")
    assert (info.ip, info.ssid, info.rssi) == ("192.168.10.77", "WIFI", -61)
    assert info.flash_free == 4096 * 100
    assert info.logging_level_name == "info"
    assert info.vsys == pytest.approx(4.9312)
    assert info.problems == ()


def test_the_2023_list_shape() -> None:
    info = parse_sysinfo(SYSINFO_2023)
    assert info.mac == "28:cd:c1:0f:4d:81"
    assert info.client_id is None
    assert (info.sysname, info.release, info.machine) == ("rp2", "1.21.0", "Raspberry Pi Pico W with RP2040")
    assert info.ip == "192.168.10.77"
    assert info.flash_free == 4096 * 118
    assert (info.rssi, info.vsys, info.logging_level, info.name) == (None, None, None, None)
    assert info.problems == ()


def test_fields_of_the_wrong_type_are_left_out_and_named() -> None:
    info = parse_sysinfo(
        {
            "uname": 42,
            "ifconfig": {"ip": "not an ip"},
            "mac": "nope",
            "mqtt_client_id": "bad id!",
            "wifi": [1],
            "vsys": "4.9",
            "logging_level": True,
            "statvfs": [1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11],
        }
    )
    assert set(info.problems) == {"uname", "ip", "mac", "mqtt_client_id", "wifi", "statvfs"}
    assert (info.mac, info.ip, info.vsys, info.logging_level, info.client_id) == (
        None,
        None,
        None,
        None,
        None,
    )
    assert parse_sysinfo({}).problems == ()


@pytest.mark.parametrize("document", [[], "SYSINFO", 42, None])
def test_a_document_that_is_no_object_is_refused(document: object) -> None:
    with pytest.raises(SysInfoError):
        parse_sysinfo(document)


@pytest.mark.parametrize(
    ("text", "mac"),
    [
        ("28:cd:c1:0f:4d:81", "28:cd:c1:0f:4d:81"),
        ("28-CD-C1-0F-4D-81", "28:cd:c1:0f:4d:81"),
        ("28cdc10f4d81", "28:cd:c1:0f:4d:81"),
        (" 28:cd:c1:0f:4d:81 ", "28:cd:c1:0f:4d:81"),
        ("00:00:00:00:00:00", None),
        ("ff:ff:ff:ff:ff:ff", None),
        ("28:cd:c1:0f:4d", None),
        (42, None),
    ],
)
def test_macs_are_normalised(text: object, mac: str | None) -> None:
    assert normalise_mac(text) == mac


def test_device_information_comes_from_sysinfo() -> None:
    info = node_info(
        "28:cd:c1:0f:4d:81",
        parse_sysinfo(SYSINFO_2024),
        base="T-HOME/SERRE/",
        configuration_url="http://192.168.10.77/",
    )
    assert info.name == "Serre de Fred"
    assert info.model == "Raspberry Pi Pico W with RP2040"
    assert info.sw_version == "1.24.1"
    assert info.manufacturer == "FmPyIOT"
    assert info.mac == "28:cd:c1:0f:4d:81"
    assert info.configuration_url == "http://192.168.10.77/"
    assert info.extra == {
        "base_topic": "T-HOME/SERRE/",
        "mqtt_client_id": "e6614c311b6e8b2f",
        "sysname": "rp2",
        "firmware": "v1.24.1 on 2024-11-29",
    }
    bare = node_info("T-HOME/X/", None, base="T-HOME/X/")
    assert (bare.name, bare.model, bare.mac) == ("T-HOME/X", None, None)


def test_diagnostic_points_and_values() -> None:
    values = diagnostic_values(parse_sysinfo(SYSINFO_2024))
    assert values == {
        "sysinfo#rssi": -61,
        "sysinfo#mem_free": 119504,
        "sysinfo#mem_alloc": 57776,
        "sysinfo#flash_free": 409600,
        "sysinfo#vsys": 4.931,
        "sysinfo#ip": "192.168.10.77",
        "sysinfo#ssid": "WIFI",
        "sysinfo#logging_level": "info",
    }
    assert set(diagnostic_values(parse_sysinfo(SYSINFO_2023))) == {
        "sysinfo#mem_free",
        "sysinfo#mem_alloc",
        "sysinfo#flash_free",
        "sysinfo#ip",
        "sysinfo#ssid",
    }
    for field in DIAGNOSTIC_FIELDS:
        point = diagnostic_point(field)
        assert point.entity_category is EntityCategory.DIAGNOSTIC
        assert point.translation_key == field
        assert point.kind is PointKind.SENSOR
    assert diagnostic_point("rssi").device_class == "signal_strength"
    assert diagnostic_point("logging_level").options == ("debug", "info", "warning", "error", "critical")
    assert not diagnostic_point("ip").enabled_by_default
