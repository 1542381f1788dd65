"""What the gateway knows about one device, and how it is stored (plain dicts).

A device is first known by its base topic only ("pending"); it is reported to the listener once it
has an identity: the MAC from SYSINFO, else its MQTT client id, else (for a device that publishes no
SYSINFO) its base topic. Points are keyed so that they survive a change of base topic:

- `./name` (or a verbatim topic): the values published on that topic;
- `action#./name`: commands published on that topic (button, switch, text, number);
- `sysinfo#field`, `params#key`, `web#reboot`, `web#logging_level`.
"""

import asyncio
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from enum import StrEnum
from typing import Any, Final

from ...nodes.model import EntityCategory, NodeInfo, PointKind, PointSpec
from ..mqtt_link import Unsubscribe
from .availability import Liveness
from .clock import Timer
from .params import ParamType, param_point
from .settings import ActionKind, DeviceSettings, TopicSettings, relative_name
from .sysinfo import LOGGING_LEVELS, SysInfo, node_info
from .topics import KEY_SEPARATOR, RELATIVE_PREFIX, REVERSE_SUFFIX, key_topic, valid_topic_key
from .values import Shape, topic_point

ACTION_NAMESPACE: Final = "action"
WEB_NAMESPACE: Final = "web"
WEB_REBOOT_KEY: Final = f"{WEB_NAMESPACE}{KEY_SEPARATOR}reboot"
WEB_LOGGING_LEVEL_KEY: Final = f"{WEB_NAMESPACE}{KEY_SEPARATOR}logging_level"
STORAGE_VERSION: Final = 1
MAX_TOPICS_PER_DEVICE: Final = 256
NUMBER_ACTION_LIMIT: Final = 1e9
ECHO_WINDOW: Final = 5.0
"""Seconds within which a message equal to our own command on a read+action topic is its echo."""


class Identity(StrEnum):
    """Where a device's node id comes from."""

    MAC = "mac"
    CLIENT_ID = "client_id"
    BASE = "base"


def identity_of(info: SysInfo) -> tuple[str, Identity] | None:
    """The node id a SYSINFO gives: its MAC, else its MQTT client id."""
    if info.mac is not None:
        return info.mac, Identity.MAC
    if info.client_id is not None:
        return info.client_id, Identity.CLIENT_ID
    return None


def action_key(topic_key: str) -> str:
    """Point key of the action on a topic."""
    return f"{ACTION_NAMESPACE}{KEY_SEPARATOR}{topic_key}"


def action_point(topic_key: str, kind: ActionKind) -> PointSpec:
    """The point of an action topic."""
    key, name = action_key(topic_key), relative_name(topic_key)
    match kind:
        case ActionKind.BUTTON:
            return PointSpec(key=key, kind=PointKind.BUTTON, name=name, writable=True)
        case ActionKind.SWITCH:
            return PointSpec(key=key, kind=PointKind.SWITCH, name=name, writable=True)
        case ActionKind.TEXT:
            return PointSpec(key=key, kind=PointKind.TEXT, name=name, writable=True, maximum=255)
        case ActionKind.NUMBER:
            return PointSpec(
                key=key,
                kind=PointKind.NUMBER,
                name=name,
                writable=True,
                minimum=-NUMBER_ACTION_LIMIT,
                maximum=NUMBER_ACTION_LIMIT,
            )


WEB_REBOOT_POINT: Final = PointSpec(
    key=WEB_REBOOT_KEY,
    kind=PointKind.BUTTON,
    translation_key="reboot",
    device_class="restart",
    writable=True,
    entity_category=EntityCategory.CONFIG,
)
WEB_LOGGING_LEVEL_POINT: Final = PointSpec(
    key=WEB_LOGGING_LEVEL_KEY,
    kind=PointKind.SELECT,
    translation_key="logging_level_select",
    writable=True,
    entity_category=EntityCategory.CONFIG,
    options=tuple(LOGGING_LEVELS.values()),
)


@dataclass(slots=True)
class TopicEntry:
    """One topic of a device: values read from it (`shape`), commands sent on it (`action`), or both.

    With neither, it is a readable topic whose first value has not arrived yet.
    """

    key: str
    shape: Shape | None = None
    action: ActionKind | None = None
    echo: tuple[bytes, float] | None = None
    """Our last command on a read+action topic and until when a message equal to it is its echo."""

    @property
    def readable(self) -> bool:
        """Whether values are read from this topic."""
        return self.shape is not None or self.action is None

    def read_point(self, settings: TopicSettings | None) -> PointSpec | None:
        """The sensor of the topic's values."""
        if self.shape is None:
            return None
        return topic_point(
            self.key,
            relative_name(self.key),
            self.shape,
            device_class=settings.device_class if settings else None,
            unit=settings.unit if settings else None,
        )

    def expect_echo(self, payload: str, now: float) -> None:
        """We publish `payload` on a topic that is also read: its echo is not a value."""
        if self.shape is not None:
            self.echo = payload.encode(), now + ECHO_WINDOW

    def is_echo(self, payload: bytes, now: float) -> bool:
        """Whether a message is the echo of our last command (consumed when it is)."""
        if self.echo is None or payload != self.echo[0]:
            return False
        until, self.echo = self.echo[1], None
        return now <= until


