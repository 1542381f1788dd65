"""An async client of a remote IOTpy server (iotpy.md §4-§6) on an `aiohttp.ClientSession` passed in.

It only ever requests `<base>[/<prefix>]/variables` (GET) and `<base>[/<prefix>]/write` (POST): never
`/restart`, which shuts the server down, and never follows a redirect (which could lead there). Every
body is read up to a cap, so a server that answers 50 MB is cut off after the cap, not read whole.
Every failure is an `IotpyServerError` (fetch) or `IotpyWriteError` (write) with a stable key.
"""

from collections.abc import Mapping
import contextlib
from dataclasses import dataclass
from email.utils import parsedate_to_datetime
from enum import StrEnum
import json
import logging
from typing import Any, Final

import aiohttp
from yarl import URL

from ...iotpy.errors import IotpyWriteError, WriteProblem, check_write_value
from ...nodes.bad_input import OncePerSourceLogger
from .variables import VariablesDocument, VariablesError, parse_variables

_LOGGER = logging.getLogger(__name__)

DEFAULT_PORT: Final = 8085
MAX_BODY: Final = 2 * 1024 * 1024
MAX_WRITE_REPLY: Final = 64 * 1024
_CHUNK: Final = 64 * 1024


class FetchProblem(StrEnum):
    """Why `/variables` could not be used: keys for the config flow's errors and the logs."""

    CANNOT_CONNECT = "cannot_connect"
    TIMEOUT = "timeout"
    NOT_FOUND = "not_found"
    """404: a wrong URL or proxy prefix."""
    HTTP_STATUS = "http_status"
    REDIRECT = "redirect"
    HTML = "html"
    """A web page (another server, a login page, Twisted's error page)."""
    TOO_LARGE = "too_large"
    TRUNCATED = "truncated"
    NOT_UTF8 = "not_utf8"
    NOT_JSON = "not_json"
    NOT_IOTPY = "not_iotpy"


class IotpyServerError(Exception):
    """`/variables` failed; `key` says why, `status` is the HTTP status if one came."""

    def __init__(self, key: FetchProblem, detail: str, *, status: int | None = None) -> None:
        """Keep the key, the detail and the status."""
        super().__init__(f"{key.value}: {detail}")
        self.key = key
        self.detail = detail
        self.status = status


class AddressError(ValueError):
    """A server URL or proxy prefix that cannot be used; `key`: `invalid_url` or `invalid_prefix`."""

    def __init__(self, key: str, detail: str) -> None:
        """Keep the key."""
        super().__init__(detail)
        self.key = key


@dataclass(frozen=True, slots=True)
class ServerAddress:
    """Where a server answers: its base URL and the optional `IOTPY_PROXY_PREFIX` segment."""

    base: URL
    prefix: str = ""

    @classmethod
    def parse(cls, url: str, prefix: str = "") -> ServerAddress:
        """`http(s)://host[:port][/path]` (port 8085 when none is given) and a single-segment prefix."""
        text = url.strip()
        if "://" not in text:
            text = f"http://{text}"
        try:
            base = URL(text)
        except (ValueError, TypeError) as err:
            raise AddressError("invalid_url", f"{url!r} is not a URL") from err
        if base.scheme not in {"http", "https"} or not base.host or base.query_string or base.fragment:
            raise AddressError("invalid_url", f"{url!r} is not an http(s) URL of a server")
        if base.explicit_port is None and base.scheme == "http":
            base = base.with_port(DEFAULT_PORT)
        segment = prefix.strip().strip("/")
        if "/" in segment or segment in {".", ".."} or any(char in segment for char in "?#"):
            raise AddressError("invalid_prefix", f"{prefix!r} must be a single path segment, e.g. iot")
        return cls(base=base.with_path(base.path.rstrip("/")), prefix=segment)

    def _url(self, route: str) -> URL:
        path = self.base.path.rstrip("/")
        if self.prefix:
            path = f"{path}/{self.prefix}"
        return self.base.with_path(f"{path}/{route}")

    @property
    def variables_url(self) -> URL:
        """`GET` here for the variables."""
        return self._url("variables")

    @property
    def write_url(self) -> URL:
        """`POST` here to write."""
        return self._url("write")

    def __str__(self) -> str:
        """The base URL with the prefix, for titles and logs."""
        return str(self._url("")).rstrip("/")


@dataclass(frozen=True, kw_only=True, slots=True)
class Fetched:
    """One answer of `/variables`; `server_time_ms` is the server's clock from its `Date` header."""

    document: VariablesDocument
    server_time_ms: int | None = None


