"""The time service through HA's real MQTT integration, in a time zone far from UTC (fmpyiot.md §4)."""

import asyncio
from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

from homeassistant.core import HomeAssistant
from pytest_homeassistant_custom_component.common import MockConfigEntry

from tests.systems.fmpyiot.conftest import StartDevice

AUCKLAND = ZoneInfo("Pacific/Auckland")  # UTC+12 or +13: hour and often the date differ from UTC


async def test_a_device_asking_the_time_gets_home_assistants_local_time(
    hass: HomeAssistant, loaded_entry: MockConfigEntry, start_device: StartDevice
) -> None:
    await hass.config.async_set_time_zone("Pacific/Auckland")
    runner = await start_device(1)
    async with asyncio.timeout(15):
        while not runner.device.rtc_set:  # HA's MQTT client subscribes a moment after setup: ask again
            await runner.ask_time()
            await asyncio.sleep(0.2)
    year, month, day, weekday, hour, minute, second, subsecond = runner.device.params["rtc"]
    answered = datetime(year, month, day, hour, minute, second, tzinfo=AUCKLAND)
    now = datetime.now(AUCKLAND)
    assert abs(now - answered) < timedelta(seconds=20)
    assert weekday == answered.weekday()  # MicroPython's order: 0 is Monday
    assert subsecond == 0
    # Local wall-clock time, not UTC: read as UTC digits it would be 12 or 13 hours off.
    as_if_utc = answered.replace(tzinfo=ZoneInfo("UTC"))
    assert abs(now - as_if_utc) > timedelta(hours=11)
