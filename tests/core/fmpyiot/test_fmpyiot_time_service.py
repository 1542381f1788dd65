"""The time service: MicroPython's RTC order, local time, one answer per burst of requests."""

from datetime import UTC, datetime
from zoneinfo import ZoneInfo

import pytest

from custom_components.pyiot.core.protocols.fmpyiot.time_service import TimeService, rtc_datetime
from tests.support.manual_clock import ManualClock


def test_rtc_order_with_monday_as_zero() -> None:
    sunday = datetime(2026, 3, 8, 6, 20, 53, 123456, tzinfo=ZoneInfo("Europe/Paris"))
    assert rtc_datetime(sunday) == [2026, 3, 8, 6, 6, 20, 53, 0]
    monday = datetime(2026, 3, 9, 0, 0, 0, tzinfo=UTC)
    assert rtc_datetime(monday)[3] == 0


def test_a_naive_clock_is_refused() -> None:
    with pytest.raises(ValueError, match="time-zone aware"):
        rtc_datetime(datetime(2026, 3, 8))  # noqa: DTZ001


def test_requests_within_a_second_get_one_answer(clock: ManualClock) -> None:
    service = TimeService(lambda: datetime(2026, 3, 8, 12, tzinfo=UTC), clock)
    assert service.answer() == [2026, 3, 8, 6, 12, 0, 0, 0]
    assert service.answer() is None
    clock.advance(1.0)
    assert service.answer() is not None
    assert (service.requests, service.answers) == (3, 2)
