"""FmPyIOT (https://github.com/FredThx/FmPyIOT): MicroPython devices over MQTT and their web API."""

from ...nodes.model import StateWithAttributes
from .availability import LostReason
from .clock import Clock, LoopClock
from .device import ACTION_NAMESPACE, WEB_LOGGING_LEVEL_KEY, WEB_REBOOT_KEY
from .diagnostics import REDACT
from .gateway import FmPyIotGateway
from .problems import DropReason
from .settings import ActionKind, DeviceSettings, GatewaySettings, SettingsError, TopicSettings, WebSettings
from .sysinfo import DIAGNOSTIC_FIELDS, LOGGING_LEVELS, MANUFACTURER
from .topics import TIME_REQUEST_TOPIC, BaseTopicError, normalise_base
from .web import FmPyIotWeb, WebAuthError, WebConnectError, WebError, WebResponseError, WebTimeoutError

__all__ = [
    "ACTION_NAMESPACE",
    "DIAGNOSTIC_FIELDS",
    "LOGGING_LEVELS",
    "MANUFACTURER",
    "REDACT",
    "TIME_REQUEST_TOPIC",
    "WEB_LOGGING_LEVEL_KEY",
    "WEB_REBOOT_KEY",
    "ActionKind",
    "BaseTopicError",
    "Clock",
    "DeviceSettings",
    "DropReason",
    "FmPyIotGateway",
    "FmPyIotWeb",
    "GatewaySettings",
    "LoopClock",
    "LostReason",
    "SettingsError",
    "StateWithAttributes",
    "TopicSettings",
    "WebAuthError",
    "WebConnectError",
    "WebError",
    "WebResponseError",
    "WebSettings",
    "WebTimeoutError",
    "normalise_base",
]
