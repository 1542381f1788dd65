"""RPyMostat Engine API (rpymostat.md §3): request parsing and the exact reply bodies.

Every body is what upstream's `json.dumps(..., sort_keys=True)` gives: keys sorted, separators `", "`
and `": "`, ASCII only. The order of the checks of `PUT /v1/sensors/update` is upstream's, so that every
request upstream answers with a 400 or 422 gets the same status and body here. What upstream answers
with a 500 or stores blindly (bodies that are arrays or scalars, a `host_id` that is not a string, a
reading that is not a finite number) is rejected with a 4xx of the same shape; see `Problem`.
"""

from collections.abc import Sequence
from dataclasses import dataclass
from enum import StrEnum
import json
import math
from typing import Any, Final

CONTENT_JSON: Final = "application/json"
CONTENT_HTML: Final = "text/html"
"""Twisted's default content type, which upstream keeps for the two parse errors."""

MAX_HOST_ID_LENGTH: Final = 256
MAX_SENSOR_ID_LENGTH: Final = 128
MAX_TEXT_LENGTH: Final = 128
"""Longest `type`, `alias` or `extra` kept (longer ones are cut)."""
LAST_UPDATE_KEY: Final = "last_update"
"""Point key of a host's last-update timestamp; a sensor may not use it as its id."""


class Problem(StrEnum):
    """Why a request, or one sensor of it, was not stored: keys of the diagnostics' counters and logs."""

    EMPTY_REQUEST = "empty_request"
    INVALID_JSON = "invalid_json"
    UNREADABLE = "unreadable"
    READ_TIMEOUT = "read_timeout"
    NOT_AN_OBJECT = "not_an_object"
    HOST_ID_MISSING = "host_id_missing"
    SENSORS_MISSING = "sensors_missing"
    SENSORS_NOT_OBJECT = "sensors_not_object"
    SENSORS_EMPTY = "sensors_empty"
    BAD_HOST_ID = "bad_host_id"
    TOO_MANY_HOSTS = "too_many_hosts"
    SENSOR_FAILED = "sensor_failed"
    TOO_LARGE = "too_large"
    FORBIDDEN = "forbidden"
    UNAUTHORIZED = "unauthorized"
    RATE_LIMITED = "rate_limited"


@dataclass(frozen=True, kw_only=True, slots=True)
class Reply:
    """An HTTP answer: status, exact body bytes and content type."""

    status: int
    body: bytes
    content_type: str = CONTENT_JSON


def encode(document: Any) -> bytes:
    """`document` as upstream's `json.dumps(document, sort_keys=True)`."""
    return json.dumps(document, sort_keys=True).encode("ascii")


def error_reply(status: int, message: str, content_type: str = CONTENT_JSON) -> Reply:
    """`{"error": message, "status": "error"}`."""
    return Reply(status=status, body=encode({"error": message, "status": "error"}), content_type=content_type)


class ApiError(Exception):
    """A request that is answered with an error reply and stores nothing."""

    def __init__(self, problem: Problem, reply: Reply, detail: str = "") -> None:
        """`detail` says what was wrong, for the log; it is never sent."""
        super().__init__(detail or problem.value)
        self.problem = problem
        self.reply = reply
        self.detail = detail or problem.value


# --- upstream's replies (rpymostat.md §3) ---------------------------------------------------------

HELLO: Final = Reply(status=200, body=b"Hello, World!", content_type=CONTENT_HTML)
STATUS_OK: Final = Reply(status=200, body=encode({"dependencies": {"mongodb": True}, "status": True}))
EMPTY_REQUEST: Final = error_reply(400, "Empty Request.", CONTENT_HTML)
INVALID_JSON: Final = error_reply(400, "Invalid JSON.", CONTENT_HTML)
UNREADABLE: Final = error_reply(400, "Could not read request content.")
HOST_ID_MISSING: Final = error_reply(422, "host_id field missing from POST data")
SENSORS_MISSING: Final = error_reply(422, "sensors field missing from POST data")
SENSORS_NOT_OBJECT: Final = error_reply(
    422, "sensors field must be a JSON object (deserialize to a python dict)"
)
SENSORS_EMPTY: Final = error_reply(422, "sensors field must not be empty")
ALL_FAILED: Final = Reply(status=400, body=encode({"status": "failed"}))

# --- PyIoT's own rejections, in the same shape ------------------------------------------------------

NOT_AN_OBJECT: Final = error_reply(422, "request body must be a JSON object")
BAD_HOST_ID: Final = error_reply(
    422, f"host_id field must be a string of 1 to {MAX_HOST_ID_LENGTH} printable characters"
)
TOO_MANY_HOSTS: Final = error_reply(422, "too many sensor hosts")
TOO_LARGE: Final = error_reply(413, "request body too large")
FORBIDDEN: Final = error_reply(403, "source address not allowed")
UNAUTHORIZED: Final = error_reply(401, "missing or invalid token")
RATE_LIMITED: Final = error_reply(429, "too many requests")


@dataclass(frozen=True, kw_only=True, slots=True)
class Reading:
    """One sensor of an update: a temperature in °C, or None when the host could not read it."""

    sensor_id: str
    value: float | None
    sensor_type: str | None = None
    alias: str | None = None
    extra: str | None = None


@dataclass(frozen=True, kw_only=True, slots=True)
class SensorUpdate:
    """A parsed `PUT /v1/sensors/update`: the readings to store and the sensors that failed."""

    host_id: str
    readings: tuple[Reading, ...]
    failed: tuple[str, ...] = ()
    """Ids of sensors whose entry is unusable (upstream counts them as failed updates)."""


