"""IOTpy entries: device files in HA's (temporary) configuration directory, a simulated remote server."""

from collections.abc import AsyncGenerator
from pathlib import Path
import shutil

from homeassistant.core import HomeAssistant
import pytest
from pytest_homeassistant_custom_component.common import MockConfigEntry

from custom_components.pyiot.const import CONF_ENTRY_TYPE, DOMAIN, ENTRY_VERSION
from custom_components.pyiot.systems.iotpy.const import (
    CONF_FOLDER,
    CONF_NODE_ID,
    CONF_POLL_INTERVAL,
    CONF_PREFIX,
    CONF_STALE_AFTER,
    CONF_URL,
    CONF_WATCH_INTERVAL,
    CONF_WATCHDOG,
)
from tests.support.entries import entry_loaded
from tools.simulators.iotpy_server import IotpyServerSim

EXAMPLES = Path(__file__).parents[3] / "tools/iotpy_devices"
ENTRY_ID = "01IOTPYFILESENTRY"


@pytest.fixture
def config_dir(hass: HomeAssistant, tmp_path: Path) -> Path:
    """HA's configuration directory, a temporary one."""
    hass.config.config_dir = str(tmp_path)
    return tmp_path


@pytest.fixture
def devices_folder(config_dir: Path) -> Path:
    """`<config>/pyiot_devices` with the example device files."""
    folder = config_dir / "pyiot_devices"
    shutil.copytree(EXAMPLES, folder, ignore=shutil.ignore_patterns("__pycache__"))
    return folder


@pytest.fixture
def iotpy_options() -> dict[str, object]:
    """Options of the entry under test: a short watch interval and watchdog."""
    return {CONF_WATCH_INTERVAL: 1, CONF_WATCHDOG: 2}


@pytest.fixture
def iotpy_entry(
    hass: HomeAssistant, devices_folder: Path, iotpy_options: dict[str, object]
) -> MockConfigEntry:
    """The entry, added but not set up."""
    entry = MockConfigEntry(
        domain=DOMAIN,
        title="IOTpy devices (pyiot_devices)",
        unique_id="iotpy_files:pyiot_devices",
        data={CONF_ENTRY_TYPE: "iotpy_files", CONF_FOLDER: "pyiot_devices"},
        options=iotpy_options,
        entry_id=ENTRY_ID,
        version=ENTRY_VERSION,
    )
    entry.add_to_hass(hass)
    return entry


@pytest.fixture
async def loaded_iotpy(hass: HomeAssistant, iotpy_entry: MockConfigEntry) -> AsyncGenerator[MockConfigEntry]:
    """The entry set up, unloaded after the test."""
    async for entry in entry_loaded(hass, iotpy_entry):
        yield entry


SERVER_ENTRY_ID = "01IOTPYSERVERENTRY"
SERVER_NODE = "iotpy-sim"
"""The node id the server entry under test keeps (stable across runs, unlike the simulator's port)."""


@pytest.fixture
async def iotpy_sim(socket_enabled: None) -> AsyncGenerator[IotpyServerSim]:
    """The simulated upstream server on a free loopback port; devices only poll when the test ticks."""
    sim = IotpyServerSim(period=None, seed=7)
    await sim.start()
    yield sim
    await sim.stop()


@pytest.fixture
def server_options() -> dict[str, object]:
    """Options of the server entry under test."""
    return {CONF_POLL_INTERVAL: 2, CONF_STALE_AFTER: 30}


@pytest.fixture
def server_entry(
    hass: HomeAssistant, iotpy_sim: IotpyServerSim, server_options: dict[str, object]
) -> MockConfigEntry:
    """A remote-server entry for the simulator, added but not set up."""
    entry = MockConfigEntry(
        domain=DOMAIN,
        title="IOTpy server test",
        unique_id=f"iotpy_server:127.0.0.1:{iotpy_sim.port}",
        data={
            CONF_ENTRY_TYPE: "iotpy_server",
            CONF_URL: iotpy_sim.url,
            CONF_PREFIX: "",
            CONF_NODE_ID: SERVER_NODE,
        },
        options=server_options,
        entry_id=SERVER_ENTRY_ID,
        version=ENTRY_VERSION,
    )
    entry.add_to_hass(hass)
    return entry


@pytest.fixture
async def loaded_server(
    hass: HomeAssistant, server_entry: MockConfigEntry
) -> AsyncGenerator[MockConfigEntry]:
    """The server entry set up (its first poll done), unloaded after the test."""
    async for entry in entry_loaded(hass, server_entry):
        yield entry
