"""Writes on the real broker: PARAMS round trips and refusals, actions and their replies, the time service."""

import asyncio
from collections.abc import Coroutine
from datetime import datetime
from zoneinfo import ZoneInfo

import pytest

from custom_components.pyiot.core.nodes.model import PointKind, WriteError
from custom_components.pyiot.core.protocols.fmpyiot import (
    ActionKind,
    DeviceSettings,
    FmPyIotGateway,
    GatewaySettings,
    TopicSettings,
)
from tests.core.fmpyiot.fmpyiot_helpers import (
    FmPyIotListener,
    RecordingLink,
    device_on,
    gateway_on,
    identified,
    unique_prefix,
    wait_until,
)
from tests.support.aiomqtt_link import AiomqttLink
from tests.support.manual_clock import ManualClock
from tests.support.mosquitto import Mosquitto
from tools.simulators.fmpyiot_device import SimTopic, make_device

ACTIONS = DeviceSettings(
    topics={
        "./LED": TopicSettings(action=ActionKind.BUTTON),
        "./relay": TopicSettings(action=ActionKind.SWITCH),
        "./message": TopicSettings(action=ActionKind.TEXT),
        "./speed": TopicSettings(action=ActionKind.NUMBER),
    }
)


async def test_parameters_are_written_and_read_back(
    broker: Mosquitto, link: AiomqttLink, listener: FmPyIotListener, clock: ManualClock
) -> None:
    device = make_device(0, prefix=unique_prefix("PAR"))
    recording = RecordingLink(link)
    async with gateway_on(recording, listener, clock=clock) as gateway, device_on(broker, device) as runner:
        node_id = await identified(listener, runner)
        await gateway.async_write(node_id, "params#send_period ./temperature", 60)
        assert device.params["send_period ./temperature"] == 60
        assert listener.last(node_id, "params#send_period ./temperature") == 60
        await gateway.async_write(node_id, "params#Relais Eclairage__@@__duration", 750.0)
        assert device.params["Relais Eclairage"] == {"duration": 750}
        await gateway.async_write(node_id, "params#enabled", False)
        assert device.params["enabled"] is False
        await gateway.async_write(node_id, "params#label", "tomates")
        assert device.params["label"] == "tomates"
        await gateway.async_write(node_id, "params#push_duration", 2.5)
        assert device.params["push_duration"] == 2.5
    set_params = [
        payload for topic, payload, _, _ in recording.published if topic == device.base + "SET_PARAMS"
    ]
    assert set_params[0] == '{"send_period ./temperature": 60}'
    assert set_params[1] == '{"Relais Eclairage__@@__duration": 750}'
    assert not [topic for topic in recording.topics() if topic.endswith("SET_PARAM")], (
        "SET_PARAM is broken over MQTT"
    )
    assert all(not retain for _, _, _, retain in recording.published)


@pytest.mark.allow_pyiot_warnings
async def test_a_value_the_device_does_not_take_is_an_error(
    broker: Mosquitto, link: AiomqttLink, listener: FmPyIotListener, clock: ManualClock
) -> None:
    device = make_device(0, prefix=unique_prefix("REFUSE"), refused_params={"push_duration"})
    async with gateway_on(link, listener, clock=clock) as gateway, device_on(broker, device) as runner:
        node_id = await identified(listener, runner)
        before = len(listener.values(node_id, "params#push_duration"))
        write = _start(gateway.async_write(node_id, "params#push_duration", 2.5))
        await listener.wait_for(lambda: len(listener.values(node_id, "params#push_duration")) > before)
        clock.advance(5)
        with pytest.raises(
            WriteError, match=r"did not take Push duration|did not take push_duration"
        ) as caught:
            await write
        assert "it still has 1.0" in str(caught.value)
        assert listener.last(node_id, "params#push_duration") == 1.0


