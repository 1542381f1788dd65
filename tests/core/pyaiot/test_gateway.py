"""The Pyaiot MQTT gateway over an in-memory link: lifecycle, writes, bad input, timers."""

import asyncio
from collections.abc import AsyncIterator
import json
import logging
from typing import Any

from freezegun.api import FrozenDateTimeFactory
from homeassistant.core import HomeAssistant
import pytest
from pytest_homeassistant_custom_component.common import async_fire_time_changed  # type: ignore[import-untyped]

from custom_components.pyiot.core.nodes.admission import AdmissionLimits
from custom_components.pyiot.core.nodes.model import NodeInfo, PointSpec, WriteError
from custom_components.pyiot.core.protocols.mqtt_link import MessageCallback, Unsubscribe
from custom_components.pyiot.core.protocols.pyaiot import mqtt
from custom_components.pyiot.core.protocols.pyaiot.mqtt import DropReason, PyaiotMqttGateway
from custom_components.pyiot.core.protocols.pyaiot.resources import point_for_resource
from tests.core.pyaiot.fakes import FakeLink, RecordingListener, eventually

CHECK = json.dumps({"id": "n1"})
RESOURCES = json.dumps(["board", "mcu", "os", "name", "temperature", "pressure", "led", "id"])


def specs(*keys: str) -> dict[str, PointSpec]:
    """The points of these resources, as the hub restores them."""
    return {key: spec for key in keys if (spec := point_for_resource(key)) is not None}


def handshake(link: FakeLink, node_id: str = "n1", resources: str = RESOURCES) -> None:
    """A node's `node/check` and resource list: what makes it known."""
    link.deliver("node/check", json.dumps({"id": node_id}))
    link.deliver(f"node/{node_id}/resources", resources)


@pytest.fixture
async def gateway(fake_link: FakeLink, listener: RecordingListener) -> AsyncIterator[PyaiotMqttGateway]:
    gateway = PyaiotMqttGateway(fake_link, listener, node_timeout=60, check_interval=30)
    await gateway.async_start()
    yield gateway
    await gateway.async_stop()


def value(raw: Any) -> str:
    return json.dumps({"value": raw}, ensure_ascii=False)


def expire(gateway: PyaiotMqttGateway, node_id: str) -> None:
    """Run a node's loss timer now."""
    timer = gateway._nodes[node_id].loss_timer
    assert timer is not None
    callback, args = timer._callback, timer._args  # type: ignore[attr-defined]
    timer.cancel()
    callback(*args)


def gateway_warnings(caplog: pytest.LogCaptureFixture) -> list[logging.LogRecord]:
    """Warnings of the gateway (not asyncio's slow-callback reports in debug mode)."""
    return [
        record
        for record in caplog.records
        if record.levelno == logging.WARNING and record.name == mqtt.__name__
    ]


def live_timers() -> set[asyncio.TimerHandle]:
    scheduled: list[asyncio.TimerHandle] = asyncio.get_running_loop()._scheduled  # type: ignore[attr-defined]
    return {handle for handle in scheduled if not handle.cancelled()}


async def settle() -> None:
    """Let the publish tasks the gateway spawned run."""
    for _ in range(3):
        await asyncio.sleep(0)


async def test_start_subscribes_once_and_requests_checks(
    gateway: PyaiotMqttGateway, fake_link: FakeLink
) -> None:
    await settle()
    assert [(topic, qos) for topic, _, qos in fake_link.subscriptions] == [("node/#", 1)]
    assert fake_link.published == [("gateway/check", "", 1, False)]
    await gateway.async_start()  # a second start changes nothing
    assert len(fake_link.subscriptions) == 1
    assert gateway.running


class EagerLink(FakeLink):
    """Delivers messages before confirming the subscription, as a link waiting for SUBACK may."""

    async def async_subscribe(self, topic: str, callback: MessageCallback, qos: int = 1) -> Unsubscribe:
        callback("node/check", CHECK.encode())
        callback("node/n1/resources", b'["led"]')
        return await super().async_subscribe(topic, callback, qos)


