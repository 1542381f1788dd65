"""An IOTpy device-files entry on a real folder of HA's (temporary) configuration directory."""

from collections.abc import AsyncGenerator
from pathlib import Path
import shutil

from homeassistant.core import HomeAssistant
import pytest
from pytest_homeassistant_custom_component.common import MockConfigEntry

from custom_components.pyiot.const import CONF_ENTRY_TYPE, DOMAIN, ENTRY_VERSION
from custom_components.pyiot.systems.iotpy.const import CONF_FOLDER, CONF_WATCH_INTERVAL, CONF_WATCHDOG
from tests.support.entries import entry_loaded

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
