"""Edges of the gateway on an in-memory link: lifecycle, exact topics, echoes, replies, failures."""

import asyncio
import json
import logging
from typing import Any

import aiohttp
import pytest

from custom_components.pyiot.core.nodes.model import WriteError
from custom_components.pyiot.core.protocols.fmpyiot import (
    ActionKind,
    DeviceSettings,
    FmPyIotGateway,
    GatewaySettings,
    TopicSettings,
    WebAuthError,
    WebSettings,
)
from custom_components.pyiot.core.protocols.fmpyiot.device import MAX_TOPICS_PER_DEVICE
from custom_components.pyiot.core.protocols.fmpyiot.web_pages import StatusEntry, WebTopics
from custom_components.pyiot.core.protocols.fmpyiot.web_sync import WebSnapshot
from tests.core.fmpyiot.fmpyiot_helpers import FakeLink, FmPyIotListener, wait_until
from tests.support.manual_clock import ManualClock
from tests.support.mosquitto import free_port

MAC = "28:cd:c1:0f:4d:81"
BASE = "T-HOME/SERRE/"
SYSINFO = json.dumps({"mac": MAC, "ifconfig": {"ip": "127.0.0.1"}, "logging_level": 20})


async def started(
    link: FakeLink, listener: FmPyIotListener, clock: ManualClock, **options: Any
) -> FmPyIotGateway:
    gateway = FmPyIotGateway(link, listener, clock=clock, request_spacing=0, **options)
    await gateway.async_start()
    return gateway


async def with_device(link: FakeLink, listener: FmPyIotListener) -> None:
    link.deliver(BASE + "SYSINFO", SYSINFO)
    await wait_until(lambda: any(topic == BASE + "+" for topic, _ in link.subscriptions))
    await listener.wait_for(lambda: MAC in listener.nodes())


async def test_lifecycle_edges(listener: FmPyIotListener, clock: ManualClock) -> None:
    link = FakeLink()
    gateway = await started(link, listener, clock)
    assert gateway.running
    subscriptions = len(link.subscriptions)
    await gateway.async_start()
    assert len(link.subscriptions) == subscriptions, "a second start does nothing"
    await gateway.async_refresh("unknown")
    await gateway.async_refresh_point("unknown", "./x")
    await gateway.async_read_web("unknown")
    assert await gateway.async_device_log("unknown") is None
    await gateway.async_stop()
    assert not gateway.running
    assert link.subscriptions == []
    link.published.clear()
    await gateway.async_refresh_all()
    await gateway.async_refresh_point(MAC, "./x")
    assert link.published == []
    gateway._on_discovery_message(BASE + "SYSINFO", SYSINFO.encode())
    gateway._on_time_request("/FmPyIOT/datetime_", b"_")
    assert listener.calls == []


async def test_a_start_that_cannot_subscribe_raises_and_stops(
    listener: FmPyIotListener, clock: ManualClock
) -> None:
    class Failing(FakeLink):
        async def async_subscribe(self, topic: str, callback: Any, qos: int = 1) -> Any:
            if topic.endswith("BYE"):
                raise ConnectionError("no broker")
            return await super().async_subscribe(topic, callback, qos)

    link = Failing()
    gateway = FmPyIotGateway(link, listener, clock=clock)
    with pytest.raises(ConnectionError):
        await gateway.async_start()
    assert not gateway.running
    assert link.subscriptions == []


@pytest.mark.allow_pyiot_warnings
async def test_exact_topics_replies_and_refreshes(listener: FmPyIotListener, clock: ManualClock) -> None:
    link = FakeLink()
    topics = {
        "/CMD": TopicSettings(action=ActionKind.TEXT),
        "./roue/check": TopicSettings(),
        "./LED": TopicSettings(action=ActionKind.BUTTON),
        "./speed": TopicSettings(action=ActionKind.NUMBER),
        "./mode": TopicSettings(action=ActionKind.SWITCH),
        "./voltage": TopicSettings(reverse_topic=""),
    }
    gateway = await started(
        link, listener, clock, settings=GatewaySettings(devices={MAC: DeviceSettings(topics=topics)})
    )
    try:
        await with_device(link, listener)
        await wait_until(lambda: {"/CMD_", BASE + "roue/check"} <= {topic for topic, _ in link.subscriptions})
        link.deliver(BASE + "roue/check", "12")
        await listener.wait_for(lambda: listener.last(MAC, "./roue/check") == 12)
        link.deliver("/CMD_", "done")
        link.deliver("/CMD_", b"\xff")
        link.deliver("/CMD", "a command, not a value")
        await listener.wait_for(lambda: listener.last(MAC, "action#/CMD") == "done")
        link.deliver(BASE + "LED_", "OK")  # a button's reply is a sign of life, not a state
        link.deliver(BASE + "speed_", "fast")
        link.deliver(BASE + "speed_", "3")
        link.deliver(BASE + "mode_", "maybe")
        link.deliver(BASE + "voltage", "3.3")
        assert listener.values(MAC, "action#./speed") == [3]
        assert listener.values(MAC, "action#./mode") == []
        link.published.clear()
        await gateway.async_refresh(MAC)
        requests = [topic for topic, *_ in link.published]
        assert BASE + "roue/check_" in requests
        assert BASE + "voltage_" not in requests, "a topic without reverse topic is not asked"
        await gateway.async_refresh_point(MAC, "web#logging_level")
        await gateway.async_refresh_point(MAC, "params#x")
        await gateway.async_refresh_point(MAC, "other#x")
        assert [topic for topic, *_ in link.published][-2:] == [BASE + "SYSINFO_", BASE + "PARAMS_"]
        await gateway.async_write(MAC, "action#/CMD", "go")
        assert link.published[-1][:2] == ("/CMD", "go")
    finally:
        await gateway.async_stop()


