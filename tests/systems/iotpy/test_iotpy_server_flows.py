"""Config, reconfigure and options flows of the remote IOTpy server entry, against the simulator."""

import json
from typing import Any

from aiohttp import web
from homeassistant import config_entries
from homeassistant.core import HomeAssistant
from homeassistant.data_entry_flow import FlowResultType
import pytest
from pytest_homeassistant_custom_component.common import MockConfigEntry

from custom_components.pyiot.const import CONF_ENTRY_TYPE, DOMAIN
from custom_components.pyiot.systems.iotpy.const import (
    CONF_NODE_ID,
    CONF_POLL_INTERVAL,
    CONF_PREFIX,
    CONF_STALE_AFTER,
    CONF_URL,
    CONF_VARIABLES,
)
from tests.support.entries import entry_loaded
from tests.support.mosquitto import free_port
from tests.systems.iotpy.conftest import SERVER_NODE
from tools.simulators.iotpy_server import IotpyServerSim, SimDevice, example_device


async def start(hass: HomeAssistant) -> str:
    result = await hass.config_entries.flow.async_init(DOMAIN, context={"source": config_entries.SOURCE_USER})
    result = await hass.config_entries.flow.async_configure(
        result["flow_id"], {"next_step_id": "iotpy_server"}
    )
    assert result["type"] is FlowResultType.FORM
    assert result["step_id"] == "iotpy_server"
    return result["flow_id"]


@pytest.mark.usefixtures("mock_setup_entry")
async def test_a_server_becomes_an_entry(hass: HomeAssistant, iotpy_sim: IotpyServerSim) -> None:
    flow_id = await start(hass)
    result = await hass.config_entries.flow.async_configure(
        flow_id, {CONF_URL: f"127.0.0.1:{iotpy_sim.port}/", CONF_PREFIX: ""}
    )
    assert result["type"] is FlowResultType.CREATE_ENTRY
    node = f"127.0.0.1:{iotpy_sim.port}"
    assert result["title"] == f"IOTpy server {node}"
    assert result["data"] == {
        CONF_ENTRY_TYPE: "iotpy_server",
        CONF_URL: iotpy_sim.url,
        CONF_PREFIX: "",
        CONF_NODE_ID: node,
    }
    assert result["options"] == {CONF_POLL_INTERVAL: 2, CONF_STALE_AFTER: 30}
    assert result["result"].unique_id == f"iotpy_server:{node}"
    assert iotpy_sim.requests[("GET", "/variables")] == 1
    assert not any(path == "/restart" for _, path in iotpy_sim.requests)

    flow_id = await start(hass)
    result = await hass.config_entries.flow.async_configure(flow_id, {CONF_URL: iotpy_sim.url})
    assert result["type"] is FlowResultType.ABORT
    assert result["reason"] == "already_configured"


@pytest.mark.usefixtures("mock_setup_entry")
async def test_prefix_and_legacy_servers(hass: HomeAssistant, socket_enabled: None) -> None:
    sim = IotpyServerSim([example_device()], prefix="iot", legacy=True, period=None)
    await sim.start()
    try:
        flow_id = await start(hass)
        result = await hass.config_entries.flow.async_configure(flow_id, {CONF_URL: sim.url})
        assert result["errors"] == {"base": "iotpy_server_not_found"}
        result = await hass.config_entries.flow.async_configure(
            flow_id, {CONF_URL: sim.url, CONF_PREFIX: "/iot/"}
        )
    finally:
        await sim.stop()
    assert result["type"] is FlowResultType.CREATE_ENTRY
    assert result["data"][CONF_PREFIX] == "iot"
    assert result["data"][CONF_NODE_ID] == f"127.0.0.1:{sim.port}/iot"


def _answer(status: int, body: bytes, content_type: str) -> web.Response:
    return web.Response(status=status, body=body, content_type=content_type)