async def test_messages_during_subscription_are_handled(listener: RecordingListener) -> None:
    gateway = PyaiotMqttGateway(EagerLink(), listener)
    await gateway.async_start()
    assert [node.node_id for node in listener.of("node_seen")] == ["n1"]
    await gateway.async_stop()


async def test_failed_start_leaves_the_gateway_stopped(listener: RecordingListener) -> None:
    gateway = PyaiotMqttGateway(FakeLink(fail_subscribe=True), listener)
    with pytest.raises(ConnectionError):
        await gateway.async_start()
    assert not gateway.running
    assert gateway._check_task is None


async def test_check_requests_are_periodic(fake_link: FakeLink, listener: RecordingListener) -> None:
    gateway = PyaiotMqttGateway(fake_link, listener, check_interval=0.01)
    await gateway.async_start()
    await eventually(lambda: len(fake_link.topics("gateway/check")) >= 3)
    await gateway.async_stop()


async def test_discovery_sequence(
    gateway: PyaiotMqttGateway, fake_link: FakeLink, listener: RecordingListener
) -> None:
    fake_link.deliver("node/check", CHECK)
    await settle()
    assert listener.calls == []  # pending until its resource list completes the handshake
    assert fake_link.topics("gateway/n1") == [("gateway/n1/discover", "resources")]

    fake_link.deliver("node/n1/resources", RESOURCES)
    await settle()
    assert listener.of("node_seen") == [NodeInfo(node_id="n1", manufacturer="Pyaiot")]
    assert listener.of("points_seen") == [("n1", ["temperature", "pressure", "led"])]
    assert fake_link.topics("gateway/n1")[-1] == ("gateway/n1/discover", "values")

    for resource, raw in [
        ("name", "Node"),
        ("board", "samr21-xpro"),
        ("mcu", "samd21"),
        ("os", "riot"),
        ("temperature", "21.5\u00b0C"),
        ("pressure", "1013.5hPa"),
        ("led", "1"),
        ("id", "n1"),
    ]:
        fake_link.deliver(f"node/n1/{resource}", value(raw))
    assert listener.of("node_seen")[-1] == NodeInfo(
        node_id="n1",
        name="Node",
        model="samr21-xpro",
        hw_version="samd21",
        extra={"os": "riot"},
        manufacturer="RIOT",
    )
    assert len(listener.of("node_seen")) == 5  # the handshake, then one per info resource
    assert listener.of("value_received") == [
        ("n1", "temperature", 21.5),
        ("n1", "pressure", 1013.5),
        ("n1", "led", True),
    ]
    fake_link.deliver("node/n1/name", value("Node"))  # unchanged info is not reported again
    assert len(listener.of("node_seen")) == 5


async def test_re_announce_does_not_rediscover(
    gateway: PyaiotMqttGateway, fake_link: FakeLink, listener: RecordingListener
) -> None:
    handshake(fake_link)
    for _ in range(3):
        fake_link.deliver("node/check", CHECK)
    await settle()
    assert len(listener.of("node_seen")) == 4
    assert fake_link.topics("gateway/n1") == [
        ("gateway/n1/discover", "resources"),
        ("gateway/n1/discover", "values"),
    ]


async def test_repeated_resource_list_reports_only_new_points(
    gateway: PyaiotMqttGateway, fake_link: FakeLink, listener: RecordingListener
) -> None:
    fake_link.deliver("node/n1/resources", '["temperature", "temperature"]')
    fake_link.deliver("node/n1/resources", '["temperature", "humidity"]')
    assert listener.calls == []  # pending: lists are merged until the check
    # A node that sent its list unprompted (RIOT at boot) is not asked for it at its check.
    fake_link.deliver("node/check", CHECK)
    await settle()
    assert listener.of("points_seen") == [("n1", ["temperature", "humidity"])]
    assert fake_link.topics("gateway/n1") == [("gateway/n1/discover", "values")]
    fake_link.deliver("node/n1/resources", '["temperature", "name"]')
    fake_link.deliver("node/n1/resources", '["temperature", "led"]')
    assert listener.of("points_seen") == [("n1", ["temperature", "humidity"]), ("n1", ["led"])]


