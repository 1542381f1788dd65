"""Constants of the PyIoT integration."""

from enum import StrEnum
import logging
from typing import Final

DOMAIN: Final = "pyiot"
LOGGER = logging.getLogger(__package__)


class EntryType(StrEnum):
    """The kinds of config entry; the config flow opens with a menu of them."""

    PYAIOT_MQTT = "pyaiot_mqtt"


CONF_ENTRY_TYPE: Final = "entry_type"
CONF_NODE_TIMEOUT: Final = "node_timeout"

DEFAULT_NODE_TIMEOUT: Final = 120
MIN_NODE_TIMEOUT: Final = 30
MAX_NODE_TIMEOUT: Final = 3600

PYAIOT_CHECK_TOPIC: Final = "node/check"
