"""What an IOTpy variable holds, made safe for Home Assistant in two steps.

1. `normalize` runs in the thread that stored the value (a device's `loop()`, or the parser of a remote
   server's JSON): it turns any Python object into a plain scalar (`bool`, `int`, `float`, `str` or
   None) or an `Unusable` reason. It may run user code (`__float__`, `__str__`, `item()` of a device's
   own classes), which is why it never runs on the event loop. It never raises.
2. `convert` runs on the event loop: a plain scalar becomes the value of one `ValueKind`, or `Unusable`.

Upstream stores anything and only its Prometheus gauge calls `float(value)` (iotpy.md §3, §8): numbers,
booleans, numeric strings (and bytes) are what upstream can export, so they are what PyIoT shows as
numbers; other strings are text.
"""

from dataclasses import dataclass
from enum import StrEnum
import math
from typing import Final

MAX_TEXT_LENGTH: Final = 255
"""Longest text kept (Home Assistant's limit for a state)."""
MAX_NUMERIC_TEXT: Final = 64
MAX_FLOAT_BITS: Final = 1023
"""Integers of more bits do not fit a float (Home Assistant and upstream's gauge both need one)."""
"""Longest string still read as a number (a longer one is text)."""
_TRUE_WORDS: Final = frozenset({"true", "on", "yes", "1"})
_FALSE_WORDS: Final = frozenset({"false", "off", "no", "0"})

type Plain = bool | int | float | str | None
"""What `normalize` gives: JSON's scalars."""


class ValueKind(StrEnum):
    """What a variable shows: a number, a state (on/off) or text."""

    NUMBER = "number"
    BOOLEAN = "boolean"
    TEXT = "text"


@dataclass(frozen=True, slots=True)
class Unusable:
    """A value that cannot be shown; `reason` is a stable key, `detail` says more."""

    reason: str
    detail: str = ""


NO_VALUE: Final = Unusable("no_value", "the variable has no value yet")


def normalize(raw: object) -> Plain | Unusable:
    """`raw` as a plain scalar, or why not. Never raises (user code that raises makes it `Unusable`)."""
    try:
        return _normalize(raw, depth=0)
    except Exception as err:  # noqa: BLE001 - any user-defined dunder may raise anything
        return Unusable("conversion_failed", f"{type(err).__name__}: {_safe_text(err)}")


def _normalize(raw: object, depth: int) -> Plain | Unusable:  # noqa: PLR0911 - one return per type
    if raw is None or isinstance(raw, bool):
        return raw
    if isinstance(raw, int):
        return (
            raw
            if _fits_float(raw)
            else Unusable("number_too_large", f"an integer of {raw.bit_length()} bits")
        )
    if isinstance(raw, float):
        return float(raw)
    if isinstance(raw, str):
        return str(raw)[:MAX_TEXT_LENGTH]
    if isinstance(raw, bytes | bytearray):
        return bytes(raw[: MAX_TEXT_LENGTH * 4]).decode("utf-8", "replace")[:MAX_TEXT_LENGTH]
    if isinstance(raw, complex | list | tuple | dict | set | frozenset):
        return Unusable("unsupported_type", f"a {type(raw).__name__}")
    # NumPy and similar scalars: `item()` gives the Python scalar (once; an `item()` that returns
    # another such object is not followed further).
    item = getattr(raw, "item", None)
    if depth == 0 and callable(item) and getattr(raw, "shape", None) == ():
        return _normalize(item(), depth + 1)
    if hasattr(type(raw), "__float__"):
        number = float(raw)  # type: ignore[arg-type]
        return float(number)  # a subclass of float becomes a plain float
    if hasattr(type(raw), "__index__"):
        return _normalize(int(raw), depth + 1)  # type: ignore[call-overload]
    return Unusable("unsupported_type", f"a {type(raw).__name__}")


def _fits_float(number: int) -> bool:
    return number.bit_length() <= MAX_FLOAT_BITS


def infer_kind(value: Plain | Unusable) -> ValueKind | None:
    """The kind a first value suggests: booleans, numbers (also numeric strings), else text."""
    if isinstance(value, bool):
        return ValueKind.BOOLEAN
    if isinstance(value, int | float):
        return ValueKind.NUMBER
    if isinstance(value, str):
        return ValueKind.NUMBER if isinstance(_number_from_text(value), float) else ValueKind.TEXT
    return None


def convert(value: Plain | Unusable, kind: ValueKind) -> bool | int | float | str | Unusable:
    """A plain value as `kind`, or why it cannot be shown as that."""
    if isinstance(value, Unusable):
        return value
    if value is None:
        return NO_VALUE
    match kind:
        case ValueKind.NUMBER:
            return _as_number(value)
        case ValueKind.BOOLEAN:
            return _as_boolean(value)
        case ValueKind.TEXT:
            return value if isinstance(value, str) else str(value)


def _as_number(value: bool | float | str) -> int | float | Unusable:
    if isinstance(value, bool):
        return int(value)
    if isinstance(value, int):
        return value
    if isinstance(value, float):
        return value if math.isfinite(value) else Unusable("not_finite", repr(value))
    number = _number_from_text(value)
    if isinstance(number, float) and not math.isfinite(number):
        return Unusable("not_finite", repr(value))
    return number


def _number_from_text(text: str) -> float | Unusable:
    stripped = text.strip()
    if not stripped or len(stripped) > MAX_NUMERIC_TEXT:
        return Unusable("not_a_number", _quote(text))
    try:
        return float(stripped)
    except ValueError:
        return Unusable("not_a_number", _quote(text))


def _as_boolean(value: bool | float | str) -> bool | Unusable:
    if isinstance(value, bool):
        return value
    if isinstance(value, str):
        word = value.strip().lower()
        if word in _TRUE_WORDS:
            return True
        if word in _FALSE_WORDS:
            return False
        return Unusable("not_a_boolean", _quote(value))
    if value in {0, 1}:
        return bool(value)
    return Unusable("not_a_boolean", repr(value))


def _quote(text: str, limit: int = 40) -> str:
    return repr(text[:limit]) + ("..." if len(text) > limit else "")


def _safe_text(value: object, limit: int = 200) -> str:
    """`str(value)` cut to `limit`, or a placeholder when `__str__` itself fails."""
    try:
        text = str(value)
    except Exception:  # noqa: BLE001 - a user-defined __str__ may raise anything
        return f"<unprintable {type(value).__name__}>"
    return text[:limit]


def safe_text(value: object, limit: int = MAX_TEXT_LENGTH) -> str:
    """`str(value)` cut to `limit` printable characters, never raising (for error texts and names)."""
    text = value if isinstance(value, str) else _safe_text(value, limit)
    if not text.isprintable():
        text = "".join(char if char.isprintable() else " " for char in text)
    return text[:limit]
