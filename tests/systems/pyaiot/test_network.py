"""Where the Pyaiot gateways listen, from Home Assistant's network adapters."""

from unittest.mock import patch

from homeassistant.components.network.models import Adapter
from homeassistant.core import HomeAssistant

from custom_components.pyiot.systems.pyaiot.network import async_local_addresses

ADAPTERS: list[Adapter] = [
    Adapter(
        name="eth0",
        index=2,
        enabled=True,
        auto=True,
        default=True,
        ipv4=[{"address": "192.168.1.5", "network_prefix": 24}],
        ipv6=[
            {"address": "fe80::1", "flowinfo": 0, "scope_id": 2, "network_prefix": 64},
            {"address": "fd00::5", "flowinfo": 0, "scope_id": 0, "network_prefix": 64},
        ],
    ),
    Adapter(
        name="wlan0",
        index=3,
        enabled=False,
        auto=False,
        default=False,
        ipv4=[{"address": "10.0.0.5", "network_prefix": 8}],
        ipv6=[],
    ),
]


async def test_addresses_of_the_enabled_adapters(hass: HomeAssistant) -> None:
    with patch("homeassistant.components.network.async_get_adapters", return_value=ADAPTERS):
        addresses = await async_local_addresses(hass)
    assert addresses == ("::1", "127.0.0.1", "192.168.1.5", "fe80::1%eth0", "fd00::5")
