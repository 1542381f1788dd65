"""The per-device "Variable errors" diagnostic sensor of both IOTpy kinds (device files, remote servers).

IOTpy marks a variable that could not be read with `status != 1` and says why in `error` (iotpy.md §3).
The variable's own entity is then unavailable; this sensor counts such variables and lists their errors,
so a user sees at a glance which sensor of a device fails and why, and can automate on it. A variable
never set (status 0, no error) is not an error: every variable starts so.
"""

from collections.abc import Iterable
from typing import Final

from ..nodes.model import EntityCategory, PointKind, PointSpec, StateWithAttributes

VARIABLE_ERRORS_KEY: Final = "@variable_errors"
"""Its point key: `@` keeps it apart from variable names, which IOTpy files write as identifiers."""
MAX_LISTED: Final = 20
MAX_ERROR_LENGTH: Final = 200
STATUS_GOOD: Final = 1
STATUS_NEVER_SET: Final = 0

VARIABLE_ERRORS_POINT: Final = PointSpec(
    key=VARIABLE_ERRORS_KEY,
    kind=PointKind.SENSOR,
    translation_key="variable_errors",
    entity_category=EntityCategory.DIAGNOSTIC,
)

_HA_ATTRIBUTES: Final = frozenset(
    {
        "assumed_state",
        "attribution",
        "device_class",
        "editable",
        "entity_picture",
        "friendly_name",
        "icon",
        "id",
        "restored",
        "state_class",
        "supported_features",
        "unit_of_measurement",
    }
)
"""Attributes with a meaning in Home Assistant: a variable of such a name is listed as `name (variable)`."""


def is_error(status: int | str | None, error: str) -> bool:
    """Whether a variable's status is an error (the legacy format has no status: never)."""
    if status is None or status == STATUS_GOOD:
        return False
    return not (status == STATUS_NEVER_SET and not error)


def variable_errors(variables: Iterable[tuple[str, int | str | None, str]]) -> StateWithAttributes:
    """The sensor's state from `(name, status, error)` of every variable: the count, the first errors."""
    count = 0
    listed: dict[str, str] = {}
    for name, status, error in variables:
        if not is_error(status, error):
            continue
        count += 1
        if len(listed) < MAX_LISTED:
            label = f"{name} (variable)" if name in _HA_ATTRIBUTES else name
            listed[label] = (error or f"status {status}")[:MAX_ERROR_LENGTH]
    return StateWithAttributes(count, listed)
