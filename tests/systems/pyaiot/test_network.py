"""Where the Pyaiot gateways listen, from Home Assistant's network adapters."""

from unittest.mock import patch

from homeassistant.core import HomeAssistant

from custom_components.pyiot.systems.pyaiot.network import async_local_addresses
from tests.support.network_adapters import ADAPTERS


async def test_addresses_of_the_enabled_adapters(hass: HomeAssistant) -> None:
    with patch("homeassistant.components.network.async_get_adapters", return_value=ADAPTERS):
        addresses = await async_local_addresses(hass)
    assert addresses == ("::1", "127.0.0.1", "192.168.1.5", "fe80::1%eth0", "fd00::5")
