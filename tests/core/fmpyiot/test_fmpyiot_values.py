"""Payloads and topic values: JSON or raw text, shapes, guessed device classes, kinds that never flip."""

import json

import pytest

from custom_components.pyiot.core.nodes.model import PointKind
from custom_components.pyiot.core.protocols.fmpyiot.payloads import (
    MAX_PAYLOAD_BYTES,
    PayloadError,
    PayloadProblem,
    compact_json,
    decode,
    encode,
)
from custom_components.pyiot.core.protocols.fmpyiot.values import (
    MAX_ATTRIBUTES_BYTES,
    MAX_STATE_LENGTH,
    Shape,
    StateWithAttributes,
    ValueProblem,
    as_text,
    convert,
    guess_measurement,
    parse_switch_state,
    shape_for_first_value,
    shape_of,
    topic_point,
)


@pytest.mark.parametrize(
    ("payload", "value"),
    [
        (b"21.5", 21.5),
        (b"1", 1),
        (b"true", True),
        (b'{"a": 1}', {"a": 1}),
        (b"[1, 2]", [1, 2]),
        (b"ON", "ON"),
        (b"FEED", "FEED"),
        (b"Erreur capteur lidar", "Erreur capteur lidar"),
        (b"NaN", "NaN"),
        (b"Infinity", "Infinity"),
        (b"", ""),
        (b'"quoted"', "quoted"),
        ("température".encode(), "température"),
    ],
)
def test_payloads_are_json_or_raw_text(payload: bytes, value: object) -> None:
    assert decode(payload) == value


def test_unreadable_payloads_raise_with_a_stable_key() -> None:
    with pytest.raises(PayloadError) as caught:
        decode(b"x" * (MAX_PAYLOAD_BYTES + 1))
    assert caught.value.key is PayloadProblem.TOO_LARGE
    with pytest.raises(PayloadError) as caught:
        decode(b"\xff\xfe")
    assert caught.value.key is PayloadProblem.NOT_UTF8
    assert decode(b"[" * 30_000) == "[" * 30_000


def test_values_are_encoded_as_the_device_expects() -> None:
    assert encode("ON") == "ON"
    assert encode(60) == "60"
    assert encode(1.5) == "1.5"
    assert encode(True) == "true"
    assert json.loads(encode({"send_period ./temperature": 60})) == {"send_period ./temperature": 60}
    assert compact_json({"a": [1, 2]}) == '{"a":[1,2]}'


@pytest.mark.parametrize(
    ("value", "shape"),
    [
        (1, Shape.NUMBER),
        (1.5, Shape.NUMBER),
        (True, Shape.BOOLEAN),
        ("x", Shape.TEXT),
        ({}, Shape.DOCUMENT),
        ([], Shape.DOCUMENT),
        (None, Shape.TEXT),
    ],
)
def test_shapes(value: object, shape: Shape) -> None:
    assert shape_of(value) is shape


@pytest.mark.parametrize(
    ("name", "guess"),
    [
        ("temperature", ("temperature", "°C")),
        ("TEMPERATURE", ("temperature", "°C")),
        ("temperature2", ("temperature", "°C")),
        ("humidite", ("humidity", "%")),
        ("PRESSION", ("pressure", "hPa")),
        ("co2", ("carbon_dioxide", "ppm")),
        ("bat_voltage", ("voltage", "V")),
        ("LUMINOSITE", ("illuminance", "lx")),
        ("lux", ("illuminance", "lx")),
        ("distance", ("distance", "cm")),
        ("pm2.5", ("pm25", "µg/m³")),
        ("pm2_5", ("pm25", "µg/m³")),
        ("temperature_humidity", ("humidity", "%")),
        ("status", None),
        ("LED", None),
        ("", None),
    ],
)
def test_device_class_and_unit_are_guessed_from_names(name: str, guess: tuple[str, str] | None) -> None:
    assert guess_measurement(name) == guess


