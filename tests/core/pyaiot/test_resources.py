"""The resource catalogue and the value formats of pyaiot.md §6."""

import math

import pytest

from custom_components.pyiot.core.nodes.model import NodeInfo, PointKind, PointSpec
from custom_components.pyiot.core.protocols.pyaiot import (
    INFO_RESOURCES,
    KNOWN_RESOURCES,
    ValueFormatError,
    format_command,
    node_info,
    parse_value,
    point_for_resource,
)


@pytest.mark.parametrize(
    ("resource", "raw", "expected"),
    [
        ("temperature", "23.4°C", 23.4),
        ("temperature", "-0.5°C", -0.5),
        ("temperature", "23°C", 23.0),
        ("temperature", "25.0°C", 25.0),
        ("temperature", " 21.5 °C ", 21.5),
        ("temperature", "21.5C", 21.5),
        ("temperature", "21.5", 21.5),
        ("temperature", 21.5, 21.5),
        ("temperature", 21, 21.0),
        ("temperature", "+1e1°C", 10.0),
        ("temperature", ".5°C", 0.5),
        ("pressure", "1013.5hPa", 1013.5),
        ("pressure", "1015.03hPa", 1015.03),
        ("pressure", "1013°hPa", 1013.0),  # upstream mqtt-test-node.py
        ("humidity", "45.07%", 45.07),
        ("eco2", "400ppm", 400.0),
        ("tvoc", "12ppb", 12.0),
        ("illuminance", "123lx", 123.0),
        ("illuminance", "123lux", 123.0),
    ],
)
def test_numbers(resource: str, raw: object, expected: float) -> None:
    value = parse_value(resource, raw)
    assert isinstance(value, float)
    assert value == pytest.approx(expected)


@pytest.mark.parametrize(
    ("raw", "expected"),
    [
        (0, False),
        (1, True),
        ("0", False),
        ("1", True),
        (" 1\n", True),
        (True, True),
        (False, False),
        ("on", True),
    ],
)
def test_led(raw: object, expected: bool) -> None:
    assert parse_value("led", raw) is expected


@pytest.mark.parametrize(
    ("resource", "raw", "expected"),
    [
        ("position", '{"lat":48.714784,"lng":2.205502}', '{"lat":48.714784,"lng":2.205502}'),
        ("position", {"lat": 48.7, "lng": 2.2}, '{"lat":48.7,"lng":2.2}'),
        ("imu", '[{"type":"acc","values":[304,488,448]}]', '[{"type":"acc","values":[304,488,448]}]'),
        ("imu", 'imu:[{"type":"acc","values":[1,2,3]}]', '[{"type":"acc","values":[1,2,3]}]'),
        ("name", "WiPy & MQTT", "WiPy & MQTT"),
        ("os", "riot", "riot"),
        ("suit_state", 3, "3"),
        ("dwnld", 2.5, "2.5"),
        ("vendor", True, "true"),
        ("js", "", ""),
        ("robot", ["a", "°"], '["a","°"]'),
        ("something_new", "x" * 300, "x" * 255),
    ],
)
def test_text(resource: str, raw: object, expected: str) -> None:
    assert parse_value(resource, raw) == expected


@pytest.mark.parametrize(
    ("resource", "raw"),
    [
        ("temperature", "abc"),
        ("temperature", "°C"),
        ("temperature", ""),
        ("temperature", "23.4°F"),
        ("temperature", "nan"),
        ("temperature", "inf°C"),
        ("temperature", "1e999"),
        ("temperature", math.nan),
        ("temperature", -math.inf),
        ("temperature", 10**400),
        ("temperature", {"value": 1}),
        ("temperature", [23]),
        ("temperature", None),
        ("temperature", True),
        ("temperature", "1_000"),
        ("pressure", "0x10hPa"),
        ("humidity", "45.07 %%"),
        ("led", 2),
        ("led", "2"),
        ("led", 1.0),
        ("led", None),
        ("led", "blink"),
        ("position", None),
        ("position", math.nan),
        ("position", [math.inf]),
        ("vendor", object()),
    ],
)
def test_values_that_do_not_fit(resource: str, raw: object) -> None:
    with pytest.raises(ValueFormatError):
        parse_value(resource, raw)


def test_integers_too_long_for_text_are_an_error() -> None:
    with pytest.raises(ValueFormatError):
        parse_value("name", 10**5000)