async def test_parameter_writes_that_cannot_be_sent(
    broker: Mosquitto, link: AiomqttLink, listener: FmPyIotListener, clock: ManualClock
) -> None:
    device = make_device(0, prefix=unique_prefix("BADW"))
    async with gateway_on(link, listener, clock=clock) as gateway, device_on(broker, device) as runner:
        node_id = await identified(listener, runner)
        with pytest.raises(WriteError, match="no parameter"):
            await gateway.async_write(node_id, "params#nope", 1)
        with pytest.raises(WriteError, match="expects a number"):
            await gateway.async_write(node_id, "params#push_duration", "fast")
        with pytest.raises(WriteError, match="is unknown"):
            await gateway.async_write("00:00:00:00:00:01", "params#push_duration", 1)
        with pytest.raises(WriteError, match="cannot be written"):
            await gateway.async_write(node_id, "sysinfo#rssi", 1)
        with pytest.raises(WriteError, match="not an action"):
            await gateway.async_write(node_id, "action#./temperature", 1)
        await runner.die()
        await listener.wait_for(lambda: listener.lost(node_id) == 1)
        with pytest.raises(WriteError, match="not available"):
            await gateway.async_write(node_id, "params#push_duration", 1)
    with pytest.raises(WriteError, match="not running"):
        await gateway.async_write(node_id, "params#push_duration", 1)


async def test_a_parameter_write_without_answer_times_out(
    broker: Mosquitto, link: AiomqttLink, listener: FmPyIotListener, clock: ManualClock
) -> None:
    device = make_device(0, prefix=unique_prefix("SILENT"))
    async with gateway_on(link, listener, clock=clock) as gateway, device_on(broker, device) as runner:
        node_id = await identified(listener, runner)
        device.sysinfo_period = None  # from now on the device ignores PARAMS_ and SET_PARAMS
        write = _start(gateway.async_write(node_id, "params#label", "x"))
        await wait_until(lambda: device.received.count((device.base + "PARAMS_", "")) == 2)
        clock.advance(5)
        with pytest.raises(WriteError, match="did not confirm"):
            await write


async def test_actions_and_their_replies(
    broker: Mosquitto, link: AiomqttLink, listener: FmPyIotListener, clock: ManualClock
) -> None:
    device = make_device(0, prefix=unique_prefix("ACT"))
    settings = GatewaySettings(devices={device.mac: ACTIONS})
    recording = RecordingLink(link)
    async with (
        gateway_on(recording, listener, clock=clock, settings=settings) as gateway,
        device_on(broker, device) as runner,
    ):
        node_id = await identified(listener, runner)
        points = listener.points[node_id]
        assert {points[f"action#./{name}"].kind for name in ("LED", "relay", "message", "speed")} == {
            PointKind.BUTTON,
            PointKind.SWITCH,
            PointKind.TEXT,
            PointKind.NUMBER,
        }
        await gateway.async_write(node_id, "action#./LED", None)
        await wait_until(lambda: device.led)
        await gateway.async_write(node_id, "action#./relay", True)
        assert device.relay
        assert listener.last(node_id, "action#./relay") is True
        await gateway.async_write(node_id, "action#./relay", "off")
        assert not device.relay
        assert listener.last(node_id, "action#./relay") is False
        await gateway.async_write(node_id, "action#./message", "Bonjour")
        await wait_until(lambda: device.message == "Bonjour")
        assert listener.last(node_id, "action#./message") == "Bonjour"
        await gateway.async_write(node_id, "action#./speed", 12.5)
        await wait_until(
            lambda: device.speed == 12.5 and listener.values(node_id, "action#./speed") == [12.5, 12.5]
        )
        for key, value, message in (
            ("action#./relay", "maybe", "on or off"),
            ("action#./message", 3, "text"),
            ("action#./speed", "fast", "number"),
            ("action#./speed", float("inf"), "finite"),
        ):
            with pytest.raises(WriteError, match=message):
                await gateway.async_write(node_id, key, value)
    commands = [
        (topic, payload, retain)
        for topic, payload, _, retain in recording.published
        if not topic.endswith("_")
    ]
    assert (device.base + "LED", "", False) in commands
    assert (device.base + "relay", "ON", False) in commands
    assert (device.base + "relay", "OFF", False) in commands
    assert (device.base + "speed", "12.5", False) in commands
    assert all(not retain for _, _, retain in commands), "commands are never retained"
    assert "./LED" not in listener.points[node_id], "commands echoed on an action topic are not values"


