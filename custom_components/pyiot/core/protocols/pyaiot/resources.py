"""Pyaiot resource catalogue: which resources are points, which describe the device, and value formats.

Nodes send values as text with the unit glued to the number (`"23.4°C"`, `"1013.5hPa"`, `"45.07%"`), LED
states as `0`/`1` and everything else as free text (see pyaiot.md §6).
"""

from collections.abc import Mapping
import json
import math
import re

from ...nodes.model import NodeInfo, PointKind, PointSpec

MAX_TEXT_LENGTH = 255
"""Home Assistant's limit for a state; longer text is truncated."""

INFO_RESOURCES = frozenset({"name", "board", "mcu", "os", "version"})
"""Resources that describe the device (`NodeInfo`) rather than being points."""

IGNORED_RESOURCES = frozenset({"id", "protocol"})
"""Pseudo-resources that upstream gateways add; they carry nothing a node does not already tell us."""


class ValueFormatError(ValueError):
    """A value does not fit its resource (wrong type, no number, not finite, unknown LED state)."""


def _measurement(key: str, device_class: str, unit: str, precision: int | None = None) -> PointSpec:
    return PointSpec(
        key=key,
        kind=PointKind.SENSOR,
        device_class=device_class,
        unit=unit,
        state_class="measurement",
        suggested_precision=precision,
    )


def _text_sensor(key: str) -> PointSpec:
    return PointSpec(key=key, kind=PointKind.SENSOR)


def _writable_text(key: str) -> PointSpec:
    return PointSpec(key=key, kind=PointKind.TEXT, writable=True, maximum=MAX_TEXT_LENGTH)


_CATALOGUE: dict[str, PointSpec] = {
    spec.key: spec
    for spec in (
        _measurement("temperature", "temperature", "°C", precision=1),
        _measurement("pressure", "atmospheric_pressure", "hPa"),
        _measurement("humidity", "humidity", "%"),
        _measurement("eco2", "carbon_dioxide", "ppm"),
        _measurement("tvoc", "volatile_organic_compounds_parts", "ppb"),
        _measurement("illuminance", "illuminance", "lx"),
        PointSpec(key="led", kind=PointKind.SWITCH, writable=True, translation_key="led"),
        PointSpec(key="position", kind=PointKind.SENSOR, translation_key="position"),
        PointSpec(key="imu", kind=PointKind.SENSOR, translation_key="imu"),
        _text_sensor("suit_state"),
        _text_sensor("dwnld"),
        _text_sensor("vendor"),
        _writable_text("js"),
        _writable_text("robot"),
    )
}

KNOWN_RESOURCES: frozenset[str] = frozenset(_CATALOGUE)
"""Resources with a curated `PointSpec`; their keys double as translation keys."""

# Units each numeric resource may carry, longest first. Besides the documented ones: the upstream MQTT
# test node sends pressure as "1013°hPa", and a node without UTF-8 may drop the degree sign.
_UNITS: dict[str, tuple[str, ...]] = {
    "temperature": ("°C", "C"),
    "pressure": ("°hPa", "hPa"),
    "humidity": ("%RH", "%"),
    "eco2": ("ppm",),
    "tvoc": ("ppb",),
    "illuminance": ("lux", "lx"),
}

_NUMBER = re.compile(r"[+-]?(?:\d+(?:\.\d*)?|\.\d+)(?:[eE][+-]?\d+)?")
_LED_STATES = {"0": False, "1": True, "false": False, "true": True, "off": False, "on": True}


def point_for_resource(name: str) -> PointSpec | None:
    """Return the point a resource becomes, or None for device information and pseudo-resources."""
    if name in INFO_RESOURCES or name in IGNORED_RESOURCES:
        return None
    return _CATALOGUE.get(name) or PointSpec(key=name, kind=PointKind.SENSOR, name=name)


def parse_value(resource: str, raw: object) -> object:
    """Turn the `value` a node sent for `resource` into what the point holds.

    Numeric resources give a finite float, `led` a bool, everything else text of at most 255 characters.
    Raises `ValueFormatError` when the value does not fit the resource.
    """
    if resource in _UNITS:
        return _parse_number(raw, _UNITS[resource])
    if resource == "led":
        return _parse_led(raw)
    text = _parse_text(raw)
    if resource == "imu":
        # The RIOT CoAP firmware's GET answer keeps the "imu:" prefix of its push format.
        text = text.removeprefix("imu:")
    return text


def format_command(resource: str, value: object) -> str:
    """Return the payload for `gateway/<id>/<resource>/set`; raise `ValueFormatError` if unfit."""
    if resource == "led":
        return "1" if _parse_led(value) else "0"
    if not isinstance(value, str):
        raise ValueFormatError(f"{resource} expects text, got {type(value).__name__}")
    return value


def node_info(node_id: str, info: Mapping[str, str]) -> NodeInfo:
    """Device description from the info resources received so far (`name`, `board`, `mcu`, `os`, ...).

    `os` names the operating system (`riot`), not a firmware version: it makes the manufacturer and is
    kept in `extra`; only a `version` resource is a software version.
    """
    os_name = (info.get("os") or "").strip()
    return NodeInfo(
        node_id=node_id,
        name=info.get("name") or None,
        model=info.get("board") or None,
        hw_version=info.get("mcu") or None,
        sw_version=info.get("version") or None,
        manufacturer="RIOT" if os_name.lower() == "riot" else "Pyaiot",
        extra={"os": os_name} if os_name else {},
    )


def _parse_number(raw: object, units: tuple[str, ...]) -> float:
    if isinstance(raw, bool) or not isinstance(raw, int | float | str):
        raise ValueFormatError(f"expected a number, got {type(raw).__name__}")
    if isinstance(raw, str):
        text = raw.strip()
        for unit in units:
            if text.endswith(unit):
                text = text.removesuffix(unit).rstrip()
                break
        if not _NUMBER.fullmatch(text):
            raise ValueFormatError(f"not a number with unit {units[-1]}: {raw[:40]!r}")
        raw = text
    try:
        value = float(raw)
    except OverflowError as err:  # an int beyond the float range
        raise ValueFormatError("number out of range") from err
    if not math.isfinite(value):
        raise ValueFormatError(f"not a finite number: {value}")
    return value


def _parse_led(raw: object) -> bool:
    if isinstance(raw, bool):
        return raw
    if isinstance(raw, int) and raw in {0, 1}:
        return bool(raw)
    if isinstance(raw, str) and (state := _LED_STATES.get(raw.strip().lower())) is not None:
        return state
    raise ValueFormatError(f"LED state must be 0 or 1, got {str(raw)[:40]!r}")


def _parse_text(raw: object) -> str:
    if isinstance(raw, str):
        return raw[:MAX_TEXT_LENGTH]
    if not isinstance(raw, int | float | list | dict):  # bool is an int
        raise ValueFormatError(f"expected text, got {type(raw).__name__}")
    try:
        text = json.dumps(raw, ensure_ascii=False, allow_nan=False, separators=(",", ":"))
    except (ValueError, RecursionError) as err:  # not finite, a huge int, or a deeply nested document
        raise ValueFormatError(f"cannot show value as text: {err}") from err
    return text[:MAX_TEXT_LENGTH]
