"""AdmissionGate: handshakes, pending reports, caps, eviction of never-confirmed nodes, the cap report."""

import logging
from typing import Any

import pytest

from custom_components.pyiot.core.nodes.admission import (
    AdmissionGate,
    AdmissionLimits,
    AdmitWhen,
    CapReport,
    report_handshake,
)
from custom_components.pyiot.core.nodes.model import NodeInfo, PointKind, PointSpec
from tests.support.manual_clock import ManualClock
from tests.support.recording_listener import RecordingListener

LOGGER = logging.getLogger("custom_components.pyiot.test_admission")
TEMPERATURE = PointSpec(key="temperature", kind=PointKind.SENSOR)
LED = PointSpec(key="led", kind=PointKind.SWITCH, writable=True)


def point(key: str) -> PointSpec:
    return PointSpec(key=key, kind=PointKind.SENSOR)


class Owner:
    """What the hub gives the gate: the evictions, confirmations and reports it hears about."""

    def __init__(self) -> None:
        self.evicted: list[str] = []
        self.confirmed: list[str] = []
        self.reports: list[CapReport] = []


def make_gate(
    listener: RecordingListener,
    clock: ManualClock,
    owner: Owner | None = None,
    admit_when: AdmitWhen = AdmitWhen.HANDSHAKE,
    **limits: Any,
) -> AdmissionGate:
    owner = owner or Owner()
    return AdmissionGate(
        listener,
        admit_when=admit_when,
        limits=AdmissionLimits(**limits),
        on_evict=owner.evicted.append,
        on_confirmed=owner.confirmed.append,
        on_report=owner.reports.append,
        logger=LOGGER,
        clock=clock,
    )


def report_all(gate: AdmissionGate, node_id: str) -> None:
    gate.node_seen(NodeInfo(node_id=node_id, name=f"Node {node_id}"))
    gate.points_seen(node_id, [TEMPERATURE, LED])
    gate.value_received(node_id, "temperature", 21.5)
    gate.value_received(node_id, "led", True)


def test_reports_are_held_until_the_handshake_then_replayed(
    listener: RecordingListener, clock: ManualClock
) -> None:
    gate = make_gate(listener, clock)
    report_all(gate, "n1")
    gate.value_received("n1", "temperature", 22.0)  # only the latest value is replayed
    gate.value_received("n1", "humidity", 50.0)  # not a reported point: dropped
    gate.point_unavailable("n1", "led")  # forgets the held LED value
    assert listener.calls == []
    assert not gate.is_admitted("n1")
    assert gate.report().pending == 1
    assert gate.node_confirmed("n1")
    assert listener.calls == [
        ("node_seen", NodeInfo(node_id="n1", name="Node n1")),
        ("points_seen", ("n1", ["temperature", "led"])),
        ("value_received", ("n1", "temperature", 22.0)),
    ]
    assert gate.is_admitted("n1")
    assert gate.is_confirmed("n1")
    report_all(gate, "n1")  # now everything passes
    assert listener.calls[-1] == ("value_received", ("n1", "led", True))
    gate.point_unavailable("n1", "led")
    gate.point_unavailable("n1", "humidity")
    gate.value_received("n1", "humidity", 1.0)
    gate.node_lost("n1")
    assert listener.calls[-2:] == [("point_unavailable", ("n1", "led")), ("node_lost", "n1")]
    assert gate.node_confirmed("n1")  # again: nothing changes


def test_a_handshake_without_reports_admits_with_a_bare_node(
    listener: RecordingListener, clock: ManualClock
) -> None:
    gate = make_gate(listener, clock)
    assert report_handshake(gate, "n2")
    assert listener.calls == []  # nothing was held
    gate.node_seen(NodeInfo(node_id="n2"))
    assert listener.of("node_seen") == [NodeInfo(node_id="n2")]