@pytest.mark.allow_pyiot_warnings
async def test_values_of_a_restored_node_never_checked(
    fake_link: FakeLink, listener: RecordingListener
) -> None:
    """A RIOT node after a Home Assistant restart: only values, no check or resource list yet.

    The hub restored it (with its points), so its values count at once; it is asked for them too.
    """
    gateway = PyaiotMqttGateway(fake_link, listener)
    gateway.restore_nodes({"mqtt-2": ["temperature", "humidity"]})
    listener.points["mqtt-2"] = specs("temperature", "humidity")  # the hub has the restored points
    await gateway.async_start()
    await settle()
    assert fake_link.topics("gateway/mqtt-2") == [("gateway/mqtt-2/discover", "values")]
    fake_link.deliver("node/mqtt-2/temperature", '{"value":"23.4\u00b0C"}')
    fake_link.deliver("node/mqtt-2/co", '{"value":"7"}')  # not one of its points
    fake_link.deliver("node/mqtt-2/temperature", '{"value":"23.5\u00b0C"}')
    assert listener.calls == [
        ("node_seen", NodeInfo(node_id="mqtt-2", manufacturer="Pyaiot")),
        ("value_received", ("mqtt-2", "temperature", 23.4)),
        ("value_received", ("mqtt-2", "temperature", 23.5)),
    ]
    assert gateway.diagnostics()["dropped"] == {"unlisted_resource": 1}
    assert gateway._nodes["mqtt-2"].loss_timer is not None
    await gateway.async_stop()


async def test_values_and_info_of_an_unknown_node_are_dropped(
    gateway: PyaiotMqttGateway,
    fake_link: FakeLink,
    listener: RecordingListener,
    caplog: pytest.LogCaptureFixture,
) -> None:
    for _ in range(3):
        fake_link.deliver("node/n2/name", value("Node"))
        fake_link.deliver("node/n2/temperature", value("20°C"))
    assert listener.calls == []
    assert gateway.diagnostics()["dropped"] == {"unknown_node": 6}
    # Not bad input (a node running before the gateway, asked at start to check in): counted, no warning.
    assert gateway_warnings(caplog) == []


async def test_loss_and_return(fake_link: FakeLink, listener: RecordingListener) -> None:
    gateway = PyaiotMqttGateway(fake_link, listener, node_timeout=0.05)
    await gateway.async_start()
    handshake(fake_link, resources='["temperature"]')
    await listener.wait_for(lambda: bool(listener.of("node_lost")))
    assert listener.of("node_lost") == ["n1"]
    assert gateway.diagnostics()["nodes"]["n1"]["available"] is False
    fake_link.deliver("node/n1/temperature", value("20°C"))  # a value makes it available again
    assert listener.calls[-2:] == [
        ("node_seen", NodeInfo(node_id="n1", manufacturer="Pyaiot")),
        ("value_received", ("n1", "temperature", 20.0)),
    ]
    await listener.wait_for(lambda: len(listener.of("node_lost")) == 2)
    fake_link.deliver("node/check", CHECK)
    await settle()
    assert listener.calls[-1] == ("node_seen", NodeInfo(node_id="n1", manufacturer="Pyaiot"))
    assert fake_link.topics("gateway/n1") == [
        ("gateway/n1/discover", "resources"),
        ("gateway/n1/discover", "values"),
    ]
    await gateway.async_stop()


async def test_only_checks_extend_liveness(
    hass: HomeAssistant, freezer: FrozenDateTimeFactory, fake_link: FakeLink, listener: RecordingListener
) -> None:
    """Timers are loop timers, so Home Assistant's time travel drives them."""
    gateway = PyaiotMqttGateway(fake_link, listener)
    await gateway.async_start()
    try:
        handshake(fake_link)
        freezer.tick(100)
        async_fire_time_changed(hass)
        fake_link.deliver("node/check", CHECK)  # re-arms: lost 120 s from now
        freezer.tick(100)
        async_fire_time_changed(hass)
        assert listener.of("node_lost") == []
        fake_link.deliver("node/n1/temperature", value("20°C"))  # a value does not re-arm
        freezer.tick(21)
        async_fire_time_changed(hass)
        assert listener.of("node_lost") == ["n1"]
    finally:
        await gateway.async_stop()


