"""The engine alone, over real HTTP on loopback: routes, exact replies, security, ageing of readings."""

import asyncio
import json
import logging
from typing import Any

import aiohttp
from aiohttp.http_exceptions import BadHttpMessage
import pytest

from custom_components.pyiot.core.nodes.bad_input import OncePerSourceLogger
from custom_components.pyiot.core.protocols.rpymostat import engine as engine_module
from custom_components.pyiot.core.protocols.rpymostat.api import LAST_UPDATE_KEY
from custom_components.pyiot.core.protocols.rpymostat.engine import (
    LINGERING_TIME,
    SERVER_HEADER,
    RPyMostatEngine,
    sensor_point,
)
from tests.core.rpymostat.conftest import EngineFactory
from tests.core.rpymostat.fakes import FakeClock, Recorder
from tests.core.rpymostat.test_rpymostat_api import ERROR_TABLE, HOST


@pytest.fixture(autouse=True)
def auto_enable_custom_integrations() -> None:
    """Override tests/conftest.py: no Home Assistant instance is needed."""


def url(engine: RPyMostatEngine, path: str) -> str:
    return f"http://127.0.0.1:{engine.port}{path}"


async def put(
    session: aiohttp.ClientSession, engine: RPyMostatEngine, body: Any, **kwargs: Any
) -> tuple[int, bytes, str]:
    data = body if isinstance(body, bytes) else json.dumps(body).encode()
    async with session.put(url(engine, "/v1/sensors/update"), data=data, **kwargs) as response:
        return response.status, await response.read(), response.headers.get("Content-Type", "")


async def close(writer: asyncio.StreamWriter) -> None:
    """Close a raw connection and let the server finish with it (it lingers on an unread body)."""
    writer.close()
    await writer.wait_closed()
    await asyncio.sleep(LINGERING_TIME + 0.1)


def update(host: str = HOST, **sensors: float | None) -> dict[str, Any]:
    return {
        "host_id": host,
        "sensors": {key: {"type": "DS18S20", "value": value} for key, value in sensors.items()},
    }


async def test_fixed_routes(start_engine: EngineFactory, session: aiohttp.ClientSession) -> None:
    engine = await start_engine()
    async with session.get(url(engine, "/")) as response:
        assert (response.status, await response.read()) == (200, b"Hello, World!")
        assert response.headers["Content-Type"] == "text/html"
        assert response.headers["Server"] == SERVER_HEADER
    async with session.get(url(engine, "/v1/status")) as response:
        assert response.status == 200
        assert await response.read() == b'{"dependencies": {"mongodb": true}, "status": true}'
        assert response.headers["Content-Type"] == "application/json"
    async with session.get(url(engine, "/v1/sensors")) as response:
        assert response.status == 200
        assert await response.read() == b'{"hosts": [], "sensors": [], "status": "ok"}'


@pytest.mark.parametrize(
    ("method", "path", "status"),
    [
        ("POST", "/v1/sensors/update", 405),
        ("GET", "/v1/sensors/update", 405),
        ("PUT", "/v1/status", 405),
        ("DELETE", "/v1/sensors", 405),
        ("POST", "/", 405),
        ("GET", "/v1/status/", 404),
        ("PUT", "/v1/sensors/update/", 404),
        ("GET", "/v2/status", 404),
        ("GET", "/v1", 404),
    ],
)
async def test_unknown_methods_and_paths(
    start_engine: EngineFactory, session: aiohttp.ClientSession, method: str, path: str, status: int
) -> None:
    engine = await start_engine()
    async with session.request(method, url(engine, path), data=b"{}") as response:
        assert response.status == status
        assert response.headers["Server"] == SERVER_HEADER
    assert engine.diagnostics()["replies"] == {str(status): 1}


