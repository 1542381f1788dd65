"""Property-based tests: any body gets a 4xx of the documented shape or a 201/400 update reply, never more."""

import asyncio
import json
import math
from typing import Any

from hypothesis import HealthCheck, given, settings, strategies as st
import pytest

from custom_components.pyiot.core.protocols.rpymostat.api import (
    LAST_UPDATE_KEY,
    ApiError,
    parse_update,
    update_reply,
    valid_host_id,
)
from custom_components.pyiot.core.protocols.rpymostat.engine import EngineSettings, RPyMostatEngine
from custom_components.pyiot.core.protocols.rpymostat.security import (
    NetworkListError,
    SourceFilter,
    parse_networks,
)
from tests.core.rpymostat.fakes import Recorder


@pytest.fixture(autouse=True)
def auto_enable_custom_integrations() -> None:
    """Override tests/conftest.py: no Home Assistant instance is needed."""


FUZZ = settings(max_examples=300, deadline=None, database=None, suppress_health_check=[HealthCheck.too_slow])

JSON = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats() | st.text(max_size=20),
    lambda children: (
        st.lists(children, max_size=4) | st.dictionaries(st.text(max_size=8), children, max_size=4)
    ),
    max_leaves=12,
)
HOST_IDS = (
    st.sampled_from(
        [
            "RaspberryPi/3 Model B 1.2 1024MB (Q1 2016 Sony)/2f1a7c3b",
            "uuid.getnode_b827eb1a2b3c",
            "0f2c" * 8,
            "",
            " ",
            "a\nb",
            "x" * 300,
        ]
    )
    | st.text(max_size=40)
    | JSON
)
SENSOR_ENTRY = (
    st.fixed_dictionaries(
        {},
        optional={
            "value": st.none() | st.floats() | st.integers() | st.booleans() | st.text(max_size=5) | JSON,
            "type": st.none() | st.text(max_size=10) | JSON,
            "alias": st.none() | st.text(max_size=10) | JSON,
            "extra": st.none() | st.text(max_size=10) | JSON,
        },
    )
    | JSON
)
SENSORS = st.dictionaries(
    st.sampled_from(["1058F50F01080047", "28.1", "", " ", LAST_UPDATE_KEY, "x" * 200]) | st.text(max_size=12),
    SENSOR_ENTRY,
    max_size=6,
)
DOCUMENT = st.fixed_dictionaries({}, optional={"host_id": HOST_IDS, "sensors": SENSORS | JSON}) | JSON


def encode(document: Any) -> bytes:
    return json.dumps(document, allow_nan=True).encode()


def check_reply_body(body: bytes) -> dict[str, Any]:
    """Every JSON reply is upstream's `json.dumps(..., sort_keys=True)` of an object with a status."""
    document = json.loads(body)
    assert isinstance(document, dict)
    assert json.dumps(document, sort_keys=True).encode() == body
    assert document["status"] in {"ok", "error", "partial", "failed"}
    return document


def check_rejection(err: ApiError) -> None:
    """A rejected body: 400 or 422 and the error shape."""
    assert err.reply.status in {400, 422}
    assert check_reply_body(err.reply.body)["status"] == "error"


def check_item(err: NetworkListError) -> None:
    assert err.item


@FUZZ
@given(raw=st.binary(max_size=200))
def test_any_bytes_are_parsed_or_rejected(raw: bytes) -> None:
    try:
        parse_update(raw)
    except ApiError as err:
        check_rejection(err)


@FUZZ
@given(document=DOCUMENT)
def test_documents_are_parsed_or_rejected(document: Any) -> None:
    try:
        update = parse_update(encode(document))
    except ApiError as err:
        check_rejection(err)
        return
    assert isinstance(document, dict)
    assert valid_host_id(update.host_id)
    assert update.host_id == document["host_id"]
    stored = [reading.sensor_id for reading in update.readings]
    assert sorted(stored + list(update.failed)) == sorted(document["sensors"])
    for reading in update.readings:
        assert reading.value is None or (isinstance(reading.value, float) and math.isfinite(reading.value))
        assert reading.sensor_id != LAST_UPDATE_KEY
        for text in (reading.alias, reading.sensor_type, reading.extra):
            assert text is None or (isinstance(text, str) and text.isprintable() and text)
    reply = update_reply(update.host_id, stored, len(update.failed))
    assert reply.status in {201, 400}
    check_reply_body(reply.body)


@pytest.mark.allow_pyiot_warnings
@FUZZ
@given(documents=st.lists(DOCUMENT, min_size=1, max_size=5))
def test_engine_ingest_never_breaks_the_listener(documents: list[Any]) -> None:
    """What a parsed update reports keeps the hub's rules: points before values, finite numbers."""
    loop = asyncio.new_event_loop()
    recorder = Recorder()
    engine = RPyMostatEngine(recorder, EngineSettings(max_hosts=3, max_sensors_per_host=4))

    async def run() -> None:
        for document in documents:
            try:
                update = parse_update(encode(document))
                reply = engine.ingest(update)
            except ApiError as err:
                reply = err.reply
            assert reply.status in {201, 400, 422}
            check_reply_body(reply.body)
        await engine.async_stop()

    try:
        loop.run_until_complete(run())
    finally:
        loop.close()
    assert recorder.errors == []


@FUZZ
@given(text=st.text(max_size=60), address=st.text(max_size=40) | st.ip_addresses().map(str))
def test_network_lists_and_sources(text: str, address: str) -> None:
    try:
        networks = parse_networks(text)
    except NetworkListError as err:
        check_item(err)
        return
    assert isinstance(SourceFilter(networks).allows(address), bool)