@dataclass(slots=True)
class ParamWaiter:
    """A `SET_PARAMS` waiting for `PARAMS` to show the value."""

    flat_key: str
    kind: ParamType
    value: Any
    future: asyncio.Future[None]
    seen: list[Any] = field(default_factory=list)


@dataclass(slots=True)
class Device:
    """One device (pending while `node_id` is None)."""

    base: str | None
    liveness: Liveness
    node_id: str | None = None
    identity: Identity | None = None
    settings: DeviceSettings = field(default_factory=DeviceSettings)
    sysinfo: SysInfo | None = None
    topics: dict[str, TopicEntry] = field(default_factory=dict)
    """Relative name (one level under the base) → topic."""
    exact: dict[str, TopicEntry] = field(default_factory=dict)
    """Full topic → topic, for topics subscribed one by one (outside the base, or deeper)."""
    params: dict[str, ParamType] = field(default_factory=dict)
    points: dict[str, PointSpec] = field(default_factory=dict)
    reported: set[str] = field(default_factory=set)
    pending_values: dict[str, Any] = field(default_factory=dict)
    ignored: set[str] = field(default_factory=set)
    """Relative names that are request topics of this device (custom reverse topics)."""
    unsubscribe: list[Unsubscribe] = field(default_factory=list)
    subscribed_base: str | None = None
    subscribed_exact: set[str] = field(default_factory=set)
    param_waiters: list[ParamWaiter] = field(default_factory=list)
    reply_waiters: dict[str, list[asyncio.Future[Any]]] = field(default_factory=dict)
    showed_life: bool = False
    refresh_sent_at: float | None = None
    """When we last asked for everything and no SYSINFO came back yet."""
    web_name: str | None = None
    web_ip: str | None = None
    web_failed: str | None = None
    web_unresolved: tuple[str, ...] = ()
    web_log: str | None = None
    """The device's log file as last read from its web API, secrets and addresses redacted."""
    configuration_url: str | None = None
    announced: bool = False
    reported_info: NodeInfo | None = None
    identity_timer: Timer | None = None
    own_system_topics: bool = False
    """The base is deeper than the discovery subscriptions: its `<base>+` carries its system topics."""

    @property
    def label(self) -> str:
        """How logs name the device."""
        return self.node_id or self.base or "?"

    def node_info(self) -> NodeInfo:
        """The device description for the listener."""
        return node_info(
            self.node_id or "",
            self.sysinfo,
            base=self.base or "",
            name=self.web_name or None,
            configuration_url=self.configuration_url,
        )

    def entry(self, key: str) -> TopicEntry | None:
        """The topic entry of a topic key."""
        if key.startswith(RELATIVE_PREFIX) and "/" not in key[len(RELATIVE_PREFIX) :]:
            return self.topics.get(key[len(RELATIVE_PREFIX) :])
        return None if self.base is None else self.exact.get(key_topic(self.base, key))

    def ensure_entry(self, key: str) -> TopicEntry | None:
        """The entry of a topic key, created if needed; None for a bad key or beyond the cap."""
        if not valid_topic_key(key):
            return None
        if (entry := self.entry(key)) is not None:
            return entry
        if self.full:
            return None
        if key.startswith(RELATIVE_PREFIX) and "/" not in key[len(RELATIVE_PREFIX) :]:
            entry = self.topics[key[len(RELATIVE_PREFIX) :]] = TopicEntry(key)
        elif self.base is not None:
            entry = self.exact[key_topic(self.base, key)] = TopicEntry(key)
        return entry

    @property
    def full(self) -> bool:
        """Whether the device has as many topics as one device may have."""
        return len(self.topics) + len(self.exact) >= MAX_TOPICS_PER_DEVICE

    def all_entries(self) -> list[TopicEntry]:
        """Every topic of the device."""
        return [*self.topics.values(), *self.exact.values()]

    def topic_settings(self, key: str) -> TopicSettings | None:
        """What the user set for one topic."""
        return self.settings.topics.get(key)

    def apply_settings(self, settings: DeviceSettings) -> None:
        """Take the user's settings: availability, declared topics and actions, request topics."""
        self.settings = settings
        self.liveness.configure(
            sleeping=settings.sleeping,
            sleep_period=settings.sleep_period,
            sleep_periods=settings.sleep_periods,
            watchdog_period=settings.watchdog_period,
        )
        self.ignored = {
            topic.reverse_topic.removeprefix(RELATIVE_PREFIX)
            for topic in settings.topics.values()
            if topic.reverse_topic and topic.reverse_topic.startswith(RELATIVE_PREFIX)
        }
        for key, topic in settings.topics.items():
            if (entry := self.ensure_entry(key)) is not None and topic.action is not None:
                entry.action = topic.action

    def all_points(self, *, web: bool) -> list[PointSpec]:
        """The points of every topic and parameter (and of the web API when `web`)."""
        specs: list[PointSpec] = []
        for entry in self.all_entries():
            if (read := entry.read_point(self.topic_settings(entry.key))) is not None:
                specs.append(read)
            if entry.action is not None:
                specs.append(action_point(entry.key, entry.action))
        specs += [param_point(flat_key, kind) for flat_key, kind in self.params.items()]
        if web:
            specs += [WEB_REBOOT_POINT, WEB_LOGGING_LEVEL_POINT]
        return specs

    def reverse_topic(self, entry: TopicEntry) -> str | None:
        """The request topic of a readable topic: the user's, else `<topic>_`."""
        settings = self.topic_settings(entry.key)
        if settings is not None and settings.reverse_topic is not None:
            if not settings.reverse_topic or self.base is None:
                return None
            return key_topic(self.base, settings.reverse_topic)
        if self.base is None:
            return None
        return key_topic(self.base, entry.key) + REVERSE_SUFFIX

    def exact_subscriptions(self) -> set[str]:
        """Topics subscribed one by one: readable exact topics, and the replies of exact actions."""
        topics = set()
        for topic, entry in self.exact.items():
            if entry.readable:
                topics.add(topic)
            if entry.action is not None:
                topics.add(topic + REVERSE_SUFFIX)
        return topics

    def cancel_waiters(self, reason: str) -> None:
        """Fail every write waiting for this device."""
        for waiter in self.param_waiters:
            if not waiter.future.done():
                waiter.future.set_exception(ConnectionError(reason))
        self.param_waiters.clear()
        for futures in self.reply_waiters.values():
            for future in futures:
                if not future.done():
                    future.set_exception(ConnectionError(reason))
        self.reply_waiters.clear()

    def drop_subscriptions(self) -> None:
        """Unsubscribe everything of this device."""
        for unsubscribe in self.unsubscribe:
            unsubscribe()
        self.unsubscribe.clear()
        self.subscribed_base = None
        self.subscribed_exact.clear()

    def cancel_identity_timer(self) -> None:
        """Stop waiting for the device's identity."""
        if self.identity_timer is not None:
            self.identity_timer.cancel()
            self.identity_timer = None


