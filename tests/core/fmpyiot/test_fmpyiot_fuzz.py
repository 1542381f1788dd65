"""Property-based tests: arbitrary input never breaks a parser, the settings, the storage or the gateway."""

import asyncio
from datetime import UTC, datetime
import json
import math
from typing import Any

from hypothesis import HealthCheck, given, settings, strategies as st
import pytest

from custom_components.pyiot.core.protocols.fmpyiot import (
    FmPyIotGateway,
    GatewaySettings,
    SettingsError,
    StateWithAttributes,
)
from custom_components.pyiot.core.protocols.fmpyiot.params import (
    MAX_PARAMS,
    ParamsError,
    ParamType,
    ParamWriteError,
    coerce_write,
    flatten_params,
    param_state,
    param_type,
    same_value,
)
from custom_components.pyiot.core.protocols.fmpyiot.payloads import (
    MAX_PAYLOAD_BYTES,
    PayloadError,
    decode,
    encode,
)
from custom_components.pyiot.core.protocols.fmpyiot.settings import TopicSettings
from custom_components.pyiot.core.protocols.fmpyiot.sysinfo import (
    SysInfoError,
    diagnostic_values,
    parse_sysinfo,
)
from custom_components.pyiot.core.protocols.fmpyiot.topics import (
    BaseTopicError,
    normalise_base,
    split_system_topic,
)
from custom_components.pyiot.core.protocols.fmpyiot.values import (
    MAX_STATE_LENGTH,
    Shape,
    convert,
    guess_measurement,
    parse_switch_state,
)
from custom_components.pyiot.core.protocols.fmpyiot.web_pages import (
    WebPageError,
    parse_embedded_status,
    parse_hello,
    parse_status,
    parse_topics,
)
from custom_components.pyiot.core.protocols.fmpyiot.writes import switch_state
from tests.core.fmpyiot.fmpyiot_helpers import FakeLink, FmPyIotListener
from tests.support.manual_clock import ManualClock

FUZZ = settings(max_examples=300, deadline=None, database=None, suppress_health_check=[HealthCheck.too_slow])

SCALAR = st.none() | st.booleans() | st.integers() | st.floats() | st.text(max_size=20)
JSON = st.recursive(
    SCALAR,
    lambda children: (
        st.lists(children, max_size=4) | st.dictionaries(st.text(max_size=10), children, max_size=5)
    ),
    max_leaves=20,
)
SYSINFO_KEYS = st.sampled_from(
    [
        "name",
        "mqtt_base_topic",
        "uname",
        "ifconfig",
        "wifi",
        "mac",
        "mem_free",
        "mem_alloc",
        "statvfs",
        "logging_level",
        "vsys",
        "mqtt_client_id",
    ]
)
SYSINFO_LIKE = st.dictionaries(SYSINFO_KEYS, JSON | st.lists(st.text(max_size=8), max_size=12), max_size=12)
TOPIC_LEVEL = st.sampled_from(
    [
        "",
        "T-HOME",
        "SERRE",
        "x",
        "é",
        "WATCHDOG",
        "SYSINFO",
        "PARAMS",
        "BYE",
        "temperature",
        "temperature_",
        "LED",
        "SET_PARAMS",
    ]
) | st.text(max_size=6)
TOPIC = st.lists(TOPIC_LEVEL, min_size=1, max_size=6).map("/".join)
PAYLOAD = (
    st.binary(max_size=64)
    | JSON.map(lambda value: json.dumps(value).encode())
    | st.sampled_from([b"FEED", b"ON", b"\xff", b"Erreur capteur lidar"])
)


def finite(value: object) -> bool:
    return not isinstance(value, float) or math.isfinite(value)


@FUZZ
@given(payload=st.binary(max_size=200))
def test_any_payload_decodes_or_is_a_payload_error(payload: bytes) -> None:
    try:
        decode(payload)
    except PayloadError:
        with pytest.raises(UnicodeDecodeError):
            payload.decode()


def test_too_large_is_checked_before_decoding() -> None:
    with pytest.raises(PayloadError):
        decode(b"\xff" * (MAX_PAYLOAD_BYTES + 1))


@FUZZ
@given(value=JSON)
def test_encoded_values_decode_to_themselves(value: object) -> None:
    try:
        text = encode(value)
    except ValueError:
        assert "nan" in repr(value) or "inf" in repr(value)
        return
    if isinstance(value, str):
        assert text == value
    else:
        assert decode(text.encode()) == value


@FUZZ
@given(shape=st.sampled_from(Shape), value=JSON)
def test_conversion_never_fails_and_bounds_states(shape: Shape, value: object) -> None:
    converted = convert(shape, value).value
    state = converted.state if isinstance(converted, StateWithAttributes) else converted
    if isinstance(state, str):
        assert len(state) <= MAX_STATE_LENGTH
    if shape is Shape.NUMBER and not isinstance(converted, StateWithAttributes):
        assert isinstance(state, int | float)
        assert not isinstance(state, bool)
        assert finite(state)
    if shape is Shape.BOOLEAN and not isinstance(converted, StateWithAttributes):
        assert isinstance(state, bool)
    if isinstance(converted, StateWithAttributes):
        json.dumps(dict(converted.attributes), allow_nan=True)


@FUZZ
@given(name=st.text(max_size=30))
def test_guessing_never_fails(name: str) -> None:
    guess = guess_measurement(name)
    assert guess is None or all(guess)


