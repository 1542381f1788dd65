"""SYSINFO (fmpyiot.md §4.1): the device description, in its 2024 object shape and its 2023 list shape.

Since 2024 `uname`, `ifconfig` and `statvfs` are objects and there are more keys (`name`,
`mqtt_base_topic`, `rssi`, `logging_level`, `vsys`, `mqtt_client_id`); firmware of 2023 sends lists
and fewer keys. A field of the wrong type is left out (and named in `problems`); only a document that
is not an object is refused.
"""

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
import logging
import re
from typing import Any, Final

from ...nodes.model import EntityCategory, NodeInfo, PointKind, PointSpec
from .topics import KEY_SEPARATOR

MANUFACTURER: Final = "FmPyIOT"
SYSINFO_NAMESPACE: Final = "sysinfo"
MAX_FIELD_LENGTH: Final = 128

_UNAME_KEYS: Final = ("sysname", "nodename", "release", "version", "machine")
_IFCONFIG_KEYS: Final = ("ip", "subnet", "gateway", "dns")
_STATVFS_KEYS: Final = (
    "f_bsize",
    "f_frsize",
    "f_blocks",
    "f_bfree",
    "f_bavail",
    "f_files",
    "f_ffree",
    "f_favail",
    "f_flag",
    "fnamemax",
)
_MAC = re.compile(r"[0-9a-f]{2}(?:[:-]?[0-9a-f]{2}){5}")
_CLIENT_ID = re.compile(r"[0-9A-Za-z_.:-]{1,64}")
_IPV4 = re.compile(r"(?:\d{1,3}\.){3}\d{1,3}")
_NUMBER_LIMIT: Final = 1e15

LOGGING_LEVELS: Final = {
    logging.DEBUG: "debug",
    logging.INFO: "info",
    logging.WARNING: "warning",
    logging.ERROR: "error",
    logging.CRITICAL: "critical",
}
"""MicroPython logging levels and the option names of the logging-level select."""


class SysInfoError(ValueError):
    """SYSINFO is not an object."""


@dataclass(frozen=True, kw_only=True, slots=True)
class SysInfo:
    """What one SYSINFO said; None for what it did not say (or said in the wrong type)."""

    name: str | None = None
    base_topic: str | None = None
    mac: str | None = None
    client_id: str | None = None
    sysname: str | None = None
    release: str | None = None
    version: str | None = None
    machine: str | None = None
    ip: str | None = None
    ssid: str | None = None
    rssi: int | None = None
    mem_free: int | None = None
    mem_alloc: int | None = None
    flash_free: int | None = None
    logging_level: int | None = None
    vsys: float | None = None
    problems: tuple[str, ...] = ()

    @property
    def logging_level_name(self) -> str | None:
        """`debug` ... `critical`, or None for a level that is not one of MicroPython's five."""
        return None if self.logging_level is None else LOGGING_LEVELS.get(self.logging_level)


def normalise_mac(text: object) -> str | None:
    """`28:cd:c1:0f:4d:81` from any common spelling of a MAC address, or None."""
    if not isinstance(text, str) or not _MAC.fullmatch(candidate := text.strip().lower()):
        return None
    digits = candidate.replace(":", "").replace("-", "")
    if digits in {"000000000000", "ffffffffffff"}:
        return None
    return ":".join(digits[index : index + 2] for index in range(0, 12, 2))


def parse_sysinfo(document: object) -> SysInfo:
    """The description in a decoded SYSINFO payload; `SysInfoError` if it is not an object."""
    if not isinstance(document, dict):
        raise SysInfoError(f"expected an object, got {type(document).__name__}")
    problems: list[str] = []
    uname = _record(document, "uname", _UNAME_KEYS, problems)
    ifconfig = _record(document, "ifconfig", _IFCONFIG_KEYS, problems)
    statvfs = _record(document, "statvfs", _STATVFS_KEYS, problems)
    wifi = _record(document, "wifi", (), problems)
    mac = normalise_mac(document.get("mac"))
    if "mac" in document and mac is None:
        problems.append("mac")
    client_id = document.get("mqtt_client_id")
    if client_id is not None and not (isinstance(client_id, str) and _CLIENT_ID.fullmatch(client_id)):
        problems.append("mqtt_client_id")
        client_id = None
    ip = _text(ifconfig.get("ip"))
    if ip is not None and not _IPV4.fullmatch(ip):
        problems.append("ip")
        ip = None
    vsys = document.get("vsys")
    return SysInfo(
        name=_text(document.get("name")),
        base_topic=_text(document.get("mqtt_base_topic")),
        mac=mac,
        client_id=client_id,
        sysname=_text(uname.get("sysname")),
        release=_text(uname.get("release")),
        version=_text(uname.get("version")),
        machine=_text(uname.get("machine")),
        ip=ip,
        ssid=_text(wifi.get("ssid")),
        rssi=_integer(wifi.get("rssi")),
        mem_free=_integer(document.get("mem_free")),
        mem_alloc=_integer(document.get("mem_alloc")),
        flash_free=_flash_free(statvfs),
        logging_level=_integer(document.get("logging_level")),
        vsys=_number(vsys),
        problems=tuple(problems),
    )


