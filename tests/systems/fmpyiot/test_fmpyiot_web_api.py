"""End to end with the device's web API: simulated device (MQTT + its raw web server on loopback) →
mosquitto → HA's MQTT → PyIoT, the web API read through HA's aiohttp session."""

import asyncio
from collections.abc import Iterator
import json
from typing import Any

from homeassistant.config_entries import SOURCE_REAUTH
from homeassistant.const import ATTR_ENTITY_ID, EntityCategory
from homeassistant.core import HomeAssistant
from homeassistant.data_entry_flow import FlowResultType
from homeassistant.helpers import device_registry as dr, entity_registry as er
import pytest
from pytest_homeassistant_custom_component.common import MockConfigEntry

from custom_components.pyiot.const import DOMAIN
from custom_components.pyiot.diagnostics import async_get_config_entry_diagnostics
from tests.support.entries import entry_loaded
from tests.support.scripted_node import wait_for
from tests.systems.fmpyiot.conftest import StartDevice
from tools.simulators.fmpyiot_node import DeviceRunner

MAC = "28:cd:c1:00:00:01"  # make_device(0)
WEB_PASSWORD = "secret"  # noqa: S105 - the simulator's


def _web_options(entry: MockConfigEntry, port: int, password: str) -> dict[str, Any]:
    web = {"host": "127.0.0.1", "port": port, "username": "admin", "password": password}
    return {**entry.options, "devices": {MAC: {"web": web}}}


def _entity(hass: HomeAssistant, entry: MockConfigEntry, key: str) -> er.RegistryEntry | None:
    registry = er.async_get(hass)
    entity_id = next(
        (
            entity.entity_id
            for entity in er.async_entries_for_config_entry(registry, entry.entry_id)
            if entity.unique_id == f"{entry.entry_id}:{MAC}:{key}"
        ),
        None,
    )
    return registry.async_get(entity_id) if entity_id else None


def _state(hass: HomeAssistant, entry: MockConfigEntry, key: str) -> str | None:
    entity = _entity(hass, entry, key)
    state = hass.states.get(entity.entity_id) if entity else None
    return None if state is None else state.state


async def _until_known(runner: DeviceRunner, hass: HomeAssistant, entry: MockConfigEntry, key: str) -> None:
    """Feed the watchdog (as the device does every 20 s) until the point's entity has a state."""
    async with asyncio.timeout(30):
        while _state(hass, entry, key) in {None, "unknown", "unavailable"}:
            await runner.feed()
            await asyncio.sleep(0.2)


def _strings(node: object) -> Iterator[str]:
    """Every string value (not key) of a JSON document."""
    if isinstance(node, str):
        yield node
    elif isinstance(node, dict):
        for value in node.values():
            yield from _strings(value)
    elif isinstance(node, list):
        for value in node:
            yield from _strings(value)


