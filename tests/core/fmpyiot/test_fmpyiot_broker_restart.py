"""A broker restart in the middle of a stream: the devices are asked again, nothing is lost.

The order in which the gateway's link and the device come back is driven by the test: when the link is
back first, its refresh reaches nobody and the device's first message afterwards makes the gateway
ask again; when the device is back first, the refresh itself reaches it.
"""

import asyncio
from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.core.fmpyiot.fmpyiot_helpers import (
    FmPyIotListener,
    OwnBroker,
    device_on,
    gateway_on,
    identified,
    unique_prefix,
    wait_until,
)
from tests.support.manual_clock import ManualClock
from tests.support.mosquitto import start_mosquitto
from tests.support.reconnecting_link import ReconnectingLink
from tools.simulators.fmpyiot_device import make_device
from tools.simulators.fmpyiot_node import DeviceRunner


@pytest.fixture
def own_broker(tmp_path: Path, socket_enabled: None) -> Iterator[OwnBroker]:
    broker = OwnBroker(start_mosquitto(tmp_path))
    yield broker
    broker.stop()


async def stream(runner: DeviceRunner, stop: asyncio.Event) -> None:
    """The device publishes its temperature every 20 ms, through the outage too (queued meanwhile)."""
    while not stop.is_set():
        runner.device.temperature += 0.01
        await runner.publish_value("./temperature")
        await asyncio.sleep(0.02)


@pytest.mark.parametrize("device_back_first", [False, True], ids=["link first", "device first"])
async def test_devices_are_asked_again_after_a_broker_restart(
    own_broker: OwnBroker,
    listener: FmPyIotListener,
    clock: ManualClock,
    device_back_first: bool,
    request: pytest.FixtureRequest,
) -> None:
    device = make_device(0, prefix=unique_prefix("RST"))
    broker = own_broker.broker
    refreshed = asyncio.Event()
    async with ReconnectingLink(broker.host, broker.port, retry=3600) as link:
        async with gateway_on(link, listener, clock=clock) as gateway, device_on(broker, device) as runner:

            async def on_reconnect() -> None:
                await gateway.async_refresh_all()
                refreshed.set()

            link.on_reconnect = on_reconnect
            node_id = await identified(listener, runner)
            await runner.publish_value("./temperature")
            stop = asyncio.Event()
            streaming = asyncio.create_task(stream(runner, stop))
            request.addfinalizer(streaming.cancel)
            await listener.wait_for(lambda: len(listener.values(node_id, "./temperature")) >= 3)
            known_points = dict(listener.points[node_id])
            asked = device.received.count((device.base + "SYSINFO_", ""))

            own_broker.kill()
            await wait_until(lambda: not link.connected.is_set() and not runner.connected.is_set())
            await runner.die()  # no reconnection attempts until the test says so
            own_broker.start_again()
            if device_back_first:
                await runner.revive()
                link.reconnect_now()
                await wait_until(refreshed.is_set, limit=20)
            else:
                link.reconnect_now()
                await wait_until(refreshed.is_set, limit=20)
                clock.advance(3)  # the device comes back after the refresh
                await runner.revive()
            await wait_until(lambda: device.received.count((device.base + "SYSINFO_", "")) > asked, limit=20)
            await wait_until(lambda: (device.base + "temperature_", "") in device.received)
            after = len(listener.values(node_id, "./temperature"))
            await listener.wait_for(lambda: len(listener.values(node_id, "./temperature")) > after + 3)
            stop.set()
            await streaming
        assert listener.lost(node_id) == 0
        assert listener.points[node_id] == known_points, "no point lost or changed"
        assert set(listener.nodes()) == {node_id}
