"""SIG-assigned characteristics the core decodes by itself, with units and Home Assistant device classes.

Resolutions and "value is not known" markers follow the GATT Specification Supplement. Device classes,
units and state classes are Home Assistant's string values so that the HA side passes them through.
"""

from collections.abc import Callable
from dataclasses import dataclass
from typing import Final

from .errors import BleErrorKey, ValueDecodeError
from .formats import FLOAT, Decoded, UserFormat, ValueFormat, decode_text
from .uuids import sig_uuid

MEASUREMENT: Final = "measurement"
_UINT16_UNKNOWN: Final = 0xFFFF


@dataclass(frozen=True, kw_only=True, slots=True)
class KnownCharacteristic:
    """How one SIG characteristic is decoded and shown."""

    uuid: str
    name: str
    format: ValueFormat
    scale: float = 1.0
    unknown: int | None = None
    """Raw value meaning "not known" (decodes to None)."""
    minimum: float | None = None
    maximum: float | None = None
    unit: str | None = None
    device_class: str | None = None
    state_class: str | None = None
    suggested_precision: int | None = None
    parse: Callable[[bytes], Decoded] | None = None
    """A decoder for structured values (flags + fields) instead of `format`."""

    @property
    def user_format(self) -> UserFormat:
        """The plain format that reads (and writes) this characteristic."""
        return UserFormat(format=self.format, scale=self.scale, unit=self.unit)

    def decode(self, data: bytes) -> Decoded:
        """Decode `data`; `ValueDecodeError` with a stable key when it does not fit the specification."""
        if self.parse is not None:
            return self.parse(bytes(data))
        fmt = self.user_format
        raw = UserFormat(format=self.format).decode(data)
        if raw is None or (self.unknown is not None and raw == self.unknown):
            return None
        if isinstance(raw, (int, float)) and not isinstance(raw, bool):
            if (self.minimum is not None and raw < self.minimum) or (
                self.maximum is not None and raw > self.maximum
            ):
                raise ValueDecodeError(
                    f"{raw} is outside the range of {self.name}", key=BleErrorKey.OUT_OF_RANGE
                )
            return fmt.decode(data)
        return raw


def _temperature_measurement(data: bytes) -> float | None:
    """Health Thermometer 0x2A1C: flags, IEEE-11073 FLOAT temperature (°C or °F), optional fields."""
    if len(data) < 1 + FLOAT.length:
        raise ValueDecodeError("temperature measurement shorter than 5 bytes", key=BleErrorKey.WRONG_LENGTH)
    value = FLOAT.decode(data[1:5])
    if value is not None and data[0] & 0x01:  # Fahrenheit
        value = round((value - 32) * 5 / 9, 6)
    return value


def _heart_rate(data: bytes) -> int:
    """Heart Rate Measurement 0x2A37: flags, then uint8 or uint16 beats per minute."""
    wide = bool(data[:1]) and bool(data[0] & 0x01)
    if len(data) < 1 + (2 if wide else 1):
        raise ValueDecodeError("heart rate measurement too short", key=BleErrorKey.WRONG_LENGTH)
    return int.from_bytes(data[1:3] if wide else data[1:2], "little")


def _weight(data: bytes) -> float | None:
    """Weight Measurement 0x2A9D: flags, uint16 in 5 g (SI) or 0.01 lb (imperial), optional fields."""
    if len(data) < 1 + 2:
        raise ValueDecodeError("weight measurement shorter than 3 bytes", key=BleErrorKey.WRONG_LENGTH)
    raw = int.from_bytes(data[1:3], "little")
    if raw == _UINT16_UNKNOWN:
        return None
    return round(raw * 0.005, 3) if not data[0] & 0x01 else round(raw * 0.01 * 0.45359237, 3)


def _k(short: int, name: str, fmt: ValueFormat, **kwargs: object) -> KnownCharacteristic:
    return KnownCharacteristic(uuid=sig_uuid(short), name=name, format=fmt, **kwargs)  # type: ignore[arg-type]