@FUZZ
@given(document=SYSINFO_LIKE | JSON)
def test_sysinfo_parses_or_is_refused(document: object) -> None:
    try:
        info = parse_sysinfo(document)
    except SysInfoError:
        assert not isinstance(document, dict)
        return
    values = diagnostic_values(info)
    assert all(isinstance(value, str | int | float) and finite(value) for value in values.values())
    assert info.mac is None or len(info.mac) == 17


@FUZZ
@given(document=JSON)
def test_params_flatten_or_are_refused(document: object) -> None:
    try:
        flat = flatten_params(document)
    except ParamsError:
        assert not isinstance(document, dict)
        return
    assert len(flat.values) <= MAX_PARAMS
    for value in flat.values.values():
        kind = param_type(value)
        param_state(kind, value)


@FUZZ
@given(kind=st.sampled_from(ParamType), value=JSON)
def test_coercion_gives_a_value_of_the_parameters_type(kind: ParamType, value: object) -> None:
    try:
        written = coerce_write(kind, value)
    except ParamWriteError:
        return
    assert same_value(kind, written, written)
    assert kind is not ParamType.OTHER


@FUZZ
@given(text=st.text(max_size=40))
def test_base_topics_normalise_or_are_refused(text: str) -> None:
    try:
        base = normalise_base(text)
    except BaseTopicError:
        return
    assert base.endswith("/")
    assert "+" not in base
    assert "#" not in base
    assert split_system_topic(base + "WATCHDOG") == (base, "WATCHDOG")


@FUZZ
@given(
    data=st.dictionaries(
        st.sampled_from(["max_depth", "time_service", "web_probe", "manual_bases", "devices"]),
        JSON,
        max_size=5,
    )
)
def test_settings_read_or_raise_a_settings_error(data: dict[str, Any]) -> None:
    try:
        parsed = GatewaySettings.from_dict(data)
    except SettingsError as err:
        key = err.key
    else:
        assert GatewaySettings.from_dict(parsed.as_dict()) == parsed
        return
    assert key


SWITCH_WORD = st.sampled_from(
    ["ON", "OFF", "on", " Off ", "true", "FALSE", "1", "0", "yes", "no", "Marche", "Arrêt"]
)


@FUZZ
@given(value=JSON | SWITCH_WORD, on=SWITCH_WORD | st.text(max_size=8), off=SWITCH_WORD | st.text(max_size=8))
def test_switch_states_are_a_bool_or_none(value: object, on: str, off: str) -> None:
    parsed = parse_switch_state(value)
    assert parsed is None or isinstance(parsed, bool)
    topic = TopicSettings(on_payload=on or "ON", off_payload=off or "OFF")
    state = switch_state(value, topic)
    assert state is None or isinstance(state, bool)
    if value == topic.on_payload:
        assert state is True  # the user's payloads first, even a word that means the opposite
    elif value == topic.off_payload:
        assert state is False
    else:
        assert state == parsed


@FUZZ
@given(
    text=st.text(max_size=60)
    | st.sampled_from(["FmPyIOT", "FmPyIOT/", "FmPyIOT/name", "[1]", "{}", '{"./x": {"payload": 1}}'])
)
def test_web_pages_parse_or_raise_a_web_page_error(text: str) -> None:
    for parser in (parse_hello, parse_status, parse_topics):
        key = None
        try:
            parser(text)
        except WebPageError as err:
            key = err.key
        assert key in {None, "not_fmpyiot", "bad_json", "bad_html"}
    status = parse_embedded_status(text)
    assert status is None or 100 <= status.code <= 999


@FUZZ
@given(
    html=st.lists(
        st.sampled_from(
            [
                '<span class="topic">',
                "./x",
                "</span>",
                '<input name="action_T__x">',
                "<div>",
                "&amp;",
                "<",
                ">",
                '"',
            ]
        ),
        max_size=12,
    ).map("".join)
)
def test_topic_pages_of_any_shape(html: str) -> None:
    try:
        topics = parse_topics(html)
    except WebPageError:
        return
    actions, unresolved = topics.actions([])
    assert len(actions) + len(unresolved) == len(topics.action_ids)


@pytest.mark.allow_pyiot_warnings
@FUZZ
@given(
    stored=st.dictionaries(
        st.sampled_from(["version", "devices"]),
        JSON
        | st.lists(
            st.dictionaries(
                st.sampled_from(
                    ["node_id", "base", "topics", "params", "identity", "watchdog_period", "name"]
                ),
                JSON,
                max_size=7,
            ),
            max_size=3,
        ),
        max_size=2,
    )
)
def test_restore_never_raises(stored: dict[str, Any]) -> None:
    gateway = FmPyIotGateway(FakeLink(), FmPyIotListener(), clock=ManualClock())
    gateway.restore(stored)
    assert gateway.export()["version"] == 1


@pytest.mark.allow_pyiot_warnings
@FUZZ
@given(messages=st.lists(st.tuples(TOPIC, PAYLOAD), max_size=25), advance=st.floats(0, 100))
def test_the_gateway_survives_any_message(messages: list[tuple[str, bytes]], advance: float) -> None:
    async def run() -> FmPyIotListener:
        listener = FmPyIotListener()
        link = FakeLink()
        clock = ManualClock()
        gateway = FmPyIotGateway(
            link, listener, clock=clock, request_spacing=0, now=lambda: datetime.now(UTC)
        )
        await gateway.async_start()
        try:
            for topic, payload in messages:
                link.deliver(topic, payload)
                await asyncio.sleep(0)
            clock.advance(advance)
            await asyncio.sleep(0)
            json.dumps(gateway.diagnostics())
            json.dumps(gateway.export())
        finally:
            await gateway.async_stop()
        return listener

    listener = asyncio.run(run())
    assert listener.errors == []