@pytest.mark.allow_pyiot_warnings
async def test_commands_echoed_on_a_read_topic_are_not_values(
    listener: FmPyIotListener, clock: ManualClock
) -> None:
    link = FakeLink()
    gateway = FmPyIotGateway(link, listener, clock=clock, request_spacing=0)
    gateway.restore(
        {
            "version": 1,
            "devices": [
                {"node_id": MAC, "base": BASE, "topics": {"./LED": {"shape": "number", "action": "button"}}}
            ],
        }
    )
    await gateway.async_start()
    try:
        link.deliver(BASE + "WATCHDOG", "FEED")
        await listener.wait_for(lambda: MAC in listener.nodes())
        await gateway.async_write(MAC, "action#./LED", None)
        link.deliver(BASE + "LED", "")  # our own command coming back
        link.deliver(BASE + "LED", "1")
        assert listener.values(MAC, "./LED") == [1]
        await gateway.async_write(MAC, "action#./LED", None)
        clock.advance(10)
        link.deliver(BASE + "LED", "")  # too late to be the echo: a value (text on a number)
        assert len(listener.values(MAC, "./LED")) == 2
    finally:
        await gateway.async_stop()


@pytest.mark.allow_pyiot_warnings
async def test_parameters_that_disappear_and_writes_that_overlap(
    listener: FmPyIotListener, clock: ManualClock
) -> None:
    link = FakeLink()
    gateway = await started(link, listener, clock)
    try:
        await with_device(link, listener)
        link.deliver(BASE + "PARAMS", json.dumps({"a": 1, "b": 2}))
        await listener.wait_for(lambda: listener.last(MAC, "params#b") == 2)
        link.deliver(BASE + "PARAMS", json.dumps({"a": 1}))
        assert listener.of("point_unavailable") == [(MAC, "params#b")]
        first = asyncio.ensure_future(gateway.async_write(MAC, "params#a", 5))
        second = asyncio.ensure_future(gateway.async_write(MAC, "params#a", 6))
        await wait_until(lambda: sum(topic == BASE + "PARAMS_" for topic, *_ in link.published) >= 3)
        link.deliver(BASE + "PARAMS", json.dumps({"a": 5}))
        await first
        link.deliver(BASE + "PARAMS", json.dumps({"a": 6}))
        await second
    finally:
        await gateway.async_stop()
    stopped = FmPyIotGateway(link, listener, clock=clock)
    with pytest.raises(WriteError):
        await stopped.async_write(MAC, "params#a", 1)


async def test_writes_waiting_when_the_gateway_stops_fail(
    listener: FmPyIotListener, clock: ManualClock
) -> None:
    link = FakeLink()
    settings = GatewaySettings(
        devices={MAC: DeviceSettings(topics={"./mode": TopicSettings(action=ActionKind.SWITCH)})}
    )
    gateway = await started(link, listener, clock, settings=settings)
    await with_device(link, listener)
    link.deliver(BASE + "PARAMS", json.dumps({"a": 1}))
    param = asyncio.ensure_future(gateway.async_write(MAC, "params#a", 5))
    switch = asyncio.ensure_future(gateway.async_write(MAC, "action#./mode", True))
    await wait_until(lambda: (BASE + "mode", "ON", 1, False) in link.published)
    await gateway.async_stop()
    for write in (param, switch):
        with pytest.raises(WriteError, match="stopped"):
            await write


async def test_callbacks_that_fail_are_logged(
    listener: FmPyIotListener, clock: ManualClock, caplog: pytest.LogCaptureFixture
) -> None:
    def boom(*_: object) -> None:
        raise RuntimeError("callback bug")

    link = FakeLink()
    gateway = await started(link, listener, clock, on_state_changed=boom)
    try:
        await with_device(link, listener)
        gateway._spawn(_failing())
        await wait_until(lambda: any("task failed" in record.getMessage() for record in caplog.records))
    finally:
        await gateway.async_stop()
    errors = {record.getMessage() for record in caplog.records if record.levelno >= logging.ERROR}
    assert "Error in the FmPyIOT state-changed callback" in errors
    caplog.clear()


