"""Client of the device's web server `FmPyIotWeb` (fmpyiot.md §8) on an aiohttp session passed in.

Its HTTP is minimal, and tolerated as it is: one request per connection, no `Content-Length` (the
body ends when the device closes), header names read case-sensitively (aiohttp sends `Authorization`,
`Content-Type` and `Content-Length` spelt that way), a query string breaks routing (none is sent), and
an action's real status comes inside the body. A reboot answers `200` and resets without closing the
connection, so its body is not waited for.

Only what PyIoT needs is exposed: fingerprint, status, topics, actions, reboot, logging level and the
log. The REPL (`/api/repl/cmd` evaluates Python), upload and delete are remote code execution and have
no method here.
"""

import asyncio
from collections.abc import Callable, Mapping
from typing import Any, Final

import aiohttp

from .sysinfo import LOGGING_LEVELS
from .topics import web_topic_id
from .web_pages import (
    ACTION_PREFIX,
    StatusEntry,
    WebPageError,
    WebTopics,
    parse_embedded_status,
    parse_hello,
    parse_status,
    parse_topics,
)

DEFAULT_TIMEOUT: Final = 10.0
STATUS_TIMEOUT: Final = 30.0
"""`/api/status` runs every read function of the device (SYSINFO toggles the WiFi for `vsys`)."""
MAX_BODY_BYTES: Final = 256 * 1024
MAX_LOG_BYTES: Final = 64 * 1024


class WebError(Exception):
    """A request to the device's web server failed; `key` is stable, the message is for the user."""

    key = "web_error"

    def __init__(self, detail: str, key: str | None = None) -> None:
        """Keep the message and, if given, a more precise key."""
        super().__init__(detail)
        if key is not None:
            self.key = key


class WebAuthError(WebError):
    """401: the credentials are missing or wrong (the HA side starts a reauthentication)."""

    key = "invalid_auth"


class WebConnectError(WebError):
    """The device cannot be reached, or dropped the connection before answering."""

    key = "cannot_connect"


class WebTimeoutError(WebError):
    """The device did not answer in time."""

    key = "timeout"


class WebResponseError(WebError):
    """The device answered, but not with what was asked: an error status, or an unreadable body."""

    key = "bad_response"


