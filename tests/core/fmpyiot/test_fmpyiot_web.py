"""The device's web API against the simulator's raw HTTP server on loopback, quirks included."""

import asyncio
from collections.abc import AsyncIterator

import aiohttp
from aiohttp import web as aiohttp_web
import pytest

from custom_components.pyiot.core.nodes.model import PointKind, WriteError
from custom_components.pyiot.core.protocols.fmpyiot import (
    DeviceSettings,
    FmPyIotWeb,
    GatewaySettings,
    WebAuthError,
    WebConnectError,
    WebError,
    WebResponseError,
    WebSettings,
    WebTimeoutError,
)
from tests.core.fmpyiot.fmpyiot_helpers import (
    FmPyIotListener,
    device_on,
    gateway_on,
    identified,
    unique_prefix,
    wait_until,
)
from tests.support.aiomqtt_link import AiomqttLink
from tests.support.manual_clock import ManualClock
from tests.support.mosquitto import Mosquitto, free_port
from tools.simulators.fmpyiot_device import make_device
from tools.simulators.fmpyiot_web import NanowebServer

CREDENTIALS = ("admin", "secret")


@pytest.fixture
async def session(socket_enabled: None) -> AsyncIterator[aiohttp.ClientSession]:
    async with aiohttp.ClientSession() as session:
        yield session


@pytest.fixture
async def server(socket_enabled: None) -> AsyncIterator[NanowebServer]:
    server = NanowebServer(make_device(0, prefix=unique_prefix("WEB")), credentials=CREDENTIALS)
    await server.start()
    yield server
    await server.stop()


def client(
    session: aiohttp.ClientSession,
    server: NanowebServer,
    *,
    password: str | None = CREDENTIALS[1],
    **options: float,
) -> FmPyIotWeb:
    return FmPyIotWeb(
        session,
        "127.0.0.1",
        server.port,
        username="admin" if password else None,
        password=password,
        **options,
    )


async def raw_request(port: int, request: bytes) -> bytes:
    reader, writer = await asyncio.open_connection("127.0.0.1", port)
    writer.write(request)
    await writer.drain()
    answer = await reader.read()
    writer.close()
    return answer


async def test_the_fingerprint_needs_no_credentials(
    session: aiohttp.ClientSession, server: NanowebServer
) -> None:
    assert await client(session, server, password=None).async_hello() == "FmPyIot SIM 0"
    server.device.name = ""
    assert await client(session, server, password=None).async_hello() == ""


async def test_the_servers_http_is_as_minimal_as_upstreams(server: NanowebServer) -> None:
    answer = await raw_request(server.port, b"GET /api/hello HTTP/1.1\r\nHost: x\r\n\r\n")
    assert answer == b"HTTP/1.1 200 OK\r\n\r\nFmPyIOT/FmPyIot SIM 0"
    lowercase = await raw_request(
        server.port, b"GET /api/topics HTTP/1.1\r\nauthorization: Basic YWRtaW46c2VjcmV0\r\n\r\n"
    )
    assert lowercase.startswith(b"HTTP/1.1 401 Unauthorized\r\n"), "header names are read case-sensitively"
    proper = await raw_request(
        server.port, b"GET /api/topics HTTP/1.1\r\nAuthorization: Basic YWRtaW46c2VjcmV0\r\n\r\n"
    )
    assert proper.startswith(b"HTTP/1.1 200 OK\r\n\r\n<div>")
    assert b"Content-Length" not in proper
    query = await raw_request(server.port, b"GET /api/hello?x=1 HTTP/1.1\r\n\r\n")
    assert query == b"HTTP/1.1 404 File Not Found\r\n\r\n<h1>File Not Found</h1>"


async def test_status_and_topics(session: aiohttp.ClientSession, server: NanowebServer) -> None:
    web = client(session, server)
    status = await web.async_status()
    assert status["./temperature"].html_id == "T__temperature"
    assert status["./SYSINFO"].payload["mac"] == server.device.mac
    assert status["./door"].payload is False
    assert status["/CO_TEST"].payload == 42
    topics = await web.async_topics()
    assert "./temperature" in topics.readers
    assert "/FmPyIOT/datetime_" in topics.readers
    assert {"T__LED", "T__relay", "T__SET_PARAMS", "T_FmPyIOT_datetime", "T__WATCHDOG"} <= set(
        topics.action_ids
    )
    actions, unresolved = topics.actions(["./WATCHDOG"])
    assert actions["T__LED"] == "./LED"
    assert actions["T__WATCHDOG"] == "./WATCHDOG"
    assert unresolved == ("T_FmPyIOT_datetime",)
    assert await web.async_validate() == "FmPyIot SIM 0"


async def test_actions_report_the_status_inside_the_body(
    session: aiohttp.ClientSession, server: NanowebServer
) -> None:
    web = client(session, server)
    await web.async_run_action("./LED", "")
    assert server.device.led
    await web.async_run_action("./SET_PARAMS", {"push_duration": "1.5"}, topic="")
    assert server.device.params["push_duration"] == "1.5"  # the web page writes text
    with pytest.raises(WebResponseError, match="400 Erreur") as caught:
        await web.async_run_action("./nothing", "")
    assert caught.value.key == "action_failed"