def test_a_number_is_a_measurement_sensor() -> None:
    point = topic_point("./temperature", "temperature", Shape.NUMBER)
    assert point.kind is PointKind.SENSOR
    assert (point.device_class, point.unit, point.state_class) == ("temperature", "°C", "measurement")
    assert point.name == "temperature"
    plain = topic_point("./count", "count", Shape.NUMBER)
    assert (plain.device_class, plain.unit, plain.state_class) == (None, None, "measurement")


def test_user_settings_replace_the_guess() -> None:
    point = topic_point("./PRESSION", "PRESSION", Shape.NUMBER, device_class="pressure", unit="bar")
    assert (point.device_class, point.unit) == ("pressure", "bar")
    door = topic_point("./door", "door", Shape.BOOLEAN, device_class="door")
    assert (door.kind, door.device_class) == (PointKind.BINARY_SENSOR, "door")


def test_text_and_documents_are_plain_sensors() -> None:
    assert topic_point("./status", "status", Shape.TEXT).kind is PointKind.SENSOR
    assert topic_point("./meteo", "meteo", Shape.DOCUMENT).state_class is None


def test_a_numeric_topic_sending_text_keeps_its_kind() -> None:
    assert convert(Shape.NUMBER, 120.5).value == 120.5
    converted = convert(Shape.NUMBER, "Erreur capteur lidar")
    assert converted.value == StateWithAttributes(None, {"text": "Erreur capteur lidar"})
    assert converted.problem is ValueProblem.TEXT_ON_NUMERIC
    assert convert(Shape.NUMBER, True).problem is ValueProblem.TEXT_ON_NUMERIC
    assert convert(Shape.NUMBER, 10**20).problem is ValueProblem.TEXT_ON_NUMERIC
    assert convert(Shape.NUMBER, 7).value == 7


def test_the_first_text_of_a_measurement_name_makes_a_number() -> None:
    assert shape_for_first_value("distance", "Erreur capteur lidar") is Shape.NUMBER
    assert shape_for_first_value("status", "OK") is Shape.TEXT
    assert shape_for_first_value("distance", 12) is Shape.NUMBER


def test_binary_topics_accept_switch_words() -> None:
    assert convert(Shape.BOOLEAN, True).value is True
    assert convert(Shape.BOOLEAN, "off").value is False
    assert convert(Shape.BOOLEAN, 1).value is True
    converted = convert(Shape.BOOLEAN, "half")
    assert converted.problem is ValueProblem.TEXT_ON_BINARY
    assert converted.value == StateWithAttributes(None, {"text": "half"})
    assert parse_switch_state(" ON ") is True
    assert parse_switch_state(2) is None
    assert parse_switch_state(None) is None


def test_text_topics_show_anything_as_text() -> None:
    assert convert(Shape.TEXT, "OK").value == "OK"
    assert convert(Shape.TEXT, 21.5).value == "21.5"
    assert convert(Shape.TEXT, {"a": 1}).value == '{"a":1}'
    long = convert(Shape.TEXT, "x" * 1000).value
    assert len(long) == MAX_STATE_LENGTH
    assert long.endswith("…")
    assert as_text([[[[]]]]) == "[[[[]]]]"


def test_documents_become_attributes() -> None:
    assert convert(Shape.DOCUMENT, {"wind": 3.2}).value == StateWithAttributes('{"wind":3.2}', {"wind": 3.2})
    assert convert(Shape.DOCUMENT, [21.5, 19.25]).value == StateWithAttributes(
        "[21.5,19.25]", {"items": [21.5, 19.25]}
    )
    assert convert(Shape.DOCUMENT, "text").value == StateWithAttributes("text", {})
    big = convert(Shape.DOCUMENT, {"k": "x" * MAX_ATTRIBUTES_BYTES})
    assert big.problem is ValueProblem.DOCUMENT_TOO_LARGE
    assert big.value.attributes == {}
    assert len(big.value.state) == MAX_STATE_LENGTH
    deep: list[object] = []
    for _ in range(40):
        deep = [deep]
    assert convert(Shape.DOCUMENT, deep).problem is ValueProblem.DOCUMENT_TOO_LARGE
    shallow: list[object] = []
    for _ in range(20):
        shallow = [shallow, {"a": 1}]
    assert convert(Shape.DOCUMENT, shallow).problem is None
