"""The web server of `FmPyIotWeb` (upstream `lib/nanoweb.py` + `fmpyiot_web.py`, fmpyiot.md §8).

A raw asyncio server, because its HTTP is not what a framework produces: one request per connection,
the status line and at most a `Content-Type` header, no `Content-Length`, the body ends when the
server closes. Only the request headers `Authorization`, `Content-Length` and `Content-Type` are read,
case-sensitively. Routes match exactly or by a `*` prefix, so a query string gives 404. Actions send
`HTTP/1.1 200 OK` before reading their body, and their real status inside it.

Test hooks (`delay`, `status_error`, `bad_html`, `hang`) make the device slow or faulty; `requests`
records what was asked.
"""

import asyncio
import base64
import binascii
from collections.abc import Awaitable, Callable
import contextlib
from dataclasses import dataclass, field
import json

from .fmpyiot_device import SimulatedDevice

EXTRACTED_HEADERS = ("Authorization", "Content-Length", "Content-Type")


class _HttpError(Exception):
    def __init__(self, code: int, reason: str) -> None:
        super().__init__(reason)
        self.code, self.reason = code, reason


@dataclass
class Request:
    """What the server read of one request."""

    method: str
    url: str
    headers: dict[str, str]
    reader: asyncio.StreamReader
    writer: asyncio.StreamWriter
    version: str = "HTTP/1.1"

    async def write(self, text: str | bytes) -> None:
        """`request.write` (MicroPython's `awrite`)."""
        self.writer.write(text.encode() if isinstance(text, str) else text)
        await self.writer.drain()


