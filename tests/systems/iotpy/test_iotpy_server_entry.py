"""The remote IOTpy server entry in a real Home Assistant, polling the simulated upstream server over HTTP."""

import asyncio
import logging
from typing import Any
from unittest.mock import patch

from aiohttp import web
from homeassistant.const import STATE_OFF, STATE_ON, STATE_UNAVAILABLE
from homeassistant.core import HomeAssistant
from homeassistant.exceptions import HomeAssistantError, ServiceValidationError
from homeassistant.helpers import device_registry as dr, entity_registry as er
import pytest
from pytest_homeassistant_custom_component.common import MockConfigEntry
from pytest_homeassistant_custom_component.components.diagnostics import get_diagnostics_for_config_entry
from pytest_homeassistant_custom_component.typing import ClientSessionGenerator

from custom_components.pyiot.const import DOMAIN
from custom_components.pyiot.systems.iotpy.const import CONF_POLL_INTERVAL, CONF_STALE_AFTER, CONF_VARIABLES
from custom_components.pyiot.systems.iotpy.server import IotpyServerTransport
from tests.support.entries import entry_loaded
from tests.systems.iotpy.conftest import SERVER_ENTRY_ID, SERVER_NODE
from tools.simulators.iotpy_server import IotpyServerSim, bulk_device, example_device

EXPOSED = {
    CONF_POLL_INTERVAL: 2,
    CONF_STALE_AFTER: 30,
    CONF_VARIABLES: {
        SERVER_NODE: {
            "setpoint": {"exposure": "number", "unit": "°C", "minimum": 5.0, "maximum": 30.0},
            "relay": {"exposure": "switch"},
            "refusing": {"exposure": "number"},
            "exploding": {"exposure": "number"},
        }
    },
}


def transport_of(entry: MockConfigEntry) -> IotpyServerTransport:
    transport = entry.runtime_data.transport
    assert isinstance(transport, IotpyServerTransport)
    return transport


async def poll(hass: HomeAssistant, entry: MockConfigEntry) -> None:
    """One poll now (the coordinator polls every interval by itself too)."""
    await hass.async_block_till_done(wait_background_tasks=True)
    await transport_of(entry).coordinator.async_refresh()
    await hass.async_block_till_done()


def entity_id(hass: HomeAssistant, platform: str, key: str) -> str | None:
    return er.async_get(hass).async_get_entity_id(platform, DOMAIN, f"{SERVER_ENTRY_ID}:{SERVER_NODE}:{key}")


def state_of(hass: HomeAssistant, platform: str, key: str) -> str | None:
    found = entity_id(hass, platform, key)
    state = hass.states.get(found) if found is not None else None
    return state.state if state is not None else None


async def test_the_server_is_one_device_with_its_variables(
    hass: HomeAssistant, loaded_server: MockConfigEntry, iotpy_sim: IotpyServerSim
) -> None:
    await poll(hass, loaded_server)
    sim_value = iotpy_sim.devices[0].variables["test0"].value
    assert float(state_of(hass, "sensor", "test0") or "nan") == pytest.approx(sim_value)
    assert state_of(hass, "sensor", "alwais_fail") == STATE_UNAVAILABLE, "status 2"
    assert state_of(hass, "sensor", "numeric_text") == "3.5"
    assert state_of(hass, "sensor", "not_finite") == STATE_UNAVAILABLE
    assert state_of(hass, "sensor", "infinite") == STATE_UNAVAILABLE
    assert state_of(hass, "binary_sensor", "relay") == STATE_OFF
    assert entity_id(hass, "sensor", "never_set") is None, "no value yet: no entity yet"
    devices = dr.async_entries_for_config_entry(dr.async_get(hass), loaded_server.entry_id)
    assert len(devices) == 1
    device = devices[0]
    assert (device.name, device.manufacturer, device.model) == (
        "IOTpy server test",
        "IOTpy",
        "IOTpy 0.3 server",
    )
    assert device.configuration_url == f"{iotpy_sim.url}/"
    assert device.identifiers == {(DOMAIN, f"{SERVER_ENTRY_ID}:{SERVER_NODE}")}

    iotpy_sim.tick()
    await poll(hass, loaded_server)
    assert float(state_of(hass, "sensor", "test0") or "nan") == pytest.approx(
        iotpy_sim.devices[0].variables["test0"].value
    )
    never_set = iotpy_sim.devices[2].variables["never_set"]
    never_set.set_value(4)
    await poll(hass, loaded_server)
    assert state_of(hass, "sensor", "never_set") == "4"
    assert not any(path.endswith("/restart") for _, path in iotpy_sim.requests)


