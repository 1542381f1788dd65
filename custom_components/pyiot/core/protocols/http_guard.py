"""The defences of PyIoT's servers that nodes talk to (the RPyMostat engine, the Pyaiot WebSocket gateway).

What their upstreams lack: an allow-list of source networks (loopback always allowed unless told not
to), a shared token (`Authorization: Bearer <token>` or `?token=`), a token-bucket rate limit per
source address. `HttpGuard` applies the three in this order and says why a request is refused; each
server turns the refusal into its own reply.
"""

from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field
from enum import StrEnum
import hmac
from ipaddress import IPv4Address, IPv4Network, IPv6Address, IPv6Network, ip_address, ip_network
import logging
import math
import re
import time
from typing import Any, Final

from aiohttp.http_exceptions import HttpProcessingError

from ..nodes.bad_input import OncePerSourceLogger

type IPNetwork = IPv4Network | IPv6Network

LOOPBACK_NETWORKS: Final[tuple[IPNetwork, ...]] = (ip_network("127.0.0.0/8"), ip_network("::1/128"))
_SEPARATORS: Final = re.compile(r"[,;\s]+")
_CACHE_SIZE: Final = 4096


class NetworkListError(ValueError):
    """A network list has an item that is not an IP network; `item` is the first such item."""

    def __init__(self, item: str) -> None:
        """Remember the offending item."""
        super().__init__(f"{item!r} is not an IP network")
        self.item = item


def parse_networks(text: str) -> tuple[IPNetwork, ...]:
    """Networks written as CIDRs or single addresses, separated by commas, semicolons or spaces.

    Host bits are allowed (`192.168.1.10/24` means `192.168.1.0/24`); duplicates are dropped.
    """
    networks: list[IPNetwork] = []
    for item in _SEPARATORS.split(text):
        if not item:
            continue
        try:
            network = ip_network(item, strict=False)
        except ValueError as err:
            raise NetworkListError(item) from err
        if network not in networks:
            networks.append(network)
    return tuple(networks)


def format_networks(networks: Iterable[IPNetwork]) -> str:
    """The text `parse_networks` reads back."""
    return ", ".join(str(network) for network in networks)


def source_address(text: str | None) -> IPv4Address | IPv6Address | None:
    """A peer address as the socket gives it; IPv4-mapped IPv6 addresses become IPv4; None if unusable."""
    if not text:
        return None
    try:
        address = ip_address(text)
    except ValueError:
        return None
    if isinstance(address, IPv6Address) and address.ipv4_mapped is not None:
        return address.ipv4_mapped
    return address


class SourceFilter:
    """Whether a peer address may talk to the engine: inside one of the networks, or loopback."""

    def __init__(self, networks: Iterable[IPNetwork], *, allow_loopback: bool = True) -> None:
        """Allow `networks`, and loopback unless told not to."""
        loopback = LOOPBACK_NETWORKS if allow_loopback else ()
        self.networks: tuple[IPNetwork, ...] = tuple(dict.fromkeys((*networks, *loopback)))
        self._cache: dict[str, bool] = {}

    def allows(self, peer: str | None) -> bool:
        """Whether `peer` (the socket's address text) is allowed; results are cached per address."""
        key = peer or ""
        if (known := self._cache.get(key)) is not None:
            return known
        address = source_address(peer)
        allowed = address is not None and any(
            address.version == network.version and address in network for network in self.networks
        )
        if len(self._cache) >= _CACHE_SIZE:
            self._cache.clear()
        self._cache[key] = allowed
        return allowed


def bearer_token(authorization: str | None) -> str | None:
    """The token of an `Authorization: Bearer <token>` header, or None."""
    if not authorization:
        return None
    scheme, _, token = authorization.strip().partition(" ")
    if scheme.lower() != "bearer":
        return None
    return token.strip() or None


def token_matches(expected: str | None, *candidates: str | None) -> bool:
    """Whether no token is required, or one of `candidates` is the token (constant-time comparison)."""
    if not expected:
        return True
    wanted = expected.encode()
    # Every candidate is compared, so the time taken does not tell which one was tried.
    results = [
        hmac.compare_digest(candidate.encode("utf-8", "surrogateescape"), wanted)
        for candidate in candidates
        if candidate is not None
    ]
    return any(results)


