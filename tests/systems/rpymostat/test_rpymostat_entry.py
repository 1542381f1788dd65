"""The RPyMostat entry in Home Assistant, fed over loopback HTTP by hosts that behave like upstream's."""

from datetime import UTC, datetime, timedelta
import json
import logging
from typing import Any
from unittest.mock import MagicMock

import aiohttp
from freezegun.api import FrozenDateTimeFactory
from homeassistant.config_entries import ConfigEntryState
from homeassistant.const import STATE_UNAVAILABLE
from homeassistant.core import HomeAssistant
from homeassistant.helpers import device_registry as dr, entity_registry as er
from homeassistant.setup import async_setup_component
import pytest
from pytest_homeassistant_custom_component.common import MockConfigEntry, async_fire_time_changed
from syrupy.assertion import SnapshotAssertion

from custom_components.pyiot.const import DOMAIN
from tests.support.rpymostat_host import (
    UpstreamSensorHost,
    dummy_sensors,
    getnode_host_id,
    owfs_reading,
    random_host_id,
    raspberry_pi_host_id,
)
from tests.systems.rpymostat.conftest import engine_of

PI = raspberry_pi_host_id("3 Model B 1.2 1024MB (Q1 2016 Sony)", "00000000002f1a7c3b00")
GETNODE = getnode_host_id(0x00B827EB1A2B3C)
NOW = datetime(2026, 11, 21, 12, 0, tzinfo=UTC)


def entity_id(hass: HomeAssistant, host_id: str, key: str) -> str:
    found = er.async_get(hass).async_get_entity_id("sensor", DOMAIN, f"01RPYMOSTATENTRY:{host_id}:{key}")
    assert found is not None, f"no sensor for {host_id}:{key}"
    return found


def state(hass: HomeAssistant, host_id: str, key: str) -> str | None:
    found = er.async_get(hass).async_get_entity_id("sensor", DOMAIN, f"01RPYMOSTATENTRY:{host_id}:{key}")
    current = hass.states.get(found) if found else None
    return current.state if current else None


@pytest.fixture
def clock(freezer: FrozenDateTimeFactory, request: pytest.FixtureRequest) -> FrozenDateTimeFactory:
    """Frozen (at NOW unless the test talks to HA's API, whose tokens must stay valid); `tick` moves the
    wall clock and the event loop's clock, which the engine uses."""
    if "hass_ws_client" not in request.fixturenames:
        freezer.move_to(NOW)
    return freezer


async def advance(hass: HomeAssistant, clock: FrozenDateTimeFactory, seconds: float) -> None:
    """Let `seconds` pass: the engine's `call_later` timers that are due fire."""
    clock.tick(timedelta(seconds=seconds))
    async_fire_time_changed(hass)
    await hass.async_block_till_done()


def pi_host(port: int, readings: dict[str, dict[str, Any]]) -> UpstreamSensorHost:
    return UpstreamSensorHost("127.0.0.1", port, PI, lambda: readings)


async def test_hosts_become_devices_with_temperature_sensors(
    hass: HomeAssistant,
    loaded_rpymostat: MockConfigEntry,
    rpymostat_port: int,
    clock: FrozenDateTimeFactory,
    device_registry: dr.DeviceRegistry,
    entity_registry: er.EntityRegistry,
    snapshot: SnapshotAssertion,
) -> None:
    pi = pi_host(
        rpymostat_port,
        {
            "1058F50F01080047": owfs_reading(24.3125, alias="hall"),
            "28A0B1C2D3E4F506": owfs_reading(None, sensor_type=None),
        },
    )
    dummy = UpstreamSensorHost("127.0.0.1", rpymostat_port, GETNODE, lambda: dummy_sensors(GETNODE, 21.25))
    assert await pi.read_and_send() == 201
    assert await dummy.read_and_send() == 201
    await hass.async_block_till_done()
    assert pi.errors == dummy.errors == []

    assert state(hass, PI, "1058F50F01080047") == "24.3125"
    assert state(hass, PI, "28A0B1C2D3E4F506") == STATE_UNAVAILABLE  # null: unreadable
    assert state(hass, PI, "last_update") == "2026-11-21T12:00:00+00:00"
    assert state(hass, GETNODE, f"{GETNODE}_dummy1") == "21.25"
    hall = hass.states.get(entity_id(hass, PI, "1058F50F01080047"))
    assert hall.attributes["unit_of_measurement"] == "°C"
    assert hall.attributes["device_class"] == "temperature"
    assert hall.attributes["friendly_name"] == "Raspberry Pi 2f1a7c3b hall"

    devices = sorted(
        dr.async_entries_for_config_entry(device_registry, loaded_rpymostat.entry_id),
        key=lambda device: device.name or "",
    )
    assert [device.identifiers for device in devices] == [
        {(DOMAIN, f"01RPYMOSTATENTRY:{GETNODE}")},
        {(DOMAIN, f"01RPYMOSTATENTRY:{PI}")},
    ]
    volatile = {"id", "config_entries", "config_entries_subentries", "created_at", "modified_at"}
    for device in devices:
        assert device == snapshot(
            name=f"device-{device.name}",
            exclude=lambda prop, path: prop in volatile | {"primary_config_entry"},
        )
    # The entities themselves: test_rpymostat_platforms.py (snapshot_platform).


