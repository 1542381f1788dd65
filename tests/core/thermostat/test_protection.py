# ruff: noqa: DTZ001 - naive datetimes here are deliberate wall-clock times
from datetime import UTC, datetime, timedelta

from hypothesis import given, settings, strategies as st
import pytest
from relay_limits import violations

from custom_components.pyiot.core.thermostat import (
    GuardDecision,
    GuardReason,
    RelayGuard,
    RetryPolicy,
    ScheduleError,
)

T0 = datetime(2026, 1, 5, 8, tzinfo=UTC)
MIN = timedelta(minutes=1)


def at(minutes):
    return T0 + minutes * MIN


def guard(**kwargs):
    settings_ = {
        "min_on": 5 * MIN,
        "min_off": 3 * MIN,
        "max_starts_per_hour": 3,
        "max_run": 60 * MIN,
    } | kwargs
    return RelayGuard(**settings_)


def follow(relay, minutes, wanted):
    """Decide, let the relay obey at once, and record it."""
    decision = relay.decide(at(minutes), wanted)
    relay.record(at(minutes), decision.on)
    return decision


def test_first_decision_is_allowed_with_unknown_history():
    relay = guard()
    assert relay.is_on is None
    assert relay.decide(T0, wanted_on=True) == GuardDecision(on=True)
    relay.record(T0, is_on=False)  # first observation: no known history, so min_off does not apply
    assert relay.decide(T0, wanted_on=True).on
    relay = guard()
    relay.record(T0, is_on=True)  # found running: min_on cannot apply, but max_run counts from now
    assert relay.decide(T0, wanted_on=False) == GuardDecision(on=False)
    assert relay.decide(at(60), wanted_on=True).reason is GuardReason.MAX_RUN


def test_min_on_holds_the_relay_on():
    relay = guard()
    relay.record(at(0), is_on=False)
    follow(relay, 1, wanted=True)
    held = follow(relay, 3, wanted=False)
    assert held == GuardDecision(on=True, reason=GuardReason.MIN_ON, wait_until=at(6))
    assert follow(relay, 6, wanted=False) == GuardDecision(on=False)


def test_min_off_keeps_the_relay_off():
    relay = guard()
    relay.record(at(0), is_on=False)
    follow(relay, 0, wanted=True)
    follow(relay, 10, wanted=False)
    assert follow(relay, 12, wanted=True) == GuardDecision(
        on=False, reason=GuardReason.MIN_OFF, wait_until=at(13)
    )
    assert follow(relay, 13, wanted=True).on


def test_max_starts_in_a_rolling_hour():
    relay = guard(min_on=MIN, min_off=MIN, max_run=None)
    relay.record(at(0), is_on=False)
    for start in (0, 10, 20):
        assert follow(relay, start, wanted=True).on
        follow(relay, start + 2, wanted=False)
    blocked = follow(relay, 30, wanted=True)
    assert blocked == GuardDecision(on=False, reason=GuardReason.MAX_STARTS, wait_until=at(60))
    assert not follow(relay, 59, wanted=True).on
    assert follow(relay, 60, wanted=True).on


def test_max_run_forces_a_rest_then_min_off_applies():
    relay = guard()
    relay.record(at(0), is_on=False)
    assert follow(relay, 0, wanted=True) == GuardDecision(on=True, wait_until=at(60))
    assert follow(relay, 30, wanted=True) == GuardDecision(on=True, wait_until=at(60))
    forced = follow(relay, 60, wanted=True)
    assert forced == GuardDecision(on=False, reason=GuardReason.MAX_RUN, wait_until=at(63))
    assert follow(relay, 62, wanted=True).reason is GuardReason.MIN_OFF
    assert follow(relay, 63, wanted=True).on


def test_max_run_counts_from_the_request_when_the_relay_is_seen_late():
    relay = guard()
    relay.record(at(0), is_on=False)
    assert relay.decide(at(0), wanted_on=True).on
    assert relay.decide(at(1), wanted_on=True).on  # still not seen on: the first request counts
    relay.record(at(2), is_on=True)
    assert relay.decide(at(59), wanted_on=True).wait_until == at(60)
    # min_on counts from when the change was seen (the conservative side for min_on).
    assert relay.decide(at(6), wanted_on=False).wait_until == at(7)


def test_a_withdrawn_request_does_not_count():
    relay = guard()
    relay.record(at(0), is_on=False)
    relay.decide(at(0), wanted_on=True)
    relay.decide(at(1), wanted_on=False)
    relay.record(at(5), is_on=True)  # switched on by hand
    assert relay.decide(at(64), wanted_on=True).wait_until == at(65)


@pytest.mark.parametrize(
    "kwargs",
    [
        {"min_on": -MIN},
        {"min_off": 5},
        {"max_starts_per_hour": 0},
        {"max_starts_per_hour": True},
        {"max_starts_per_hour": 2.5},
        {"max_run": 5 * MIN},
        {"max_run": 3600},
    ],
)
def test_invalid_limits(kwargs):
    with pytest.raises(ScheduleError) as err:
        guard(**kwargs)
    assert err.value.translation_key == "invalid_guard"


def test_naive_instants_are_refused():
    with pytest.raises(ScheduleError):
        guard().decide(datetime(2026, 1, 1), wanted_on=True)
    with pytest.raises(ScheduleError):
        guard().record(datetime(2026, 1, 1), is_on=True)


