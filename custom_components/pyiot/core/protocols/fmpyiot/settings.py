"""User settings of the FmPyIOT gateway (the options flow), as plain dicts in and out.

`GatewaySettings.from_dict` reads what the options flow stored and raises `SettingsError` with a stable
key for what it cannot use; `as_dict` gives it back. Settings of a device are keyed by its node id,
settings of a topic by its point key (`./LED`, `/CO_TEST`).
"""

from collections.abc import Mapping
from dataclasses import dataclass, field
from enum import StrEnum
from typing import Any, Final, Self

from .topics import (
    DEFAULT_MAX_DEPTH,
    MAX_DEPTH_LIMIT,
    RELATIVE_PREFIX,
    BaseTopicError,
    normalise_base,
    valid_topic_key,
)

DEFAULT_SLEEP_PERIOD: Final = 600.0
DEFAULT_SLEEP_PERIODS: Final = 3
DEFAULT_WEB_PORT: Final = 80
MAX_DECLARED_TOPICS: Final = 64
MAX_MANUAL_BASES: Final = 64
MAX_TEXT_LENGTH: Final = 256
MAX_PORT: Final = 65535


class ActionKind(StrEnum):
    """How an action topic is shown: a button (empty payload), a switch, a text or a number."""

    BUTTON = "button"
    SWITCH = "switch"
    TEXT = "text"
    NUMBER = "number"


class SettingsError(ValueError):
    """A setting cannot be used; `key` names the problem for the options flow."""

    def __init__(self, key: str, detail: str) -> None:
        """Keep the stable key."""
        super().__init__(f"{key}: {detail}")
        self.key = key


@dataclass(frozen=True, kw_only=True, slots=True)
class TopicSettings:
    """What the user said about one topic.

    `action` declares the topic an action (commands are published on it, replies read on `<topic>_`).
    `reverse_topic` replaces the read request topic (`./get_voltage` for a topic declared with
    `reverse_topic="./get_voltage"`); an empty text means the topic has none.
    """

    action: ActionKind | None = None
    device_class: str | None = None
    unit: str | None = None
    reverse_topic: str | None = None
    on_payload: str = "ON"
    off_payload: str = "OFF"

    @classmethod
    def from_dict(cls, data: Mapping[str, Any]) -> Self:
        """Read one topic's settings."""
        action = data.get("action")
        try:
            kind = ActionKind(action) if action else None
        except ValueError as err:
            raise SettingsError("invalid_action", str(action)) from err
        reverse = _optional_text(data, "reverse_topic")
        if reverse and not valid_topic_key(reverse):
            raise SettingsError("invalid_reverse_topic", reverse)
        return cls(
            action=kind,
            device_class=_optional_text(data, "device_class"),
            unit=_optional_text(data, "unit"),
            reverse_topic=reverse,
            on_payload=_optional_text(data, "on_payload") or "ON",
            off_payload=_optional_text(data, "off_payload") or "OFF",
        )

    def as_dict(self) -> dict[str, Any]:
        """Only what differs from the defaults."""
        data: dict[str, Any] = {}
        if self.action is not None:
            data["action"] = self.action.value
        for name in ("device_class", "unit", "reverse_topic"):
            if (value := getattr(self, name)) is not None:
                data[name] = value
        if self.on_payload != "ON":
            data["on_payload"] = self.on_payload
        if self.off_payload != "OFF":
            data["off_payload"] = self.off_payload
        return data


@dataclass(frozen=True, kw_only=True, slots=True)
class WebSettings:
    """The device's web server (`FmPyIotWeb`): where it is and its Basic credentials.

    Credentials go only to `host`, the address they were validated against: anyone on the broker can
    publish a SYSINFO, so its IP address must not decide where a password is sent.
    """

    username: str | None = None
    password: str | None = None
    port: int = DEFAULT_WEB_PORT
    host: str | None = None
    """Without credentials, None means the IP address from SYSINFO; with credentials it is required."""

    @property
    def has_credentials(self) -> bool:
        """Whether authenticated endpoints may be used."""
        return self.username is not None

    @classmethod
    def from_dict(cls, data: Mapping[str, Any]) -> Self:
        """Read the web settings of a device."""
        port = data.get("port", DEFAULT_WEB_PORT)
        if not isinstance(port, int) or isinstance(port, bool) or not 1 <= port <= MAX_PORT:
            raise SettingsError("invalid_port", str(port))
        username, password = _optional_text(data, "username"), data.get("password")
        if password is not None and not isinstance(password, str):
            raise SettingsError("invalid_credentials", "password must be text")
        if username is not None and ":" in username:
            raise SettingsError("invalid_credentials", "the user name contains ':'")
        host = _optional_text(data, "host")
        if username is not None and host is None:
            raise SettingsError("host_required", "credentials need the address they were validated against")
        return cls(username=username, password=password, port=port, host=host)

    def as_dict(self) -> dict[str, Any]:
        """Everything set (the HA side keeps it in the entry's options, which diagnostics redact)."""
        data: dict[str, Any] = {"port": self.port}
        for name in ("username", "password", "host"):
            if (value := getattr(self, name)) is not None:
                data[name] = value
        return data