async def test_reboot_logging_level_and_log(session: aiohttp.ClientSession, server: NanowebServer) -> None:
    rebooted = asyncio.Event()

    async def on_reboot() -> None:
        rebooted.set()

    server.on_reboot = on_reboot
    web = client(session, server)
    await web.async_reboot()
    await asyncio.wait_for(rebooted.wait(), 5)
    await web.async_set_logging_level(40)
    assert server.device.logging_level == 40
    with pytest.raises(ValueError, match="logging level"):
        await web.async_set_logging_level(11)
    assert "FmPyIOT start." in await client(session, server, password=None).async_logs()


@pytest.mark.parametrize(("password", "key"), [(None, "invalid_auth"), ("wrong", "invalid_auth")])
async def test_refused_credentials_are_a_typed_error(
    session: aiohttp.ClientSession, server: NanowebServer, password: str | None, key: str
) -> None:
    with pytest.raises(WebAuthError) as caught:
        await client(session, server, password=password).async_status()
    assert caught.value.key == key


async def test_errors_timeouts_and_bad_pages(session: aiohttp.ClientSession, server: NanowebServer) -> None:
    server.status_error = True
    with pytest.raises(WebResponseError) as caught:
        await client(session, server).async_status()
    assert caught.value.key == "http_500"
    server.status_error = False
    server.bad_html = True
    with pytest.raises(WebResponseError) as caught:
        await client(session, server).async_topics()
    assert caught.value.key == "bad_html"
    server.bad_html = False
    server.hang = True
    with pytest.raises(WebTimeoutError):
        await client(session, server, timeout=0.2).async_hello()
    server.hang = False
    with pytest.raises(WebConnectError):
        await FmPyIotWeb(session, "127.0.0.1", free_port()).async_hello()


async def test_a_server_that_is_not_fmpyiot(session: aiohttp.ClientSession, socket_enabled: None) -> None:
    async def hello(_request: aiohttp_web.Request) -> aiohttp_web.Response:
        return aiohttp_web.Response(text="Hello world")

    async def huge(_request: aiohttp_web.Request) -> aiohttp_web.Response:
        return aiohttp_web.Response(body=b"x" * (300 * 1024))

    async def not_json(_request: aiohttp_web.Request) -> aiohttp_web.Response:
        return aiohttp_web.Response(text="[1, 2]")

    async def broken(request: aiohttp_web.Request) -> aiohttp_web.StreamResponse:
        request.transport.write(b"HTTP/1.1 200 OK\r\nContent-Length: 10\r\n\r\nabc")  # type: ignore[union-attr]
        request.transport.close()  # type: ignore[union-attr]
        return aiohttp_web.Response()

    app = aiohttp_web.Application()
    app.router.add_get("/api/hello", hello)
    app.router.add_get("/api/logs", huge)
    app.router.add_get("/api/status", not_json)
    app.router.add_get("/api/topics", broken)
    runner = aiohttp_web.AppRunner(app)
    await runner.setup()
    port = free_port()
    await aiohttp_web.TCPSite(runner, "127.0.0.1", port).start()
    try:
        web = FmPyIotWeb(session, "127.0.0.1", port, username="u", password=CREDENTIALS[1])
        with pytest.raises(WebResponseError) as caught:
            await web.async_hello()
        assert caught.value.key == "not_fmpyiot"
        with pytest.raises(WebResponseError) as caught:
            await web.async_logs()
        assert caught.value.key == "too_large"
        with pytest.raises(WebResponseError) as caught:
            await web.async_status()
        assert caught.value.key == "bad_json"
        with pytest.raises(WebError):
            await web.async_topics()
    finally:
        await runner.cleanup()


def test_remote_code_execution_is_not_exposed() -> None:
    public = {name for name in dir(FmPyIotWeb) if not name.startswith("_")}
    assert not {
        name
        for name in public
        if any(word in name for word in ("repl", "upload", "delete", "download", "exec", "cmd"))
    }
    assert FmPyIotWeb.credentials_problem("admin", "se:cret") == "colon_in_credentials"
    assert FmPyIotWeb.credentials_problem("admin", "secret") is None
    with pytest.raises(ValueError, match="':'"):
        FmPyIotWeb(None, "h", username="a:b")  # type: ignore[arg-type]


