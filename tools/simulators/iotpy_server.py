"""A simulated IOTpy 0.3.2 server (iotpy.md §4, §5, §8), answering as upstream's Twisted server does.

Same routes, status codes, bodies and headers: `GET /variables` (and `/variables/`), `POST /write`
with upstream's validation order and quirks (any Content-Type, booleans accepted, the request echoed
into the success body and able to override `success`/`error`, a write that raises → Twisted's 500
"Processing Failed" page), `/metrics` in Prometheus' text format, Twisted's 404/405/501 pages,
`IOTPY_PROXY_PREFIX`, `GET /restart` shutting the server down, `Server: TwistedWeb/...`. Values follow
upstream's `PromVar`: a value the Prometheus gauge cannot take (`float()` fails) is stored but leaves
status and time as they were and raises, as upstream's does.

Devices are simulated (no device files): upstream's example device (`test0`, `test1`,
`alwais_fail`), writable actuators, values of every odd kind, and `--variables N` more. Each device
polls every `--period` seconds.

    python -m tools.simulators.iotpy_server --port 8085 --variables 50 [--prefix iot] [--legacy]

`IotpyServerSim` is importable: tests start it on port 0 and change its devices.
"""

import argparse
import asyncio
from collections import Counter
from collections.abc import Callable, Iterable, Sequence
import contextlib
from dataclasses import dataclass, field
import gc
from html import escape
import json
import math
import os
from pathlib import Path
import platform
import random
import signal
import sys
import time
from typing import Any, Final, Literal

from aiohttp import web

DEFAULT_PORT: Final = 8085
DEFAULT_PERIOD: Final = 2.0
TWISTED_VERSION: Final = "26.10.0"
SERVER_HEADER: Final = f"TwistedWeb/{TWISTED_VERSION}"
JSON: Final = "application/json"
HTML_UTF8: Final = "text/html; charset=utf-8"
HTML: Final = "text/html"
METRICS: Final = "text/plain; version=0.0.4; charset=utf-8"
SUPPORTED_METHODS: Final = frozenset({"GET", "HEAD", "POST"})
BAD_REQUEST: Final = {"success": False, "error": "Bad Request"}
NOT_FOUND: Final = {"success": False, "error": "Not Found"}
PROCESSING_FAILED: Final = (
    b"<html><head><title>Processing Failed</title></head><body><b>Processing Failed</b></body></html>"
)
_ERROR_PAGE: Final = """
<html>
  <head><title>{code} - {brief}</title></head>
  <body>
    <h1>{brief}</h1>
    <p>{detail}</p>
  </body>
</html>
"""
PANEL: Final = b"""<!DOCTYPE html>
<html><head><title>IOTpy</title><link rel="stylesheet" href="main.css"></head>
<body><h1>IOTpy (simulated)</h1><table id="variables"></table><script src="main.js"></script></body></html>
"""
PANEL_JS: Final = b"// polls ./variables every second in upstream's panel\n"
PANEL_CSS: Final = b"body { font-family: sans-serif; }\n"

type WriteBehaviour = Literal["echo", "refuse", "raise", "none", "switch"]


def now_ms() -> int:
    """Epoch milliseconds, as upstream's `int(time.time() * 1000)`."""
    return int(time.time() * 1000)


@dataclass(slots=True)
class SimVariable:
    """Upstream's `PromVar`, with the gauge's value kept for `/metrics`."""

    name: str
    description: str = ""
    value: Any = None
    status: Any = 0
    error: Any = ""
    last_update_ms: int = field(default_factory=now_ms)
    gauge: float = 0.0

    def set_value(self, value: Any) -> None:
        """Store, set the gauge (`float(value)`, which may raise), then status 1, no error, now."""
        self.value = value
        self.gauge = float(value)
        self.status = 1
        self.error = ""
        self.last_update_ms = now_ms()

    def set_status(self, status: Any, error: Any = "") -> None:
        """Status and error only."""
        self.status = status
        self.error = error

    def summary(self) -> dict[str, Any]:
        """The six-key object of `/variables`."""
        return {
            "name": self.name,
            "value": self.value,
            "description": self.description,
            "lastUpdate_ms": self.last_update_ms,
            "status": self.status,
            "error": self.error,
        }


type Poll = Callable[[SimDevice, random.Random], None]


