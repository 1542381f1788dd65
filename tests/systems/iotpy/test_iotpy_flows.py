"""Config, reconfigure and options flows of the IOTpy device-files entry, on real folders."""

from pathlib import Path
import shutil
from unittest.mock import patch

from homeassistant import config_entries
from homeassistant.core import HomeAssistant
from homeassistant.data_entry_flow import FlowResultType
import pytest
from pytest_homeassistant_custom_component.common import MockConfigEntry

from custom_components.pyiot.const import CONF_ENTRY_TYPE, DOMAIN
from custom_components.pyiot.systems.iotpy.const import CONF_FOLDER, CONF_WATCH_INTERVAL, CONF_WATCHDOG
from tests.systems.iotpy.conftest import EXAMPLES


async def start(hass: HomeAssistant) -> str:
    result = await hass.config_entries.flow.async_init(DOMAIN, context={"source": config_entries.SOURCE_USER})
    result = await hass.config_entries.flow.async_configure(
        result["flow_id"], {"next_step_id": "iotpy_files"}
    )
    assert result["type"] is FlowResultType.FORM
    assert result["step_id"] == "iotpy_files"
    return result["flow_id"]


async def test_a_folder_of_device_files_becomes_an_entry(hass: HomeAssistant, devices_folder: Path) -> None:
    flow_id = await start(hass)
    with patch("custom_components.pyiot.async_setup_entry", return_value=True):
        result = await hass.config_entries.flow.async_configure(flow_id, {CONF_FOLDER: " pyiot_devices/ "})
    assert result["type"] is FlowResultType.CREATE_ENTRY
    assert result["title"] == "IOTpy devices (pyiot_devices)"
    assert result["data"] == {CONF_ENTRY_TYPE: "iotpy_files", CONF_FOLDER: "pyiot_devices"}
    assert result["options"] == {CONF_WATCH_INTERVAL: 2, CONF_WATCHDOG: 30}

    flow_id = await start(hass)
    result = await hass.config_entries.flow.async_configure(flow_id, {CONF_FOLDER: "pyiot_devices"})
    assert result["type"] is FlowResultType.ABORT
    assert result["reason"] == "already_configured"


@pytest.mark.parametrize(
    ("folder", "error"),
    [
        ("nowhere", "folder_not_found"),
        ("a_file.py", "not_a_folder"),
        ("../outside", "outside_config"),
        ("empty", "no_devices"),
    ],
)
async def test_folders_that_cannot_serve(
    hass: HomeAssistant, config_dir: Path, folder: str, error: str
) -> None:
    (config_dir / "a_file.py").write_text("x = 1\n", encoding="utf-8")
    (config_dir / "empty").mkdir()
    (config_dir / "empty" / "_private.py").write_text("raise RuntimeError\n", encoding="utf-8")
    flow_id = await start(hass)
    result = await hass.config_entries.flow.async_configure(flow_id, {CONF_FOLDER: folder})
    assert result["type"] is FlowResultType.FORM
    assert result["errors"] == {CONF_FOLDER: error}


async def test_a_broken_file_is_named_with_its_line(hass: HomeAssistant, devices_folder: Path) -> None:
    (devices_folder / "broken.py").write_text(
        "from iotpy.Device import Device\n\nx = 1 / 0\n", encoding="utf-8"
    )
    flow_id = await start(hass)
    result = await hass.config_entries.flow.async_configure(flow_id, {CONF_FOLDER: "pyiot_devices"})
    assert result["errors"] == {CONF_FOLDER: "file_failed"}
    placeholders = result["description_placeholders"]
    assert placeholders["file"] == "broken.py"
    assert placeholders["line"] == "3"
    assert "ZeroDivisionError" in placeholders["error"]

    (devices_folder / "broken.py").write_bytes(b"\xff" * (1024 * 1024 + 1))
    result = await hass.config_entries.flow.async_configure(flow_id, {CONF_FOLDER: "pyiot_devices"})
    assert result["errors"] == {CONF_FOLDER: "file_failed"}
    assert "file_too_large" in result["description_placeholders"]["error"]