async def test_upstream_host_over_time(
    hass: HomeAssistant,
    loaded_rpymostat: MockConfigEntry,
    rpymostat_port: int,
    clock: FrozenDateTimeFactory,
    caplog: pytest.LogCaptureFixture,
) -> None:
    """60 s rounds; a sensor that disappears goes stale after 3 intervals; a silent host is lost."""
    readings = {"1058F50F01080047": owfs_reading(20.0), "10FFEE": owfs_reading(19.5, alias="cellar")}
    host = pi_host(rpymostat_port, readings)
    for value in (20.0, 20.25, 20.5):
        readings["1058F50F01080047"] = owfs_reading(value)
        assert await host.read_and_send() == 201
        await advance(hass, clock, 60)
    assert state(hass, PI, "1058F50F01080047") == "20.5"
    assert state(hass, PI, "10FFEE") == "19.5"
    assert engine_of(loaded_rpymostat).sensors_document()["hosts"][0]["interval"] == 60.0

    del readings["10FFEE"]  # the cellar sensor is no longer found: omitted from now on
    assert await host.read_and_send() == 201  # t = 180 s; the cellar was last read at t = 120 s
    await advance(hass, clock, 60)
    assert state(hass, PI, "10FFEE") == "19.5"
    assert await host.read_and_send() == 201
    await advance(hass, clock, 60)  # t = 300 s: 180 s after the cellar's last reading
    assert state(hass, PI, "10FFEE") == STATE_UNAVAILABLE
    assert state(hass, PI, "1058F50F01080047") == "20.5"

    readings["1058F50F01080047"] = owfs_reading(None)  # read error: null
    assert await host.read_and_send() == 201
    await hass.async_block_till_done()
    assert state(hass, PI, "1058F50F01080047") == STATE_UNAVAILABLE
    assert state(hass, PI, "last_update") == "2026-11-21T12:05:00+00:00"

    # Silent for three intervals: the host is lost, its device stays.
    await advance(hass, clock, 179)
    assert state(hass, PI, "last_update") == "2026-11-21T12:05:00+00:00"
    await advance(hass, clock, 2)
    assert state(hass, PI, "last_update") == STATE_UNAVAILABLE
    assert "Raspberry Pi 2f1a7c3b is unavailable" in caplog.text

    readings["1058F50F01080047"] = owfs_reading(21.0)
    assert await host.read_and_send() == 201
    await hass.async_block_till_done()
    assert state(hass, PI, "1058F50F01080047") == "21.0"
    assert state(hass, PI, "10FFEE") == STATE_UNAVAILABLE
    assert "Raspberry Pi 2f1a7c3b is back online" in caplog.text
    assert host.errors == []


async def test_python3_host_defect(
    hass: HomeAssistant,
    loaded_rpymostat: MockConfigEntry,
    rpymostat_port: int,
    caplog: pytest.LogCaptureFixture,
    device_registry: dr.DeviceRegistry,
) -> None:
    """Every PUT of a Python 3 host has `"sensors": {}`: upstream's 422, logged once at info, no device."""
    host = UpstreamSensorHost(
        "127.0.0.1", rpymostat_port, random_host_id(), lambda: {"x": owfs_reading(20.0)}, python3=True
    )
    for _ in range(3):
        assert await host.read_and_send() == 422
    assert host.errors == [(422, '{"error": "sensors field must not be empty", "status": "error"}')] * 3
    notes = [record for record in caplog.records if "sends no readings" in record.getMessage()]
    assert len(notes) == 1
    assert notes[0].levelno == logging.INFO
    assert dr.async_entries_for_config_entry(device_registry, loaded_rpymostat.entry_id) == []


