"""Typed errors of the BLE GATT core; each has a stable `key` the HA side turns into a translated error."""

from enum import StrEnum


class BleErrorKey(StrEnum):
    """Stable keys of every BLE error (translation keys on the HA side, counters in diagnostics)."""

    WRONG_LENGTH = "wrong_length"
    TOO_LONG = "too_long"
    NOT_UTF8 = "not_utf8"
    OUT_OF_RANGE = "out_of_range"
    NO_VALUE = "no_value"
    BAD_VALUE = "bad_value"
    UNKNOWN_CHARACTERISTIC = "unknown_characteristic"
    CHARACTERISTIC_GONE = "characteristic_gone"
    NOT_READABLE = "not_readable"
    NOT_WRITABLE = "not_writable"
    NOT_NOTIFIABLE = "not_notifiable"
    WRITE_TOO_LARGE = "write_too_large"
    NOT_CONFIGURED = "not_configured"
    NOT_FOUND = "device_not_found"
    OUT_OF_SLOTS = "out_of_slots"
    AUTHENTICATION = "authentication"
    CONNECT_FAILED = "connect_failed"
    DISCONNECTED = "disconnected"
    GATT_ERROR = "gatt_error"
    TIMEOUT = "timeout"
    STOPPED = "stopped"


class BleError(Exception):
    """Base of every BLE error: a stable `key`, a human message and placeholders for translations."""

    key: BleErrorKey = BleErrorKey.GATT_ERROR

    def __init__(self, message: str, *, key: BleErrorKey | None = None, **placeholders: str) -> None:
        """Raise with `message`; `key` overrides the class' key, `placeholders` fill the translation."""
        super().__init__(message)
        if key is not None:
            self.key = key
        self.placeholders = placeholders


class ValueDecodeError(BleError):
    """Bytes from the device do not decode with the characteristic's format."""

    key = BleErrorKey.BAD_VALUE


class ValueEncodeError(BleError):
    """A value to write cannot be encoded with the characteristic's format."""

    key = BleErrorKey.BAD_VALUE


class CharacteristicError(BleError):
    """The characteristic is unknown, gone, or does not allow the operation."""

    key = BleErrorKey.UNKNOWN_CHARACTERISTIC


class LinkError(BleError):
    """The device could not be reached or the link dropped."""

    key = BleErrorKey.CONNECT_FAILED


class OutOfSlotsError(LinkError):
    """No adapter or proxy near the device has a free connection slot."""

    key = BleErrorKey.OUT_OF_SLOTS


class AuthenticationError(BleError):
    """The device requires pairing (ATT insufficient authentication / encryption / authorization)."""

    key = BleErrorKey.AUTHENTICATION
