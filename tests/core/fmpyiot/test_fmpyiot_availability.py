"""Availability through the real broker with a manual clock: BYE, the watchdog, sleeping devices."""

import logging

import pytest

from custom_components.pyiot.core.protocols.fmpyiot import DeviceSettings, GatewaySettings
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
from tools.simulators.fmpyiot_device import make_device

GATEWAY_LOGGER = "custom_components.pyiot.core.protocols.fmpyiot.gateway"


async def test_bye_makes_a_device_unavailable_at_once(
    broker: Mosquitto,
    link: AiomqttLink,
    listener: FmPyIotListener,
    clock: ManualClock,
    caplog: pytest.LogCaptureFixture,
) -> None:
    caplog.set_level(logging.INFO, GATEWAY_LOGGER)
    device = make_device(0, prefix=unique_prefix("BYE"))
    async with gateway_on(link, listener, clock=clock), device_on(broker, device) as runner:
        node_id = await identified(listener, runner)
        await runner.die()  # the broker publishes its last will
        await listener.wait_for(lambda: listener.lost(node_id) == 1)
        await runner.revive()
        await runner.feed()
        await listener.wait_for(lambda: listener.seen(node_id) >= 2)
    messages = [record.getMessage() for record in caplog.records if record.name == GATEWAY_LOGGER]
    assert sum("is unavailable (bye)" in message for message in messages) == 1
    assert sum("is available again" in message for message in messages) == 1


async def test_three_missed_feeds_make_a_device_unavailable(
    broker: Mosquitto, link: AiomqttLink, listener: FmPyIotListener, clock: ManualClock
) -> None:
    device = make_device(0, prefix=unique_prefix("WD"))
    recording = RecordingLink(link)
    async with gateway_on(recording, listener, clock=clock) as gateway, device_on(broker, device) as runner:
        node_id = await identified(listener, runner)
        clock.advance(20)
        await runner.feed()
        await wait_until(lambda: gateway.diagnostics()["devices"][0]["watchdog_period"] == 20)
        for _ in range(3):  # fed in time
            clock.advance(20)
            await runner.feed()
            await wait_until(lambda: gateway.diagnostics()["devices"][0]["last_message_age"] == 0)
        assert listener.lost(node_id) == 0
        clock.advance(59)
        assert listener.lost(node_id) == 0
        clock.advance(2)
        assert listener.lost(node_id) == 1
        await runner.publish_value("./temperature")  # any message: available again
        await listener.wait_for(lambda: listener.seen(node_id) >= 2)
    assert not [topic for topic in recording.topics() if topic.endswith("WATCHDOG")], (
        "never publishes on WATCHDOG"
    )


async def test_the_users_watchdog_period_applies_from_the_first_feed(
    broker: Mosquitto, link: AiomqttLink, listener: FmPyIotListener, clock: ManualClock
) -> None:
    device = make_device(0, prefix=unique_prefix("WDSET"))
    settings = GatewaySettings(devices={device.mac: DeviceSettings(watchdog_period=60.0)})
    async with (
        gateway_on(link, listener, clock=clock, settings=settings),
        device_on(broker, device) as runner,
    ):
        node_id = await identified(listener, runner)
        clock.advance(179)
        assert listener.lost(node_id) == 0
        clock.advance(2)
        assert listener.lost(node_id) == 1


async def test_a_sleeping_device_stays_available_for_n_sleep_periods(
    broker: Mosquitto, link: AiomqttLink, listener: FmPyIotListener, clock: ManualClock
) -> None:
    device = make_device(0, prefix=unique_prefix("SLEEP"), watchdog=None)
    settings = GatewaySettings(
        devices={device.mac: DeviceSettings(sleeping=True, sleep_period=600, sleep_periods=2)}
    )
    bye_topic = device.base + "BYE"
    byes = []
    await link.async_subscribe(bye_topic, lambda _topic, payload: byes.append(payload))
    async with (
        gateway_on(link, listener, clock=clock, settings=settings),
        device_on(broker, device, sleeping=True) as runner,
    ):
        await runner.sleep_cycle()  # SYSINFO, every auto-sent topic once, then a reset: BYE
        await listener.wait_for(lambda: device.mac in listener.nodes())
        await wait_until(lambda: len(byes) == 1)
        assert listener.lost(device.mac) == 0
        clock.advance(1100)
        await runner.sleep_cycle()  # now its topics are subscribed: its values arrive
        await listener.wait_for(lambda: listener.last(device.mac, "./distance") is not None)
        await wait_until(lambda: len(byes) == 2)
        clock.advance(1199)
        assert listener.lost(device.mac) == 0
        clock.advance(2)
        assert listener.lost(device.mac) == 1
