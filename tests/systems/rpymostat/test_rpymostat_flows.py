"""Config, options and reconfigure flows of the RPyMostat entry."""

from collections.abc import Generator
import socket
from typing import Any
from unittest.mock import AsyncMock, patch

from homeassistant.config_entries import SOURCE_USER
from homeassistant.core import HomeAssistant
from homeassistant.data_entry_flow import FlowResultType
import pytest
from pytest_homeassistant_custom_component.common import MockConfigEntry

from custom_components.pyiot.const import DOMAIN
from custom_components.pyiot.systems.rpymostat import config_flow as rpymostat_flow, engine as adapter
from tests.support.mosquitto import free_port

FORM = {"port": 8088, "allowed_networks": "", "rate_limit": 1.0, "advertise": True}


pytestmark = pytest.mark.usefixtures("mock_setup_entry")


@pytest.fixture
def port_free() -> Generator[AsyncMock]:
    with patch.object(rpymostat_flow, "async_port_available", return_value=True) as mock:
        yield mock


def entry(port: int = 8088, **options: Any) -> MockConfigEntry:
    return MockConfigEntry(
        domain=DOMAIN,
        title=adapter.title(port),
        unique_id=adapter.unique_id(port),
        data={"entry_type": "rpymostat", "port": port},
        options={"allowed_networks": "", "rate_limit": 1.0, "advertise": True, **options},
    )


async def start(hass: HomeAssistant) -> dict[str, Any]:
    result = await hass.config_entries.flow.async_init(DOMAIN, context={"source": SOURCE_USER})
    assert "rpymostat" in result["menu_options"]
    return await hass.config_entries.flow.async_configure(result["flow_id"], {"next_step_id": "rpymostat"})


async def test_create_entry(hass: HomeAssistant, port_free: AsyncMock, mock_setup_entry: AsyncMock) -> None:
    result = await start(hass)
    assert result["type"] is FlowResultType.FORM
    assert result["step_id"] == "rpymostat"
    suggested = {
        str(key): key.description["suggested_value"]
        for key in result["data_schema"].schema
        if key.description
    }
    assert suggested == {"port": 8088, "rate_limit": 1.0, "advertise": True}

    result = await hass.config_entries.flow.async_configure(
        result["flow_id"],
        {**FORM, "port": 9000.0, "token": "  s3cret ", "allowed_networks": "192.168.1.7/24 fd00::/64"},
    )
    assert result["type"] is FlowResultType.CREATE_ENTRY
    assert result["title"] == "RPyMostat sensor hosts (port 9000)"
    assert result["data"] == {"entry_type": "rpymostat", "port": 9000}
    assert result["options"] == {
        "allowed_networks": "192.168.1.0/24, fd00::/64",
        "rate_limit": 1.0,
        "advertise": True,
        "token": "s3cret",
    }
    assert result["result"].unique_id == "rpymostat:9000"
    port_free.assert_awaited_once_with(hass, 9000)
    assert mock_setup_entry.call_count == 1


async def test_invalid_networks_then_fixed(hass: HomeAssistant, port_free: AsyncMock) -> None:
    result = await start(hass)
    result = await hass.config_entries.flow.async_configure(
        result["flow_id"], {**FORM, "allowed_networks": "192.168.1.0/24, kitchen", "token": "  "}
    )
    assert result["type"] is FlowResultType.FORM
    assert result["errors"] == {"allowed_networks": "invalid_networks"}
    port_free.assert_not_awaited()
    result = await hass.config_entries.flow.async_configure(result["flow_id"], {**FORM, "token": "  "})
    assert result["type"] is FlowResultType.CREATE_ENTRY
    assert "token" not in result["options"]