@pytest.mark.parametrize(
    ("answer", "error"),
    [
        (_answer(200, b"<html><body>Login</body></html>", "text/html"), "iotpy_server_html"),
        (_answer(200, b'{"a": [1, 2]}', "application/json"), "iotpy_server_not_iotpy"),
        (_answer(200, b'[{"name": "x", "value": 1', "application/json"), "iotpy_server_not_json"),
        (_answer(200, b"\xff\xfe[]", "application/json"), "iotpy_server_not_utf8"),
        (_answer(500, b"oops", "text/plain"), "iotpy_server_http_status"),
        (_answer(200, b"[" + b" " * (3 * 1024 * 1024) + b"]", "application/json"), "iotpy_server_too_large"),
    ],
)
async def test_answers_that_are_not_an_iotpy_server(
    hass: HomeAssistant, iotpy_sim: IotpyServerSim, answer: web.Response, error: str
) -> None:
    iotpy_sim.override = lambda _request: answer
    flow_id = await start(hass)
    result = await hass.config_entries.flow.async_configure(flow_id, {CONF_URL: iotpy_sim.url})
    assert result["type"] is FlowResultType.FORM
    assert result["errors"] == {"base": error}
    assert result["description_placeholders"]["error"]


@pytest.mark.parametrize(
    ("url", "prefix", "error"),
    [
        ("ftp://example.com", "", "iotpy_server_invalid_url"),
        ("http://", "", "iotpy_server_invalid_url"),
        ("http://127.0.0.1:8085", "a/b", "iotpy_server_invalid_prefix"),
    ],
)
async def test_addresses_that_cannot_be_used(hass: HomeAssistant, url: str, prefix: str, error: str) -> None:
    flow_id = await start(hass)
    result = await hass.config_entries.flow.async_configure(flow_id, {CONF_URL: url, CONF_PREFIX: prefix})
    assert result["errors"] == {"base": error}


async def test_nothing_listening(hass: HomeAssistant, socket_enabled: None) -> None:
    flow_id = await start(hass)
    result = await hass.config_entries.flow.async_configure(
        flow_id, {CONF_URL: f"http://127.0.0.1:{free_port()}"}
    )
    assert result["errors"] == {"base": "iotpy_server_cannot_connect"}


@pytest.mark.usefixtures("mock_setup_entry")
async def test_reconfigure_moves_the_server(
    hass: HomeAssistant, server_entry: MockConfigEntry, socket_enabled: None
) -> None:
    moved = IotpyServerSim(period=None)
    await moved.start()
    other = MockConfigEntry(
        domain=DOMAIN,
        unique_id="iotpy_server:127.0.0.1:1",
        data={CONF_ENTRY_TYPE: "iotpy_server", CONF_URL: "http://127.0.0.1:1", CONF_NODE_ID: "x"},
    )
    other.add_to_hass(hass)
    try:
        result = await server_entry.start_reconfigure_flow(hass)
        assert result["step_id"] == "reconfigure_iotpy_server"
        result = await hass.config_entries.flow.async_configure(
            result["flow_id"], {CONF_URL: moved.url, CONF_PREFIX: "nope"}
        )
        assert result["errors"] == {"base": "iotpy_server_not_found"}
        result = await hass.config_entries.flow.async_configure(result["flow_id"], {CONF_URL: moved.url})
    finally:
        await moved.stop()
    assert result["type"] is FlowResultType.ABORT
    assert result["reason"] == "iotpy_server_reconfigured"
    assert server_entry.data[CONF_URL] == moved.url
    assert server_entry.data[CONF_NODE_ID] == SERVER_NODE, "the device keeps its identity"
    assert server_entry.unique_id == f"iotpy_server:127.0.0.1:{moved.port}"
    assert server_entry.title == f"IOTpy server 127.0.0.1:{moved.port}"


async def test_reconfigure_refuses_the_server_of_another_entry(
    hass: HomeAssistant, server_entry: MockConfigEntry, socket_enabled: None
) -> None:
    taken = IotpyServerSim(period=None)
    await taken.start()
    MockConfigEntry(
        domain=DOMAIN,
        unique_id=f"iotpy_server:127.0.0.1:{taken.port}",
        data={CONF_ENTRY_TYPE: "iotpy_server", CONF_URL: taken.url, CONF_NODE_ID: "x"},
    ).add_to_hass(hass)
    try:
        result = await server_entry.start_reconfigure_flow(hass)
        result = await hass.config_entries.flow.async_configure(result["flow_id"], {CONF_URL: taken.url})
    finally:
        await taken.stop()
    assert result["type"] is FlowResultType.ABORT
    assert result["reason"] == "already_configured"


