"""The simulator answers as upstream's Twisted server (iotpy.md §4, §5, §8)."""

import asyncio
import json
import math
import sys

import aiohttp
import pytest

from tools.simulators.iotpy_server import (
    PROCESSING_FAILED,
    SERVER_HEADER,
    IotpyServerSim,
    SimDevice,
    SimVariable,
    go_float,
)


async def request(
    session: aiohttp.ClientSession, method: str, url: str, body: bytes | None = None
) -> tuple[int, bytes, aiohttp.typedefs.LooseHeaders]:
    async with session.request(method, url, data=body, allow_redirects=False) as response:
        return response.status, await response.read(), response.headers


async def test_routes(session: aiohttp.ClientSession, simulator: IotpyServerSim) -> None:
    url = simulator.url
    status, body, headers = await request(session, "GET", f"{url}/variables")
    assert (status, headers["Content-Type"], headers["Server"]) == (200, "application/json", SERVER_HEADER)
    assert body.startswith(b'[{"name": "test0", "value": ')
    assert b'"name": "not_finite", "value": NaN' in body
    assert b'"value": Infinity' in body
    assert (await request(session, "GET", f"{url}/variables/"))[1][:20] == body[:20]
    status, body, headers = await request(session, "POST", f"{url}/variables")
    assert (status, headers["Allow"], headers["Content-Type"]) == (
        405,
        "HEAD, GET",
        "text/html; charset=utf-8",
    )
    assert b'with the method "POST".  I only allow the methods HEAD, GET here.' in body
    status, body, headers = await request(session, "GET", f"{url}/write")
    assert (status, headers["Allow"]) == (405, "HEAD, POST")
    assert (await request(session, "HEAD", f"{url}/write"))[0] == 500
    status, _, headers = await request(session, "HEAD", f"{url}/variables")
    assert status == 200
    status, body, _ = await request(session, "PUT", f"{url}/variables")
    assert (status, b"I don't know how to treat a PUT request." in body) == (501, True)
    for path in ("/nope", "/write/", "/variables/x", "/restart/", "/index.html"):
        status, body, headers = await request(session, "GET", url + path)
        assert (status, b"<h1>No Such Resource</h1>" in body) == (404, True), path
    status, body, headers = await request(session, "GET", f"{url}/")
    assert (status, headers["Content-Type"]) == (200, "text/html")
    assert (await request(session, "GET", f"{url}/main.js"))[0] == 200
    assert (await request(session, "GET", f"{url}/main.css"))[0] == 200


async def test_write_quirks(session: aiohttp.ClientSession, simulator: IotpyServerSim) -> None:
    url = f"{simulator.url}/write"
    cases = [
        (
            b'{"name": "setpoint", "value": 5}',
            200,
            b'{"success": true, "error": "", "name": "setpoint", "value": 5}',
        ),
        (
            b'{"name":"setpoint","value":2.5,"extra":"x"}',
            200,
            b'{"success": true, "error": "", "name": "setpoint", "value": 2.5, "extra": "x"}',
        ),
        (
            b'{"name": "setpoint", "value": 1, "success": false}',
            200,
            b'{"success": false, "error": "", "name": "setpoint", "value": 1}',
        ),
        (b'{"name": "setpoint", "value": true}', 200, None),
        (b'{"name": "setpoint", "value": "3.5"}', 400, b'{"success": false, "error": "Bad Request"}'),
        (b'{"name": "setpoint", "value": null}', 400, None),
        (b'{"name": 5, "value": 1}', 400, None),
        (b'{"value": 1}', 400, None),
        (b"not json", 400, None),
        (b"", 400, None),
        (b'"just a string"', 400, None),
        (b'"name and value"', 500, None),
        (b"5", 500, None),
        (b'["name", "value"]', 500, None),
        (b'{"name": "refusing", "value": 1}', 400, None),
        (b'{"name": "nothing", "value": 1}', 404, b'{"success": false, "error": "Not Found"}'),
        (
            b'{"name": "exploding", "value": 1}',
            500,
            PROCESSING_FAILED,
        ),
    ]
    for raw, status, expected in cases:
        got_status, body, headers = await request(session, "POST", url, raw)
        assert got_status == status, raw
        if expected is not None:
            assert body == expected, raw
        assert headers["Content-Type"] == ("text/html" if status == 500 else "application/json"), raw
    async with session.post(
        url, data=b'{"name": "setpoint", "value": 7}', headers={"Content-Type": "text/plain"}
    ) as response:
        assert response.status == 200