class RateLimiter:
    """A token bucket per key (a source address): `rate` requests per second sustained, `burst` at once.

    At most `max_keys` buckets are kept; the least recently used one is dropped first (a dropped bucket
    is a full one, so a flood of distinct sources can cost a burst each, never memory).
    """

    def __init__(
        self,
        rate: float,
        burst: float,
        *,
        clock: Callable[[], float] = time.monotonic,
        max_keys: int = _CACHE_SIZE,
    ) -> None:
        """`rate` <= 0 turns the limiter off."""
        self.rate = rate
        self.burst = max(burst, 1.0)
        self._clock = clock
        self._max_keys = max_keys
        self._buckets: dict[str, tuple[float, float]] = {}

    @property
    def enabled(self) -> bool:
        """Whether requests are limited at all."""
        return self.rate > 0

    def acquire(self, key: str) -> float:
        """Take one token for `key`: 0.0 when the request may go on, else seconds until a token is back."""
        if self.rate <= 0:
            return 0.0
        now = self._clock()
        tokens, last = self._buckets.pop(key, (self.burst, now))
        tokens = min(self.burst, tokens + (now - last) * self.rate)
        if tokens >= 1.0:
            tokens -= 1.0
            wait = 0.0
        else:
            wait = (1.0 - tokens) / self.rate
        if len(self._buckets) >= self._max_keys:
            del self._buckets[next(iter(self._buckets))]
        self._buckets[key] = (tokens, now)
        return wait


class GuardProblem(StrEnum):
    """Why `HttpGuard` refused a request; stable keys for logs and diagnostics."""

    FORBIDDEN = "forbidden"
    RATE_LIMITED = "rate_limited"
    UNAUTHORIZED = "unauthorized"


@dataclass(frozen=True, slots=True)
class Rejection:
    """A refused request: the problem, the HTTP status to answer, a detail for the log, reply headers."""

    problem: GuardProblem
    status: int
    detail: str
    headers: Mapping[str, str] = field(default_factory=dict)


@dataclass(frozen=True, kw_only=True, slots=True)
class GuardSettings:
    """Whom a server accepts: `networks` (plus loopback), an optional token and a rate per source."""

    networks: tuple[IPNetwork, ...] = ()
    allow_loopback: bool = True
    token: str | None = None
    rate: float = 1.0
    """Requests (or connections) per second sustained per source address; 0 turns the limit off."""
    burst: float = 10.0
    realm: str = "pyiot"
    """Named in the `WWW-Authenticate` header of a 401."""


class HttpGuard:
    """Allow-list, then rate limit, then token: the first check that fails refuses the request."""

    def __init__(self, settings: GuardSettings, *, clock: Callable[[], float] = time.monotonic) -> None:
        """Prepare the checks; `clock` refills the rate limiter's buckets."""
        self.settings = settings
        self.sources = SourceFilter(settings.networks, allow_loopback=settings.allow_loopback)
        self.limiter = RateLimiter(settings.rate, settings.burst, clock=clock)

    @property
    def networks(self) -> tuple[IPNetwork, ...]:
        """The networks allowed, loopback included when it is."""
        return self.sources.networks

    def check(
        self, remote: str | None, authorization: str | None = None, query_token: str | None = None
    ) -> Rejection | None:
        """None when a request from `remote` with these credentials may go on, else why not."""
        if not self.sources.allows(remote):
            return Rejection(GuardProblem.FORBIDDEN, 403, "address not in the allow-list")
        if (wait := self.limiter.acquire(remote or "?")) > 0:
            return Rejection(
                GuardProblem.RATE_LIMITED,
                429,
                f"more than {self.limiter.rate:g} requests/s",
                {"Retry-After": str(max(1, math.ceil(wait)))},
            )
        token = self.settings.token
        if token and not token_matches(token, bearer_token(authorization), query_token):
            return Rejection(
                GuardProblem.UNAUTHORIZED,
                401,
                "missing or wrong token",
                {"WWW-Authenticate": f'Bearer realm="{self.settings.realm}"'},
            )
        return None


class BadHttpLogger:
    """The logger for aiohttp's request handler: malformed HTTP is bad input (once per source), the rest ours.

    Without it, every request aiohttp cannot parse (before any route, so before the allow-list) would put
    an error with a traceback into Home Assistant's log.
    """

    def __init__(self, logger: logging.Logger, bad_input: OncePerSourceLogger) -> None:
        """Log through `logger`; report malformed requests to `bad_input`."""
        self._logger = logger
        self._bad_input = bad_input

    def debug(self, msg: str, *args: Any, **kwargs: Any) -> None:
        """As `logging.Logger.debug`."""
        self._logger.debug(msg, *args, **kwargs)

    def warning(self, msg: str, *args: Any, **kwargs: Any) -> None:
        """As `logging.Logger.warning`."""
        self._logger.warning(msg, *args, **kwargs)

    def exception(self, msg: str, *args: Any, exc_info: Any = True, **kwargs: Any) -> None:
        """Malformed HTTP once per source; anything else an error with its traceback."""
        if isinstance(exc_info, HttpProcessingError) and args:
            self._bad_input.warn(str(args[0]), "bad_http", f"{exc_info.code}: {exc_info.message}")
            return
        self._logger.error(msg, *args, exc_info=exc_info, **kwargs)
