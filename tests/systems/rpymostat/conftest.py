"""Fixtures of the RPyMostat entry tests: the entry in Home Assistant, on a free port."""

from collections.abc import AsyncGenerator
from typing import Any
from unittest.mock import MagicMock

from homeassistant.const import CONF_PORT
from homeassistant.core import HomeAssistant
import pytest
from pytest_homeassistant_custom_component.common import MockConfigEntry

from custom_components.pyiot.const import CONF_ENTRY_TYPE, DOMAIN, ENTRY_VERSION
from custom_components.pyiot.core.protocols.rpymostat.engine import RPyMostatEngine
from custom_components.pyiot.hub.networks import CONF_ALLOWED_NETWORKS, CONF_RATE_LIMIT
from custom_components.pyiot.systems.rpymostat.const import CONF_ADVERTISE
from custom_components.pyiot.systems.rpymostat.engine import title, unique_id
from tests.support.entries import entry_loaded
from tests.support.mosquitto import free_port

# --- the entry in Home Assistant ---------------------------------------------------------------

ENTRY_ID = "01RPYMOSTATENTRY"


@pytest.fixture
def rpymostat_port(socket_enabled: None) -> int:
    """A free port for the engine (it listens on every interface; tests talk to 127.0.0.1)."""
    return free_port()


@pytest.fixture
def rpymostat_options() -> dict[str, Any]:
    """Options of the entry under test: no rate limit (tests send faster than hosts), advertised."""
    return {CONF_ALLOWED_NETWORKS: "", CONF_RATE_LIMIT: 0.0, CONF_ADVERTISE: True}


@pytest.fixture
def rpymostat_entry(
    hass: HomeAssistant, rpymostat_port: int, rpymostat_options: dict[str, Any]
) -> MockConfigEntry:
    """The entry, added but not set up."""
    entry = MockConfigEntry(
        domain=DOMAIN,
        title=title(rpymostat_port),
        unique_id=unique_id(rpymostat_port),
        data={CONF_ENTRY_TYPE: "rpymostat", CONF_PORT: rpymostat_port},
        options=rpymostat_options,
        entry_id=ENTRY_ID,
        version=ENTRY_VERSION,
    )
    entry.add_to_hass(hass)
    return entry


@pytest.fixture
async def loaded_rpymostat(
    hass: HomeAssistant, mock_async_zeroconf: MagicMock, rpymostat_entry: MockConfigEntry
) -> AsyncGenerator[MockConfigEntry]:
    """The entry set up (HA's zeroconf instance is the plugin's mock), unloaded after the test."""
    async for entry in entry_loaded(hass, rpymostat_entry):
        yield entry


def engine_of(entry: MockConfigEntry) -> RPyMostatEngine:
    """The running engine of a loaded entry."""
    engine = entry.runtime_data.transport
    assert isinstance(engine, RPyMostatEngine)
    return engine
