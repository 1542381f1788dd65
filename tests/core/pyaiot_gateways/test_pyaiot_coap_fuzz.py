"""Property-based tests: arbitrary alive payloads, pushes, link formats, websocket frames and broker messages
never raise anything but the parsers' typed errors, and never report malformed nodes or values."""

import asyncio
import json
import math
import socket
from typing import Any

from hypothesis import HealthCheck, given, settings, strategies as st
import pytest

from custom_components.pyiot.core.protocols.pyaiot.broker_client import PyaiotBrokerClient
from custom_components.pyiot.core.protocols.pyaiot.coap import PyaiotCoapGateway
from custom_components.pyiot.core.protocols.pyaiot.coap_settings import CoapSettings
from custom_components.pyiot.core.protocols.pyaiot.coap_wire import (
    MAX_LINKS,
    CoapInputError,
    parse_alive,
    parse_link_format,
    parse_push,
    resource_path,
)
from custom_components.pyiot.core.protocols.pyaiot.frames import (
    VALID_TYPES,
    FrameError,
    close_reason,
    parse_frame,
)
from custom_components.pyiot.core.protocols.pyaiot.mqtt import valid_name
from custom_components.pyiot.core.protocols.pyaiot.resources import MAX_TEXT_LENGTH
from custom_components.pyiot.core.protocols.pyaiot.ws import PyaiotWsGateway, _Connection
from tests.core.pyaiot_gateways.conftest import LOGGER
from tests.support.recording_listener import RecordingListener

pytestmark = pytest.mark.allow_pyiot_warnings

FUZZ = settings(
    max_examples=300,
    deadline=None,
    database=None,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.function_scoped_fixture],
)
NUMERIC = {"temperature", "pressure", "humidity", "eco2", "tvoc", "illuminance"}

JSON = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats() | st.text(max_size=20),
    lambda children: (
        st.lists(children, max_size=4) | st.dictionaries(st.text(max_size=8), children, max_size=4)
    ),
    max_leaves=12,
)
NAMES = st.sampled_from(
    [
        "temperature",
        "pressure",
        "led",
        "name",
        "board",
        "os",
        "ip",
        "protocol",
        "node",
        "js",
        "a/b",
        "",
        "..",
        "x" * 200,
    ]
) | st.text(max_size=12)
PIECES = st.sampled_from(
    ["alive", "Alive", "reset", ":", "::", "1234", "°", "\x00", " ", "%", "/", "..", "\udcff"]
)
TEXTISH = st.lists(PIECES | st.text(max_size=8), max_size=8).map("".join)
BYTES = st.binary(max_size=300) | TEXTISH.map(lambda text: text.encode(errors="surrogateescape"))


class CheckingListener(RecordingListener):
    """Fails on anything malformed a transport reports."""

    def check_node(self, node: Any) -> None:
        self.check(valid_name(node.node_id), f"bad node {node!r}")

    def check_value(self, node_id: str, key: str, value: Any) -> None:
        if key in NUMERIC:
            self.check(isinstance(value, float) and math.isfinite(value), f"{key}: {value!r}")
        elif key == "led":
            self.check(isinstance(value, bool), f"{key}: {value!r}")
        else:
            self.check(isinstance(value, str) and len(value) <= MAX_TEXT_LENGTH, f"{key}: {value!r}")


@FUZZ
@given(payload=BYTES)
def test_alive_payloads(payload: bytes) -> None:
    try:
        alive = parse_alive(payload)
    except CoapInputError:
        return
    assert valid_name(alive.uid)
    assert payload.decode().endswith(":" + alive.uid)


@FUZZ
@given(payload=BYTES)
def test_server_pushes(payload: bytes) -> None:
    try:
        name, value = parse_push(payload)
    except CoapInputError:
        return
    assert resource_path("/" + name) is not None
    assert payload.decode() == f"{name}:{value}"


LINK = st.builds(
    lambda path, attrs: f"<{path}>" + "".join(f";{attr}" for attr in attrs),
    st.sampled_from(
        ["/temperature", "/led", "/../x", "coap://h/x", "//h/x", "/.well-known/core", "/a/b", "/", "/%41"]
    )
    | TEXTISH,
    st.lists(
        st.sampled_from(["obs", 'rt="a,b"', "ct=0", 'title="x;y"', 'rel="impl-info"', "if", '"']), max_size=3
    ),
)
LINK_FORMAT = st.lists(LINK, max_size=80).map(",".join) | TEXTISH


@FUZZ
@given(text=LINK_FORMAT)
def test_link_formats(text: str) -> None:
    try:
        resources, refused = parse_link_format(text.encode(errors="surrogateescape"))
    except CoapInputError:
        return
    assert len(resources) <= MAX_LINKS
    assert len({resource.key for resource in resources}) == len(resources)
    for resource in resources:
        assert resource_path("/" + resource.key) == resource.path
        assert ".." not in resource.path
    assert all(isinstance(item, str) for item in refused)


