"""IOTpy variables through HA's own exports: the `prometheus` integration and the REST API (upstream's
`/metrics` and `/variables`), for device files and a remote server loaded in one real Home Assistant."""

import asyncio
from collections.abc import AsyncGenerator, Callable
from http import HTTPStatus

from homeassistant.const import STATE_UNAVAILABLE
from homeassistant.core import HomeAssistant
from homeassistant.helpers import entity_registry as er
from homeassistant.setup import async_setup_component
import prometheus_client
import pytest
from pytest_homeassistant_custom_component.common import MockConfigEntry
from pytest_homeassistant_custom_component.typing import ClientSessionGenerator

from custom_components.pyiot.const import DOMAIN
from custom_components.pyiot.systems.iotpy.const import (
    CONF_POLL_INTERVAL,
    CONF_STALE_AFTER,
    CONF_VARIABLES,
    CONF_WATCH_INTERVAL,
    CONF_WATCHDOG,
)
from tests.support.entries import entry_loaded
from tests.systems.iotpy.conftest import ENTRY_ID, SERVER_ENTRY_ID, SERVER_NODE
from tools.simulators.iotpy_server import IotpyServerSim

THERMOMETER = "thermometer/Living room thermometer"


@pytest.fixture
def iotpy_options() -> dict[str, object]:
    """The room temperature carries a unit and device class, as the options flow sets them."""
    return {
        CONF_WATCH_INTERVAL: 1,
        CONF_WATCHDOG: 2,
        CONF_VARIABLES: {THERMOMETER: {"room_temperature": {"unit": "°C", "device_class": "temperature"}}},
    }


@pytest.fixture
def server_options() -> dict[str, object]:
    """The remote `test0` carries a unit too."""
    return {
        CONF_POLL_INTERVAL: 2,
        CONF_STALE_AFTER: 30,
        CONF_VARIABLES: {SERVER_NODE: {"test0": {"unit": "V", "device_class": "voltage"}}},
    }


@pytest.fixture
async def both_loaded(
    hass: HomeAssistant, loaded_iotpy: MockConfigEntry, server_entry: MockConfigEntry
) -> AsyncGenerator[tuple[MockConfigEntry, MockConfigEntry]]:
    """Both IOTpy entries set up, with HA's `prometheus` integration beside them.

    Its metrics live in prometheus_client's process-wide registry: they are unregistered afterwards so that
    the next test (or the next run in this process) can set the integration up again.
    """
    known = set(prometheus_client.REGISTRY._collector_to_names)
    try:
        assert await async_setup_component(hass, "prometheus", {"prometheus": {}})
        async for server in entry_loaded(hass, server_entry):
            yield loaded_iotpy, server
    finally:
        for collector in set(prometheus_client.REGISTRY._collector_to_names) - known:
            prometheus_client.REGISTRY.unregister(collector)


async def wait_for(hass: HomeAssistant, condition: Callable[[], bool]) -> None:
    """Until `condition()`: device threads run in real time."""
    async with asyncio.timeout(20):
        while not condition():
            await asyncio.sleep(0.05)
            await hass.async_block_till_done()


def entity_of(hass: HomeAssistant, entry_id: str, node: str, key: str) -> str | None:
    return er.async_get(hass).async_get_entity_id("sensor", DOMAIN, f"{entry_id}:{node}:{key}")


async def both_sensors(hass: HomeAssistant) -> tuple[str, str]:
    """The thermometer's and the remote server's sensors, once both exist and are available."""
    await wait_for(
        hass,
        lambda: (
            any(
                entity_id is not None and available(hass, entity_id)
                for entity_id in [entity_of(hass, ENTRY_ID, THERMOMETER, "room_temperature")]
            )
            and any(
                entity_id is not None and available(hass, entity_id)
                for entity_id in [entity_of(hass, SERVER_ENTRY_ID, SERVER_NODE, "test0")]
            )
        ),
    )
    room = entity_of(hass, ENTRY_ID, THERMOMETER, "room_temperature")
    remote = entity_of(hass, SERVER_ENTRY_ID, SERVER_NODE, "test0")
    assert room is not None
    assert remote is not None
    return room, remote


def available(hass: HomeAssistant, entity_id: str | None) -> bool:
    state = hass.states.get(entity_id) if entity_id is not None else None
    return state is not None and state.state != STATE_UNAVAILABLE


async def scrape(hass_client: ClientSessionGenerator) -> list[str]:
    client = await hass_client()
    response = await client.get("/api/prometheus")
    assert response.status == HTTPStatus.OK
    return (await response.text()).splitlines()


def metric_line(lines: list[str], metric: str, entity_id: str) -> str:
    """The sample of `metric` for `entity_id` (HA labels each sample with entity and friendly name)."""
    matches = [line for line in lines if line.startswith(f"{metric}{{") and f'entity="{entity_id}"' in line]
    assert len(matches) == 1, (metric, entity_id, [line for line in lines if entity_id in line])
    return matches[0]


async def test_variables_are_prometheus_metrics_with_names_and_units(
    hass: HomeAssistant,
    both_loaded: tuple[MockConfigEntry, MockConfigEntry],
    hass_client: ClientSessionGenerator,
    iotpy_sim: IotpyServerSim,
) -> None:
    room, remote = await both_sensors(hass)

    lines = await scrape(hass_client)

    room_line = metric_line(lines, "homeassistant_sensor_temperature_celsius", room)
    assert 'friendly_name="Living room thermometer room_temperature"' in room_line
    float(room_line.rsplit(" ", 1)[1])  # the thermometer's thread keeps changing it: a number is what holds
    remote_line = metric_line(lines, "homeassistant_sensor_voltage_v", remote)
    assert 'friendly_name="IOTpy server test test0"' in remote_line
    assert float(remote_line.rsplit(" ", 1)[1]) == pytest.approx(
        iotpy_sim.devices[0].variables["test0"].value
    )
    assert f'homeassistant_entity_available{{domain="sensor",entity="{room}"' in "\n".join(lines)


async def test_rest_api_shows_value_and_unit(
    hass: HomeAssistant,
    both_loaded: tuple[MockConfigEntry, MockConfigEntry],
    hass_client: ClientSessionGenerator,
) -> None:
    room, remote = await both_sensors(hass)
    assert await async_setup_component(hass, "api", {})
    client = await hass_client()

    for entity_id, unit, name in (
        (room, "°C", "Living room thermometer room_temperature"),
        (remote, "V", "IOTpy server test test0"),
    ):
        response = await client.get(f"/api/states/{entity_id}")
        assert response.status == HTTPStatus.OK
        body = await response.json()
        float(body["state"])
        assert body["attributes"]["unit_of_measurement"] == unit
        assert body["attributes"]["friendly_name"] == name
