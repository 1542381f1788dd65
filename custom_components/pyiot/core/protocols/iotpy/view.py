"""What Home Assistant shows of a remote IOTpy server, from its successive `/variables` answers (pure).

The HA side's `DataUpdateCoordinator` calls `IotpyServerClient.fetch()` and hands each answer to
`ServerView.apply()` (or calls `unreachable()` when the fetch failed); entities read `view.get(name)`.

- Availability of a variable: the server answered, has the variable, says `status == 1`, its value
  can be shown as the variable's kind, and it is not stale.
- Stale: its `lastUpdate_ms` has not changed for `stale_after` seconds of the local clock. A dead
  device thread freezes its variables (iotpy.md §6). The server's clock (its `Date` header) dates the
  first sight, so a variable frozen long ago is stale at once; clocks that differ between the server
  and Home Assistant do not matter otherwise. The legacy format (≤ 0.2) has no time: never stale.
- Variables appear and disappear (a server restarted with other device files): `apply` says which.
- Kinds are decided on first sight and kept (and exported for the next start), as for local devices.
"""

from collections.abc import Callable, Mapping
from dataclasses import dataclass
import time
from typing import Any, Final

from ...iotpy.points import DEFAULT_SETTINGS, VariableSettings, kind_for, point_for
from ...iotpy.values import Unusable, ValueKind, convert, infer_kind
from ...nodes.model import PointSpec
from .client import Fetched
from .variables import RemoteVariable, ServerFormat

DEFAULT_STALE_AFTER: Final = 30.0


@dataclass(frozen=True, kw_only=True, slots=True)
class VariableView:
    """One variable as an entity shows it."""

    name: str
    kind: ValueKind
    value: bool | int | float | str | None
    """None when unavailable."""
    available: bool
    reason: str | None = None
    """Why unavailable: `unreachable`, `missing`, `status`, `stale`, or a value problem."""
    status: int | None = None
    error: str = ""
    description: str = ""
    last_update_ms: int | None = None


@dataclass(frozen=True, kw_only=True, slots=True)
class ViewChanges:
    """What one answer changed in the set of variables."""

    added: tuple[str, ...] = ()
    removed: tuple[str, ...] = ()
    returned: tuple[str, ...] = ()
    """Variables missing from an earlier answer that are back."""


@dataclass(slots=True)
class _Track:
    last_update_ms: int | None
    fresh_since: float


