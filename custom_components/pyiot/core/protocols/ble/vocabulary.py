"""The "Python IoT Hub" vocabulary (iot-hub-ble.md): device requests and events, exact type strings."""

from dataclasses import dataclass, field
from enum import StrEnum
from typing import Any


class DeviceEventType(StrEnum):
    """Device events; note that TIME_SYNCED's string is "SYNCED", as in the design."""

    CONNECTED = "CONNECTED"
    DISCONNECTED = "DISCONNECTED"
    TIME_SET = "TIME_SET"
    TIME_SYNCED = "SYNCED"
    NOTIFIED = "NOTIFIED"
    NOTIFY_STARTED = "NOTIFY_STARTED"
    NOTIFY_STOPPED = "NOTIFY_STOPPED"
    PROPS_CHANGED = "PROPS_CHANGED"


class DeviceRequestType(StrEnum):
    """Device requests (the HA side offers them as actions)."""

    RESET = "RESET"
    DISCONNECT = "DISCONNECT"
    START_NOTIFY = "START_NOTIFY"
    STOP_NOTIFY = "STOP_NOTIFY"
    SET_TIME = "SET_TIME"
    SYNC_TIME = "SYNC_TIME"
    READ_VALUE = "READ_VALUE"
    WRITE_VALUE = "WRITE_VALUE"


@dataclass(frozen=True, slots=True)
class DeviceEvent:
    """One device event: the device id (its address), the type and its data.

    `data` holds only JSON-friendly values: `key` (the point key) and `value` (decoded) and `hex`
    (raw bytes) for NOTIFIED, `drift` for SYNCED, `reason` for DISCONNECTED, `props` for PROPS_CHANGED.
    """

    address: str
    type: DeviceEventType
    data: dict[str, Any] = field(default_factory=dict)

    def as_event_data(self) -> dict[str, Any]:
        """The event's data as HA's `pyiot_ble_event` carries it."""
        return {"address": self.address, "type": self.type.value, **self.data}
