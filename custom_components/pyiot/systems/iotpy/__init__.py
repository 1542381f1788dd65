"""IOTpy (https://github.com/panManfredini/IOTpy): Python device files run inside Home Assistant.

The files run unchanged on the core's `IotpyRuntime` (imports in HA's import executor, each device's
`loop()` in a thread of its own); its devices and variables become entities through the node hub.
"""

from ...hub import node_entry_kind
from ..system import System
from .config_flow import IotpyFilesOptionsFlow
from .const import IOTPY_FILES
from .files import async_create_runtime

IOTPY_SYSTEM = System(
    name="IOTpy",
    kinds=(
        # The user chose the folder: its devices are vouched for, admitted at their first report.
        node_entry_kind(
            key=IOTPY_FILES,
            create_transport=async_create_runtime,
            options_flow=IotpyFilesOptionsFlow,
            reconfigure_step="reconfigure_iotpy_files",
        ),
    ),
)