async def test_update_is_stored_and_reported(
    start_engine: EngineFactory, session: aiohttp.ClientSession, recorder: Recorder
) -> None:
    engine = await start_engine()
    body = {
        "host_id": HOST,
        "sensors": {
            "1058F50F01080047": {"type": "DS18S20", "value": 24.3125, "alias": "hall", "extra": "x"},
            "10AB": {"type": None, "value": None},
        },
    }
    status, reply, content_type = await put(session, engine, body)
    assert status == 201
    assert reply == json.dumps({"ids": [f"{HOST}_1058F50F01080047", f"{HOST}_10AB"], "status": "ok"}).encode()
    assert content_type == "application/json"

    assert [name for name, _ in recorder.calls] == [
        "node_seen",
        "points_seen",
        "value_received",
        "point_unavailable",
        "value_received",
    ]
    assert recorder.of("node_seen")[0].name == "Raspberry Pi 2f1a7c3b"
    assert recorder.of("points_seen") == [(HOST, [LAST_UPDATE_KEY, "1058F50F01080047", "10AB"])]
    assert recorder.points[HOST]["1058F50F01080047"] == sensor_point("1058F50F01080047", "hall")
    assert recorder.points[HOST]["10AB"].name == "10AB"
    assert recorder.of("point_unavailable") == [(HOST, "10AB")]
    assert recorder.values(HOST, "1058F50F01080047") == [24.3125]

    async with session.get(url(engine, "/v1/sensors")) as response:
        document = json.loads(await response.read())
    assert document["status"] == "ok"
    assert document["hosts"] == [
        {
            "host_id": HOST,
            "interval": 60.0,
            "last_update": document["hosts"][0]["last_update"],
            "online": True,
            "sensors": 2,
        }
    ]
    first, second = document["sensors"]
    assert first == {
        "alias": "hall",
        "extra": "x",
        "host_id": HOST,
        "id": f"{HOST}_1058F50F01080047",
        "last_reading_C": 24.3125,
        "sensor_id": "1058F50F01080047",
        "stale": False,
        "type": "DS18S20",
        "update_time": first["update_time"],
    }
    assert (second["last_reading_C"], second["stale"], second["type"]) == (None, True, None)


@pytest.mark.parametrize(("body", "status", "expected", "content_type"), ERROR_TABLE)
@pytest.mark.allow_pyiot_warnings
async def test_error_table_over_http(
    start_engine: EngineFactory,
    session: aiohttp.ClientSession,
    recorder: Recorder,
    body: bytes,
    status: int,
    expected: bytes,
    content_type: str,
) -> None:
    engine = await start_engine(max_body=256 * 1024)
    assert await put(session, engine, body) == (status, expected, content_type)
    assert recorder.calls == []


@pytest.mark.allow_pyiot_warnings
async def test_partial_and_failed_updates(
    start_engine: EngineFactory, session: aiohttp.ClientSession, recorder: Recorder
) -> None:
    engine = await start_engine()
    body = {"host_id": "h", "sensors": {"ok": {"value": 20.0}, "bad": {"type": "x"}}}
    assert await put(session, engine, body) == (
        400,
        b'{"error": "1 sensor updates failed", "ids": ["h_ok"], "status": "partial"}',
        "application/json",
    )
    assert recorder.values("h", "ok") == [20.0]
    recorder.calls.clear()
    body = {"host_id": "other", "sensors": {"a": "x", "b": {"value": "warm"}}}
    assert await put(session, engine, body) == (400, b'{"status": "failed"}', "application/json")
    assert recorder.calls == []
    assert [host["host_id"] for host in engine.sensors_document()["hosts"]] == ["h"]


@pytest.mark.allow_pyiot_warnings
async def test_size_limit(
    start_engine: EngineFactory, session: aiohttp.ClientSession, recorder: Recorder
) -> None:
    engine = await start_engine(max_body=1024)
    too_large = (413, b'{"error": "request body too large", "status": "error"}', "application/json")
    padding = {"extra": "x" * 2000}
    big = {"host_id": "h", "sensors": {"s": {"value": 1.0, **padding}}}
    assert await put(session, engine, big) == too_large

    async def chunks() -> Any:  # no Content-Length: the limit applies while reading
        for _ in range(10):
            yield b" " * 200

    async with session.put(url(engine, "/v1/sensors/update"), data=chunks()) as response:
        assert response.status == 413
    assert recorder.calls == []
    assert engine.diagnostics()["problems"] == {"too_large": 2}


