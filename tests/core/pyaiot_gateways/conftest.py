"""Fixtures of the Pyaiot CoAP, WebSocket and broker tests: real sockets on loopback, no Home Assistant."""

from collections.abc import AsyncIterator, Iterator
import logging
import socket

import pytest
import pytest_socket

from custom_components.pyiot.core.protocols.pyaiot.coap import PyaiotCoapGateway
from custom_components.pyiot.core.protocols.pyaiot.coap_settings import CoapSettings
from tests.support.recording_listener import RecordingListener

LOGGER = logging.getLogger("custom_components.pyiot.test.pyaiot")


@pytest.fixture(autouse=True)
def auto_enable_custom_integrations() -> None:
    """Override tests/conftest.py: no Home Assistant instance is needed."""


@pytest.fixture(autouse=True)
def sockets(socket_enabled: None) -> None:
    """Every test here uses real sockets on loopback, IPv4 (also IPv4-mapped, as aiocoap uses it) and IPv6."""
    pytest_socket.socket_allow_hosts(["127.0.0.1", "::1", "::ffff:127.0.0.1"], allow_unix_socket=True)


@pytest.fixture
def listener() -> Iterator[RecordingListener]:
    listener = RecordingListener()
    yield listener
    assert listener.errors == []


class FakeClock:
    """A monotonic clock the test moves."""

    def __init__(self) -> None:
        self.now = 1000.0

    def __call__(self) -> float:
        return self.now


@pytest.fixture
def clock() -> FakeClock:
    return FakeClock()


def ipv6_loopback_works() -> bool:
    with socket.socket(socket.AF_INET6, socket.SOCK_DGRAM) as probe:
        try:
            probe.bind(("::1", 0))
        except OSError:
            return False
    return True


GENEROUS_TIMEOUT = 60.0
"""Seconds a request to a node on loopback may take: never reached by a node that answers, even on a
loaded machine (a shorter one made answered requests fail as timeouts under CPU load)."""
SHORT_TIMEOUT = 0.3
"""For tests of a node that never answers: they wait this long, whatever the load."""


@pytest.fixture
def request_timeout() -> float:
    """The gateway's request timeout; tests of silent nodes parametrize it with `SHORT_TIMEOUT`."""
    return GENEROUS_TIMEOUT


@pytest.fixture
async def gateway(
    listener: RecordingListener, clock: FakeClock, request_timeout: float
) -> AsyncIterator[PyaiotCoapGateway]:
    """A gateway on a free port of every address, nodes reached on the port of their alive."""
    gateway = PyaiotCoapGateway(
        listener,
        CoapSettings(port=0, node_port=None, request_timeout=request_timeout, rediscovery_backoff=0.0),
        logger=LOGGER,
        clock=clock,
    )
    await gateway.async_start()
    yield gateway
    await gateway.async_stop()


@pytest.fixture
def expected_lingering_timers() -> bool:
    """aiocoap keeps its message-deduplication timers (EXCHANGE_LIFETIME, 247 s) past a context's shutdown."""
    return True