async def test_port_in_use(hass: HomeAssistant, socket_enabled: None) -> None:
    """Really bound: the flow tries the port in the executor."""
    port = free_port()
    with socket.socket() as taken:
        taken.bind(("127.0.0.1", port))
        taken.listen()
        result = await start(hass)
        result = await hass.config_entries.flow.async_configure(result["flow_id"], {**FORM, "port": port})
        assert result["type"] is FlowResultType.FORM
        assert result["errors"] == {"port": "port_unavailable"}
    result = await hass.config_entries.flow.async_configure(result["flow_id"], {**FORM, "port": port})
    assert result["type"] is FlowResultType.CREATE_ENTRY


async def test_one_entry_per_port(hass: HomeAssistant, port_free: AsyncMock) -> None:
    entry().add_to_hass(hass)
    result = await start(hass)
    result = await hass.config_entries.flow.async_configure(result["flow_id"], FORM)
    assert result["type"] is FlowResultType.ABORT
    assert result["reason"] == "already_configured"


async def test_options_flow(hass: HomeAssistant) -> None:
    existing = entry(token="old")  # noqa: S106
    existing.add_to_hass(hass)
    result = await hass.config_entries.options.async_init(existing.entry_id)
    assert result["type"] is FlowResultType.FORM
    assert result["step_id"] == "rpymostat"
    suggested = {
        str(key): key.description["suggested_value"]
        for key in result["data_schema"].schema
        if key.description
    }
    assert suggested == {"token": "old", "allowed_networks": "", "rate_limit": 1.0, "advertise": True}

    options = {"allowed_networks": "10.0.0.0/33", "rate_limit": 0, "advertise": False}
    result = await hass.config_entries.options.async_configure(result["flow_id"], options)
    assert result["type"] is FlowResultType.FORM
    assert result["errors"] == {"allowed_networks": "invalid_networks"}

    options["allowed_networks"] = "10.0.0.0/8"
    result = await hass.config_entries.options.async_configure(result["flow_id"], options)
    assert result["type"] is FlowResultType.CREATE_ENTRY
    assert existing.options == {"allowed_networks": "10.0.0.0/8", "rate_limit": 0.0, "advertise": False}


async def reconfigure(hass: HomeAssistant, existing: MockConfigEntry, port: int) -> dict[str, Any]:
    result = await existing.start_reconfigure_flow(hass)
    assert result["type"] is FlowResultType.FORM
    assert result["step_id"] == "reconfigure_rpymostat"
    return await hass.config_entries.flow.async_configure(result["flow_id"], {"port": port})


async def test_reconfigure_port(hass: HomeAssistant, port_free: AsyncMock) -> None:
    existing = entry()
    existing.add_to_hass(hass)
    result = await reconfigure(hass, existing, 9001)
    assert result["type"] is FlowResultType.ABORT
    assert result["reason"] == "rpymostat_reconfigured"
    assert existing.data == {"entry_type": "rpymostat", "port": 9001}
    assert existing.unique_id == "rpymostat:9001"
    assert existing.title == "RPyMostat sensor hosts (port 9001)"


async def test_reconfigure_same_port(hass: HomeAssistant, port_free: AsyncMock) -> None:
    existing = entry()
    existing.add_to_hass(hass)
    result = await reconfigure(hass, existing, 8088)
    assert result["type"] is FlowResultType.ABORT
    assert result["reason"] == "rpymostat_port_unchanged"
    port_free.assert_not_awaited()


async def test_reconfigure_to_a_port_of_another_entry(hass: HomeAssistant, port_free: AsyncMock) -> None:
    existing = entry()
    existing.add_to_hass(hass)
    entry(9002).add_to_hass(hass)
    result = await reconfigure(hass, existing, 9002)
    assert result["type"] is FlowResultType.ABORT
    assert result["reason"] == "already_configured"
    assert existing.data["port"] == 8088


async def test_reconfigure_to_a_busy_port(hass: HomeAssistant) -> None:
    existing = entry()
    existing.add_to_hass(hass)
    with patch.object(rpymostat_flow, "async_port_available", return_value=False):
        result = await reconfigure(hass, existing, 9003)
    assert result["type"] is FlowResultType.FORM
    assert result["errors"] == {"port": "port_unavailable"}
    assert existing.data["port"] == 8088