def test_deeply_nested_text_is_an_error() -> None:
    nested: list[object] = []
    for _ in range(100_000):
        nested = [nested]
    with pytest.raises(ValueFormatError):
        parse_value("position", nested)


def test_catalogue() -> None:
    assert {
        "temperature",
        "pressure",
        "humidity",
        "eco2",
        "tvoc",
        "illuminance",
        "led",
        "position",
        "imu",
        "suit_state",
        "dwnld",
        "js",
        "robot",
        "vendor",
    } == KNOWN_RESOURCES
    assert INFO_RESOURCES.isdisjoint(KNOWN_RESOURCES)
    for key in KNOWN_RESOURCES:
        spec = point_for_resource(key)
        assert spec is not None
        assert spec.key == key
        assert spec.name is None  # translated from the key on the Home Assistant side
        assert PointSpec.from_dict(spec.as_dict()) == spec


def test_point_specs() -> None:
    assert point_for_resource("temperature") == PointSpec(
        key="temperature",
        kind=PointKind.SENSOR,
        device_class="temperature",
        unit="°C",
        state_class="measurement",
        suggested_precision=1,
    )
    pressure = point_for_resource("pressure")
    assert pressure is not None
    assert (pressure.device_class, pressure.unit, pressure.state_class) == (
        "atmospheric_pressure",
        "hPa",
        "measurement",
    )
    expected = {
        "humidity": ("humidity", "%"),
        "eco2": ("carbon_dioxide", "ppm"),
        "tvoc": ("volatile_organic_compounds_parts", "ppb"),
        "illuminance": ("illuminance", "lx"),
    }
    for key, (device_class, unit) in expected.items():
        spec = point_for_resource(key)
        assert spec is not None
        assert (spec.kind, spec.device_class, spec.unit) == (PointKind.SENSOR, device_class, unit)
    assert point_for_resource("led") == PointSpec(
        key="led", kind=PointKind.SWITCH, writable=True, translation_key="led"
    )
    for key in ("position", "imu"):
        assert point_for_resource(key) == PointSpec(key=key, kind=PointKind.SENSOR, translation_key=key)
    for key in ("suit_state", "dwnld", "vendor"):
        assert point_for_resource(key) == PointSpec(key=key, kind=PointKind.SENSOR)
    for key in ("js", "robot"):
        spec = point_for_resource(key)
        assert spec is not None
        assert (spec.kind, spec.writable, spec.maximum) == (PointKind.TEXT, True, 255)


def test_unknown_resource_is_a_named_text_sensor() -> None:
    assert point_for_resource("co") == PointSpec(key="co", kind=PointKind.SENSOR, name="co")


@pytest.mark.parametrize("name", ["name", "board", "mcu", "os", "version", "id", "protocol"])
def test_info_and_pseudo_resources_are_not_points(name: str) -> None:
    assert point_for_resource(name) is None


def test_node_info() -> None:
    assert node_info("n", {}) == NodeInfo(node_id="n", manufacturer="Pyaiot")
    assert node_info(
        "mqtt-2",
        {"name": "Node", "board": "samr21-xpro", "mcu": "samd21", "os": "riot", "version": "2019.07"},
    ) == NodeInfo(
        node_id="mqtt-2",
        name="Node",
        model="samr21-xpro",
        hw_version="samd21",
        sw_version="2019.07",
        manufacturer="RIOT",
        extra={"os": "riot"},
    )
    assert node_info("w", {"os": "MicroPython", "name": ""}) == NodeInfo(
        node_id="w", manufacturer="Pyaiot", extra={"os": "MicroPython"}
    )
    assert node_info("v", {"version": "1.2"}).sw_version == "1.2"
    assert node_info("r", {"os": " RIOT "}).manufacturer == "RIOT"


@pytest.mark.parametrize(
    ("resource", "value", "expected"),
    [
        ("led", True, "1"),
        ("led", False, "0"),
        ("led", 1, "1"),
        ("led", "0", "0"),
        ("js", "print(1)", "print(1)"),
    ],
)
def test_format_command(resource: str, value: object, expected: str) -> None:
    assert format_command(resource, value) == expected


@pytest.mark.parametrize(("resource", "value"), [("led", "blink"), ("led", None), ("robot", 5), ("js", None)])
def test_format_command_rejects(resource: str, value: object) -> None:
    with pytest.raises(ValueFormatError):
        format_command(resource, value)
