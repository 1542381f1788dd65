"""The gateway's side of admission: the handshake it reports, what a refusal means, restored nodes."""

import asyncio
import json

import pytest

from custom_components.pyiot.core.nodes.admission import AdmissionGate, AdmissionLimits
from custom_components.pyiot.core.protocols.pyaiot.mqtt import ADMIT_WHEN, PyaiotMqttGateway
from tests.core.pyaiot.fakes import FakeLink, RecordingListener


async def settle() -> None:
    for _ in range(3):
        await asyncio.sleep(0)


def handshake(link: FakeLink, node_id: str, resources: str = '["led"]') -> None:
    link.deliver("node/check", json.dumps({"id": node_id}))
    link.deliver(f"node/{node_id}/resources", resources)


@pytest.mark.allow_pyiot_warnings
async def test_a_refused_handshake_stays_pending_and_is_tried_again(
    fake_link: FakeLink, listener: RecordingListener
) -> None:
    gate = AdmissionGate(listener, admit_when=ADMIT_WHEN, limits=AdmissionLimits(max_nodes=1))
    gateway = PyaiotMqttGateway(fake_link, gate)
    await gateway.async_start()
    handshake(fake_link, "first")
    handshake(fake_link, "second")
    assert [node.node_id for node in listener.of("node_seen")] == ["first"]
    assert "second" in gateway._pending
    gateway.forget_node("first")
    gate.forget("first")  # the user deleted it: room again
    fake_link.deliver("node/check", json.dumps({"id": "second"}))  # its next check completes it
    assert [node.node_id for node in listener.of("node_seen")] == ["first", "second"]
    assert listener.of("points_seen")[-1] == ("second", ["led"])
    gateway.forget_node("nobody")
    await gateway.async_stop()


async def test_a_restored_node_is_confirmed_by_its_handshake(
    fake_link: FakeLink, listener: RecordingListener
) -> None:
    confirmed: list[str] = []
    gate = AdmissionGate(listener, admit_when=ADMIT_WHEN, on_confirmed=confirmed.append)
    gate.restore("old", ["led"], confirmed=False)
    listener.points["old"] = {}
    gateway = PyaiotMqttGateway(fake_link, gate)
    gateway.restore_nodes({"old": ["led"]})
    await gateway.async_start()
    fake_link.deliver("node/check", json.dumps({"id": "old"}))
    await settle()
    assert confirmed == []  # a check alone is not the handshake
    assert fake_link.topics("gateway/old") == [
        ("gateway/old/discover", "values"),
        ("gateway/old/discover", "resources"),
    ]
    fake_link.deliver("node/old/resources", '["led", "temperature"]')
    assert confirmed == ["old"]
    assert gateway.diagnostics()["nodes"]["old"]["confirmed"] is True
    fake_link.deliver("node/old/resources", '["led"]')
    assert confirmed == ["old"]
    await gateway.async_stop()


async def test_a_long_resource_list_is_read_only_as_far_as_allowed(
    fake_link: FakeLink, listener: RecordingListener
) -> None:
    gateway = PyaiotMqttGateway(fake_link, listener, limits=AdmissionLimits(max_points_per_node=4))
    await gateway.async_start()
    names = [f"r{number}" for number in range(1_000)]
    handshake(fake_link, "n1", json.dumps(names))
    assert listener.of("points_seen") == [("n1", ["r0", "r1", "r2", "r3"])]
    await gateway.async_stop()


async def test_a_start_while_the_link_is_down_asks_nothing(
    fake_link: FakeLink, listener: RecordingListener
) -> None:
    gateway = PyaiotMqttGateway(fake_link, listener, check_interval=0.01)
    gateway.restore_nodes({"n1": ["led"]})
    gateway.link_lost()
    await gateway.async_start()
    await asyncio.sleep(0.05)
    assert fake_link.published == []
    fake_link.deliver("node/check", json.dumps({"id": "new"}))
    await settle()
    assert fake_link.published == []  # no discovery while the link is down
    gateway.link_restored()
    await settle()
    assert ("gateway/n1/discover", "values", 1, False) in fake_link.published
    await gateway.async_stop()
