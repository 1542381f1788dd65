"""Network adapters as HA's network integration reports them: one enabled (IPv4, link-local and ULA
IPv6), one disabled."""

from homeassistant.components.network.models import Adapter

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
