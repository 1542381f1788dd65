"""An RPyMostat Engine (rpymostat.md §2-§3) that reports sensor hosts to a `NodeListener`.

Unmodified sensor hosts PUT their readings here (`-a <address> -p <port>`). Each host becomes a node
(`node_id` = its `host_id`, opaque), each sensor a temperature point (key = sensor id), plus one
diagnostic timestamp point per host (`last_update`).

Ageing (upstream has none, §6): a host's interval is learnt from the spacing of its accepted PUTs (the
median of the last five, default 60 s, kept within 1 s .. 1 h). A sensor with no reading for
`stale_intervals` intervals, or whose reading is `null`, is reported unavailable (`point_unavailable`);
a host with no accepted PUT for `stale_intervals` intervals is reported lost (`node_lost`), after which
the user may delete its device. Everything is driven by `loop.call_later` timers, one per sensor and
one per host, re-armed by each reading.

Every request passes, in order: the source allow-list (403), the per-source rate limit (429), the
token (401), the body size limit (413) and read timeout (400), then the API checks (`api.py`).
"""

import asyncio
from collections import Counter, deque
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from datetime import UTC, datetime
import logging
import math
import re
import statistics
from typing import Any, Final

from aiohttp import ClientPayloadError, web
from aiohttp.http_exceptions import HttpProcessingError

from ...nodes.bad_input import OncePerSourceLogger
from ...nodes.model import (
    EntityCategory,
    NodeInfo,
    NodeListener,
    PointKind,
    PointSpec,
    WriteError,
)
from ..http_guard import BadHttpLogger, GuardProblem, GuardSettings, HttpGuard, IPNetwork
from .api import (
    FORBIDDEN,
    HELLO,
    LAST_UPDATE_KEY,
    RATE_LIMITED,
    STATUS_OK,
    TOO_LARGE,
    TOO_MANY_HOSTS,
    UNAUTHORIZED,
    UNREADABLE,
    ApiError,
    Problem,
    Reading,
    Reply,
    SensorUpdate,
    encode,
    parse_update,
    update_reply,
)

_LOGGER = logging.getLogger(__name__)

SERVER_HEADER: Final = "RPyMostat 0.1.0 (PyIoT)"
"""Starts like upstream's, so probes that look for `Server: RPyMostat` recognise the engine."""
UPDATE_PATH: Final = "/v1/sensors/update"
SENSORS_PATH: Final = "/v1/sensors"
STATUS_PATH: Final = "/v1/status"
INTERVAL_SAMPLES: Final = 5
MAX_REMEMBERED_DEFECTS: Final = 1000
LINGERING_TIME: Final = 0.5
"""How long the rest of a body is read and dropped after an early reply (413, read timeout)."""

LAST_UPDATE_POINT: Final = PointSpec(
    key=LAST_UPDATE_KEY,
    kind=PointKind.SENSOR,
    device_class="timestamp",
    entity_category=EntityCategory.DIAGNOSTIC,
    translation_key="last_update",
)


@dataclass(frozen=True, kw_only=True, slots=True)
class EngineSettings:
    """How the engine listens, whom it accepts and how it ages readings."""

    port: int = 8088
    host: str | None = None
    """Address to bind; None: every interface, as upstream."""
    networks: tuple[IPNetwork, ...] = ()
    """Source networks allowed besides loopback."""
    allow_loopback: bool = True
    token: str | None = None
    rate: float = 1.0
    """Requests per second sustained per source address; 0 turns the limit off."""
    burst: float = 10.0
    max_body: int = 64 * 1024
    read_timeout: float = 10.0
    default_interval: float = 60.0
    stale_intervals: float = 3.0
    min_interval: float = 1.0
    max_interval: float = 3600.0
    max_hosts: int = 500
    max_sensors_per_host: int = 64
    keepalive_timeout: float = 15.0


