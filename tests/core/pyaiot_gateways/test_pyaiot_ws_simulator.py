"""The simulated WebSocket nodes that `scripts/develop` starts before Home Assistant's gateway is up."""

import asyncio
import contextlib
import json
import socket
from typing import Any

from aiohttp import WSMsgType, web
import pytest

from tools.simulators import pyaiot_ws_node


def free_tcp_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


async def test_simulated_nodes_wait_for_a_gateway_that_starts_later(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(pyaiot_ws_node, "RECONNECT_DELAY", 0.05)
    port = free_tcp_port()
    frames: asyncio.Queue[dict[str, Any]] = asyncio.Queue()

    async def node_socket(request: web.Request) -> web.WebSocketResponse:
        socket_ = web.WebSocketResponse()
        await socket_.prepare(request)
        async for message in socket_:
            if message.type is WSMsgType.TEXT:
                await frames.put(json.loads(message.data))
        return socket_

    stop = asyncio.Event()
    nodes = asyncio.create_task(
        pyaiot_ws_node.run_nodes(f"ws://127.0.0.1:{port}/node", 2, stop=stop, period=60)
    )
    await asyncio.sleep(0.2)  # several refused connections: the nodes must not give up
    assert not nodes.done()
    app = web.Application()
    app.router.add_get("/node", node_socket)
    runner = web.AppRunner(app)
    await runner.setup()
    await web.TCPSite(runner, "127.0.0.1", port).start()
    try:
        hellos = [await asyncio.wait_for(frames.get(), 10) for _ in range(2)]
        assert sorted(frame["data"]["name"] for frame in hellos) == ["websocket 1", "websocket 2"]
        assert all(frame["type"] == "update" for frame in hellos)
    finally:
        stop.set()
        with contextlib.suppress(asyncio.CancelledError):
            await nodes
        await runner.cleanup()