@pytest.mark.allow_pyiot_warnings
async def test_slow_client_times_out(start_engine: EngineFactory, recorder: Recorder) -> None:
    engine = await start_engine(read_timeout=0.2)
    reader, writer = await asyncio.open_connection("127.0.0.1", engine.port)
    writer.write(
        b"PUT /v1/sensors/update HTTP/1.1\r\nHost: x\r\nContent-Length: 100\r\n\r\n" + b'{"host_id": "h", '
    )
    await writer.drain()
    response = await asyncio.wait_for(reader.read(4096), 5)
    await close(writer)
    assert response.startswith(b"HTTP/1.1 400 ")
    assert response.endswith(b'{"error": "Could not read request content.", "status": "error"}')
    assert recorder.calls == []
    assert engine.diagnostics()["problems"] == {"read_timeout": 1}


async def test_stalled_requests_leave_real_hosts_served(
    start_engine: EngineFactory, session: aiohttp.ClientSession, recorder: Recorder
) -> None:
    engine = await start_engine()
    stalled: list[asyncio.StreamWriter] = []
    try:
        for _ in range(50):  # slowloris: request heads that never finish
            _, writer = await asyncio.open_connection("127.0.0.1", engine.port)
            writer.write(b"PUT /v1/sensors/update HTTP/1.1\r\nHost: x\r\n")
            await writer.drain()
            stalled.append(writer)
        assert (await put(session, engine, update(a=20.5)))[0] == 201
        assert recorder.calls, "the real host's update went through"
    finally:
        for writer in stalled:
            writer.close()


@pytest.mark.allow_pyiot_warnings
async def test_malformed_http_is_logged_as_bad_input(
    start_engine: EngineFactory, recorder: Recorder, caplog: pytest.LogCaptureFixture
) -> None:
    engine = await start_engine()
    reader, writer = await asyncio.open_connection("127.0.0.1", engine.port)
    writer.write(
        b"PUT /v1/sensors/update HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\n\r\nzz\r\nab\r\n"
    )
    await writer.drain()
    response = await asyncio.wait_for(reader.read(4096), 5)
    await close(writer)
    assert response.startswith(b"HTTP/1.0 400 Bad Request")  # refused by aiohttp's parser, before any route
    assert recorder.calls == []
    warnings = [record.getMessage() for record in caplog.records if record.levelno >= logging.WARNING]
    assert len(warnings) == 1
    assert "bad_http" in warnings[0]


@pytest.mark.allow_pyiot_warnings
async def test_token(start_engine: EngineFactory, session: aiohttp.ClientSession, recorder: Recorder) -> None:
    engine = await start_engine(token="s3cret")  # noqa: S106
    unauthorized = (401, b'{"error": "missing or invalid token", "status": "error"}', "application/json")
    assert await put(session, engine, update(a=1.0)) == unauthorized
    assert (
        await put(session, engine, update(a=1.0), headers={"Authorization": "Bearer wrong"}) == unauthorized
    )
    async with session.get(url(engine, "/v1/sensors")) as response:
        assert response.status == 401
        assert response.headers["WWW-Authenticate"] == 'Bearer realm="rpymostat"'
    assert recorder.calls == []
    status, _, _ = await put(session, engine, update(a=1.0), headers={"Authorization": "Bearer s3cret"})
    assert status == 201
    # What an unmodified host sends when started with `-a '<address>:<port>/v1/sensors/update?token=s3cret#'`.
    async with session.put(
        f"http://127.0.0.1:{engine.port}/v1/sensors/update?token=s3cret#:{engine.port}/v1/sensors/update",
        json=update(a=2.0),
    ) as response:
        assert response.status == 201
    assert recorder.values(HOST, "a") == [1.0, 2.0]


