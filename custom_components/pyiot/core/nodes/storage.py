"""The stored node records of a hub: validated field by field, a bad record skipped, never a failed load.

Layout (HA `Store` data, version 1.2):

    {"nodes": {"<node id>": {"info": {NodeInfo.as_dict()}, "points": [PointSpec.as_dict(), ...],
                             "confirmed": true}}}

`confirmed` (new in 1.2) says the node completed its protocol's handshake; records of 1.1 are migrated as
not confirmed (they may have been created by junk, see `admission`). Unknown fields are ignored, so an
older PyIoT can read newer records.

Validation is by hand rather than with voluptuous (which would be fine as a dependency): a schema costs
~50 µs a point, ten times this, i.e. 0.2 s more per 1,000 nodes at every start of Home Assistant.
"""

from collections.abc import Callable, Mapping
from dataclasses import dataclass
import math
from typing import Any, Final

from ..corrupt_records import SkippedRecord
from .model import EntityCategory, NodeInfo, PointKind, PointSpec

STORAGE_VERSION: Final = 1
STORAGE_MINOR_VERSION: Final = 2
MAX_STORED_NODES: Final = 10_000
MAX_STORED_POINTS: Final = 256
"""Bounds of what is read (the landed code stored at most this much)."""
MAX_ID_LENGTH: Final = 256
MAX_TEXT_LENGTH: Final = 255
MAX_URL_LENGTH: Final = 2_048
MAX_OPTIONS: Final = 256
MAX_EXTRA: Final = 32
MAX_PRECISION: Final = 10


@dataclass(frozen=True, slots=True)
class StoredNode:
    """One node as the hub stores it."""

    info: NodeInfo
    points: tuple[PointSpec, ...]
    confirmed: bool


@dataclass(frozen=True, slots=True)
class NodeRecords:
    """What `load_node_records` could read, and what it skipped."""

    nodes: dict[str, StoredNode]
    skipped: tuple[SkippedRecord, ...]


class _BadFieldError(ValueError):
    """A field that does not fit; the message says which and why."""


def migrate_node_records(old_major: int, old_minor: int, data: Any) -> Any:
    """Bring stored data of an older version to the current layout (for HA's `Store` migration hook).

    Never raises: what it cannot make sense of is returned unchanged, and `load_node_records` reports it.
    """
    if old_major == STORAGE_VERSION and old_minor < 2 and isinstance(data, dict):  # noqa: PLR2004
        nodes = data.get("nodes")
        if isinstance(nodes, dict):
            migrated = {
                node_id: {**record, "confirmed": False} if isinstance(record, dict) else record
                for node_id, record in nodes.items()
            }
            return {**data, "nodes": migrated}
    return data


def load_node_records(data: Any) -> NodeRecords:
    """Read stored node records; every record or field that does not fit is skipped and reported."""
    skipped: list[SkippedRecord] = []
    if data is None:
        return NodeRecords({}, ())
    if not isinstance(data, dict):
        return NodeRecords({}, (SkippedRecord("", f"expected an object, got {_type(data)}", data),))
    records = data.get("nodes", {})
    if not isinstance(records, dict):
        reason = f"expected an object, got {_type(records)}"
        return NodeRecords({}, (SkippedRecord("nodes", reason, records),))
    nodes: dict[str, StoredNode] = {}
    for node_id, record in records.items():
        path = f"nodes[{_short(node_id)}]"
        if len(nodes) >= MAX_STORED_NODES:
            skipped.append(SkippedRecord(path, f"more than {MAX_STORED_NODES} nodes", record))
            continue
        try:
            nodes[node_id] = _node(node_id, record, path, skipped)
        except _BadFieldError as err:
            skipped.append(SkippedRecord(path, str(err), record))
    return NodeRecords(nodes, tuple(skipped))


def dump_node_records(nodes: Mapping[str, StoredNode]) -> dict[str, Any]:
    """The data to store (inverse of `load_node_records`)."""
    return {
        "nodes": {
            node_id: {
                "info": node.info.as_dict(),
                "points": [point.as_dict() for point in node.points],
                "confirmed": node.confirmed,
            }
            for node_id, node in nodes.items()
        }
    }


# --- one node -----------------------------------------------------------------------------------------


def _node(node_id: object, record: object, path: str, skipped: list[SkippedRecord]) -> StoredNode:
    if not isinstance(node_id, str) or not _is_id(node_id):
        raise _BadFieldError("the node id is not printable text of 1 to 256 characters")
    if not isinstance(record, dict):
        raise _BadFieldError(f"expected an object, got {_type(record)}")
    info = parse_node_info(record.get("info"))
    if info.node_id != node_id:
        raise _BadFieldError(f"info.node_id {_short(info.node_id)} differs from the record's key")
    confirmed = record.get("confirmed", False)
    if not isinstance(confirmed, bool):
        reason = f"expected true or false, got {_type(confirmed)}"
        skipped.append(SkippedRecord(f"{path}.confirmed", reason, confirmed))
        confirmed = False
    raw_points = record.get("points", [])
    if not isinstance(raw_points, list):
        reason = f"expected a list, got {_type(raw_points)}"
        skipped.append(SkippedRecord(f"{path}.points", reason, raw_points))
        raw_points = []
    points: dict[str, PointSpec] = {}
    for index, raw in enumerate(raw_points):
        point_path = f"{path}.points[{index}]"
        if len(points) >= MAX_STORED_POINTS:
            skipped.append(SkippedRecord(point_path, f"more than {MAX_STORED_POINTS} points", raw))
            continue
        try:
            point = parse_point(raw)
        except _BadFieldError as err:
            skipped.append(SkippedRecord(point_path, str(err), raw))
            continue
        if point.key in points:
            skipped.append(SkippedRecord(point_path, f"point {_short(point.key)} stored twice", raw))
            continue
        points[point.key] = point
    return StoredNode(info=info, points=tuple(points.values()), confirmed=confirmed)


