"""Stored node records: every field validated, a bad record skipped and reported, never a failed load."""

from datetime import UTC, datetime, timedelta
import json
from pathlib import Path
from typing import Any

from hypothesis import given, settings, strategies as st
import pytest

from custom_components.pyiot.core.corrupt_records import SkippedRecord, aside_document, aside_key, summary
from custom_components.pyiot.core.nodes.model import EntityCategory, NodeInfo, PointKind, PointSpec
from custom_components.pyiot.core.nodes.storage import (
    MAX_STORED_NODES,
    MAX_STORED_POINTS,
    STORAGE_MINOR_VERSION,
    STORAGE_VERSION,
    StoredNode,
    dump_node_records,
    load_node_records,
    migrate_node_records,
)

TESTS = Path(__file__).parents[2]
TEMPERATURE = {"key": "temperature", "kind": "sensor", "device_class": "temperature", "unit": "°C"}
LED = {"key": "led", "kind": "switch", "writable": True}


def record(node_id: str = "n1", **changes: Any) -> dict[str, Any]:
    return {
        "info": {"node_id": node_id, "name": "Node"},
        "points": [TEMPERATURE, LED],
        "confirmed": True,
    } | changes


def stored(data: Any) -> tuple[dict[str, StoredNode], list[tuple[str, str]]]:
    loaded = load_node_records(data)
    return loaded.nodes, [(item.path, item.reason) for item in loaded.skipped]


def test_a_good_record_round_trips() -> None:
    node = StoredNode(
        info=NodeInfo(node_id="n1", name="Node", mac="aa:bb", extra={"ip": "10.0.0.2"}),
        points=(
            PointSpec(
                key="t", kind=PointKind.SENSOR, unit="°C", suggested_precision=1, minimum=-40, maximum=85.5
            ),
            PointSpec(key="mode", kind=PointKind.SELECT, writable=True, options=("a", "b")),
            PointSpec(key="cfg", kind=PointKind.NUMBER, entity_category=EntityCategory.CONFIG, step=0.5),
            PointSpec(key="hidden", kind=PointKind.SENSOR, enabled_by_default=False, translation_key="x"),
        ),
        confirmed=True,
    )
    data = json.loads(json.dumps(dump_node_records({"n1": node})))
    assert load_node_records(data).nodes == {"n1": node}
    assert load_node_records(data).skipped == ()


@pytest.mark.parametrize("data", [None, {}, {"nodes": {}}])
def test_nothing_stored(data: Any) -> None:
    assert stored(data) == ({}, [])


@pytest.mark.parametrize(
    ("data", "path", "reason"),
    [
        ([1, 2], "", "expected an object, got list"),
        ("nodes", "", "expected an object, got str"),
        ({"nodes": [record()]}, "nodes", "expected an object, got list"),  # issue 13: nodes as a list
        ({"nodes": "n1"}, "nodes", "expected an object, got str"),
    ],
)
def test_an_unreadable_layout_is_skipped_whole(data: Any, path: str, reason: str) -> None:
    loaded = load_node_records(data)
    assert loaded.nodes == {}
    assert [(item.path, item.reason) for item in loaded.skipped] == [(path, reason)]
    assert loaded.skipped[0].data == (data if path == "" else data["nodes"])


BAD_NODES: list[tuple[Any, str]] = [
    ("a string", "expected an object, got str"),
    (None, "expected an object, got NoneType"),
    ({"points": []}, "info: expected an object, got NoneType"),
    ({"info": ["n1"]}, "info: expected an object, got list"),
    ({"info": {"name": "no node_id"}}, "info.node_id: not printable text of 1 to 256 characters"),
    ({"info": {"node_id": 7}}, "info.node_id: not printable text of 1 to 256 characters"),
    ({"info": {"node_id": "other"}}, "info.node_id 'other' differs from the record's key"),
    ({"info": {"node_id": "n1", "name": 5}}, "info.name: expected text of at most 255 characters, got int"),
    (
        {"info": {"node_id": "n1", "model": "m" * 300}},
        "info.model: expected text of at most 255 characters, got str",
    ),
    (
        {"info": {"node_id": "n1", "configuration_url": ["x"]}},
        "info.configuration_url: expected text of at most 2048 characters, got list",
    ),
    ({"info": {"node_id": "n1", "extra": {"a": 1}}}, "info.extra: expected at most 32 texts by name"),
    ({"info": {"node_id": "n1", "extra": ["a"]}}, "info.extra: expected at most 32 texts by name"),
    (
        {"info": {"node_id": "n1", "extra": {f"k{i}": "v" for i in range(33)}}},
        "info.extra: expected at most 32 texts by name",
    ),
]


