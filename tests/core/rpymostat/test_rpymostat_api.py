"""The request parser and the exact replies of rpymostat.md §3, the host-id display rules, security parts."""

from ipaddress import ip_network
import json

import pytest

from custom_components.pyiot.core.protocols.rpymostat import api, host_info
from custom_components.pyiot.core.protocols.rpymostat.api import ApiError, Problem, Reading, parse_update
from custom_components.pyiot.core.protocols.rpymostat.security import (
    NetworkListError,
    RateLimiter,
    SourceFilter,
    bearer_token,
    format_networks,
    parse_networks,
    source_address,
    token_matches,
)
from tests.core.rpymostat.fakes import FakeClock


@pytest.fixture(autouse=True)
def auto_enable_custom_integrations() -> None:
    """Override tests/conftest.py: no Home Assistant instance is needed."""


HOST = "RaspberryPi/3 Model B 1.2 1024MB (Q1 2016 Sony)/2f1a7c3b"

HTML, JSON = "text/html", "application/json"


def error(message: str) -> bytes:
    return b'{"error": "' + message.encode() + b'", "status": "error"}'


NOT_OBJECT = error("request body must be a JSON object")
BAD_HOST = error("host_id field must be a string of 1 to 256 printable characters")
SENSOR_OK = b'"sensors": {"a": {"value": 1}}'

# (body, status, exact body, content type): rpymostat.md §3.1, then PyIoT's own rejections.
ERROR_TABLE: list[tuple[bytes, int, bytes, str]] = [
    (b"", 400, error("Empty Request."), HTML),
    (b" \r\n\t ", 400, error("Empty Request."), HTML),
    (b"{not json", 400, error("Invalid JSON."), HTML),
    (b'{"host_id": "\xff\xfe"}', 400, error("Invalid JSON."), HTML),
    (b"[" * 100_000, 400, error("Invalid JSON."), HTML),
    (b"{" + SENSOR_OK + b"}", 422, error("host_id field missing from POST data"), JSON),
    (b'{"host_id": "h"}', 422, error("sensors field missing from POST data"), JSON),
    (
        b'{"host_id": "h", "sensors": [1]}',
        422,
        error("sensors field must be a JSON object (deserialize to a python dict)"),
        JSON,
    ),
    (b'{"host_id": "h", "sensors": {}}', 422, error("sensors field must not be empty"), JSON),
    (b"[]", 422, NOT_OBJECT, JSON),
    (b'["host_id", "sensors"]', 422, NOT_OBJECT, JSON),
    (b"5", 422, NOT_OBJECT, JSON),
    (b'"host_id sensors"', 422, NOT_OBJECT, JSON),
    (b"null", 422, NOT_OBJECT, JSON),
    (b'{"host_id": 5, ' + SENSOR_OK + b"}", 422, BAD_HOST, JSON),
    (b'{"host_id": "a\\nb", ' + SENSOR_OK + b"}", 422, BAD_HOST, JSON),
    (b'{"host_id": "  ", ' + SENSOR_OK + b"}", 422, BAD_HOST, JSON),
]


@pytest.mark.parametrize(("body", "status", "expected", "content_type"), ERROR_TABLE)
def test_error_table(body: bytes, status: int, expected: bytes, content_type: str) -> None:
    with pytest.raises(ApiError) as caught:
        parse_update(body)
    assert caught.value.reply.status == status
    assert caught.value.reply.body == expected
    assert caught.value.reply.content_type == content_type


def test_upstream_check_order() -> None:
    """Upstream checks host_id, then sensors; a bad host_id only matters once sensors are fine."""
    for body, problem in [
        (b'{"host_id": 5}', Problem.SENSORS_MISSING),
        (b'{"host_id": 5, "sensors": 3}', Problem.SENSORS_NOT_OBJECT),
        (b'{"host_id": 5, "sensors": {}}', Problem.SENSORS_EMPTY),
        (b'{"sensors": {}}', Problem.HOST_ID_MISSING),
    ]:
        with pytest.raises(ApiError) as caught:
            parse_update(body)
        assert caught.value.problem is problem


