# ruff: noqa: DTZ001 - naive datetimes here are deliberate wall-clock times
"""Cron expressions: cronsim parses and walks them; the engine checks them and walks wall-clock time."""

from datetime import datetime, timedelta

import pytest

from custom_components.pyiot.core.thermostat import CronExpression, ScheduleError

JAN_1 = datetime(2026, 1, 1)


def firings(expression: str, start: datetime = JAN_1, days: int = 7) -> list[datetime]:
    return list(CronExpression.parse(expression).firings(start, start + timedelta(days=days)))


def test_lists_ranges_steps_and_names():
    found = firings("0,30 6-8/2 */10 JAN-mar,dec MON-FRI", days=40)
    # Day-of-month starts with "*": Vixie AND-s it with day-of-week (weekdays on the 1st, 11th, 21st, 31st).
    assert {moment.day for moment in found} == {1, 21}  # Thu 1st, Wed 21st; the 11th and 31st are weekends
    assert {(moment.hour, moment.minute) for moment in found} == {(6, 0), (6, 30), (8, 0), (8, 30)}


def test_start_slash_step_runs_to_the_end_of_the_field():
    assert [moment.minute for moment in firings("50/5 0 * * *", days=1)] == [50, 55]


def test_sunday_is_both_zero_and_seven():
    assert firings("0 0 * * 0") == firings("0 0 * * 7") == [datetime(2026, 1, 4)]


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
    assert firings(macro, days=400) == firings(expanded, days=400)
    assert CronExpression.parse(macro).expression == macro


def test_whitespace_is_normalised():
    assert CronExpression.parse("  0   7 * *\tMON ").expression == "0 7 * * MON"


@pytest.mark.parametrize(
    ("expression", "reason"),
    [
        ("0 7 * *", "needs 5 fields"),
        ("0 7 * * * *", "needs 5 fields"),
        ("60 * * * *", "Bad minute"),
        ("* 24 * * *", "Bad hour"),
        ("* * 0 * *", "Bad day-of-month"),
        ("* * * 13 *", "Bad month"),
        ("* * * * 8", "Bad day-of-week"),
        ("*/0 * * * *", "Bad minute"),
        ("*/x * * * *", "Bad minute"),
        ("10-5 * * * *", "Bad minute"),
        ("MON * * * *", "Bad minute"),
        ("* * * * JAN", "Bad day-of-week"),
        ("1,,2 * * * *", "Bad minute"),
        ("-1 * * * *", "Bad minute"),
        ("٣ * * * *", "Bad minute"),
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


@pytest.mark.parametrize("expression", ["0 0 30,31 2 *", "0 0 30 2 MON"])
def test_expression_that_can_never_fire(expression):
    """cronsim refuses a day no chosen month has, even where Vixie cron would fire on the weekday."""
    with pytest.raises(ScheduleError) as err:
        CronExpression.parse(expression)
    assert err.value.translation_key == "cron_never_fires"


def test_february_29th_exists_in_leap_years():
    assert list(CronExpression.parse("0 6 29 2 *").firings(JAN_1, datetime(2029, 1, 1))) == [
        datetime(2028, 2, 29, 6)
    ]


def test_vixie_or_semantics_when_both_day_fields_are_restricted():
    days = {moment.day for moment in firings("0 12 1 * MON", datetime(2026, 4, 1), days=8)}
    assert days == {1, 6}  # Wednesday the 1st and Monday the 6th


def test_and_semantics_when_a_day_field_starts_with_a_star():
    days = {moment.day for moment in firings("0 12 */2 * MON", datetime(2026, 4, 1), days=30)}
    assert days == {13, 27}  # odd Mondays only


def test_month_filter():
    assert {moment.month for moment in firings("0 0 * 2 *", days=365)} == {2}


def test_firings_are_ordered_and_half_open():
    cron = CronExpression.parse("0,30 23 * * *")
    assert list(cron.firings(datetime(2026, 1, 1, 23, 30), datetime(2026, 1, 3, 23, 30))) == [
        datetime(2026, 1, 1, 23, 30),
        datetime(2026, 1, 2, 23, 0),
        datetime(2026, 1, 2, 23, 30),
        datetime(2026, 1, 3, 23, 0),
    ]


def test_a_start_between_seconds_excludes_the_earlier_firing():
    cron = CronExpression.parse("0 10 * * *")
    start = datetime(2026, 1, 1, 10, 0, 0, 500_000)
    assert next(cron.firings(start, start + timedelta(days=2))) == datetime(2026, 1, 2, 10)


def test_cronsim_extensions_are_accepted():
    assert firings("0 9 L * *", days=40) == [datetime(2026, 1, 31, 9)]
