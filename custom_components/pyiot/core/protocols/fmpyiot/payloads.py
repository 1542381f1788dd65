"""Payload encoding of FmPyIOT (fmpyiot.md §3): text is sent raw, every other value as JSON.

So `21.5`, `1`, `true` and `{"a": 1}` are JSON while `ON`, `FEED` and `Erreur capteur lidar` are plain
text; a consumer tries JSON and falls back to the text. `NaN` and `Infinity` are not JSON numbers and
stay text.
"""

from enum import StrEnum
import json
from json.scanner import make_scanner
from typing import Any, Final

MAX_PAYLOAD_BYTES: Final = 64 * 1024


class PayloadProblem(StrEnum):
    """Why a payload was dropped."""

    TOO_LARGE = "payload_too_large"
    NOT_UTF8 = "not_utf8"


class PayloadError(ValueError):
    """A payload cannot be read; `key` is a `PayloadProblem`."""

    def __init__(self, key: PayloadProblem, detail: str) -> None:
        """Keep the stable key."""
        super().__init__(detail)
        self.key = key


def _reject_constant(name: str) -> None:
    raise ValueError(f"{name} is not a JSON number")


_JSON: Final = json.JSONDecoder(parse_constant=_reject_constant)
"""One decoder for every message (json.loads with arguments builds a new one each call)."""


def decode_text(payload: bytes) -> str:
    """The payload as text; `PayloadError` beyond 64 KiB or when it is not UTF-8."""
    if len(payload) > MAX_PAYLOAD_BYTES:
        raise PayloadError(PayloadProblem.TOO_LARGE, f"{len(payload)} bytes")
    try:
        return payload.decode()
    except UnicodeDecodeError as err:
        raise PayloadError(PayloadProblem.NOT_UTF8, str(err)) from err


_SCAN: Final = make_scanner(_JSON)  # type: ignore[arg-type]  # typeshed types the context oddly
"""The decoder's C scanner: a value without surrounding whitespace in a fifth of `decode`'s time."""


def parse_text(text: str) -> Any:
    """The JSON value of `text`, or `text` itself when it is not JSON (or nests too deeply)."""
    try:
        value, end = _SCAN(text, 0)
    except StopIteration, ValueError, RecursionError:
        end = -1
    if end == len(text):
        return value
    try:  # whitespace around the value, or no JSON at all
        return _JSON.decode(text)
    except ValueError, RecursionError:
        return text


def decode(payload: bytes) -> Any:
    """The value of a payload: JSON, else its text; `PayloadError` when it cannot be read."""
    return parse_text(decode_text(payload))


def encode(value: object) -> str:
    """A value as a device expects it: text raw, anything else as JSON (like the device's `to_str`)."""
    if isinstance(value, str):
        return value
    return json.dumps(value, ensure_ascii=False, allow_nan=False)


def compact_json(value: object) -> str:
    """`value` as compact JSON text (for states and diagnostics)."""
    return json.dumps(value, ensure_ascii=False, separators=(",", ":"), allow_nan=False, default=str)
