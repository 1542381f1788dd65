"""Every entity platform of a BLE GATT device (HA's `snapshot_platform`), and its diagnostics."""

import json

from homeassistant.const import Platform
from homeassistant.core import HomeAssistant
from homeassistant.helpers import entity_registry as er
import pytest
from pytest_homeassistant_custom_component.common import MockConfigEntry, snapshot_platform
from pytest_homeassistant_custom_component.components.diagnostics import get_diagnostics_for_config_entry
from pytest_homeassistant_custom_component.typing import ClientSessionGenerator
from syrupy.assertion import SnapshotAssertion

from tests.support.entries import entry_loaded
from tests.support.platforms import only_platform
from tests.systems.ble.conftest import ENV, until
from tools.simulators.esphome_ble_proxy import EsphomeBleProxy

POLL = {"mode": "poll", "poll_interval": 3600, "idle_timeout": 0}


@pytest.mark.usefixtures("entity_registry_enabled_by_default")
@pytest.mark.parametrize("policy", [POLL])
@pytest.mark.parametrize("platform", [Platform.SENSOR, Platform.NUMBER, Platform.SWITCH, Platform.TEXT])
async def test_platform(
    hass: HomeAssistant,
    platform: Platform,
    proxy_entry: MockConfigEntry,
    ble_entry: MockConfigEntry,
    proxy: EsphomeBleProxy,
    entity_registry: er.EntityRegistry,
    snapshot: SnapshotAssertion,
) -> None:
    with only_platform("ble_gatt", platform):
        async for entry in entry_loaded(hass, ble_entry):
            device = entry.runtime_data.link.device
            await until(lambda d=device: d.diagnostics()["counts"].get("polls"))
            await until(lambda: proxy.free_slots == proxy.slots)
            await hass.async_block_till_done()
            await snapshot_platform(hass, entity_registry, snapshot, entry.entry_id)


@pytest.mark.parametrize("policy", [POLL])
async def test_diagnostics_show_addresses_partially(
    hass: HomeAssistant,
    hass_client: ClientSessionGenerator,
    proxy_entry: MockConfigEntry,
    loaded_ble: MockConfigEntry,
    proxy: EsphomeBleProxy,
) -> None:
    await until(lambda: loaded_ble.runtime_data.link.device.diagnostics()["counts"].get("polls"))
    diagnostics = await get_diagnostics_for_config_entry(hass, hass_client, loaded_ble)
    text = json.dumps(diagnostics)
    for address in (ENV, ENV.lower(), proxy.bluetooth_mac):
        assert address not in text
    assert "XX:XX:XX:XX:00:01" in text
    assert f"XX:XX:XX:XX:{proxy.bluetooth_mac[-5:]}" in text
    assert diagnostics["entry"]["data"]["address"] == "**REDACTED**"
    transport = diagnostics["transport"]
    assert transport["engine"]["counts"]["polls"] == 1
    assert transport["engine"]["policy"]["mode"] == "poll"
    assert transport["advertisement"]["rssi"] == -60
    assert transport["advertisement"]["name"] == "PyIoT Env"
    assert diagnostics["nodes"]["XX:XX:XX:XX:00:01"]["available"] is True