class ServerView:
    """The variables of one server as Home Assistant shows them."""

    def __init__(
        self,
        *,
        stale_after: float = DEFAULT_STALE_AFTER,
        settings: Mapping[str, VariableSettings] | None = None,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        """Empty: nothing known before the first `apply`."""
        self.stale_after = stale_after
        self.settings: Mapping[str, VariableSettings] = settings or {}
        self._clock = clock
        self._kinds: dict[str, ValueKind] = {}
        self._variables: dict[str, RemoteVariable] = {}
        self._present: set[str] = set()
        self._tracks: dict[str, _Track] = {}
        self.reachable = False
        self.format: ServerFormat | None = None

    def apply(self, fetched: Fetched) -> ViewChanges:
        """Take a new answer of the server."""
        now = self._clock()
        document = fetched.document
        self.reachable = True
        self.format = document.format
        current = set(document.variables)
        added = tuple(name for name in document.variables if name not in self._variables)
        returned = tuple(
            name for name in document.variables if name in self._variables and name not in self._present
        )
        removed = tuple(name for name in self._present if name not in current)
        for name, variable in document.variables.items():
            self._variables[name] = variable
            self._track(name, variable, fetched.server_time_ms, now)
            if name not in self._kinds:
                inferred = infer_kind(variable.value)
                # Never set (status 0, or null in the legacy format): decided when a value comes.
                # A variable that only ever gets an error status is a number, as for local devices.
                if inferred is not None or (variable.status is not None and variable.status != 0):
                    self._kinds[name] = inferred or ValueKind.NUMBER
        self._present = current
        return ViewChanges(added=added, removed=removed, returned=returned)

    def _track(self, name: str, variable: RemoteVariable, server_time_ms: int | None, now: float) -> None:
        track = self._tracks.get(name)
        if track is not None and track.last_update_ms == variable.last_update_ms:
            return
        age = 0.0
        if variable.last_update_ms is not None and server_time_ms is not None and track is None:
            age = max(0.0, (server_time_ms - variable.last_update_ms) / 1000)
        self._tracks[name] = _Track(variable.last_update_ms, now - age)

    def unreachable(self) -> None:
        """The last fetch failed: every variable is unavailable until the next answer."""
        self.reachable = False

    @property
    def names(self) -> list[str]:
        """Every variable ever seen, in the server's order (those gone since are kept, unavailable)."""
        return list(self._variables)

    @property
    def present(self) -> list[str]:
        """The variables of the last answer, in the server's order."""
        return [name for name in self._variables if name in self._present]

    def variable(self, name: str) -> RemoteVariable | None:
        """What the server last said of variable `name`, if it was ever seen."""
        return self._variables.get(name)

    def inferred_kind(self, name: str) -> ValueKind | None:
        """The kind decided on first sight (or restored), whatever the settings impose."""
        return self._kinds.get(name)

    def kind(self, name: str) -> ValueKind | None:
        """The variable's kind, as the settings impose it or as decided on first sight."""
        inferred = self._kinds.get(name)
        return kind_for(self.settings.get(name, DEFAULT_SETTINGS), inferred) if inferred else None

    def point(self, name: str) -> PointSpec | None:
        """The point (entity description) of a variable seen."""
        kind = self.kind(name)
        return point_for(name, kind, self.settings.get(name, DEFAULT_SETTINGS)) if kind else None

    def points(self) -> list[PointSpec]:
        """The points of every variable seen."""
        return [point for name in self._variables if (point := self.point(name)) is not None]

    def get(self, name: str) -> VariableView | None:
        """How variable `name` is shown now; None if never seen."""
        variable = self._variables.get(name)
        kind = self.kind(name)
        if variable is None or kind is None:
            return None
        base: dict[str, Any] = {
            "name": name,
            "kind": kind,
            "status": variable.status,
            "error": variable.error,
            "description": variable.description,
            "last_update_ms": variable.last_update_ms,
        }
        reason = self._unavailable_reason(name, variable)
        if reason is not None:
            return VariableView(value=None, available=False, reason=reason, **base)
        value = convert(variable.value, kind)
        if isinstance(value, Unusable):
            return VariableView(value=None, available=False, reason=value.reason, **base)
        return VariableView(value=value, available=True, **base)

    def _unavailable_reason(self, name: str, variable: RemoteVariable) -> str | None:
        if not self.reachable:
            return "unreachable"
        if name not in self._present:
            return "missing"
        if not variable.good:
            return "status"
        track = self._tracks.get(name)
        frozen = track is not None and track.last_update_ms is not None
        if frozen and track is not None and self._clock() - track.fresh_since > self.stale_after:
            return "stale"
        return None

    def export(self) -> dict[str, str]:
        """The kinds decided so far, to store."""
        return {name: kind.value for name, kind in self._kinds.items()}

    def restore(self, kinds: Any) -> None:
        """Take back the kinds of `export` (malformed entries are ignored)."""
        if not isinstance(kinds, dict):
            return
        for name, kind in kinds.items():
            if isinstance(name, str) and kind in set(ValueKind):
                self._kinds.setdefault(name, ValueKind(kind))

    def diagnostics(self) -> dict[str, Any]:
        """What the view knows, for Home Assistant's diagnostics."""
        return {
            "reachable": self.reachable,
            "format": self.format.value if self.format else None,
            "stale_after": self.stale_after,
            "variables": {
                name: {
                    "kind": view.kind.value,
                    "available": view.available,
                    "reason": view.reason,
                    "status": view.status,
                    "error": view.error,
                }
                for name in self._variables
                if (view := self.get(name)) is not None
            },
        }
