"""The body of a remote IOTpy server's `GET /variables` (iotpy.md §4.2), parsed leniently and purely.

IOTpy 0.3 answers a JSON array of objects with the six keys `name`, `value`, `description`,
`lastUpdate_ms`, `status`, `error`; IOTpy <= 0.2 a JSON object `{"name": value}`. Upstream's JSON is
not strict: non-finite floats come as the bare tokens `NaN`, `Infinity`, `-Infinity` (Python's `json`
reads them). Values are whatever the device stored: numbers, booleans, `null`, strings; anything else
(an array, an object) is kept as unusable, the variable stays.
"""

from dataclasses import dataclass
from enum import StrEnum
import json
from typing import Any, Final

from ...iotpy.values import Plain, Unusable, normalize, safe_text

SUMMARY_KEYS: Final = frozenset({"name", "value", "description", "lastUpdate_ms", "status", "error"})
MAX_VARIABLES: Final = 5000
MAX_NAME_LENGTH: Final = 128


class ServerFormat(StrEnum):
    """Which IOTpy a `/variables` body comes from."""

    SUMMARIES = "summaries"
    """0.3: an array of six-key objects."""
    LEGACY_MAP = "legacy_map"
    """<= 0.2: an object mapping names to values."""


class VariablesError(ValueError):
    """A body that is not an IOTpy `/variables` document; `key` says why."""

    def __init__(self, key: str, detail: str) -> None:
        """`key`: `not_utf8`, `not_json` or `not_iotpy`."""
        super().__init__(detail)
        self.key = key
        self.detail = detail


@dataclass(frozen=True, kw_only=True, slots=True)
class RemoteVariable:
    """One variable as the server reported it; `status`/`last_update_ms` are None in the legacy format."""

    name: str
    value: Plain | Unusable
    description: str = ""
    last_update_ms: int | None = None
    status: int | None = None
    error: str = ""

    @property
    def good(self) -> bool:
        """Whether the server says the value is good (status 1; the legacy format has no status)."""
        return self.status == 1 if self.status is not None else self.value is not None


@dataclass(frozen=True, kw_only=True, slots=True)
class VariablesDocument:
    """A parsed `/variables` body: the variables by name, in the server's order, and what was skipped."""

    format: ServerFormat
    variables: dict[str, RemoteVariable]
    skipped: tuple[str, ...] = ()
    """Why entries were not used (one short text per entry)."""


def decode(body: bytes) -> Any:
    """The JSON document of `body`, leniently (NaN, Infinity); `VariablesError` when it is none."""
    try:
        text = body.decode("utf-8-sig")
    except UnicodeDecodeError as err:
        raise VariablesError("not_utf8", f"the body is not UTF-8: {err}") from err
    try:
        return json.loads(text)
    except RecursionError as err:
        raise VariablesError("not_json", "the JSON is nested too deeply") from err
    except ValueError as err:
        raise VariablesError("not_json", f"the body is not JSON: {err}") from err


def fingerprint(document: Any) -> ServerFormat | None:
    """Whether a decoded body looks like IOTpy's `/variables`, and which version's.

    An empty array or object counts (a server whose devices have no variable).
    """
    if isinstance(document, list):
        if all(isinstance(item, dict) and item.keys() >= SUMMARY_KEYS for item in document):
            return ServerFormat.SUMMARIES
        return None
    if isinstance(document, dict):
        if all(_is_legacy_value(value) for value in document.values()):
            return ServerFormat.LEGACY_MAP
        return None
    return None


def _is_legacy_value(value: Any) -> bool:
    return value is None or isinstance(value, bool | int | float | str)


def parse_variables(body: bytes) -> VariablesDocument:
    """Parse a `/variables` body; `VariablesError` when it is not one.

    An array must hold objects with a string `name` to count as IOTpy 0.3's (an entry that is not one
    is skipped, not the document); only a document of which no entry is usable, or of another shape,
    is rejected. Duplicate names keep the first (the device upstream's `/write` would reach).
    """
    document = decode(body)
    if isinstance(document, list):
        return _parse_summaries(document)
    if isinstance(document, dict) and fingerprint(document) is ServerFormat.LEGACY_MAP:
        return _parse_legacy(document)
    raise VariablesError("not_iotpy", f"a JSON {type(document).__name__} that is not IOTpy's /variables")


def _parse_summaries(document: list[Any]) -> VariablesDocument:
    variables: dict[str, RemoteVariable] = {}
    skipped: list[str] = []
    for index, item in enumerate(document):
        if len(variables) >= MAX_VARIABLES:
            skipped.append(f"{len(document) - index} entries beyond {MAX_VARIABLES}")
            break
        if not isinstance(item, dict):
            skipped.append(f"entry {index} is a JSON {type(item).__name__}")
            continue
        name = item.get("name")
        if not isinstance(name, str) or not _valid_name(name):
            skipped.append(f"entry {index} has no usable name")
            continue
        if name in variables:
            skipped.append(f"{name!r} appears twice")
            continue
        variables[name] = RemoteVariable(
            name=name,
            value=normalize(item.get("value")),
            description=_text(item.get("description")),
            last_update_ms=_integer(item.get("lastUpdate_ms")),
            status=_integer(item.get("status")),
            error=_text(item.get("error")),
        )
    if document and not variables:
        raise VariablesError("not_iotpy", "no entry of the array is an IOTpy variable")
    return VariablesDocument(format=ServerFormat.SUMMARIES, variables=variables, skipped=tuple(skipped))


def _parse_legacy(document: dict[str, Any]) -> VariablesDocument:
    variables: dict[str, RemoteVariable] = {}
    skipped: list[str] = []
    for name, value in document.items():
        if len(variables) >= MAX_VARIABLES:
            skipped.append(f"entries beyond {MAX_VARIABLES}")
            break
        if not _valid_name(name):
            skipped.append("a name that is not usable")
            continue
        variables[name] = RemoteVariable(name=name, value=normalize(value))
    return VariablesDocument(format=ServerFormat.LEGACY_MAP, variables=variables, skipped=tuple(skipped))


def _valid_name(name: Any) -> bool:
    return isinstance(name, str) and 0 < len(name) <= MAX_NAME_LENGTH and name.isprintable()


def _text(value: Any) -> str:
    if value is None:
        return ""
    return safe_text(value) if isinstance(value, str | int | float) else ""


def _integer(value: Any) -> int | None:
    """An integer field (`status`, `lastUpdate_ms`); a whole float counts, anything else is None."""
    if isinstance(value, bool):
        return None
    if isinstance(value, int):
        return value
    if isinstance(value, float) and value.is_integer() and abs(value) < 2**63:
        return int(value)
    return None