@dataclass(slots=True)
class _Sensor:
    sensor_id: str
    point: PointSpec
    value: float | None = None
    sensor_type: str | None = None
    alias: str | None = None
    extra: str | None = None
    update_time: datetime | None = None
    stale: bool = True
    timer: asyncio.TimerHandle | None = None

    def cancel_timer(self) -> None:
        if self.timer is not None:
            self.timer.cancel()
            self.timer = None


@dataclass(slots=True)
class _Host:
    host_id: str
    info: NodeInfo
    interval: float
    sensors: dict[str, _Sensor] = field(default_factory=dict)
    online: bool = False
    last_put: float | None = None
    last_update: datetime | None = None
    spacings: deque[float] = field(default_factory=lambda: deque(maxlen=INTERVAL_SAMPLES))
    updates: int = 0
    loss_timer: asyncio.TimerHandle | None = None

    def cancel_timers(self) -> None:
        if self.loss_timer is not None:
            self.loss_timer.cancel()
            self.loss_timer = None
        for sensor in self.sensors.values():
            sensor.cancel_timer()


_RASPBERRY_PI: Final = re.compile(r"RaspberryPi/(?P<model>.+)/(?P<serial>[^/]+)")
_GETNODE: Final = re.compile(r"uuid\.getnode_(?P<mac>[0-9a-f]{1,12})")
MAX_NAME_LENGTH: Final = 48


def host_info(host_id: str) -> NodeInfo:
    """Device information read from a host id (rpymostat.md §4); the id itself stays the identity.

    `RaspberryPi/<model>/<serial>` → "Raspberry Pi <serial>", model "Raspberry Pi <model>";
    `uuid.getnode_<mac>` → "RPyMostat host <mac>"; anything else (e.g. the random uuid4 fallback) is
    shown as it is, cut to 48 characters.
    """
    if match := _RASPBERRY_PI.fullmatch(host_id):
        model = match["model"]
        known_model = model != "unknown_model" and not model.startswith("model_")
        return NodeInfo(
            node_id=host_id,
            name=shorten(f"Raspberry Pi {match['serial']}"),
            manufacturer="Raspberry Pi",
            model=f"Raspberry Pi {model}" if known_model else f"Raspberry Pi ({model})",
        )
    if match := _GETNODE.fullmatch(host_id):
        return NodeInfo(node_id=host_id, name=f"RPyMostat host {match['mac']}", model="RPyMostat sensor host")
    return NodeInfo(node_id=host_id, name=shorten(host_id), model="RPyMostat sensor host")


def shorten(text: str, limit: int = MAX_NAME_LENGTH) -> str:
    """`text`, cut with an ellipsis when longer than `limit`."""
    return text if len(text) <= limit else f"{text[: limit - 1]}…"


def sensor_point(sensor_id: str, alias: str | None) -> PointSpec:
    """The temperature point of a sensor, named by its alias, else its id."""
    return PointSpec(
        key=sensor_id,
        kind=PointKind.SENSOR,
        name=alias or sensor_id,
        device_class="temperature",
        unit="°C",
        state_class="measurement",
    )


def _json_response(reply: Reply, headers: dict[str, str] | None = None) -> web.Response:
    response = web.Response(body=reply.body, status=reply.status)
    response.headers["Content-Type"] = reply.content_type
    if headers:
        response.headers.update(headers)
    return response


