# ruff: noqa: DTZ001 - naive datetimes here are deliberate wall-clock times
from datetime import UTC, date, datetime, timedelta, timezone

import pytest

from custom_components.pyiot.core.thermostat import (
    ScheduleError,
    parse_duration,
    parse_interval,
    parse_moment,
)


def test_moments():
    assert parse_moment("2026-12-21") == date(2026, 12, 21)
    assert parse_moment("20261221") == date(2026, 12, 21)
    assert parse_moment("2026-12-21T08:00") == datetime(2026, 12, 21, 8)
    assert parse_moment("2026-12-21T08:00Z") == datetime(2026, 12, 21, 8, tzinfo=UTC)
    assert parse_moment("2026-12-21T08:00+01:00").utcoffset() == timedelta(hours=1)


@pytest.mark.parametrize(
    "text", ["", "2026-13-01", "2026-12", "tomorrow", "2026-12-21T25:00", "\uff12\uff10\uff12\uff16-01-01", 7]
)
def test_bad_moments(text):
    with pytest.raises(ScheduleError) as err:
        parse_moment(text)
    assert err.value.translation_key == "invalid_iso"


def test_durations():
    assert parse_duration("P7D").span == timedelta(days=7)
    assert parse_duration("PT2H30M").span == timedelta(hours=2, minutes=30)
    assert parse_duration("P1W").span == timedelta(weeks=1)
    assert parse_duration("PT1,5S").span == timedelta(seconds=1.5)
    duration = parse_duration("P1Y2M3DT4H5M6.5S")
    assert duration.months == 14
    assert duration.span == timedelta(days=3, hours=4, minutes=5, seconds=6.5)


@pytest.mark.parametrize("text", ["P", "PT", "7D", "P1H", "PT1D", "P-1D", "P1DT", "p1d", None])
def test_bad_durations(text):
    with pytest.raises(ScheduleError) as err:
        parse_duration(text)
    assert err.value.translation_key == "invalid_iso"


@pytest.mark.parametrize("text", ["P0D", "PT0S"])
def test_zero_duration(text):
    with pytest.raises(ScheduleError) as err:
        parse_duration(text)
    assert err.value.translation_key == "invalid_duration"


def test_huge_duration_is_rejected_not_crashing():
    with pytest.raises(ScheduleError) as err:
        parse_duration("P999999999999D")
    assert err.value.translation_key == "invalid_iso"


def test_month_arithmetic_clamps_to_the_month_end():
    assert parse_duration("P1M").add(datetime(2026, 1, 31)) == datetime(2026, 2, 28)
    assert parse_duration("P1M").add(datetime(2028, 1, 31)) == datetime(2028, 2, 29)
    assert parse_duration("P1M").add(datetime(2026, 12, 15)) == datetime(2027, 1, 15)
    assert parse_duration("P1M").add(datetime(2026, 3, 31), -1) == datetime(2026, 2, 28)
    assert parse_duration("P1Y").add(datetime(2026, 11, 30)) == datetime(2027, 11, 30)


def test_intervals():
    assert parse_interval("2026-12-21/2026-12-28") == (date(2026, 12, 21), date(2026, 12, 28))
    assert parse_interval("2026-12-25") == (date(2026, 12, 25), date(2026, 12, 25))
    assert parse_interval("2026-12-21T08:00/P7D") == (datetime(2026, 12, 21, 8), datetime(2026, 12, 28, 8))
    assert parse_interval("2026-12-21/P2D") == (date(2026, 12, 21), datetime(2026, 12, 23))
    # duration/end: a date as end is inclusive, so two days before the end of the 28th.
    assert parse_interval("P2D/2026-12-28") == (datetime(2026, 12, 27), date(2026, 12, 28))
    assert parse_interval("PT6H/2026-12-28T12:00") == (datetime(2026, 12, 28, 6), datetime(2026, 12, 28, 12))
    aware = parse_interval("2026-12-21T08:00+02:00/PT1H")
    assert aware[1] == datetime(2026, 12, 21, 9, tzinfo=timezone(timedelta(hours=2)))


@pytest.mark.parametrize(
    "text",
    ["2026-12-21T08:00", "2026-12-21/", "/2026-12-21", "P1D/P2D", "2026-12-21/xx", "9999-12-31/P1Y", 3],
)
def test_bad_intervals(text):
    with pytest.raises(ScheduleError) as err:
        parse_interval(text)
    assert err.value.translation_key == "invalid_iso"


def test_interval_with_zero_duration():
    with pytest.raises(ScheduleError) as err:
        parse_interval("2026-12-21/PT0S")
    assert err.value.translation_key == "invalid_duration"