async def test_stop_cancels_everything(fake_link: FakeLink, listener: RecordingListener) -> None:
    before = live_timers()
    gateway = PyaiotMqttGateway(fake_link, listener)
    await gateway.async_start()
    handshake(fake_link)  # arms a timer and spawns a discovery publish
    fake_link.deliver("node/check", json.dumps({"id": "n2"}))
    await gateway.async_stop()
    assert fake_link.unsubscribed == 1
    assert not gateway.running
    assert gateway._check_task is None
    assert not gateway._publish_tasks
    assert all(node.loss_timer is None and not node.available for node in gateway._nodes.values())
    assert live_timers() == before
    calls = len(listener.calls)
    fake_link.deliver("node/check", CHECK)  # a late message after stop is ignored
    assert len(listener.calls) == calls
    await gateway.async_stop()  # stopping twice is harmless
    assert fake_link.unsubscribed == 1


async def test_restart_keeps_what_was_learnt(fake_link: FakeLink, listener: RecordingListener) -> None:
    gateway = PyaiotMqttGateway(fake_link, listener)
    await gateway.async_start()
    fake_link.deliver("node/check", CHECK)
    fake_link.deliver("node/n1/resources", '["led"]')
    await settle()
    await gateway.async_stop()
    await gateway.async_start()  # asks the nodes it knows for their values at once
    fake_link.deliver("node/check", CHECK)
    await settle()
    assert fake_link.topics("gateway/n1/discover") == [
        ("gateway/n1/discover", "resources"),
        ("gateway/n1/discover", "values"),
        ("gateway/n1/discover", "values"),
    ]
    assert listener.of("points_seen") == [("n1", ["led"])]
    await gateway.async_stop()


async def test_write(gateway: PyaiotMqttGateway, fake_link: FakeLink, listener: RecordingListener) -> None:
    fake_link.deliver("node/check", CHECK)
    fake_link.deliver("node/n1/resources", '["led", "js", "temperature"]')
    await gateway.async_write("n1", "led", True)
    await gateway.async_write("n1", "js", "go()")
    assert fake_link.published[-2:] == [
        ("gateway/n1/led/set", "1", 1, False),
        ("gateway/n1/js/set", "go()", 1, False),
    ]
    assert listener.values("n1", "led") == []  # the node's echo, not the write, updates the point


@pytest.mark.parametrize(
    ("node_id", "key", "value", "message"),
    [
        ("nobody", "led", True, "not available"),
        ("n1", "humidity", 1, "has no resource"),
        ("n1", "temperature", 1, "read-only"),
        ("n1", "led", "blink", "Cannot write"),
        ("n1", "robot", 5, "Cannot write"),
    ],
)
async def test_write_errors(
    gateway: PyaiotMqttGateway, fake_link: FakeLink, *, node_id: str, key: str, value: Any, message: str
) -> None:
    fake_link.deliver("node/check", CHECK)
    fake_link.deliver("node/n1/resources", '["led", "robot", "temperature"]')
    with pytest.raises(WriteError, match=message):
        await gateway.async_write(node_id, key, value)


async def test_write_to_a_lost_node_or_stopped_gateway(
    gateway: PyaiotMqttGateway, fake_link: FakeLink, listener: RecordingListener
) -> None:
    fake_link.deliver("node/check", CHECK)
    fake_link.deliver("node/n1/resources", '["led"]')
    expire(gateway, "n1")
    with pytest.raises(WriteError, match="not available"):
        await gateway.async_write("n1", "led", True)
    await gateway.async_stop()
    with pytest.raises(WriteError, match="not running"):
        await gateway.async_write("n1", "led", True)