FRAME = st.one_of(
    JSON.map(json.dumps),
    st.builds(
        lambda kind, data: json.dumps({"type": kind, "data": data}),
        st.sampled_from([*VALID_TYPES, "x", 1]) | st.text(max_size=5),
        JSON,
    ),
    TEXTISH,
    st.binary(max_size=40),
)


@FUZZ
@given(raw=FRAME)
def test_websocket_frames(raw: str | bytes) -> None:
    try:
        frame = parse_frame(raw)
    except FrameError as err:
        reason = close_reason(err.close_reason)
    else:
        assert frame["type"] in VALID_TYPES
        return
    assert len(reason.encode()) <= 123


@FUZZ
@given(data=st.dictionaries(NAMES, JSON | TEXTISH, max_size=6), kind=st.sampled_from(["update", "new"]))
def test_ws_gateway_update_frames(data: dict[str, Any], kind: str) -> None:
    listener = CheckingListener()
    gateway = PyaiotWsGateway(listener, logger=LOGGER)
    connection = _Connection(socket=None, source="127.0.0.1", address="127.0.0.1")  # type: ignore[arg-type]
    gateway._on_frame(connection, {"type": kind, "data": data})
    gateway._on_frame(connection, {"type": kind, "data": data})
    assert listener.errors == []


BROKER_MESSAGE = st.one_of(
    st.builds(
        lambda kind, uid, endpoint, data: json.dumps(
            {"type": kind, "uid": uid, "endpoint": endpoint, "data": data}
        ),
        st.sampled_from([*VALID_TYPES, "other"]),
        st.sampled_from(["1234", "alive", ""]) | st.text(max_size=6) | st.integers(),
        NAMES,
        JSON | TEXTISH,
    ),
    JSON.map(json.dumps),
    TEXTISH,
)


@FUZZ
@given(messages=st.lists(BROKER_MESSAGE, max_size=8))
def test_broker_messages(messages: list[str]) -> None:
    listener = CheckingListener()
    client = PyaiotBrokerClient(listener, logger=LOGGER)
    for message in messages:
        client.handle_message(message)
    assert listener.errors == []


@FUZZ
@given(payloads=st.lists(BYTES, max_size=6))
def test_coap_pushes_to_a_known_node(payloads: list[bytes]) -> None:
    listener = CheckingListener()
    gateway = PyaiotCoapGateway(listener, CoapSettings(port=0), logger=LOGGER)
    gateway.restore_nodes([{"node_id": "n", "address": "::ffff:10.0.0.1"}])
    for payload in payloads:
        reply = gateway.handle_push(payload, ("::ffff:10.0.0.1", 40000, 0, 0))
        assert reply.code.is_response()
    assert listener.errors == []


@pytest.mark.parametrize("text", ["é" * 100, "a" * 200])
def test_close_reason_fits_a_close_frame(text: str) -> None:
    assert len(close_reason(text).encode()) <= 123


PUSH = b"\x50\x02\x00\x01\xb6server\xfftemperature:21\xc2\xb0C"
"""A plain NON push as a node sends it (aiocoap's encoding of POST /server)."""


def _mutated(data: bytes, edits: list[tuple[int, int]]) -> bytes:
    buffer = bytearray(data)
    for index, value in edits:
        if buffer:
            buffer[index % len(buffer)] = value
    return bytes(buffer)


DATAGRAMS = st.one_of(
    st.binary(max_size=64),
    st.lists(st.tuples(st.integers(0, 63), st.integers(0, 255)), max_size=4).map(
        lambda edits: _mutated(PUSH, edits)
    ),
    st.binary(max_size=16).map(lambda tail: PUSH + tail),
    st.integers(0, len(PUSH)).map(lambda cut: PUSH[:cut]),
)


@FUZZ
@given(datagrams=st.lists(DATAGRAMS, min_size=1, max_size=8))
def test_coap_datagrams_at_the_socket(datagrams: list[bytes]) -> None:
    """Whatever reaches the socket (real UDP): the push fast path or aiocoap takes it, nothing escapes."""
    listener = CheckingListener()

    async def run() -> list[dict[str, Any]]:
        loop = asyncio.get_running_loop()
        escaped: list[dict[str, Any]] = []
        loop.set_exception_handler(lambda _, context: escaped.append(context))
        gateway = PyaiotCoapGateway(listener, CoapSettings(port=0, addresses=("::1",)), logger=LOGGER)
        gateway.restore_nodes([{"node_id": "n", "address": "::1", "resources": ["temperature"]}])
        listener.points["n"] = dict.fromkeys(("temperature",))
        await gateway.async_start()
        try:
            with socket.socket(socket.AF_INET6, socket.SOCK_DGRAM) as node:
                node.bind(("::1", 0))
                for datagram in datagrams:
                    node.sendto(datagram, ("::1", gateway.port))
                await asyncio.sleep(0.02)  # received, answered (or dropped) meanwhile
                json.dumps(gateway.diagnostics())
        finally:
            await gateway.async_stop()
        return escaped

    assert asyncio.run(run()) == []
    assert listener.errors == []