async def test_sensor_list_route(
    hass: HomeAssistant, loaded_rpymostat: MockConfigEntry, rpymostat_port: int, clock: FrozenDateTimeFactory
) -> None:
    host = pi_host(rpymostat_port, {"1058F50F01080047": owfs_reading(24.3125, alias="hall")})
    await host.read_and_send()
    async with (
        aiohttp.ClientSession() as session,
        session.get(f"http://127.0.0.1:{rpymostat_port}/v1/sensors") as response,
    ):
        assert response.status == 200
        assert response.headers["Content-Type"] == "application/json"
        body = await response.read()
    assert json.loads(body) == {
        "hosts": [
            {
                "host_id": PI,
                "interval": 60.0,
                "last_update": "2026-11-21T12:00:00+00:00",
                "online": True,
                "sensors": 1,
            }
        ],
        "sensors": [
            {
                "alias": "hall",
                "extra": None,
                "host_id": PI,
                "id": f"{PI}_1058F50F01080047",
                "last_reading_C": 24.3125,
                "sensor_id": "1058F50F01080047",
                "stale": False,
                "type": "DS18S20",
                "update_time": "2026-11-21T12:00:00+00:00",
            }
        ],
        "status": "ok",
    }
    assert body == json.dumps(json.loads(body), sort_keys=True).encode()


async def test_remove_stale_device(
    hass: HomeAssistant,
    hass_ws_client: Any,
    loaded_rpymostat: MockConfigEntry,
    rpymostat_port: int,
    clock: FrozenDateTimeFactory,
    device_registry: dr.DeviceRegistry,
) -> None:
    assert await async_setup_component(hass, "config", {})
    host = pi_host(rpymostat_port, {"1058F50F01080047": owfs_reading(20.0)})
    await host.read_and_send()
    await hass.async_block_till_done()
    device = device_registry.async_get_device_by_identifier(
        (DOMAIN, f"01RPYMOSTATENTRY:{PI}"), loaded_rpymostat.entry_id
    )
    assert device is not None
    client = await hass_ws_client(hass)

    async def remove() -> bool:
        await client.send_json_auto_id(
            {
                "type": "config/device_registry/remove_config_entry",
                "config_entry_id": loaded_rpymostat.entry_id,
                "device_id": device.id,
            }
        )
        return bool((await client.receive_json())["success"])

    assert not await remove(), "a host that is sending must not be deletable"
    await advance(hass, clock, 181)
    assert await remove()
    assert device_registry.async_get(device.id) is None

    # It speaks again: device and entities come back.
    await host.read_and_send()
    await hass.async_block_till_done()
    assert state(hass, PI, "1058F50F01080047") == "20.0"


async def test_restart_restores_hosts(
    hass: HomeAssistant,
    mock_async_zeroconf: MagicMock,
    rpymostat_entry: MockConfigEntry,
    rpymostat_port: int,
) -> None:
    assert await hass.config_entries.async_setup(rpymostat_entry.entry_id)
    await hass.async_block_till_done()
    host = pi_host(rpymostat_port, {"a1": owfs_reading(20.0), "b2": owfs_reading(21.0)})
    assert await host.read_and_send() == 201
    await hass.async_block_till_done()
    assert await hass.config_entries.async_unload(rpymostat_entry.entry_id)
    await hass.async_block_till_done()
    assert state(hass, PI, "a1") == STATE_UNAVAILABLE
    with pytest.raises(aiohttp.ClientConnectionError):
        await host.read_and_send()

    assert await hass.config_entries.async_setup(rpymostat_entry.entry_id)
    await hass.async_block_till_done()
    assert state(hass, PI, "a1") == STATE_UNAVAILABLE  # known from storage, waiting for the host
    host.read = lambda: {"a1": owfs_reading(22.0)}
    assert await host.read_and_send() == 201
    await hass.async_block_till_done()
    assert state(hass, PI, "a1") == "22.0"
    assert state(hass, PI, "b2") == STATE_UNAVAILABLE  # restored, but no longer sent
    assert await hass.config_entries.async_unload(rpymostat_entry.entry_id)


async def test_port_in_use_retries_later(
    hass: HomeAssistant, mock_async_zeroconf: MagicMock, rpymostat_entry: MockConfigEntry, rpymostat_port: int
) -> None:
    blocker = aiohttp.web.AppRunner(aiohttp.web.Application())
    await blocker.setup()
    site = aiohttp.web.TCPSite(blocker, "127.0.0.1", rpymostat_port)
    await site.start()
    try:
        assert not await hass.config_entries.async_setup(rpymostat_entry.entry_id)
        assert rpymostat_entry.state is ConfigEntryState.SETUP_RETRY
        assert str(rpymostat_port) in (rpymostat_entry.reason or "")
        mock_async_zeroconf.async_register_service.assert_not_called()
    finally:
        await blocker.cleanup()


@pytest.mark.parametrize(
    "rpymostat_options", [{"allowed_networks": "not-a-network", "rate_limit": 0.0, "advertise": False}]
)
async def test_corrupt_networks_option(hass: HomeAssistant, rpymostat_entry: MockConfigEntry) -> None:
    assert not await hass.config_entries.async_setup(rpymostat_entry.entry_id)
    assert rpymostat_entry.state is ConfigEntryState.SETUP_ERROR
