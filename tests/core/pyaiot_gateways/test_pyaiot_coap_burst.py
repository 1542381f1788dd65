"""A burst of `/server` pushes over real UDP on loopback is delivered whole (issue 9's lost datagrams).

The burst is sent while the event loop cannot read (the sends are synchronous in the test), as when Home
Assistant's loop is busy or the host's CPUs are shared: every datagram must wait in the socket's
receive buffer. A buffer of the kernel's default size (`rmem_default`, 208 KiB: about 200 small
datagrams on loopback) drops most of them; the gateway asks for `CoapSettings.receive_buffer`.
"""

from collections.abc import AsyncIterator
import contextlib
from pathlib import Path
import socket
import struct

import pytest

from custom_components.pyiot.core.protocols.pyaiot.coap import PyaiotCoapGateway
from custom_components.pyiot.core.protocols.pyaiot.coap_settings import CoapSettings
from tests.core.pyaiot_gateways.conftest import GENEROUS_TIMEOUT, LOGGER
from tests.support.recording_listener import RecordingListener

BURST = 2000
NODE = "burst-node"
NON_POST = struct.pack("!BB", 0x50, 0x02)  # version 1, NON, no token; POST
SERVER_PATH = b"\xb6server\xff"  # Uri-Path "server", then the payload marker


def rmem_max() -> int:
    return int(Path("/proc/sys/net/core/rmem_max").read_text(encoding="ascii"))


@pytest.fixture
async def ipv4_gateway(listener: RecordingListener) -> AsyncIterator[PyaiotCoapGateway]:
    """A gateway on a free port of 127.0.0.1 knowing one node at 127.0.0.1 (restored, as after a restart)."""
    gateway = PyaiotCoapGateway(listener, CoapSettings(port=0, addresses=("127.0.0.1",)), logger=LOGGER)
    gateway.restore_nodes([{"node_id": NODE, "address": "127.0.0.1", "resources": ["temperature"]}])
    await gateway.async_start()
    yield gateway
    await gateway.async_stop()


def test_receive_buffer_is_raised_as_far_as_the_kernel_allows(ipv4_gateway: PyaiotCoapGateway) -> None:
    # Linux reports twice the size asked for (bookkeeping included), capped at twice rmem_max.
    expected = 2 * min(ipv4_gateway.settings.receive_buffer, rmem_max())
    assert ipv4_gateway.receive_buffer_sizes == [expected]


async def test_burst_of_pushes_while_the_loop_is_busy_is_delivered_whole(
    ipv4_gateway: PyaiotCoapGateway, listener: RecordingListener
) -> None:
    if rmem_max() < ipv4_gateway.settings.receive_buffer:
        pytest.skip(f"net.core.rmem_max is {rmem_max()}: the kernel caps the gateway's receive buffer")
    with socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as node:
        node.bind(("127.0.0.1", 0))
        for mid in range(1, BURST + 1):
            payload = f"temperature:{mid % 40}°C".encode()
            node.sendto(
                NON_POST + struct.pack("!H", mid) + SERVER_PATH + payload, ("127.0.0.1", ipv4_gateway.port)
            )
        with contextlib.suppress(TimeoutError):
            await listener.wait_for(
                lambda: len(listener.values(NODE, "temperature")) == BURST, GENEROUS_TIMEOUT
            )
    assert len(listener.values(NODE, "temperature")) == BURST
    assert listener.values(NODE, "temperature")[:3] == [1.0, 2.0, 3.0]
    assert ipv4_gateway.diagnostics()["replies"] == {"server": BURST}
    assert ipv4_gateway.diagnostics()["dropped"] == {}
