"""Constants of the PyIoT integration."""

from enum import StrEnum
import logging
from typing import Final

DOMAIN: Final = "pyiot"
LOGGER = logging.getLogger(__package__)


class EntryType(StrEnum):
    """The kinds of config entry; the config flow opens with a menu of them."""

    PYAIOT_MQTT = "pyaiot_mqtt"
    THERMOSTAT = "thermostat"
    RPYMOSTAT = "rpymostat"


CONF_ENTRY_TYPE: Final = "entry_type"
CONF_NODE_TIMEOUT: Final = "node_timeout"

DEFAULT_NODE_TIMEOUT: Final = 120
MIN_NODE_TIMEOUT: Final = 30
MAX_NODE_TIMEOUT: Final = 3600

PYAIOT_CHECK_TOPIC: Final = "node/check"

# RPyMostat sensor hosts entry: the port in data (reconfigure flow), the rest in options (options flow).
CONF_ALLOWED_NETWORKS: Final = "allowed_networks"
CONF_RATE_LIMIT: Final = "rate_limit"
CONF_ADVERTISE: Final = "advertise"
DEFAULT_RPYMOSTAT_PORT: Final = 8088
DEFAULT_RATE_LIMIT: Final = 1.0
MAX_RATE_LIMIT: Final = 100.0

# Thermostat entry: equipment in data (reconfigure flow), tuning in options (options flow).
CONF_HEATERS: Final = "heaters"
CONF_COOLERS: Final = "coolers"
CONF_SENSORS: Final = "sensors"
CONF_WEIGHTS: Final = "weights"
CONF_OUTDOOR_SENSOR: Final = "outdoor_sensor"
CONF_ALGORITHM: Final = "algorithm"
CONF_ALGORITHM_PARAMS: Final = "algorithm_params"
CONF_AGGREGATE_METHOD: Final = "aggregate_method"
CONF_DEFAULT_TEMPERATURE: Final = "default_temperature"
CONF_STALE_MINUTES: Final = "stale_minutes"
CONF_FAIL_SAFE: Final = "fail_safe"
CONF_FROST_DUTY: Final = "frost_duty"
CONF_PROTECTION: Final = "protection"
CONF_MIN_ON_MINUTES: Final = "min_on_minutes"
CONF_MIN_OFF_MINUTES: Final = "min_off_minutes"
CONF_MAX_STARTS_PER_HOUR: Final = "max_starts_per_hour"
CONF_MAX_RUN_MINUTES: Final = "max_run_minutes"
CONF_PRESETS: Final = "presets"
CONF_OPTIMUM_START: Final = "optimum_start"
CONF_MAX_LEAD_MINUTES: Final = "max_lead_minutes"
PRESET_NAMES: Final = ("away", "eco", "comfort", "sleep", "boost")

DEFAULT_PRESET_TEMPERATURES: Final = {
    "away": 16.0,
    "eco": 18.0,
    "comfort": 21.0,
    "sleep": 18.5,
    "boost": 23.0,
}
EVENT_THERMOSTAT_FAIL_SAFE: Final = f"{DOMAIN}_thermostat_fail_safe"