def test_valid_update_and_ok_reply() -> None:
    body = json.dumps(
        {
            "host_id": HOST,
            "sensors": {
                "1058F50F01080047": {"type": "DS18S20", "value": 24.3125, "alias": "hall", "extra": "x"},
                "28.1": {"type": None, "value": None},
                "28.2": {"value": 21},
            },
        }
    ).encode()
    update = parse_update(body)
    assert update.host_id == HOST
    assert update.readings == (
        Reading(sensor_id="1058F50F01080047", value=24.3125, sensor_type="DS18S20", alias="hall", extra="x"),
        Reading(sensor_id="28.1", value=None),
        Reading(sensor_id="28.2", value=21.0),
    )
    assert update.failed == ()
    reply = api.update_reply("myhostid", ["1058F50F01080047"], 0)
    assert (reply.status, reply.body, reply.content_type) == (
        201,
        b'{"ids": ["myhostid_1058F50F01080047"], "status": "ok"}',
        "application/json",
    )


@pytest.mark.parametrize(
    "entry",
    [
        5,
        "x",
        None,
        [],
        {"type": "DS18S20"},
        {"value": "21.5"},
        {"value": True},
        {"value": [1]},
        {"value": {"c": 1}},
    ],
)
def test_failing_sensor_entries(entry: object) -> None:
    body = json.dumps({"host_id": "h", "sensors": {"bad": entry, "good": {"value": 20.5}}}).encode()
    update = parse_update(body)
    assert [reading.sensor_id for reading in update.readings] == ["good"]
    assert update.failed == ("bad",)


@pytest.mark.parametrize("raw_value", [b"NaN", b"Infinity", b"-Infinity", b"1e999", b"1" + b"0" * 400])
def test_non_finite_values_fail(raw_value: bytes) -> None:
    update = parse_update(b'{"host_id": "h", "sensors": {"s": {"value": ' + raw_value + b"}}}")
    assert update.failed == ("s",)


@pytest.mark.parametrize("sensor_id", ["", " ", "a\nb", "x" * 129, "last_update"])
def test_unusable_sensor_ids_fail(sensor_id: str) -> None:
    update = parse_update(json.dumps({"host_id": "h", "sensors": {sensor_id: {"value": 1.0}}}).encode())
    assert update.failed == (sensor_id,)


def test_partial_and_failed_replies() -> None:
    partial = api.update_reply("h", ["a"], 1)
    assert (partial.status, partial.body) == (
        400,
        b'{"error": "1 sensor updates failed", "ids": ["h_a"], "status": "partial"}',
    )
    failed = api.update_reply("h", [], 2)
    assert (failed.status, failed.body) == (400, b'{"status": "failed"}')


def test_text_fields_are_cleaned() -> None:
    body = json.dumps(
        {"host_id": "h", "sensors": {"s": {"value": 1, "alias": " hall\x00 ", "type": 5, "extra": "y" * 500}}}
    ).encode()
    (reading,) = parse_update(body).readings
    assert reading.alias == "hall"
    assert reading.sensor_type is None
    assert reading.extra == "y" * api.MAX_TEXT_LENGTH
    assert api.clean_text("   ") is None


def test_bom_and_utf8_host_ids() -> None:
    update = parse_update('\ufeff{"host_id": "Küche/1", "sensors": {"s": {"value": 1}}}'.encode())
    assert update.host_id == "Küche/1"
    assert api.update_reply(update.host_id, ["s"], 0).body == b'{"ids": ["K\\u00fcche/1_s"], "status": "ok"}'


def test_short_repr() -> None:
    assert api.short_repr("abc") == "'abc'"
    assert api.short_repr("x" * 100).endswith("...")
    assert api.short_repr(5) == "5"
    assert api.short_repr({"a": 1}) == "<JSON dict>"


def test_fixed_replies() -> None:
    assert api.HELLO.body == b"Hello, World!"
    assert api.HELLO.content_type == "text/html"
    assert api.STATUS_OK.body == b'{"dependencies": {"mongodb": true}, "status": true}'
    assert api.STATUS_OK.content_type == "application/json"


