"""Nodes, points and the two interfaces between a transport and the hub."""

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from enum import StrEnum
from typing import Any, Protocol


class PointKind(StrEnum):
    """How a point is shown: one Home Assistant entity platform per kind."""

    SENSOR = "sensor"
    BINARY_SENSOR = "binary_sensor"
    NUMBER = "number"
    SWITCH = "switch"
    SELECT = "select"
    TEXT = "text"
    BUTTON = "button"
    EVENT = "event"


class EntityCategory(StrEnum):
    """Same values as Home Assistant's entity categories."""

    CONFIG = "config"
    DIAGNOSTIC = "diagnostic"


@dataclass(frozen=True, kw_only=True, slots=True)
class PointSpec:
    """One value on a node.

    `translation_key` names an entity translation of the integration (e.g. "led" → "LED"); without
    it the entity is named by `name`, or by its device class, or by its key.

    `device_class`, `unit` and `state_class` use Home Assistant's string values ("temperature", "°C",
    "measurement") so that transports stay independent of Home Assistant while the hub can pass them on.
    """

    key: str
    kind: PointKind
    name: str | None = None
    translation_key: str | None = None
    device_class: str | None = None
    unit: str | None = None
    state_class: str | None = None
    writable: bool = False
    entity_category: EntityCategory | None = None
    enabled_by_default: bool = True
    options: tuple[str, ...] = ()
    minimum: float | None = None
    maximum: float | None = None
    step: float | None = None
    suggested_precision: int | None = None

    def as_dict(self) -> dict[str, Any]:
        """Serialise for storage; only fields that differ from the defaults."""
        data: dict[str, Any] = {"key": self.key, "kind": self.kind.value}
        for name in _OPTIONAL_FIELDS:
            value = getattr(self, name)
            if value is None or value is False or value == ():
                continue
            data[name] = list(value) if isinstance(value, tuple) else value
        if not self.enabled_by_default:
            data["enabled_by_default"] = False
        return data

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> PointSpec:
        """Inverse of `as_dict`; raises KeyError/ValueError/TypeError on a malformed record."""
        category = data.get("entity_category")
        return cls(
            key=str(data["key"]),
            kind=PointKind(data["kind"]),
            name=data.get("name"),
            translation_key=data.get("translation_key"),
            device_class=data.get("device_class"),
            unit=data.get("unit"),
            state_class=data.get("state_class"),
            writable=bool(data.get("writable", False)),
            entity_category=EntityCategory(category) if category else None,
            enabled_by_default=bool(data.get("enabled_by_default", True)),
            options=tuple(data.get("options", ())),
            minimum=data.get("minimum"),
            maximum=data.get("maximum"),
            step=data.get("step"),
            suggested_precision=data.get("suggested_precision"),
        )


_OPTIONAL_FIELDS = (
    "name",
    "translation_key",
    "device_class",
    "unit",
    "state_class",
    "writable",
    "entity_category",
    "options",
    "minimum",
    "maximum",
    "step",
    "suggested_precision",
)


@dataclass(frozen=True, kw_only=True, slots=True)
class NodeInfo:
    """One physical device.

    `node_id` is the node's stable identity within its transport (a firmware id, a MAC, a serial),
    never an IP address or a name the user typed.
    """

    node_id: str
    name: str | None = None
    model: str | None = None
    manufacturer: str | None = None
    sw_version: str | None = None
    hw_version: str | None = None
    mac: str | None = None
    configuration_url: str | None = None
    extra: dict[str, str] = field(default_factory=dict)

    def as_dict(self) -> dict[str, Any]:
        """Serialise for storage."""
        data: dict[str, Any] = {"node_id": self.node_id}
        for name in ("name", "model", "manufacturer", "sw_version", "hw_version", "mac", "configuration_url"):
            if (value := getattr(self, name)) is not None:
                data[name] = value
        if self.extra:
            data["extra"] = dict(self.extra)
        return data

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> NodeInfo:
        """Inverse of `as_dict`."""
        return cls(
            node_id=str(data["node_id"]),
            name=data.get("name"),
            model=data.get("model"),
            manufacturer=data.get("manufacturer"),
            sw_version=data.get("sw_version"),
            hw_version=data.get("hw_version"),
            mac=data.get("mac"),
            configuration_url=data.get("configuration_url"),
            extra=dict(data.get("extra", {})),
        )


@dataclass(frozen=True, slots=True)
class StateWithAttributes:
    """A point value with state attributes, for `NodeListener.value_received`; `state` None is unknown.

    Plain values are passed as they are; this carries the cases that need attributes (a JSON document
    shown as attributes, the text a numeric point sent instead of a number, an error).
    """

    state: Any
    attributes: Mapping[str, Any] = field(default_factory=dict)


class WriteError(Exception):
    """A transport could not deliver a write; the message is shown to the user."""


class WriteRefusedError(WriteError):
    """The node got the write and answered, but kept another value (shown to the user as such)."""

    def __init__(self, message: str, *, point: str, value: object, kept: object) -> None:
        """`point` was set to `value`; the node reports `kept`."""
        super().__init__(message)
        self.point = point
        self.value = value
        self.kept = kept


class NodeListener(Protocol):
    """What a transport reports. Implemented by the hub; all calls happen in the event loop."""

    def node_seen(self, node: NodeInfo) -> None:
        """A node spoke (announce, keepalive or value): it is available; `node` may refresh its info."""

    def points_seen(self, node_id: str, points: Sequence[PointSpec]) -> None:
        """The node has these points (added to, never replacing, what is known)."""

    def value_received(self, node_id: str, key: str, value: Any) -> None:
        """A new value for a point; the point must have been reported by `points_seen` first."""

    def node_lost(self, node_id: str) -> None:
        """The transport considers the node gone (timeout, disconnect)."""

    def point_unavailable(self, node_id: str, key: str) -> None:
        """One point has no usable value (stale, unreadable) while the node itself is fine.

        The point becomes available again with its next `value_received`.
        """


class Transport(Protocol):
    """What the hub asks of a transport."""

    async def async_start(self) -> None:
        """Start listening; report through the listener given at construction."""

    async def async_stop(self) -> None:
        """Stop listening and cancel every timer."""

    async def async_write(self, node_id: str, key: str, value: Any) -> None:
        """Deliver a write to the node; raise `WriteError` when it cannot be sent."""

    def forget_node(self, node_id: str) -> None:
        """Forget what is known of `node_id` (the user deleted it, or admission evicted it)."""

    def diagnostics(self) -> dict[str, Any]:
        """The transport's own state and counters (dropped input by reason, ...), JSON-able."""