@dataclass(slots=True)
class SimDevice:
    """One simulated device: variables, a poll function, and how each variable takes writes."""

    name: str
    variables: dict[str, SimVariable] = field(default_factory=dict)
    poll: Poll | None = None
    writes: dict[str, WriteBehaviour] = field(default_factory=dict)
    alive: bool = True
    """False: the thread died (variables freeze), as upstream's after an exception in `loop()`."""
    written: list[tuple[str, Any]] = field(default_factory=list)

    def add(self, name: str, description: str = "", write: WriteBehaviour = "echo") -> SimVariable:
        """Add a variable."""
        variable = self.variables[name] = SimVariable(name, description)
        self.writes[name] = write
        return variable

    def has_var(self, name: str) -> bool:
        """Upstream's `hasVar`."""
        return name in self.variables

    def write(self, name: str, value: Any) -> Any:
        """Upstream's device `write()`: what it returns decides 200 or 400; raising gives 500."""
        self.written.append((name, value))
        match self.writes.get(name, "echo"):
            case "echo":
                self.variables[name].set_value(value)
                return True
            case "switch":
                if value not in (0, 1):
                    return False
                self.variables[name].set_value(bool(value))
                return True
            case "refuse":
                return False
            case "none":
                return None
            case "raise":
                raise RuntimeError(f"device {self.name} failed to write {name}")

    def tick(self, rng: random.Random) -> None:
        """One `loop()`; an exception ends the device's thread, as upstream's."""
        if not self.alive or self.poll is None:
            return
        try:
            self.poll(self, rng)
        except TypeError, ValueError:
            self.alive = False


def _random_walk(names: Sequence[str], low: float, high: float) -> Poll:
    def poll(device: SimDevice, rng: random.Random) -> None:
        for name in names:
            variable = device.variables[name]
            current = variable.value if isinstance(variable.value, float) else rng.uniform(low, high)
            variable.set_value(round(min(high, max(low, current + rng.uniform(-0.5, 0.5))), 3))

    return poll


def example_device() -> SimDevice:
    """Upstream's example device: `test0`, `test1` random in [0, 1), `alwais_fail` with status 2."""
    device = SimDevice("test")
    device.add("test0", "test variable")
    device.add("test1")
    device.add("alwais_fail")

    def poll(device: SimDevice, rng: random.Random) -> None:
        device.variables["test0"].set_value(rng.random())
        device.variables["test1"].set_value(rng.random())
        device.variables["alwais_fail"].set_status(2, "UKNOWN FAILURE")

    device.poll = poll
    return device


def actuator_device() -> SimDevice:
    """Writable variables: a setpoint (echo), a relay (0/1), one that refuses, one whose write raises."""
    device = SimDevice("actuators")
    device.add("setpoint", "target temperature", "echo").set_value(20.0)
    device.add("relay", "relay state", "switch").set_value(False)
    device.add("refusing", "write() returns False", "refuse").set_value(1)
    device.add("exploding", "write() raises", "raise").set_value(0)
    return device


def quirk_device() -> SimDevice:
    """Values a client must parse leniently (iotpy.md §8)."""
    device = SimDevice("quirks")
    device.add("not_finite", "NaN", "refuse").set_value(math.nan)
    device.add("infinite", "Infinity", "refuse").set_value(math.inf)
    device.add("numeric_text", "a numeric string", "refuse").set_value("3.5")
    device.add("never_set", "null before the first reading", "refuse")
    return device


def bulk_device(count: int, name: str = "bulk") -> SimDevice:
    """`count` variables `v000`... following a random walk in [15, 25]."""
    device = SimDevice(name)
    names = [f"v{index:03d}" for index in range(count)]
    for variable in names:
        device.add(variable, f"simulated value {variable}")
    device.poll = _random_walk(names, 15.0, 25.0)
    return device


def default_devices(variables: int = 0) -> list[SimDevice]:
    """The example, actuator and quirk devices, plus a bulk device of `variables` variables."""
    devices = [example_device(), actuator_device(), quirk_device()]
    if variables > 0:
        devices.append(bulk_device(variables))
    return devices