class IotpyServerClient:
    """Reads and writes one remote IOTpy server."""

    def __init__(
        self,
        session: aiohttp.ClientSession,
        address: ServerAddress,
        *,
        timeout: float = 10.0,
        write_timeout: float = 10.0,
        max_body: int = MAX_BODY,
        logger: logging.Logger | None = None,
    ) -> None:
        """Nothing is requested before `fetch` or `write`."""
        self._session = session
        self.address = address
        self._timeout = aiohttp.ClientTimeout(total=timeout)
        self._write_timeout = aiohttp.ClientTimeout(total=write_timeout)
        self._max_body = max_body
        self._logger = logger or _LOGGER
        self._bad_input = OncePerSourceLogger(self._logger)

    async def fetch(self) -> Fetched:
        """`GET /variables`, parsed; `IotpyServerError` for anything but an IOTpy document."""
        url = self.address.variables_url
        try:
            async with self._session.get(
                url, timeout=self._timeout, allow_redirects=False, headers={"Accept": "application/json"}
            ) as response:
                body = await self._read(response, self._max_body, check_status=True)
                server_time_ms = _server_time_ms(response.headers)
        except IotpyServerError:
            raise
        except TimeoutError as err:
            raise IotpyServerError(FetchProblem.TIMEOUT, f"no answer from {url} in time") from err
        except aiohttp.ClientPayloadError as err:
            raise IotpyServerError(FetchProblem.TRUNCATED, f"the answer of {url} broke off: {err}") from err
        except (aiohttp.ClientError, OSError) as err:
            raise IotpyServerError(FetchProblem.CANNOT_CONNECT, f"{url}: {err}") from err
        try:
            document = parse_variables(body)
        except VariablesError as err:
            raise IotpyServerError(FetchProblem(err.key), err.detail) from err
        for skipped in document.skipped:
            self._bad_input.warn(str(self.address), "skipped_variable", skipped)
        return Fetched(document=document, server_time_ms=server_time_ms)

    async def _read(self, response: aiohttp.ClientResponse, limit: int, *, check_status: bool) -> bytes:
        if check_status and response.status != 200:  # noqa: PLR2004
            response.close()
            if 300 <= response.status < 400:  # noqa: PLR2004
                location = response.headers.get("Location", "?")
                raise IotpyServerError(
                    FetchProblem.REDIRECT, f"redirected to {location}", status=response.status
                )
            key = FetchProblem.NOT_FOUND if response.status == 404 else FetchProblem.HTTP_STATUS  # noqa: PLR2004
            raise IotpyServerError(key, f"HTTP {response.status} {response.reason}", status=response.status)
        if response.content_length is not None and response.content_length > limit:
            response.close()
            raise IotpyServerError(FetchProblem.TOO_LARGE, f"{response.content_length} bytes announced")
        chunks: list[bytes] = []
        size = 0
        while chunk := await response.content.read(_CHUNK):
            size += len(chunk)
            if size > limit:
                response.close()  # the rest is never read: the connection is dropped
                raise IotpyServerError(FetchProblem.TOO_LARGE, f"more than {limit} bytes")
            chunks.append(chunk)
        body = b"".join(chunks)
        if check_status and _looks_like_html(response.content_type, body):
            raise IotpyServerError(FetchProblem.HTML, f"a web page ({response.content_type}), not JSON")
        return body

    async def write(self, name: str, value: Any) -> None:
        """`POST /write {"name", "value"}`; returns when the server answered 200, else `IotpyWriteError`.

        The body of the answer is not trusted (upstream echoes the request into it, §4.3): only the
        status counts. 400 → `write_refused`, 404 → `unknown_variable`, 500 → `write_failed`.
        """
        checked = check_write_value(value)
        payload = json.dumps({"name": name, "value": checked}).encode()
        url = self.address.write_url
        try:
            async with self._session.post(
                url,
                data=payload,
                timeout=self._write_timeout,
                allow_redirects=False,
                headers={"Content-Type": "application/json"},
            ) as response:
                status = response.status
                with contextlib.suppress(IotpyServerError):  # too large: the status is all that counts
                    await self._read(response, MAX_WRITE_REPLY, check_status=False)
        except TimeoutError as err:
            raise IotpyWriteError(WriteProblem.WRITE_TIMEOUT, f"no answer from {url} in time") from err
        except (aiohttp.ClientError, OSError) as err:
            raise IotpyWriteError(WriteProblem.CANNOT_CONNECT, f"{url}: {err}") from err
        _check_write_status(status, name, checked)


_WRITE_STATUS: Final[Mapping[int, tuple[WriteProblem, str]]] = {
    400: (WriteProblem.WRITE_REFUSED, "The device refused {name} = {value!r}"),
    404: (WriteProblem.UNKNOWN_VARIABLE, "The server has no variable {name}"),
    500: (WriteProblem.WRITE_FAILED, "The device failed to write {name} (HTTP 500)"),
}


def _check_write_status(status: int, name: str, value: Any) -> None:
    if status == 200:  # noqa: PLR2004
        return
    key, message = _WRITE_STATUS.get(status, (WriteProblem.UNEXPECTED_STATUS, "HTTP {status} for {name}"))
    raise IotpyWriteError(key, message.format(name=name, value=value, status=status), status=status)


def _looks_like_html(content_type: str, body: bytes) -> bool:
    return content_type in {"text/html", "application/xhtml+xml"} or body.lstrip()[:1] == b"<"


def _server_time_ms(headers: Mapping[str, str]) -> int | None:
    date = headers.get("Date")
    if not date:
        return None
    try:
        moment = parsedate_to_datetime(date)
    except TypeError, ValueError, IndexError:
        return None
    if moment.tzinfo is None:
        return None
    return int(moment.timestamp() * 1000)
