# ruff: noqa: DTZ001 - naive datetimes here are deliberate wall-clock times
from datetime import date, datetime

import pytest

from custom_components.pyiot.core.thermostat import CronExpression, ScheduleError


def test_lists_ranges_steps_and_names():
    cron = CronExpression.parse("0,30 6-8/2 */10 JAN-mar,dec MON-FRI")
    assert cron.minutes == {0, 30}
    assert cron.hours == {6, 8}
    assert cron.days == {1, 11, 21, 31}
    assert cron.months == {1, 2, 3, 12}
    assert cron.weekdays == {0, 1, 2, 3, 4}
    assert not cron.either_day  # day-of-month starts with "*": Vixie AND-s it with day-of-week


def test_start_slash_step_runs_to_the_end_of_the_field():
    assert CronExpression.parse("50/5 * * * *").minutes == {50, 55}


def test_sunday_is_both_zero_and_seven():
    assert CronExpression.parse("0 0 * * 0").weekdays == {6}
    assert CronExpression.parse("0 0 * * 7").weekdays == {6}
    assert CronExpression.parse("0 0 * * 5-7").weekdays == {4, 5, 6}


@pytest.mark.parametrize(
    ("macro", "expanded"),
    [
        ("@yearly", "0 0 1 1 *"),
        ("@annually", "0 0 1 1 *"),
        ("@monthly", "0 0 1 * *"),
        ("@weekly", "0 0 * * 0"),
        ("@daily", "0 0 * * *"),
        ("@MIDNIGHT", "0 0 * * *"),
        ("@hourly", "0 * * * *"),
    ],
)
def test_macros(macro, expanded):
    cron, plain = CronExpression.parse(macro), CronExpression.parse(expanded)
    assert (cron.minutes, cron.hours, cron.days, cron.months, cron.weekdays) == (
        plain.minutes,
        plain.hours,
        plain.days,
        plain.months,
        plain.weekdays,
    )


def test_whitespace_is_normalised():
    assert CronExpression.parse("  0   7 * *\tMON ").expression == "0 7 * * MON"


@pytest.mark.parametrize(
    ("expression", "reason"),
    [
        ("0 7 * *", "needs 5 fields"),
        ("0 7 * * * *", "needs 5 fields"),
        ("60 * * * *", "outside 0-59"),
        ("* 24 * * *", "outside 0-23"),
        ("* * 0 * *", "outside 1-31"),
        ("* * * 13 *", "outside 1-12"),
        ("* * * * 8", "outside 0-7"),
        ("*/0 * * * *", "bad step"),
        ("*/x * * * *", "bad step"),
        ("10-5 * * * *", "runs backwards"),
        ("MON * * * *", "is not a minute"),
        ("* * * * JAN", "is not a day-of-week"),
        ("1,,2 * * * *", "is not a minute"),
        ("-1 * * * *", "is not a minute"),
        ("٣ * * * *", "is not a minute"),
    ],
)
def test_invalid_expressions(expression, reason):
    with pytest.raises(ScheduleError) as err:
        CronExpression.parse(expression)
    assert err.value.translation_key == "invalid_cron"
    assert reason in err.value.placeholders["reason"]


def test_not_text():
    with pytest.raises(ScheduleError, match="not text"):
        CronExpression.parse(5)  # type: ignore[arg-type]


def test_expression_that_can_never_fire():
    with pytest.raises(ScheduleError) as err:
        CronExpression.parse("0 0 30,31 2 *")
    assert err.value.translation_key == "cron_never_fires"
    # With both day fields restricted the weekday alone can fire it (Vixie OR).
    assert CronExpression.parse("0 0 30 2 MON").either_day
    # February 29th exists in leap years.
    CronExpression.parse("0 0 29 2 *")


def test_vixie_or_semantics_when_both_day_fields_are_restricted():
    cron = CronExpression.parse("0 12 1 * MON")
    assert cron.matches_day(date(2026, 4, 1))  # a Wednesday, the 1st
    assert cron.matches_day(date(2026, 4, 6))  # a Monday
    assert not cron.matches_day(date(2026, 4, 7))


def test_and_semantics_when_a_day_field_starts_with_a_star():
    cron = CronExpression.parse("0 12 */2 * MON")
    assert cron.matches_day(date(2026, 4, 13))  # Monday the 13th (odd)
    assert not cron.matches_day(date(2026, 4, 6))  # Monday the 6th (even)
    assert not cron.matches_day(date(2026, 4, 1))  # odd but a Wednesday


def test_month_filter():
    cron = CronExpression.parse("0 0 * 2 *")
    assert cron.matches_day(date(2026, 2, 3))
    assert not cron.matches_day(date(2026, 3, 3))


def test_firings_are_ordered_and_half_open():
    cron = CronExpression.parse("0,30 23 * * *")
    firings = list(cron.firings(datetime(2026, 1, 1, 23, 30), datetime(2026, 1, 3, 23, 30)))
    assert firings == [
        datetime(2026, 1, 1, 23, 30),
        datetime(2026, 1, 2, 23, 0),
        datetime(2026, 1, 2, 23, 30),
        datetime(2026, 1, 3, 23, 0),
    ]


def test_leap_day_firings():
    cron = CronExpression.parse("0 6 29 2 *")
    assert list(cron.firings(datetime(2026, 1, 1), datetime(2029, 1, 1))) == [datetime(2028, 2, 29, 6)]
