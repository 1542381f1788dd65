"""Pyaiot nodes over CoAP: the core's CoAP gateway on a UDP port of HA's host → the node hub.

The gateway module imports aiocoap, so it is imported in the executor, never in the event loop.
"""

from collections.abc import Mapping
import importlib
from typing import TYPE_CHECKING, Any, Final

from homeassistant.const import CONF_PORT
from homeassistant.core import HomeAssistant
from homeassistant.exceptions import ConfigEntryNotReady
from homeassistant.helpers import issue_registry as ir

from ...const import DOMAIN, LOGGER
from ...core.protocols.pyaiot.coap_settings import (
    DEFAULT_COAP_PORT,
    CoapBindError,
    CoapBindProblem,
    CoapSettings,
    check_coap_port,
)
from ...hub import NodeHub
from .const import (
    CONF_NODE_PORT,
    CONF_NODE_TIMEOUT,
    CONF_REREAD_INTERVAL,
    DEFAULT_NODE_PORT,
    DEFAULT_NODE_TIMEOUT,
)
from .network import async_local_addresses

if TYPE_CHECKING:
    from ...core.protocols.pyaiot.coap import PyaiotCoapGateway

GATEWAY_MODULE: Final = "custom_components.pyiot.core.protocols.pyaiot.coap"
UNUSABLE_ADDRESS: Final = frozenset({CoapBindProblem.ADDRESS_UNAVAILABLE, CoapBindProblem.INVALID_ADDRESS})
SUGGESTED_PORTS: Final = range(DEFAULT_COAP_PORT, DEFAULT_COAP_PORT + 16)
"""The form suggests upstream's 5683, else the first of the next ports that is free."""


def unique_id(port: int) -> str:
    """One entry per UDP port."""
    return f"pyaiot_coap:{port}"


def title(port: int) -> str:
    """The entry's title."""
    return f"Pyaiot CoAP nodes (UDP {port})"


def port_issue_id(entry_id: str) -> str:
    """The repair issue raised while the entry's port is taken."""
    return f"coap_port_in_use_{entry_id}"


def _bindable(addresses: tuple[str, ...], port: int) -> tuple[str, ...]:
    """The addresses on which `port` can be bound; `CoapBindError` when it is taken on one of them.

    An address of HA's network settings that this host cannot bind (gone, tentative, another namespace)
    is left out; it is no reason not to serve the others.
    """
    usable = []
    for address in addresses:
        try:
            check_coap_port(CoapSettings(port=port, addresses=(address,)))
        except CoapBindError as err:
            if err.problem not in UNUSABLE_ADDRESS:
                raise
            LOGGER.debug("Pyaiot CoAP: not listening on %s: %s", address, err.detail)
            continue
        usable.append(address)
    if not usable:
        raise CoapBindError(
            CoapBindProblem.ADDRESS_UNAVAILABLE, ", ".join(addresses), port, "no usable address"
        )
    return tuple(usable)


async def async_bindable_addresses(hass: HomeAssistant, port: int) -> tuple[str, ...]:
    """HA's addresses (and loopback) on which the gateway can listen on `port` (checked in the executor)."""
    addresses = await async_local_addresses(hass)
    return await hass.async_add_executor_job(_bindable, addresses, port)


def _first_free(addresses: tuple[str, ...], ports: list[int]) -> int | None:
    for port in ports:
        try:
            _bindable(addresses, port)
        except CoapBindError:
            continue
        return port
    return None


async def async_suggested_port(hass: HomeAssistant, taken: set[int]) -> int:
    """The port the form suggests: 5683 when it is free, else the next free one (Shelly may hold it).

    Ports of other entries (`taken`) are skipped; upstream's 5683 when none is free.
    """
    addresses = await async_local_addresses(hass)
    ports = [port for port in SUGGESTED_PORTS if port not in taken]
    found = await hass.async_add_executor_job(_first_free, addresses, ports)
    return DEFAULT_COAP_PORT if found is None else found


def coap_settings(
    options: Mapping[str, Any], port: int, addresses: tuple[str, ...], hub: NodeHub
) -> CoapSettings:
    """The gateway's settings from the entry's options and the hub's limits."""
    node_port = int(options.get(CONF_NODE_PORT, DEFAULT_NODE_PORT))
    reread = int(options.get(CONF_REREAD_INTERVAL, 0))
    limits = hub.gate.limits
    return CoapSettings(
        port=port,
        addresses=addresses,
        node_port=node_port or None,
        node_timeout=float(options.get(CONF_NODE_TIMEOUT, DEFAULT_NODE_TIMEOUT)),
        reread_interval=float(reread) if reread else None,
        discoveries_per_minute=limits.discovery_per_minute,
        max_points_per_node=limits.max_points_per_node,
    )


async def async_create_gateway(hass: HomeAssistant, hub: NodeHub) -> PyaiotCoapGateway:
    """A CoAP gateway reporting to `hub`, already listening.

    A taken port (Shelly's CoIoT also uses 5683 in this process) fails the setup with a translated
    reason and a repair issue that says what to do; the issue goes once the gateway listens.
    """
    entry = hub.entry
    port = int(entry.data[CONF_PORT])
    module = await hass.async_add_import_executor_job(importlib.import_module, GATEWAY_MODULE)
    try:
        addresses = await async_bindable_addresses(hass, port)
        gateway: PyaiotCoapGateway = module.PyaiotCoapGateway(
            hub,
            coap_settings(entry.options, port, addresses, hub),
            logger=LOGGER.getChild("pyaiot.coap"),
            clock=hass.loop.time,
        )
        gateway.restore_nodes(
            {"node_id": node_id, "resources": sorted(state.points)} for node_id, state in hub.nodes.items()
        )
        await gateway.async_start()
    except CoapBindError as err:
        ir.async_create_issue(
            hass,
            DOMAIN,
            port_issue_id(entry.entry_id),
            is_fixable=False,
            severity=ir.IssueSeverity.ERROR,
            translation_key="coap_port_in_use"
            if err.problem is CoapBindProblem.PORT_IN_USE
            else "coap_no_listen",
            translation_placeholders={"port": str(port), "title": entry.title, "error": err.detail},
        )
        raise ConfigEntryNotReady(
            translation_domain=DOMAIN,
            translation_key="coap_port_unavailable",
            translation_placeholders={"port": str(port), "error": str(err)},
        ) from err
    ir.async_delete_issue(hass, DOMAIN, port_issue_id(entry.entry_id))
    return gateway
