"""A junk flood against the Pyaiot MQTT gateway behind an admission gate: no junk device, real nodes unharmed.

The junk is of the kinds of issue 13 (fake `node/check` ids, values from new ids, garbage payloads, long
and deep topics, new resources on real nodes, huge resource lists, oversized payloads); the gateway
reports to an `AdmissionGate` in front of a recording listener, as the hub will wire it.
"""

import asyncio
from collections.abc import AsyncIterator, Callable, Iterator
import json
import logging

import pytest

from custom_components.pyiot.core.nodes.admission import AdmissionGate, AdmissionLimits, CapReport
from custom_components.pyiot.core.protocols.pyaiot import mqtt
from custom_components.pyiot.core.protocols.pyaiot.mqtt import ADMIT_WHEN, PyaiotMqttGateway
from tests.core.pyaiot.fakes import FakeLink, RecordingListener
from tests.support.manual_clock import ManualClock

LOGGER = logging.getLogger("custom_components.pyiot.test_flood")
REAL = [f"real-{number}" for number in range(5)]
RESOURCES = json.dumps(["name", "temperature", "pressure", "led"])
pytestmark = pytest.mark.allow_pyiot_warnings


VALUE = json.dumps({"value": "21.5°C"}, ensure_ascii=False).encode()
BIG_LIST = json.dumps([f"r{index:04d}" for index in range(4_000)]).encode()
JUNK_KINDS: list[Callable[[int], tuple[str, bytes]]] = [
    lambda n: ("node/check", json.dumps({"id": f"junk-c-{n}"}).encode()),
    lambda n: ("node/check", json.dumps({"id": f"junk-d-{n}"}).encode()),
    lambda n: ("node/check", json.dumps({"id": f"junk-e-{n}"}).encode()),
    lambda n: (f"node/junk-v-{n}/temperature", VALUE),
    lambda n: (f"node/junk-w-{n}/temperature", VALUE),
    lambda n: (f"node/junk-j-{n}/temperature", b"not json"),
    lambda n: (f"node/junk-u-{n}/temperature", b"\xff\xfe"),
    lambda n: ("node/check", (b"[" * 900) if n % 2 else json.dumps({"id": n}).encode()),
    lambda n: (f"node/{'x' * 4_000}{n}/temperature", VALUE),
    lambda n: ("node/" + "/".join(["l"] * 100), VALUE),
    lambda n: (f"node/junk-r-{n}/resources", BIG_LIST),
    lambda n: (f"node/{REAL[n % 5]}/junk-p-{n}", b'{"value": "1"}'),
    lambda n: (f"node/junk-o-{n}/temperature", b'{"value": "' + b"x" * 70_000 + b'"}'),
]


def junk(count: int) -> Iterator[tuple[str, bytes]]:
    """`count` junk messages, the kinds in turn."""
    for number in range(count):
        yield JUNK_KINDS[number % len(JUNK_KINDS)](number)


class Repairs:
    def __init__(self) -> None:
        self.reports: list[CapReport] = []


@pytest.fixture
def repairs() -> Repairs:
    return Repairs()


@pytest.fixture
def pyaiot_listener() -> Iterator[RecordingListener]:
    listener = RecordingListener()
    yield listener
    assert listener.errors == []


@pytest.fixture
async def gateway(
    fake_link: FakeLink, pyaiot_listener: RecordingListener, clock: ManualClock, repairs: Repairs
) -> AsyncIterator[PyaiotMqttGateway]:
    limits = AdmissionLimits()
    gate = AdmissionGate(
        pyaiot_listener,
        admit_when=ADMIT_WHEN,
        limits=limits,
        on_report=repairs.reports.append,
        logger=LOGGER,
        clock=clock,
    )
    gateway = PyaiotMqttGateway(fake_link, gate, limits=limits, logger=LOGGER, clock=clock)
    await gateway.async_start()
    yield gateway
    await gateway.async_stop()


def handshake(link: FakeLink, node_id: str) -> None:
    link.deliver("node/check", json.dumps({"id": node_id}))
    link.deliver(f"node/{node_id}/resources", RESOURCES)


def reading(number: int) -> bytes:
    return json.dumps({"value": f"{10 + number * 0.01:.2f}°C"}, ensure_ascii=False).encode()


def warnings(caplog: pytest.LogCaptureFixture) -> list[str]:
    return [r.getMessage() for r in caplog.records if r.name == LOGGER.name and r.levelno >= logging.WARNING]