async def test_metrics(session: aiohttp.ClientSession, simulator: IotpyServerSim) -> None:
    status, body, headers = await request(session, "GET", f"{simulator.url}/metrics")
    assert (status, headers["Content-Type"]) == (200, "text/plain; version=0.0.4; charset=utf-8")
    text = body.decode()
    assert "# HELP test0 test variable\n# TYPE test0 gauge\ntest0 " in text
    assert "# HELP test1 \n# TYPE test1 gauge\n" in text
    assert "\nalwais_fail 0.0\n" in text
    assert "\nnot_finite NaN\n" in text
    assert "\ninfinite +Inf\n" in text
    assert "\nnumeric_text 3.5\n" in text
    assert "\nrelay 0.0\n" in text
    assert text.startswith("# HELP python_gc_objects_collected_total")
    assert "python_info{" in text
    if sys.platform.startswith("linux"):
        assert "\n# TYPE process_cpu_seconds_total counter\n" in text
    assert (await request(session, "POST", f"{simulator.url}/metrics/x"))[0] == 200


def test_go_float() -> None:
    assert [
        go_float(v) for v in (0.0, 1.0, 123456.7, 1234567.0, 1796236140583.0, -1e9, math.inf, -math.inf)
    ] == ["0.0", "1.0", "123456.7", "1.234567e+06", "1.796236140583e+12", "-1000000000.0", "+Inf", "-Inf"]


def test_values_as_upstreams_promvar() -> None:
    variable = SimVariable("x")
    variable.set_value("3.5")
    assert (variable.value, variable.gauge, variable.status) == ("3.5", 3.5, 1)
    variable.set_status(2, "E")
    updated = variable.last_update_ms
    with pytest.raises(ValueError, match="could not convert"):
        variable.set_value("abc")
    # Stored, but status and time untouched, as upstream's (iotpy.md §8).
    assert (variable.value, variable.status, variable.last_update_ms, variable.gauge) == (
        "abc",
        2,
        updated,
        3.5,
    )


def test_a_loop_raising_kills_the_device_as_upstream() -> None:
    device = SimDevice("d")
    device.add("x")
    device.poll = lambda dev, rng: dev.variables["x"].set_value("not a number")
    device.tick(None)  # type: ignore[arg-type]
    assert device.alive is False
    device.tick(None)  # type: ignore[arg-type]


def test_duplicate_names_refuse_to_start() -> None:
    first, second = SimDevice("a"), SimDevice("b")
    first.add("same")
    second.add("same")
    with pytest.raises(ValueError, match="unique"):
        IotpyServerSim([first, second])


async def test_prefix_and_legacy(session: aiohttp.ClientSession, socket_enabled: None) -> None:
    sim = IotpyServerSim(prefix="iot", legacy=True, period=0.01)
    await sim.start()
    try:
        assert (await request(session, "GET", f"{sim.url}/variables"))[0] == 404
        assert (await request(session, "GET", f"{sim.url}/iot"))[0] == 405
        status, body, _ = await request(session, "GET", f"{sim.url}/iot/variables")
        assert status == 200
        first = json.loads(body)["test0"]
        await asyncio.sleep(0.05)
        assert json.loads((await request(session, "GET", f"{sim.url}/iot/variables"))[1])["test0"] != first
        status, body, _ = await request(session, "GET", f"{sim.url}/iot/restart")
        assert status == 200
        assert b"window.location.pathname = 'iot/'" in body
        assert sim.restarted.is_set()
    finally:
        await sim.stop()


async def test_unencodable_values_make_variables_500(
    session: aiohttp.ClientSession, simulator: IotpyServerSim
) -> None:
    simulator.devices[0].variables["test0"].value = b"bytes"
    status, body, _ = await request(session, "GET", f"{simulator.url}/variables")
    assert (status, body.startswith(b"<html><head><title>Processing Failed")) == (500, True)


async def test_command_line(socket_enabled: None, session: aiohttp.ClientSession) -> None:
    process = await asyncio.create_subprocess_exec(
        sys.executable,
        "-m",
        "tools.simulators.iotpy_server",
        "--port",
        "0",
        "--variables",
        "20",
        "--period",
        "0.05",
        stdout=asyncio.subprocess.PIPE,
    )
    try:
        assert process.stdout is not None
        line = (await asyncio.wait_for(process.stdout.readline(), 30)).decode()
        port = int(line.rsplit(":", 1)[1].split("/")[0])
        status, body, _ = await request(session, "GET", f"http://127.0.0.1:{port}/variables")
        assert status == 200
        assert len(json.loads(body)) == 31
        assert (await request(session, "GET", f"http://127.0.0.1:{port}/restart"))[0] == 200
        assert await asyncio.wait_for(process.wait(), 30) == 0
    finally:
        if process.returncode is None:
            process.kill()
            await process.wait()
