"""The remote client against the simulated upstream server (and raw servers) on loopback."""

import asyncio
from collections.abc import AsyncIterator, Awaitable, Callable
import contextlib
import logging
import time

import aiohttp
from aiohttp import web
import pytest

from custom_components.pyiot.core.iotpy import IotpyWriteError, WriteProblem
from custom_components.pyiot.core.protocols.iotpy import (
    AddressError,
    FetchProblem,
    IotpyServerClient,
    IotpyServerError,
    ServerAddress,
    ServerFormat,
)
from tests.support.mosquitto import free_port
from tools.simulators.iotpy_server import IotpyServerSim, bulk_device, default_devices


def client_for(
    session: aiohttp.ClientSession, url: str, prefix: str = "", **options: float
) -> IotpyServerClient:
    return IotpyServerClient(session, ServerAddress.parse(url, prefix), **options)  # type: ignore[arg-type]


async def test_fetch_reads_every_variable(session: aiohttp.ClientSession, simulator: IotpyServerSim) -> None:
    fetched = await client_for(session, simulator.url).fetch()
    document = fetched.document
    assert document.format is ServerFormat.SUMMARIES
    assert list(document.variables)[:3] == ["test0", "test1", "alwais_fail"]
    assert document.variables["numeric_text"].value == "3.5"
    assert document.variables["never_set"].status == 0
    assert fetched.server_time_ms is not None
    assert abs(fetched.server_time_ms - time.time() * 1000) < 5000
    assert simulator.requests[("GET", "/variables")] == 1


async def test_proxy_prefix(session: aiohttp.ClientSession, socket_enabled: None) -> None:
    sim = IotpyServerSim(prefix="iot", period=None)
    await sim.start()
    try:
        for prefix in ("iot", "/iot/", " iot"):
            assert (await client_for(session, sim.url, prefix).fetch()).document.variables
        with pytest.raises(IotpyServerError) as caught:
            await client_for(session, sim.url).fetch()
        assert (caught.value.key, caught.value.status) == (FetchProblem.NOT_FOUND, 404)
        await client_for(session, sim.url, "iot").write("setpoint", 19)
        assert sim.devices[1].variables["setpoint"].value == 19
    finally:
        await sim.stop()
    assert sim.requests[("POST", "/iot/write")] == 1


async def test_legacy_server(session: aiohttp.ClientSession, socket_enabled: None) -> None:
    sim = IotpyServerSim(legacy=True, period=None)
    await sim.start()
    try:
        document = (await client_for(session, sim.url).fetch()).document
    finally:
        await sim.stop()
    assert document.format is ServerFormat.LEGACY_MAP
    assert document.variables["test0"].status is None


async def test_many_variables(session: aiohttp.ClientSession, socket_enabled: None) -> None:
    sim = IotpyServerSim(default_devices(500), period=None)
    await sim.start()
    try:
        document = (await client_for(session, sim.url).fetch()).document
    finally:
        await sim.stop()
    assert len(document.variables) == 511


async def test_writes_trust_the_status(session: aiohttp.ClientSession, simulator: IotpyServerSim) -> None:
    client = client_for(session, simulator.url)
    await client.write("setpoint", 21.5)
    await client.write("relay", True)
    actuators = simulator.devices[1]
    assert actuators.variables["setpoint"].value == 21.5
    assert actuators.variables["relay"].value is True
    assert simulator.write_bodies[-1] == b'{"name": "relay", "value": true}'
    for name, value, key, status in (
        ("refusing", 1, WriteProblem.WRITE_REFUSED, 400),
        ("relay", 2, WriteProblem.WRITE_REFUSED, 400),
        ("exploding", 1, WriteProblem.WRITE_FAILED, 500),
        ("nothing", 1, WriteProblem.UNKNOWN_VARIABLE, 404),
    ):
        with pytest.raises(IotpyWriteError) as caught:
            await client.write(name, value)
        assert (caught.value.key, caught.value.status) == (key, status), name
    requests = len(simulator.write_bodies)
    for value in ("7", None, float("nan"), [1]):
        with pytest.raises(IotpyWriteError) as caught:
            await client.write("setpoint", value)
        assert caught.value.key is WriteProblem.BAD_VALUE
    assert len(simulator.write_bodies) == requests, "nothing upstream would refuse is sent"