@pytest.mark.allow_pyiot_warnings
async def test_a_server_that_goes_away_and_comes_back(
    hass: HomeAssistant,
    loaded_server: MockConfigEntry,
    iotpy_sim: IotpyServerSim,
    caplog: pytest.LogCaptureFixture,
) -> None:
    await poll(hass, loaded_server)
    assert state_of(hass, "sensor", "test1") not in {None, STATE_UNAVAILABLE}
    port = iotpy_sim.port
    await iotpy_sim.stop()
    caplog.clear()
    for _ in range(3):
        await poll(hass, loaded_server)
    assert state_of(hass, "sensor", "test1") == STATE_UNAVAILABLE
    assert state_of(hass, "binary_sensor", "relay") == STATE_UNAVAILABLE
    errors = [record for record in caplog.records if record.levelno >= logging.WARNING]
    assert len(errors) == 1, "one log line for the outage, not one per poll"
    assert "cannot be read" in errors[0].getMessage()

    await iotpy_sim.start(port=port)
    await poll(hass, loaded_server)
    assert state_of(hass, "sensor", "test1") not in {None, STATE_UNAVAILABLE}
    assert state_of(hass, "binary_sensor", "relay") == STATE_OFF


def _html(_request: web.Request) -> web.Response:
    return web.Response(body=b"<html>maintenance</html>", content_type="text/html")


def _huge(_request: web.Request) -> web.Response:
    return web.Response(body=b"[" + b" " * (50 * 1024 * 1024) + b"]", content_type="application/json")


def _not_json(_request: web.Request) -> web.Response:
    return web.Response(body=b'[{"name": "test0", "value": 1', content_type="application/json")


@pytest.mark.allow_pyiot_warnings
@pytest.mark.parametrize("answer", [_html, _huge, _not_json, None])
async def test_bad_answers_make_the_server_unavailable_and_nothing_else(
    hass: HomeAssistant, server_entry: MockConfigEntry, iotpy_sim: IotpyServerSim, answer: Any
) -> None:
    with patch("custom_components.pyiot.systems.iotpy.server.SERVER_TIMEOUT", 0.3):
        async for entry in entry_loaded(hass, server_entry):
            await poll(hass, entry)
            assert state_of(hass, "sensor", "test0") not in {None, STATE_UNAVAILABLE}
            iotpy_sim.override = answer
            iotpy_sim.delay = 1.0 if answer is None else 0.0  # None: a server slower than the timeout
            await poll(hass, entry)
            assert state_of(hass, "sensor", "test0") == STATE_UNAVAILABLE
            assert transport_of(entry).diagnostics()["last_error"]
            iotpy_sim.override = None
            iotpy_sim.delay = 0
            await poll(hass, entry)
            assert state_of(hass, "sensor", "test0") not in {None, STATE_UNAVAILABLE}


