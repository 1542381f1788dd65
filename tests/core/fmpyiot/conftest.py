"""Fixtures of the FmPyIOT core tests: the real broker, a link to it, a recording listener, a clock."""

from collections.abc import AsyncIterator, Iterator

import pytest

from tests.core.fmpyiot.fmpyiot_helpers import FmPyIotListener
from tests.support.aiomqtt_link import AiomqttLink
from tests.support.manual_clock import ManualClock
from tests.support.mosquitto import Mosquitto


@pytest.fixture(autouse=True)
def auto_enable_custom_integrations() -> None:
    """Override tests/conftest.py: the core needs no Home Assistant instance."""


@pytest.fixture
def listener() -> Iterator[FmPyIotListener]:
    listener = FmPyIotListener()
    yield listener
    assert listener.errors == []


@pytest.fixture
def clock() -> ManualClock:
    return ManualClock()


@pytest.fixture
def broker(mosquitto: Mosquitto, socket_enabled: None) -> Mosquitto:
    """The session's broker (tests/conftest.py), with sockets allowed for this test."""
    return mosquitto


@pytest.fixture
async def link(broker: Mosquitto) -> AsyncIterator[AiomqttLink]:
    async with AiomqttLink(broker.host, broker.port) as link:
        yield link