async def test_a_200_whose_body_says_failure_is_a_success_and_vice_versa(
    session: aiohttp.ClientSession, simulator: IotpyServerSim
) -> None:
    client = client_for(session, simulator.url)
    simulator.override = lambda request: web.json_response({"success": False, "error": "x"}, status=200)
    await client.write("setpoint", 1)
    simulator.override = lambda request: web.json_response({"success": True, "error": ""}, status=400)
    with pytest.raises(IotpyWriteError) as caught:
        await client.write("setpoint", 1)
    assert caught.value.key is WriteProblem.WRITE_REFUSED
    simulator.override = lambda request: web.Response(status=503, text="busy")
    with pytest.raises(IotpyWriteError) as caught:
        await client.write("setpoint", 1)
    assert (caught.value.key, caught.value.status) == (WriteProblem.UNEXPECTED_STATUS, 503)
    simulator.override = lambda request: web.Response(status=200, body=b"x" * 200_000)
    await client.write("setpoint", 1)


@pytest.mark.parametrize(
    ("response", "key"),
    [
        (
            lambda: web.Response(
                status=200, text="<html><body>Router login</body></html>", content_type="text/html"
            ),
            FetchProblem.HTML,
        ),
        (
            lambda: web.Response(
                status=200, body=b"  <!DOCTYPE html><p>x</p>", content_type="application/json"
            ),
            FetchProblem.HTML,
        ),
        (
            lambda: web.Response(
                status=200, body=b'[{"name": "a", "value": 1, "descr', content_type="application/json"
            ),
            FetchProblem.NOT_JSON,
        ),
        (
            lambda: web.Response(status=200, body=b'{"a": {"b": 1}}', content_type="application/json"),
            FetchProblem.NOT_IOTPY,
        ),
        (
            lambda: web.Response(status=200, body=b"\xff\xfe", content_type="application/json"),
            FetchProblem.NOT_UTF8,
        ),
        (
            lambda: web.Response(status=500, text="Processing Failed", content_type="text/html"),
            FetchProblem.HTTP_STATUS,
        ),
        (lambda: web.Response(status=302, headers={"Location": "/restart"}), FetchProblem.REDIRECT),
    ],
)
async def test_answers_that_are_not_variables(
    session: aiohttp.ClientSession,
    simulator: IotpyServerSim,
    response: Callable[[], web.Response],
    key: FetchProblem,
) -> None:
    simulator.override = lambda request: response()
    with pytest.raises(IotpyServerError) as caught:
        await client_for(session, simulator.url).fetch()
    assert caught.value.key is key
    simulator.override = None
    assert (await client_for(session, simulator.url).fetch()).document.variables


async def test_slow_server_times_out(session: aiohttp.ClientSession, simulator: IotpyServerSim) -> None:
    simulator.delay = 2.0
    client = client_for(session, simulator.url, timeout=0.05, write_timeout=0.05)
    with pytest.raises(IotpyServerError) as caught:
        await client.fetch()
    assert caught.value.key is FetchProblem.TIMEOUT
    with pytest.raises(IotpyWriteError) as written:
        await client.write("setpoint", 1)
    assert written.value.key is WriteProblem.WRITE_TIMEOUT


async def test_nobody_listening(session: aiohttp.ClientSession, socket_enabled: None) -> None:
    client = client_for(session, f"http://127.0.0.1:{free_port()}")
    with pytest.raises(IotpyServerError) as caught:
        await client.fetch()
    assert caught.value.key is FetchProblem.CANNOT_CONNECT
    with pytest.raises(IotpyWriteError) as written:
        await client.write("x", 1)
    assert written.value.key is WriteProblem.CANNOT_CONNECT


@contextlib.asynccontextmanager
async def raw_server(
    handle: Callable[[asyncio.StreamReader, asyncio.StreamWriter], Awaitable[None]],
) -> AsyncIterator[str]:
    server = await asyncio.start_server(handle, "127.0.0.1", 0)
    try:
        yield f"http://127.0.0.1:{server.sockets[0].getsockname()[1]}"
    finally:
        server.close()
        await server.wait_closed()


async def read_request(reader: asyncio.StreamReader) -> None:
    while await reader.readline() not in {b"\r\n", b""}:
        pass


