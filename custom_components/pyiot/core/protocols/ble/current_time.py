"""Current Time Service: Current Time (0x2A2B) and Local Time Information (0x2A0F), in local time.

A device keeps wall-clock time without a zone; the caller gives "now" as an aware datetime in the
zone the device lives in (Home Assistant's time zone unless configured otherwise), and its wall-clock
fields are what is written. Local Time Information carries that zone's offset (15-minute units) and
DST offset, as of that instant.
"""

from dataclasses import dataclass
import datetime as dt
from enum import IntFlag
import struct
from typing import Final

from .errors import BleErrorKey, ValueDecodeError, ValueEncodeError
from .uuids import sig_uuid

CURRENT_TIME: Final = sig_uuid(0x2A2B)
LOCAL_TIME_INFORMATION: Final = sig_uuid(0x2A0F)
CURRENT_TIME_SERVICE: Final = sig_uuid(0x1805)
CURRENT_TIME_LENGTH: Final = 10
_LAYOUT: Final = struct.Struct("<HBBBBBBBB")
_DST_CODES: Final = {0: 0, 30: 2, 60: 4, 120: 8}
_DST_UNKNOWN: Final = 255
_ZONE_UNKNOWN: Final = -128
_ZONES: Final = range(-48, 57)
"""UTC-12:00 to UTC+14:00 in 15-minute steps."""
_YEARS: Final = range(1582, 10000)
_SUNDAY: Final = 7
_LTI_LENGTH: Final = 2


class AdjustReason(IntFlag):
    """Why the time was adjusted (the last byte of Current Time)."""

    NONE = 0
    MANUAL = 0x01
    EXTERNAL_REFERENCE = 0x02
    TIME_ZONE = 0x04
    DST = 0x08


@dataclass(frozen=True, slots=True)
class CurrentTime:
    """A decoded Current Time value; `time` is None when the device does not know the date."""

    time: dt.datetime | None
    day_of_week: int
    """1 = Monday … 7 = Sunday, 0 = unknown."""
    fractions256: int
    adjust_reason: AdjustReason


def encode_current_time(now: dt.datetime, reason: AdjustReason = AdjustReason.MANUAL) -> bytes:
    """The 10 bytes of Current Time for `now`'s wall-clock time."""
    if now.year not in _YEARS:
        raise ValueEncodeError(f"year {now.year} cannot be sent", key=BleErrorKey.OUT_OF_RANGE)
    return _LAYOUT.pack(
        now.year,
        now.month,
        now.day,
        now.hour,
        now.minute,
        now.second,
        now.isoweekday(),
        now.microsecond * 256 // 1_000_000,
        int(reason) & 0x0F,
    )


def decode_current_time(data: bytes) -> CurrentTime:
    """Decode Current Time; bytes beyond the 10 defined ones are ignored (later revisions may add some)."""
    if len(data) < CURRENT_TIME_LENGTH:
        raise ValueDecodeError(
            f"Current Time needs {CURRENT_TIME_LENGTH} bytes, got {len(data)}", key=BleErrorKey.WRONG_LENGTH
        )
    year, month, day, hour, minute, second, weekday, fractions, reason = _LAYOUT.unpack(
        bytes(data[:CURRENT_TIME_LENGTH])
    )
    if weekday > _SUNDAY:
        raise ValueDecodeError(f"day of week {weekday}", key=BleErrorKey.OUT_OF_RANGE)
    moment: dt.datetime | None = None
    if year and month and day:
        try:
            moment = dt.datetime(year, month, day, hour, minute, second, fractions * 1_000_000 // 256)  # noqa: DTZ001
        except ValueError as err:
            raise ValueDecodeError(f"not a date and time: {err}", key=BleErrorKey.OUT_OF_RANGE) from err
        if year not in _YEARS:
            raise ValueDecodeError(f"year {year}", key=BleErrorKey.OUT_OF_RANGE)
    return CurrentTime(moment, weekday, fractions, AdjustReason(reason & 0x0F))


def encode_local_time_information(now: dt.datetime) -> bytes:
    """Local Time Information for the zone of the aware datetime `now`."""
    offset = now.utcoffset()
    if offset is None:
        raise ValueEncodeError("local time information needs a time zone", key=BleErrorKey.BAD_VALUE)
    dst = now.dst() or dt.timedelta(0)
    standard_quarters = round((offset - dst).total_seconds() / 900)
    if standard_quarters not in _ZONES:
        raise ValueEncodeError(f"UTC offset {offset} cannot be sent", key=BleErrorKey.OUT_OF_RANGE)
    dst_code = _DST_CODES.get(round(dst.total_seconds() / 60), _DST_UNKNOWN)
    return struct.pack("<bB", standard_quarters, dst_code)


def decode_local_time_information(data: bytes) -> tuple[dt.timedelta | None, dt.timedelta | None]:
    """(standard UTC offset, DST offset); None for the "not known" markers."""
    if len(data) != _LTI_LENGTH:
        raise ValueDecodeError(
            f"Local Time Information needs 2 bytes, got {len(data)}", key=BleErrorKey.WRONG_LENGTH
        )
    quarters, dst_code = struct.unpack("<bB", bytes(data))
    if quarters != _ZONE_UNKNOWN and quarters not in _ZONES:
        raise ValueDecodeError(f"time zone {quarters}", key=BleErrorKey.OUT_OF_RANGE)
    minutes = {code: value for value, code in _DST_CODES.items()}.get(dst_code)
    if dst_code != _DST_UNKNOWN and minutes is None:
        raise ValueDecodeError(f"DST offset code {dst_code}", key=BleErrorKey.OUT_OF_RANGE)
    zone = None if quarters == _ZONE_UNKNOWN else dt.timedelta(minutes=15 * quarters)
    return zone, None if minutes is None else dt.timedelta(minutes=minutes)


def clock_drift(device: CurrentTime, now: dt.datetime) -> float | None:
    """Seconds the device's clock is ahead of `now`'s wall clock (negative: behind); None if unknown."""
    if device.time is None:
        return None
    return (device.time - now.replace(tzinfo=None)).total_seconds()
