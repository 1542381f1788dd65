"""A request the gateway gave up on meets the node's late answer: nothing is raised in the event loop.

aiocoap resolves a request's response future from its datagram callbacks. When that future was
cancelled and aiocoap has not yet run its cancellation callback (it runs one loop iteration later, and
its blockwise layer needs two), a response or an ICMP error arriving in between makes aiocoap call
`set_result`/`set_exception` on the cancelled future: `InvalidStateError` in the event loop. The node
here is a bare UDP socket, so the test decides exactly when the answer is in the gateway's socket
buffer: right before the gateway gives up on the request.
"""

import asyncio
from collections.abc import AsyncIterator, Awaitable, Callable
import socket
from typing import Any

import aiocoap
from aiocoap.numbers.codes import CONTENT, GET, POST
from aiocoap.numbers.types import ACK, CON
import pytest

from custom_components.pyiot.core.protocols.pyaiot.coap import PyaiotCoapGateway
from tests.support.recording_listener import RecordingListener

type GiveUp = Callable[[PyaiotCoapGateway, str], Awaitable[None]]


class BareNode:
    """A CoAP node as raw datagrams: it sends an alive and answers exactly when told."""

    def __init__(self, gateway_port: int) -> None:
        self.sock = socket.socket(socket.AF_INET6, socket.SOCK_DGRAM)
        self.sock.setblocking(False)
        self.sock.bind(("::1", 0))
        self.gateway = ("::1", gateway_port)

    def send_alive(self, uid: str) -> None:
        alive = aiocoap.Message(code=POST, uri_path=("alive",), payload=f"alive:{uid}".encode())
        alive.mtype, alive.mid, alive.token = CON, 1, b"al"
        self.sock.sendto(alive.encode(), self.gateway)

    async def next_request(self) -> tuple[aiocoap.Message, Any]:
        """The next request from the gateway (ACKs of the alive are skipped)."""
        loop = asyncio.get_running_loop()
        while True:
            data, address = await loop.sock_recvfrom(self.sock, 2048)
            message = aiocoap.Message.decode(data)
            if message.code.is_request():
                return message, address

    def answer(self, request: aiocoap.Message, address: Any) -> None:
        """A piggy-backed 2.05, in the gateway's socket buffer when this returns (loopback)."""
        response = aiocoap.Message(code=CONTENT, payload=b"</name>")
        response.mtype, response.mid, response.token = ACK, request.mid, request.token
        self.sock.sendto(response.encode(), address)

    def close(self) -> None:
        self.sock.close()


@pytest.fixture
async def loop_errors() -> AsyncIterator[list[dict[str, Any]]]:
    """Everything the event loop's exception handler gets during the test."""
    errors: list[dict[str, Any]] = []
    loop = asyncio.get_running_loop()
    previous = loop.get_exception_handler()
    loop.set_exception_handler(lambda _loop, context: errors.append(context))
    yield errors
    loop.set_exception_handler(previous)


@pytest.fixture
async def node(gateway: PyaiotCoapGateway) -> AsyncIterator[BareNode]:
    node = BareNode(gateway.port)
    yield node
    node.close()


async def forget(gateway: PyaiotCoapGateway, uid: str) -> None:
    gateway.forget_node(uid)


async def stop(gateway: PyaiotCoapGateway, _uid: str) -> None:
    await gateway.async_stop()


@pytest.mark.parametrize("give_up", [forget, stop], ids=["forgotten", "stopped"])
async def test_answer_meeting_a_cancelled_request(
    gateway: PyaiotCoapGateway,
    node: BareNode,
    listener: RecordingListener,
    loop_errors: list[dict[str, Any]],
    give_up: GiveUp,
) -> None:
    node.send_alive("late")
    request, address = await node.next_request()
    assert request.code == GET
    assert request.opt.uri_path == (".well-known", "core")

    node.answer(request, address)
    await give_up(gateway, "late")
    for _ in range(20):  # the answer and every callback aiocoap schedules are handled by then
        await asyncio.sleep(0)

    assert loop_errors == []
    assert listener.of("points_seen") == []
