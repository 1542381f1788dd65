"""Where the Pyaiot gateways listen and whom they accept: from Home Assistant's network settings."""

from ipaddress import ip_address
from typing import Final

from homeassistant.components import network
from homeassistant.core import HomeAssistant

LOOPBACK_ADDRESSES: Final = ("::1", "127.0.0.1")
"""Always bound: nodes (and simulators) on Home Assistant's own host."""


async def async_local_addresses(hass: HomeAssistant) -> tuple[str, ...]:
    """Loopback and the addresses of the adapters enabled in HA's network settings.

    Link-local IPv6 addresses carry their interface (`fe80::1%eth0`), as 6LoWPAN border routers need.
    """
    addresses = list(LOOPBACK_ADDRESSES)
    for adapter in await network.async_get_adapters(hass):
        if not adapter["enabled"]:
            continue
        addresses += [ipv4["address"] for ipv4 in adapter["ipv4"]]
        for ipv6 in adapter["ipv6"]:
            link_local = ip_address(ipv6["address"]).is_link_local
            addresses.append(f"{ipv6['address']}%{adapter['name']}" if link_local else ipv6["address"])
    return tuple(dict.fromkeys(addresses))