async def test_the_gateway_reads_the_web_api_of_a_device(
    broker: Mosquitto,
    link: AiomqttLink,
    listener: FmPyIotListener,
    clock: ManualClock,
    session: aiohttp.ClientSession,
) -> None:
    device = make_device(0, prefix=unique_prefix("GWWEB"))
    async with device_on(broker, device, web=True) as runner:
        assert runner.web is not None
        settings = GatewaySettings(
            devices={
                device.mac: DeviceSettings(
                    web=WebSettings(
                        username="admin", password=CREDENTIALS[1], port=runner.web.port, host="127.0.0.1"
                    )
                )
            }
        )
        async with gateway_on(link, listener, clock=clock, settings=settings, web_session=session) as gateway:
            node_id = await identified(listener, runner)
            await listener.wait_for(lambda: "action#./LED" in listener.points.get(node_id, {}))
            await listener.wait_for(lambda: listener.last(node_id, "/CO_TEST") == 42)
            points = listener.points[node_id]
            assert points["web#reboot"].kind is PointKind.BUTTON
            assert points["web#logging_level"].kind is PointKind.SELECT
            assert points["./temperature"].device_class == "temperature"
            assert {points[f"action#./{name}"].kind for name in ("LED", "relay", "message", "speed")} == {
                PointKind.BUTTON
            }
            assert not [
                key
                for key in points
                if key.startswith(
                    ("./SYSINFO", "./PARAMS", "./WATCHDOG", "action#./SET_PARAM", "action#/FmPyIOT")
                )
            ]
            assert listener.nodes()[node_id].configuration_url == f"http://127.0.0.1:{runner.web.port}/"
            assert listener.last(node_id, "web#logging_level") == "debug"
            await gateway.async_write(node_id, "web#logging_level", "error")
            assert device.logging_level == 40
            with pytest.raises(WriteError, match="logging level"):
                await gateway.async_write(node_id, "web#logging_level", "loud")
            assert "FmPyIOT start." in (await gateway.async_device_log(node_id) or "")
            device.temperature = 19.0
            await runner.publish_value("/CO_TEST")
            await gateway.async_write(node_id, "action#./LED", None)
            await wait_until(lambda: device.led)
            await gateway.async_write(node_id, "web#reboot", None)
            await listener.wait_for(lambda: listener.lost(node_id) == 1)
            await runner.connected.wait()
            await gateway.async_read_web(node_id)
            diagnostics = gateway.diagnostics()["devices"][0]["web"]
            assert diagnostics["name"] == "FmPyIot SIM 0"
            assert diagnostics["unresolved_actions"] == []


@pytest.mark.allow_pyiot_warnings
async def test_refused_web_credentials_ask_for_reauthentication(
    broker: Mosquitto,
    link: AiomqttLink,
    listener: FmPyIotListener,
    clock: ManualClock,
    session: aiohttp.ClientSession,
) -> None:
    device = make_device(1, prefix=unique_prefix("AUTH"))
    refused: list[str] = []
    async with device_on(broker, device, web=True) as runner:
        assert runner.web is not None
        web = WebSettings(username="admin", password=CREDENTIALS[0], port=runner.web.port, host="127.0.0.1")
        settings = GatewaySettings(devices={device.mac: DeviceSettings(web=web)})
        async with gateway_on(
            link,
            listener,
            clock=clock,
            settings=settings,
            web_session=session,
            on_web_auth_error=refused.append,
        ) as gateway:
            node_id = await identified(listener, runner)
            await wait_until(lambda: refused == [node_id])
            assert gateway.diagnostics()["devices"][0]["web"]["failed"] == "invalid_auth"
            with pytest.raises(WriteError, match="refused the credentials"):
                await gateway.async_write(node_id, "web#reboot", None)
            assert refused == [node_id, node_id]
            assert "web#reboot" not in listener.points[node_id]


async def test_without_credentials_the_web_server_is_only_found(
    broker: Mosquitto,
    link: AiomqttLink,
    listener: FmPyIotListener,
    clock: ManualClock,
    session: aiohttp.ClientSession,
) -> None:
    device = make_device(2, prefix=unique_prefix("PROBE"))
    async with device_on(broker, device, web=True) as runner:
        assert runner.web is not None
        settings = GatewaySettings(
            devices={device.mac: DeviceSettings(web=WebSettings(port=runner.web.port))}
        )
        async with gateway_on(link, listener, clock=clock, settings=settings, web_session=session) as gateway:
            node_id = await identified(listener, runner)
            await listener.wait_for(lambda: listener.nodes()[node_id].configuration_url is not None)
            assert [path for _, path, _ in runner.web.requests] == ["/api/hello"]
            with pytest.raises(WriteError, match="no web API configured"):
                await gateway.async_write(node_id, "web#reboot", None)
    device = make_device(4, prefix=unique_prefix("NOHOST"))
    async with device_on(broker, device, web=True) as runner:
        assert runner.web is not None
        no_host = WebSettings(username="admin", password=CREDENTIALS[1], port=runner.web.port)
        settings = GatewaySettings(devices={device.mac: DeviceSettings(web=no_host)})
        async with gateway_on(link, listener, clock=clock, settings=settings, web_session=session) as gateway:
            node_id = await identified(listener, runner)
            await gateway.async_read_web(node_id)
            assert runner.web.requests == [], "credentials never go to the address a SYSINFO names"
    no_web = make_device(3, prefix=unique_prefix("NOWEB"))
    async with (
        device_on(broker, no_web) as runner,
        gateway_on(link, listener, clock=clock, web_session=session) as gateway,
    ):
        node_id = await identified(listener, runner)
        await wait_until(lambda: gateway.diagnostics()["devices"][0]["web"]["failed"] is not None)
        assert listener.nodes()[node_id].configuration_url is None
        assert await gateway.async_device_log(node_id) is None
