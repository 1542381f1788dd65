"""Fixtures shared by every test: a real mosquitto broker and HA's real MQTT integration on it."""

import asyncio
from collections.abc import AsyncGenerator, Generator
import json
import logging
from pathlib import Path
import tempfile
from typing import Any
from unittest.mock import AsyncMock, patch

import aiohttp
from homeassistant.components import mqtt
from homeassistant.core import HomeAssistant
from homeassistant.data_entry_flow import FlowManager
import pytest
from pytest_homeassistant_custom_component.common import MockConfigEntry
import pytest_socket

from tests.support.fake_transport import fake_entry_kind_registered
from tests.support.mosquitto import Mosquitto, start_mosquitto


def _not_a_slow_callback_report(record: logging.LogRecord) -> bool:
    return not record.getMessage().startswith("Executing <")


# HA's test harness runs the loop in asyncio debug mode, which logs a WARNING for every callback over
# 0.1 s: on a loaded CI machine that says nothing about PyIoT and broke the tests that count warnings.
logging.getLogger("asyncio").addFilter(_not_a_slow_callback_report)


@pytest.fixture(scope="session")
def mosquitto() -> Generator[Mosquitto]:
    """A broker on 127.0.0.1 for the whole session, started by the first test that needs one.

    Sockets are allowed while it starts (pytest-socket blocks them in tests), so that
    `pytest tests/core/thermostat` and the other suites without MQTT never start a broker.
    """
    pytest_socket.enable_socket()
    try:
        broker = start_mosquitto(Path(tempfile.mkdtemp(prefix="pyiot-mosquitto-")))
    finally:
        pytest_socket.socket_allow_hosts(["127.0.0.1"])
        pytest_socket.disable_socket(allow_unix_socket=True)
    yield broker
    broker.stop()


def pytest_configure(config: pytest.Config) -> None:
    """Register our markers."""
    config.addinivalue_line("markers", "allow_pyiot_warnings: the test expects PyIoT to log warnings")


@pytest.fixture(autouse=True)
def no_pyiot_warnings(request: pytest.FixtureRequest, caplog: pytest.LogCaptureFixture) -> Generator[None]:
    """Fail a test when PyIoT (or HA about PyIoT) logs a warning it did not expect."""
    yield
    if request.node.get_closest_marker("allow_pyiot_warnings"):
        return
    ours = [
        record
        for record in caplog.get_records("call") + caplog.get_records("teardown")
        if record.levelno >= logging.WARNING
        and (
            record.name.startswith("custom_components.pyiot")
            or "integration 'pyiot'" in record.getMessage()
            or "integration pyiot" in record.getMessage()
        )
        and "which has not been tested by Home Assistant" not in record.getMessage()
    ]
    assert not ours, "PyIoT logged: " + "; ".join(record.getMessage() for record in ours)


TRANSLATIONS = json.loads(
    (Path(__file__).parent.parent / "custom_components/pyiot/translations/en.json").read_text(
        encoding="utf-8"
    )
)


def _missing_translations(flow: Any, result: Any) -> list[str]:
    """What a PyIoT flow result shows that translations/en.json does not translate."""
    if flow.handler != "pyiot" and getattr(flow, "config_entry", None) is None:
        return []
    section = TRANSLATIONS["options" if flow.__class__.__name__.endswith("OptionsFlow") else "config"]
    missing = []
    match result.get("type"):
        case "form" | "menu":
            step = section["step"].get(result["step_id"])
            if step is None:
                missing.append(f"step {result['step_id']}")
            elif result["type"] == "menu":
                missing += [
                    f"menu option {o}" for o in result["menu_options"] if o not in step["menu_options"]
                ]
            missing += [
                f"error {e}" for e in (result.get("errors") or {}).values() if e not in section["error"]
            ]
        case "abort":
            if result["reason"] not in section.get("abort", {}):
                missing.append(f"abort {result['reason']}")
    return missing


@pytest.fixture(autouse=True)
def check_flow_translations() -> Generator[None]:
    """Every form, menu, error and abort a PyIoT flow shows during the tests has an English text."""
    original = FlowManager._async_handle_step
    missing: list[str] = []

    async def handle_step(self: FlowManager, flow: Any, *args: Any, **kwargs: Any) -> Any:
        result = await original(self, flow, *args, **kwargs)
        if flow.handler == "pyiot" or getattr(getattr(flow, "config_entry", None), "domain", None) == "pyiot":
            missing.extend(_missing_translations(flow, result))
        return result

    with patch.object(FlowManager, "_async_handle_step", handle_step):
        yield
    assert not missing, f"untranslated: {missing}"


@pytest.fixture(autouse=True)
def auto_enable_custom_integrations(enable_custom_integrations: None) -> Generator[None]:
    """Load custom_components/pyiot in every HA test."""
    return


@pytest.fixture
def mqtt_broker(mosquitto: Mosquitto) -> Mosquitto:
    """The broker `mqtt_entry` connects to: the session's; a test module may give its own."""
    return mosquitto


@pytest.fixture
async def mqtt_entry(
    hass: HomeAssistant, socket_enabled: None, mock_hass_config: None, mqtt_broker: Mosquitto
) -> AsyncGenerator[MockConfigEntry]:
    """HA's real MQTT integration, connected to `mqtt_broker` (the session's mosquitto)."""
    entry = MockConfigEntry(
        domain=mqtt.DOMAIN,
        data={mqtt.CONF_BROKER: mqtt_broker.host, "port": mqtt_broker.port},
        version=2,
        minor_version=1,
    )
    entry.add_to_hass(hass)
    assert await hass.config_entries.async_setup(entry.entry_id)
    await hass.async_block_till_done()
    client = hass.data[mqtt.DATA_MQTT].client
    for _ in range(500):
        if client.connected:
            break
        await asyncio.sleep(0.01)
    assert client.connected, "HA's MQTT client did not connect to mosquitto"
    yield entry
    await hass.config_entries.async_unload(entry.entry_id)
    await hass.async_block_till_done()


@pytest.fixture
async def session(socket_enabled: None) -> AsyncGenerator[aiohttp.ClientSession]:
    """A plain aiohttp client for talking to servers on loopback."""
    async with aiohttp.ClientSession() as session:
        yield session


@pytest.fixture
def fake_entry_kind() -> Generator[str]:
    """A node hub entry kind with a transport the test drives (tests/support/fake_transport.py)."""
    with fake_entry_kind_registered() as key, pytest.MonkeyPatch.context() as patch:
        patch.setitem(TRANSLATIONS["config"]["step"]["user"]["menu_options"], key, "Fake nodes")
        yield key


@pytest.fixture
def mock_setup_entry() -> Generator[AsyncMock]:
    """For flow tests: entries are created but not really set up (nor unloaded on an options reload)."""
    with (
        patch("custom_components.pyiot.async_setup_entry", return_value=True) as setup,
        patch("custom_components.pyiot.async_unload_entry", return_value=True),
    ):
        yield setup
