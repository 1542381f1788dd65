"""PARAMS and SET_PARAMS (fmpyiot.md §5): the device's persisted parameters as configuration points.

`<base>PARAMS` is one JSON object. Device objects keep theirs as a sub-object under the device name;
such a value is addressed as `outer__@@__inner`, both in point keys and in `SET_PARAMS`. The type of a
parameter is that of its value when first seen: numbers become number entities (`send_period <topic>`
in seconds), booleans switches, text text entities; anything else a read-only diagnostic sensor. The
device's own web page writes every value as text (`{"push_duration": "1.5"}`), so a number parameter
that comes back as numeric text is still read as a number, and written back as one.

`rtc` is the time service's (the last time the device was given), not a setting.
"""

from dataclasses import dataclass
from enum import StrEnum
import math
from typing import Any, Final

from ...nodes.model import EntityCategory, PointKind, PointSpec
from .payloads import encode
from .topics import KEY_SEPARATOR, RELATIVE_PREFIX
from .values import MAX_STATE_LENGTH, as_text, parse_switch_state

NESTED_SEPARATOR: Final = "__@@__"
SEND_PERIOD_PREFIX: Final = "send_period "
PARAMS_NAMESPACE: Final = "params"
IGNORED_PARAMS: Final = frozenset({"rtc"})
MAX_PARAMS: Final = 128
MAX_NESTING: Final = 4
MAX_KEY_LENGTH: Final = 200
NUMBER_LIMIT: Final = 1e9
"""Number parameters accept -1e9 to 1e9: the device says nothing about ranges."""
MAX_SEND_PERIOD: Final = 7 * 24 * 3600.0


class ParamType(StrEnum):
    """What a parameter holds; stored, so a restarted gateway keeps every parameter's entity type."""

    INTEGER = "integer"
    FLOAT = "float"
    BOOLEAN = "boolean"
    TEXT = "text"
    OTHER = "other"


class ParamsError(ValueError):
    """PARAMS is not an object."""


@dataclass(frozen=True, slots=True)
class FlatParams:
    """The parameters of one PARAMS document, nested keys joined with `__@@__`."""

    values: dict[str, Any]
    problems: tuple[str, ...] = ()


def params_key(flat_key: str) -> str:
    """Point key of a parameter."""
    return f"{PARAMS_NAMESPACE}{KEY_SEPARATOR}{flat_key}"


def flatten_params(document: object) -> FlatParams:
    """Flat key → value of a decoded PARAMS payload; `ParamsError` if it is not an object.

    Keys that are too long, too deeply nested or beyond `MAX_PARAMS` are left out and named in
    `problems`; `rtc` is left out silently.
    """
    if not isinstance(document, dict):
        raise ParamsError(f"expected an object, got {type(document).__name__}")
    values: dict[str, Any] = {}
    problems: list[str] = []
    _flatten(document, "", 1, values, problems)
    return FlatParams(values, tuple(problems))


def _flatten(
    document: dict[str, Any], prefix: str, depth: int, values: dict[str, Any], problems: list[str]
) -> None:
    for key, value in document.items():
        flat = f"{prefix}{NESTED_SEPARATOR}{key}" if prefix else key
        if not prefix and key in IGNORED_PARAMS:
            continue
        if len(flat) > MAX_KEY_LENGTH or not key or not key.isprintable():
            problems.append("bad_key")
        elif isinstance(value, dict) and value:
            if depth >= MAX_NESTING:
                problems.append("too_deep")
            else:
                _flatten(value, flat, depth + 1, values, problems)
        elif len(values) >= MAX_PARAMS:
            problems.append("too_many")
            return
        else:
            values[flat] = value


def param_type(value: object) -> ParamType:
    """The type a parameter gets from its first value."""
    if isinstance(value, bool):
        return ParamType.BOOLEAN
    if isinstance(value, int):
        return ParamType.INTEGER
    if isinstance(value, float):
        return ParamType.FLOAT
    if isinstance(value, str):
        return ParamType.TEXT
    return ParamType.OTHER


def param_name(flat_key: str) -> str:
    """A readable name: `send_period ./temperature` → `Send period temperature`, nesting with spaces."""
    if flat_key.startswith(SEND_PERIOD_PREFIX):
        topic = flat_key.removeprefix(SEND_PERIOD_PREFIX).removeprefix(RELATIVE_PREFIX)
        return f"Send period {topic}"
    return " ".join(part for part in flat_key.split(NESTED_SEPARATOR) if part)


