import pytest

from custom_components.pyiot.core.thermostat import (
    WEEKDAYS,
    ScheduleError,
    parse_weekdays,
    weekday_index,
    weekday_name,
    weekday_names,
)


def test_names_and_indexes_agree_with_date_weekday():
    assert WEEKDAYS == ("mon", "tue", "wed", "thu", "fri", "sat", "sun")
    assert [weekday_index(weekday_name(index)) for index in range(7)] == list(range(7))
    assert weekday_names({6, 0, 2}) == ["mon", "wed", "sun"]
    assert parse_weekdays(["sun", "mon", "mon"]) == frozenset({0, 6})


@pytest.mark.parametrize(
    ("value", "key"),
    [
        ([], "no_weekdays"),
        (["monday"], "unknown_weekday"),
        ([0], "unknown_weekday"),
        ("mon", "unknown_weekday"),
        (None, "unknown_weekday"),
    ],
)
def test_bad_weekdays(value, key):
    with pytest.raises(ScheduleError) as caught:
        parse_weekdays(value)
    assert caught.value.translation_key == key


def test_the_error_names_the_vocabulary():
    with pytest.raises(ScheduleError, match="not one of mon, tue, wed, thu, fri, sat, sun"):
        weekday_index("Mon")
