"""Topic values → points: the kind of a topic is fixed by its first value and never flips.

JSON numbers become measurement sensors, booleans binary sensors, text text sensors, and objects or
arrays a sensor with the document as attributes. Device class and unit are guessed from the topic name
(`temperature`, `humidite2`, `bat_voltage`, ...). A value of another type later keeps the point's
kind: a numeric topic that sends `Erreur capteur lidar` gets an unknown state with the text exposed.
"""

from dataclasses import dataclass
from enum import StrEnum
import math
import re
from typing import Any, Final

from ...nodes.model import PointKind, PointSpec, StateWithAttributes
from .payloads import compact_json

MAX_STATE_LENGTH: Final = 255
"""Home Assistant's limit for a state."""
MAX_ATTRIBUTES_BYTES: Final = 16 * 1024
"""Beyond this a document is not kept as attributes (the recorder would refuse it anyway)."""
MAX_DOCUMENT_DEPTH: Final = 32
"""Deeper documents are not kept as attributes (Home Assistant's JSON encoder stops at 255 levels)."""
TEXT_ATTRIBUTE: Final = "text"
"""Attribute holding the text a numeric or binary topic sent instead of its value."""
ITEMS_ATTRIBUTE: Final = "items"
"""Attribute holding the elements of an array document."""
_LARGEST_EXACT_INTEGER: Final = 2**53


class Shape(StrEnum):
    """What a topic carries; stored, so that a restarted gateway keeps every point's kind."""

    NUMBER = "number"
    BOOLEAN = "boolean"
    TEXT = "text"
    DOCUMENT = "document"


class ValueProblem(StrEnum):
    """Why a value did not fit its point (logged once per device and topic)."""

    TEXT_ON_NUMERIC = "text_on_numeric"
    TEXT_ON_BINARY = "text_on_binary"
    DOCUMENT_TOO_LARGE = "document_too_large"


@dataclass(frozen=True, slots=True)
class Converted:
    """A value ready for the listener, and what was wrong with it, if anything."""

    value: Any
    problem: ValueProblem | None = None


def shape_of(value: object) -> Shape:
    """The shape a decoded payload gives its topic."""
    if isinstance(value, bool):
        return Shape.BOOLEAN
    if isinstance(value, int | float):
        return Shape.NUMBER
    if isinstance(value, dict | list):
        return Shape.DOCUMENT
    return Shape.TEXT


# (words a name is made of, device class, unit); words are matched after trailing digits are removed.
_MEASUREMENTS: Final[tuple[tuple[frozenset[str], str, str], ...]] = (
    (frozenset({"temperature", "temperatures", "temp", "thermometre"}), "temperature", "°C"),
    (frozenset({"humidity", "humidite", "hygrometrie", "hum"}), "humidity", "%"),
    (frozenset({"moisture", "soil"}), "moisture", "%"),
    (frozenset({"pressure", "pression"}), "pressure", "hPa"),
    (frozenset({"co2", "eco2"}), "carbon_dioxide", "ppm"),
    (frozenset({"tvoc"}), "volatile_organic_compounds_parts", "ppb"),
    (frozenset({"pm25"}), "pm25", "µg/m³"),
    (frozenset({"pm10"}), "pm10", "µg/m³"),
    (frozenset({"voltage", "vsys", "volt", "volts", "tension"}), "voltage", "V"),
    (frozenset({"current", "courant", "intensite"}), "current", "A"),
    (frozenset({"power", "puissance"}), "power", "W"),
    (frozenset({"lux", "illuminance", "luminosite", "lum", "light"}), "illuminance", "lx"),
    (frozenset({"distance", "lidar"}), "distance", "cm"),
    (frozenset({"battery", "batterie"}), "battery", "%"),
    (frozenset({"rssi"}), "signal_strength", "dBm"),
    (frozenset({"frequency", "frequence"}), "frequency", "Hz"),
)
_WORDS = re.compile(r"[a-z0-9]+")
_TRAILING_DIGITS = re.compile(r"\d+$")
_PM25 = re.compile(r"pm2[._]5")


def guess_measurement(name: str) -> tuple[str, str] | None:
    """`(device class, unit)` guessed from a topic name, or None.

    The last matching word wins: `bat_voltage` is a voltage, `temperature_humidity` a humidity.
    """
    found = None
    for word in _WORDS.findall(_PM25.sub("pm25", name.lower())):
        stem = _TRAILING_DIGITS.sub("", word) or word
        for words, device_class, unit in _MEASUREMENTS:
            if stem in words or word in words:
                found = (device_class, unit)
    return found