class FmPyIotWeb:
    """One device's web server."""

    def __init__(
        self,
        session: aiohttp.ClientSession,
        host: str,
        port: int = 80,
        *,
        username: str | None = None,
        password: str | None = None,
        timeout: float = DEFAULT_TIMEOUT,
        status_timeout: float = STATUS_TIMEOUT,
    ) -> None:
        """Prepare requests to `http://host:port`; no request is made here."""
        if username is not None and ":" in username:
            raise ValueError("a user name with ':' can never log in to an FmPyIOT device")
        self._session = session
        self.base_url = f"http://{host}:{port}"
        # Spelt exactly so: the device reads header names case-sensitively.
        self._headers = (
            {"Authorization": aiohttp.encode_basic_auth(username, password or "")}
            if username is not None
            else {}
        )
        self._timeout = timeout
        self._status_timeout = status_timeout

    @staticmethod
    def credentials_problem(username: str, password: str) -> str | None:
        """Why these credentials can never log in (the device splits `user:pass` on every `:`)."""
        return "colon_in_credentials" if ":" in username or ":" in password else None

    async def async_hello(self) -> str:
        """The device name from `/api/hello` (no credentials needed); `WebError` if it is no FmPyIOT."""
        status, body = await self._request("GET", "/api/hello", auth=False)
        self._expect(status, body, "/api/hello")
        try:
            return parse_hello(body)
        except WebPageError as err:
            raise WebResponseError(f"{self.base_url} is not an FmPyIOT device: {err}", err.key) from err

    async def async_validate(self) -> str:
        """Fingerprint, then check the credentials on a cheap authenticated page; the device name."""
        name = await self.async_hello()
        await self.async_topics()
        return name

    async def async_status(self) -> dict[str, StatusEntry]:
        """Every topic with its current value (`/api/status`), keyed by declared name."""
        status, body = await self._request("GET", "/api/status", limit=self._status_timeout)
        self._expect(status, body, "/api/status")
        return self._parse(parse_status, body)

    async def async_topics(self) -> WebTopics:
        """Readable and action topics (`/api/topics`)."""
        status, body = await self._request("GET", "/api/topics")
        self._expect(status, body, "/api/topics")
        return self._parse(parse_topics, body)

    async def async_logs(self) -> str:
        """The current log file (`/api/logs`, no credentials needed), its last 64 KiB."""
        status, body = await self._request("GET", "/api/logs", auth=False)
        self._expect(status, body, "/api/logs")
        return body[-MAX_LOG_BYTES:]

    async def async_reboot(self) -> None:
        """Reset the device (`/api/reboot`); only the status line is read."""
        status, body = await self._request("POST", "/api/reboot", read_body=False)
        self._expect(status, body, "/api/reboot")

    async def async_set_logging_level(self, level: int) -> None:
        """Set the device's logging level (10, 20, 30, 40 or 50)."""
        if level not in LOGGING_LEVELS:
            raise ValueError(f"logging level must be one of {sorted(LOGGING_LEVELS)}")
        status, body = await self._request("POST", f"/api/logging-level/{level}")
        self._expect(status, body, "/api/logging-level")

    async def async_run_action(self, declared_topic: str, payload: Any, topic: str | None = None) -> None:
        """Run the action of a topic as the web page does; the payload keeps its JSON type here."""
        path = f"/api/action/{ACTION_PREFIX}{web_topic_id(declared_topic)}"
        status, body = await self._request("POST", path, json={"topic": topic, "payload": payload})
        self._expect(status, body, path)
        embedded = parse_embedded_status(body)
        if embedded is None:
            raise WebResponseError(f"the action {declared_topic} did not complete", "action_failed")
        if embedded.code != 200:  # noqa: PLR2004 - HTTP OK
            raise WebResponseError(
                f"the action {declared_topic} failed: {embedded.code} {embedded.reason}", "action_failed"
            )

    # --- HTTP ------------------------------------------------------------------------------------

    async def _request(
        self,
        method: str,
        path: str,
        *,
        auth: bool = True,
        json: Mapping[str, Any] | None = None,
        limit: float | None = None,
        read_body: bool = True,
    ) -> tuple[int, str]:
        url = self.base_url + path
        seconds = limit or self._timeout
        try:
            async with asyncio.timeout(seconds):
                async with self._session.request(
                    method,
                    url,
                    headers=self._headers if auth else None,
                    json=json,
                    allow_redirects=False,
                ) as response:
                    if not read_body:
                        return response.status, ""
                    body = await _read_limited(response)
        except TimeoutError as err:
            raise WebTimeoutError(f"{url} did not answer within {seconds:g} s") from err
        except (aiohttp.ClientConnectorError, aiohttp.ServerDisconnectedError, aiohttp.ClientOSError) as err:
            raise WebConnectError(f"cannot reach {url}: {err}") from err
        except aiohttp.ClientError as err:
            raise WebResponseError(f"{url} answered unreadable HTTP: {err}") from err
        return response.status, body

    def _expect(self, status: int, body: str, path: str) -> None:
        if status == 401:  # noqa: PLR2004 - HTTP Unauthorized
            raise WebAuthError(f"{self.base_url} refused the credentials for {path}")
        if status != 200:  # noqa: PLR2004 - HTTP OK
            raise WebResponseError(
                f"{self.base_url}{path} answered {status}: {body.strip()[:80]}", f"http_{status}"
            )

    def _parse[T](self, parser: Callable[[str], T], body: str) -> T:
        try:
            return parser(body)
        except WebPageError as err:
            raise WebResponseError(f"{self.base_url} sent an unreadable page: {err}", err.key) from err


async def _read_limited(response: aiohttp.ClientResponse) -> str:
    """The body up to the device closing the connection, at most `MAX_BODY_BYTES`."""
    chunks: list[bytes] = []
    size = 0
    while size <= MAX_BODY_BYTES:
        chunk = await response.content.read(16 * 1024)
        if not chunk:
            break
        chunks.append(chunk)
        size += len(chunk)
    if size > MAX_BODY_BYTES:
        raise WebResponseError(f"{response.url} sent more than {MAX_BODY_BYTES} bytes", "too_large")
    return b"".join(chunks).decode(errors="replace")
