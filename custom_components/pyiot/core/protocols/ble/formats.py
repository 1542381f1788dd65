"""Value formats a user picks for a characteristic the core does not know, and their codecs.

Multi-byte numbers are little-endian, as everywhere in GATT. Numbers must have exactly their format's
length: a wrong-length value is an error, never a guess. `scale` multiplies the raw number on decode
and divides on encode (0.01 for a value sent in hundredths).

IEEE-11073 SFLOAT (16 bit: 4-bit exponent, 12-bit mantissa) and FLOAT (32 bit: 8-bit exponent, 24-bit
mantissa) are decimal floats, value = mantissa · 10^exponent, used by health and environmental
profiles; their special values (NaN, NRes, ±INFINITY, reserved) decode to None ("no value").
"""

from dataclasses import dataclass
from decimal import Decimal, InvalidOperation
from enum import StrEnum
import math
import re
import struct
from typing import Any, Final

from .errors import BleErrorKey, ValueDecodeError, ValueEncodeError

MAX_VALUE_LENGTH: Final = 512
"""The longest attribute value ATT allows."""

type Decoded = int | float | str | bool | None


class ValueFormat(StrEnum):
    """How the bytes of a characteristic are read."""

    BOOL = "bool"
    U8 = "u8"
    I8 = "i8"
    U16 = "u16"
    I16 = "i16"
    U24 = "u24"
    U32 = "u32"
    I32 = "i32"
    FLOAT32 = "float32"
    SFLOAT = "sfloat"
    FLOAT = "float"
    UTF8 = "utf8"
    HEX = "hex"


_INTEGERS: Final[dict[ValueFormat, tuple[int, bool]]] = {
    ValueFormat.U8: (1, False),
    ValueFormat.I8: (1, True),
    ValueFormat.U16: (2, False),
    ValueFormat.I16: (2, True),
    ValueFormat.U24: (3, False),
    ValueFormat.U32: (4, False),
    ValueFormat.I32: (4, True),
}
NUMERIC_FORMATS: Final = frozenset({*_INTEGERS, ValueFormat.FLOAT32, ValueFormat.SFLOAT, ValueFormat.FLOAT})
TEXT_FORMATS: Final = frozenset({ValueFormat.UTF8, ValueFormat.HEX})
MAX_TEXT_LENGTH: Final = 255
"""The longest text value reported: Home Assistant refuses longer states (its entities raise)."""


def format_length(fmt: ValueFormat) -> int | None:
    """Bytes a value of `fmt` has; None for variable-length text."""
    if fmt in _INTEGERS:
        return _INTEGERS[fmt][0]
    return {ValueFormat.BOOL: 1, ValueFormat.FLOAT32: 4, ValueFormat.SFLOAT: 2, ValueFormat.FLOAT: 4}.get(fmt)


def integer_range(fmt: ValueFormat) -> tuple[int, int]:
    """Smallest and largest raw integer of an integer format."""
    length, signed = _INTEGERS[fmt]
    bits = 8 * length
    return (-(1 << (bits - 1)), (1 << (bits - 1)) - 1) if signed else (0, (1 << bits) - 1)


def _check_length(data: bytes, expected: int) -> None:
    if len(data) != expected:
        raise ValueDecodeError(
            f"expected {expected} bytes, got {len(data)}",
            key=BleErrorKey.WRONG_LENGTH,
            expected=str(expected),
            actual=str(len(data)),
        )