def param_point(flat_key: str, kind: ParamType) -> PointSpec:
    """The configuration point of a parameter."""
    key, name = params_key(flat_key), param_name(flat_key)
    match kind:
        case ParamType.INTEGER | ParamType.FLOAT if flat_key.startswith(SEND_PERIOD_PREFIX):
            return PointSpec(
                key=key,
                kind=PointKind.NUMBER,
                name=name,
                device_class="duration",
                unit="s",
                writable=True,
                entity_category=EntityCategory.CONFIG,
                minimum=0.0,
                maximum=MAX_SEND_PERIOD,
                step=1.0 if kind is ParamType.INTEGER else 0.1,
            )
        case ParamType.INTEGER | ParamType.FLOAT:
            return PointSpec(
                key=key,
                kind=PointKind.NUMBER,
                name=name,
                writable=True,
                entity_category=EntityCategory.CONFIG,
                minimum=-NUMBER_LIMIT,
                maximum=NUMBER_LIMIT,
                step=1.0 if kind is ParamType.INTEGER else 0.001,
            )
        case ParamType.BOOLEAN:
            return PointSpec(
                key=key,
                kind=PointKind.SWITCH,
                name=name,
                writable=True,
                entity_category=EntityCategory.CONFIG,
            )
        case ParamType.TEXT:
            return PointSpec(
                key=key,
                kind=PointKind.TEXT,
                name=name,
                writable=True,
                entity_category=EntityCategory.CONFIG,
                maximum=MAX_STATE_LENGTH,
            )
        case ParamType.OTHER:
            return PointSpec(
                key=key, kind=PointKind.SENSOR, name=name, entity_category=EntityCategory.DIAGNOSTIC
            )


def param_state(kind: ParamType, value: object) -> Any:
    """The state of a parameter's point for a value from PARAMS (None when it does not fit)."""
    match kind:
        case ParamType.INTEGER | ParamType.FLOAT:
            return _number(value)
        case ParamType.BOOLEAN:
            return parse_switch_state(value)
        case ParamType.TEXT:
            return value if isinstance(value, str) and len(value) <= MAX_STATE_LENGTH else as_text(value)
        case ParamType.OTHER:
            return as_text(value)


def _number(value: object) -> int | float | None:
    if isinstance(value, str):
        try:
            value = float(value.strip())
        except ValueError:
            return None
    if isinstance(value, bool) or not isinstance(value, int | float):
        return None
    number = float(value)
    if not math.isfinite(number) or abs(number) > NUMBER_LIMIT:
        return None
    return int(number) if isinstance(value, int) else number


class ParamWriteError(ValueError):
    """A value does not fit the parameter it is written to."""


def coerce_write(kind: ParamType, value: object) -> Any:
    """The JSON value to write for `value` into a parameter of `kind`; `ParamWriteError` if unfit."""
    match kind:
        case ParamType.INTEGER | ParamType.FLOAT:
            number = _number(value)
            if number is None:
                raise ParamWriteError(f"expects a number, got {value!r:.40}")
            if kind is ParamType.INTEGER and float(number).is_integer():
                return int(number)
            return float(number)
        case ParamType.BOOLEAN:
            if (state := parse_switch_state(value)) is None:
                raise ParamWriteError(f"expects on or off, got {value!r:.40}")
            return state
        case ParamType.TEXT:
            if not isinstance(value, str):
                raise ParamWriteError(f"expects text, got {type(value).__name__}")
            return value
        case ParamType.OTHER:
            raise ParamWriteError("is read-only")


def set_params_payload(flat_key: str, value: object) -> str:
    """The `SET_PARAMS` payload writing one parameter."""
    return encode({flat_key: value})


def same_value(kind: ParamType, written: object, read_back: object) -> bool:
    """Whether the device took the value (numbers compared as numbers, numeric text included)."""
    if kind in {ParamType.INTEGER, ParamType.FLOAT}:
        number, expected = _number(read_back), _number(written)
        return (
            number is not None
            and expected is not None
            and math.isclose(number, expected, rel_tol=1e-9, abs_tol=1e-9)
        )
    return bool(param_state(kind, read_back) == written)