@pytest.mark.parametrize(("bad", "reason"), BAD_NODES, ids=lambda value: repr(value)[:40])
def test_a_bad_node_record_is_skipped_and_the_others_kept(bad: Any, reason: str) -> None:
    nodes, skipped = stored({"nodes": {"good": record("good"), "n1": bad, "also": record("also")}})
    assert list(nodes) == ["good", "also"]
    assert skipped == [("nodes['n1']", reason)]


@pytest.mark.parametrize("node_id", ["", "a\nb", "x" * 257])
def test_a_bad_node_id_is_skipped(node_id: str) -> None:
    nodes, skipped = stored({"nodes": {node_id: record(node_id), "good": record("good")}})
    assert list(nodes) == ["good"]
    assert skipped[0][1] == "the node id is not printable text of 1 to 256 characters"


BAD_POINTS: list[tuple[Any, str]] = [
    ("temperature", "expected an object, got str"),  # issue 13: a point record that is a string
    (["temperature"], "expected an object, got list"),
    ({"kind": "sensor"}, "key: not printable text of 1 to 256 characters"),
    ({"key": 5, "kind": "sensor"}, "key: not printable text of 1 to 256 characters"),
    ({"key": "t"}, "kind: None is not a point kind"),
    ({"key": "t", "kind": "gauge"}, "kind: 'gauge' is not a point kind"),
    ({"key": "t", "kind": ["sensor"]}, "kind: ['sensor'] is not a point kind"),
    ({"key": "t", "kind": "sensor", "unit": 5}, "unit: expected text of at most 255 characters, got int"),
    ({"key": "t", "kind": "sensor", "writable": "yes"}, "writable: expected true or false, got str"),
    (
        {"key": "t", "kind": "sensor", "enabled_by_default": 0},
        "enabled_by_default: expected true or false, got int",
    ),
    (
        {"key": "t", "kind": "sensor", "entity_category": "system"},
        "entity_category: 'system' is not an entity category",
    ),
    ({"key": "t", "kind": "select", "options": "a,b"}, "options: expected a list of at most 256 texts"),
    ({"key": "t", "kind": "select", "options": [1, 2]}, "options: expected a list of at most 256 texts"),
    ({"key": "t", "kind": "number", "minimum": "0"}, "minimum: expected a finite number, got str"),
    ({"key": "t", "kind": "number", "maximum": float("nan")}, "maximum: expected a finite number, got float"),
    ({"key": "t", "kind": "number", "step": True}, "step: expected a finite number, got bool"),
    (
        {"key": "t", "kind": "sensor", "suggested_precision": 11},
        "suggested_precision: expected a whole number from 0 to 10, got int",
    ),
    (
        {"key": "t", "kind": "sensor", "suggested_precision": 1.5},
        "suggested_precision: expected a whole number from 0 to 10, got float",
    ),
]


@pytest.mark.parametrize(("bad", "reason"), BAD_POINTS, ids=lambda value: repr(value)[:40])
def test_a_bad_point_record_is_skipped_and_its_node_kept(bad: Any, reason: str) -> None:
    nodes, skipped = stored({"nodes": {"n1": record(points=[TEMPERATURE, bad, LED])}})
    assert [point.key for point in nodes["n1"].points] == ["temperature", "led"]
    assert skipped == [("nodes['n1'].points[1]", reason)]


def test_points_that_are_not_a_list_and_a_bad_confirmed_flag() -> None:
    nodes, skipped = stored({"nodes": {"n1": record(points={"temperature": TEMPERATURE}, confirmed="yes")}})
    assert nodes["n1"].points == ()
    assert nodes["n1"].confirmed is False
    assert skipped == [
        ("nodes['n1'].confirmed", "expected true or false, got str"),
        ("nodes['n1'].points", "expected a list, got dict"),
    ]


def test_duplicate_points_and_bounds() -> None:
    many = [{"key": f"p{i}", "kind": "sensor"} for i in range(MAX_STORED_POINTS + 2)]
    nodes, skipped = stored({"nodes": {"n1": record(points=[TEMPERATURE, TEMPERATURE, *many])}})
    assert len(nodes["n1"].points) == MAX_STORED_POINTS
    assert skipped[0] == ("nodes['n1'].points[1]", "point 'temperature' stored twice")
    assert skipped[-1][1] == f"more than {MAX_STORED_POINTS} points"
    assert len(skipped) == 4
    records = {f"n{i}": record(f"n{i}", points=[]) for i in range(MAX_STORED_NODES + 1)}
    nodes, skipped = stored({"nodes": records})
    assert len(nodes) == MAX_STORED_NODES
    assert skipped == [(f"nodes['n{MAX_STORED_NODES}']", f"more than {MAX_STORED_NODES} nodes")]


def test_missing_optional_fields_take_their_defaults() -> None:
    nodes, skipped = stored({"nodes": {"n1": {"info": {"node_id": "n1"}}}})
    assert nodes["n1"] == StoredNode(info=NodeInfo(node_id="n1"), points=(), confirmed=False)
    assert skipped == []
    assert stored({"nodes": {"n1": record(points=[{"key": "t", "kind": "sensor", "future": 1}])}})[1] == []


