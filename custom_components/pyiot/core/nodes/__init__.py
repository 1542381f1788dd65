"""Protocol-neutral model of nodes (devices) and points (values); no Home Assistant imports.

Every transport (Pyaiot, FmPyIOT, IOTpy, BLE, ...) describes what it sees with these types and reports
it to a `NodeListener`. The Home Assistant side (the integration's `hub` package) turns that into devices
and entities, behind an `AdmissionGate` (admission control for every transport), and stores them with
`storage.load_node_records` / `dump_node_records` (tolerant of corrupt records).
"""

from .admission import (
    AdmissionGate,
    AdmissionLimits,
    AdmitWhen,
    CapReport,
    HandshakeListener,
    report_handshake,
)
from .bad_input import OncePerSourceLogger
from .bounded import PendingTable, TokenBucket
from .model import (
    EntityCategory,
    NodeInfo,
    NodeListener,
    PointKind,
    PointSpec,
    StateWithAttributes,
    Transport,
    WriteError,
    WriteRefusedError,
)
from .storage import NodeRecords, StoredNode, dump_node_records, load_node_records, migrate_node_records

__all__ = [
    "AdmissionGate",
    "AdmissionLimits",
    "AdmitWhen",
    "CapReport",
    "EntityCategory",
    "HandshakeListener",
    "NodeInfo",
    "NodeListener",
    "NodeRecords",
    "OncePerSourceLogger",
    "PendingTable",
    "PointKind",
    "PointSpec",
    "StateWithAttributes",
    "StoredNode",
    "TokenBucket",
    "Transport",
    "WriteError",
    "WriteRefusedError",
    "dump_node_records",
    "load_node_records",
    "migrate_node_records",
    "report_handshake",
]
