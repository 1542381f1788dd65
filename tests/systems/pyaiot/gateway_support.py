"""What the tests of the Pyaiot CoAP, WebSocket and broker entries share: free ports, entries, states."""

import asyncio
from collections.abc import Callable, Mapping
import socket
from typing import Any

from homeassistant.const import EVENT_STATE_CHANGED
from homeassistant.core import Event, EventStateChangedData, HomeAssistant, callback
from homeassistant.helpers import entity_registry as er
from pytest_homeassistant_custom_component.common import MockConfigEntry
import pytest_socket

from custom_components.pyiot.const import CONF_ENTRY_TYPE, DOMAIN, ENTRY_VERSION

LOOPBACK_HOSTS = ["127.0.0.1", "::1", "::ffff:127.0.0.1"]


def allow_loopback() -> None:
    """Sockets to IPv4 and IPv6 loopback (aiocoap also uses IPv4-mapped addresses)."""
    pytest_socket.socket_allow_hosts(LOOPBACK_HOSTS, allow_unix_socket=True)


def free_udp_port() -> int:
    """A UDP port free on every address right now (IPv6 and mapped IPv4)."""
    with socket.socket(socket.AF_INET6, socket.SOCK_DGRAM) as probe:
        probe.setsockopt(socket.IPPROTO_IPV6, socket.IPV6_V6ONLY, 0)
        probe.bind(("::", 0))
        return int(probe.getsockname()[1])


def make_entry(
    hass: HomeAssistant,
    *,
    kind: str,
    entry_id: str,
    title: str,
    unique_id: str,
    data: Mapping[str, Any],
    options: Mapping[str, Any] | None = None,
) -> MockConfigEntry:
    """An entry of `kind`, added to HA but not set up."""
    entry = MockConfigEntry(
        domain=DOMAIN,
        title=title,
        unique_id=unique_id,
        data={CONF_ENTRY_TYPE: kind, **data},
        options=dict(options or {}),
        entry_id=entry_id,
        version=ENTRY_VERSION,
    )
    entry.add_to_hass(hass)
    return entry


def entity_id(hass: HomeAssistant, entry: MockConfigEntry, platform: str, node_id: str, key: str) -> str:
    """The entity of a node's point (it must exist)."""
    found = er.async_get(hass).async_get_entity_id(platform, DOMAIN, f"{entry.entry_id}:{node_id}:{key}")
    assert found is not None, f"no {platform} for {node_id}:{key}"
    return found


def state(hass: HomeAssistant, entry: MockConfigEntry, platform: str, node_id: str, key: str) -> str | None:
    """The state of a node's point, None while its entity does not exist."""
    found = er.async_get(hass).async_get_entity_id(platform, DOMAIN, f"{entry.entry_id}:{node_id}:{key}")
    current = hass.states.get(found) if found else None
    return current.state if current else None


def free_tcp_port() -> int:
    """A TCP port free on loopback right now."""
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


async def until(hass: HomeAssistant, condition: Callable[[], bool], timeout: float = 60.0) -> None:
    """Wait until `condition` holds, checked again at each state change (a guard, no timing assertion)."""
    if condition():
        return
    done = hass.loop.create_future()

    @callback
    def check(_: Event[EventStateChangedData]) -> None:
        if not done.done() and condition():
            done.set_result(None)

    unsubscribe = hass.bus.async_listen(EVENT_STATE_CHANGED, check)
    try:
        async with asyncio.timeout(timeout):
            await done
    finally:
        unsubscribe()