@dataclass
class NanowebServer:
    """One device's web server on 127.0.0.1."""

    device: SimulatedDevice
    credentials: tuple[str, str] | None = ("admin", "secret")
    on_reboot: Callable[[], Awaitable[None]] | None = None
    delay: float = 0.0
    status_error: bool = False
    bad_html: bool = False
    hang: bool = False
    requests: list[tuple[str, str, dict[str, str]]] = field(default_factory=list)
    log_text: str = "INFO:root: 2026-03-08 06:20:20 : FmPyIOT start.\n"
    port: int = 0
    _server: asyncio.Server | None = None
    _handlers: set[asyncio.Task[None]] = field(default_factory=set)

    async def start(self, host: str = "127.0.0.1", port: int = 0) -> int:
        """Listen; the port (a free one for 0)."""
        self._server = await asyncio.start_server(self._handle, host, port)
        self.port = self._server.sockets[0].getsockname()[1]
        return self.port

    async def stop(self) -> None:
        """Stop listening and close open connections."""
        if self._server is not None:
            self._server.close()
            with contextlib.suppress(Exception):
                self._server.close_clients()
            for task in list(self._handlers):
                task.cancel()
            await self._server.wait_closed()
            self._server = None

    async def _handle(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        if (task := asyncio.current_task()) is not None:
            self._handlers.add(task)
            task.add_done_callback(self._handlers.discard)
        try:
            request = await self._read_request(reader, writer)
            if request is None:
                return
            self.requests.append((request.method, request.url, request.headers))
            if self.hang:
                await asyncio.sleep(3600)
            if self.delay:
                await asyncio.sleep(self.delay)
            try:
                await self._route(request)
            except _HttpError as err:
                await request.write(f"HTTP/1.1 {err.code} {err.reason}\r\n\r\n<h1>{err.reason}</h1>")
        except ConnectionError, OSError, _ActionFailedError:
            pass  # an action that raised: upstream just closes the connection
        finally:
            writer.close()
            with contextlib.suppress(ConnectionError, OSError):
                await writer.wait_closed()

    @staticmethod
    async def _read_request(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> Request | None:
        """Request line and the three headers nanoweb reads, by their exact names."""
        items = (await reader.readline()).decode("ascii", errors="replace").split()
        if len(items) != 3:  # method, url, version
            return None
        method, url, version = items
        headers = {}
        while len(line := (await reader.readline()).decode("ascii", errors="replace").split(":", 1)) == 2:
            if line[0] in EXTRACTED_HEADERS:
                headers[line[0]] = line[1].strip()
        return Request(method, url, headers, reader, writer, version)

    async def _route(self, request: Request) -> None:
        if request.version not in {"HTTP/1.0", "HTTP/1.1"}:
            raise _HttpError(505, "Version Not Supported")
        routes: dict[str, Callable[[Request], Awaitable[None]]] = {
            "/api/hello": self._hello,
            "/api/logs": self._logs,
            "/api/status": self._authenticated(self._status),
            "/api/topics": self._authenticated(self._topics),
            "/api/params": self._authenticated(self._params),
            "/api/reboot": self._authenticated(self._reboot),
            "/api/action/*": self._authenticated(self._action),
            "/api/logging-level/*": self._authenticated(self._logging_level),
            "/api/repl": self._authenticated(self._repl),
            "/api/repl/cmd": self._authenticated(self._repl_cmd),
        }
        if request.url in routes:
            await routes[request.url](request)
            return
        for route, handler in routes.items():
            if route.endswith("*") and request.url.startswith(route[:-1]):
                await handler(request)
                return
        raise _HttpError(404, "File Not Found")

    def _authenticated(
        self, handler: Callable[[Request], Awaitable[None]]
    ) -> Callable[[Request], Awaitable[None]]:
        async def wrapper(request: Request) -> None:
            header = request.headers.get("Authorization")
            if header is None or not self._authorised(header):
                await request.write("HTTP/1.1 401 Unauthorized\r\n")
                await request.write('WWW-Authenticate: Basic realm="Restricted"\r\n\r\n')
                await request.write("<h1>Unauthorized</h1>")
                return
            await handler(request)

        return wrapper

    def _authorised(self, header: str) -> bool:
        kind, _, authorization = header.strip().partition(" ")
        if kind != "Basic":
            return False
        try:
            decoded = base64.b64decode(authorization.strip()).decode("ascii").split(":")
        except binascii.Error, UnicodeDecodeError:
            return False
        return self.credentials is None or list(self.credentials) == decoded

    @staticmethod
    async def _ok(request: Request, content_type: str | None = None) -> None:
        await request.write("HTTP/1.1 200 OK\r\n")
        if content_type:
            await request.write(f"Content-Type: {content_type}\r\n")
        await request.write("\r\n")

    async def _hello(self, request: Request) -> None:
        await self._ok(request)
        await request.write(f"FmPyIOT/{self.device.name}")

    async def _logs(self, request: Request) -> None:
        await self._ok(request)
        await request.write(self.log_text)

    async def _status(self, request: Request) -> None:
        if self.status_error:
            raise _HttpError(500, "Internal error")
        status = self.device.web_status()
        await self._ok(request, "application/json")
        await request.write(json.dumps(status))

    async def _topics(self, request: Request) -> None:
        await self._ok(request)
        await request.write("<<<<not html>" if self.bad_html else self.device.topics_html())

    async def _params(self, request: Request) -> None:
        await self._ok(request)
        await request.write("".join(f"<div><span>{key}</span></div>" for key in self.device.params))

    async def _reboot(self, request: Request) -> None:
        await self._ok(request)
        request.writer.transport.abort()  # machine.reset(): the connection just vanishes
        if self.on_reboot is not None:
            await self.on_reboot()

    async def _logging_level(self, request: Request) -> None:
        if request.method != "POST":
            raise _HttpError(501, "Not Implemented")
        try:
            self.device.logging_level = int(request.url.removeprefix("/api/logging-level/").strip("/"))
        except ValueError as err:
            raise _HttpError(400, "Bad request") from err
        await self._ok(request)

    async def _post_data(self, request: Request) -> object:
        await request.write("HTTP/1.1 200 OK\r\n\r\n")  # sent before the body is read, as upstream
        if request.method != "POST":
            raise _HttpError(501, "Not Implemented")
        try:
            length = int(request.headers["Content-Length"])
            content_type = request.headers["Content-Type"]
        except (KeyError, ValueError) as err:
            raise _HttpError(400, "Bad Request") from err
        data = (await request.reader.readexactly(length)).decode()
        if content_type == "application/json":
            return json.loads(data)
        if content_type.split(";")[0] == "application/x-www-form-urlencoded":
            return dict(chunk.split("=", 1) for chunk in data.split("&") if "=" in chunk)
        raise _ActionFailedError

    async def _action(self, request: Request) -> None:
        data = await self._post_data(request)
        topic_id = request.url.removeprefix("/api/action/").strip("/")[7:]
        payload = data.get("payload") if isinstance(data, dict) else None
        if not self.device.run_action(topic_id, payload):
            await request.write(f"HTTP/1.1 400 Erreur en lien avec topic.get_id() : {topic_id}=>[]\r\n\r\n")
            raise _ActionFailedError
        await request.write("HTTP/1.1 200 ok\r\n\r\n")

    async def _repl(self, request: Request) -> None:
        await self._ok(request, "application/json")
        await request.write(json.dumps({"repl": []}))

    async def _repl_cmd(self, request: Request) -> None:
        # The device would eval/exec the command; the simulator records it and runs nothing.
        await self._post_data(request)
        await request.write(
            "HTTP/1.1 200 OK\r\nContent-Type: application/json\r\n\r\n" + json.dumps({"rep": ""})
        )


class _ActionFailedError(Exception):
    """The handler raised something that is not an HttpError: the device just closes the connection."""
