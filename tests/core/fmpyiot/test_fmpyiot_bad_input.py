"""Bad input: dropped, logged once per device and problem, counted, nothing known changed."""

import json
import logging

import pytest

from custom_components.pyiot.core.nodes.model import WriteError
from custom_components.pyiot.core.protocols.fmpyiot import (
    FmPyIotGateway,
    GatewaySettings,
    book as book_module,
)
from custom_components.pyiot.core.protocols.fmpyiot.device import MAX_TOPICS_PER_DEVICE
from custom_components.pyiot.core.protocols.fmpyiot.payloads import MAX_PAYLOAD_BYTES
from tests.core.fmpyiot.fmpyiot_helpers import (
    FakeLink,
    FmPyIotListener,
    device_on,
    gateway_on,
    identified,
    unique_prefix,
    wait_until,
)
from tests.support.aiomqtt_link import AiomqttLink
from tests.support.manual_clock import ManualClock
from tests.support.mosquitto import Mosquitto
from tools.simulators.fmpyiot_device import Message, make_device

MAC = "28:cd:c1:0f:4d:81"
BASE = "T-HOME/SERRE/"
SYSINFO = json.dumps({"mac": MAC, "name": "Serre"})


def warnings(caplog: pytest.LogCaptureFixture) -> list[str]:
    return [record.getMessage() for record in caplog.records if record.levelno >= logging.WARNING]


@pytest.fixture
async def fake_gateway(listener: FmPyIotListener, clock: ManualClock) -> FmPyIotGateway:
    gateway = FmPyIotGateway(FakeLink(), listener, clock=clock, request_spacing=0)
    await gateway.async_start()
    yield gateway  # type: ignore[misc]
    await gateway.async_stop()


def link_of(gateway: FmPyIotGateway) -> FakeLink:
    return gateway._link  # type: ignore[return-value]


async def known_device(gateway: FmPyIotGateway, listener: FmPyIotListener) -> None:
    link = link_of(gateway)
    link.deliver(BASE + "SYSINFO", SYSINFO)
    await listener.wait_for(lambda: MAC in listener.nodes())
    await wait_until(lambda: any(topic == BASE + "+" for topic, _ in link.subscriptions))


@pytest.mark.allow_pyiot_warnings
async def test_oversized_and_non_utf8_payloads_are_dropped_once_logged(
    broker: Mosquitto,
    link: AiomqttLink,
    listener: FmPyIotListener,
    clock: ManualClock,
    caplog: pytest.LogCaptureFixture,
) -> None:
    device = make_device(0, prefix=unique_prefix("BAD"))
    async with gateway_on(link, listener, clock=clock) as gateway, device_on(broker, device) as runner:
        node_id = await identified(listener, runner)
        await runner.publish_value("./temperature")
        await listener.wait_for(lambda: listener.last(node_id, "./temperature") is not None)
        before = list(listener.calls)
        for _ in range(3):
            await runner.publish(Message(device.base + "temperature", b"1" * (MAX_PAYLOAD_BYTES + 1)))
            await runner.publish(Message(device.base + "temperature", b"\xff\xfe"))
            await runner.publish(Message(device.base + "SYSINFO", b"\xff"))
            await runner.publish(Message(device.base + "SYSINFO", b"[1, 2]"))
            await runner.publish(Message(device.base + "PARAMS", b'"text"'))
            await runner.publish(Message(device.base + "newtopic", b"\xc3"))
        device.temperature = 33.0
        await runner.publish_value("./temperature")
        await listener.wait_for(lambda: listener.last(node_id, "./temperature") == 33.0)
        problems = gateway.diagnostics()["problems"]
    assert listener.calls[len(before) :] == [("value_received", (node_id, "./temperature", 33.0))]
    assert problems == {"bad_params": 3, "bad_sysinfo": 3, "not_utf8": 9, "payload_too_large": 3}
    assert len(warnings(caplog)) == 4, "once per device and problem"