@pytest.mark.allow_pyiot_warnings
async def test_write_when_the_broker_fails(gateway: PyaiotMqttGateway, fake_link: FakeLink) -> None:
    fake_link.deliver("node/check", CHECK)
    fake_link.deliver("node/n1/resources", '["led"]')
    fake_link.fail_publish = True
    with pytest.raises(WriteError, match="broker gone"):
        await gateway.async_write("n1", "led", False)


@pytest.mark.allow_pyiot_warnings
async def test_publish_failures_are_logged_once(
    fake_link: FakeLink, listener: RecordingListener, caplog: pytest.LogCaptureFixture
) -> None:
    fake_link.fail_publish = True
    gateway = PyaiotMqttGateway(fake_link, listener, check_interval=0.01)
    caplog.set_level(logging.DEBUG, logger=mqtt.__name__)
    await gateway.async_start()
    fake_link.deliver("node/check", CHECK)
    await asyncio.sleep(0.05)
    warnings = gateway_warnings(caplog)
    assert len(warnings) == 1
    assert "Could not publish" in warnings[0].getMessage()
    fake_link.fail_publish = False
    await eventually(lambda: any("works again" in record.getMessage() for record in caplog.records))
    await gateway.async_stop()


@pytest.mark.allow_pyiot_warnings
async def test_listener_errors_do_not_escape(
    gateway: PyaiotMqttGateway,
    fake_link: FakeLink,
    listener: RecordingListener,
    caplog: pytest.LogCaptureFixture,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    def broken(*_: object) -> None:
        raise RuntimeError("hub bug")

    monkeypatch.setattr(listener, "node_seen", broken)
    monkeypatch.setattr(listener, "node_lost", broken)
    handshake(fake_link)
    fake_link.deliver("node/check", CHECK)
    expire(gateway, "n1")
    gateway.link_lost()
    assert [record.getMessage() for record in caplog.records if record.exc_info] == [
        "Error while handling a Pyaiot message on node/n1/resources",
        "Error while handling a Pyaiot message on node/check",
        "Error while reporting the loss of Pyaiot node n1",
    ]


BIG = json.dumps({"value": "x" * (64 * 1024)})
KNOWN = {"n1": ["temperature", "led"]}
"""What the bad-input tests' gateway knows: n1, restored with these points."""


@pytest.fixture
async def known_gateway(fake_link: FakeLink, listener: RecordingListener) -> AsyncIterator[PyaiotMqttGateway]:
    gateway = PyaiotMqttGateway(fake_link, listener, node_timeout=60, check_interval=30)
    gateway.restore_nodes(KNOWN)
    listener.points["n1"] = specs(*KNOWN["n1"])
    await gateway.async_start()
    yield gateway
    await gateway.async_stop()


@pytest.mark.allow_pyiot_warnings
@pytest.mark.parametrize(
    ("topic", "payload", "reason"),
    [
        ("node/check", b"\xff\xfe", DropReason.NOT_UTF8),
        ("node/check", "not json", DropReason.NOT_JSON),
        ("node/check", '{"id": NaN}', DropReason.NOT_JSON),
        ("node/check", "[" * 1_000, DropReason.NOT_JSON),
        ("node/check", "[" * 60_000, DropReason.PAYLOAD_TOO_LARGE),
        ("node/check", json.dumps({"id": "n1", "pad": "x" * 1024}), DropReason.PAYLOAD_TOO_LARGE),
        ("node/check", '{"id": 5}', DropReason.BAD_CHECK),
        ("node/check", '["n1"]', DropReason.BAD_CHECK),
        ("node/check", "{}", DropReason.BAD_CHECK),
        ("node/check", '{"id": ""}', DropReason.BAD_NODE_ID),
        ("node/check", '{"id": "a/b"}', DropReason.BAD_NODE_ID),
        ("node/check", '{"id": "a+"}', DropReason.BAD_NODE_ID),
        ("node/check", '{"id": "#"}', DropReason.BAD_NODE_ID),
        ("node/check", '{"id": "a\\u0000b"}', DropReason.BAD_NODE_ID),
        ("node/check", '{"id": "a\\nb"}', DropReason.BAD_NODE_ID),
        ("node/check", json.dumps({"id": "x" * 129}), DropReason.BAD_NODE_ID),
        ("node/check", BIG, DropReason.PAYLOAD_TOO_LARGE),
        ("node/n1/temperature", BIG, DropReason.PAYLOAD_TOO_LARGE),
        ("node/n1/resources", json.dumps(["temperature"] * 2_000), DropReason.PAYLOAD_TOO_LARGE),
        ("node/n2/resources", BIG, DropReason.PAYLOAD_TOO_LARGE),
        ("node/" + "x" * 300 + "/temperature", '{"value": 1}', DropReason.TOPIC_TOO_LONG),
        ("node/n1/" + "t" * 70_000, '{"value": 1}', DropReason.TOPIC_TOO_LONG),
        ("node/n1/co2", '{"value": 1}', DropReason.UNLISTED_RESOURCE),
        ("node/n1\x00/resources", '["led"]', DropReason.BAD_NODE_ID),
        ("node", "{}", DropReason.UNKNOWN_TOPIC),
        ("node/n1", '{"value": 1}', DropReason.UNKNOWN_TOPIC),
        ("node/a/b/c", '{"value": 1}', DropReason.UNKNOWN_TOPIC),
        ("gateway/check", "", DropReason.UNKNOWN_TOPIC),
        ("node//temperature", '{"value": 1}', DropReason.BAD_NODE_ID),
        ("node/" + "x" * 129 + "/temperature", '{"value": 1}', DropReason.BAD_NODE_ID),
        ("node/n1/", '{"value": 1}', DropReason.BAD_RESOURCE_NAME),
        ("node/n1/te\tmp", '{"value": 1}', DropReason.BAD_RESOURCE_NAME),
        ("node/n1/resources", '{"temperature": 1}', DropReason.BAD_RESOURCE_LIST),
        ("node/n1/resources", '["temperature", 5]', DropReason.BAD_RESOURCE_LIST),
        ("node/n1/resources", "[", DropReason.NOT_JSON),
        ("node/n1/resources", '["a/b", "", "+", "#"]', DropReason.BAD_RESOURCE_NAME),
        ("node/n1/temperature", "23.4", DropReason.BAD_VALUE_MESSAGE),
        ("node/n1/temperature", '"23.4°C"', DropReason.BAD_VALUE_MESSAGE),
        ("node/n1/temperature", '{"val": "23.4°C"}', DropReason.BAD_VALUE_MESSAGE),
        ("node/n1/temperature", '{"value": "abc"}', DropReason.BAD_VALUE),
        ("node/n1/temperature", '{"value": {"c": 23}}', DropReason.BAD_VALUE),
        ("node/n1/temperature", '{"value": null}', DropReason.BAD_VALUE),
        ("node/n1/temperature", '{"value": 1e999}', DropReason.BAD_VALUE),
        ("node/n1/temperature", '{"value": Infinity}', DropReason.NOT_JSON),
        ("node/n1/led", '{"value": 2}', DropReason.BAD_VALUE),
        ("node/n1/name", '{"value": null}', DropReason.BAD_VALUE),
        ("node/n1/temperature", b'{"value": "\xb0C"}', DropReason.NOT_UTF8),
    ],
    ids=lambda param: repr(param)[:30],
)
async def test_bad_input_is_dropped_and_logged_once(
    known_gateway: PyaiotMqttGateway,
    fake_link: FakeLink,
    listener: RecordingListener,
    caplog: pytest.LogCaptureFixture,
    *,
    topic: str,
    payload: str | bytes,
    reason: DropReason,
) -> None:
    caplog.set_level(logging.DEBUG, logger=mqtt.__name__)
    for _ in range(3):
        fake_link.deliver(topic, payload)
    await settle()
    assert listener.calls == []
    dropped = known_gateway.diagnostics()["dropped"]
    assert list(dropped) == [reason.value]
    warnings = gateway_warnings(caplog)
    assert len(warnings) == 1, warnings
    assert f"({reason.value})" in warnings[0].getMessage()
    assert len(warnings[0].getMessage()) < 400  # details are shortened
    assert fake_link.topics("gateway/n1") == [("gateway/n1/discover", "values")]  # the restore's ask only


@pytest.mark.allow_pyiot_warnings
async def test_partly_bad_resource_list(
    gateway: PyaiotMqttGateway, fake_link: FakeLink, listener: RecordingListener
) -> None:
    fake_link.deliver("node/check", CHECK)
    fake_link.deliver("node/n1/resources", '["temperature", "a/b", "x\\u0000", "led"]')
    assert listener.of("points_seen") == [("n1", ["temperature", "led"])]
    assert gateway.diagnostics()["dropped"] == {"bad_resource_name": 2}


@pytest.mark.allow_pyiot_warnings
async def test_good_message_after_bad_input(
    gateway: PyaiotMqttGateway, fake_link: FakeLink, listener: RecordingListener
) -> None:
    handshake(fake_link)
    fake_link.deliver("node/n1/temperature", '{"value": "hot"}')
    fake_link.deliver("node/n1/temperature", '{"value": "21°C"}')
    assert listener.values("n1", "temperature") == [21.0]


@pytest.mark.allow_pyiot_warnings
async def test_limits(
    fake_link: FakeLink,
    listener: RecordingListener,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setattr(mqtt, "MAX_NODES", 2)
    gateway = PyaiotMqttGateway(fake_link, listener, limits=AdmissionLimits(max_points_per_node=3))
    await gateway.async_start()
    handshake(fake_link, resources='["a", "b", "c", "d", "e"]')
    fake_link.deliver("node/n1/resources", '["f"]')
    fake_link.deliver("node/n1/f", '{"value": "1"}')
    fake_link.deliver("node/n1/a", '{"value": "1"}')
    assert listener.of("points_seen") == [("n1", ["a", "b", "c"])]
    assert listener.values("n1", "a") == ["1"]
    for node_id in ("n2", "n3"):
        handshake(fake_link, node_id, '["led"]')
        fake_link.deliver(f"node/{node_id}/led", '{"value": 1}')
    assert [node.node_id for node in listener.of("node_seen")] == ["n1", "n2"]
    assert gateway.diagnostics()["dropped"] == {
        "pending_node": 1,
        "too_many_nodes": 1,
        "too_many_points": 1,
        "unlisted_resource": 1,
    }
    await gateway.async_stop()


@pytest.mark.allow_pyiot_warnings
async def test_diagnostics(gateway: PyaiotMqttGateway, fake_link: FakeLink) -> None:
    handshake(fake_link, resources='["os", "temperature"]')
    fake_link.deliver("node/n1/os", '{"value": "riot"}')
    fake_link.deliver("node/n1/temperature", "oops")
    fake_link.deliver("node/n3/led", '{"value": 1}')
    fake_link.deliver("node/check", json.dumps({"id": "n4"}))
    gateway.restore_nodes({"n5": ["led"]})
    diagnostics = gateway.diagnostics()
    assert diagnostics["running"] is True
    assert diagnostics["link_up"] is True
    assert diagnostics["node_timeout"] == 60
    assert diagnostics["check_interval"] == 30
    assert diagnostics["dropped"] == {"not_json": 1, "unknown_node": 1}
    assert diagnostics["pending"] == 1
    assert diagnostics["pending_evicted"] == 0
    assert diagnostics["deferred_discoveries"] == 0
    node = diagnostics["nodes"]["n1"]
    assert node["available"] is True
    assert node["confirmed"] is True
    assert node["discovery_requested"] is True
    assert node["info"] == {"os": "riot"}
    assert node["resources"] == ["temperature"]
    assert 0 <= node["last_check_age"] < 5
    restored = diagnostics["nodes"]["n5"]
    assert restored["last_check_age"] is None
    assert restored["discovery_requested"] is False
    assert restored["confirmed"] is False
    json.dumps(diagnostics)
