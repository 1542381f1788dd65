"""Finding devices on a real broker: every depth, identities, a change of base topic, nested bases."""

import asyncio

import pytest

from custom_components.pyiot.core.protocols.fmpyiot import GatewaySettings
from tests.core.fmpyiot.fmpyiot_helpers import (
    FmPyIotListener,
    RecordingLink,
    device_on,
    gateway_on,
    unique_prefix,
    wait_until,
)
from tests.support.aiomqtt_link import AiomqttLink
from tests.support.manual_clock import ManualClock
from tests.support.mosquitto import Mosquitto
from tools.simulators.fmpyiot_device import SimulatedDevice, make_device


def device_at(base: str, index: int = 0, **options: object) -> SimulatedDevice:
    device = make_device(index, **options)  # type: ignore[arg-type]
    device.base = base
    return device


async def observed(link: AiomqttLink, topic: str) -> asyncio.Event:
    """An event set when `topic` passes on the link's connection (so the gateway had its chance)."""
    seen = asyncio.Event()
    await link.async_subscribe(topic, lambda _topic, _payload: seen.set())
    return seen


@pytest.mark.parametrize("levels", ["{p}", "{p}/B", "/{p}/X", "{p}/B/C/D", "/{p}/B/C"])
async def test_a_device_is_found_by_its_watchdog_at_every_depth(
    broker: Mosquitto, link: AiomqttLink, listener: FmPyIotListener, clock: ManualClock, levels: str
) -> None:
    base = levels.format(p=unique_prefix("D").replace("/", "_")) + "/"
    device = device_at(base)
    async with gateway_on(link, listener, clock=clock) as gateway, device_on(broker, device) as runner:
        await runner.feed()
        await listener.wait_for(lambda: device.mac in listener.nodes())
        assert gateway.base_topic(device.mac) == base
        await wait_until(lambda: (base + "PARAMS_", "") in device.received)
    node = listener.nodes()[device.mac]
    assert node.name == device.name
    assert node.mac == device.mac
    assert node.model == "Raspberry Pi Pico W with RP2040"
    assert node.extra["base_topic"] == base
    assert (base + "SYSINFO_", "") in device.received


async def test_a_device_is_found_by_any_of_its_system_topics(
    broker: Mosquitto, link: AiomqttLink, listener: FmPyIotListener, clock: ManualClock
) -> None:
    devices = [make_device(index, prefix=unique_prefix("S")) for index in range(3)]
    async with gateway_on(link, listener, clock=clock):
        async with device_on(broker, devices[0]) as first, device_on(broker, devices[1]) as second:
            await first.say_sysinfo()
            await second.publish(second.device.params_message())
            await listener.wait_for(lambda: {devices[0].mac, devices[1].mac} <= set(listener.nodes()))
        # devices[0] and [1] said goodbye cleanly; a BYE alone (a dead device) is asked about, not shown
        async with device_on(broker, devices[2]) as third:
            await third.publish(third.device.feed_message())
            await listener.wait_for(lambda: devices[2].mac in listener.nodes())


async def test_deeper_bases_need_a_higher_limit_or_a_manual_base(
    broker: Mosquitto, link: AiomqttLink, listener: FmPyIotListener, clock: ManualClock
) -> None:
    prefix = unique_prefix("DEEP").replace("/", "_")
    base = f"{prefix}/B/C/D/E/"  # 5 levels
    device = device_at(base)
    fed = await observed(link, base + "WATCHDOG")
    async with gateway_on(link, listener, clock=clock) as gateway, device_on(broker, device) as runner:
        await runner.feed()
        await asyncio.wait_for(fed.wait(), 10)
        assert gateway.diagnostics()["devices"] == []
    async with (
        gateway_on(link, listener, clock=clock, settings=GatewaySettings(manual_bases=(base,))) as gateway,
        device_on(broker, device),
    ):
        await gateway.async_refresh_all()
        await listener.wait_for(lambda: device.mac in listener.nodes())
        assert gateway.base_topic(device.mac) == base
    deeper = GatewaySettings(max_depth=5)
    async with (
        gateway_on(link, listener, clock=clock, settings=deeper) as gateway,
        device_on(broker, device) as runner,
    ):
        await runner.feed()
        await wait_until(lambda: gateway.base_topic(device.mac) == base)


async def test_the_mac_is_the_identity_also_in_the_2023_shape(
    broker: Mosquitto, link: AiomqttLink, listener: FmPyIotListener, clock: ManualClock
) -> None:
    device = make_device(7, prefix=unique_prefix("OLD"), sysinfo_shape="2023")
    async with gateway_on(link, listener, clock=clock) as gateway, device_on(broker, device) as runner:
        await runner.feed()
        await listener.wait_for(lambda: device.mac in listener.nodes())
        assert gateway.diagnostics()["devices"][0]["identity"] == "mac"
    node = listener.nodes()[device.mac]
    assert node.sw_version == "1.21.0"
    assert node.name == device.base.strip("/")  # 2023 SYSINFO has no name


async def test_without_a_mac_the_mqtt_client_id_is_the_identity(
    broker: Mosquitto, link: AiomqttLink, listener: FmPyIotListener, clock: ManualClock
) -> None:
    device = make_device(8, prefix=unique_prefix("CID"))
    device.mac = None
    async with gateway_on(link, listener, clock=clock), device_on(broker, device) as runner:
        await runner.feed()
        await listener.wait_for(lambda: device.client_id in listener.nodes())
    assert listener.nodes()[device.client_id].mac is None