@pytest.mark.allow_pyiot_warnings
async def test_sysinfo_fields_of_the_wrong_type_do_not_stop_the_rest(
    fake_gateway: FmPyIotGateway, listener: FmPyIotListener, caplog: pytest.LogCaptureFixture
) -> None:
    link_of(fake_gateway).deliver(
        BASE + "SYSINFO", json.dumps({"mac": MAC, "uname": 3, "ifconfig": {"ip": "x"}, "mem_free": "lots"})
    )
    await listener.wait_for(lambda: MAC in listener.nodes())
    assert listener.nodes()[MAC].model is None
    assert fake_gateway.diagnostics()["problems"] == {"bad_sysinfo": 1}
    assert "uname, ip" in warnings(caplog)[0]


@pytest.mark.allow_pyiot_warnings
async def test_a_device_is_capped_in_topics(
    fake_gateway: FmPyIotGateway, listener: FmPyIotListener, caplog: pytest.LogCaptureFixture
) -> None:
    await known_device(fake_gateway, listener)
    link = link_of(fake_gateway)
    for index in range(MAX_TOPICS_PER_DEVICE + 50):
        link.deliver(f"{BASE}t{index}", str(index))
    topic_points = [key for key in listener.points[MAC] if key.startswith("./")]
    assert len(topic_points) == MAX_TOPICS_PER_DEVICE
    assert fake_gateway.diagnostics()["problems"] == {"too_many_topics": 50}
    assert len(warnings(caplog)) == 1
    link.deliver(f"{BASE}t0", "99")
    assert listener.last(MAC, "./t0") == 99, "known topics still work"


@pytest.mark.allow_pyiot_warnings
async def test_odd_topic_names_and_the_device_cap(
    fake_gateway: FmPyIotGateway, listener: FmPyIotListener, monkeypatch: pytest.MonkeyPatch
) -> None:
    await known_device(fake_gateway, listener)
    link = link_of(fake_gateway)
    link.deliver(BASE + "x" * 300, "1")
    link.deliver(BASE + "bad\x01name", "1")
    link.deliver("bad\x02base/WATCHDOG", "FEED")
    link.deliver("x" * 300 + "/WATCHDOG", "FEED")
    problems = fake_gateway.diagnostics()["problems"]
    assert problems == {"bad_topic": 2, "bad_base_topic": 2}
    monkeypatch.setattr(book_module, "MAX_DEVICES", 3)
    for index in range(5):
        link.deliver(f"CAP{index}/WATCHDOG", "FEED")
    assert fake_gateway.diagnostics()["problems"]["too_many_devices"] == 3
    assert len(fake_gateway.diagnostics()["devices"]) == 3


async def test_requests_and_replies_of_unknown_topics_are_not_points(
    fake_gateway: FmPyIotGateway, listener: FmPyIotListener
) -> None:
    await known_device(fake_gateway, listener)
    link = link_of(fake_gateway)
    for name in ("temperature_", "SYSINFO_", "PARAMS_", "SET_PARAMS", "SET_PARAM", "WATCHDOG_", "LED_"):
        link.deliver(BASE + name, "1")
    assert [key for key in listener.points.get(MAC, {}) if key.startswith("./")] == []


async def test_a_failing_listener_does_not_break_the_gateway(
    listener: FmPyIotListener, clock: ManualClock, caplog: pytest.LogCaptureFixture
) -> None:
    class Failing(FmPyIotListener):
        fail = True

        def value_received(self, node_id: str, key: str, value: object) -> None:
            if self.fail:
                self.fail = False
                raise RuntimeError("listener bug")
            super().value_received(node_id, key, value)

    failing = Failing()
    link = FakeLink()
    gateway = FmPyIotGateway(link, failing, clock=clock, request_spacing=0)
    await gateway.async_start()
    try:
        link.deliver(BASE + "SYSINFO", SYSINFO)
        await failing.wait_for(lambda: MAC in failing.nodes())
        await wait_until(lambda: any(topic == BASE + "+" for topic, _ in link.subscriptions))
        link.deliver(BASE + "temperature", "21.5")
        link.deliver(BASE + "temperature", "22.5")
        assert failing.last(MAC, "./temperature") == 22.5
    finally:
        await gateway.async_stop()
    assert any(
        "listener bug" in str(record.exc_info) for record in caplog.records if record.levelno == logging.ERROR
    )
    caplog.clear()