class IotpyServerSim:
    """The HTTP side of upstream's server over simulated devices."""

    def __init__(
        self,
        devices: Iterable[SimDevice] | None = None,
        *,
        prefix: str | None = None,
        legacy: bool = False,
        period: float | None = DEFAULT_PERIOD,
        seed: int | None = None,
    ) -> None:
        """`prefix` as `IOTPY_PROXY_PREFIX`; `legacy`: IOTpy <= 0.2's `{"name": value}` body."""
        self.devices: list[SimDevice] = list(default_devices() if devices is None else devices)
        self._check_names()
        self.prefix = prefix or None
        self.legacy = legacy
        self.period = period
        self.rng = random.Random(seed)
        self.requests: Counter[tuple[str, str]] = Counter()
        self.write_bodies: list[bytes] = []
        self.delay = 0.0
        """Seconds to wait before answering any request (a slow server)."""
        self.override: Callable[[web.Request], web.StreamResponse | None] | None = None
        """Test hook: a response to send instead of the normal one (None: answer normally)."""
        self.restarted = asyncio.Event()
        self._runner: web.AppRunner | None = None
        self._site: web.TCPSite | None = None
        self._ticker: asyncio.Task[None] | None = None
        self.port = 0

    def _check_names(self) -> None:
        # Upstream's global Prometheus registry refuses a name twice: such a server never starts.
        names = [name for device in self.devices for name in device.variables]
        if len(names) != len(set(names)):
            raise ValueError("variable names must be unique across the devices of one server")

    def replace_devices(self, devices: Iterable[SimDevice]) -> None:
        """Other devices, as after a restart with other device files."""
        self.devices = list(devices)
        self._check_names()

    def tick(self) -> None:
        """One poll of every device."""
        for device in self.devices:
            device.tick(self.rng)

    # --- bodies ------------------------------------------------------------------------------

    def variables_body(self) -> bytes:
        """`/variables`: upstream's `json.dumps` of every device's summaries (or the legacy map)."""
        if self.legacy:
            legacy = {name: var.value for device in self.devices for name, var in device.variables.items()}
            return json.dumps(legacy).encode("utf8")
        summaries = [var.summary() for device in self.devices for var in device.variables.values()]
        return json.dumps(summaries).encode("utf8")

    def metrics_body(self) -> bytes:
        """`/metrics`: the default collectors, then three lines per variable."""
        lines = [*_default_collectors()]
        for device in self.devices:
            for variable in device.variables.values():
                lines += [
                    f"# HELP {variable.name} {_escape_help(variable.description)}",
                    f"# TYPE {variable.name} gauge",
                    f"{variable.name} {go_float(variable.gauge)}",
                ]
        return ("\n".join(lines) + "\n").encode("utf8")

    def write(self, raw: bytes) -> tuple[int, bytes, str]:  # noqa: PLR0911 - one return per answer
        """`POST /write` as upstream's `WriteValue`: status, body, content type."""
        self.write_bodies.append(raw)
        try:
            request = json.loads(raw)
        except ValueError:
            return 400, _dumps(BAD_REQUEST), JSON
        try:
            valid = _valid_write(request)
        except TypeError:  # `"name" in 5`, or indexing a list: upstream's 500
            return 500, PROCESSING_FAILED, HTML
        if not valid:
            return 400, _dumps(BAD_REQUEST), JSON
        device = next((device for device in self.devices if device.has_var(request["name"])), None)
        if device is None:
            return 404, _dumps(NOT_FOUND), JSON
        try:
            success = device.write(request["name"], request["value"])
        except Exception:
            return 500, PROCESSING_FAILED, HTML
        if success:
            return 200, _dumps({"success": True, "error": "", **request}), JSON
        return 400, _dumps(BAD_REQUEST), JSON

    # --- HTTP --------------------------------------------------------------------------------

    async def _handle(self, request: web.Request) -> web.StreamResponse:
        self.requests[request.method, request.path] += 1
        if self.delay:
            await asyncio.sleep(self.delay)
        if self.override is not None and (response := self.override(request)) is not None:
            return response
        segments = request.path[1:].split("/")
        if self.prefix is not None:
            if segments[0] != self.prefix:
                return _not_found()
            segments = segments[1:]
            if not segments:  # bare `/<prefix>`: a plain Twisted Resource
                return self._render(request, {}, "HEAD")
        return await self._route(request, segments)

    async def _route(  # noqa: PLR0911 - one return per route
        self, request: web.Request, segments: list[str]
    ) -> web.StreamResponse:
        match segments:
            case ["variables"] | ["variables", ""]:
                return self._render(request, {"GET": self._variables}, "HEAD, GET")
            case ["metrics", *_]:  # a WSGI resource: a leaf, any method
                return _response(200, self.metrics_body(), METRICS)
            case ["write"]:
                body = await request.read() if request.method == "POST" else b""
                return self._render(request, {"POST": lambda: self.write(body)}, "HEAD, POST")
            case ["restart"]:
                return self._render(request, {"GET": self._restart}, "HEAD, GET")
            case [""]:
                return self._render(request, {"GET": lambda: (200, PANEL, "text/html")}, "HEAD, GET")
            case ["main.js"]:
                return self._render(request, {"GET": lambda: (200, PANEL_JS, "text/javascript")}, "HEAD, GET")
            case ["main.css"]:
                return self._render(request, {"GET": lambda: (200, PANEL_CSS, "text/css")}, "HEAD, GET")
        return _not_found()

    def _render(
        self,
        request: web.Request,
        handlers: dict[str, Callable[[], tuple[int, bytes, str]]],
        allowed: str,
    ) -> web.StreamResponse:
        """Twisted's `Resource.render`: HEAD runs GET (a 500 without one), 405 or 501 for the rest."""
        method = request.method
        if method == "HEAD":
            if "GET" not in handlers:
                return _response(500, b"", HTML)
            status, body, content_type = handlers["GET"]()
            response = _response(status, b"", content_type)
            response.headers["Content-Length"] = str(len(body))
            return response
        if method in handlers:
            return _response(*handlers[method]())
        if method in SUPPORTED_METHODS:
            plural = "s" if "," in allowed else ""
            detail = (
                f"Your browser approached me (at {escape(request.path_qs)}) with the method "
                f'"{method}".  I only allow the method{plural} {allowed} here.'
            )
            response = _error_page(405, "Method Not Allowed", detail)
            response.headers["Allow"] = allowed
            return response
        return _error_page(501, "Huh?", f"I don't know how to treat a {escape(method)} request.")

    def _variables(self) -> tuple[int, bytes, str]:
        try:
            return 200, self.variables_body(), JSON
        except TypeError, ValueError:  # a value json cannot encode: Twisted's 500
            return 500, PROCESSING_FAILED, HTML

    def _restart(self) -> tuple[int, bytes, str]:
        prefix = f"{self.prefix or ''}/"
        body = (
            "\n        <h1>Shutting down... </h1> <p>Restart will only happen if you configure it as "
            "deamon.</p>\n        <script>\n            setTimeout(()=>{ window.location.pathname = '"
            f"{prefix}' ; }}, 3000);\n        </script>\n        "
        )
        for device in self.devices:
            device.alive = False
        self.restarted.set()
        return 200, body.encode(), HTML

    # --- lifecycle ---------------------------------------------------------------------------

    async def start(self, host: str = "127.0.0.1", port: int = 0) -> int:
        """Listen; the bound port (useful with port 0)."""
        app = web.Application()
        app.router.add_route("*", "/{tail:.*}", self._handle)
        app.on_response_prepare.append(_twisted_headers)
        self._runner = web.AppRunner(app, access_log=None, handle_signals=False)
        await self._runner.setup()
        self._site = web.TCPSite(self._runner, host, port, reuse_address=True)
        await self._site.start()
        self.port = self._site.port
        self.tick()
        if self.period is not None:
            self._ticker = asyncio.create_task(self._tick_forever(self.period))
        return self.port

    async def _tick_forever(self, period: float) -> None:
        while True:
            await asyncio.sleep(period)
            self.tick()

    async def stop(self) -> None:
        """Stop listening and polling."""
        if self._ticker is not None:
            self._ticker.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await self._ticker
            self._ticker = None
        if self._runner is not None:
            await self._runner.cleanup()
            self._runner = None

    @property
    def url(self) -> str:
        """`http://127.0.0.1:<port>`."""
        return f"http://127.0.0.1:{self.port}"


