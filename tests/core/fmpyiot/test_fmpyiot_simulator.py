"""The simulator behaves like upstream devices, and its command line runs many of them."""

import asyncio
import json
import signal
import sys

import pytest

from custom_components.pyiot.core.protocols.fmpyiot import FmPyIotGateway
from tests.core.fmpyiot.fmpyiot_helpers import FmPyIotListener, unique_prefix, wait_until
from tests.support.aiomqtt_link import AiomqttLink
from tests.support.mosquitto import Mosquitto, free_port
from tools.simulators.fmpyiot_device import SimulatedDevice, make_device, to_payload, web_id
from tools.simulators.fmpyiot_node import DeviceRunner, run_devices


def test_upstreams_parameter_semantics() -> None:
    device = make_device(0)
    base = device.base
    assert (
        device.handle(
            base + "SET_PARAMS", b'{"send_period ./temperature": 60, "Relais Eclairage__@@__duration": 750}'
        )
        == []
    )
    assert device.params["send_period ./temperature"] == 60
    assert device.params["Relais Eclairage"] == {"duration": 750}
    assert (60.0, "./temperature") in device.periodic()
    device.handle(base + "SET_PARAMS", b"[1, 2]")
    device.handle(base + "SET_PARAMS", b"not json")
    device.handle(base + "SET_PARAMS", b'{"missing__@@__x": 1, "label": "kept?"}')
    assert device.params["label"] == "serre", "upstream stops at the first key whose outer object is missing"
    device.handle(base + "SET_PARAM", b"42")
    assert device.params[base + "SET_PARAM"] == 42, "SET_PARAM over MQTT uses the topic as the key"
    device.handle(base + "SET_PARAM", b"text")
    assert device.params[base + "SET_PARAM"] == "text"
    [params] = device.handle(base + "PARAMS_", b"")
    assert json.loads(params.payload)["label"] == "serre"


def test_upstreams_topics_and_replies() -> None:
    device = make_device(0)
    base = device.base
    assert (10.0, "/FmPyIOT/datetime_") in device.periodic(), "every 10 s until the clock is set"
    assert [message.topic for message in device.handle(base + "SYSINFO_", b"")] == [base + "SYSINFO"]
    assert device.handle(base + "temperature_", b"") == [device.value_message("./temperature")]
    assert device.handle(base + "get_voltage", b"")[0].topic == base + "voltage"
    assert device.handle(base + "voltage_", b"") == []
    assert device.handle(base + "relay", b"ON")[0].payload == b"ON"
    assert device.handle(base + "relay", b"toggle") == []
    assert device.handle(base + "LED", b"") == []
    assert device.led
    assert device.handle(base + "speed", b"1.5")[0].payload == b"1.5"
    assert device.handle(base + "speed", b"fast") == []
    assert device.handle(base + "WATCHDOG", b"FEED") == []
    assert device.fed == 1
    device.handle("/FmPyIOT/datetime", b"[2026, 3, 8, 6, 6, 20, 53, 0]")
    assert device.rtc_set
    assert device.params["rtc"][0] == 2026
    assert (3600.0, "/FmPyIOT/datetime_") in device.periodic(), "hourly once the clock is set"
    assert base + "WATCHDOG" in device.subscriptions()
    assert base + "temperature" not in device.subscriptions()
    assert to_payload("ON") == b"ON"
    assert to_payload(1.5) == b"1.5"
    assert web_id("./température") == "T__temp_rature"
    with pytest.raises(ValueError, match="empty base"):
        SimulatedDevice(base="", name="x", mac=None, client_id="x")


def test_both_sysinfo_shapes() -> None:
    new = make_device(0).sysinfo()
    old = make_device(0, sysinfo_shape="2023").sysinfo()
    assert isinstance(new["uname"], dict)
    assert new["uname"]["machine"].startswith("Raspberry")
    assert isinstance(old["uname"], list)
    assert "logging_level" not in old
    assert "mqtt_client_id" not in old
    without_mac = make_device(0)
    without_mac.mac = None
    assert "mac" not in without_mac.sysinfo()
    assert make_device(0).web_status()["./SYSINFO"]["id"] == "T__SYSINFO"
    assert "action_T__relay" in make_device(0).topics_html()


async def test_periodic_sends_and_reconnection(broker: Mosquitto) -> None:
    device = make_device(0, prefix=unique_prefix("PER"))
    runner = DeviceRunner(device, broker.host, broker.port, periodic=True, speed=1000, reconnect_delay=0.05)
    seen: list[str] = []
    async with AiomqttLink(broker.host, broker.port) as link:
        await link.async_subscribe(device.base + "#", lambda topic, _payload: seen.append(topic), 0)
        await link.async_subscribe("/FmPyIOT/datetime_", lambda topic, _payload: seen.append(topic), 0)
        await runner.start()
        try:
            await wait_until(
                lambda: (
                    {device.base + "WATCHDOG", device.base + "temperature", "/FmPyIOT/datetime_"} <= set(seen)
                )
            )
            assert device.fed > 0, "the device is fed by its own FEED coming back"
        finally:
            await runner.stop()


async def test_the_command_line_runs_many_devices(broker: Mosquitto, link: AiomqttLink) -> None:
    prefix = unique_prefix("CLI")
    listener = FmPyIotListener()
    gateway = FmPyIotGateway(link, listener, request_spacing=0)
    await gateway.async_start()
    process = await asyncio.create_subprocess_exec(
        sys.executable,
        "-m",
        "tools.simulators.fmpyiot_node",
        "--port",
        str(broker.port),
        "--devices",
        "3",
        "--web-port",
        str(free_port()),
        "--sleeping",
        "1",
        "--old-sysinfo",
        "1",
        "--prefix",
        prefix,
        "--speed",
        "50",
        stdout=asyncio.subprocess.DEVNULL,
        stderr=asyncio.subprocess.PIPE,
    )
    try:
        await wait_until(lambda: len(gateway.node_ids) == 3, limit=30)
    finally:
        process.send_signal(signal.SIGTERM)
        _, errors = await asyncio.wait_for(process.communicate(), 20)
        await gateway.async_stop()
    assert process.returncode == 0, errors.decode()
    assert {node.model for node in listener.nodes().values()} == {"Raspberry Pi Pico W with RP2040"}


async def test_run_devices_until_stopped(broker: Mosquitto) -> None:
    stop, ready = asyncio.Event(), asyncio.Event()
    devices = [make_device(index, prefix=unique_prefix("RUN")) for index in range(2)]
    task = asyncio.create_task(
        run_devices(broker.host, broker.port, devices, stop=stop, ready=ready, sleeping=1, speed=100)
    )
    await asyncio.wait_for(ready.wait(), 20)
    stop.set()
    runners = await asyncio.wait_for(task, 20)
    assert [runner.sleeping for runner in runners] == [False, True]
