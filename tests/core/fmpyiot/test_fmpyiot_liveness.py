"""Availability of one device on a manual clock: BYE, the learnt watchdog period, sleeping devices."""

import pytest

from custom_components.pyiot.core.protocols.fmpyiot.availability import Liveness, LostReason
from tests.support.manual_clock import ManualClock


@pytest.fixture
def changes() -> list[tuple[bool, LostReason | None]]:
    return []


def liveness(
    clock: ManualClock, changes: list[tuple[bool, LostReason | None]], **options: object
) -> Liveness:
    return Liveness(clock, lambda lost: changes.append((lost is None, lost)), **options)  # type: ignore[arg-type]


def test_any_message_makes_available_and_bye_unavailable_at_once(clock: ManualClock, changes: list) -> None:
    device = liveness(clock, changes)
    device.message()
    device.message()
    assert changes == [(True, None)]
    device.bye()
    assert changes == [(True, None), (False, LostReason.BYE)]
    device.bye()
    assert len(changes) == 2
    device.message()
    assert changes[-1] == (True, None)


def test_three_missed_feeds_make_unavailable_once_the_period_is_known(
    clock: ManualClock, changes: list
) -> None:
    device = liveness(clock, changes)
    device.feed()
    clock.advance(5000)  # one FEED: the period is unknown, only BYE counts
    assert changes == [(True, None)]
    device.feed()  # 5000 s is beyond any watchdog period: not learnt
    assert device.watchdog_period is None
    clock.advance(20)
    device.feed()
    assert device.watchdog_period == 20
    clock.advance(59)
    assert changes == [(True, None)]
    clock.advance(2)
    assert changes == [(True, None), (False, LostReason.WATCHDOG)]
    assert clock.pending == 0


def test_feeding_in_time_keeps_the_device_available(clock: ManualClock, changes: list) -> None:
    device = liveness(clock, changes, learned_period=20.0)
    for _ in range(50):
        device.feed()
        clock.advance(20)
    assert changes == [(True, None)]
    assert clock.pending == 1


def test_one_lost_feed_does_not_count_twice(clock: ManualClock, changes: list) -> None:
    device = liveness(clock, changes, learned_period=20.0)
    device.feed()
    clock.advance(40)  # one FEED lost on the way
    device.feed()
    assert device.watchdog_period == 40
    clock.advance(100)
    assert changes == [(True, None)]
    clock.advance(21)
    assert changes[-1] == (False, LostReason.WATCHDOG)


def test_the_user_period_wins(clock: ManualClock, changes: list) -> None:
    device = liveness(clock, changes, watchdog_period=60.0)
    device.feed()
    clock.advance(179)
    assert changes == [(True, None)]
    clock.advance(2)
    assert changes[-1] == (False, LostReason.WATCHDOG)


def test_a_sleeping_device_survives_its_bye_for_n_sleep_periods(clock: ManualClock, changes: list) -> None:
    device = liveness(clock, changes, sleeping=True, sleep_period=600.0, sleep_periods=3)
    device.message()
    device.bye()
    clock.advance(1500)
    device.message()  # next cycle
    device.bye()
    clock.advance(1799)
    assert changes == [(True, None)]
    clock.advance(2)
    assert changes == [(True, None), (False, LostReason.SLEEP)]


def test_settings_apply_after_the_device_was_identified(clock: ManualClock, changes: list) -> None:
    device = liveness(clock, changes, learned_period=20.0)
    device.feed()
    device.configure(sleeping=True, sleep_period=100.0, sleep_periods=2, watchdog_period=None)
    assert device.sleeping
    clock.advance(199)
    assert changes == [(True, None)]
    clock.advance(2)
    assert changes[-1] == (False, LostReason.SLEEP)
    device.feed()
    device.configure(sleeping=False, sleep_period=600.0, sleep_periods=3, watchdog_period=10.0)
    clock.advance(31)
    assert changes[-1] == (False, LostReason.WATCHDOG)
    device.message()
    device.configure(sleeping=False, sleep_period=600.0, sleep_periods=3, watchdog_period=None)
    clock.advance(10_000)
    assert changes[-1] == (True, None)


def test_stop_forgets_without_reporting(clock: ManualClock, changes: list) -> None:
    device = liveness(clock, changes, learned_period=20.0)
    device.feed()
    device.stop()
    clock.advance(1000)
    assert changes == [(True, None)]
    assert not device.available
    assert device.deadline is None