@pytest.mark.parametrize(
    ("host_id", "name", "model", "manufacturer"),
    [
        (HOST, "Raspberry Pi 2f1a7c3b", "Raspberry Pi 3 Model B 1.2 1024MB (Q1 2016 Sony)", "Raspberry Pi"),
        ("RaspberryPi/model_a22082/2f1a", "Raspberry Pi 2f1a", "Raspberry Pi (model_a22082)", "Raspberry Pi"),
        ("RaspberryPi/unknown_model/1a", "Raspberry Pi 1a", "Raspberry Pi (unknown_model)", "Raspberry Pi"),
        ("uuid.getnode_b827eb1a2b3c", "RPyMostat host b827eb1a2b3c", "RPyMostat sensor host", None),
        ("0f2c" * 8, "0f2c" * 8, "RPyMostat sensor host", None),
        ("h" * 60, "h" * 47 + "…", "RPyMostat sensor host", None),
    ],
)  # fmt: skip
def test_host_info(host_id: str, name: str, model: str, manufacturer: str | None) -> None:
    info = host_info(host_id)
    assert (info.node_id, info.name, info.model, info.manufacturer) == (host_id, name, model, manufacturer)


# --- security ----------------------------------------------------------------------------------


def test_parse_networks() -> None:
    networks = parse_networks(" 192.168.1.10/24, fd00::/64;10.0.0.1\n192.168.1.0/24 ")
    assert networks == (ip_network("192.168.1.0/24"), ip_network("fd00::/64"), ip_network("10.0.0.1/32"))
    assert format_networks(networks) == "192.168.1.0/24, fd00::/64, 10.0.0.1/32"
    assert parse_networks("") == ()
    with pytest.raises(NetworkListError) as caught:
        parse_networks("192.168.1.0/24, 300.1.1.1")
    assert caught.value.item == "300.1.1.1"


def test_source_filter() -> None:
    sources = SourceFilter(parse_networks("192.168.1.0/24, fd00::/64"))
    assert sources.allows("192.168.1.77")
    assert sources.allows("192.168.1.77")  # cached
    assert sources.allows("::ffff:192.168.1.5")
    assert sources.allows("fd00::1")
    assert sources.allows("127.0.0.1")
    assert sources.allows("::1")
    assert not sources.allows("192.168.2.1")
    assert not sources.allows("8.8.8.8")
    assert not sources.allows(None)
    assert not sources.allows("not an address")
    no_loopback = SourceFilter((), allow_loopback=False)
    assert not no_loopback.allows("127.0.0.1")
    assert source_address("fe80::1%eth0") is not None


def test_source_filter_cache_is_bounded() -> None:
    sources = SourceFilter(())
    for index in range(5000):
        sources.allows(f"10.{index // 256 % 256}.{index % 256}.1")
    assert len(sources._cache) <= 4096


def test_tokens() -> None:
    assert bearer_token("Bearer abc") == "abc"
    assert bearer_token("bearer  abc ") == "abc"
    assert bearer_token("Basic abc") is None
    assert bearer_token("Bearer") is None
    assert bearer_token(None) is None
    assert token_matches(None, None)
    assert token_matches("", "x")
    assert token_matches("secret", None, "secret")
    assert token_matches("secret", "secret", None)
    assert not token_matches("secret", "wrong", None)
    assert not token_matches("secret", None, None)


def test_rate_limiter() -> None:
    clock = FakeClock()
    limiter = RateLimiter(1.0, 3, clock=clock, max_keys=2)
    assert [limiter.acquire("a") for _ in range(3)] == [0.0, 0.0, 0.0]
    assert limiter.acquire("a") == pytest.approx(1.0)
    clock.advance(0.5)
    assert limiter.acquire("a") == pytest.approx(0.5)
    clock.advance(0.5)
    assert limiter.acquire("a") == 0.0
    assert limiter.acquire("b") == 0.0
    assert limiter.acquire("c") == 0.0  # evicts the least recently used bucket ("a")
    assert set(limiter._buckets) == {"b", "c"}
    off = RateLimiter(0, 10, clock=clock)
    assert not off.enabled
    assert all(off.acquire("a") == 0.0 for _ in range(100))
