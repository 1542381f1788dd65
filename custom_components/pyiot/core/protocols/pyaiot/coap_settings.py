"""Settings of the Pyaiot CoAP gateway and the check that its UDP port can be bound; no aiocoap import.

A config flow can use everything here in the event loop; only `coap.py` (the gateway) needs aiocoap.
"""

from dataclasses import dataclass
from enum import StrEnum
import errno
from functools import lru_cache
from ipaddress import IPv4Address, IPv6Address, ip_address
import socket
from typing import Final

DEFAULT_COAP_PORT: Final = 5683
DEFAULT_RECEIVE_BUFFER: Final = 4 * 1024 * 1024
ALL_ADDRESSES: Final = "::"
"""Bound when no address is given: every IPv6 and (mapped) IPv4 address, as upstream."""


@dataclass(frozen=True, kw_only=True, slots=True)
class CoapSettings:
    """How the gateway listens and how it treats nodes."""

    port: int = DEFAULT_COAP_PORT
    addresses: tuple[str, ...] = ()
    """Local addresses to bind (`192.168.1.2`, `fd00::1`, `fe80::1%eth0`); empty: every address."""
    node_port: int | None = DEFAULT_COAP_PORT
    """Port of the nodes' resources (upstream: always 5683). None: the port each node's alive came
    from, which lets many simulated nodes share one host; pushes are then matched by address and port."""
    node_timeout: float = 120.0
    request_timeout: float = 10.0
    """Seconds a GET or PUT to a node may take, retransmissions included."""
    requests_per_node: int = 4
    """GETs in flight to one node during a discovery."""
    max_requests_in_flight: int = 64
    """Requests in flight to all nodes together."""
    observe: bool = True
    """Observe (RFC 7641) the resources that advertise `obs` instead of reading them once."""
    reread_interval: float | None = None
    """Re-read every resource that is neither pushed nor observed at this interval; None: never."""
    rediscovery_backoff: float = 60.0
    """A failed discovery is retried on an alive at least this long after it (doubling up to 16x)."""
    discoveries_per_minute: int = 0
    """Discoveries of new uids a minute (a burst of a fifth of it); 0: no limit."""
    max_nodes: int = 10_000
    max_points_per_node: int = 64
    receive_buffer: int = DEFAULT_RECEIVE_BUFFER
    """Bytes asked for as each socket's receive buffer (SO_RCVBUF; the kernel caps it at
    net.core.rmem_max). The kernel's default (208 KiB) holds only about 200 small datagrams: a
    busy event loop or a descheduled process then loses pushes of many nodes (issue 9)."""


class CoapBindProblem(StrEnum):
    """Why the gateway could not listen; stable keys for translations."""

    PORT_IN_USE = "port_in_use"
    ADDRESS_UNAVAILABLE = "address_unavailable"
    PERMISSION_DENIED = "permission_denied"
    INVALID_ADDRESS = "invalid_address"
    BIND_FAILED = "bind_failed"


class CoapBindError(OSError):
    """The UDP port cannot be bound on an address. Shelly's CoIoT holds UDP 5683 in HA when in use."""

    def __init__(self, problem: CoapBindProblem, address: str, port: int, detail: str) -> None:
        """Keep what failed where."""
        super().__init__(f"Cannot listen on UDP [{address}]:{port}: {detail}")
        self.problem = problem
        self.address = address
        self.port = port
        self.detail = detail


def bind_addresses(settings: CoapSettings) -> tuple[str, ...]:
    """The addresses the gateway binds: the configured ones, else every address."""
    return settings.addresses or (ALL_ADDRESSES,)


def ipv6_sockaddr(address: str, port: int) -> tuple[str, int, int, int]:
    """The AF_INET6 socket address of `address` (IPv4 becomes IPv4-mapped; `%scope` an interface)."""
    host, _, scope = address.partition("%")
    try:
        parsed = ip_address(host)
    except ValueError as err:
        raise CoapBindError(CoapBindProblem.INVALID_ADDRESS, address, port, "not an IP address") from err
    if isinstance(parsed, IPv4Address):
        return (f"::ffff:{parsed}", port, 0, 0)
    scope_id = 0
    if scope:
        try:
            scope_id = int(scope) if scope.isdigit() else socket.if_nametoindex(scope)
        except OSError as err:
            raise CoapBindError(
                CoapBindProblem.INVALID_ADDRESS, address, port, f"no interface {scope!r}"
            ) from err
    return (str(IPv6Address(host)), port, 0, scope_id)


def check_coap_port(settings: CoapSettings) -> None:
    """Raise `CoapBindError` unless the gateway's port is free on each of its addresses.

    The probe binds exclusively (no SO_REUSEADDR/SO_REUSEPORT): aiocoap binds with SO_REUSEPORT, so a
    second aiocoap server of the same user could otherwise share the port and split its datagrams.
    """
    for address in bind_addresses(settings):
        sockaddr = ipv6_sockaddr(address, settings.port)
        if settings.port == 0:
            continue
        with socket.socket(socket.AF_INET6, socket.SOCK_DGRAM) as probe:
            probe.setsockopt(socket.IPPROTO_IPV6, socket.IPV6_V6ONLY, 0)
            try:
                probe.bind(sockaddr)
            except OSError as err:
                raise bind_error(err, address, settings.port) from err


def bind_error(err: OSError, address: str, port: int) -> CoapBindError:
    """The typed error for a failed bind."""
    problem = {
        errno.EADDRINUSE: CoapBindProblem.PORT_IN_USE,
        errno.EADDRNOTAVAIL: CoapBindProblem.ADDRESS_UNAVAILABLE,
        errno.EACCES: CoapBindProblem.PERMISSION_DENIED,
        errno.EPERM: CoapBindProblem.PERMISSION_DENIED,
    }.get(err.errno or 0, CoapBindProblem.BIND_FAILED)
    return CoapBindError(problem, address, port, err.strerror or str(err))


@lru_cache(maxsize=4096)  # every push is attributed by its source: parsed once per node, not per value
def normalise_address(host: str, scope: str | None = None) -> str:
    """An address as text: IPv4-mapped IPv6 becomes IPv4, IPv6 is compressed, `%scope` kept if given."""
    address = ip_address(host.partition("%")[0])
    if isinstance(address, IPv6Address) and address.ipv4_mapped is not None:
        return str(address.ipv4_mapped)
    return f"{address}%{scope}" if scope and isinstance(address, IPv6Address) else str(address)