@pytest.mark.allow_pyiot_warnings
def test_pending_reports_are_bounded_and_expire(listener: RecordingListener, clock: ManualClock) -> None:
    gate = make_gate(listener, clock, pending_nodes=2, pending_ttl=10, max_points_per_node=1)
    for node_id in ("a", "b", "c"):
        gate.node_seen(NodeInfo(node_id=node_id))
        gate.points_seen(node_id, [TEMPERATURE, LED])  # one point held at most
    gate.node_lost("b")  # a pending node lost is forgotten
    assert gate.report().pending == 1
    assert gate.node_confirmed("a")
    assert listener.calls == []  # a was pushed out by c: nothing to replay
    clock.advance(10)
    assert gate.report().pending == 0
    assert gate.node_confirmed("c")
    assert listener.calls == []  # expired: nothing replayed
    gate.points_seen("c", [TEMPERATURE, LED])
    assert listener.calls == [("points_seen", ("c", ["temperature"]))]


def test_first_report_admits_on_node_seen(listener: RecordingListener, clock: ManualClock) -> None:
    gate = make_gate(listener, clock, admit_when=AdmitWhen.FIRST_REPORT)
    report_all(gate, "host")
    assert [name for name, _ in listener.calls] == [
        "node_seen",
        "points_seen",
        "value_received",
        "value_received",
    ]
    assert gate.is_confirmed("host")
    gate.points_seen("ghost", [TEMPERATURE])  # never seen: dropped
    gate.node_lost("ghost")
    assert len(listener.calls) == 4


def test_plain_listeners_admit_every_handshake(listener: RecordingListener) -> None:
    assert report_handshake(listener, "anything")


@pytest.mark.allow_pyiot_warnings
def test_node_cap_refuses_and_reports_by_what(
    listener: RecordingListener, clock: ManualClock, caplog: pytest.LogCaptureFixture
) -> None:
    owner = Owner()
    gate = make_gate(listener, clock, owner, max_nodes=3)
    for node_id in ("a", "b", "c"):
        assert gate.node_confirmed(node_id)
    for number in range(10):
        assert not gate.node_confirmed(f"late-{number}")
    report = gate.report()
    assert report.node_cap_reached
    assert report.has_issue
    assert report.refused_nodes == 10
    assert report.last_refused == "late-9"
    assert report.newest_nodes == ("c", "b", "a")
    assert (report.nodes, report.confirmed) == (3, 3)
    assert (
        owner.reports
        == [report.__class__(**{**report.__dict__, "refused_nodes": 1, "last_refused": "late-0"})]
        if False
        else len(owner.reports) == 1
    )
    assert owner.reports[0].node_cap_reached
    assert owner.evicted == []  # confirmed nodes are never pushed out
    lines = [r.getMessage() for r in caplog.records if r.name == LOGGER.name and r.levelno >= logging.WARNING]
    assert len(lines) == 5  # five refused nodes named, the others in a summary a minute later
    assert "(node_cap)" in lines[0]
    assert "cap of 3 nodes" in lines[0]
    gate.forget("b")  # the user deleted a device: room again
    assert not gate.report().node_cap_reached
    assert len(owner.reports) == 2
    assert gate.node_confirmed("late-0")
    assert gate.report().as_dict()["newest_nodes"] == ["late-0", "c", "b", "a"]


@pytest.mark.allow_pyiot_warnings
def test_never_confirmed_nodes_make_room_least_recently_heard_first(
    listener: RecordingListener, clock: ManualClock
) -> None:
    owner = Owner()
    gate = make_gate(listener, clock, owner, max_nodes=3)
    gate.restore("old-1", ["temperature"], confirmed=False)
    gate.restore("real", ["temperature"], confirmed=True)
    gate.restore("old-2", ["temperature"], confirmed=False)
    gate.node_seen(NodeInfo(node_id="old-1"))  # heard from in this run: goes after old-2
    assert gate.report().confirmed == 1
    assert gate.node_confirmed("new-1")
    assert owner.evicted == ["old-2"]
    assert gate.node_confirmed("new-2")
    assert owner.evicted == ["old-2", "old-1"]
    assert not gate.node_confirmed("new-3")  # only confirmed nodes left
    assert gate.report().evicted == 2
    assert gate.is_admitted("real")
    assert owner.confirmed == []