async def test_the_web_api_gives_topics_actions_reboot_logging_level_and_log(
    hass: HomeAssistant, mqtt_entry: MockConfigEntry, pyiot_entry: MockConfigEntry, start_device: StartDevice
) -> None:
    runner = await start_device(0, web=True)
    assert runner.web is not None
    runner.web.log_text = (
        "INFO:root: 2026-03-08 06:20:20 : FmPyIOT start.\n"
        f"INFO:root: WiFi connected: 127.0.0.1, mac {MAC}, web user admin / secret\n"
    )
    hass.config_entries.async_update_entry(
        pyiot_entry, options=_web_options(pyiot_entry, runner.web.port, "secret")
    )
    entry = pyiot_entry
    async for _ in entry_loaded(hass, entry):
        await _until_known(runner, hass, entry, "web#logging_level")
        # A topic outside the base that MQTT alone never shows, with its value from /api/status.
        await wait_for(lambda: _state(hass, entry, "/CO_TEST") == "42", timeout=20)
        assert _state(hass, entry, "web#logging_level") == "debug"

        reboot = _entity(hass, entry, "web#reboot")
        select = _entity(hass, entry, "web#logging_level")
        led = _entity(hass, entry, "action#./LED")
        assert reboot is not None
        assert reboot.domain == "button"
        assert reboot.entity_category is EntityCategory.CONFIG
        assert select is not None
        assert select.domain == "select"
        assert led is not None
        assert led.domain == "button"
        assert hass.states.get(reboot.entity_id).name == "FmPyIot SIM 0 Reboot"
        assert hass.states.get(select.entity_id).attributes["options"] == [
            "debug",
            "info",
            "warning",
            "error",
            "critical",
        ]
        device = dr.async_get(hass).async_get_device_by_connection(
            (dr.CONNECTION_NETWORK_MAC, MAC), entry.entry_id
        )
        assert device is not None
        assert device.configuration_url == f"http://127.0.0.1:{runner.web.port}/"

        await hass.services.async_call(
            "select", "select_option", {ATTR_ENTITY_ID: select.entity_id, "option": "error"}, blocking=True
        )
        assert runner.device.logging_level == 40
        await wait_for(lambda: _state(hass, entry, "web#logging_level") == "error")

        # An action the web page lists: a button, its command published (not retained) over MQTT.
        await hass.services.async_call("button", "press", {ATTR_ENTITY_ID: led.entity_id}, blocking=True)
        await wait_for(lambda: runner.device.led, timeout=10)

        # The device log is in the diagnostics, without credentials, addresses or the MAC (node ids are
        # MACs: in keys too, they become `address_<n>`, the same name wherever the MAC was).
        diagnostics = await async_get_config_entry_diagnostics(hass, entry)  # type: ignore[arg-type]
        (record,) = diagnostics["transport"]["devices"]
        assert "FmPyIOT start." in record["web"]["log"]
        values = list(_strings(diagnostics))
        for secret in ("secret", "127.0.0.1", MAC, runner.device.client_id):
            assert not [value for value in values if secret in value], secret
        assert MAC not in json.dumps(diagnostics)
        assert "address_1" in diagnostics["nodes"]
        assert json.dumps(diagnostics["entry"]["options"]["devices"]["address_1"]["web"]) == json.dumps(
            {
                "host": "**REDACTED**",
                "port": runner.web.port,
                "username": "**REDACTED**",
                "password": "**REDACTED**",
            }
        )

        # Reboot through the web API: the device resets (its will says BYE) and comes back.
        await hass.services.async_call("button", "press", {ATTR_ENTITY_ID: reboot.entity_id}, blocking=True)
        await wait_for(lambda: runner.connections == 2, timeout=20)
        await _until_known(runner, hass, entry, "web#logging_level")


@pytest.mark.allow_pyiot_warnings
async def test_refused_credentials_start_a_reauthentication(
    hass: HomeAssistant, mqtt_entry: MockConfigEntry, pyiot_entry: MockConfigEntry, start_device: StartDevice
) -> None:
    runner = await start_device(0, web=True)
    assert runner.web is not None
    hass.config_entries.async_update_entry(
        pyiot_entry, options=_web_options(pyiot_entry, runner.web.port, "old")
    )
    entry = pyiot_entry
    async for _ in entry_loaded(hass, entry):

        def reauth_flows() -> list[Any]:
            return hass.config_entries.flow.async_progress_by_handler(
                DOMAIN, match_context={"source": SOURCE_REAUTH}
            )

        async with asyncio.timeout(30):
            while not reauth_flows():
                await runner.feed()
                await asyncio.sleep(0.2)
        (flow,) = reauth_flows()
        assert flow["context"]["entry_id"] == entry.entry_id
        assert _entity(hass, entry, "web#reboot") is None

        result = await hass.config_entries.flow.async_configure(
            flow["flow_id"], {"username": "admin", "password": "secret"}
        )
        assert result["type"] is FlowResultType.ABORT
        assert result["reason"] == "reauth_successful"
        await hass.async_block_till_done()
        assert entry.options["devices"][MAC]["web"]["password"] == WEB_PASSWORD
        await _until_known(runner, hass, entry, "web#logging_level")
        assert not reauth_flows()
