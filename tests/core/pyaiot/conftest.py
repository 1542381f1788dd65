"""Fixtures for the Pyaiot protocol tests: the real broker, an in-memory link and a recording listener."""

from collections.abc import Iterator

import pytest

from tests.core.pyaiot.fakes import FakeLink, RecordingListener
from tests.support.mosquitto import Mosquitto


@pytest.fixture
def listener() -> Iterator[RecordingListener]:
    listener = RecordingListener()
    yield listener
    assert listener.errors == []


@pytest.fixture
def fake_link() -> FakeLink:
    return FakeLink()


@pytest.fixture(autouse=True)
def auto_enable_custom_integrations() -> None:
    """Override tests/conftest.py: the protocol needs no Home Assistant instance."""


@pytest.fixture
def broker(mosquitto: Mosquitto, socket_enabled: None) -> Mosquitto:
    """The session's broker (tests/conftest.py), with sockets allowed for this test."""
    return mosquitto
