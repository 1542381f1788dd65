"""One running device as the runtime sees it: its node, its variables' points and its availability."""

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from ..nodes.model import NodeInfo, PointSpec, StateWithAttributes
from .api import Device, device_label
from .points import VariableSettings
from .runner import DeviceRunner
from .values import Unusable, ValueKind, safe_text

MAX_KEY_LENGTH = 128
MAX_NODE_ID_LENGTH = 200


@dataclass(slots=True)
class VariableRecord:
    """What was decided and reported for one variable."""

    key: str
    name: Any
    """The name in the device's `variables` (a string, unless the file used another object)."""
    kind: ValueKind | None = None
    point: PointSpec | None = None
    """The point last reported with `points_seen`."""
    point_made_of: tuple[ValueKind, VariableSettings] | None = None
    """The kind and settings `point` was made of: the same again need no new point (the hot path)."""
    unusable: Unusable | None = None
    """Why the device's good value cannot be shown (PyIoT's reason, shown as an attribute)."""


type MailboxKey = tuple[DeviceEntry, Any]


class DeviceEntry:
    """A `Device` of a loaded file, its thread and what the listener was told about it."""

    def __init__(
        self,
        *,
        node_id: str,
        file: str,
        device: Device,
        runner: DeviceRunner,
        post_key: Callable[[MailboxKey], None],
    ) -> None:
        """Not yet observing the device's variables (see `attach`)."""
        self.node_id = node_id
        self.file = file
        self.device = device
        self.runner = runner
        self._post_key = post_key
        self.label = device_label(device)
        self.info = NodeInfo(
            node_id=node_id,
            name=self.label,
            model=safe_text(type(device).__name__, 100),
            manufacturer="IOTpy device file",
            extra={"file": file},
        )
        self.variables: dict[str, VariableRecord] = {}
        self.active = True
        self.reported_available = False
        self.failed = False
        self.hung = False
        self.ended = False
        self.watched_variables = 0
        self.errors: dict[str, tuple[str, int | str, str]] = {}
        """Variables in error by key: (name, status, error), for the Variable errors sensor."""
        self.errors_reported: StateWithAttributes | None = None

    def attach(self) -> None:
        """Observe every variable of the device, now and when it adds more."""
        self.device._observe(self)  # noqa: SLF001 - the runtime's side of the API
        self.watched_variables = len(self.device.variables)

    def detach(self) -> None:
        """Stop observing; what the device still changes is ignored."""
        self.active = False
        self.device._observe(None)  # noqa: SLF001

    def variable_changed(self, device: Device, name: str) -> None:
        """`VariableObserver`: from the device's threads."""
        if self.active:
            self._post_key((self, name))

    @property
    def should_be_available(self) -> bool:
        """Whether the device works: loaded, its `loop()` neither failing, hanging nor ended."""
        return self.active and not (self.failed or self.hung or self.ended)

    def record(self, name: Any) -> VariableRecord:
        """The record of variable `name` (created on first use)."""
        key = variable_key(name)
        record = self.variables.get(key)
        if record is None:
            record = self.variables[key] = VariableRecord(key=key, name=name)
        else:
            record.name = name
        return record

    def __hash__(self) -> int:
        """By identity: a reloaded device is a new entry."""
        return id(self)

    def __eq__(self, other: object) -> bool:
        """By identity."""
        return self is other


def variable_key(name: Any) -> str:
    """The point key of a variable: its name, as printable text of bounded length."""
    if isinstance(name, str) and len(name) <= MAX_KEY_LENGTH and name.isprintable():
        return name
    return safe_text(name, MAX_KEY_LENGTH)


def node_id_for(stem: str, label: str, taken: set[str]) -> str:
    """`<file stem>/<device name>`, with `#2`, `#3`... for devices of one file that share a name."""
    base = f"{stem}/{label}"[:MAX_NODE_ID_LENGTH]
    node_id, number = base, 1
    while node_id in taken:
        number += 1
        node_id = f"{base}#{number}"
    taken.add(node_id)
    return node_id
