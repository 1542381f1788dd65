"""Moved to `core.protocols.http_guard` (shared with the Pyaiot WebSocket gateway); re-exported here."""

from ..http_guard import (
    LOOPBACK_NETWORKS,
    IPNetwork,
    NetworkListError,
    RateLimiter,
    SourceFilter,
    bearer_token,
    format_networks,
    parse_networks,
    source_address,
    token_matches,
)

__all__ = [
    "LOOPBACK_NETWORKS",
    "IPNetwork",
    "NetworkListError",
    "RateLimiter",
    "SourceFilter",
    "bearer_token",
    "format_networks",
    "parse_networks",
    "source_address",
    "token_matches",
]
