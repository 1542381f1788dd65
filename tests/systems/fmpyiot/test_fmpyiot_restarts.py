"""A broker restart in the middle of a stream and a restart of the entry (as at an HA restart): devices
are asked again at once, entities exist from storage before the device speaks."""

import asyncio
from collections.abc import Iterator
from pathlib import Path
from unittest.mock import patch

from homeassistant.components import mqtt
from homeassistant.const import STATE_UNAVAILABLE
from homeassistant.core import HomeAssistant
from homeassistant.helpers import entity_registry as er
import pytest
from pytest_homeassistant_custom_component.common import MockConfigEntry

from tests.support.mosquitto import Mosquitto, start_mosquitto
from tests.support.scripted_node import wait_for
from tests.systems.fmpyiot.conftest import StartDevice
from tests.systems.fmpyiot.test_fmpyiot_web_api import _state
from tools.simulators.fmpyiot_node import DeviceRunner

BASE = "T-HOME/SIM0/"  # make_device(0)


@pytest.fixture
def mqtt_broker(tmp_path: Path, socket_enabled: None) -> Iterator[Mosquitto]:
    """A broker of this module's own, which the test kills and restarts on the same port."""
    broker = start_mosquitto(tmp_path)
    yield broker
    broker.stop()


@pytest.fixture(autouse=True)
def reconnect_after_the_device() -> Iterator[None]:
    """HA's MQTT client tries again every 2 s (10 s in HA): the device (every 0.05 s here) is back first,
    as a device that reconnects every 5 s usually is before HA's next try."""
    with patch("homeassistant.components.mqtt.client.RECONNECT_INTERVAL_SECONDS", 2.0):
        yield


async def _known(runner: DeviceRunner, hass: HomeAssistant, entry: MockConfigEntry) -> None:
    async with asyncio.timeout(30):
        while _state(hass, entry, "./temperature") in {None, "unknown"}:
            await runner.feed()
            await runner.publish_value("./temperature")
            await asyncio.sleep(0.2)


def _asked(runner: DeviceRunner, since: int) -> set[str]:
    return {topic for topic, _ in runner.device.received[since:]}


async def test_a_broker_restart_in_the_middle_of_a_stream(
    hass: HomeAssistant,
    mqtt_broker: Mosquitto,
    loaded_entry: MockConfigEntry,
    start_device: StartDevice,
    tmp_path: Path,
) -> None:
    runner = await start_device(0)
    await _known(runner, hass, loaded_entry)
    for value in (20.5, 20.75):
        runner.device.temperature = value
        await runner.publish_value("./temperature")
    await wait_for(lambda: _state(hass, loaded_entry, "./temperature") == "20.75", timeout=10)

    mqtt_broker.kill()
    await wait_for(lambda: not mqtt.is_connected(hass), timeout=10)
    await hass.async_block_till_done()
    assert _state(hass, loaded_entry, "./temperature") == STATE_UNAVAILABLE, "at once, not after 3 watchdogs"
    assert _state(hass, loaded_entry, "params#push_duration") == STATE_UNAVAILABLE

    runner.device.temperature = 19.0
    since = len(runner.device.received)
    (tmp_path / "restarted").mkdir()
    restarted = start_mosquitto(tmp_path / "restarted", port=mqtt_broker.port)
    try:
        async with asyncio.timeout(15):
            await runner.connected.wait()
        await wait_for(lambda: mqtt.is_connected(hass), timeout=20)
        # Nothing from the device by itself: the gateway asks it for everything once HA is back.
        await wait_for(lambda: _state(hass, loaded_entry, "./temperature") == "19.0", timeout=20)
        assert {f"{BASE}SYSINFO_", f"{BASE}PARAMS_", f"{BASE}temperature_"} <= _asked(runner, since)
        await wait_for(lambda: _state(hass, loaded_entry, "params#push_duration") == "1.0", timeout=10)
    finally:
        restarted.stop()


async def test_a_restart_restores_entities_and_asks_the_devices_again(
    hass: HomeAssistant,
    mqtt_entry: MockConfigEntry,
    pyiot_entry: MockConfigEntry,
    start_device: StartDevice,
) -> None:
    runner = await start_device(0)
    entry = pyiot_entry
    assert await hass.config_entries.async_setup(entry.entry_id)
    await _known(runner, hass, entry)
    registered = {e.unique_id for e in er.async_entries_for_config_entry(er.async_get(hass), entry.entry_id)}

    assert await hass.config_entries.async_unload(entry.entry_id)
    await hass.async_block_till_done()
    runner.device.temperature = 17.25
    await runner.die()  # silent while HA is down
    await runner.revive()
    since = len(runner.device.received)

    with patch("custom_components.pyiot.hub.kind.NodeHub.start"):  # the entry's transport starts later
        assert await hass.config_entries.async_setup(entry.entry_id)
        await hass.async_block_till_done()
    # Every entity exists before the device says anything, unavailable.
    entities = er.async_entries_for_config_entry(er.async_get(hass), entry.entry_id)
    assert {e.unique_id for e in entities} == registered
    assert _state(hass, entry, "./temperature") == STATE_UNAVAILABLE
    assert _state(hass, entry, "sysinfo#rssi") == STATE_UNAVAILABLE

    entry.runtime_data.start()
    # Asked at start (SYSINFO, PARAMS and every reverse topic), without waiting for a periodic send.
    await wait_for(lambda: _state(hass, entry, "./temperature") == "17.25", timeout=20)
    assert {f"{BASE}SYSINFO_", f"{BASE}PARAMS_", f"{BASE}temperature_"} <= _asked(runner, since)
    assert _state(hass, entry, "sysinfo#rssi") not in {None, STATE_UNAVAILABLE}
    assert await hass.config_entries.async_unload(entry.entry_id)
