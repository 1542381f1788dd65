"""FmPyIOT (https://github.com/FredThx/FmPyIOT): MicroPython devices over MQTT and their web API."""

from .availability import LostReason
from .clock import Clock, LoopClock
from .gateway import FmPyIotGateway
from .problems import DropReason
from .settings import ActionKind, DeviceSettings, GatewaySettings, SettingsError, TopicSettings, WebSettings
from .values import StateWithAttributes
from .web import FmPyIotWeb, WebAuthError, WebConnectError, WebError, WebResponseError, WebTimeoutError

__all__ = [
    "ActionKind",
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
]