@pytest.mark.allow_pyiot_warnings
async def test_a_broken_link_is_logged_once_and_writes_fail(
    listener: FmPyIotListener, clock: ManualClock, caplog: pytest.LogCaptureFixture
) -> None:
    link = FakeLink()
    gateway = FmPyIotGateway(link, listener, clock=clock, request_spacing=0)
    await gateway.async_start()
    try:
        link.deliver(BASE + "SYSINFO", SYSINFO)
        link.deliver(BASE + "PARAMS", json.dumps({"label": "x"}))
        await listener.wait_for(lambda: listener.last(MAC, "params#label") == "x")
        link.fail_publish = True
        await gateway.async_refresh_all()
        await gateway.async_refresh_all()
        with pytest.raises(WriteError, match="Could not publish"):
            await gateway.async_write(MAC, "params#label", "y")
        link.fail_publish = False
        await gateway.async_refresh_all()
    finally:
        await gateway.async_stop()
    messages = warnings(caplog)
    assert len(messages) == 1
    assert "Could not publish" in messages[0]
    assert gateway.diagnostics()["problems"]["publish_failed"] == 4
    assert any("works again" in record.getMessage() for record in caplog.records)


@pytest.mark.allow_pyiot_warnings
async def test_restore_skips_malformed_records(
    listener: FmPyIotListener, clock: ManualClock, caplog: pytest.LogCaptureFixture
) -> None:
    gateway = FmPyIotGateway(FakeLink(), listener, clock=clock)
    stored = {
        "version": 1,
        "devices": [
            {
                "node_id": MAC,
                "base": BASE,
                "topics": {"./temperature": {"shape": "number"}},
                "params": {"label": "text"},
            },
            {"node_id": ""},
            {"base": "x/"},
            {"node_id": "a", "base": "a/+/"},
            {"node_id": "b", "topics": {"./x": {"shape": "nope"}}},
            {"node_id": "c", "topics": {"bad key": {}}},
            "not a record",
            {"node_id": MAC, "base": "duplicate/"},
        ],
    }
    gateway.restore(stored)
    assert gateway.node_ids == [MAC]
    assert gateway.export()["devices"][0]["topics"] == {"./temperature": {"shape": "number"}}
    assert gateway.diagnostics()["problems"] == {"bad_record": 6}
    assert len(warnings(caplog)) == 1
    gateway.restore({"version": 99, "devices": [{"node_id": "z"}]})
    gateway.restore({"devices": "nope", "version": 1})
    assert gateway.node_ids == [MAC]
    await gateway.async_start()
    try:
        with pytest.raises(RuntimeError, match="before async_start"):
            gateway.restore(stored)
    finally:
        await gateway.async_stop()


async def test_manual_bases_are_subscribed_and_asked_at_start(
    listener: FmPyIotListener, clock: ManualClock
) -> None:
    link = FakeLink()
    deep = "a/b/c/d/e/f/"
    gateway = FmPyIotGateway(
        link, listener, clock=clock, request_spacing=0, settings=GatewaySettings(manual_bases=(deep,))
    )
    await gateway.async_start()
    try:
        assert deep + "+" in [topic for topic, _ in link.subscriptions]
        assert (deep + "SYSINFO_", "", 1, False) in link.published
        link.deliver(deep + "SYSINFO", SYSINFO)  # a deep base carries its system topics itself
        link.deliver(deep + "WATCHDOG", "FEED")
        await listener.wait_for(lambda: MAC in listener.nodes())
        assert gateway.base_topic(MAC) == deep
    finally:
        await gateway.async_stop()