# --- storage -----------------------------------------------------------------------------------


def device_record(device: Device) -> dict[str, Any]:
    """A stored record of an identified device."""
    topics: dict[str, dict[str, str]] = {}
    for entry in device.all_entries():
        data = {}
        if entry.shape is not None:
            data["shape"] = entry.shape.value
        if entry.action is not None:
            data["action"] = entry.action.value
        topics[entry.key] = data
    record: dict[str, Any] = {
        "node_id": device.node_id,
        "identity": (device.identity or Identity.BASE).value,
        "base": device.base,
        "topics": topics,
        "params": {key: kind.value for key, kind in device.params.items()},
    }
    if (period := device.liveness.watchdog_period) is not None:
        record["watchdog_period"] = round(period, 3)
    if device.web_name is not None:
        record["web_name"] = device.web_name
    return record


@dataclass(frozen=True, slots=True)
class StoredDevice:
    """A record read back from storage."""

    node_id: str
    identity: Identity
    base: str | None
    topics: dict[str, tuple[Shape | None, ActionKind | None]]
    params: dict[str, ParamType]
    watchdog_period: float | None
    web_name: str | None


def read_record(data: Mapping[str, Any], normalise_base: Callable[[str], str]) -> StoredDevice:
    """Inverse of `device_record`; raises KeyError, TypeError or ValueError on a malformed record."""
    node_id = data["node_id"]
    if not isinstance(node_id, str) or not node_id or len(node_id) > 256:  # noqa: PLR2004
        raise ValueError("bad node_id")
    base = data.get("base")
    topics: dict[str, tuple[Shape | None, ActionKind | None]] = {}
    for key, value in dict(data.get("topics", {})).items():
        if not valid_topic_key(key) or len(topics) >= MAX_TOPICS_PER_DEVICE:
            raise ValueError(f"bad topic key {key!r:.40}")
        shape, action = value.get("shape"), value.get("action")
        topics[key] = (Shape(shape) if shape else None, ActionKind(action) if action else None)
    period, web_name = data.get("watchdog_period"), data.get("web_name")
    return StoredDevice(
        node_id=node_id,
        identity=Identity(data.get("identity", Identity.BASE.value)),
        base=normalise_base(base) if base is not None else None,
        topics=topics,
        params={str(key): ParamType(kind) for key, kind in dict(data.get("params", {})).items()},
        watchdog_period=float(period)
        if isinstance(period, int | float) and not isinstance(period, bool)
        else None,
        web_name=web_name if isinstance(web_name, str) else None,
    )
