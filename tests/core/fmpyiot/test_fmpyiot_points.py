"""Topic values become points of every kind; reverse topics give fresh reads; settings override."""

import logging

import pytest

from custom_components.pyiot.core.nodes.model import EntityCategory, PointKind
from custom_components.pyiot.core.protocols.fmpyiot import (
    DeviceSettings,
    FmPyIotGateway,
    GatewaySettings,
    StateWithAttributes,
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
from tools.simulators.fmpyiot_device import LIDAR_ERROR, make_device

READABLE = ("./temperature", "./humidity", "./distance", "./door", "./status", "./meteo", "./temperatures")


@pytest.mark.allow_pyiot_warnings
async def test_every_kind_of_topic_becomes_a_point(
    broker: Mosquitto,
    link: AiomqttLink,
    listener: FmPyIotListener,
    clock: ManualClock,
    caplog: pytest.LogCaptureFixture,
) -> None:
    device = make_device(0, prefix=unique_prefix("KIND"))
    async with gateway_on(link, listener, clock=clock), device_on(broker, device) as runner:
        node_id = await identified(listener, runner)
        for declared in READABLE:
            await runner.publish_value(declared)
        device.lidar_error = True
        await runner.publish_value("./distance")
        await runner.publish_value("./distance")
        device.lidar_error = False
        await runner.publish_value("./distance")
        await listener.wait_for(lambda: len(listener.values(node_id, "./distance")) == 4)
    points = listener.points[node_id]
    temperature = points["./temperature"]
    assert (temperature.kind, temperature.device_class, temperature.unit, temperature.state_class) == (
        PointKind.SENSOR,
        "temperature",
        "°C",
        "measurement",
    )
    assert (points["./humidity"].device_class, points["./humidity"].unit) == ("humidity", "%")
    assert (points["./distance"].kind, points["./distance"].device_class) == (PointKind.SENSOR, "distance")
    assert points["./door"].kind is PointKind.BINARY_SENSOR
    assert (points["./status"].kind, points["./status"].state_class) == (PointKind.SENSOR, None)
    assert points["./meteo"].kind is PointKind.SENSOR
    assert listener.last(node_id, "./temperature") == round(device.temperature, 2)
    assert listener.last(node_id, "./door") is False
    assert listener.last(node_id, "./status") == "OK"
    assert listener.last(node_id, "./meteo") == StateWithAttributes(
        '{"wind":3.2,"direction":"N"}', {"wind": 3.2, "direction": "N"}
    )
    assert listener.last(node_id, "./temperatures") == StateWithAttributes(
        "[21.5,19.25]", {"items": [21.5, 19.25]}
    )
    assert listener.values(node_id, "./distance") == [
        120.0,
        StateWithAttributes(None, {"text": LIDAR_ERROR}),
        StateWithAttributes(None, {"text": LIDAR_ERROR}),
        120.0,
    ]
    assert sum("./distance" in keys for _, keys in listener.of("points_seen")) == 1, "the kind never flips"
    warnings = [record for record in caplog.records if record.levelno == logging.WARNING]
    assert len(warnings) == 1, "logged once"
    assert "text_on_numeric" in warnings[0].getMessage()


async def test_system_and_parameter_points(
    broker: Mosquitto, link: AiomqttLink, listener: FmPyIotListener, clock: ManualClock
) -> None:
    device = make_device(0, prefix=unique_prefix("SYS"))
    async with gateway_on(link, listener, clock=clock), device_on(broker, device) as runner:
        node_id = await identified(listener, runner)
    points = listener.points[node_id]
    assert {key for key in points if key.startswith("sysinfo#")} == {
        "sysinfo#rssi",
        "sysinfo#mem_free",
        "sysinfo#mem_alloc",
        "sysinfo#flash_free",
        "sysinfo#vsys",
        "sysinfo#ip",
        "sysinfo#ssid",
        "sysinfo#logging_level",
    }
    assert all(
        points[key].entity_category is EntityCategory.DIAGNOSTIC
        for key in points
        if key.startswith("sysinfo#")
    )
    assert listener.last(node_id, "sysinfo#rssi") == -61
    assert listener.last(node_id, "sysinfo#logging_level") == "debug"
    assert {key for key in points if key.startswith("params#")} == {
        "params#push_duration",
        "params#enabled",
        "params#label",
        "params#Relais Eclairage__@@__duration",
        "params#send_period ./temperature",
        "params#send_period ./humidity",
        "params#send_period ./distance",
    }
    assert points["params#send_period ./temperature"].unit == "s"
    assert points["params#enabled"].kind is PointKind.SWITCH
    assert listener.last(node_id, "params#Relais Eclairage__@@__duration") == 500
    assert not any(key.startswith(("./SYSINFO", "./PARAMS", "./WATCHDOG", "./BYE")) for key in points)


async def test_reverse_topics_give_fresh_reads_and_never_become_points(
    broker: Mosquitto, link: AiomqttLink, listener: FmPyIotListener, clock: ManualClock
) -> None:
    device = make_device(1, prefix=unique_prefix("REV"))
    settings = GatewaySettings(
        devices={
            device.mac: DeviceSettings(topics={"./voltage": TopicSettings(reverse_topic="./get_voltage")})
        }
    )
    recording = RecordingLink(link)
    async with (
        gateway_on(recording, listener, clock=clock, settings=settings) as gateway,
        device_on(broker, device) as runner,
    ):
        node_id = await identified(listener, runner)
        await runner.publish_value("./temperature")
        await runner.publish_value("./voltage")
        await listener.wait_for(lambda: listener.last(node_id, "./voltage") is not None)
        device.temperature = 25.0
        await gateway.async_refresh_point(node_id, "./temperature")
        await listener.wait_for(lambda: listener.last(node_id, "./temperature") == 25.0)
        await gateway.async_refresh_point(node_id, "./voltage")
        await wait_until(lambda: (device.base + "get_voltage", "") in device.received)
        await gateway.async_refresh_point(node_id, "sysinfo#rssi")
        await gateway.async_refresh_point(node_id, "params#label")
        await gateway.async_refresh_point(node_id, "./unknown")
        await wait_until(lambda: device.received.count((device.base + "PARAMS_", "")) >= 2)
        await gateway.async_refresh(node_id)
        await wait_until(
            lambda: (
                (device.base + "voltage_", "") not in device.received
                and device.received.count((device.base + "get_voltage", "")) == 2
            )
        )
        device.temperature = 26.0
        await runner.publish_value("./temperature")
        await listener.wait_for(lambda: listener.last(node_id, "./temperature") == 26.0)
    keys = set(listener.points[node_id])
    assert not {key for key in keys if key.endswith("_") or key == "./get_voltage"}
    assert all(not retain for _, _, _, retain in recording.published)
    assert not [topic for topic in recording.topics() if topic.endswith("WATCHDOG")], (
        "never publishes on WATCHDOG"
    )


async def test_user_settings_set_device_class_unit_and_declared_topics(
    broker: Mosquitto, link: AiomqttLink, listener: FmPyIotListener, clock: ManualClock
) -> None:
    device = make_device(0, prefix=unique_prefix("SET"))
    assert any(topic.declared == "/CO_TEST" for topic in device.topics)
    device_settings = DeviceSettings(
        topics={
            "./temperature": TopicSettings(device_class="temperature", unit="°F"),
            "./door": TopicSettings(device_class="door"),
            "/CO_TEST": TopicSettings(),
        }
    )
    settings = GatewaySettings(devices={device.mac: device_settings})
    async with (
        gateway_on(link, listener, clock=clock, settings=settings) as gateway,
        device_on(broker, device) as runner,
    ):
        node_id = await identified(listener, runner)
        await runner.publish_value("./temperature")
        await runner.publish_value("./door")
        await runner.publish_value("/CO_TEST")
        await listener.wait_for(lambda: listener.last(node_id, "/CO_TEST") == 42)
        await gateway.async_refresh(node_id)
        await wait_until(lambda: ("/CO_TEST_", "") in device.received)
    points = listener.points[node_id]
    assert points["./temperature"].unit == "°F"
    assert points["./door"].device_class == "door"
    assert points["/CO_TEST"].kind is PointKind.SENSOR


async def test_a_restored_gateway_announces_its_devices_when_they_answer(
    broker: Mosquitto, link: AiomqttLink, listener: FmPyIotListener, clock: ManualClock
) -> None:
    device = make_device(2, prefix=unique_prefix("RESTORE"))
    async with device_on(broker, device) as runner:
        async with gateway_on(link, listener, clock=clock) as gateway:
            node_id = await identified(listener, runner)
            await runner.publish_value("./temperature")
            await runner.feed()
            clock.advance(20)
            await runner.feed()
            await listener.wait_for(lambda: listener.last(node_id, "./temperature") is not None)
            await wait_until(lambda: gateway.diagnostics()["devices"][0]["watchdog_period"] == 20)
            stored = gateway.export()
        assert stored["devices"][0]["topics"]["./temperature"] == {"shape": "number"}
        assert stored["devices"][0]["watchdog_period"] == 20
        after_restart = FmPyIotListener()
        restored_gateway_settings = GatewaySettings()
        device.temperature = 27.5
        gateway = FmPyIotGateway(
            link, after_restart, settings=restored_gateway_settings, clock=clock, request_spacing=0
        )
        gateway.restore(stored)
        assert after_restart.calls == []
        await gateway.async_start()
        try:
            await after_restart.wait_for(lambda: after_restart.last(node_id, "./temperature") == 27.5)
            assert gateway.export() == stored
        finally:
            await gateway.async_stop()
    assert after_restart.of("node_seen")[0].node_id == node_id
    assert "./temperature" in after_restart.points[node_id]
