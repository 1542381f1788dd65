"""IOTpy (https://github.com/panManfredini/IOTpy): device files run inside Home Assistant, remote servers.

The files run unchanged on the core's `IotpyRuntime` (imports in HA's import executor, each device's
`loop()` in a thread of its own); a remote server is polled by a `DataUpdateCoordinator` (`server.py`).
Both report devices and variables as nodes and points to the node hub.
"""

from dataclasses import replace

from ...hub import node_entry_kind
from ..system import System
from .config_flow import IotpyFilesOptionsFlow, IotpyServerOptionsFlow
from .const import IOTPY_FILES, IOTPY_SERVER
from .files import async_create_runtime, files_storage_key
from .server import async_create_server_transport, server_storage_key
from .services import async_setup_services

# The user chose the server: it is vouched for, admitted at its first answer.
_SERVER_KIND = node_entry_kind(
    key=IOTPY_SERVER,
    create_transport=async_create_server_transport,
    options_flow=IotpyServerOptionsFlow,
    reconfigure_step="reconfigure_iotpy_server",
    redact=frozenset({"url", "address"}),
)

_FILES_KIND = node_entry_kind(
    key=IOTPY_FILES,
    create_transport=async_create_runtime,
    options_flow=IotpyFilesOptionsFlow,
    reconfigure_step="reconfigure_iotpy_files",
)

IOTPY_SYSTEM = System(
    name="IOTpy",
    kinds=(
        # The user chose the folder: its devices are vouched for, admitted at their first report.
        replace(
            _FILES_KIND,
            storage_keys=lambda entry_id: (
                *_FILES_KIND.storage_keys(entry_id),
                files_storage_key(entry_id),
            ),
        ),
        replace(
            _SERVER_KIND,
            storage_keys=lambda entry_id: (
                *_SERVER_KIND.storage_keys(entry_id),
                server_storage_key(entry_id),
            ),
        ),
    ),
    async_setup_services=async_setup_services,
)