def decode_json(raw: bytes) -> Any:
    """The JSON document of a request body; `ApiError` for an empty, non-UTF-8 or invalid one."""
    if not raw.strip():
        raise ApiError(Problem.EMPTY_REQUEST, EMPTY_REQUEST, "empty body")
    try:
        return json.loads(raw.decode("utf-8-sig"))
    except UnicodeDecodeError as err:
        raise ApiError(Problem.INVALID_JSON, INVALID_JSON, f"body is not UTF-8: {err}") from err
    except RecursionError as err:
        raise ApiError(Problem.INVALID_JSON, INVALID_JSON, "JSON nested too deeply") from err
    except ValueError as err:
        raise ApiError(Problem.INVALID_JSON, INVALID_JSON, f"body is not JSON: {err}") from err


def parse_update(raw: bytes) -> SensorUpdate:
    """Parse and check a `PUT /v1/sensors/update` body; `ApiError` when nothing can be stored.

    Checks in upstream's order: body, `host_id` present, `sensors` present, an object, not empty; then
    PyIoT's: `host_id` a printable string. Each sensor is checked alone (`parse_reading`).
    """
    data = decode_json(raw)
    if not isinstance(data, dict):
        raise ApiError(Problem.NOT_AN_OBJECT, NOT_AN_OBJECT, f"body is a JSON {type(data).__name__}")
    if "host_id" not in data:
        raise ApiError(Problem.HOST_ID_MISSING, HOST_ID_MISSING)
    if "sensors" not in data:
        raise ApiError(Problem.SENSORS_MISSING, SENSORS_MISSING)
    sensors = data["sensors"]
    if not isinstance(sensors, dict):
        raise ApiError(Problem.SENSORS_NOT_OBJECT, SENSORS_NOT_OBJECT)
    host_id = data["host_id"]
    if not sensors:
        # The defect of every Python 3 sensor host (rpymostat.md §4): `detail` carries the host id.
        raise ApiError(Problem.SENSORS_EMPTY, SENSORS_EMPTY, short_repr(host_id))
    if not valid_host_id(host_id):
        raise ApiError(Problem.BAD_HOST_ID, BAD_HOST_ID, f"host_id {short_repr(host_id)}")
    readings: list[Reading] = []
    failed: list[str] = []
    for sensor_id, entry in sensors.items():
        reading = parse_reading(sensor_id, entry)
        if reading is None:
            failed.append(sensor_id)
        else:
            readings.append(reading)
    return SensorUpdate(host_id=host_id, readings=tuple(readings), failed=tuple(failed))


def parse_reading(sensor_id: str, entry: Any) -> Reading | None:
    """One entry of `sensors`, or None when it fails.

    Upstream fails an entry that is not an object or has no `value`; PyIoT also fails a sensor id it
    cannot use and a `value` that is neither a finite number nor null. `type`, `alias` and `extra` are
    kept when they are strings (cut to `MAX_TEXT_LENGTH`), ignored otherwise.
    """
    if not valid_sensor_id(sensor_id) or not isinstance(entry, dict) or "value" not in entry:
        return None
    value = entry["value"]
    if value is not None:
        if isinstance(value, bool) or not isinstance(value, int | float):
            return None
        try:
            value = float(value)
        except OverflowError:
            return None
        if not math.isfinite(value):
            return None
    return Reading(
        sensor_id=sensor_id,
        value=value,
        sensor_type=clean_text(entry.get("type")),
        alias=clean_text(entry.get("alias")),
        extra=clean_text(entry.get("extra")),
    )


def update_reply(host_id: str, stored: Sequence[str], failed: int) -> Reply:
    """Upstream's answer to an update: 201 ok, 400 partial or 400 failed; ids are `<host>_<sensor>`."""
    ids = [f"{host_id}_{sensor_id}" for sensor_id in stored]
    if not failed:
        return Reply(status=201, body=encode({"ids": ids, "status": "ok"}))
    if not stored:
        return ALL_FAILED
    return Reply(
        status=400,
        body=encode({"error": f"{failed} sensor updates failed", "ids": ids, "status": "partial"}),
    )


def valid_host_id(host_id: Any) -> bool:
    """A host id is opaque (spaces, slashes, parentheses) but must be a printable, non-blank string."""
    return (
        isinstance(host_id, str)
        and 0 < len(host_id) <= MAX_HOST_ID_LENGTH
        and host_id.isprintable()
        and not host_id.isspace()
    )


def valid_sensor_id(sensor_id: str) -> bool:
    """Sensor ids (OWFS addresses, `<host>_dummy1`) are printable, non-blank strings; one key is ours."""
    return (
        0 < len(sensor_id) <= MAX_SENSOR_ID_LENGTH
        and sensor_id.isprintable()
        and not sensor_id.isspace()
        and sensor_id != LAST_UPDATE_KEY
    )


def clean_text(value: Any) -> str | None:
    """A descriptive string field: printable characters only, stripped, cut; None when absent."""
    if not isinstance(value, str):
        return None
    if not value.isprintable():
        value = "".join(char for char in value if char.isprintable())
    value = value.strip()[:MAX_TEXT_LENGTH]
    return value or None


def short_repr(value: Any, limit: int = 80) -> str:
    """A string or number as `repr`, cut for a log line; other JSON values by their type only."""
    if isinstance(value, str):
        text = repr(value[:limit])
        return text if len(value) <= limit else f"{text}..."
    if value is None or isinstance(value, bool | int | float):
        return repr(value)[:limit]
    return f"<JSON {type(value).__name__}>"
