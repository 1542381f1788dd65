"""Constants of the IOTpy system."""

from typing import Final

IOTPY_FILES: Final = "iotpy_files"
"""Entry kind: a folder of IOTpy device files run inside Home Assistant."""

CONF_FOLDER: Final = "folder"
DEFAULT_FOLDER: Final = "pyiot_devices"

CONF_WATCHDOG: Final = "watchdog"
DEFAULT_WATCHDOG: Final = 30
MIN_WATCHDOG: Final = 1
MAX_WATCHDOG: Final = 3600

CONF_WATCH_INTERVAL: Final = "watch_interval"
DEFAULT_WATCH_INTERVAL: Final = 2
MIN_WATCH_INTERVAL: Final = 0
"""0: files are only reloaded on request (options or reload)."""
MAX_WATCH_INTERVAL: Final = 3600

VALIDATION_TIMEOUT: Final = 10.0
"""Seconds the config flow waits for the files' imports before it reports a timeout."""

CONF_VARIABLES: Final = "variables"
"""Per node id and variable: `VariableSettings.as_dict()` (exposure as number/switch, unit, ...)."""
