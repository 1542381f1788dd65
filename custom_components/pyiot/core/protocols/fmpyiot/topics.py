"""FmPyIOT topic model (fmpyiot.md §2, §4): base topics, system topics, point keys and reverse topics.

A device publishes under a base topic of any depth that always ends with `/` (`T-HOME/SERRE/`), and a
leading `/` is an empty first level (`/T-HOME/X/` has depth 3). A device is recognised by one of its
system topics `<base>WATCHDOG`, `<base>SYSINFO`, `<base>PARAMS` or `<base>BYE`; MQTT wildcards match
whole levels, so one filter per depth finds them (`+/WATCHDOG`, `+/+/WATCHDOG`, ...).

Point keys follow the names a device declares (and its web API reports): `./temperature` for a topic
under the base, the topic itself for one declared verbatim (`/CO_TEST`). Keys of points that are not
topics contain `#`, which no MQTT topic name may contain: `sysinfo#rssi`, `params#push_duration`,
`web#reboot`.
"""

from enum import StrEnum
import re
from typing import Final

WATCHDOG: Final = "WATCHDOG"
SYSINFO: Final = "SYSINFO"
PARAMS: Final = "PARAMS"
BYE: Final = "BYE"
DISCOVERY_NAMES: Final = (WATCHDOG, SYSINFO, PARAMS, BYE)
"""The system topics every device publishes, by which a device is recognised."""

SYSINFO_REQUEST: Final = "SYSINFO_"
PARAMS_REQUEST: Final = "PARAMS_"
SET_PARAMS: Final = "SET_PARAMS"
SET_PARAM: Final = "SET_PARAM"
SYSTEM_NAMES: Final = frozenset(
    {*DISCOVERY_NAMES, SYSINFO_REQUEST, PARAMS_REQUEST, SET_PARAMS, SET_PARAM}
    | {f"{name}_" for name in (WATCHDOG, BYE, SET_PARAMS, SET_PARAM)}
)
"""Names under a base that are never points (requests, replies and commands of the system topics)."""

TIME_REQUEST_TOPIC: Final = "/FmPyIOT/datetime_"
TIME_TOPIC: Final = "/FmPyIOT/datetime"

RELATIVE_PREFIX: Final = "./"
REVERSE_SUFFIX: Final = "_"
KEY_SEPARATOR: Final = "#"
"""Separates the namespace of a non-topic point key (`sysinfo#rssi`)."""

DEFAULT_MAX_DEPTH: Final = 4
MAX_DEPTH_LIMIT: Final = 8
MAX_TOPIC_LENGTH: Final = 256
"""Longest topic accepted, in characters (base topics and point topics alike)."""

_TOPIC_ID = re.compile(r"\W", re.ASCII)


class BaseTopicProblem(StrEnum):
    """Why a text is not a usable base topic; stable keys for the options flow's errors."""

    EMPTY = "base_topic_empty"
    WILDCARD = "base_topic_wildcard"
    INVALID = "base_topic_invalid"
    TOO_LONG = "base_topic_too_long"
    TOO_DEEP = "base_topic_too_deep"


class BaseTopicError(ValueError):
    """A base topic cannot be used; `key` is a `BaseTopicProblem`."""

    def __init__(self, key: BaseTopicProblem, text: str) -> None:
        """Keep the stable key and the offending text (shortened)."""
        super().__init__(f"{key.value}: {text[:80]!r}")
        self.key = key


def normalise_base(text: str, max_depth: int = MAX_DEPTH_LIMIT) -> str:
    """A base topic as the device uses it (with its trailing `/`), or `BaseTopicError`.

    `T-HOME/SERRE` and `T-HOME/SERRE/` are the same base; `/T-HOME/X` keeps its empty first level.
    """
    if not text or text == "/":
        raise BaseTopicError(BaseTopicProblem.EMPTY, text)
    if "+" in text or "#" in text:
        raise BaseTopicError(BaseTopicProblem.WILDCARD, text)
    if not text.isprintable() or "\x00" in text:
        raise BaseTopicError(BaseTopicProblem.INVALID, text)
    base = text if text.endswith("/") else f"{text}/"
    if len(base) > MAX_TOPIC_LENGTH:
        raise BaseTopicError(BaseTopicProblem.TOO_LONG, text)
    if base_depth(base) > max_depth:
        raise BaseTopicError(BaseTopicProblem.TOO_DEEP, text)
    return base


def base_depth(base: str) -> int:
    """Number of levels of a base topic (`A/B/` → 2, `/A/` → 2 with its empty first level)."""
    return base.count("/")


def discovery_filters(max_depth: int = DEFAULT_MAX_DEPTH) -> tuple[str, ...]:
    """The subscriptions finding the system topics of every device with a base of 1 to `max_depth` levels."""
    if not 1 <= max_depth <= MAX_DEPTH_LIMIT:
        raise ValueError(f"max_depth must be between 1 and {MAX_DEPTH_LIMIT}")
    return tuple("+/" * depth + name for depth in range(1, max_depth + 1) for name in DISCOVERY_NAMES)


def split_system_topic(topic: str) -> tuple[str, str] | None:
    """`(base, name)` of a system topic (`T-HOME/SERRE/WATCHDOG` → `("T-HOME/SERRE/", "WATCHDOG")`)."""
    base, separator, name = topic.rpartition("/")
    if not separator or name not in DISCOVERY_NAMES:
        return None
    return f"{base}/", name


def topic_key(base: str, topic: str) -> str:
    """The point key of `topic` for a device with `base`: `./name` under the base, else the topic."""
    if topic.startswith(base) and len(topic) > len(base):
        return RELATIVE_PREFIX + topic[len(base) :]
    return topic


def key_topic(base: str, key: str) -> str:
    """The topic of a point key (inverse of `topic_key`), like the device's `get_topic`."""
    if key.startswith(RELATIVE_PREFIX):
        return base + key[len(RELATIVE_PREFIX) :]
    return key


def is_topic_key(key: str) -> bool:
    """Whether a point key names a topic (not `sysinfo#...`, `params#...`, `web#...`)."""
    return KEY_SEPARATOR not in key


def valid_topic_key(key: str) -> bool:
    """Whether `key` can name a topic point: `./name` or a verbatim topic with a `/`, no wildcards."""
    if not key or len(key) > MAX_TOPIC_LENGTH or not key.isprintable():
        return False
    if "+" in key or "#" in key or "\x00" in key:
        return False
    if key.startswith(RELATIVE_PREFIX):
        return len(key) > len(RELATIVE_PREFIX)
    return "/" in key


def web_topic_id(declared: str) -> str:
    """The HTML id the device's web server gives a topic: `T` + the declared name, non-word chars as `_`.

    MicroPython's `re` knows only ASCII word characters, hence `re.ASCII`.
    """
    return "T" + _TOPIC_ID.sub("_", declared)
