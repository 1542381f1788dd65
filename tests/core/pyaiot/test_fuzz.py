"""Property-based tests: arbitrary values, topics and payloads never break a parser or the gateway."""

import itertools
import json
import logging
import math

from hypothesis import HealthCheck, given, settings, strategies as st
import pytest

from custom_components.pyiot.core.protocols.pyaiot import mqtt
from custom_components.pyiot.core.protocols.pyaiot.mqtt import PyaiotMqttGateway
from custom_components.pyiot.core.protocols.pyaiot.resources import (
    INFO_RESOURCES,
    KNOWN_RESOURCES,
    MAX_TEXT_LENGTH,
    ValueFormatError,
    format_command,
    parse_value,
)
from tests.core.pyaiot.fakes import NUMERIC, FakeLink, RecordingListener

FUZZ = settings(max_examples=400, deadline=None, database=None, suppress_health_check=[HealthCheck.too_slow])

JSON = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats() | st.text(max_size=20),
    lambda children: (
        st.lists(children, max_size=4) | st.dictionaries(st.text(max_size=8), children, max_size=4)
    ),
    max_leaves=12,
)
RESOURCE = st.sampled_from(
    sorted(KNOWN_RESOURCES | INFO_RESOURCES | {"id", "protocol", "co2", ""})
) | st.text(max_size=12)
UNITS = st.sampled_from(["", "°C", "C", "hPa", "°hPa", "%", "ppm", "ppb", "lx", " °C", "°F"])
NUMBER_TEXT = st.builds(
    lambda number, unit: f"{number}{unit}",
    st.floats(allow_nan=False, allow_infinity=False, width=32) | st.integers(-(10**6), 10**6),
    UNITS,
)
LONG = st.text(min_size=250, max_size=300) | st.lists(st.text(max_size=40), min_size=8, max_size=12)
RAW_VALUE = (
    JSON | NUMBER_TEXT | LONG | st.sampled_from(["0", "1", " 1 ", "on", "nan", "inf", "1e999", "imu:[]"])
)


def check_parsed(resource: str, value: object) -> None:
    if resource in NUMERIC:
        assert isinstance(value, float)
        assert math.isfinite(value)
    elif resource == "led":
        assert isinstance(value, bool)
    else:
        assert isinstance(value, str)
        assert len(value) <= MAX_TEXT_LENGTH


@FUZZ
@given(resource=RESOURCE, raw=RAW_VALUE)
def test_parse_value_gives_the_resource_type_or_value_format_error(resource: str, raw: object) -> None:
    try:
        value = parse_value(resource, raw)
    except ValueFormatError:
        return
    check_parsed(resource, value)


@FUZZ
@given(
    resource=st.sampled_from(sorted(NUMERIC)),
    number=st.floats(allow_nan=False, allow_infinity=False) | st.integers(-(10**9), 10**9),
)
def test_numbers_round_trip(resource: str, number: float) -> None:
    units = {"temperature": "°C", "pressure": "hPa", "humidity": "%", "eco2": "ppm", "tvoc": "ppb"}
    unit = units.get(resource, "lx")
    assert parse_value(resource, f"{number}{unit}") == float(number)
    assert parse_value(resource, number) == float(number)


@FUZZ
@given(resource=RESOURCE, value=RAW_VALUE)
def test_format_command_gives_text_or_value_format_error(resource: str, value: object) -> None:
    try:
        payload = format_command(resource, value)
    except ValueFormatError:
        return
    assert isinstance(payload, str)
    if resource == "led":
        assert payload in {"0", "1"}


LEVEL = st.sampled_from(
    ["node", "check", "resources", "temperature", "led", "name", "os", "id", "n1", "", "gateway", "+", "#"]
) | st.text(max_size=6)
TOPIC = st.lists(LEVEL, min_size=1, max_size=5).map("/".join) | st.text(max_size=30)


def _encode(document: object) -> bytes:
    return json.dumps(document, ensure_ascii=False).encode()


NODE_ID = st.sampled_from(["n1", "n2", "+", "#", "", "a\x00", "a\n", "x" * 129, "é"]) | st.text(max_size=10)
VALUE_PAYLOAD = st.builds(lambda value: _encode({"value": value}), RAW_VALUE)
CHECK_PAYLOAD = st.builds(lambda node_id: _encode({"id": node_id}), NODE_ID | JSON)
LIST_PAYLOAD = st.lists(RESOURCE | JSON, max_size=6).map(_encode)
PAYLOAD = st.one_of(
    st.binary(max_size=100),
    st.text(max_size=40).map(str.encode),
    JSON.map(_encode),
    VALUE_PAYLOAD,
    CHECK_PAYLOAD,
    LIST_PAYLOAD,
)
MESSAGE = st.one_of(
    st.tuples(TOPIC, PAYLOAD),
    st.tuples(st.just("node/check"), CHECK_PAYLOAD),
    st.tuples(st.builds("node/{}/{}".format, NODE_ID, RESOURCE), VALUE_PAYLOAD | PAYLOAD),
    st.tuples(st.builds("node/{}/resources".format, NODE_ID), LIST_PAYLOAD | PAYLOAD),
)


@pytest.mark.allow_pyiot_warnings
async def test_gateway_survives_arbitrary_messages(
    fake_link: FakeLink, listener: RecordingListener, caplog: pytest.LogCaptureFixture
) -> None:
    """Garbage never raises, never reaches the listener malformed, and never blocks what follows.

    The recording listener checks every call; well-formed traffic from a fresh node after each batch
    of garbage must still be reported.
    """
    gateway = PyaiotMqttGateway(fake_link, listener)
    await gateway.async_start()
    (_, on_message, _) = fake_link.subscriptions[0]
    fresh = itertools.count()
    caplog.set_level(logging.ERROR, logger=mqtt.__name__)

    @FUZZ
    @given(messages=st.lists(MESSAGE, max_size=8))
    def run(messages: list[tuple[str, bytes]]) -> None:
        for topic, payload in messages:
            on_message(topic, payload)
        node_id = f"fresh-{next(fresh)}"
        on_message("node/check", _encode({"id": node_id}))
        on_message(f"node/{node_id}/resources", b'["temperature", "led"]')
        on_message(f"node/{node_id}/temperature", '{"value": "21.5°C"}'.encode())
        on_message(f"node/{node_id}/led", b'{"value": 1}')
        assert listener.points[node_id].keys() == {"temperature", "led"}
        assert listener.values(node_id, "temperature") == [21.5]
        assert listener.values(node_id, "led") == [True]

    try:
        run()
    finally:
        await gateway.async_stop()
    assert [record.getMessage() for record in caplog.records if record.levelno >= logging.ERROR] == []
