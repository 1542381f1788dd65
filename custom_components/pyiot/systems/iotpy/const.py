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

IOTPY_SERVER: Final = "iotpy_server"
"""Entry kind: a remote IOTpy server, polled over HTTP."""

CONF_URL: Final = "url"
CONF_PREFIX: Final = "prefix"
"""The server's `IOTPY_PROXY_PREFIX` (one path segment), empty when it has none."""
CONF_NODE_ID: Final = "node_id"
"""The server's node id, from its URL when the entry was created; kept when the URL changes."""

CONF_POLL_INTERVAL: Final = "poll_interval"
DEFAULT_POLL_INTERVAL: Final = 2
"""Upstream's default `poll_loop_ms`: polling faster gains nothing."""
MIN_POLL_INTERVAL: Final = 1
MAX_POLL_INTERVAL: Final = 3600

CONF_STALE_AFTER: Final = "stale_after"
DEFAULT_STALE_AFTER: Final = 30
"""Seconds a variable's `lastUpdate_ms` may stay unchanged before it is shown unavailable."""
MIN_STALE_AFTER: Final = 5
MAX_STALE_AFTER: Final = 86400

SERVER_TIMEOUT: Final = 10.0
"""Seconds a request to a server may take (the config flow's check and every poll)."""