@pytest.mark.allow_pyiot_warnings
async def test_an_answer_that_breaks_off(hass: HomeAssistant, socket_enabled: None) -> None:
    async def handle(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        while await reader.readline() not in {b"\r\n", b""}:
            pass
        writer.write(b"HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nContent-Length: 999\r\n\r\n[{")
        await writer.drain()
        writer.close()

    server = await asyncio.start_server(handle, "127.0.0.1", 0)
    port = server.sockets[0].getsockname()[1]
    entry = MockConfigEntry(
        domain=DOMAIN,
        title="IOTpy server broken",
        data={"entry_type": "iotpy_server", "url": f"http://127.0.0.1:{port}", "prefix": "", "node_id": "b"},
        options={CONF_POLL_INTERVAL: 2, CONF_STALE_AFTER: 30},
    )
    entry.add_to_hass(hass)
    try:
        async for loaded in entry_loaded(hass, entry):
            await poll(hass, loaded)
            assert "truncated" in str(transport_of(loaded).coordinator.last_exception)
            assert er.async_entries_for_config_entry(er.async_get(hass), loaded.entry_id) == []
    finally:
        server.close()
        await server.wait_closed()


async def test_a_frozen_variable_becomes_stale(
    hass: HomeAssistant, server_entry: MockConfigEntry, iotpy_sim: IotpyServerSim
) -> None:
    hass.config_entries.async_update_entry(
        server_entry, options={CONF_POLL_INTERVAL: 2, CONF_STALE_AFTER: 0.5}
    )
    async for entry in entry_loaded(hass, server_entry):
        await poll(hass, entry)
        assert state_of(hass, "sensor", "test0") not in {None, STATE_UNAVAILABLE}
        await asyncio.sleep(0.6)  # no tick: upstream's dead device thread, its lastUpdate_ms frozen
        await poll(hass, entry)
        assert state_of(hass, "sensor", "test0") == STATE_UNAVAILABLE
        assert transport_of(entry).view.get("test0").reason == "stale"  # type: ignore[union-attr]
        iotpy_sim.tick()
        await poll(hass, entry)
        assert state_of(hass, "sensor", "test0") not in {None, STATE_UNAVAILABLE}


async def test_a_server_restarted_with_other_devices(
    hass: HomeAssistant, loaded_server: MockConfigEntry, iotpy_sim: IotpyServerSim
) -> None:
    await poll(hass, loaded_server)
    assert state_of(hass, "sensor", "setpoint") == "20.0"
    iotpy_sim.replace_devices([example_device(), bulk_device(2)])
    iotpy_sim.tick()
    await poll(hass, loaded_server)
    assert state_of(hass, "sensor", "setpoint") == STATE_UNAVAILABLE, "gone: kept, unavailable"
    assert state_of(hass, "sensor", "v000") not in {None, STATE_UNAVAILABLE}
    assert state_of(hass, "sensor", "v001") not in {None, STATE_UNAVAILABLE}
    assert transport_of(loaded_server).view.get("setpoint").reason == "missing"  # type: ignore[union-attr]


@pytest.mark.parametrize("server_options", [EXPOSED])
async def test_writes_through_number_and_switch(
    hass: HomeAssistant, loaded_server: MockConfigEntry, iotpy_sim: IotpyServerSim
) -> None:
    await poll(hass, loaded_server)
    number = entity_id(hass, "number", "setpoint")
    switch = entity_id(hass, "switch", "relay")
    assert number is not None
    assert switch is not None
    assert hass.states.get(number).attributes["unit_of_measurement"] == "°C"  # type: ignore[union-attr]
    await hass.services.async_call("number", "set_value", {"entity_id": number, "value": 21.5}, blocking=True)
    assert iotpy_sim.devices[1].variables["setpoint"].value == 21.5
    assert state_of(hass, "number", "setpoint") == "21.5", "the server's answer after the write"
    await hass.services.async_call("switch", "turn_on", {"entity_id": switch}, blocking=True)
    assert state_of(hass, "switch", "relay") == STATE_ON
    await hass.services.async_call("switch", "turn_off", {"entity_id": switch}, blocking=True)
    assert state_of(hass, "switch", "relay") == STATE_OFF
    assert iotpy_sim.devices[1].written[-1] == ("relay", False)


@pytest.mark.parametrize("server_options", [EXPOSED])
@pytest.mark.parametrize(
    ("key", "translation_key"),
    [("refusing", "iotpy_write_refused"), ("exploding", "iotpy_write_failed")],
)
async def test_write_errors_are_translated(
    hass: HomeAssistant, loaded_server: MockConfigEntry, key: str, translation_key: str
) -> None:
    await poll(hass, loaded_server)
    with pytest.raises(HomeAssistantError) as caught:
        await hass.services.async_call(
            "number", "set_value", {"entity_id": entity_id(hass, "number", key), "value": 3}, blocking=True
        )
    assert caught.value.translation_key == translation_key
    assert caught.value.translation_placeholders["device"] == "IOTpy server test"
    assert caught.value.translation_placeholders["variable"] == key


@pytest.mark.allow_pyiot_warnings
async def test_the_write_action(
    hass: HomeAssistant, loaded_server: MockConfigEntry, iotpy_sim: IotpyServerSim
) -> None:
    await poll(hass, loaded_server)
    device = dr.async_entries_for_config_entry(dr.async_get(hass), loaded_server.entry_id)[0]
    await hass.services.async_call(
        DOMAIN, "iotpy_write", {"device_id": device.id, "variable": "setpoint", "value": 18}, blocking=True
    )
    assert iotpy_sim.devices[1].variables["setpoint"].value == 18
    assert iotpy_sim.write_bodies[-1] == b'{"name": "setpoint", "value": 18}'

    with pytest.raises(HomeAssistantError) as caught:
        await hass.services.async_call(
            DOMAIN, "iotpy_write", {"device_id": device.id, "variable": "nope", "value": 1}, blocking=True
        )
    assert caught.value.translation_key == "iotpy_unknown_variable"

    with pytest.raises(ServiceValidationError) as refused:
        await hass.services.async_call(
            DOMAIN, "iotpy_write", {"device_id": "not-a-device", "variable": "x", "value": 1}, blocking=True
        )
    assert refused.value.translation_key == "iotpy_not_a_device"

    await iotpy_sim.stop()
    await poll(hass, loaded_server)
    with pytest.raises(HomeAssistantError) as offline:
        await hass.services.async_call(
            DOMAIN, "iotpy_write", {"device_id": device.id, "variable": "setpoint", "value": 1}, blocking=True
        )
    assert offline.value.translation_key == "node_unavailable"


@pytest.mark.allow_pyiot_warnings
async def test_entities_exist_after_a_restart_and_follow_new_options(
    hass: HomeAssistant, server_entry: MockConfigEntry, iotpy_sim: IotpyServerSim
) -> None:
    async for entry in entry_loaded(hass, server_entry):
        await poll(hass, entry)
        assert state_of(hass, "sensor", "setpoint") == "20.0"
        sensor = entity_id(hass, "sensor", "setpoint")
        assert sensor is not None
    await iotpy_sim.stop()
    hass.config_entries.async_update_entry(server_entry, options=EXPOSED)
    async for _entry in entry_loaded(hass, server_entry):
        # Before any answer: the stored entities exist, unavailable, already as the options say.
        assert state_of(hass, "number", "setpoint") == STATE_UNAVAILABLE
        assert state_of(hass, "switch", "relay") == STATE_UNAVAILABLE
        assert entity_id(hass, "sensor", "setpoint") is None, "the old sensor's registry entry is gone"
        assert entity_id(hass, "number", "setpoint") == "number." + sensor.split(".", 1)[1]
        assert entity_id(hass, "binary_sensor", "relay") is None


async def test_diagnostics_redact_the_address(
    hass: HomeAssistant, loaded_server: MockConfigEntry, hass_client: ClientSessionGenerator
) -> None:
    await poll(hass, loaded_server)
    diagnostics = await get_diagnostics_for_config_entry(hass, hass_client, loaded_server)
    assert diagnostics["entry"]["data"]["url"] == "**REDACTED**"
    transport = diagnostics["transport"]
    assert transport["address"] == "**REDACTED**"
    assert transport["last_update_success"] is True
    assert transport["server"]["format"] == "summaries"
    assert transport["server"]["variables"]["alwais_fail"] == {
        "kind": "number",
        "available": False,
        "reason": "status",
        "status": 2,
        "error": "UKNOWN FAILURE",
    }
    assert "127.0.0.1" not in str(diagnostics)


@pytest.mark.allow_pyiot_warnings
async def test_a_deleted_server_device_comes_back_with_the_server(
    hass: HomeAssistant, loaded_server: MockConfigEntry, iotpy_sim: IotpyServerSim
) -> None:
    await poll(hass, loaded_server)
    registry = dr.async_get(hass)
    device = dr.async_entries_for_config_entry(registry, loaded_server.entry_id)[0]
    assert not loaded_server.runtime_data.async_remove_device(device), "refused while the server answers"
    port = iotpy_sim.port
    await iotpy_sim.stop()
    await poll(hass, loaded_server)
    assert loaded_server.runtime_data.async_remove_device(device)
    registry.async_remove_device(device.id)
    await iotpy_sim.start(port=port)
    await poll(hass, loaded_server)
    assert state_of(hass, "sensor", "test0") not in {None, STATE_UNAVAILABLE}
    assert len(dr.async_entries_for_config_entry(registry, loaded_server.entry_id)) == 1