class RPyMostatEngine:
    """The Engine's HTTP API on aiohttp, reporting hosts and sensors to a `NodeListener`."""

    def __init__(
        self,
        listener: NodeListener,
        settings: EngineSettings,
        *,
        logger: logging.Logger | None = None,
        monotonic: Callable[[], float] | None = None,
        now: Callable[[], datetime] = lambda: datetime.now(UTC),
    ) -> None:
        """Prepare the engine; nothing listens before `async_start`.

        `monotonic` (default: the event loop's clock, which its timers use too) measures the spacing of
        PUTs and refills the rate limiter; `now` stamps readings.
        """
        self._listener = listener
        self.settings = settings
        self._logger = logger or _LOGGER
        self._bad_input = OncePerSourceLogger(self._logger)
        self._monotonic = monotonic
        self._now = now
        self._http_guard = HttpGuard(
            GuardSettings(
                networks=settings.networks,
                allow_loopback=settings.allow_loopback,
                token=settings.token,
                rate=settings.rate,
                burst=settings.burst,
                realm="rpymostat",
            ),
            clock=self._clock,
        )
        self._hosts: dict[str, _Host] = {}
        self._empty_sensor_hosts: set[str] = set()
        self._statuses: Counter[int] = Counter()
        self._problems: Counter[str] = Counter()
        self._runner: web.AppRunner | None = None
        self._site: web.TCPSite | None = None
        self._loop: asyncio.AbstractEventLoop | None = None

    def _clock(self) -> float:
        if self._monotonic is not None:
            return self._monotonic()
        return (self._loop or asyncio.get_running_loop()).time()

    # --- Transport -----------------------------------------------------------------------------

    @property
    def running(self) -> bool:
        """Whether the server is listening."""
        return self._site is not None

    @property
    def port(self) -> int:
        """The port listened on (the bound one when settings asked for port 0)."""
        return self._site.port if self._site is not None else self.settings.port

    async def async_start(self) -> None:
        """Listen on the configured port; `OSError` when it cannot be bound. Does nothing if running."""
        if self._site is not None:
            return
        self._loop = asyncio.get_running_loop()
        app = web.Application(middlewares=[self._guard])
        app.router.add_get("/", self._handle_root)
        app.router.add_get(STATUS_PATH, self._handle_status)
        app.router.add_get(SENSORS_PATH, self._handle_sensors)
        app.router.add_put(UPDATE_PATH, self._handle_update)
        app.on_response_prepare.append(_set_server_header)
        runner = web.AppRunner(
            app,
            handle_signals=False,
            access_log=None,
            shutdown_timeout=2.0,
            keepalive_timeout=self.settings.keepalive_timeout,
            lingering_time=LINGERING_TIME,
            auto_decompress=False,
            logger=BadHttpLogger(self._logger, self._bad_input),
        )
        await runner.setup()
        site = web.TCPSite(runner, self.settings.host, self.settings.port, reuse_address=True)
        try:
            await site.start()
        except BaseException:
            await runner.cleanup()
            raise
        self._runner, self._site = runner, site
        self._logger.debug("RPyMostat engine listening on port %s", site.port)

    async def async_stop(self) -> None:
        """Stop listening and cancel every timer; hosts are forgotten (a restart starts afresh)."""
        runner, self._runner, self._site = self._runner, None, None
        if runner is not None:
            await runner.cleanup()  # no request is handled after this
        for host in self._hosts.values():
            host.cancel_timers()
        self._hosts.clear()

    async def async_write(self, node_id: str, key: str, value: Any) -> None:
        """Sensor hosts take no commands."""
        raise WriteError("RPyMostat sensor hosts are read-only")

    def restore_host(self, host_id: str, points: Iterable[PointSpec]) -> None:
        """Know a host from a previous run (offline, no readings) so its sensors age like the others.

        When the host speaks again, the sensors it no longer sends are reported unavailable at once.
        """
        if host_id in self._hosts or len(self._hosts) >= self.settings.max_hosts:
            return
        host = _Host(host_id=host_id, info=host_info(host_id), interval=self.settings.default_interval)
        for point in points:
            if point.key != LAST_UPDATE_KEY and len(host.sensors) < self.settings.max_sensors_per_host:
                host.sensors[point.key] = _Sensor(sensor_id=point.key, point=point)
        self._hosts[host_id] = host

    def forget_node(self, node_id: str) -> None:
        """The user deleted the host's device: forget it (it comes back, new, when it sends again)."""
        if (host := self._hosts.pop(node_id, None)) is not None:
            host.cancel_timers()

    # --- HTTP ----------------------------------------------------------------------------------

    @web.middleware
    async def _guard(self, request: web.Request, handler: Callable[[web.Request], Any]) -> web.StreamResponse:
        """Allow-list, rate limit and token before any route; API errors become their reply."""
        source = request.remote or "?"
        rejection = self._http_guard.check(
            request.remote, request.headers.get("Authorization"), request.query.get("token")
        )
        if rejection is not None:
            problem, body = _GUARD_REPLIES[rejection.problem]
            return self._reject(source, ApiError(problem, body, rejection.detail), dict(rejection.headers))
        try:
            response: web.StreamResponse = await handler(request)
        except ApiError as err:
            return self._reject(source, err)
        except web.HTTPException as err:
            self._statuses[err.status] += 1
            raise
        self._statuses[response.status] += 1
        return response

    def _reject(self, source: str, error: ApiError, headers: dict[str, str] | None = None) -> web.Response:
        self._statuses[error.reply.status] += 1
        self._problems[error.problem] += 1
        if error.problem is Problem.SENSORS_EMPTY:
            self._note_empty_sensors(error.detail)
        else:
            self._bad_input.warn(source, error.problem.value, error.detail)
        return _json_response(error.reply, headers)

    def _note_empty_sensors(self, host: str) -> None:
        """The Python 3 defect of the sensor daemon (rpymostat.md §4): info once per host, not a warning."""
        if host in self._empty_sensor_hosts:
            return
        if len(self._empty_sensor_hosts) < MAX_REMEMBERED_DEFECTS:
            self._empty_sensor_hosts.add(host)
        self._logger.info(
            "RPyMostat sensor host %s sends no readings (an empty `sensors` object, the known defect of "
            "RPyMostat-sensor on Python 3); answered 422 as upstream does. Run the host on Python 2.7",
            host,
        )

    async def _handle_root(self, request: web.Request) -> web.Response:
        return _json_response(HELLO)

    async def _handle_status(self, request: web.Request) -> web.Response:
        return _json_response(STATUS_OK)

    async def _handle_sensors(self, request: web.Request) -> web.Response:
        return _json_response(Reply(status=200, body=encode(self.sensors_document())))

    async def _handle_update(self, request: web.Request) -> web.Response:
        raw = await self._read_body(request)
        return _json_response(self.ingest(parse_update(raw), request.remote or "?"))

    async def _read_body(self, request: web.Request) -> bytes:
        """The body, at most `max_body` bytes, within `read_timeout`; else `ApiError` (413 / 400)."""
        limit = self.settings.max_body
        if request.content_length is not None and request.content_length > limit:
            raise ApiError(Problem.TOO_LARGE, TOO_LARGE, f"Content-Length {request.content_length}")
        chunks: list[bytes] = []
        size = 0
        try:
            async with asyncio.timeout(self.settings.read_timeout):
                while chunk := await request.content.read(limit + 1 - size):
                    size += len(chunk)
                    if size > limit:
                        raise ApiError(Problem.TOO_LARGE, TOO_LARGE, f"more than {limit} bytes")
                    chunks.append(chunk)
        except TimeoutError as err:
            detail = f"body not received within {self.settings.read_timeout:g} s"
            raise ApiError(Problem.READ_TIMEOUT, UNREADABLE, detail) from err
        except (HttpProcessingError, ClientPayloadError, ConnectionError) as err:
            raise ApiError(Problem.UNREADABLE, UNREADABLE, f"body unreadable: {err!r}") from err
        return b"".join(chunks)

    # --- ingest --------------------------------------------------------------------------------

    def ingest(self, update: SensorUpdate, source: str = "?") -> Reply:
        """Store an update and report it to the listener; the reply for the host at `source`."""
        settings = self.settings
        host = self._hosts.get(update.host_id)
        if host is None:
            if not self._make_room():
                raise ApiError(Problem.TOO_MANY_HOSTS, TOO_MANY_HOSTS, f"{settings.max_hosts} hosts known")
            host = _Host(
                host_id=update.host_id, info=host_info(update.host_id), interval=settings.default_interval
            )
        failed = len(update.failed)
        readings: list[Reading] = []
        room = settings.max_sensors_per_host - len(host.sensors)
        for reading in update.readings:
            if reading.sensor_id not in host.sensors:
                if room <= 0:
                    failed += 1
                    continue
                room -= 1
            readings.append(reading)
        if failed:
            self._problems[Problem.SENSOR_FAILED] += failed
            self._bad_input.warn(
                source,
                Problem.SENSOR_FAILED.value,
                f"{failed} sensor entries of host {update.host_id!r} could not be used",
            )
        if readings:
            self._hosts[update.host_id] = host
            self._store(host, readings)
        return update_reply(update.host_id, [reading.sensor_id for reading in readings], failed)

    def _store(self, host: _Host, readings: list[Reading]) -> None:
        listener = self._listener
        host_id = host.host_id
        self._learn_interval(host)
        now = self._now()
        new_points = self._update_sensors(host, readings, now)
        if not host.online:
            self._announce(host, {reading.sensor_id for reading in readings})
        elif new_points:
            listener.points_seen(host_id, new_points)
        timeout = host.interval * self.settings.stale_intervals
        loop = self._loop or asyncio.get_running_loop()
        for reading in readings:
            sensor = host.sensors[reading.sensor_id]
            sensor.cancel_timer()
            if reading.value is None:
                sensor.stale = True
                listener.point_unavailable(host_id, reading.sensor_id)
                continue
            sensor.stale = False
            sensor.timer = loop.call_later(timeout, self._sensor_stale, host, sensor)
            listener.value_received(host_id, reading.sensor_id, reading.value)
        host.last_update = now
        host.updates += 1
        # Shown to the second: the same second again is no new value (and no state write).
        listener.value_received(host_id, LAST_UPDATE_KEY, now.replace(microsecond=0))
        if host.loss_timer is not None:
            host.loss_timer.cancel()
        host.loss_timer = loop.call_later(timeout, self._host_lost, host)

    @staticmethod
    def _update_sensors(host: _Host, readings: list[Reading], now: datetime) -> list[PointSpec]:
        """Keep the readings; the points that are new or changed (an alias renames a sensor)."""
        new_points: list[PointSpec] = []
        for reading in readings:
            sensor = host.sensors.get(reading.sensor_id)
            point = sensor_point(reading.sensor_id, reading.alias)
            if sensor is None:
                host.sensors[reading.sensor_id] = sensor = _Sensor(sensor_id=reading.sensor_id, point=point)
                new_points.append(point)
            elif sensor.point != point:
                sensor.point = point
                new_points.append(point)
            sensor.value = reading.value
            sensor.sensor_type = reading.sensor_type
            sensor.alias = reading.alias
            sensor.extra = reading.extra
            sensor.update_time = now
        return new_points

    def _announce(self, host: _Host, sent: set[str]) -> None:
        """First PUT, or back after being lost: the node, every point, then the sensors not sent."""
        listener = self._listener
        host.online = True
        listener.node_seen(host.info)
        points = [LAST_UPDATE_POINT, *(sensor.point for sensor in host.sensors.values())]
        listener.points_seen(host.host_id, points)
        for sensor in host.sensors.values():
            if sensor.sensor_id not in sent:
                sensor.cancel_timer()
                sensor.stale = True
                listener.point_unavailable(host.host_id, sensor.sensor_id)

    def _learn_interval(self, host: _Host) -> None:
        """The host's interval: median spacing of its last PUTs while online (outages are not spacings)."""
        now = self._clock()
        if host.online and host.last_put is not None and (spacing := now - host.last_put) > 0:
            host.spacings.append(spacing)
            settings = self.settings
            host.interval = min(
                settings.max_interval, max(settings.min_interval, statistics.median(host.spacings))
            )
        host.last_put = now

    def _sensor_stale(self, host: _Host, sensor: _Sensor) -> None:
        """No reading for `stale_intervals` intervals (every other way to become stale cancels this)."""
        sensor.timer = None
        sensor.stale = True
        self._listener.point_unavailable(host.host_id, sensor.sensor_id)

    def _host_lost(self, host: _Host) -> None:
        host.loss_timer = None
        host.online = False
        for sensor in host.sensors.values():
            sensor.cancel_timer()
            if not sensor.stale:
                sensor.stale = True
                self._listener.point_unavailable(host.host_id, sensor.sensor_id)
        self._listener.node_lost(host.host_id)

    def _make_room(self) -> bool:
        """Whether one more host fits, forgetting the longest-silent offline host if needed."""
        if len(self._hosts) < self.settings.max_hosts:
            return True
        offline = [host for host in self._hosts.values() if not host.online]
        if not offline:
            return False
        oldest = min(offline, key=lambda host: host.last_put if host.last_put is not None else -math.inf)
        oldest.cancel_timers()
        del self._hosts[oldest.host_id]
        return True

    # --- what the engine knows -----------------------------------------------------------------

    def sensors_document(self) -> dict[str, Any]:
        """The body of `GET /v1/sensors` (PyIoT's; upstream's is a stub `{}`)."""
        hosts: list[dict[str, Any]] = []
        sensors: list[dict[str, Any]] = []
        for host_id in sorted(self._hosts):
            host = self._hosts[host_id]
            hosts.append(
                {
                    "host_id": host_id,
                    "interval": round(host.interval, 3),
                    "last_update": _iso(host.last_update),
                    "online": host.online,
                    "sensors": len(host.sensors),
                }
            )
            for sensor_id in sorted(host.sensors):
                sensor = host.sensors[sensor_id]
                sensors.append(
                    {
                        "alias": sensor.alias,
                        "extra": sensor.extra,
                        "host_id": host_id,
                        "id": f"{host_id}_{sensor_id}",
                        "last_reading_C": sensor.value,
                        "sensor_id": sensor_id,
                        "stale": sensor.stale,
                        "type": sensor.sensor_type,
                        "update_time": _iso(sensor.update_time),
                    }
                )
        return {"hosts": hosts, "sensors": sensors, "status": "ok"}

    def diagnostics(self) -> dict[str, Any]:
        """Settings (without the token), counters and every host, for HA's diagnostics."""
        settings = self.settings
        return {
            "listening": self.running,
            "port": self.port,
            "networks": [str(network) for network in self._http_guard.networks],
            "token_required": bool(settings.token),
            "rate_limit": {"rate": settings.rate, "burst": settings.burst},
            "max_body": settings.max_body,
            "read_timeout": settings.read_timeout,
            "stale_intervals": settings.stale_intervals,
            "replies": {str(status): count for status, count in sorted(self._statuses.items())},
            "problems": dict(sorted(self._problems.items())),
            "hosts_sending_empty_sensors": sorted(self._empty_sensor_hosts),
            **self.sensors_document(),
        }


_HttpLogger = BadHttpLogger
"""Its former name here (moved to `http_guard`, shared with the Pyaiot WebSocket gateway)."""

_GUARD_REPLIES: Final = {
    GuardProblem.FORBIDDEN: (Problem.FORBIDDEN, FORBIDDEN),
    GuardProblem.RATE_LIMITED: (Problem.RATE_LIMITED, RATE_LIMITED),
    GuardProblem.UNAUTHORIZED: (Problem.UNAUTHORIZED, UNAUTHORIZED),
}


def _iso(moment: datetime | None) -> str | None:
    return moment.isoformat() if moment is not None else None


async def _set_server_header(request: web.Request, response: web.StreamResponse) -> None:
    response.headers["Server"] = SERVER_HEADER