def parse_node_info(data: object) -> NodeInfo:
    """A stored `NodeInfo`, every field checked; raises ValueError naming the first bad field."""
    if not isinstance(data, dict):
        raise _BadFieldError(f"info: expected an object, got {_type(data)}")
    node_id = data.get("node_id")
    if not isinstance(node_id, str) or not _is_id(node_id):
        raise _BadFieldError("info.node_id: not printable text of 1 to 256 characters")
    texts = {name: _field(data, name, _optional_text(MAX_TEXT_LENGTH), "info") for name in _INFO_TEXTS}
    url = _field(data, "configuration_url", _optional_text(MAX_URL_LENGTH), "info")
    extra = data.get("extra", {})
    if (
        not isinstance(extra, dict)
        or len(extra) > MAX_EXTRA
        or not all(
            _is_text(key, MAX_TEXT_LENGTH) and _is_text(value, MAX_TEXT_LENGTH)
            for key, value in extra.items()
        )
    ):
        raise _BadFieldError(f"info.extra: expected at most {MAX_EXTRA} texts by name")
    return NodeInfo(node_id=node_id, configuration_url=url, extra=dict(extra), **texts)


def parse_point(data: object) -> PointSpec:
    """A stored `PointSpec`, every field checked; raises ValueError naming the first bad field."""
    if not isinstance(data, dict):
        raise _BadFieldError(f"expected an object, got {_type(data)}")
    key = data.get("key")
    if not isinstance(key, str) or not _is_id(key):
        raise _BadFieldError("key: not printable text of 1 to 256 characters")
    values = {name: _field(data, name, check, "point") for name, check in _POINT_FIELDS.items()}
    if values["enabled_by_default"] is None:
        values["enabled_by_default"] = True
    if values["writable"] is None:
        values["writable"] = False
    return PointSpec(key=key, kind=_kind(data.get("kind")), **values)


# --- field checks -------------------------------------------------------------------------------------

type _Check = Callable[[object], Any]


def _field(data: dict[str, Any], name: str, check: _Check, owner: str) -> Any:
    try:
        return check(data.get(name))
    except _BadFieldError as err:
        raise _BadFieldError(f"{owner}.{name}: {err}" if owner == "info" else f"{name}: {err}") from None


def _optional_text(limit: int) -> _Check:
    def check(value: object) -> str | None:
        if value is None:
            return None
        if not isinstance(value, str) or len(value) > limit:
            raise _BadFieldError(f"expected text of at most {limit} characters, got {_type(value)}")
        return value

    return check


def _optional_number(value: object) -> float | None:
    if value is None:
        return None
    if isinstance(value, bool) or not isinstance(value, int | float) or not math.isfinite(value):
        raise _BadFieldError(f"expected a finite number, got {_type(value)}")
    return value


def _optional_bool(value: object) -> bool | None:
    if value is None or isinstance(value, bool):
        return value
    raise _BadFieldError(f"expected true or false, got {_type(value)}")


def _precision(value: object) -> int | None:
    if value is None:
        return None
    if isinstance(value, bool) or not isinstance(value, int) or not 0 <= value <= MAX_PRECISION:
        raise _BadFieldError(f"expected a whole number from 0 to {MAX_PRECISION}, got {_type(value)}")
    return value


def _options(value: object) -> tuple[str, ...]:
    if value is None:
        return ()
    if (
        not isinstance(value, list)
        or len(value) > MAX_OPTIONS
        or not all(isinstance(item, str) and len(item) <= MAX_TEXT_LENGTH for item in value)
    ):
        raise _BadFieldError(f"expected a list of at most {MAX_OPTIONS} texts")
    return tuple(value)


def _category(value: object) -> EntityCategory | None:
    if value is None:
        return None
    if not isinstance(value, str) or value not in _CATEGORIES:
        raise _BadFieldError(f"{_short(value)} is not an entity category")
    return EntityCategory(value)


def _kind(value: object) -> PointKind:
    if not isinstance(value, str) or value not in _KINDS:
        raise _BadFieldError(f"kind: {_short(value)} is not a point kind")
    return PointKind(value)


_CATEGORIES = frozenset(category.value for category in EntityCategory)
_KINDS = frozenset(kind.value for kind in PointKind)


_INFO_TEXTS = ("name", "model", "manufacturer", "sw_version", "hw_version", "mac")
_POINT_FIELDS: dict[str, _Check] = {
    "name": _optional_text(MAX_TEXT_LENGTH),
    "translation_key": _optional_text(MAX_TEXT_LENGTH),
    "device_class": _optional_text(MAX_TEXT_LENGTH),
    "unit": _optional_text(MAX_TEXT_LENGTH),
    "state_class": _optional_text(MAX_TEXT_LENGTH),
    "writable": _optional_bool,
    "entity_category": _category,
    "enabled_by_default": _optional_bool,
    "options": _options,
    "minimum": _optional_number,
    "maximum": _optional_number,
    "step": _optional_number,
    "suggested_precision": _precision,
}


def _is_text(value: object, limit: int) -> bool:
    return isinstance(value, str) and len(value) <= limit


def _is_id(text: str) -> bool:
    return 0 < len(text) <= MAX_ID_LENGTH and text.isprintable()


def _type(value: object) -> str:
    return type(value).__name__


def _short(value: object, limit: int = 40) -> str:
    text = repr(value)
    return text if len(text) <= limit else f"{text[:limit]}…"
