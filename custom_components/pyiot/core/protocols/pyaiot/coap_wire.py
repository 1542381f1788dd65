"""Parsers of what Pyaiot CoAP nodes send (pyaiot.md §3): alive payloads, `/server` pushes, link format.

Pure functions; each raises `CoapInputError` with a stable `Drop` reason. Imports aiocoap's link-format
parser, so import this module off the event loop inside Home Assistant (as `coap.py`).
"""

from dataclasses import dataclass
from typing import Final

from aiocoap.util import linkformat  # type: ignore[import-untyped]
from aiocoap.util.vendored.link_header import ParseException  # type: ignore[import-untyped]

from .mqtt import valid_name
from .reporting import Drop, short

MAX_ALIVE_BYTES: Final = 256
MAX_PUSH_BYTES: Final = 4096
MAX_LINK_FORMAT_BYTES: Final = 16 * 1024
MAX_LINKS: Final = 64
MAX_PATH_LENGTH: Final = 128
MAX_PATH_SEGMENTS: Final = 4
WELL_KNOWN_CORE: Final = (".well-known", "core")


class CoapInputError(ValueError):
    """Input that cannot be used; `reason` is the stable key, the message a detail for the log."""

    def __init__(self, reason: Drop, detail: str) -> None:
        """Keep the reason."""
        super().__init__(detail)
        self.reason = reason


@dataclass(frozen=True, slots=True)
class Alive:
    """A node's announce: `alive:<uid>` (or `Alive:1234`), or `reset:<uid>` after a reboot."""

    uid: str
    reset: bool
    text: str


@dataclass(frozen=True, slots=True)
class LinkedResource:
    """A resource a node listed in `/.well-known/core`."""

    key: str
    """The resource name: its path without the leading `/` (`temperature`)."""
    path: tuple[str, ...]
    observable: bool


def decode(payload: bytes, limit: int) -> str:
    """UTF-8 text of at most `limit` bytes."""
    if len(payload) > limit:
        raise CoapInputError(Drop.PAYLOAD_TOO_LARGE, f"{len(payload)} bytes, at most {limit}")
    try:
        return payload.decode()
    except UnicodeDecodeError as err:
        raise CoapInputError(Drop.NOT_UTF8, str(err)) from err


def parse_alive(payload: bytes) -> Alive:
    """The uid is the text after the last `:`; `reset` when the payload starts with `reset` (upstream)."""
    text = decode(payload, MAX_ALIVE_BYTES)
    if ":" not in text:
        raise CoapInputError(Drop.BAD_ALIVE, f"no ':' in {short(text)!r}")
    uid = text.rpartition(":")[2]
    if not valid_name(uid):
        raise CoapInputError(Drop.BAD_NODE_ID, f"uid {short(uid)!r}")
    return Alive(uid=uid, reset=text.startswith("reset"), text=text)


def parse_push(payload: bytes) -> tuple[str, str]:
    """`<resource>:<value>`, split at the first `:`."""
    text = decode(payload, MAX_PUSH_BYTES)
    name, colon, value = text.partition(":")
    if not colon:
        raise CoapInputError(Drop.BAD_PUSH, f"no ':' in {short(text)!r}")
    if resource_path("/" + name) is None:
        raise CoapInputError(Drop.BAD_RESOURCE_NAME, f"resource {short(name)!r}")
    return name, value


def resource_path(href: str) -> tuple[str, ...] | None:
    """The segments of a local resource path (`/temperature`), or None for anything else.

    Refused: full URIs, `//authority`, queries and fragments, empty, `.` and `..` segments,
    percent-encoding, unprintable characters, more than 4 segments or 128 characters.
    """
    if len(href) > MAX_PATH_LENGTH or not href.startswith("/") or href.startswith("//"):
        return None
    segments = tuple(href[1:].split("/"))
    if len(segments) > MAX_PATH_SEGMENTS:
        return None
    for segment in segments:
        if (
            segment in {"", ".", ".."}
            or not segment.isprintable()
            or any(char in segment for char in "?#%\\")
            or not valid_name(segment)
        ):
            return None
    return segments


def parse_link_format(payload: bytes) -> tuple[list[LinkedResource], list[str]]:
    """The node's resources from its `/.well-known/core` answer, and the links refused (for the log).

    Parsed with aiocoap's link-format parser (attributes with commas or semicolons work). Skipped
    silently: `/.well-known/core` itself and `rel="impl-info"` links (aiocoap servers list their
    version as an absolute URI). Duplicates keep the first. Raises `CoapInputError` when the whole
    answer is unusable.
    """
    text = decode(payload, MAX_LINK_FORMAT_BYTES)
    try:
        links = linkformat.parse(text).links
    except (ParseException, ValueError, IndexError) as err:
        raise CoapInputError(Drop.BAD_LINK_FORMAT, f"{short(err)} in {short(text)!r}") from err
    resources: dict[str, LinkedResource] = {}
    refused: list[str] = []
    for link in links:
        pairs = [(str(key).lower(), value) for key, value in link.attr_pairs]
        href = str(link.href)
        if ("rel", "impl-info") in pairs:
            continue
        path = resource_path(href)
        if path is None:
            refused.append(short(href, 60))
            continue
        if path == WELL_KNOWN_CORE:
            continue
        key = "/".join(path)
        if key in resources:
            continue
        if len(resources) >= MAX_LINKS:
            refused.append(f"{len(links) - MAX_LINKS} links beyond {MAX_LINKS}")
            break
        resources[key] = LinkedResource(key=key, path=path, observable=any(k == "obs" for k, _ in pairs))
    return list(resources.values()), refused