@pytest.mark.allow_pyiot_warnings
async def test_source_not_allowed(
    start_engine: EngineFactory,
    session: aiohttp.ClientSession,
    recorder: Recorder,
    caplog: pytest.LogCaptureFixture,
) -> None:
    engine = await start_engine(allow_loopback=False)
    for _ in range(3):
        assert await put(session, engine, update(a=1.0)) == (
            403,
            b'{"error": "source address not allowed", "status": "error"}',
            "application/json",
        )
    assert recorder.calls == []
    warnings = [record for record in caplog.records if record.levelno >= logging.WARNING]
    assert len(warnings) == 1, "one line per source and problem"
    assert "127.0.0.1" in warnings[0].getMessage()


@pytest.mark.allow_pyiot_warnings
async def test_rate_limit(
    start_engine: EngineFactory, session: aiohttp.ClientSession, recorder: Recorder, clock: FakeClock
) -> None:
    engine = await start_engine(rate=1.0, burst=3)
    statuses = [(await put(session, engine, update(a=float(n))))[0] for n in range(5)]
    assert statuses == [201, 201, 201, 429, 429]
    async with session.get(url(engine, "/v1/status")) as response:
        assert response.status == 429
        assert response.headers["Retry-After"] == "1"
        assert await response.read() == b'{"error": "too many requests", "status": "error"}'
    clock.advance(1.0)
    assert (await put(session, engine, update(a=9.0)))[0] == 201
    assert recorder.values(HOST, "a") == [0.0, 1.0, 2.0, 9.0]


async def test_rate_limit_off(start_engine: EngineFactory, session: aiohttp.ClientSession) -> None:
    engine = await start_engine(rate=0)
    statuses = {(await put(session, engine, update(a=float(n))))[0] for n in range(30)}
    assert statuses == {201}


async def test_python3_host_defect_logged_once_at_info(
    start_engine: EngineFactory,
    session: aiohttp.ClientSession,
    recorder: Recorder,
    caplog: pytest.LogCaptureFixture,
) -> None:
    engine = await start_engine()
    for _ in range(3):
        assert await put(session, engine, {"host_id": "uuid.getnode_b827eb1a2b3c", "sensors": {}}) == (
            422,
            b'{"error": "sensors field must not be empty", "status": "error"}',
            "application/json",
        )
    infos = [record for record in caplog.records if "sends no readings" in record.getMessage()]
    assert len(infos) == 1
    assert infos[0].levelno == logging.INFO
    assert recorder.calls == []
    assert engine.diagnostics()["hosts_sending_empty_sensors"] == ["'uuid.getnode_b827eb1a2b3c'"]


async def test_sensors_age_and_host_is_lost(
    start_engine: EngineFactory, session: aiohttp.ClientSession, recorder: Recorder
) -> None:
    engine = await start_engine(default_interval=0.05, min_interval=0.01)
    assert (await put(session, engine, update(a=1.0, b=2.0)))[0] == 201
    await recorder.wait_for(lambda: bool(recorder.of("node_lost")))
    assert recorder.of("point_unavailable") == [(HOST, "a"), (HOST, "b")]
    assert recorder.of("node_lost") == [HOST]
    assert engine.sensors_document()["hosts"][0]["online"] is False

    # Back with one sensor: announced again, the missing one reported unavailable at once.
    recorder.calls.clear()
    assert (await put(session, engine, update(a=3.0)))[0] == 201
    assert [name for name, _ in recorder.calls[:3]] == ["node_seen", "points_seen", "point_unavailable"]
    assert recorder.of("point_unavailable") == [(HOST, "b")]
    assert recorder.values(HOST, "a") == [3.0]


