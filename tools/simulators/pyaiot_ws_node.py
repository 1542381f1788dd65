"""Simulated Pyaiot WebSocket nodes, behaving like upstream's `utils/ws/ws_test_client.py` (pyaiot.md §5).

Each node connects to `ws://<gateway>:8001/node`, sends its resources as an `update` frame
(`node`, `name`, `led`, `os`, `temperature`) at once and again on `{"request": "discover"}`, follows
`{"endpoint": "led", "payload": "1"}` and echoes the new LED state, and pushes its temperature
periodically. Many nodes run in one process:

    python -m tools.simulators.pyaiot_ws_node --gateway 127.0.0.1 --port 8001 --nodes 5
"""

import argparse
import asyncio
from collections.abc import Sequence
import contextlib
import json
import logging
import random
import signal
from typing import Any

import aiohttp

_LOGGER = logging.getLogger("pyaiot_ws_node")
DEFAULT_PORT = 8001
RECONNECT_DELAY = 2.0


class SimulatedWsNode:
    """One node and its connection."""

    def __init__(
        self, node: str = "fd00:aaaa:bbbb::1", *, name: str = "websocket", token: str | None = None
    ) -> None:
        """`node` is the node's `node` resource (upstream: its IPv6 address)."""
        self.node = node
        self.name = name
        self.token = token
        self.led = "0"
        self.temperature = 21.5
        self.received: list[Any] = []
        self.closed: asyncio.Event = asyncio.Event()
        self.close_code: int | None = None
        self._socket: aiohttp.ClientWebSocketResponse | None = None

    def resources(self) -> dict[str, Any]:
        """Everything the node tells about itself."""
        return {
            "node": self.node,
            "name": self.name,
            "led": self.led,
            "os": "riot",
            "temperature": f"{self.temperature:.1f}°C",
        }

    async def send(self, data: dict[str, Any]) -> None:
        """One `update` frame."""
        if self._socket is not None:
            await self._socket.send_str(json.dumps({"type": "update", "data": data}, ensure_ascii=False))

    async def send_raw(self, text: str) -> None:
        """Any text frame (tests)."""
        if self._socket is not None:
            await self._socket.send_str(text)

    async def run(self, session: aiohttp.ClientSession, url: str, *, hello: bool = True) -> None:
        """Connect and serve until the socket closes."""
        headers = {"Authorization": f"Bearer {self.token}"} if self.token else None
        async with session.ws_connect(url, headers=headers) as socket:
            self._socket = socket
            if hello:
                await self.send(self.resources())
            async for message in socket:
                if message.type is not aiohttp.WSMsgType.TEXT:
                    continue
                frame = json.loads(message.data)
                self.received.append(frame)
                if frame == {"request": "discover"}:
                    await self.send(self.resources())
                elif isinstance(frame, dict) and frame.get("endpoint") == "led":
                    self.led = "1" if frame.get("payload") == "1" else "0"
                    await self.send({"led": self.led})
            self.close_code = socket.close_code
        self._socket = None
        self.closed.set()

    async def keep_connected(self, session: aiohttp.ClientSession, url: str) -> None:
        """Serve, and connect again `RECONNECT_DELAY` s after the gateway is gone or not up yet."""
        while True:
            try:
                await self.run(session, url)
            except (aiohttp.ClientError, OSError) as err:
                _LOGGER.debug("%s: no gateway at %s (%s)", self.name, url, err)
            await asyncio.sleep(RECONNECT_DELAY)

    async def close(self) -> None:
        """Close the connection."""
        if self._socket is not None:
            await self._socket.close()

    async def step(self, rng: random.Random) -> None:
        """Move the temperature a little and send it."""
        self.temperature = round(min(28.0, max(16.0, self.temperature + rng.gauss(0, 0.2))), 1)
        await self.send({"temperature": f"{self.temperature:.1f}°C"})


async def run_nodes(url: str, count: int, *, stop: asyncio.Event, period: float = 5.0) -> None:
    """`count` nodes (`fd00::<n>`, `websocket <n>`) until `stop` is set."""
    rng = random.Random()
    nodes = [SimulatedWsNode(f"fd00::{index + 1:x}", name=f"websocket {index + 1}") for index in range(count)]
    async with aiohttp.ClientSession() as session:
        tasks = [asyncio.create_task(node.keep_connected(session, url)) for node in nodes]

        async def periodic() -> None:
            while True:
                await asyncio.sleep(period)
                for node in nodes:
                    with contextlib.suppress(Exception):
                        await node.step(rng)

        tasks.append(asyncio.create_task(periodic()))
        await stop.wait()
        for task in tasks:
            task.cancel()
        await asyncio.gather(*tasks, return_exceptions=True)


def main(argv: Sequence[str] | None = None) -> int:
    """Command line entry point."""
    parser = argparse.ArgumentParser(description="Simulated Pyaiot WebSocket nodes.")
    parser.add_argument("--gateway", default="127.0.0.1")
    parser.add_argument("--port", type=int, default=DEFAULT_PORT)
    parser.add_argument("--nodes", type=int, default=1)
    parser.add_argument("--period", type=float, default=5.0)
    parser.add_argument("--duration", type=float)
    args = parser.parse_args(argv)
    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(message)s")

    async def run() -> None:
        stop = asyncio.Event()
        loop = asyncio.get_running_loop()
        for signum in (signal.SIGINT, signal.SIGTERM):
            with contextlib.suppress(NotImplementedError):
                loop.add_signal_handler(signum, stop.set)
        if args.duration is not None:
            loop.call_later(args.duration, stop.set)
        host = f"[{args.gateway}]" if ":" in args.gateway else args.gateway
        await run_nodes(f"ws://{host}:{args.port}/node", args.nodes, stop=stop, period=args.period)

    asyncio.run(run())
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