_M = {"state_class": MEASUREMENT}
KNOWN: Final[dict[str, KnownCharacteristic]] = {
    known.uuid: known
    for known in (
        _k(0x2A19, "Battery level", ValueFormat.U8, maximum=100, unit="%", device_class="battery", **_M),
        _k(0x2A6E, "Temperature", ValueFormat.I16, scale=0.01, unknown=-0x8000, unit="°C",
           device_class="temperature", suggested_precision=2, **_M),
        _k(0x2A1F, "Temperature", ValueFormat.I16, scale=0.1, unknown=-0x8000, unit="°C",
           device_class="temperature", suggested_precision=1, **_M),
        _k(0x2A1C, "Temperature", ValueFormat.FLOAT, parse=_temperature_measurement, unit="°C",
           device_class="temperature", **_M),
        _k(0x2A6F, "Humidity", ValueFormat.U16, scale=0.01, unknown=0xFFFF, maximum=10000, unit="%",
           device_class="humidity", suggested_precision=1, **_M),
        _k(0x2A6D, "Pressure", ValueFormat.U32, scale=0.001, unit="hPa", device_class="pressure",
           suggested_precision=1, **_M),
        _k(0x2AFB, "Illuminance", ValueFormat.U24, scale=0.01, unknown=0xFFFFFF, unit="lx",
           device_class="illuminance", **_M),
        _k(0x2A7B, "Dew point", ValueFormat.I8, unit="°C", device_class="temperature", **_M),
        _k(0x2A70, "True wind speed", ValueFormat.U16, scale=0.01, unit="m/s", device_class="wind_speed",
           **_M),
        _k(0x2A76, "UV index", ValueFormat.U8, **_M),
        _k(0x2B8C, "CO2", ValueFormat.U16, unknown=0xFFFF, unit="ppm", device_class="carbon_dioxide", **_M),
        _k(0x2BD6, "PM2.5", ValueFormat.SFLOAT, scale=1e9, unit="µg/m³", device_class="pm25", **_M),
        _k(0x2B18, "Voltage", ValueFormat.U16, scale=1 / 64, unknown=0xFFFF, unit="V", device_class="voltage",
           suggested_precision=2, **_M),
        _k(0x2AEE, "Current", ValueFormat.U16, scale=0.01, unknown=0xFFFF, unit="A", device_class="current",
           **_M),
        _k(0x2B05, "Power", ValueFormat.U24, scale=0.1, unknown=0xFFFFFF, unit="W", device_class="power",
           **_M),
        _k(0x2A37, "Heart rate", ValueFormat.U16, parse=_heart_rate, unit="bpm", **_M),
        _k(0x2A9D, "Weight", ValueFormat.U16, parse=_weight, unit="kg", device_class="weight", **_M),
        _k(0x2A58, "Analog", ValueFormat.U16, **_M),
        _k(0x2A00, "Device name", ValueFormat.UTF8),
    )
}  # fmt: skip
"""Characteristics decoded by themselves, by normal-form UUID."""


class DeviceInformation:
    """The Device Information service (0x180A) strings and their device-registry fields."""

    SERVICE: Final = sig_uuid(0x180A)
    FIELDS: Final[dict[str, str]] = {
        sig_uuid(0x2A29): "manufacturer",
        sig_uuid(0x2A24): "model",
        sig_uuid(0x2A26): "sw_version",  # firmware revision: what HA shows as the device's version
        sig_uuid(0x2A27): "hw_version",
        sig_uuid(0x2A25): "serial_number",
        sig_uuid(0x2A28): "software_revision",
    }

    @staticmethod
    def decode(data: bytes) -> str:
        """One DIS string (UTF-8, trailing NULs removed, at most 64 characters)."""
        return decode_text(data).strip()[:64]


def known(uuid: str) -> KnownCharacteristic | None:
    """The known characteristic with normal-form `uuid`, if any."""
    return KNOWN.get(uuid)
