"""Characteristics as points: what a user picked, how it is decoded, which entity kind it becomes.

A point's key is `<uuid>_<handle>` (the HA side's unique id adds the device address: address + UUID +
handle, stable across restarts and unique even when a device has the same UUID twice).

Kinds: readable or notifying → sensor (binary sensor for `bool`); writable → switch (`bool`), number
(numeric), text (`utf8`/`hex`); write-only with a fixed `press_value` → button.
"""

from collections.abc import Iterable
from dataclasses import dataclass
from enum import StrEnum
from typing import Any, Final

from ...nodes.model import PointKind, PointSpec
from .errors import BleErrorKey, CharacteristicError, ValueEncodeError
from .formats import NUMERIC_FORMATS, Decoded, UserFormat, ValueFormat, integer_range, parse_hex
from .sig import KnownCharacteristic, known
from .uuids import normalize_uuid

MAX_POINTS: Final = 64
"""At most this many characteristics of one device become entities."""


class CharProperty(StrEnum):
    """Characteristic properties, with bleak's names."""

    READ = "read"
    WRITE = "write"
    WRITE_WITHOUT_RESPONSE = "write-without-response"
    NOTIFY = "notify"
    INDICATE = "indicate"


@dataclass(frozen=True, kw_only=True, slots=True)
class GattCharacteristic:
    """A discovered characteristic: what the GATT explorer lists."""

    uuid: str
    handle: int
    properties: frozenset[str]
    service_uuid: str
    descriptors: tuple[str, ...] = ()

    @property
    def readable(self) -> bool:
        """Whether it can be read."""
        return CharProperty.READ in self.properties

    @property
    def notifies(self) -> bool:
        """Whether it can notify or indicate."""
        return bool({CharProperty.NOTIFY, CharProperty.INDICATE} & self.properties)

    @property
    def writable(self) -> bool:
        """Whether it can be written, with or without response."""
        return bool({CharProperty.WRITE, CharProperty.WRITE_WITHOUT_RESPONSE} & self.properties)

    @property
    def write_with_response(self) -> bool:
        """Whether writes should ask for a response (preferred when both are allowed)."""
        return CharProperty.WRITE in self.properties


def point_key(uuid: str, handle: int) -> str:
    """The key of the point of a characteristic."""
    return f"{uuid}_{handle}"


def unique_key(address: str, uuid: str, handle: int) -> str:
    """Address + characteristic UUID + handle: unique across devices and stable across restarts."""
    return f"{normalize_address(address)}_{point_key(uuid, handle)}"


_ADDRESS_DIGITS: Final = 12


def normalize_address(address: str) -> str:
    """Upper-case colon form of a MAC address (HA's `bluetooth` uses the same)."""
    digits = address.replace(":", "").replace("-", "").upper()
    if len(digits) != _ADDRESS_DIGITS or any(c not in "0123456789ABCDEF" for c in digits):
        raise ValueError(f"not a Bluetooth address: {address!r}")
    return ":".join(digits[i : i + 2] for i in range(0, 12, 2))


