"""scripts/develop's BLE provisioning, against a real Home Assistant: its REST API, esphome and bluetooth.

`tools.develop_systems._provision_ble` runs in a thread as scripts/develop runs it (blocking HTTP to
HA's API), on the peripherals the develop simulator serves, through HA's own HTTP server on loopback.
"""

from unittest.mock import MagicMock

from homeassistant.core import HomeAssistant
from homeassistant.setup import async_setup_component
from pytest_homeassistant_custom_component.typing import ClientSessionGenerator

from custom_components.pyiot.const import DOMAIN
from tests.systems.ble.conftest import until
from tools.develop import HomeAssistant as HomeAssistantApi
from tools.develop_systems import BLE_DEVICES, BLE_PERIPHERALS, DEV_SYSTEMS, Settings
from tools.simulators.esphome_ble_proxy import EsphomeBleProxy, peripherals_of


async def test_provisioning_adds_the_proxy_and_the_devices(
    hass: HomeAssistant,
    hass_client: ClientSessionGenerator,
    hass_access_token: str,
    enable_bluetooth: None,
    mock_async_zeroconf: MagicMock,
    socket_enabled: None,
) -> None:
    (system,) = [s for s in DEV_SYSTEMS if s.name == "BLE GATT devices"]
    peripherals = peripherals_of(BLE_PERIPHERALS)
    assert [(p.address, p.name) for p in peripherals[:2]] == [(a, n) for a, n, _ in BLE_DEVICES]
    async with EsphomeBleProxy(peripherals, port=0, advertise_interval=0.05) as proxy:
        settings = Settings(mqtt_port=0, nodes=0, ports={"ble_proxy": proxy.port})
        (simulator,) = system.simulators(settings)
        assert simulator.args == ("--port", str(proxy.port), "--peripherals", BLE_PERIPHERALS)
        assert await async_setup_component(hass, "homeassistant", {})
        assert await async_setup_component(hass, "config", {})
        # Before the API client starts: HA's test HTTP server takes no new views after that.
        assert await async_setup_component(hass, "esphome", {})
        assert await async_setup_component(hass, DOMAIN, {})
        client = await hass_client()
        api = HomeAssistantApi(str(client.make_url("/")))
        api.token = hass_access_token

        said = await hass.async_add_executor_job(system.provision, api, settings, 30.0)
        assert said.startswith(f"ESPHome proxy on port {proxy.port}; PyIoT Env: added entry `PyIoT Env`;")
        entries = {e.title: e for e in hass.config_entries.async_entries(DOMAIN)}
        assert entries["PyIoT Env"].options["policy"]["mode"] == "persistent"
        assert entries["PyIoT Env 2"].options["policy"]["mode"] == "poll"
        assert len(entries["PyIoT Env"].options["characteristics"]) == 6, "what the explorer ticks"
        await until(
            lambda: (state := hass.states.get("sensor.pyiot_env_temperature")) and state.state == "21.5"
        )

        again = await hass.async_add_executor_job(system.provision, api, settings, 30.0)
        assert again == "PyIoT Env: the entry exists already; PyIoT Env 2: the entry exists already"
        for entry in entries.values():
            assert await hass.config_entries.async_unload(entry.entry_id)
        for entry in hass.config_entries.async_entries("esphome"):
            assert await hass.config_entries.async_unload(entry.entry_id)