async def test_a_switch_the_device_does_not_confirm(
    broker: Mosquitto, link: AiomqttLink, listener: FmPyIotListener, clock: ManualClock
) -> None:
    device = make_device(0, prefix=unique_prefix("NOCONF"))
    settings = GatewaySettings(
        devices={
            device.mac: DeviceSettings(
                topics={"./LED": TopicSettings(action=ActionKind.SWITCH, on_payload="1", off_payload="0")}
            )
        }
    )
    async with (
        gateway_on(link, listener, clock=clock, settings=settings) as gateway,
        device_on(broker, device) as runner,
    ):
        node_id = await identified(listener, runner)
        write = _start(gateway.async_write(node_id, "action#./LED", True))
        await wait_until(lambda: (device.base + "LED", "1") in device.received)
        clock.advance(5)
        with pytest.raises(WriteError, match="did not confirm"):
            await write
        assert device.led


async def test_a_switch_whose_reply_says_otherwise(
    broker: Mosquitto, link: AiomqttLink, listener: FmPyIotListener, clock: ManualClock
) -> None:
    device = make_device(0, prefix=unique_prefix("OTHER"))
    device.topics.append(SimTopic("./stuck", action=lambda _device, _payload: "OFF"))
    settings = GatewaySettings(
        devices={
            device.mac: DeviceSettings(
                topics={"./stuck": TopicSettings(action=ActionKind.SWITCH, on_payload="on")}
            )
        }
    )
    async with (
        gateway_on(link, listener, clock=clock, settings=settings) as gateway,
        device_on(broker, device) as runner,
    ):
        node_id = await identified(listener, runner)
        with pytest.raises(WriteError, match="answered 'OFF'"):
            await gateway.async_write(node_id, "action#./stuck", True)
        assert (device.base + "stuck", "on") in device.received
        assert listener.last(node_id, "action#./stuck") is False


async def test_the_time_service_answers_in_rtc_order(
    broker: Mosquitto, link: AiomqttLink, listener: FmPyIotListener, clock: ManualClock
) -> None:
    device = make_device(0, prefix=unique_prefix("TIME"))
    now = datetime(2026, 3, 8, 6, 20, 53, tzinfo=ZoneInfo("Europe/Paris"))
    recording = RecordingLink(link)
    async with (
        gateway_on(recording, listener, clock=clock, now=lambda: now) as gateway,
        device_on(broker, device) as runner,
    ):
        await runner.ask_time()
        await wait_until(lambda: device.rtc_set)
        assert device.params["rtc"] == [2026, 3, 8, 6, 6, 20, 53, 0]
        await runner.ask_time()
        await wait_until(lambda: gateway.diagnostics()["time_service"]["requests"] == 2)
        assert gateway.diagnostics()["time_service"]["answers"] == 1
    assert [
        (topic, retain) for topic, _, _, retain in recording.published if topic == "/FmPyIOT/datetime"
    ] == [("/FmPyIOT/datetime", False)]


@pytest.mark.allow_pyiot_warnings
async def test_the_time_service_can_be_off_and_refuses_a_naive_clock(
    link: AiomqttLink, listener: FmPyIotListener, clock: ManualClock
) -> None:
    recording = RecordingLink(link)
    async with gateway_on(
        recording, listener, clock=clock, now=datetime.now, settings=GatewaySettings(time_service=False)
    ) as gateway:
        assert "/FmPyIOT/datetime_" not in recording.subscribed
        assert gateway.diagnostics()["time_service"] is None
    naive = FmPyIotGateway(recording, listener, clock=clock, now=datetime.now)
    await naive.async_start()
    try:
        naive._on_time_request("/FmPyIOT/datetime_", b"_")
        assert naive.diagnostics()["problems"] == {"bad_clock": 1}
    finally:
        await naive.async_stop()


def _start(coroutine: Coroutine[None, None, None]) -> asyncio.Task[None]:
    return asyncio.ensure_future(coroutine)
