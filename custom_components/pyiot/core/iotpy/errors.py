"""Why a write to an IOTpy variable failed, the same keys for local devices and remote servers."""

from enum import StrEnum
import math
from typing import Any

from ..nodes.model import WriteError
from .values import MAX_FLOAT_BITS


class WriteProblem(StrEnum):
    """Stable keys of write failures (translation keys of the Home Assistant side)."""

    NOT_RUNNING = "not_running"
    UNKNOWN_DEVICE = "unknown_device"
    UNKNOWN_VARIABLE = "unknown_variable"
    """Local: the device has no such variable. Remote: `404 Not Found`."""
    BAD_VALUE = "bad_value"
    """Not a finite number or a boolean (what upstream's `/write` accepts)."""
    WRITE_REFUSED = "write_refused"
    """`write()` returned a falsy value. Remote: `400 Bad Request`."""
    WRITE_FAILED = "write_failed"
    """`write()` raised. Remote: `500` (Twisted's "Processing Failed" page)."""
    WRITE_TIMEOUT = "write_timeout"
    WRITE_BUSY = "write_busy"
    """The device's previous `write()` has not returned yet."""
    CANNOT_CONNECT = "cannot_connect"
    UNEXPECTED_STATUS = "unexpected_status"


class IotpyWriteError(WriteError):
    """A write that failed; `key` names the reason, the message says it in English."""

    def __init__(self, key: WriteProblem, message: str, *, status: int | None = None) -> None:
        """`status`: the HTTP status of a remote server's answer, if there was one."""
        super().__init__(message)
        self.key = key
        self.status = status


def check_write_value(value: Any) -> bool | int | float:
    """`value` if upstream's `/write` would accept it (a finite int or float, or a bool), else raise."""
    if isinstance(value, bool):
        return value
    if isinstance(value, int) and not isinstance(value, bool):
        if value.bit_length() > MAX_FLOAT_BITS:
            raise IotpyWriteError(WriteProblem.BAD_VALUE, "The value is too large")
        return value
    if isinstance(value, float) and math.isfinite(value):
        return value
    raise IotpyWriteError(
        WriteProblem.BAD_VALUE, f"IOTpy variables take numbers or booleans, not {value!r:.40}"
    )