def test_migration_from_1_1_marks_nodes_unconfirmed() -> None:
    document = json.loads((TESTS / "systems/pyaiot/fixtures/pyaiot_storage.json").read_text(encoding="utf-8"))
    data = migrate_node_records(document["version"], document["minor_version"], document["data"])
    loaded = load_node_records(data)
    assert {node_id: node.confirmed for node_id, node in loaded.nodes.items()} == {
        "mqtt-2": False,
        "wipy-1": False,
    }
    assert [item.path for item in loaded.skipped] == ["nodes['broken']"]
    assert loaded.nodes["wipy-1"].points[0].options == ("eco", "boost")
    assert (STORAGE_VERSION, STORAGE_MINOR_VERSION) == (1, 2)
    # Nothing to do for the current version, or for what cannot be read.
    current = dump_node_records(loaded.nodes)
    assert migrate_node_records(1, 2, current) is current
    assert migrate_node_records(1, 1, [1]) == [1]
    assert migrate_node_records(1, 1, {"nodes": [1]}) == {"nodes": [1]}
    assert migrate_node_records(1, 1, {"nodes": {"x": "junk"}}) == {"nodes": {"x": "junk"}}


def test_every_kind_of_the_fixture_loads() -> None:
    document = json.loads((TESTS / "hub/fixtures/all_kinds_storage.json").read_text(encoding="utf-8"))
    loaded = load_node_records(migrate_node_records(1, 1, document["data"]))
    assert loaded.skipped == ()
    kinds = {point.kind for node in loaded.nodes.values() for point in node.points}
    assert kinds == set(PointKind) - {PointKind.SWITCH}  # the fixture has every kind but switches


JSON = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats() | st.text(max_size=8),
    lambda children: (
        st.lists(children, max_size=4) | st.dictionaries(st.text(max_size=6), children, max_size=4)
    ),
    max_leaves=20,
)
FIELD = st.sampled_from(
    ["key", "kind", "name", "unit", "writable", "options", "minimum", "suggested_precision"]
)
POINT = st.dictionaries(FIELD, JSON | st.sampled_from(["sensor", "switch", "t", "°C"]), max_size=6)
INFO = st.fixed_dictionaries(
    {"node_id": st.sampled_from(["n1", "n2", 5])}, optional={"name": JSON, "extra": JSON}
)
RECORD = st.fixed_dictionaries(
    {}, optional={"info": INFO | JSON, "points": st.lists(POINT | JSON, max_size=4) | JSON, "confirmed": JSON}
)
DATA = JSON | st.fixed_dictionaries(
    {"nodes": st.dictionaries(st.sampled_from(["n1", "n2", ""]), RECORD | JSON, max_size=3) | JSON}
)


@settings(max_examples=500, deadline=None, database=None)
@given(data=DATA)
def test_arbitrary_stored_data_never_fails_the_load(data: Any) -> None:
    loaded = load_node_records(data)
    for node_id, node in loaded.nodes.items():
        assert node.info.node_id == node_id
        assert isinstance(node.confirmed, bool)
    # What was kept is valid: it survives a dump and a load unchanged.
    assert load_node_records(json.loads(json.dumps(dump_node_records(loaded.nodes)))).nodes == loaded.nodes
    json.dumps([item.path for item in loaded.skipped])


def test_skipped_records_are_kept_aside_under_a_timestamped_key() -> None:
    moment = datetime(2026, 11, 21, 12, 0, 5, 123456, tzinfo=UTC)
    key = aside_key("pyiot.01ENTRY", moment)
    assert key == "pyiot.01ENTRY.corrupt.20261121T120005123456Z"
    assert (
        aside_key("pyiot.01ENTRY", moment + timedelta(microseconds=1)) != key
    )  # a second one does not overwrite
    skipped = load_node_records({"nodes": {"n1": record(points=["temperature"]), "n2": "junk"}}).skipped
    document = aside_document("pyiot.01ENTRY", moment, skipped)
    assert json.loads(json.dumps(document)) == {
        "source": "pyiot.01ENTRY",
        "skipped_at": "2026-11-21T12:00:05.123456+00:00",
        "records": [
            {"path": "nodes['n1'].points[0]", "reason": "expected an object, got str", "data": "temperature"},
            {"path": "nodes['n2']", "reason": "expected an object, got str", "data": "junk"},
        ],
    }
    assert summary(skipped) == (
        "2 records skipped: nodes['n1'].points[0]: expected an object, got str; "
        "nodes['n2']: expected an object, got str"
    )
    many = [SkippedRecord(f"nodes['n{i}']", "bad", None) for i in range(5)]
    assert summary(many).endswith("; and 2 more")
    assert summary(many[:1]).startswith("1 record skipped")