async def test_sensor_omitted_goes_stale_while_host_stays(
    start_engine: EngineFactory, session: aiohttp.ClientSession, recorder: Recorder, clock: FakeClock
) -> None:
    """Real timers: b is last read at 0 s (stale at 0.6 s); a and the host keep going every 0.2 s."""
    engine = await start_engine(default_interval=0.2, min_interval=0.01, stale_intervals=3)
    assert (await put(session, engine, update(a=1.0, b=2.0)))[0] == 201
    for value in (1.5, 2.5, 3.5, 4.5, 5.5):
        await asyncio.sleep(0.2)
        clock.advance(0.2)
        assert (await put(session, engine, update(a=value)))[0] == 201
    assert recorder.of("point_unavailable") == [(HOST, "b")]
    assert recorder.of("node_lost") == []
    assert engine.sensors_document()["hosts"][0]["interval"] == pytest.approx(0.2)


async def test_interval_is_learnt_from_spacing(
    start_engine: EngineFactory, session: aiohttp.ClientSession, clock: FakeClock
) -> None:
    engine = await start_engine()
    for spacing in (0, 30, 30, 90, 30, 30):  # one missed PUT (90 s) does not move the median
        clock.advance(spacing)
        assert (await put(session, engine, update(a=float(spacing))))[0] == 201
    assert engine.sensors_document()["hosts"][0]["interval"] == 30.0
    clock.advance(10_000)
    assert (await put(session, engine, update(a=1.0)))[0] == 201
    assert engine.sensors_document()["hosts"][0]["interval"] == 30.0  # median of the last five
    for _ in range(5):
        clock.advance(100_000)
        await put(session, engine, update(a=1.0))
    assert engine.sensors_document()["hosts"][0]["interval"] == 3600.0


async def test_alias_change_renames_the_point(
    start_engine: EngineFactory, session: aiohttp.ClientSession, recorder: Recorder
) -> None:
    engine = await start_engine()
    await put(session, engine, {"host_id": "h", "sensors": {"s": {"value": 1.0}}})
    await put(session, engine, {"host_id": "h", "sensors": {"s": {"value": 1.0, "alias": "hall"}}})
    await put(session, engine, {"host_id": "h", "sensors": {"s": {"value": 1.5, "alias": "hall"}}})
    assert recorder.of("points_seen") == [("h", [LAST_UPDATE_KEY, "s"]), ("h", ["s"])]
    assert recorder.points["h"]["s"].name == "hall"


@pytest.mark.allow_pyiot_warnings
async def test_limits_on_hosts_and_sensors(
    start_engine: EngineFactory, session: aiohttp.ClientSession, recorder: Recorder
) -> None:
    engine = await start_engine(max_hosts=2, max_sensors_per_host=2, default_interval=0.05, min_interval=0.01)
    assert (await put(session, engine, update("h1", a=1.0, b=1.0, c=1.0)))[0] == 400  # partial: c
    assert list(recorder.points["h1"]) == [LAST_UPDATE_KEY, "a", "b"]
    assert (await put(session, engine, update("h2", a=1.0)))[0] == 201
    await recorder.wait_for(lambda: len(recorder.of("node_lost")) == 2)
    assert (await put(session, engine, update("h2", a=1.0)))[0] == 201
    # h1 is offline and silent longest: forgotten to make room for h3.
    assert (await put(session, engine, update("h3", a=1.0)))[0] == 201
    assert [host["host_id"] for host in engine.sensors_document()["hosts"]] == ["h2", "h3"]
    assert await put(session, engine, update("h4", a=1.0)) == (
        422,
        b'{"error": "too many sensor hosts", "status": "error"}',
        "application/json",
    )


async def test_restored_host_reports_missing_sensors_unavailable(
    start_engine: EngineFactory, session: aiohttp.ClientSession, recorder: Recorder
) -> None:
    engine = await start_engine(max_hosts=1)
    engine.restore_host("h", [sensor_point("a", None), sensor_point("gone", "old")])
    engine.restore_host("h", [])  # known already: ignored
    engine.restore_host("other", [])  # no room: ignored
    assert [host["host_id"] for host in engine.sensors_document()["hosts"]] == ["h"]
    assert (await put(session, engine, update("h", a=20.0)))[0] == 201
    assert recorder.of("points_seen") == [("h", [LAST_UPDATE_KEY, "a", "gone"])]
    assert recorder.of("point_unavailable") == [("h", "gone")]
    assert recorder.points["h"]["gone"].name == "old"