async def options_menu(hass: HomeAssistant, entry: MockConfigEntry, step: str) -> dict[str, Any]:
    result = await hass.config_entries.options.async_init(entry.entry_id)
    assert result["type"] is FlowResultType.MENU
    assert result["menu_options"] == ["iotpy_server_polling", "iotpy_variable"]
    return dict(await hass.config_entries.options.async_configure(result["flow_id"], {"next_step_id": step}))


@pytest.mark.usefixtures("mock_setup_entry")
async def test_polling_options(hass: HomeAssistant, server_entry: MockConfigEntry) -> None:
    result = await options_menu(hass, server_entry, "iotpy_server_polling")
    assert result["step_id"] == "iotpy_server_polling"
    result = dict(
        await hass.config_entries.options.async_configure(
            result["flow_id"], {CONF_POLL_INTERVAL: 5.0, CONF_STALE_AFTER: 60.0}
        )
    )
    assert result["type"] is FlowResultType.CREATE_ENTRY
    assert server_entry.options == {CONF_POLL_INTERVAL: 5, CONF_STALE_AFTER: 60}


@pytest.mark.usefixtures("mock_setup_entry")
async def test_variables_need_a_running_entry(hass: HomeAssistant, server_entry: MockConfigEntry) -> None:
    result = await options_menu(hass, server_entry, "iotpy_variable")
    assert result["type"] is FlowResultType.ABORT
    assert result["reason"] == "iotpy_no_variables"


async def choose(hass: HomeAssistant, entry: MockConfigEntry, variable: str, exposure: str) -> dict[str, Any]:
    result = await options_menu(hass, entry, "iotpy_variable")
    assert result["step_id"] == "iotpy_variable"
    return dict(
        await hass.config_entries.options.async_configure(
            result["flow_id"], {"variable": json.dumps([SERVER_NODE, variable]), "exposure": exposure}
        )
    )


async def test_a_variable_becomes_a_number_then_a_text_sensor(
    hass: HomeAssistant, server_entry: MockConfigEntry, iotpy_sim: IotpyServerSim
) -> None:
    labels = SimDevice("texts")
    label = labels.add("label", "a text")
    label.value, label.status = "hello", 1  # upstream's gauge refuses text; a device may still show it
    iotpy_sim.replace_devices([*iotpy_sim.devices, labels])
    async for entry in entry_loaded(hass, server_entry):
        await entry.runtime_data.transport.coordinator.async_refresh()

        result = await choose(hass, entry, "setpoint", "number")
        assert result["step_id"] == "iotpy_variable_settings"
        assert result["description_placeholders"] == {
            "variable": "setpoint (target temperature)",
            "platform": "number",
        }
        result = dict(
            await hass.config_entries.options.async_configure(
                result["flow_id"], {"unit": "°C", "minimum": 30.0, "maximum": 5.0}
            )
        )
        assert result["errors"] == {"base": "iotpy_bad_range"}
        result = dict(
            await hass.config_entries.options.async_configure(
                result["flow_id"], {"unit": "°C", "minimum": 5.0, "maximum": 30.0, "step": 0.0}
            )
        )
        assert result["errors"] == {"base": "iotpy_bad_step"}
        result = dict(
            await hass.config_entries.options.async_configure(
                result["flow_id"],
                {"unit": "°C", "device_class": "temperature", "minimum": 5.0, "maximum": 30.0, "step": 0.5},
            )
        )
        assert result["type"] is FlowResultType.CREATE_ENTRY
        await hass.async_block_till_done()
        assert entry.options[CONF_VARIABLES] == {
            SERVER_NODE: {
                "setpoint": {
                    "exposure": "number",
                    "unit": "°C",
                    "device_class": "temperature",
                    "minimum": 5.0,
                    "maximum": 30.0,
                    "step": 0.5,
                }
            }
        }

        # A text variable has nothing to set: chosen, saved. Back to automatic: the setting goes.
        result = await choose(hass, entry, "label", "auto")
        assert result["type"] is FlowResultType.CREATE_ENTRY
        await hass.async_block_till_done()
        result = await choose(hass, entry, "setpoint", "auto")
        assert result["step_id"] == "iotpy_variable_settings"
        result = dict(await hass.config_entries.options.async_configure(result["flow_id"], {}))
        assert result["type"] is FlowResultType.CREATE_ENTRY
        await hass.async_block_till_done()
        assert entry.options[CONF_VARIABLES] == {}
        assert entry.options[CONF_POLL_INTERVAL] == 2