def test_state_survives_a_restart():
    relay = guard()
    relay.record(at(0), is_on=False)
    follow(relay, 0, wanted=True)
    follow(relay, 10, wanted=False)
    restored = RelayGuard.from_dict(relay.to_dict())
    assert restored.to_dict() == relay.to_dict()
    assert restored.decide(at(11), wanted_on=True).reason is GuardReason.MIN_OFF
    other = guard(min_off=10 * MIN)
    other.load_state(relay.state_dict())
    assert other.decide(at(15), wanted_on=True).wait_until == at(20)


@pytest.mark.parametrize(
    "junk",
    [
        None,
        {},
        {"min_on": "5", "min_off": 0, "max_starts_per_hour": None, "max_run": None, "state": {}},
        {"min_on": 0, "min_off": 0, "max_starts_per_hour": None, "max_run": None},
        {"min_on": 0, "min_off": 0, "max_starts_per_hour": 0, "max_run": None, "state": {}},
        {"min_on": 0, "min_off": 0, "max_starts_per_hour": None, "max_run": 1e300, "state": {}},
        {"min_on": 0, "min_off": 0, "max_starts_per_hour": None, "max_run": None, "state": {}},
    ],
)
def test_from_dict_of_junk(junk):
    with pytest.raises(ScheduleError):
        RelayGuard.from_dict(junk)


@pytest.mark.parametrize(
    "state",
    [
        None,
        {"is_on": "yes"},
        {
            "is_on": True,
            "on_since": 5,
            "run_start": None,
            "off_since": None,
            "asked_on_at": None,
            "starts": [],
        },
        {
            "is_on": True,
            "on_since": "2026-01-01T00:00",
            "run_start": None,
            "off_since": None,
            "asked_on_at": None,
            "starts": [],
        },
        {
            "is_on": True,
            "on_since": None,
            "run_start": None,
            "off_since": None,
            "asked_on_at": None,
            "starts": [None],
        },
    ],
)
def test_load_state_of_junk(state):
    with pytest.raises(ScheduleError):
        guard().load_state(state)


LIMITS = st.fixed_dictionaries(
    {
        "min_on": st.integers(0, 600).map(lambda s: timedelta(seconds=s)),
        "min_off": st.integers(0, 600).map(lambda s: timedelta(seconds=s)),
        "max_starts_per_hour": st.none() | st.integers(1, 8),
        "max_run": st.none() | st.integers(601, 5400).map(lambda s: timedelta(seconds=s)),
    }
)


@settings(max_examples=300, deadline=None)
@given(
    limits=LIMITS,
    initial=st.booleans(),
    steps=st.lists(
        st.tuples(st.integers(1, 900), st.booleans(), st.integers(0, 30)), min_size=1, max_size=120
    ),
)
def test_guard_never_violates_its_limits(limits, initial, steps):
    """Random requests at random times; the relay obeys at once; the caller also wakes up at
    `wait_until` as the Home Assistant side will. Sometimes the guard is saved and restored."""
    relay = RelayGuard(**limits)
    now = T0
    state = initial
    relay.record(now, state)
    changes = [(now, state)]
    for gap, wanted, restart in steps:
        decision = relay.decide(now, wanted)
        if decision.on != state:
            state = decision.on
            changes.append((now, state))
        relay.record(now, state)
        if restart == 0:
            relay = RelayGuard.from_dict(relay.to_dict())
        later = now + timedelta(seconds=gap)
        if decision.wait_until is not None and now < decision.wait_until < later:
            later = decision.wait_until
        now = later
    assert violations(changes, end=now, **limits) == []


def test_retry_policy_backs_off_and_fails_after_five_misses():
    policy = RetryPolicy()
    assert [policy.delay(n).total_seconds() for n in range(7)] == [10, 20, 40, 80, 160, 300, 300]
    assert policy.delay(10_000) == timedelta(minutes=5)
    assert policy.should_send(T0, wanted=True, actual=False)
    assert policy.next_attempt == T0 + timedelta(seconds=10)
    assert not policy.should_send(T0 + timedelta(seconds=9), wanted=True, actual=False)
    sent = []
    moment = T0
    while not policy.failed:
        moment = policy.next_attempt
        assert policy.should_send(moment, wanted=True, actual=False)
        sent.append((moment - T0).total_seconds())
    assert sent == [10, 30, 70, 150, 310]
    assert policy.failures == 5
    assert policy.should_send(policy.next_attempt, wanted=True, actual=False)  # keeps trying
    assert not policy.should_send(moment, wanted=True, actual=True)
    assert (policy.failures, policy.failed, policy.next_attempt) == (0, False, None)


def test_retry_policy_sends_a_changed_wish_at_once():
    policy = RetryPolicy()
    assert policy.should_send(T0, wanted=True, actual=False)
    assert policy.should_send(T0 + timedelta(seconds=1), wanted=False, actual=True)
    assert policy.failures == 0


@pytest.mark.parametrize(
    "kwargs",
    [
        {"first_delay": timedelta(0)},
        {"max_delay": timedelta(seconds=5)},
        {"factor": 0.5},
        {"factor": True},
        {"max_failures": 0},
        {"first_delay": 10},
    ],
)
def test_retry_policy_validation(kwargs):
    with pytest.raises(ScheduleError):
        RetryPolicy(**kwargs)
