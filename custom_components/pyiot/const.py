"""Constants shared by every system of the PyIoT integration."""

import logging
from typing import Final

DOMAIN: Final = "pyiot"
LOGGER = logging.getLogger(__package__)

CONF_ENTRY_TYPE: Final = "entry_type"
"""Which kind of entry (a key of `systems.ENTRY_KINDS`); set by the config flow, never changed."""

ENTRY_VERSION: Final = 2
"""Version 2 scopes unique ids and device identifiers per entry (see `hub.migration`)."""