async def test_an_import_that_hangs_times_out(hass: HomeAssistant, devices_folder: Path) -> None:
    (devices_folder / "slow.py").write_text("import time\ntime.sleep(1)\n", encoding="utf-8")
    flow_id = await start(hass)
    with patch("custom_components.pyiot.systems.iotpy.config_flow.VALIDATION_TIMEOUT", 0.05):
        result = await hass.config_entries.flow.async_configure(flow_id, {CONF_FOLDER: "pyiot_devices"})
    assert result["errors"] == {CONF_FOLDER: "import_timeout"}


async def test_reconfigure_moves_to_another_folder(
    hass: HomeAssistant, config_dir: Path, iotpy_entry: MockConfigEntry
) -> None:
    shutil.copytree(EXAMPLES, config_dir / "other", ignore=shutil.ignore_patterns("__pycache__"))
    result = await iotpy_entry.start_reconfigure_flow(hass)
    assert result["step_id"] == "reconfigure_iotpy_files"
    result = await hass.config_entries.flow.async_configure(result["flow_id"], {CONF_FOLDER: "missing"})
    assert result["errors"] == {CONF_FOLDER: "folder_not_found"}
    with patch("custom_components.pyiot.async_setup_entry", return_value=True):
        result = await hass.config_entries.flow.async_configure(result["flow_id"], {CONF_FOLDER: "other"})
    assert result["type"] is FlowResultType.ABORT
    assert result["reason"] == "iotpy_files_reconfigured"
    assert iotpy_entry.data[CONF_FOLDER] == "other"
    assert iotpy_entry.unique_id == "iotpy_files:other"
    assert iotpy_entry.title == "IOTpy devices (other)"


async def test_options_keep_the_variable_settings(hass: HomeAssistant, iotpy_entry: MockConfigEntry) -> None:
    hass.config_entries.async_update_entry(
        iotpy_entry, options={**iotpy_entry.options, "variables": {"n": {"k": {"exposure": "switch"}}}}
    )
    with patch("custom_components.pyiot.async_setup_entry", return_value=True):
        result = await hass.config_entries.options.async_init(iotpy_entry.entry_id)
        assert result["type"] is FlowResultType.MENU
        assert result["menu_options"] == ["iotpy_files_watch", "iotpy_variable"]
        result = await hass.config_entries.options.async_configure(
            result["flow_id"], {"next_step_id": "iotpy_files_watch"}
        )
        assert result["step_id"] == "iotpy_files_watch"
        result = await hass.config_entries.options.async_configure(
            result["flow_id"], {CONF_WATCH_INTERVAL: 0, CONF_WATCHDOG: 10.0}
        )
    assert result["type"] is FlowResultType.CREATE_ENTRY
    assert iotpy_entry.options == {
        CONF_WATCH_INTERVAL: 0,
        CONF_WATCHDOG: 10,
        "variables": {"n": {"k": {"exposure": "switch"}}},
    }


async def test_reconfigure_refuses_the_folder_of_another_entry(
    hass: HomeAssistant, config_dir: Path, iotpy_entry: MockConfigEntry
) -> None:
    shutil.copytree(EXAMPLES, config_dir / "other", ignore=shutil.ignore_patterns("__pycache__"))
    MockConfigEntry(
        domain=DOMAIN,
        unique_id="iotpy_files:other",
        data={CONF_ENTRY_TYPE: "iotpy_files", CONF_FOLDER: "other"},
    ).add_to_hass(hass)
    result = await iotpy_entry.start_reconfigure_flow(hass)
    result = await hass.config_entries.flow.async_configure(result["flow_id"], {CONF_FOLDER: "other"})
    assert result["type"] is FlowResultType.ABORT
    assert result["reason"] == "already_configured"
    assert iotpy_entry.data[CONF_FOLDER] == "pyiot_devices"