def test_a_restored_node_that_does_its_handshake_is_confirmed(
    listener: RecordingListener, clock: ManualClock
) -> None:
    owner = Owner()
    gate = make_gate(listener, clock, owner)
    gate.restore("old", ["temperature"], confirmed=False)
    listener.points["old"] = {"temperature": TEMPERATURE}  # the hub restored it
    gate.value_received("old", "temperature", 20.0)  # restored points pass at once
    assert listener.calls == [("value_received", ("old", "temperature", 20.0))]
    assert not gate.is_confirmed("old")
    assert gate.node_confirmed("old")
    assert gate.is_confirmed("old")
    assert owner.confirmed == ["old"]
    assert gate.report().confirmed == 1


@pytest.mark.allow_pyiot_warnings
def test_point_cap(listener: RecordingListener, clock: ManualClock) -> None:
    owner = Owner()
    gate = make_gate(listener, clock, owner, max_points_per_node=2)
    gate.node_confirmed("n1")
    gate.node_seen(NodeInfo(node_id="n1"))
    gate.points_seen("n1", [point("a"), point("b"), point("c"), point("d")])
    gate.points_seen("n1", [point("a"), point("e")])
    gate.value_received("n1", "c", 1)
    assert listener.of("points_seen") == [("n1", ["a", "b"]), ("n1", ["a"])]
    assert listener.values("n1", "c") == []
    report = gate.report()
    assert report.point_cap_nodes == {"n1": 3}
    assert report.has_issue
    assert len(owner.reports) == 1
    for number in range(30):  # at most 16 nodes are listed
        node_id = f"m{number}"
        gate.node_confirmed(node_id)
        gate.node_seen(NodeInfo(node_id=node_id))
        gate.points_seen(node_id, [point("a"), point("b"), point("c")])
    assert len(gate.report().point_cap_nodes) == 16
    gate.forget("n1")
    assert "n1" not in gate.report().point_cap_nodes


@pytest.mark.allow_pyiot_warnings
def test_new_nodes_are_rate_limited(listener: RecordingListener, clock: ManualClock) -> None:
    gate = make_gate(listener, clock, new_nodes_per_minute=3)
    assert [gate.node_confirmed(f"n{number}") for number in range(5)] == [True, True, True, False, False]
    assert gate.report().rate_limited == 2
    clock.advance(20)
    assert gate.node_confirmed("n3")
    assert not gate.node_confirmed("n4")
    assert gate.node_confirmed("n0")  # admitted nodes are not rate-limited
    unlimited = make_gate(RecordingListener(), clock, new_nodes_per_minute=0)
    assert all(unlimited.node_confirmed(f"n{number}") for number in range(500))
    assert not unlimited.node_confirmed("n500")  # the cap still holds


def test_diagnostics(listener: RecordingListener, clock: ManualClock) -> None:
    gate = make_gate(listener, clock)
    gate.node_confirmed("n1")
    diagnostics = gate.diagnostics()
    assert diagnostics["admit_when"] == "handshake"
    assert diagnostics["limits"] == {
        "max_nodes": 500,
        "max_points_per_node": 64,
        "new_nodes_per_minute": 30,
        "discovery_per_minute": 300,
        "pending_nodes": 256,
        "pending_ttl": 120.0,
    }
    assert diagnostics["nodes"] == 1
    assert diagnostics["node_cap_reached"] is False


@pytest.mark.parametrize(
    "limits",
    [
        {"max_nodes": 0},
        {"max_nodes": 10_001},
        {"max_nodes": True},
        {"max_nodes": 5.0},
        {"max_points_per_node": 0},
        {"new_nodes_per_minute": -1},
        {"discovery_per_minute": 6_001},
        {"pending_nodes": 0},
        {"pending_ttl": 0.5},
    ],
)
def test_limits_are_validated(limits: dict[str, Any]) -> None:
    with pytest.raises(ValueError, match="must be"):
        AdmissionLimits(**limits)


def test_discovery_bucket(clock: ManualClock) -> None:
    bucket = AdmissionLimits(discovery_per_minute=60).discovery_bucket(clock)
    assert sum(bucket.take() for _ in range(100)) == 12