@dataclass(frozen=True, kw_only=True, slots=True)
class DeviceSettings:
    """What the user said about one device."""

    topics: Mapping[str, TopicSettings] = field(default_factory=dict)
    sleeping: bool = False
    sleep_period: float = DEFAULT_SLEEP_PERIOD
    sleep_periods: int = DEFAULT_SLEEP_PERIODS
    """A sleeping device stays available until it missed this many sleep periods."""
    watchdog_period: float | None = None
    """Seconds between two `FEED`s; None: learnt from the device."""
    web: WebSettings | None = None

    @classmethod
    def from_dict(cls, data: Mapping[str, Any]) -> Self:
        """Read one device's settings."""
        topics = data.get("topics", {})
        if not isinstance(topics, Mapping) or len(topics) > MAX_DECLARED_TOPICS:
            raise SettingsError("invalid_topics", "topics must be a mapping of at most 64 topics")
        parsed = {}
        for key, value in topics.items():
            if not isinstance(key, str) or not valid_topic_key(key) or not isinstance(value, Mapping):
                raise SettingsError("invalid_topic", str(key))
            parsed[key] = TopicSettings.from_dict(value)
        web = data.get("web")
        return cls(
            topics=parsed,
            sleeping=bool(data.get("sleeping", False)),
            sleep_period=_number(data, "sleep_period", DEFAULT_SLEEP_PERIOD, 1.0, 86400.0),
            sleep_periods=int(_number(data, "sleep_periods", DEFAULT_SLEEP_PERIODS, 1, 100)),
            watchdog_period=(
                None
                if data.get("watchdog_period") is None
                else _number(data, "watchdog_period", 20.0, 1.0, 3600.0)
            ),
            web=WebSettings.from_dict(web) if isinstance(web, Mapping) else None,
        )

    def as_dict(self) -> dict[str, Any]:
        """Only what differs from the defaults."""
        data: dict[str, Any] = {}
        if self.topics:
            data["topics"] = {key: value.as_dict() for key, value in self.topics.items()}
        if self.sleeping:
            data["sleeping"] = True
        if self.sleep_period != DEFAULT_SLEEP_PERIOD:
            data["sleep_period"] = self.sleep_period
        if self.sleep_periods != DEFAULT_SLEEP_PERIODS:
            data["sleep_periods"] = self.sleep_periods
        if self.watchdog_period is not None:
            data["watchdog_period"] = self.watchdog_period
        if self.web is not None:
            data["web"] = self.web.as_dict()
        return data


@dataclass(frozen=True, kw_only=True, slots=True)
class GatewaySettings:
    """Settings of the whole entry."""

    max_depth: int = DEFAULT_MAX_DEPTH
    """Base topics of 1 to `max_depth` levels are found by themselves; deeper ones are added by hand."""
    time_service: bool = True
    web_probe: bool = True
    """Ask each device's `/api/hello` (no credentials) to find its web server."""
    manual_bases: tuple[str, ...] = ()
    devices: Mapping[str, DeviceSettings] = field(default_factory=dict)

    def device(self, node_id: str | None) -> DeviceSettings:
        """The settings of a device (defaults for an unknown one)."""
        return self.devices.get(node_id or "", _DEFAULT_DEVICE)

    @classmethod
    def from_dict(cls, data: Mapping[str, Any]) -> Self:
        """Read the entry's options; `SettingsError` for anything unusable."""
        bases = data.get("manual_bases", ())
        if not isinstance(bases, list | tuple) or len(bases) > MAX_MANUAL_BASES:
            raise SettingsError("invalid_bases", "manual_bases must be a list of at most 64 topics")
        manual = []
        for text in bases:
            if not isinstance(text, str):
                raise SettingsError("base_topic_invalid", repr(text))
            try:
                manual.append(normalise_base(text))
            except BaseTopicError as err:
                raise SettingsError(err.key.value, text) from err
        devices = data.get("devices", {})
        if not isinstance(devices, Mapping):
            raise SettingsError("invalid_devices", "devices must be a mapping")
        return cls(
            max_depth=int(_number(data, "max_depth", DEFAULT_MAX_DEPTH, 1, MAX_DEPTH_LIMIT)),
            time_service=bool(data.get("time_service", True)),
            web_probe=bool(data.get("web_probe", True)),
            manual_bases=tuple(dict.fromkeys(manual)),
            devices={
                str(node_id): DeviceSettings.from_dict(value)
                for node_id, value in devices.items()
                if isinstance(value, Mapping)
            },
        )

    def as_dict(self) -> dict[str, Any]:
        """Everything, defaults included, for the options flow to show."""
        return {
            "max_depth": self.max_depth,
            "time_service": self.time_service,
            "web_probe": self.web_probe,
            "manual_bases": list(self.manual_bases),
            "devices": {node_id: value.as_dict() for node_id, value in self.devices.items()},
        }


_DEFAULT_DEVICE: Final = DeviceSettings()


def _optional_text(data: Mapping[str, Any], key: str) -> str | None:
    value = data.get(key)
    if value is None or (value == "" and key != "reverse_topic"):
        return None
    if not isinstance(value, str) or len(value) > MAX_TEXT_LENGTH:
        raise SettingsError(f"invalid_{key}", repr(value)[:80])
    return value


def _number(data: Mapping[str, Any], key: str, default: float, low: float, high: float) -> float:
    value = data.get(key, default)
    if isinstance(value, bool) or not isinstance(value, int | float) or not low <= value <= high:
        raise SettingsError(f"invalid_{key}", f"{value!r:.40} is not between {low} and {high}")
    return float(value)


def relative_name(key: str) -> str:
    """The topic name of a point key as shown to the user (`./LED` → `LED`)."""
    return key.removeprefix(RELATIVE_PREFIX)