async def test_a_device_without_sysinfo_is_known_by_its_base_topic(
    broker: Mosquitto, link: AiomqttLink, listener: FmPyIotListener, clock: ManualClock
) -> None:
    device = make_device(9, prefix=unique_prefix("NOSYS"), sysinfo_period=None)
    recording = RecordingLink(link)
    async with gateway_on(recording, listener, clock=clock), device_on(broker, device) as runner:
        await runner.feed()
        await wait_until(lambda: recording.topics().count(device.base + "SYSINFO_") == 1)
        clock.advance(10)  # a third of the identity timeout: asked once more
        await wait_until(lambda: recording.topics().count(device.base + "SYSINFO_") == 2)
        assert listener.nodes() == {}
        clock.advance(20)
        await listener.wait_for(lambda: device.base in listener.nodes())
        await runner.publish_value("./temperature")
        await listener.wait_for(lambda: listener.last(device.base, "./temperature") is not None)
    node = listener.nodes()[device.base]
    assert (node.name, node.mac, node.model) == (device.base.strip("/"), None, None)


@pytest.mark.allow_pyiot_warnings
async def test_a_base_that_only_says_bye_or_junk_is_no_device(
    link: AiomqttLink, listener: FmPyIotListener, clock: ManualClock, caplog: pytest.LogCaptureFixture
) -> None:
    base = unique_prefix("GONE").replace("/", "_") + "/"
    recording = RecordingLink(link)
    async with gateway_on(recording, listener, clock=clock) as gateway:
        for topic, payload in (
            ("BYE", "Goodbye cruel world!"),
            ("SYSINFO", "not json"),
            ("SYSINFO", "[1, 2]"),
            ("PARAMS", '"a string"'),
        ):
            heard = await observed(link, base + topic)
            await link.async_publish(base + topic, payload, qos=0)
            await asyncio.wait_for(heard.wait(), 10)
        await asyncio.sleep(0.2)  # what the gateway would do with them, it has done
        assert gateway.diagnostics()["devices"] == []
        assert not [topic for topic in recording.topics() if topic.startswith(base)], "nothing asked"
        assert not [topic for topic in recording.subscribed if topic.startswith(base)], "no subscription"
        clock.advance(30)
    assert listener.calls == []
    dropped = [
        record.getMessage() for record in caplog.records if record.getMessage().startswith("Dropped input")
    ]
    assert dropped, "logged"
    assert len(dropped) == len(set(dropped)), "each problem once"


async def test_a_device_that_changes_its_base_topic_stays_the_same_node(
    broker: Mosquitto, link: AiomqttLink, listener: FmPyIotListener, clock: ManualClock
) -> None:
    device = make_device(3, prefix=unique_prefix("MOVE"))
    old_base = device.base
    async with gateway_on(link, listener, clock=clock) as gateway, device_on(broker, device) as runner:
        await runner.feed()
        await listener.wait_for(lambda: device.mac in listener.nodes())  # its topics are subscribed
        await runner.publish_value("./temperature")
        await listener.wait_for(lambda: listener.last(device.mac, "./temperature") is not None)
        await runner.move_to(old_base + "MOVED")
        await listener.wait_for(lambda: listener.lost(device.mac) == 1)  # its last will at the old base
        await runner.feed()
        await wait_until(lambda: gateway.base_topic(device.mac) == old_base + "MOVED/")
        device.temperature = 30.0
        await runner.publish_value("./temperature")
        await listener.wait_for(lambda: listener.last(device.mac, "./temperature") == 30.0)
        assert gateway.node_ids == [device.mac]
        assert len(gateway.diagnostics()["devices"]) == 1
    assert set(listener.nodes()) == {device.mac}
    assert listener.nodes()[device.mac].extra["base_topic"] == old_base + "MOVED/"
    assert [points for node, points in listener.of("points_seen") if "./temperature" in points] == [
        ["./temperature"]
    ]


async def test_another_board_at_a_known_base_is_another_node(
    broker: Mosquitto, link: AiomqttLink, listener: FmPyIotListener, clock: ManualClock
) -> None:
    first = make_device(4, prefix=unique_prefix("SWAP"))
    second = make_device(5)
    second.base = first.base
    async with gateway_on(link, listener, clock=clock) as gateway:
        async with device_on(broker, first) as runner:
            await runner.feed()
            await listener.wait_for(lambda: first.mac in listener.nodes())
        await listener.wait_for(lambda: listener.lost(first.mac) == 0 and listener.seen(first.mac) >= 1)
        async with device_on(broker, second) as runner:
            await runner.say_sysinfo()
            await listener.wait_for(lambda: second.mac in listener.nodes())
            assert gateway.base_topic(second.mac) == first.base
            assert gateway.base_topic(first.mac) is None


async def test_nested_bases_are_separate_devices(
    broker: Mosquitto, link: AiomqttLink, listener: FmPyIotListener, clock: ManualClock
) -> None:
    outer = make_device(1, prefix=unique_prefix("NEST"))
    inner = make_device(2)
    inner.base = outer.base + "RESERVOIR/"
    async with (
        gateway_on(link, listener, clock=clock),
        device_on(broker, outer) as serre,
        device_on(broker, inner) as reservoir,
    ):
        await serre.feed()
        await reservoir.feed()
        await listener.wait_for(lambda: {outer.mac, inner.mac} <= set(listener.nodes()))
        await reservoir.publish_value("./humidity")
        await serre.publish_value("./humidity")
        await listener.wait_for(
            lambda: (
                listener.last(inner.mac, "./humidity") is not None
                and listener.last(outer.mac, "./humidity") is not None
            )
        )
    assert not any(key.startswith("./RESERVOIR") for key in listener.points.get(outer.mac, {}))