# --- IEEE-11073 decimal floats ---------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class _DecimalFloat:
    mantissa_bits: int
    exponent_bits: int
    specials: frozenset[int]

    @property
    def length(self) -> int:
        return (self.mantissa_bits + self.exponent_bits) // 8

    @property
    def max_mantissa(self) -> int:
        """Largest encodable |mantissa|: the specials sit at the two ends of the signed range."""
        return (1 << (self.mantissa_bits - 1)) - 3

    def decode(self, data: bytes) -> float | None:
        _check_length(data, self.length)
        raw = int.from_bytes(data, "little")
        mantissa = raw & ((1 << self.mantissa_bits) - 1)
        exponent = raw >> self.mantissa_bits
        if exponent == 0 and mantissa in self.specials:
            return None
        if mantissa >= 1 << (self.mantissa_bits - 1):
            mantissa -= 1 << self.mantissa_bits
        if exponent >= 1 << (self.exponent_bits - 1):
            exponent -= 1 << self.exponent_bits
        return float(Decimal(mantissa).scaleb(exponent))

    def encode(self, value: float) -> bytes:
        if math.isnan(value):
            return self._pack(0, (1 << (self.mantissa_bits - 1)) - 1)  # NaN
        if math.isinf(value):
            return self._pack(0, (1 << (self.mantissa_bits - 1)) - 2 if value > 0 else self._minus_infinity)
        low = -(1 << (self.exponent_bits - 1))
        high = (1 << (self.exponent_bits - 1)) - 1
        exact = Decimal(value)
        if value == 0:
            return self._pack(0, 0)
        # Start just below the exponent that fits the mantissa and walk up: the smallest exponent
        # that fits keeps the most digits.
        start = max(low, min(high, exact.adjusted() - len(str(self.max_mantissa)) - 1))
        for exponent in range(start, high + 1):
            mantissa = int(exact.scaleb(-exponent).to_integral_value())
            if self._fits(mantissa, exponent):
                return self._pack(exponent, mantissa)
        raise ValueEncodeError(f"{value} is too large for IEEE-11073", key=BleErrorKey.OUT_OF_RANGE)

    def _fits(self, mantissa: int, exponent: int) -> bool:
        """Specials exist only with exponent 0; elsewhere the whole signed range is a number."""
        if exponent == 0:
            return abs(mantissa) <= self.max_mantissa
        half = 1 << (self.mantissa_bits - 1)
        return -half <= mantissa < half

    @property
    def _minus_infinity(self) -> int:
        return (1 << (self.mantissa_bits - 1)) + 2 - (1 << self.mantissa_bits)

    def _pack(self, exponent: int, mantissa: int) -> bytes:
        raw = ((exponent % (1 << self.exponent_bits)) << self.mantissa_bits) | (
            mantissa % (1 << self.mantissa_bits)
        )
        return raw.to_bytes(self.length, "little")


SFLOAT: Final = _DecimalFloat(12, 4, frozenset({0x07FF, 0x0800, 0x07FE, 0x0802, 0x0801}))
FLOAT: Final = _DecimalFloat(24, 8, frozenset({0x7FFFFF, 0x800000, 0x7FFFFE, 0x800002, 0x800001}))


# --- the codec of a user format --------------------------------------------------------------------

_HEX_SEPARATORS: Final = re.compile(r"[\s:\-]")


def decode_text(data: bytes) -> str:
    """UTF-8 text, without the trailing NULs C firmware often leaves."""
    try:
        return data.rstrip(b"\0").decode("utf-8")
    except UnicodeDecodeError as err:
        raise ValueDecodeError(f"not UTF-8: {data[:32].hex()}", key=BleErrorKey.NOT_UTF8) from err


def parse_hex(text: str) -> bytes:
    """`"0a1b"`, `"0x0a1b"`, `"0a 1b"` or `"0a:1b"` → bytes."""
    digits = _HEX_SEPARATORS.sub("", text.strip().lower()).removeprefix("0x")
    try:
        return bytes.fromhex(digits)
    except ValueError as err:
        raise ValueEncodeError(f"not hexadecimal bytes: {text!r}") from err


