"""BLE GATT devices (the "Python IoT Hub" model) through any connected GATT client, without Home Assistant.

- `formats`, `sig`, `current_time`: value codecs (user formats, SIG characteristics, Current Time).
- `points`: characteristics as points (kind, unique key, stored bindings).
- `vocabulary`: IoT Hub request and event types.
- `policy`, `device`: connection policies and the per-device engine.
- `gatt`: the seams (`GattConnector`, `GattClient`); `bleak_link`: the bleak implementation.
"""

from .bleak_link import BleakGattClient, BleakGattConnector
from .current_time import (
    AdjustReason,
    CurrentTime,
    decode_current_time,
    decode_local_time_information,
    encode_current_time,
    encode_local_time_information,
)
from .device import BleGattDevice, ReadResult, ResetCommand
from .errors import (
    AuthenticationError,
    BleError,
    BleErrorKey,
    CharacteristicError,
    LinkError,
    OutOfSlotsError,
    ValueDecodeError,
    ValueEncodeError,
)
from .formats import UserFormat, ValueFormat
from .gatt import GattClient, GattConnector
from .points import (
    CharacteristicBinding,
    CharProperty,
    GattCharacteristic,
    explore,
    normalize_address,
    point_key,
    point_kind,
    point_spec,
    unique_key,
)
from .policy import Backoff, ConnectionMode, ConnectionPolicy, NotificationCoalescer
from .sig import KNOWN, DeviceInformation, KnownCharacteristic, known
from .uuids import normalize_uuid, sig_uuid
from .vocabulary import DeviceEvent, DeviceEventType, DeviceRequestType

__all__ = [
    "KNOWN",
    "AdjustReason",
    "AuthenticationError",
    "Backoff",
    "BleError",
    "BleErrorKey",
    "BleGattDevice",
    "BleakGattClient",
    "BleakGattConnector",
    "CharProperty",
    "CharacteristicBinding",
    "CharacteristicError",
    "ConnectionMode",
    "ConnectionPolicy",
    "CurrentTime",
    "DeviceEvent",
    "DeviceEventType",
    "DeviceInformation",
    "DeviceRequestType",
    "GattCharacteristic",
    "GattClient",
    "GattConnector",
    "KnownCharacteristic",
    "LinkError",
    "NotificationCoalescer",
    "OutOfSlotsError",
    "ReadResult",
    "ResetCommand",
    "UserFormat",
    "ValueDecodeError",
    "ValueEncodeError",
    "ValueFormat",
    "decode_current_time",
    "decode_local_time_information",
    "encode_current_time",
    "encode_local_time_information",
    "explore",
    "known",
    "normalize_address",
    "normalize_uuid",
    "point_key",
    "point_kind",
    "point_spec",
    "sig_uuid",
    "unique_key",
]
