"""How an IOTpy variable is shown: its point, from its kind and the user's settings for it.

Without settings: numbers are measurement sensors, booleans binary sensors, text a sensor with a text
state (IOTpy's `/write` takes numbers only, so text is never writable). The user may expose any
variable as a number or a switch entity, which writes through the device's `write()`.
"""

from collections.abc import Mapping
from dataclasses import dataclass
from enum import StrEnum
from typing import Any, Final

from ..nodes.model import PointKind, PointSpec
from .values import ValueKind

NO_STATE_CLASS: Final = "none"
"""`state_class` setting that turns the default (`measurement` for numbers) off."""


class Exposure(StrEnum):
    """What entity a variable becomes."""

    AUTO = "auto"
    """From the variable's values: number, boolean or text."""
    SENSOR = "sensor"
    BINARY_SENSOR = "binary_sensor"
    TEXT = "text"
    NUMBER = "number"
    """A number entity that writes."""
    SWITCH = "switch"
    """A switch entity that writes `True`/`False`."""


_KIND_OF_EXPOSURE: Final = {
    Exposure.SENSOR: ValueKind.NUMBER,
    Exposure.NUMBER: ValueKind.NUMBER,
    Exposure.BINARY_SENSOR: ValueKind.BOOLEAN,
    Exposure.SWITCH: ValueKind.BOOLEAN,
    Exposure.TEXT: ValueKind.TEXT,
}


@dataclass(frozen=True, kw_only=True, slots=True)
class VariableSettings:
    """The user's choices for one variable (options flow); None: the default."""

    exposure: Exposure = Exposure.AUTO
    unit: str | None = None
    device_class: str | None = None
    state_class: str | None = None
    """A sensor's state class; None: `measurement` for numbers; `"none"`: no state class."""
    minimum: float | None = None
    maximum: float | None = None
    step: float | None = None

    @property
    def writable(self) -> bool:
        """Whether the entity writes."""
        return self.exposure in {Exposure.NUMBER, Exposure.SWITCH}

    def as_dict(self) -> dict[str, Any]:
        """Plain data for an entry's options (only what differs from the defaults)."""
        data: dict[str, Any] = {}
        if self.exposure is not Exposure.AUTO:
            data["exposure"] = self.exposure.value
        for name in ("unit", "device_class", "state_class", "minimum", "maximum", "step"):
            if (value := getattr(self, name)) is not None:
                data[name] = value
        return data

    @classmethod
    def from_dict(cls, data: Mapping[str, Any]) -> VariableSettings:
        """Inverse of `as_dict`; an unknown exposure or a wrongly typed field is left at its default."""

        def text(name: str) -> str | None:
            value = data.get(name)
            return value if isinstance(value, str) and value else None

        def number(name: str) -> float | None:
            value = data.get(name)
            return float(value) if isinstance(value, int | float) and not isinstance(value, bool) else None

        exposure = data.get("exposure")
        return cls(
            exposure=Exposure(exposure) if exposure in set(Exposure) else Exposure.AUTO,
            unit=text("unit"),
            device_class=text("device_class"),
            state_class=text("state_class"),
            minimum=number("minimum"),
            maximum=number("maximum"),
            step=number("step"),
        )


DEFAULT_SETTINGS: Final = VariableSettings()


def kind_for(settings: VariableSettings, inferred: ValueKind | None) -> ValueKind | None:
    """The kind the settings impose, else the inferred one."""
    return _KIND_OF_EXPOSURE.get(settings.exposure, inferred)


def point_for(key: str, kind: ValueKind, settings: VariableSettings = DEFAULT_SETTINGS) -> PointSpec:
    """The point of variable `key` of `kind` under `settings`."""
    if settings.exposure is Exposure.NUMBER:
        return PointSpec(
            key=key,
            kind=PointKind.NUMBER,
            name=key,
            writable=True,
            unit=settings.unit,
            device_class=settings.device_class,
            minimum=settings.minimum,
            maximum=settings.maximum,
            step=settings.step,
        )
    if settings.exposure is Exposure.SWITCH:
        return PointSpec(
            key=key, kind=PointKind.SWITCH, name=key, writable=True, device_class=settings.device_class
        )
    match kind:
        case ValueKind.BOOLEAN:
            return PointSpec(
                key=key, kind=PointKind.BINARY_SENSOR, name=key, device_class=settings.device_class
            )
        case ValueKind.TEXT:
            return PointSpec(key=key, kind=PointKind.SENSOR, name=key, device_class=settings.device_class)
        case ValueKind.NUMBER:
            state_class = settings.state_class or "measurement"
            return PointSpec(
                key=key,
                kind=PointKind.SENSOR,
                name=key,
                unit=settings.unit,
                device_class=settings.device_class,
                state_class=None if state_class == NO_STATE_CLASS else state_class,
            )
