"""JSON frames of Pyaiot's websockets (pyaiot.md §2, §5), validated as upstream's `Message.check_message`.

Every frame is one JSON object whose `type` is `new`, `update`, `out` or `reset`; anything else is
refused with upstream's reason, which a server sends as the reason of a 1003 close.
"""

import json
from typing import Any, Final

from .reporting import Drop

VALID_TYPES: Final = frozenset({"new", "update", "out", "reset"})
MAX_CLOSE_REASON_BYTES: Final = 123
"""A websocket close frame carries at most 123 bytes of reason (RFC 6455 §5.5)."""
DISCOVER: Final = json.dumps({"request": "discover"}, ensure_ascii=False)


class FrameError(ValueError):
    """A frame upstream would refuse; `reason` is the stable key, `close_reason` upstream's text."""

    def __init__(self, reason: Drop, close_reason: str) -> None:
        """Keep both."""
        super().__init__(close_reason)
        self.reason = reason
        self.close_reason = close_reason


def _reject_constant(name: str) -> None:
    raise ValueError(f"{name} is not JSON")


_JSON: Final = json.JSONDecoder(parse_constant=_reject_constant)


def parse_frame(raw: str | bytes) -> dict[str, Any]:
    """The frame's object; `FrameError` when it is not JSON, not an object or of an unknown type."""
    try:
        text = raw.decode() if isinstance(raw, bytes) else raw
        message = _JSON.decode(text)
    except (UnicodeDecodeError, ValueError, RecursionError) as err:
        shown = raw if isinstance(raw, str) else raw.decode(errors="replace")
        raise FrameError(
            Drop.NOT_JSON, f"Invalid message received '{shown}'. Only JSON format is supported."
        ) from err
    if not isinstance(message, dict) or "type" not in message:
        raise FrameError(Drop.BAD_FRAME, f"Invalid message '{message}'.")
    kind = message["type"]
    if not isinstance(kind, str) or kind not in VALID_TYPES:
        raise FrameError(Drop.UNKNOWN_TYPE, f"Invalid message type '{kind}'.")
    return message


def close_reason(text: str) -> str:
    """`text` cut to what a close frame can carry, on a character boundary."""
    data = text.encode(errors="replace")
    if len(data) <= MAX_CLOSE_REASON_BYTES:
        return data.decode()
    return data[: MAX_CLOSE_REASON_BYTES - 3].decode(errors="ignore") + "..."


def serialise(message: dict[str, Any]) -> str:
    """As upstream: raw UTF-8 (`ensure_ascii=False`), default separators."""
    return json.dumps(message, ensure_ascii=False)
