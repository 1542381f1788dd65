"""Fixtures of the HA-free reliability tests of the shared node core: no Home Assistant instance."""

from collections.abc import Iterator

import pytest

from tests.core.pyaiot.fakes import FakeLink
from tests.support.manual_clock import ManualClock
from tests.support.recording_listener import RecordingListener


@pytest.fixture(autouse=True)
def auto_enable_custom_integrations() -> None:
    """Override tests/conftest.py: the core needs no Home Assistant instance."""


@pytest.fixture
def clock() -> ManualClock:
    return ManualClock()


@pytest.fixture
def listener() -> Iterator[RecordingListener]:
    listener = RecordingListener()
    yield listener
    assert listener.errors == []


@pytest.fixture
def fake_link() -> FakeLink:
    return FakeLink()
