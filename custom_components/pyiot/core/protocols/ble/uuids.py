"""GATT UUIDs: one normal form (lower-case 128-bit) and the short form of SIG-assigned ones."""

import re
from typing import Final

BASE_SUFFIX: Final = "-0000-1000-8000-00805f9b34fb"
_FULL = re.compile(r"^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$")
_SHORT = re.compile(r"^(0x)?([0-9a-f]{4}|[0-9a-f]{8})$")


def normalize_uuid(uuid: str) -> str:
    """`"2A19"`, `"0x2a19"`, `"00002a19"` or a full UUID → `"00002a19-0000-1000-8000-00805f9b34fb"`.

    Raises ValueError for anything else.
    """
    text = uuid.strip().lower()
    if _FULL.match(text):
        return text
    if match := _SHORT.match(text):
        return f"{int(match.group(2), 16):08x}{BASE_SUFFIX}"
    raise ValueError(f"not a UUID: {uuid!r}")


def sig_short(uuid: str) -> int | None:
    """The 16-bit number of a SIG-assigned UUID (`0x2A19`), None for a vendor's 128-bit UUID."""
    if uuid.endswith(BASE_SUFFIX) and uuid.startswith("0000"):
        return int(uuid[4:8], 16)
    return None


def sig_uuid(short: int) -> str:
    """The normal form of a SIG-assigned 16-bit UUID."""
    return f"{short:08x}{BASE_SUFFIX}"