def shape_for_first_value(name: str, value: object) -> Shape:
    """The shape of a new topic: its first value's, except that text on a measurement name is a number.

    The lidar example's first value can be its error text; `distance` is still a numeric topic.
    """
    shape = shape_of(value)
    if shape is Shape.TEXT and guess_measurement(name) is not None:
        return Shape.NUMBER
    return shape


def topic_point(
    key: str,
    name: str,
    shape: Shape,
    *,
    device_class: str | None = None,
    unit: str | None = None,
) -> PointSpec:
    """The read-only point of a topic; `device_class`/`unit` are the user's, else guessed (numbers)."""
    match shape:
        case Shape.NUMBER:
            guessed = guess_measurement(name)
            if device_class is None and unit is None and guessed is not None:
                device_class, unit = guessed
            return PointSpec(
                key=key,
                kind=PointKind.SENSOR,
                name=name,
                device_class=device_class,
                unit=unit,
                state_class="measurement",
            )
        case Shape.BOOLEAN:
            return PointSpec(key=key, kind=PointKind.BINARY_SENSOR, name=name, device_class=device_class)
        case Shape.TEXT | Shape.DOCUMENT:
            return PointSpec(key=key, kind=PointKind.SENSOR, name=name)


def convert(shape: Shape, value: object) -> Converted:
    """The value a point of `shape` holds for a decoded payload."""
    match shape:
        case Shape.NUMBER:
            return _number(value)
        case Shape.BOOLEAN:
            return _boolean(value)
        case Shape.TEXT:
            return Converted(as_text(value))
        case Shape.DOCUMENT:
            return _document(value)


def as_text(value: object) -> str:
    """A value as text of at most 255 characters (documents and numbers as compact JSON)."""
    text = value if isinstance(value, str) else _json_text(value)
    return text if len(text) <= MAX_STATE_LENGTH else text[: MAX_STATE_LENGTH - 1] + "…"


def _number(value: object) -> Converted:
    if isinstance(value, int | float) and not isinstance(value, bool):
        if isinstance(value, float) and math.isfinite(value):
            return Converted(value)
        if isinstance(value, int) and abs(value) < _LARGEST_EXACT_INTEGER:
            return Converted(value)
    return Converted(
        StateWithAttributes(None, {TEXT_ATTRIBUTE: as_text(value)}), ValueProblem.TEXT_ON_NUMERIC
    )


_TRUE_WORDS: Final = frozenset({"on", "true", "1", "yes"})
_FALSE_WORDS: Final = frozenset({"off", "false", "0", "no"})


def parse_switch_state(value: object) -> bool | None:
    """`ON`/`OFF`, `true`/`false`, `1`/`0` (any case) as a bool; None for anything else."""
    if isinstance(value, bool):
        return value
    if isinstance(value, int) and value in {0, 1}:
        return bool(value)
    if isinstance(value, str):
        word = value.strip().lower()
        if word in _TRUE_WORDS:
            return True
        if word in _FALSE_WORDS:
            return False
    return None


def _boolean(value: object) -> Converted:
    if (state := parse_switch_state(value)) is not None:
        return Converted(state)
    return Converted(StateWithAttributes(None, {TEXT_ATTRIBUTE: as_text(value)}), ValueProblem.TEXT_ON_BINARY)


def _document(value: object) -> Converted:
    state = as_text(value)
    if not isinstance(value, dict | list):
        return Converted(StateWithAttributes(state, {}))
    text = _json_text(value)
    if len(text.encode()) > MAX_ATTRIBUTES_BYTES or _too_deep(value):
        return Converted(StateWithAttributes(state, {}), ValueProblem.DOCUMENT_TOO_LARGE)
    attributes = dict(value) if isinstance(value, dict) else {ITEMS_ATTRIBUTE: list(value)}
    return Converted(StateWithAttributes(state, attributes))


def _too_deep(document: object) -> bool:
    level: list[object] = [document]
    for _ in range(MAX_DOCUMENT_DEPTH):
        level = [
            child
            for item in level
            if isinstance(item, dict | list)
            for child in (item.values() if isinstance(item, dict) else item)
        ]
        if not level:
            return False
    return True


def _json_text(value: object) -> str:
    try:
        return compact_json(value)
    except ValueError, RecursionError:  # nested too deeply to encode
        return "…"