def _valid_write(request: Any) -> bool:
    """Upstream's `isValidWriteRequest`, in its order (`in` on a number raises `TypeError`)."""
    if "name" not in request or "value" not in request:
        return False
    if not isinstance(request["name"], str):
        return False
    return isinstance(request["value"], float | int)


def _dumps(document: Any) -> bytes:
    return json.dumps(document).encode("utf8")


def _response(status: int, body: bytes, content_type: str) -> web.Response:
    response = web.Response(status=status, body=body)
    response.headers["Content-Type"] = content_type
    return response


def _error_page(code: int, brief: str, detail: str) -> web.Response:
    return _response(code, _ERROR_PAGE.format(code=code, brief=brief, detail=detail).encode(), HTML_UTF8)


def _not_found() -> web.Response:
    return _error_page(404, "No Such Resource", "Sorry. No luck finding that resource.")


async def _twisted_headers(request: web.Request, response: web.StreamResponse) -> None:
    response.headers["Server"] = SERVER_HEADER


def go_float(value: float) -> str:
    """A sample value as Prometheus' Python client prints it (Go's format)."""
    if value == math.inf:
        return "+Inf"
    if value == -math.inf:
        return "-Inf"
    if math.isnan(value):
        return "NaN"
    text = repr(float(value))
    dot = text.find(".")
    if value > 0 and dot > 6:
        mantissa = f"{text[0]}.{text[1:dot]}{text[dot + 1 :]}".rstrip("0.")
        return f"{mantissa}e+{dot - 1:02d}"
    return text