async def test_a_junk_flood_creates_nothing_and_real_nodes_keep_working(
    gateway: PyaiotMqttGateway,
    fake_link: FakeLink,
    pyaiot_listener: RecordingListener,
    clock: ManualClock,
    caplog: pytest.LogCaptureFixture,
) -> None:
    for node_id in REAL:
        handshake(fake_link, node_id)
    sent: dict[str, list[float]] = {node_id: [] for node_id in REAL}
    for number, (topic, payload) in enumerate(junk(30_000)):
        fake_link.deliver(topic, payload)
        if number % 100 == 0:  # the real nodes go on publishing through the flood
            node_id = REAL[number // 100 % 5]
            fake_link.deliver(f"node/{node_id}/temperature", reading(number // 100))
            sent[node_id].append(round(10 + number // 100 * 0.01, 2))
        if number % 1_000 == 0:
            clock.advance(1)
    clock.advance(60)
    gateway._bad_input.flush()

    seen = {node.node_id for node in pyaiot_listener.of("node_seen")}
    assert seen == set(REAL)  # devices created by junk: 0
    assert {node_id: set(points) for node_id, points in pyaiot_listener.points.items()} == {
        node_id: {"temperature", "pressure", "led"} for node_id in REAL
    }  # no junk point on a real node
    for node_id in REAL:
        assert pyaiot_listener.values(node_id, "temperature") == sent[node_id]  # every update delivered
    lines = warnings(caplog)
    assert len(lines) < 50, lines
    assert not any("unknown_node" in line for line in lines), "values of unknown nodes are only counted"
    assert any("more sources sent" in line and "in the last minute" in line for line in lines)
    diagnostics = gateway.diagnostics()
    assert diagnostics["pending"] <= AdmissionLimits().pending_nodes
    assert len(gateway._nodes) == len(REAL)
    assert gateway._bad_input.remembered <= 2048
    discovers = [topic for topic, payload in fake_link.topics("gateway/") if payload == "resources"]
    assert len(discovers) <= len(REAL) + 60 + 300 * 31 // 60  # the burst plus the rate over 31 s
    # A genuine node that starts after the flood gets in at once.
    handshake(fake_link, "late")
    fake_link.deliver("node/late/temperature", reading(1))
    assert pyaiot_listener.values("late", "temperature") == [10.01]


async def test_a_node_that_only_checks_is_asked_before_the_floods_backlog(
    gateway: PyaiotMqttGateway, fake_link: FakeLink, clock: ManualClock
) -> None:
    """Upstream's test node answers `discover` but never sends its list unasked."""
    for number in range(5_000):
        fake_link.deliver("node/check", json.dumps({"id": f"junk-{number}"}).encode())
    assert gateway.diagnostics()["deferred_discoveries"] > 4_000  # the discovery budget is spent
    clock.advance(2)
    fake_link.deliver("node/check", b'{"id": "shy"}')
    assert gateway._deferred_timer is not None
    gateway._deferred_timer.cancel()
    gateway._ask_deferred()  # the next sweep of the deferred asks
    await asyncio.sleep(0)
    asked = [topic for topic, payload in fake_link.topics("gateway/") if payload == "resources"]
    assert "gateway/shy/discover" in asked[-10:]


async def test_unknown_nodes_values_are_not_even_decoded(
    gateway: PyaiotMqttGateway, fake_link: FakeLink, monkeypatch: pytest.MonkeyPatch
) -> None:
    decoded: list[str] = []
    decoder = mqtt._JSON
    monkeypatch.setattr(
        mqtt,
        "_JSON",
        type("Counting", (), {"decode": lambda _, text: decoded.append(text) or decoder.decode(text)})(),
    )
    for number in range(1_000):
        fake_link.deliver(f"node/junk-{number}/temperature", b'{"value": "21.5\xc2\xb0C"}')
        fake_link.deliver(f"node/{'x' * 5_000}/temperature", b"{}")
        fake_link.deliver(f"node/junk-{number}/resources", b"[" + b'"a",' * 5_000 + b'"a"]')
    assert decoded == []
    assert gateway.diagnostics()["dropped"] == {
        "payload_too_large": 1_000,
        "topic_too_long": 1_000,
        "unknown_node": 1_000,
    }


async def test_protocol_complete_fakes_are_bounded_by_the_rate_and_the_cap(
    fake_link: FakeLink, pyaiot_listener: RecordingListener, clock: ManualClock, repairs: Repairs
) -> None:
    """An attacker who plays the whole handshake: admitted only as fast as the rate and up to the cap."""
    limits = AdmissionLimits(max_nodes=40, new_nodes_per_minute=30)
    gate = AdmissionGate(
        pyaiot_listener,
        admit_when=ADMIT_WHEN,
        limits=limits,
        on_report=repairs.reports.append,
        logger=LOGGER,
        clock=clock,
    )
    gateway = PyaiotMqttGateway(fake_link, gate, limits=limits, logger=LOGGER, clock=clock)
    await gateway.async_start()
    try:
        for node_id in REAL:
            handshake(fake_link, node_id)
        for number in range(1_000):
            handshake(fake_link, f"fake-{number}")
        assert len(pyaiot_listener.of("node_seen")) == 30  # the burst of the rate limit
        for _ in range(5):
            clock.advance(60)
            for number in range(1_000, 1_100):
                handshake(fake_link, f"fake-{number}")
        report = gate.report()
        assert report.nodes == 40
        assert report.node_cap_reached
        assert report.refused_nodes > 0
        assert all(node.startswith("fake-") for node in report.newest_nodes)  # by what: the newest ones
        assert repairs.reports[-1].node_cap_reached
        for node_id in REAL:  # the real nodes were never pushed out
            assert gate.is_confirmed(node_id)
            fake_link.deliver(f"node/{node_id}/temperature", reading(7))
            assert pyaiot_listener.values(node_id, "temperature") == [10.07]
        assert len(gateway._nodes) == 40
    finally:
        await gateway.async_stop()