async def _failing() -> None:
    raise RuntimeError("task bug")


@pytest.mark.allow_pyiot_warnings
async def test_subscriptions_that_fail_are_retried_by_the_next_refresh(
    listener: FmPyIotListener, clock: ManualClock
) -> None:
    class Flaky(FakeLink):
        fail = True

        async def async_subscribe(self, topic: str, callback: Any, qos: int = 1) -> Any:
            if topic.endswith("+") and self.fail:
                self.fail = False
                raise ConnectionError("not now")
            return await super().async_subscribe(topic, callback, qos)

    link = Flaky()
    gateway = await started(link, listener, clock)
    try:
        link.deliver(BASE + "SYSINFO", SYSINFO)
        await wait_until(lambda: gateway.diagnostics()["problems"] == {"subscribe_failed": 1})
        await gateway.async_refresh_all()
        assert BASE + "+" in [topic for topic, _ in link.subscriptions]
    finally:
        await gateway.async_stop()


@pytest.mark.allow_pyiot_warnings
async def test_web_snapshots_are_applied_within_bounds(
    listener: FmPyIotListener, clock: ManualClock, caplog: pytest.LogCaptureFixture, socket_enabled: None
) -> None:
    link = FakeLink()
    # nobody answers on that port
    web = WebSettings(username="u", password=MAC, host="127.0.0.1", port=free_port())
    settings = GatewaySettings(devices={MAC: DeviceSettings(web=web)})
    async with aiohttp.ClientSession() as session:
        gateway = await started(
            link,
            listener,
            clock,
            settings=settings,
            web_session=session,
            on_web_auth_error=lambda _node: (_ for _ in ()).throw(RuntimeError("reauth bug")),
        )
        try:
            await with_device(link, listener)
            device = gateway._book.by_id[MAC]
            status = {
                f"./t{index}": StatusEntry(index, f"T__t{index}")
                for index in range(MAX_TOPICS_PER_DEVICE + 5)
            }
            status["./PARAMS"] = StatusEntry({"p": 1}, "T__PARAMS")
            topics = WebTopics(("./x",), ("T__LED", "T_weird_id"))
            gateway._apply_web(device, "127.0.0.1", WebSnapshot("name", topics, status))
            assert listener.last(MAC, "web#logging_level") == "info"
            assert listener.last(MAC, "params#p") == 1
            assert gateway.diagnostics()["problems"]["too_many_topics"] >= 5
            assert gateway.diagnostics()["devices"][0]["web"]["unresolved_actions"] == ["T_weird_id"]
            gateway._web_failed(device, WebAuthError("refused"), probing=False)
            assert any("authentication callback" in record.getMessage() for record in caplog.records)
        finally:
            await gateway.async_stop()
    caplog.clear()


async def test_a_move_keeps_what_was_seen_at_the_new_base_before_sysinfo(
    listener: FmPyIotListener, clock: ManualClock
) -> None:
    link = FakeLink()
    gateway = await started(link, listener, clock)
    try:
        await with_device(link, listener)
        link.deliver(BASE + "t1", "1")
        new_base = "T-HOME/ELSEWHERE/"
        link.deliver(new_base + "WATCHDOG", "FEED")
        await wait_until(lambda: any(topic == new_base + "+" for topic, _ in link.subscriptions))
        link.deliver(new_base + "t2", "2")  # before its SYSINFO: kept
        link.deliver(new_base + "PARAMS", json.dumps({"p": True}))
        assert listener.last(MAC, "./t2") is None
        link.deliver(new_base + "SYSINFO", SYSINFO)
        assert gateway.base_topic(MAC) == new_base
        await listener.wait_for(lambda: listener.last(MAC, "./t2") == 2)
        assert listener.last(MAC, "params#p") is True
        assert {"./t1", "./t2"} <= set(listener.points[MAC])
        assert len(gateway.diagnostics()["devices"]) == 1
    finally:
        await gateway.async_stop()


async def test_another_board_replaces_a_device_that_was_already_lost(
    listener: FmPyIotListener, clock: ManualClock
) -> None:
    link = FakeLink()
    gateway = await started(link, listener, clock)
    try:
        await with_device(link, listener)
        link.deliver(BASE + "BYE", "Goodbye cruel world!")
        assert listener.lost(MAC) == 1
        other = "02:00:00:00:00:99"
        link.deliver(BASE + "SYSINFO", json.dumps({"mac": other}))
        await listener.wait_for(lambda: other in listener.nodes())
        assert listener.lost(MAC) == 1, "not reported lost twice"
        assert gateway.base_topic(MAC) is None
        assert gateway.base_topic(other) == BASE
    finally:
        await gateway.async_stop()