def _escape_help(text: str) -> str:
    return str(text).replace("\\", r"\\").replace("\n", r"\n")


def _default_collectors() -> list[str]:
    """The default collectors of `prometheus_client` (GC, platform, process), with this process' data."""
    lines: list[str] = []
    stats = gc.get_stats()
    for metric, key, help_text in (
        ("python_gc_objects_collected_total", "collected", "Objects collected during gc"),
        ("python_gc_objects_uncollectable_total", "uncollectable", "Uncollectable objects found during GC"),
        ("python_gc_collections_total", "collections", "Number of times this generation was collected"),
    ):
        lines += [f"# HELP {metric} {help_text}", f"# TYPE {metric} counter"]
        lines += [f'{metric}{{generation="{gen}"}} {go_float(s[key])}' for gen, s in enumerate(stats)]
    major, minor, patch = platform.python_version_tuple()
    lines += [
        "# HELP python_info Python platform information",
        "# TYPE python_info gauge",
        (
            f'python_info{{implementation="{platform.python_implementation()}",major="{major}",'
            f'minor="{minor}",patchlevel="{patch}",version="{platform.python_version()}"}} 1.0'
        ),
    ]
    for metric, help_text, value in _process_values():
        kind = "counter" if metric.endswith("_total") else "gauge"
        lines += [f"# HELP {metric} {help_text}", f"# TYPE {metric} {kind}", f"{metric} {go_float(value)}"]
    return lines


def _process_values() -> list[tuple[str, str, float]]:
    if not sys.platform.startswith("linux"):
        return []
    try:
        fields = Path("/proc/self/stat").read_text(encoding="ascii").rsplit(")", 1)[1].split()
        open_fds = len(list(Path("/proc/self/fd").iterdir()))
    except OSError:
        return []
    ticks = os.sysconf("SC_CLK_TCK")
    page = os.sysconf("SC_PAGE_SIZE")
    lines = Path("/proc/stat").read_text(encoding="ascii").splitlines()
    boot = next(float(line.split()[1]) for line in lines if line.startswith("btime"))
    import resource  # noqa: PLC0415 - Unix only

    return [
        ("process_virtual_memory_bytes", "Virtual memory size in bytes.", float(fields[20])),
        ("process_resident_memory_bytes", "Resident memory size in bytes.", float(fields[21]) * page),
        (
            "process_start_time_seconds",
            "Start time of the process since unix epoch in seconds.",
            boot + float(fields[19]) / ticks,
        ),
        (
            "process_cpu_seconds_total",
            "Total user and system CPU time spent in seconds.",
            (float(fields[11]) + float(fields[12])) / ticks,
        ),
        ("process_open_fds", "Number of open file descriptors.", float(open_fds)),
        (
            "process_max_fds",
            "Maximum number of open file descriptors.",
            float(resource.getrlimit(resource.RLIMIT_NOFILE)[0]),
        ),
    ]


async def _serve(args: argparse.Namespace) -> None:
    server = IotpyServerSim(
        default_devices(args.variables), prefix=args.prefix, legacy=args.legacy, period=args.period
    )
    port = await server.start(args.host, args.port)
    print(f"Simulated IOTpy server on http://{args.host}:{port}/{args.prefix or ''}", flush=True)
    stop = asyncio.Event()
    loop = asyncio.get_running_loop()
    for signum in (signal.SIGINT, signal.SIGTERM):
        loop.add_signal_handler(signum, stop.set)
    restarted = asyncio.create_task(server.restarted.wait())
    stopped = asyncio.create_task(stop.wait())
    await asyncio.wait([restarted, stopped], return_when=asyncio.FIRST_COMPLETED)
    if server.restarted.is_set():
        await asyncio.sleep(0.3)  # upstream stops the reactor 0.3 s after /restart
    await server.stop()


def main(argv: Sequence[str] | None = None) -> None:
    """Command line entry point."""
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--port", type=int, default=DEFAULT_PORT, help="TCP port (upstream's default 8085)")
    parser.add_argument("--host", default="127.0.0.1", help="address to bind (upstream: all interfaces)")
    parser.add_argument("--variables", type=int, default=0, help="variables of the bulk device")
    parser.add_argument("--prefix", default=None, help="IOTPY_PROXY_PREFIX (one path segment)")
    parser.add_argument("--legacy", action="store_true", help="answer as IOTpy <= 0.2 ({name: value})")
    parser.add_argument("--period", type=float, default=DEFAULT_PERIOD, help="seconds between polls")
    asyncio.run(_serve(parser.parse_args(argv)))


if __name__ == "__main__":
    main()