async def test_start_stop_and_port_conflict(
    start_engine: EngineFactory, session: aiohttp.ClientSession
) -> None:
    engine = await start_engine()
    await engine.async_start()  # already running: nothing happens
    assert engine.running
    with pytest.raises(OSError):  # noqa: PT011
        await start_engine(port=engine.port)
    port = engine.port
    await engine.async_stop()
    assert not engine.running
    assert engine.port == 0
    with pytest.raises(aiohttp.ClientConnectionError):
        await session.get(f"http://127.0.0.1:{port}/")
    with pytest.raises(Exception, match="read-only"):
        await engine.async_write("h", "a", 1)


@pytest.mark.allow_pyiot_warnings
async def test_client_gone_mid_body(start_engine: EngineFactory, recorder: Recorder) -> None:
    engine = await start_engine()
    _, writer = await asyncio.open_connection("127.0.0.1", engine.port)
    writer.write(b"PUT /v1/sensors/update HTTP/1.1\r\nHost: x\r\nContent-Length: 100\r\n\r\n{")
    await writer.drain()
    await asyncio.sleep(0.05)
    writer.transport.abort()
    for _ in range(100):
        if engine.diagnostics()["problems"]:
            break
        await asyncio.sleep(0.01)
    assert engine.diagnostics()["problems"] == {"unreadable": 1}
    assert recorder.calls == []


async def test_host_lost_reports_fresh_sensors_first(
    start_engine: EngineFactory, session: aiohttp.ClientSession, recorder: Recorder
) -> None:
    """Sensor timers fire before the host's; if a clock quirk reversed that, the sensors still go first."""
    engine = await start_engine()
    await put(session, engine, update(a=1.0))
    host = engine._hosts[HOST]
    assert host.loss_timer is not None
    host.loss_timer.cancel()
    engine._host_lost(host)
    assert [name for name, _ in recorder.calls[-2:]] == ["point_unavailable", "node_lost"]
    await engine.async_stop()


async def test_defect_notes_are_bounded(
    start_engine: EngineFactory, session: aiohttp.ClientSession, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(engine_module, "MAX_REMEMBERED_DEFECTS", 1)
    engine = await start_engine()
    for host in ("h1", "h2", "h2"):
        await put(session, engine, {"host_id": host, "sensors": {}})
    assert engine.diagnostics()["hosts_sending_empty_sensors"] == ["'h1'"]


@pytest.mark.allow_pyiot_warnings
def test_http_logger(caplog: pytest.LogCaptureFixture) -> None:
    logger = logging.getLogger("custom_components.pyiot.test_http")
    http_logger = engine_module._HttpLogger(logger, OncePerSourceLogger(logger))
    with caplog.at_level(logging.DEBUG, logger.name):
        http_logger.debug("quiet %s", 1)
        for _ in range(2):
            http_logger.exception(  # noqa: LOG004
                "Error handling request from %s", "10.0.0.9", exc_info=BadHttpMessage("bad")
            )
    assert [(record.levelno, record.getMessage()) for record in caplog.records] == [
        (logging.DEBUG, "quiet 1"),
        (logging.WARNING, "Dropped input from 10.0.0.9 (bad_http): 400: bad"),
        (logging.DEBUG, "Dropped input from 10.0.0.9 (bad_http): 400: bad"),
    ]


@pytest.mark.allow_pyiot_warnings
def test_http_logger_passes_other_problems_on(caplog: pytest.LogCaptureFixture) -> None:
    logger = logging.getLogger("custom_components.pyiot.test_http")
    http_logger = engine_module._HttpLogger(logger, OncePerSourceLogger(logger))
    http_logger.warning("careful")
    http_logger.exception("Unhandled exception", exc_info=RuntimeError("boom"))  # noqa: LOG004
    assert [(record.levelno, record.getMessage()) for record in caplog.records] == [
        (logging.WARNING, "careful"),
        (logging.ERROR, "Unhandled exception"),
    ]