@dataclass(frozen=True, kw_only=True, slots=True)
class CharacteristicBinding:
    """A characteristic the user ticked in the explorer, as stored in the entry.

    `format` None means a known SIG characteristic, decoded by itself. `press_value` makes a
    write-only characteristic a button that writes those bytes.
    """

    uuid: str
    handle: int
    properties: frozenset[str]
    format: UserFormat | None = None
    name: str | None = None
    press_value: bytes | None = None

    @property
    def key(self) -> str:
        """The point key."""
        return point_key(self.uuid, self.handle)

    @property
    def known(self) -> KnownCharacteristic | None:
        """The SIG definition used when no user format is set."""
        return None if self.format is not None else known(self.uuid)

    @property
    def characteristic(self) -> GattCharacteristic:
        """As a discovered characteristic (service unknown)."""
        return GattCharacteristic(
            uuid=self.uuid, handle=self.handle, properties=self.properties, service_uuid=""
        )

    @classmethod
    def for_characteristic(
        cls,
        characteristic: GattCharacteristic,
        fmt: UserFormat | None = None,
        *,
        name: str | None = None,
        press_value: bytes | None = None,
    ) -> CharacteristicBinding:
        """Bind a discovered characteristic; raises CharacteristicError when it cannot be decoded."""
        binding = cls(
            uuid=characteristic.uuid,
            handle=characteristic.handle,
            properties=characteristic.properties,
            format=fmt,
            name=name,
            press_value=press_value,
        )
        if fmt is None and binding.known is None:
            raise CharacteristicError(
                f"{characteristic.uuid} is not a known characteristic: choose a format",
                key=BleErrorKey.UNKNOWN_CHARACTERISTIC,
                uuid=characteristic.uuid,
            )
        return binding

    def decode(self, data: bytes) -> Decoded:
        """Decode a value read or notified; `ValueDecodeError` with a stable key on bad bytes."""
        if self.format is not None:
            return self.format.decode(data)
        definition = self.known
        assert definition is not None  # noqa: S101 - guaranteed by for_characteristic / from_dict
        return definition.decode(data)

    def encode(self, value: Any) -> bytes:
        """Bytes to write for `value` (a button's fixed bytes when `value` is None)."""
        if value is None and self.press_value is not None:
            return self.press_value
        if value is None:
            raise ValueEncodeError("nothing to write", key=BleErrorKey.BAD_VALUE)
        fmt = self.format or self._known_format()
        return fmt.encode(value)

    def _known_format(self) -> UserFormat:
        definition = self.known
        if definition is None or definition.parse is not None:
            raise ValueEncodeError(
                f"{self.uuid} cannot be written without a format", key=BleErrorKey.BAD_VALUE
            )
        return definition.user_format

    def point(self) -> PointSpec:
        """The point (entity) of this characteristic."""
        return point_spec(self)

    def as_dict(self) -> dict[str, Any]:
        """Serialise for the config entry."""
        data: dict[str, Any] = {
            "uuid": self.uuid,
            "handle": self.handle,
            "properties": sorted(self.properties),
        }
        if self.format is not None:
            data["format"] = self.format.format.value
            if self.format.scale != 1:
                data["scale"] = self.format.scale
            if self.format.unit:
                data["unit"] = self.format.unit
        if self.name:
            data["name"] = self.name
        if self.press_value is not None:
            data["press_value"] = self.press_value.hex()
        return data

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> CharacteristicBinding:
        """Inverse of `as_dict`; raises KeyError/ValueError/TypeError on a malformed record."""
        fmt = (
            UserFormat(
                format=ValueFormat(data["format"]), scale=float(data.get("scale", 1.0)), unit=data.get("unit")
            )
            if "format" in data
            else None
        )
        characteristic = GattCharacteristic(
            uuid=normalize_uuid(str(data["uuid"])),
            handle=int(data["handle"]),
            properties=frozenset(str(p) for p in data["properties"]),
            service_uuid="",
        )
        press = data.get("press_value")
        return cls.for_characteristic(
            characteristic,
            fmt,
            name=data.get("name"),
            press_value=None if press is None else parse_hex(press),
        )


def point_kind(
    characteristic: GattCharacteristic, fmt: ValueFormat, *, press_value: bytes | None = None
) -> PointKind:
    """The entity kind a characteristic with values of `fmt` becomes."""
    if characteristic.writable:
        if not characteristic.readable and not characteristic.notifies and press_value is not None:
            return PointKind.BUTTON
        if fmt is ValueFormat.BOOL:
            return PointKind.SWITCH
        if fmt in NUMERIC_FORMATS:
            return PointKind.NUMBER
        return PointKind.TEXT
    if fmt is ValueFormat.BOOL:
        return PointKind.BINARY_SENSOR
    return PointKind.SENSOR


def point_spec(binding: CharacteristicBinding) -> PointSpec:
    """The PointSpec of a binding: kind, name, unit, device class, number range."""
    definition = binding.known
    fmt = binding.format or (definition.user_format if definition else None)
    assert fmt is not None  # noqa: S101 - a binding has a format or a known definition
    characteristic = binding.characteristic
    kind = point_kind(characteristic, fmt.format, press_value=binding.press_value)
    name = binding.name or (definition.name if definition else None)
    minimum = maximum = step = None
    if kind is PointKind.NUMBER:
        minimum, maximum, step = _number_range(fmt, definition)
    numeric = fmt.format in NUMERIC_FORMATS and kind in {PointKind.SENSOR, PointKind.NUMBER}
    return PointSpec(
        key=binding.key,
        kind=kind,
        name=name or binding.uuid,
        device_class=definition.device_class if definition and kind is PointKind.SENSOR else None,
        unit=(definition.unit if definition else fmt.unit) if numeric else None,
        state_class=(definition.state_class if definition else "measurement")
        if numeric and kind is PointKind.SENSOR
        else None,
        writable=characteristic.writable,
        minimum=minimum,
        maximum=maximum,
        step=step,
        suggested_precision=definition.suggested_precision if definition else None,
    )


def _number_range(fmt: UserFormat, definition: KnownCharacteristic | None) -> tuple[float, float, float]:
    if fmt.format in {ValueFormat.FLOAT32, ValueFormat.SFLOAT, ValueFormat.FLOAT}:
        return -1e6, 1e6, 0.01 if fmt.scale == 1 else abs(fmt.scale)
    low, high = integer_range(fmt.format)
    if definition is not None:
        low = int(definition.minimum) if definition.minimum is not None else low
        high = int(definition.maximum) if definition.maximum is not None else high
    scaled = sorted((low * fmt.scale, high * fmt.scale))
    return scaled[0], scaled[1], abs(fmt.scale)


def explore(characteristics: Iterable[GattCharacteristic]) -> list[GattCharacteristic]:
    """What the explorer offers: every readable, notifying or writable characteristic, GAP/GATT hidden."""
    hidden = {normalize_uuid("1800"), normalize_uuid("1801")}
    return [
        c
        for c in characteristics
        if c.service_uuid not in hidden and (c.readable or c.notifies or c.writable)
    ][:256]