async def test_a_body_that_breaks_off_is_truncated(
    session: aiohttp.ClientSession, socket_enabled: None
) -> None:
    async def handle(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        await read_request(reader)
        writer.write(
            b'HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nContent-Length: 1000\r\n\r\n[{"name"'
        )
        await writer.drain()
        writer.close()

    async with raw_server(handle) as url:
        with pytest.raises(IotpyServerError) as caught:
            await client_for(session, url).fetch()
    assert caught.value.key is FetchProblem.TRUNCATED


async def test_a_50_mb_body_is_not_read_whole(session: aiohttp.ClientSession, socket_enabled: None) -> None:
    sent = [0]
    total = 50 * 1024 * 1024
    chunk = b"[" + b" " * (64 * 1024 - 1)

    async def handle(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        await read_request(reader)
        writer.write(
            b"HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nTransfer-Encoding: chunked\r\n\r\n"
        )
        with contextlib.suppress(ConnectionError):
            while sent[0] < total:
                writer.write(b"%x\r\n%s\r\n" % (len(chunk), chunk))
                sent[0] += len(chunk)
                await writer.drain()
        writer.close()

    async with raw_server(handle) as url:
        with pytest.raises(IotpyServerError) as caught:
            await client_for(session, url).fetch()
        assert caught.value.key is FetchProblem.TOO_LARGE
        await asyncio.sleep(0.1)
    assert sent[0] < total / 2


async def test_an_announced_large_body_is_refused_at_once(
    session: aiohttp.ClientSession, socket_enabled: None
) -> None:
    async def handle(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        await read_request(reader)
        writer.write(
            b"HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nContent-Length: 52428800\r\n\r\n["
        )
        with contextlib.suppress(ConnectionError):
            await writer.drain()
        writer.close()

    async with raw_server(handle) as url:
        with pytest.raises(IotpyServerError) as caught:
            await client_for(session, url, max_body=1000).fetch()
    assert caught.value.key is FetchProblem.TOO_LARGE


@pytest.mark.parametrize(
    ("url", "prefix", "variables"),
    [
        ("http://host", "", "http://host:8085/variables"),
        ("host:9000", "", "http://host:9000/variables"),
        ("https://host/", "", "https://host/variables"),
        ("http://host:8085/proxied/", "iot", "http://host:8085/proxied/iot/variables"),
        ("http://10.0.0.5:8085", "/iot/", "http://10.0.0.5:8085/iot/variables"),
    ],
)
def test_server_address(url: str, prefix: str, variables: str) -> None:
    address = ServerAddress.parse(url, prefix)
    assert str(address.variables_url) == variables
    assert str(address.write_url) == variables.replace("/variables", "/write")
    assert str(address) == variables.removesuffix("/variables")


@pytest.mark.parametrize(
    ("url", "prefix", "key"),
    [
        ("ftp://host", "", "invalid_url"),
        ("http://", "", "invalid_url"),
        ("http://host/?a=1", "", "invalid_url"),
        ("http://host/#x", "", "invalid_url"),
        ("http://host:99999", "", "invalid_url"),
        ("http://host", "a/b", "invalid_prefix"),
        ("http://host", "..", "invalid_prefix"),
        ("http://host", "a?b", "invalid_prefix"),
    ],
)
def test_bad_server_address(url: str, prefix: str, key: str) -> None:
    with pytest.raises(AddressError) as caught:
        ServerAddress.parse(url, prefix)
    assert caught.value.key == key


@pytest.mark.allow_pyiot_warnings
async def test_skipped_entries_are_logged_once(
    session: aiohttp.ClientSession, simulator: IotpyServerSim, caplog: pytest.LogCaptureFixture
) -> None:
    simulator.override = lambda request: web.json_response([{"name": 5}, {"name": "ok", "value": 1}])
    client = client_for(session, simulator.url)
    for _ in range(3):
        assert list((await client.fetch()).document.variables) == ["ok"]
    warnings = [
        r for r in caplog.records if r.levelno >= logging.WARNING and "skipped_variable" in r.getMessage()
    ]
    assert len(warnings) == 1


async def test_the_bulk_simulator_variables_move(
    session: aiohttp.ClientSession, socket_enabled: None
) -> None:
    sim = IotpyServerSim([bulk_device(5)], period=None, seed=3)
    await sim.start()
    try:
        client = client_for(session, sim.url)
        first = (await client.fetch()).document.variables["v000"].value
        for _ in range(20):
            sim.tick()
        second = (await client.fetch()).document.variables["v000"].value
    finally:
        await sim.stop()
    assert first != second
    assert 15.0 <= second <= 25.0  # type: ignore[operator]
