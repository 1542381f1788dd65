"""OncePerSourceLogger: once per source and problem, one summary per problem and minute, bounded memory."""

import logging

import pytest

from custom_components.pyiot.core.nodes.bad_input import MAX_SOURCE_LENGTH, OncePerSourceLogger
from tests.support.manual_clock import ManualClock

LOGGER = logging.getLogger("custom_components.pyiot.test_bad_input")
pytestmark = pytest.mark.allow_pyiot_warnings


def warnings(caplog: pytest.LogCaptureFixture) -> list[str]:
    return [r.getMessage() for r in caplog.records if r.name == LOGGER.name and r.levelno == logging.WARNING]


def debugs(caplog: pytest.LogCaptureFixture) -> list[str]:
    return [r.getMessage() for r in caplog.records if r.name == LOGGER.name and r.levelno == logging.DEBUG]


@pytest.fixture
def caplog_debug(caplog: pytest.LogCaptureFixture) -> pytest.LogCaptureFixture:
    caplog.set_level(logging.DEBUG, logger=LOGGER.name)
    return caplog


def test_once_per_source_and_problem(caplog_debug: pytest.LogCaptureFixture, clock: ManualClock) -> None:
    bad = OncePerSourceLogger(LOGGER, clock=clock)
    for _ in range(3):
        bad.warn("n1", "not_json", "payload %r", "x")
        bad.warn("n1", "bad_value", "plain detail")
        bad.warn("n2", "not_json", "payload %r", "y")
    assert warnings(caplog_debug) == [
        "Dropped input from n1 (not_json): payload 'x'",
        "Dropped input from n1 (bad_value): plain detail",
        "Dropped input from n2 (not_json): payload 'y'",
    ]
    assert len(debugs(caplog_debug)) == 6
    bad.forget("n1")
    bad.warn("n1", "not_json", "again")
    assert warnings(caplog_debug)[-1] == "Dropped input from n1 (not_json): again"


def test_a_flood_of_sources_gives_one_summary_per_problem_and_minute(
    caplog: pytest.LogCaptureFixture, clock: ManualClock
) -> None:
    bad = OncePerSourceLogger(LOGGER, clock=clock)
    for number in range(1_209):
        bad.warn(f"junk-{number}", "not_json", "garbage")
        bad.warn(f"junk-{number}", "not_json", "garbage")  # a repeat is not a new source
    for number in range(100):
        bad.warn(f"other-{number}", "bad_check", "garbage")
    assert len(warnings(caplog)) == 10  # five named sources per problem
    clock.advance(59)
    bad.flush()
    assert len(warnings(caplog)) == 10  # the minute is not over
    clock.advance(1)
    bad.flush()
    lines = warnings(caplog)
    assert lines[10:] == [
        "1,204 more sources sent not_json in the last minute (e.g. junk-5, junk-6, junk-7)",
        "95 more sources sent bad_check in the last minute (e.g. other-5, other-6, other-7)",
    ]
    bad.flush()
    assert len(warnings(caplog)) == 12
    # The next minute names new sources again.
    bad.warn("late", "not_json", "garbage")
    assert warnings(caplog)[-1] == "Dropped input from late (not_json): garbage"


def test_summary_comes_with_the_next_message_after_the_window(
    caplog: pytest.LogCaptureFixture, clock: ManualClock
) -> None:
    bad = OncePerSourceLogger(LOGGER, named_per_window=1, window=10, clock=clock)
    bad.warn("a", "p", "x")
    bad.warn("b", "p", "x")
    clock.advance(5)
    bad.warn("c", "q", "x")  # opens a window of its own, ending later
    clock.advance(5)
    bad.warn("a", "p", "x")  # a repeat closes the ended window
    assert warnings(caplog) == [
        "Dropped input from a (p): x",
        "Dropped input from c (q): x",
        "1 more sources sent p in the last 10 s (e.g. b)",
    ]
    clock.advance(5)
    bad.flush()  # q's window ended with nothing more to say
    assert len(warnings(caplog)) == 3


def test_memory_is_bounded(caplog: pytest.LogCaptureFixture, clock: ManualClock) -> None:
    bad = OncePerSourceLogger(LOGGER, limit=100, clock=clock)
    for number in range(100_000):
        bad.warn(f"junk-{number}", "not_json", "garbage")
        if number % 10_000 == 0:
            clock.advance(60)
    assert bad.remembered == 100
    # 5 named and one summary per window: 11 windows.
    assert len(warnings(caplog)) < 80
    bad.warn("s" * 1_000, "not_json", "long source")
    assert bad.remembered == 100
    assert all(len(source) <= MAX_SOURCE_LENGTH for source in bad._seen)


def test_details_are_formatted_only_when_written(
    caplog: pytest.LogCaptureFixture, clock: ManualClock
) -> None:
    formatted: list[int] = []

    class Costly:
        def __str__(self) -> str:
            formatted.append(1)
            return "costly"

    caplog.set_level(logging.INFO, logger=LOGGER.name)
    bad = OncePerSourceLogger(LOGGER, named_per_window=1, clock=clock)
    bad.warn("a", "p", "%s", Costly())
    written = len(formatted)  # once per log handler
    assert written >= 1
    for _ in range(1_000):
        bad.warn("a", "p", "%s", Costly())  # debug is off: not formatted
        bad.warn("b", "p", "%s", Costly())  # counted for the summary
    assert len(formatted) == written
    assert warnings(caplog) == ["Dropped input from a (p): costly"]