@dataclass(frozen=True, kw_only=True, slots=True)
class UserFormat:
    """A format chosen by the user: how to decode and encode, the scale and the unit shown."""

    format: ValueFormat
    scale: float = 1.0
    unit: str | None = None

    def __post_init__(self) -> None:
        """A scale must be finite and non-zero."""
        if not math.isfinite(self.scale) or self.scale == 0:
            raise ValueError(f"scale must be finite and non-zero, not {self.scale}")

    def decode(self, data: bytes) -> Decoded:
        """The value of `data`; raises `ValueDecodeError` (stable key) on bytes that do not fit."""
        data = bytes(data)
        if len(data) > MAX_VALUE_LENGTH:
            raise ValueDecodeError(
                f"{len(data)} bytes is longer than ATT allows", key=BleErrorKey.WRONG_LENGTH
            )
        fmt = self.format
        if fmt in TEXT_FORMATS:
            text = decode_text(data) if fmt is ValueFormat.UTF8 else data.hex()
            if len(text) > MAX_TEXT_LENGTH:
                raise ValueDecodeError(
                    f"{len(text)} characters is longer than a state can be ({MAX_TEXT_LENGTH})",
                    key=BleErrorKey.TOO_LONG,
                )
            return text
        if fmt is ValueFormat.BOOL:
            _check_length(data, 1)
            if data[0] > 1:
                raise ValueDecodeError(f"not a boolean: {data[0]}", key=BleErrorKey.OUT_OF_RANGE)
            return data[0] == 1
        raw: float | None
        if fmt in _INTEGERS:
            length, signed = _INTEGERS[fmt]
            _check_length(data, length)
            raw = int.from_bytes(data, "little", signed=signed)
        elif fmt is ValueFormat.FLOAT32:
            _check_length(data, 4)
            raw = struct.unpack("<f", data)[0]
            if not math.isfinite(raw):
                return None
        else:
            raw = (SFLOAT if fmt is ValueFormat.SFLOAT else FLOAT).decode(data)
            if raw is None:
                return None
        return self._scaled(raw)

    def _scaled(self, raw: float) -> int | float:
        if self.scale == 1:
            return raw
        # Through Decimal so that 2150 x 0.01 is 21.5, not 21.500000000000004.
        return float(Decimal(raw) * Decimal(repr(self.scale)))

    def encode(self, value: Any) -> bytes:
        """The bytes for `value`; raises `ValueEncodeError` (stable key) for a value that cannot be sent."""
        fmt = self.format
        if fmt is ValueFormat.UTF8:
            if not isinstance(value, str):
                raise ValueEncodeError(f"not text: {value!r}")
            return value.encode("utf-8")
        if fmt is ValueFormat.HEX:
            return bytes(value) if isinstance(value, (bytes, bytearray)) else parse_hex(str(value))
        if fmt is ValueFormat.BOOL:
            return b"\x01" if _as_bool(value) else b"\x00"
        return self._encode_number(_as_number(value))

    def _encode_number(self, number: float) -> bytes:
        fmt = self.format
        if self.scale != 1 and math.isfinite(number):
            number = float(Decimal(repr(number)) / Decimal(repr(self.scale)))
        if fmt in _INTEGERS:
            return self._encode_integer(fmt, number)
        if fmt is ValueFormat.FLOAT32:
            try:
                return struct.pack("<f", number)
            except OverflowError as err:
                raise ValueEncodeError(
                    f"{number} is too large for float32", key=BleErrorKey.OUT_OF_RANGE
                ) from err
        return (SFLOAT if fmt is ValueFormat.SFLOAT else FLOAT).encode(number)

    @staticmethod
    def _encode_integer(fmt: ValueFormat, number: float) -> bytes:
        if not math.isfinite(number):
            raise ValueEncodeError(f"{number} is not a number", key=BleErrorKey.OUT_OF_RANGE)
        raw = round(number)
        low, high = integer_range(fmt)
        if not low <= raw <= high:
            raise ValueEncodeError(
                f"{raw} is outside {low}..{high}",
                key=BleErrorKey.OUT_OF_RANGE,
                minimum=str(low),
                maximum=str(high),
            )
        return raw.to_bytes(_INTEGERS[fmt][0], "little", signed=_INTEGERS[fmt][1])


def _as_bool(value: Any) -> bool:
    if isinstance(value, bool):
        return value
    if isinstance(value, (int, float)) and value in {0, 1}:
        return bool(value)
    if isinstance(value, str) and value.strip().lower() in {"on", "true", "1", "off", "false", "0"}:
        return value.strip().lower() in {"on", "true", "1"}
    raise ValueEncodeError(f"not a boolean: {value!r}")


def _as_number(value: Any) -> float:
    if isinstance(value, bool):
        return float(value)
    if isinstance(value, (int, float)):
        return float(value)
    if isinstance(value, str):
        try:
            return float(Decimal(value.strip()))
        except (InvalidOperation, ValueError) as err:
            raise ValueEncodeError(f"not a number: {value!r}") from err
    raise ValueEncodeError(f"not a number: {value!r}")
