"""What the gateway reads from a device's web API, and where it finds it.

The device's address is the user's `host`, else (without credentials only) the IP address of its
SYSINFO; its port the user's (80 by default). Without credentials only `/api/hello` is asked (it
needs none): a device that answers has a web server, whose address becomes the device's configuration
URL. With credentials the topic list (`/api/topics`) and every current value (`/api/status`) are read
too. `/api/status` runs every read function of the device, SYSINFO included, which switches its WiFi
off briefly: it is read when a device is first seen and on request, never periodically.
"""

from dataclasses import dataclass
from typing import Final

import aiohttp

from .device import Device
from .settings import DEFAULT_WEB_PORT
from .web import FmPyIotWeb
from .web_pages import StatusEntry, WebTopics

HTTP_PORT: Final = 80


@dataclass(frozen=True, slots=True)
class WebSnapshot:
    """One reading of a device's web API."""

    name: str
    topics: WebTopics | None = None
    status: dict[str, StatusEntry] | None = None


def web_host(device: Device) -> str | None:
    """Where the device's web server is."""
    settings = device.settings.web
    if settings is not None and settings.host:
        return settings.host
    if settings is not None and settings.has_credentials:
        return None  # a password never goes to an address a SYSINFO names
    return device.sysinfo.ip if device.sysinfo is not None else None


def web_client(
    session: aiohttp.ClientSession | None, device: Device, host: str | None = None
) -> FmPyIotWeb | None:
    """A client of the device's web server, or None when its address is unknown."""
    host = host or web_host(device)
    if session is None or host is None:
        return None
    settings = device.settings.web
    return FmPyIotWeb(
        session,
        host,
        settings.port if settings else DEFAULT_WEB_PORT,
        username=settings.username if settings else None,
        password=settings.password if settings else None,
    )


def configuration_url(device: Device, host: str) -> str:
    """The device's web page."""
    port = device.settings.web.port if device.settings.web else DEFAULT_WEB_PORT
    return f"http://{host}/" if port == HTTP_PORT else f"http://{host}:{port}/"


async def read_web(web: FmPyIotWeb, *, authenticated: bool) -> WebSnapshot:
    """Fingerprint, and with credentials the topics and their values; raises `WebError`."""
    name = await web.async_hello()
    if not authenticated:
        return WebSnapshot(name)
    topics = await web.async_topics()
    status = await web.async_status()
    return WebSnapshot(name, topics, status)
