"""The topic model: base topics, discovery filters, system topics, point keys, web ids."""

import pytest

from custom_components.pyiot.core.protocols.fmpyiot.topics import (
    BaseTopicError,
    BaseTopicProblem,
    base_depth,
    discovery_filters,
    is_topic_key,
    key_topic,
    normalise_base,
    split_system_topic,
    topic_key,
    valid_topic_key,
    web_topic_id,
)


@pytest.mark.parametrize(
    ("text", "base", "depth"),
    [
        ("T-HOME", "T-HOME/", 1),
        ("T-HOME/SERRE", "T-HOME/SERRE/", 2),
        ("T-HOME/SERRE/", "T-HOME/SERRE/", 2),
        ("/T-HOME/X", "/T-HOME/X/", 3),
        ("a/b/c/d", "a/b/c/d/", 4),
        ("OLFA/ETANG_HAUT/NIVEAU", "OLFA/ETANG_HAUT/NIVEAU/", 3),
    ],
)
def test_base_topics_get_their_trailing_slash_and_depth(text: str, base: str, depth: int) -> None:
    assert normalise_base(text) == base
    assert base_depth(base) == depth


@pytest.mark.parametrize(
    ("text", "problem"),
    [
        ("", BaseTopicProblem.EMPTY),
        ("/", BaseTopicProblem.EMPTY),
        ("T-HOME/+", BaseTopicProblem.WILDCARD),
        ("T-HOME/#", BaseTopicProblem.WILDCARD),
        ("+", BaseTopicProblem.WILDCARD),
        ("T\x00X", BaseTopicProblem.INVALID),
        ("T\nX", BaseTopicProblem.INVALID),
        ("x" * 300, BaseTopicProblem.TOO_LONG),
        ("a/b/c/d/e/f/g/h/i", BaseTopicProblem.TOO_DEEP),
    ],
)
def test_unusable_base_topics_are_refused_with_a_stable_key(text: str, problem: BaseTopicProblem) -> None:
    with pytest.raises(BaseTopicError) as caught:
        normalise_base(text)
    assert caught.value.key is problem


def test_the_depth_limit_of_a_base_can_be_lowered() -> None:
    assert normalise_base("a/b", max_depth=2) == "a/b/"
    with pytest.raises(BaseTopicError):
        normalise_base("a/b/c", max_depth=2)


def test_discovery_filters_cover_every_system_topic_at_every_depth() -> None:
    assert discovery_filters(1) == ("+/WATCHDOG", "+/SYSINFO", "+/PARAMS", "+/BYE")
    filters = discovery_filters(4)
    assert len(filters) == 16
    assert "+/+/+/+/BYE" in filters
    assert all("#" not in topic for topic in filters)
    with pytest.raises(ValueError, match="max_depth"):
        discovery_filters(0)
    with pytest.raises(ValueError, match="max_depth"):
        discovery_filters(9)


@pytest.mark.parametrize(
    ("topic", "expected"),
    [
        ("T-HOME/SERRE/WATCHDOG", ("T-HOME/SERRE/", "WATCHDOG")),
        ("/T-HOME/X/SYSINFO", ("/T-HOME/X/", "SYSINFO")),
        ("A/BYE", ("A/", "BYE")),
        ("A/B/PARAMS", ("A/B/", "PARAMS")),
        ("A/B/PARAMS_", None),
        ("WATCHDOG", None),
        ("A/B/temperature", None),
    ],
)
def test_system_topics_name_their_base(topic: str, expected: tuple[str, str] | None) -> None:
    assert split_system_topic(topic) == expected


def test_point_keys_follow_declared_names() -> None:
    base = "T-HOME/SERRE/"
    assert topic_key(base, "T-HOME/SERRE/temperature") == "./temperature"
    assert topic_key(base, "/CO_TEST") == "/CO_TEST"
    assert topic_key(base, "T-HOME/SERRE/") == "T-HOME/SERRE/"
    assert key_topic(base, "./temperature") == "T-HOME/SERRE/temperature"
    assert key_topic(base, "./roue/check") == "T-HOME/SERRE/roue/check"
    assert key_topic(base, "/CO_TEST") == "/CO_TEST"
    assert is_topic_key("./temperature")
    assert not is_topic_key("sysinfo#rssi")


@pytest.mark.parametrize(
    ("key", "valid"),
    [
        ("./temperature", True),
        ("/CO_TEST", True),
        ("T-HOME/EXTERIEUR/temperature", True),
        ("./", False),
        ("temperature", False),
        ("./a+b", False),
        ("./a#b", False),
        ("", False),
        ("./" + "x" * 300, False),
    ],
)
def test_topic_keys_are_validated(key: str, valid: bool) -> None:
    assert valid_topic_key(key) is valid


def test_web_ids_are_built_as_the_device_builds_them() -> None:
    assert web_topic_id("./temperature") == "T__temperature"
    assert web_topic_id("./SET_PARAMS") == "T__SET_PARAMS"
    assert web_topic_id("/FmPyIOT/datetime_") == "T_FmPyIOT_datetime_"
    assert web_topic_id("./MQ-5") == "T__MQ_5"
    assert web_topic_id("./température") == "T__temp_rature"
