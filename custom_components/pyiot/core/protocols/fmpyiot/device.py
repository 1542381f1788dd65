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

from ...nodes.model import PointKind, PointSpec
from ..mqtt_link import Unsubscribe
from .availability import Liveness
from .params import ParamType
from .settings import ActionKind, TopicSettings, relative_name
from .sysinfo import LOGGING_LEVELS, SysInfo
from .topics import KEY_SEPARATOR, REVERSE_SUFFIX, key_topic, valid_topic_key
from .values import Shape, topic_point

ACTION_NAMESPACE: Final = "action"
WEB_NAMESPACE: Final = "web"
WEB_REBOOT_KEY: Final = f"{WEB_NAMESPACE}{KEY_SEPARATOR}reboot"
WEB_LOGGING_LEVEL_KEY: Final = f"{WEB_NAMESPACE}{KEY_SEPARATOR}logging_level"
STORAGE_VERSION: Final = 1
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
)
WEB_LOGGING_LEVEL_POINT: Final = PointSpec(
    key=WEB_LOGGING_LEVEL_KEY,
    kind=PointKind.SELECT,
    translation_key="logging_level_select",
    writable=True,
    options=tuple(LOGGING_LEVELS.values()),
)


@dataclass(slots=True)
class TopicEntry:
    """One topic of a device: values read from it (`shape`), commands sent on it (`action`), or both."""

    key: str
    shape: Shape | None = None
    action: ActionKind | None = None
    echo: tuple[bytes, float] | None = None
    """Our last command on a read+action topic and when it stops counting as its echo."""

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
    sysinfo: SysInfo | None = None
    name: str | None = None
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
    web_name: str | None = None
    web_ip: str | None = None
    web_failed: str | None = None
    web_unresolved: tuple[str, ...] = ()
    announced: bool = False
    reported_info: Any = None
    identity_timer: Any = None
    own_system_topics: bool = False
    """The base is deeper than the discovery subscriptions: its `<base>+` carries its system topics."""

    @property
    def label(self) -> str:
        """How logs name the device."""
        return self.node_id or self.base or "?"

    def entry(self, key: str) -> TopicEntry | None:
        """The topic entry of a topic key."""
        if key.startswith("./") and "/" not in key[2:]:
            return self.topics.get(key[2:])
        return None if self.base is None else self.exact.get(key_topic(self.base, key))

    def all_entries(self) -> list[TopicEntry]:
        """Every topic of the device."""
        return [*self.topics.values(), *self.exact.values()]

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


def reverse_for(base: str | None, key: str, settings: TopicSettings | None) -> str | None:
    """The request topic of a readable topic: the user's, else `<topic>_`."""
    if settings is not None and settings.reverse_topic is not None:
        if not settings.reverse_topic:
            return None
        return key_topic(base, settings.reverse_topic) if base else settings.reverse_topic
    if base is None and key.startswith("./"):
        return None
    return key_topic(base or "", key) + REVERSE_SUFFIX


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
        "identity": device.identity.value if device.identity else Identity.BASE.value,
        "base": device.base,
        "topics": topics,
        "params": {key: kind.value for key, kind in device.params.items()},
    }
    if (period := device.liveness.watchdog_period) is not None:
        record["watchdog_period"] = round(period, 3)
    if device.name:
        record["name"] = device.name
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
    name: str | None
    web_name: str | None


def read_record(data: Mapping[str, Any], normalise_base: Callable[[str], str]) -> StoredDevice:
    """Inverse of `device_record`; raises KeyError, TypeError or ValueError on a malformed record."""
    node_id = data["node_id"]
    if not isinstance(node_id, str) or not node_id or len(node_id) > 256:
        raise ValueError("bad node_id")
    base = data.get("base")
    topics: dict[str, tuple[Shape | None, ActionKind | None]] = {}
    for key, value in dict(data.get("topics", {})).items():
        if not valid_topic_key(key):
            raise ValueError(f"bad topic key {key!r:.40}")
        shape, action = value.get("shape"), value.get("action")
        topics[key] = (Shape(shape) if shape else None, ActionKind(action) if action else None)
    period = data.get("watchdog_period")
    return StoredDevice(
        node_id=node_id,
        identity=Identity(data.get("identity", Identity.BASE.value)),
        base=normalise_base(base) if base is not None else None,
        topics=topics,
        params={str(key): ParamType(kind) for key, kind in dict(data.get("params", {})).items()},
        watchdog_period=float(period) if isinstance(period, int | float) else None,
        name=data.get("name") if isinstance(data.get("name"), str) else None,
        web_name=data.get("web_name") if isinstance(data.get("web_name"), str) else None,
    )


def echo_expired(entry: TopicEntry, now: float) -> bool:
    """Whether the echo window of the last command is over."""
    return entry.echo is None or entry.echo[1] < now


def new_echo(payload: str, now: float) -> tuple[bytes, float]:
    """The echo to expect for a command."""
    return payload.encode(), now + ECHO_WINDOW
