"""Protocol-neutral model of nodes (devices) and points (values); no Home Assistant imports.

Every transport (Pyaiot, FmPyIOT, IOTpy, BLE, ...) describes what it sees with these types and reports
it to a `NodeListener`. The Home Assistant side (the integration's `hub` package) turns that into devices
and entities.
"""

from .model import (
    EntityCategory,
    NodeInfo,
    NodeListener,
    PointKind,
    PointSpec,
    StateWithAttributes,
    Transport,
    WriteError,
)

__all__ = [
    "EntityCategory",
    "NodeInfo",
    "NodeListener",
    "PointKind",
    "PointSpec",
    "StateWithAttributes",
    "Transport",
    "WriteError",
]