def _record(
    document: Mapping[str, Any], key: str, names: Sequence[str], problems: list[str]
) -> Mapping[str, Any]:
    """A sub-object of SYSINFO; the 2023 lists are read with the names of the 2024 keys."""
    value = document.get(key)
    if value is None:
        return {}
    if isinstance(value, dict):
        return value
    if isinstance(value, list) and names and len(value) <= len(names):
        return dict(zip(names, value, strict=False))
    problems.append(key)
    return {}


def _text(value: object) -> str | None:
    if isinstance(value, str) and value.strip() and value.isprintable():
        return value.strip()[:MAX_FIELD_LENGTH]
    return None


def _number(value: object) -> float | None:
    if isinstance(value, int | float) and not isinstance(value, bool) and abs(value) < _NUMBER_LIMIT:
        return float(value)
    return None


def _integer(value: object) -> int | None:
    number = _number(value)
    return int(number) if number is not None and number.is_integer() else None


def _flash_free(statvfs: Mapping[str, Any]) -> int | None:
    block, available = _integer(statvfs.get("f_frsize")), _integer(statvfs.get("f_bavail"))
    if block is None or available is None or block < 0 or available < 0:
        return None
    return block * available


# --- points ------------------------------------------------------------------------------------

_DIAGNOSTICS: Final = {
    "rssi": ("signal_strength", "dBm", "measurement"),
    "mem_free": ("data_size", "B", "measurement"),
    "mem_alloc": ("data_size", "B", "measurement"),
    "flash_free": ("data_size", "B", "measurement"),
    "vsys": ("voltage", "V", "measurement"),
    "ip": (None, None, None),
    "ssid": (None, None, None),
    "logging_level": ("enum", None, None),
}
DIAGNOSTIC_FIELDS: Final = tuple(_DIAGNOSTICS)
"""SYSINFO fields that become diagnostic sensors; their keys are `sysinfo#<field>`."""
_DISABLED_BY_DEFAULT: Final = frozenset({"mem_alloc", "flash_free", "ssid", "ip"})


def sysinfo_key(field_name: str) -> str:
    """Point key of a SYSINFO field."""
    return f"{SYSINFO_NAMESPACE}{KEY_SEPARATOR}{field_name}"


def diagnostic_values(info: SysInfo) -> dict[str, Any]:
    """Point key → value of the diagnostic fields this SYSINFO carries."""
    values: dict[str, Any] = {}
    for name in DIAGNOSTIC_FIELDS:
        value = info.logging_level_name if name == "logging_level" else getattr(info, name)
        if value is not None:
            values[sysinfo_key(name)] = round(value, 3) if isinstance(value, float) else value
    return values


def diagnostic_point(field_name: str) -> PointSpec:
    """The diagnostic sensor of a SYSINFO field (translation key = the field name)."""
    device_class, unit, state_class = _DIAGNOSTICS[field_name]
    return PointSpec(
        key=sysinfo_key(field_name),
        kind=PointKind.SENSOR,
        translation_key=field_name,
        device_class=device_class,
        unit=unit,
        state_class=state_class,
        entity_category=EntityCategory.DIAGNOSTIC,
        enabled_by_default=field_name not in _DISABLED_BY_DEFAULT,
        options=tuple(LOGGING_LEVELS.values()) if field_name == "logging_level" else (),
        suggested_precision=2 if field_name == "vsys" else None,
    )


def node_info(
    node_id: str,
    info: SysInfo | None,
    *,
    base: str,
    name: str | None = None,
    configuration_url: str | None = None,
) -> NodeInfo:
    """The device description: name, model (`uname.machine`), version (`uname.release`), MAC, URL."""
    extra = {"base_topic": base}
    if info is not None:
        described = {"mqtt_client_id": info.client_id, "sysname": info.sysname, "firmware": info.version}
        extra |= {label: value for label, value in described.items() if value is not None}
    return NodeInfo(
        node_id=node_id,
        name=name or (info.name if info else None) or base.strip("/") or base,
        model=info.machine if info else None,
        manufacturer=MANUFACTURER,
        sw_version=info.release if info else None,
        mac=info.mac if info else None,
        configuration_url=configuration_url,
        extra=extra,
    )
